"""AWS Network Firewall (notes §24.13): a firewall for a whole VPC, with an endpoint in one
subnet of each AZ it serves, a policy, and the rule groups the policy references.

AWS's rules, each a diagnostic here:

- A firewall endpoint lives in one AZ: a firewall takes one subnet per AZ (a second subnet
  in an AZ is refused), all in its VPC. Route tables send traffic to the endpoint of their
  subnets' AZ (`route { destination = internet, target = fw }`), as to a NAT gateway.
- A rule group is `stateful` or `stateless`, with a `capacity` fixed when it is made, at most
  30,000 (AWS Network Firewall quotas). Its rules need that capacity: one per 5-tuple rule,
  per domain, per Suricata rule (AWS: "Setting rule group capacity").
- A stateful group holds one of: 5-tuple `rule` blocks (pass, drop, alert, reject), a domain
  list (`domains`, allowed or denied by HTTP host and TLS SNI) or a Suricata rules string
  (8,192 characters a rule; AWS's 2,000,000 bytes a string is beyond the language's 1 MiB).
  A stateless group holds `rule` blocks with unique priorities (pass, drop, forward to the
  stateful engine).
- A policy references at most 20 stateless and 20 stateful groups, of those types, whose
  capacities add up to at most 30,000 per engine.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.firewall import CidrOrInternet
from archform.stdlib.kinds.network import INTERNET, az_of, subnet_issues
from archform.stdlib.netsec_facts import (DOMAIN_PROTOCOLS, MAX_GROUP_CAPACITY, MAX_GROUPS_PER_POLICY,
                                          MAX_POLICY_CAPACITY, MAX_SURICATA_RULE,
                                          STATEFUL_ACTIONS, STATELESS_ACTIONS)
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Choice, Int, IntRange, Port, Ref, Str, Tags

_NAME = re.compile(r"^[a-zA-Z0-9-]{1,128}$")
GroupType = Choice("stateful", "stateless", what="rule group type")
StatelessAction = Choice(*STATELESS_ACTIONS, what="stateless action")


def _name_issues(name, what: str) -> Iterable[Issue]:
    if isinstance(name, str) and not _NAME.match(name):
        yield Issue(f"a {what}'s name is 1–128 letters, digits and '-', got '{name}'", ("name",))


def suricata_rules(text: str) -> list[str]:
    """The rules of a Suricata rules string: its lines that are neither blank nor comments."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class FirewallRule(Block):
    """`rule NAME { action = drop, protocol = tcp, destination = 10.0.0.0/8, port = 22 }`: a
    5-tuple rule. `source` and `destination` default to any address (`internet`); no `port` is
    any port. Stateless rules also have a unique `priority`."""

    name: Str
    action: Choice(*sorted(set(STATEFUL_ACTIONS) | set(STATELESS_ACTIONS)), what="rule action") = "drop"
    protocol: Choice("ip", "tcp", "udp", "icmp", what="protocol") = "ip"
    source: CidrOrInternet = INTERNET
    destination: CidrOrInternet = INTERNET
    port: Port | None = None
    priority: IntRange(1, 65535, what="rule priority") = None

    def matches(self, protocol: str, src, dst, port: int | None) -> bool:
        """Whether a flow of `protocol` from network `src` to network `dst` on `port` is this rule's."""
        if self.protocol != "ip" and protocol not in (self.protocol, "all"):
            return False
        if self.port is not None and port != self.port:
            return False
        for ours, theirs in ((self.source, src), (self.destination, dst)):
            net = getattr(ours, "network", None)
            if net is not None and theirs is not None and not (net.version == theirs.version and theirs.subnet_of(net)):
                return False
        return True


class FirewallRuleGroup(Kind):
    """A Network Firewall rule group: `type = stateful` (the default) with 5-tuple `rule`
    blocks, a domain list (`domains`, `domain_action = deny` or `allow`) or a Suricata rules
    string (`suricata`); or `type = stateless` with prioritised `rule` blocks. `capacity` is
    fixed when it is made, at most 30,000."""

    kind: Literal["firewall_rule_group"] = "firewall_rule_group"
    title: ClassVar[str] = "Network Firewall rule group"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "type", "capacity"})

    name: Str | None = None
    description: Str | None = None
    type: GroupType = "stateful"
    capacity: IntRange(1, MAX_GROUP_CAPACITY, what="rule group capacity")
    rule: list[FirewallRule] = Field(default_factory=list)
    domains: list[Str] = Field(default_factory=list)
    domain_action: Choice("deny", "allow", what="domain list action") = "deny"
    domain_protocols: list[Choice(*DOMAIN_PROTOCOLS, what="domain list protocol")] = Field(
        default_factory=lambda: list(DOMAIN_PROTOCOLS))
    suricata: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def needed(self) -> int:
        """The capacity its rules use: one per 5-tuple rule, domain and Suricata rule."""
        text = self.suricata if isinstance(self.suricata, str) else ""
        return len(self.rule) + len(self.domains) + len(suricata_rules(text))

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _name_issues(self.name, "rule group")
        sources = [k for k in ("rule", "domains", "suricata") if getattr(self, k) not in (None, [], "")]
        if self.type == "stateless":
            for k in sources:
                if k != "rule":
                    yield Issue(f"a stateless rule group holds rule blocks only; {k} is for stateful groups", (k,),
                                help="type = stateful")
        elif len(sources) > 1:
            yield Issue(f"a stateful rule group holds one of rule blocks, domains or suricata; this one has "
                        f"{' and '.join(sources)}", (sources[1],), help="split them into rule groups of their own")
        if not sources:
            yield Issue("a rule group needs rules: rule blocks, domains or suricata", ("rule",))
        yield from self._rule_issues()
        if isinstance(self.suricata, str):
            yield from self._suricata_issues(self.suricata)
        need = self.needed()
        if isinstance(self.capacity, int) and need > self.capacity:
            yield Issue(f"the rules need a capacity of {need:,}, but this group's capacity is {self.capacity:,}",
                        ("capacity",), help=f"capacity = {need} or more (it cannot change once the group is made; "
                                            "leave room to grow)")

    def _rule_issues(self) -> Iterable[Issue]:
        seen: dict[int, str] = {}
        allowed = STATELESS_ACTIONS if self.type == "stateless" else STATEFUL_ACTIONS
        for i, rule in enumerate(self.rule):
            if rule.action not in allowed:
                yield Issue(f"a {self.type} rule's action is one of {', '.join(allowed)}, got {rule.action}",
                            ("rule", i, "action"))
            if self.type == "stateless" and rule.priority is None:
                yield Issue(f"stateless rule '{rule.name}' needs a priority (1–65,535, lowest first)", ("rule", i))
            elif self.type == "stateful" and rule.priority is not None:
                yield Issue("stateful rules are taken in order; priority is for stateless rules",
                            ("rule", i, "priority"))
            if isinstance(rule.priority, int):
                if rule.priority in seen:
                    yield Issue(f"rules '{seen[rule.priority]}' and '{rule.name}' have priority {rule.priority}; "
                                "each rule's priority is unique", ("rule", i, "priority"))
                seen[rule.priority] = rule.name

    def _suricata_issues(self, text: str) -> Iterable[Issue]:
        # AWS's 2,000,000-byte limit on the whole string (MAX_SURICATA_BYTES) is beyond the
        # language's own 1 MiB limit on a string, which refuses it first
        for line in suricata_rules(text):
            if len(line) > MAX_SURICATA_RULE:
                yield Issue(f"a Suricata rule is at most {MAX_SURICATA_RULE:,} characters, one here has "
                            f"{len(line):,}: '{line[:40]}…'", ("suricata",))


class FirewallPolicy(Kind):
    """A Network Firewall policy: its stateless rule groups in order, then
    `stateless_default_action` for packets none matched (`forward`, the default, hands them to
    the stateful engine), then its stateful rule groups. At most 20 groups of each type,
    30,000 capacity per engine."""

    kind: Literal["firewall_policy"] = "firewall_policy"
    title: ClassVar[str] = "Network Firewall policy"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    stateless_default_action: StatelessAction = "forward"
    stateless_fragment_default_action: StatelessAction = "forward"
    stateless_rule_groups: list[Ref["firewall_rule_group"]] = Field(default_factory=list)
    stateful_rule_groups: list[Ref["firewall_rule_group"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _name_issues(self.name, "firewall policy")
        for field, want in (("stateless_rule_groups", "stateless"), ("stateful_rule_groups", "stateful")):
            refs = getattr(self, field)
            if len(refs) > MAX_GROUPS_PER_POLICY:
                yield Issue(f"a firewall policy references at most {MAX_GROUPS_PER_POLICY} {want} rule groups, got "
                            f"{len(refs)}", (field,))
            total, shown = 0, []
            for i, ref in enumerate(refs):
                group = deref(graph, ref)
                if group is None:
                    continue
                if group.model.type != want:
                    yield Issue(f"'{group.address}' is a {group.model.type} rule group, listed among the {want} ones",
                                (field, i), related=(Related(group.address, ("type",), "its type"),),
                                help=f"move it to {group.model.type}_rule_groups")
                elif isinstance(group.model.capacity, int):
                    total += group.model.capacity
                    shown.append(f"{group.address} {group.model.capacity:,}")
            if total > MAX_POLICY_CAPACITY:
                yield Issue(f"the {want} rule groups reserve {total:,} capacity; a policy holds at most "
                            f"{MAX_POLICY_CAPACITY:,} ({', '.join(shown)})", (field,),
                            help="lower the groups' capacities, or split the traffic across firewalls")


class NetworkFirewall(Kind):
    """An AWS Network Firewall (notes §24.13): stateful and stateless inspection for a VPC, at
    layers 3–7. It puts one endpoint in each of its `subnets` — one subnet per AZ, dedicated
    to it — and route tables send traffic to the endpoint of their AZ. Deletion and subnet
    change protection are on by default (AWS's API leaves them off); its configuration is
    encrypted at rest, with an AWS-owned key unless `kms_key` names one."""

    kind: Literal["network_firewall"] = "network_firewall"
    title: ClassVar[str] = "Network Firewall"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint_ids": "list"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "vpc"})

    name: Str | None = None
    description: Str | None = None
    vpc: Ref["vpc"]
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    firewall_policy: Ref["firewall_policy"]
    deletion_protection: Bool = True
    subnet_change_protection: Bool = True
    policy_change_protection: Bool = False
    kms_key: Ref["kms_key"] = None
    tags: Tags = Field(default_factory=dict)

    def endpoint_azs(self, graph: Graph) -> dict[str, str]:
        """AZ → the address of the subnet its endpoint lives in (the first subnet named there)."""
        out: dict[str, str] = {}
        for ref in self.subnets:
            az = az_of(graph, deref(graph, ref))
            if az is not None:
                out.setdefault(az, ref.address)
        return out

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _name_issues(self.name, "firewall")
        if not self.subnets:
            yield Issue("a firewall needs a subnet in each AZ it serves, for its endpoint there", ("subnets",))
        mine = self.vpc.address if isinstance(self.vpc, v.ResourceRef) else None
        yield from subnet_issues(me, graph, self.subnets, mine, "firewall")
        first: dict[str, str] = {}
        for i, ref in enumerate(self.subnets):
            az = az_of(graph, deref(graph, ref))
            if az is None:
                continue
            if az in first:
                yield Issue(f"a firewall has one endpoint per AZ: subnets '{first[az]}' and '{ref.address}' are both "
                            f"in {az}", ("subnets", i), related=(Related(first[az], ("az",), "the first one in it"),),
                            help="name one subnet per AZ")
            first.setdefault(az, ref.address)
