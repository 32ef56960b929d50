"""Traffic filters: security groups (stateful, allow rules only) and network ACLs (stateless,
numbered allow and deny rules), notes §3.4 and §24.5."""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.kinds.network import INTERNET, duplicates, subnet_issues, vpc_of
from archform.stdlib.quota_facts import increase_hint, quota
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Enum, IntRange, Port, PortRange, Ref, Str, Tags, Validated, fail


def _describe(x) -> str:
    if isinstance(x, v.ResourceRef):
        return f"{x.kind} '{x.address}'"
    return f"{v.type_name(x)} {v.to_json(x)!r}" if not isinstance(x, (list, dict)) else v.type_name(x)


def _cidr_or_internet(x):
    """A CIDR block; the word `internet` means 0.0.0.0/0 and an IP address its /32."""
    if isinstance(x, v.Cidr):
        return x
    if isinstance(x, v.Ip):
        bits = 32 if x.address.version == 4 else 128
        return v.Cidr(ipaddress.ip_network(f"{x.address}/{bits}"))
    text = x.text if isinstance(x, v.Word) else x
    if text == "internet":
        return INTERNET
    if isinstance(text, str):
        try:
            return v.Cidr(ipaddress.ip_network(text, strict=True))
        except ValueError as e:
            raise fail(f"invalid CIDR block {text!r}: {e}", "write a block such as 10.0.0.0/16, or internet")
    if isinstance(x, (v.Unknown, v.Interpolated)):
        return x
    raise fail(f"expected a CIDR block such as 10.0.0.0/16 or the word internet, got {_describe(x)}")


def _peer(x):
    """Where security-group traffic comes from or goes to: a CIDR, `internet`, or a security group."""
    if isinstance(x, v.ResourceRef):
        if x.kind == "security_group":
            return x
        raise fail(f"expected a CIDR block, internet or a security_group, got {_describe(x)}",
                   "refer to one of its security groups instead" if x.kind != "vpc" else "use the VPC's cidr")
    if isinstance(x, v.Unknown) and x.kind == "security_group" and x.attr in ("id", "arn"):
        return v.ResourceRef(x.address, x.kind)
    return _cidr_or_internet(x)


CidrOrInternet = Validated(_cidr_or_internet)


Peer = Validated(_peer)


PROTOCOL = Enum("tcp", "udp", "icmp", "all", what="protocol")


ALL_PORTS = v.PortRange(0, 65535)


def _port_issue(protocol: str, ports) -> str:
    """What is wrong with a protocol/ports pair, or ""."""
    if protocol in ("tcp", "udp") and ports is None:
        return f"a {protocol} rule needs ports: write port = 443 or ports = 1024..65535"
    if protocol in ("icmp", "all") and ports is not None:
        return f"protocol {protocol} has no ports: remove port/ports, or use tcp or udp"
    if isinstance(ports, v.PortRange) and ports.low > ports.high:
        return f"port range {ports.low}..{ports.high} is backwards: write {ports.high}..{ports.low}"
    return ""


class SecurityGroupRule(Block):
    """One allow rule (notes §3.4: security groups only contain allow rules)."""

    protocol: PROTOCOL = "tcp"
    port: Port | None = None
    ports: PortRange | None = None
    description: Str | None = None

    @model_validator(mode="after")
    def _ports_fit_protocol(self):
        if self.port is not None and self.ports is not None:
            raise fail("write either port or ports, not both")
        problem = _port_issue(self.protocol, self.port_range)
        if problem:
            raise fail(problem)
        return self

    @property
    def port_range(self) -> v.PortRange | None:
        if isinstance(self.port, int):
            return v.PortRange(self.port, self.port)
        return self.ports

    def covers(self, port: int) -> bool:
        if self.protocol == "all":
            return True
        r = self.port_range
        return isinstance(r, v.PortRange) and r.low <= port <= r.high


class SecurityGroupIngress(SecurityGroupRule):
    from_: Peer = Field(alias="from")

    @property
    def peer(self):
        return self.from_


class SecurityGroupEgress(SecurityGroupRule):
    to: Peer

    @property
    def peer(self):
        return self.to


# Ports that should not be open to the whole internet (notes §3.4: SSH and RDP; §24.2.3 bastion)
_ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


class SecurityGroup(Kind):
    """A stateful firewall around instances, locked to one region and VPC (notes §3.4, §24.4).

    With no rules, all inbound traffic is blocked and all outbound traffic allowed: when no
    `egress` block is written the group keeps AWS's default allow-all egress rule."""

    kind: Literal["security_group"] = "security_group"
    title: ClassVar[str] = "Security group"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "description"})

    vpc: Ref["vpc"]
    description: Str = "Managed by archform"
    ingress: list[SecurityGroupIngress] = Field(default_factory=list)
    egress: list[SecurityGroupEgress] = Field(
        default_factory=lambda: [SecurityGroupEgress.model_construct(protocol="all", port=None, ports=None,
                                                                     description=None, to=INTERNET)])
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        for direction in ("ingress", "egress"):
            rules = getattr(self, direction)
            limit = quota(graph, me.region, "rules_per_security_group")
            if len(rules) > limit:  # an error: AWS refuses the rule past the quota
                yield Issue(f"a security group has at most {limit} {direction} rules" + (" by default" if limit == 60 else "")
                            + f", this one has {len(rules)}", (direction,),
                            help="split the rules over several groups, "
                                 + increase_hint("rules_per_security_group", graph, me.region))
            for i, rule in enumerate(rules):
                yield from self._peer_issues(me, graph, direction, i, rule)
        for i, rule in enumerate(self.ingress):
            for port, name in _ADMIN_PORTS.items():
                if rule.peer == INTERNET and rule.covers(port):
                    yield Issue(f"ingress rule opens {name} (port {port}) to the whole internet", ("ingress", i),
                                severity="warning",
                                help="restrict it to your network's CIDR or to a bastion's security group (notes §24.2.3)")

    def _peer_issues(self, me: View, graph: Graph, direction: str, i: int, rule) -> Iterable[Issue]:
        field = "from" if direction == "ingress" else "to"
        other = deref(graph, rule.peer) if isinstance(rule.peer, v.ResourceRef) else None
        if other is None or other.address == me.address or not isinstance(self.vpc, v.ResourceRef):
            return
        theirs = vpc_of(graph, other)
        if theirs is not None and theirs != self.vpc.address:
            yield Issue(f"a security group rule can only reference groups of its own VPC; '{other.address}' "
                        f"belongs to VPC '{theirs}', this group to '{self.vpc.address}'", (direction, i, field),
                        related=(Related(other.address, ("vpc",), "the referenced group's VPC"),),
                        help="reference the other network by CIDR block instead")


class NaclRule(Block):
    """A numbered allow or deny rule; the lowest matching number decides (notes §24.4.1)."""

    rule: IntRange(1, 32766, what="a network ACL rule number")
    action: Enum("allow", "deny", what="NACL action") = "allow"
    protocol: PROTOCOL = "tcp"
    ports: PortRange | None = None
    cidr: CidrOrInternet

    @model_validator(mode="after")
    def _ports_fit_protocol(self):
        problem = _port_issue(self.protocol, self.ports)
        if problem:
            raise fail(problem)
        return self


class NetworkAcl(Kind):
    """A stateless firewall in front of subnets (notes §24.4). A subnet has one NACL; rules are
    evaluated lowest number first, and anything unmatched is denied (the final `*` rule). The
    VPC's default NACL, used by subnets associated with none, allows everything."""

    kind: Literal["network_acl"] = "network_acl"
    title: ClassVar[str] = "Network ACL"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc"})

    vpc: Ref["vpc"]
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    ingress: list[NaclRule] = Field(default_factory=list)
    egress: list[NaclRule] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        mine = self.vpc.address if isinstance(self.vpc, v.ResourceRef) else None
        yield from subnet_issues(me, graph, self.subnets, mine, "network ACL")
        for direction in ("ingress", "egress"):
            rules = getattr(self, direction)
            numbered = ((r.rule, (direction, i, "rule")) for i, r in enumerate(rules) if isinstance(r.rule, int))
            for number, path, first in duplicates(numbered):
                yield Issue(f"rule number {number} is used twice in this network ACL's {direction} rules", path,
                            related=(Related(me.address, first, "first used here"),),
                            help="each rule needs its own number; leave gaps of 100 to insert rules later (notes §24.4.1)")
            if len(rules) > 20:
                yield Issue(f"a network ACL has at most 20 {direction} rules by default, this one has {len(rules)}",
                            (direction,), severity="warning", help="request a quota increase (up to 40)")
        allows = {d: any(r.action == "allow" for r in getattr(self, d)) for d in ("ingress", "egress")}
        if allows["ingress"] and not allows["egress"]:
            yield Issue("this network ACL allows traffic in but none out; NACLs are stateless, so replies are denied",
                        ("egress",), severity="warning",
                        help="allow egress to the ephemeral ports, e.g. egress { rule = 100, ports = 1024..65535, "
                             "cidr = internet } (notes §24.4.3)")
