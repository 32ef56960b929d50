"""Networking: VPC, subnet, gateways, route tables, network ACLs, security groups, Elastic IPs,
peering, endpoints and network interfaces.

Limits and defaults from notes §24 (VPC), §3.4 (security groups), §4.2 (Elastic IP), §4.4
(ENI), aws-facts "Networking". Rules across resources: `stdlib/rules/` (internet_gateway_per_vpc,
route_table_association, network_acl_association, elastic_ip_limit, elastic_ip_association).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import AZ, Bool, Cidr, Enum, Int, IntRange, Port, PortRange, Ref, Str, Tags, Validated, cidr, fail

# RFC 1918 private ranges (notes §24.2.2: "only IP addresses in the Private IPv4 ranges are
# allowed"), plus 100.64.0.0/10 which AWS also accepts for secondary blocks.
PRIVATE_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "100.64.0.0/10")]


class Vpc(Kind):
    """A virtual private network in one region (notes §24.2.2)."""

    kind: Literal["vpc"] = "vpc"
    title: ClassVar[str] = "VPC"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string",
                                         "default_security_group": "string",
                                         "main_route_table": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"cidr", "instance_tenancy"})

    cidr: Cidr
    secondary_cidrs: list[Cidr] = Field(default_factory=list)
    enable_dns_support: Bool = True
    enable_dns_hostnames: Bool = True
    instance_tenancy: Enum("default", "dedicated", what="tenancy") = "default"
    ipv6: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        blocks = [("cidr", self.cidr)] + [(("secondary_cidrs", i), c) for i, c in enumerate(self.secondary_cidrs)]
        if len(blocks) > 5:
            yield Issue(f"a VPC has at most 5 CIDR blocks, this one has {len(blocks)}",
                        ("secondary_cidrs",), help="remove blocks or split the network into several VPCs")
        seen: list[tuple] = []
        for path, block in blocks:
            if not isinstance(block, v.Cidr):
                continue
            path = path if isinstance(path, tuple) else (path,)
            net = block.network
            if net.version == 4 and not (16 <= net.prefixlen <= 28):
                yield Issue(f"a VPC CIDR block must be between /16 and /28, {net} is /{net.prefixlen}", path,
                            help="use a prefix length from /16 (65,536 addresses) to /28 (16 addresses)")
            if net.version == 4 and not any(net.subnet_of(r) for r in PRIVATE_RANGES):
                yield Issue(f"{net} is not a private range", path, severity="warning",
                            help="VPCs use private ranges: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
            for other_path, other in seen:
                if net.overlaps(other):
                    yield Issue(f"CIDR block {net} overlaps {other} of the same VPC", path)
            seen.append((path, net))


class Subnet(Kind):
    """A range of a VPC's addresses in one AZ (notes §24.2.3: AWS reserves 5 per subnet)."""

    kind: Literal["subnet"] = "subnet"
    title: ClassVar[str] = "Subnet"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "available_ips": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "cidr", "az"})

    vpc: Ref["vpc"]
    cidr: Cidr
    az: AZ
    public: Bool = False
    map_public_ip: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not isinstance(self.cidr, v.Cidr):
            return
        net = self.cidr.network
        if net.version == 4 and not (16 <= net.prefixlen <= 28):
            yield Issue(f"a subnet CIDR block must be between /16 and /28, {net} is /{net.prefixlen}", ("cidr",),
                        help="a /28 is the smallest: 16 addresses, of which AWS reserves 5")
        vpc = deref(graph, self.vpc)
        if vpc is None:
            return
        if vpc.region != me.region:
            yield Issue(f"subnet is declared in {me.region} but its VPC '{vpc.address}' is in {vpc.region}",
                        ("vpc",), related=(Related(vpc.address, (), "VPC declared here"),))
        blocks = [b.network for b in [vpc.model.cidr, *vpc.model.secondary_cidrs] if isinstance(b, v.Cidr)]
        if blocks and not any(net.version == b.version and net.subnet_of(b) for b in blocks):
            shown = ", ".join(str(b) for b in blocks)
            yield Issue(f"subnet {net} is outside its VPC's address range ({shown})", ("cidr",),
                        related=(Related(vpc.address, ("cidr",), "the VPC's range"),),
                        help=f"pick a block inside {blocks[0]}, e.g. with cidrsubnet({vpc.address.split('.')[-1]}.cidr, 8, 1)")


# --- shared helpers -----------------------------------------------------------------------------

INTERNET = cidr("0.0.0.0/0")


def vpc_of(graph: Graph, view: View | None) -> str | None:
    """The address of the VPC a resource lives in: its `vpc`, or its subnet's `vpc`."""
    if view is None:
        return None
    vpc = view.get("vpc")
    if isinstance(vpc, v.ResourceRef):
        return vpc.address
    subnet = deref(graph, view.get("subnet"))
    if subnet is not None and isinstance(subnet.get("vpc"), v.ResourceRef):
        return subnet.get("vpc").address
    return None


def az_of(graph: Graph, view: View | None) -> str | None:
    """The Availability Zone of a zonal resource: its `az`, or its subnet's."""
    if view is None:
        return None
    az = view.get("az")
    if isinstance(az, str):
        return az
    subnet = deref(graph, view.get("subnet"))
    if subnet is not None and isinstance(subnet.get("az"), str):
        return subnet.get("az")
    return None


def short(address: str) -> str:
    """The last part of an address, as users name the resource in text."""
    return address.rsplit(".", 1)[-1]


def elsewhere(me: View, other: View) -> bool:
    """Whether `other` is declared in another region than `me` (the same-region rule reports it;
    a check skips what would follow from it)."""
    return bool(other.region and me.region and other.region != me.region)


def _duplicates(values: Iterable[tuple[object, tuple]]) -> Iterable[tuple[object, tuple, tuple]]:
    """(value, path, first path) for every value seen before, in order."""
    first: dict = {}
    for value, path in values:
        if value in first:
            yield value, path, first[value]
        else:
            first[value] = path


def _subnet_issues(me: View, graph: Graph, subnets: list, vpc: str | None, what: str) -> Iterable[Issue]:
    """Subnets associated with a VPC-scoped resource must belong to that VPC."""
    for i, ref in enumerate(subnets):
        subnet = deref(graph, ref)
        if subnet is None or vpc is None:
            continue
        theirs = vpc_of(graph, subnet)
        if theirs is not None and theirs != vpc:
            yield Issue(f"subnet '{subnet.address}' belongs to VPC '{theirs}', but this {what} belongs to '{vpc}'",
                        ("subnets", i), related=(Related(subnet.address, ("vpc",), "the subnet's VPC"),),
                        help=f"a {what} can only be associated with subnets of its own VPC")


# --- traffic: CIDR blocks, "internet", or a security group --------------------------------------------

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
            if len(rules) > 60:
                yield Issue(f"a security group has at most 60 {direction} rules by default, this one has {len(rules)}",
                            (direction,), severity="warning", help="request a quota increase or split the rules over several groups")
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


class InternetGateway(Kind):
    """The VPC's door to the internet: one per VPC, and routes must point at it (notes §24.2.4)."""

    kind: Literal["internet_gateway"] = "internet_gateway"
    title: ClassVar[str] = "Internet gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}

    vpc: Ref["vpc"]
    tags: Tags = Field(default_factory=dict)


class EgressOnlyInternetGateway(Kind):
    """Outbound-only IPv6 internet access, the IPv6 counterpart of a NAT gateway (notes §24.12.2)."""

    kind: Literal["egress_only_internet_gateway"] = "egress_only_internet_gateway"
    title: ClassVar[str] = "Egress-only internet gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc"})

    vpc: Ref["vpc"]
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        vpc = deref(graph, self.vpc)
        if vpc is None:
            return
        if vpc.get("ipv6") is False:
            yield Issue(f"an egress-only internet gateway carries IPv6 only, but VPC '{vpc.address}' has ipv6 = false",
                        ("vpc",), severity="warning", related=(Related(vpc.address, ("ipv6",), "IPv6 is off here"),),
                        help="set ipv6 = true on the VPC, or use a NAT gateway for IPv4")


class ElasticIp(Kind):
    """A fixed public IPv4 address (notes §4.2): at most 5 per region per account."""

    kind: Literal["elastic_ip"] = "elastic_ip"
    noun: ClassVar[str] = "Elastic IP"
    title: ClassVar[str] = "Elastic IP"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "allocation_id": "string", "public_ip": "string",
                                         "public_dns": "string"}

    instance: Ref["instance"] | None = None
    network_interface: Ref["network_interface"] | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.instance is not None and self.network_interface is not None:
            yield Issue("an Elastic IP is associated with an instance or a network interface, not both",
                        ("network_interface",))


class NatGateway(Kind):
    """Managed NAT for private subnets, living in its subnet's AZ (notes §24.3.2).

    A public NAT gateway without `elastic_ip` gets an address allocated for it, which counts
    toward the region's Elastic IP limit."""

    kind: Literal["nat_gateway"] = "nat_gateway"
    title: ClassVar[str] = "NAT gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "public_ip": "string", "private_ip": "string",
                                         "az": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"subnet", "elastic_ip", "connectivity"})

    subnet: Ref["subnet"]
    elastic_ip: Ref["elastic_ip"] | None = None
    connectivity: Enum("public", "private", what="NAT connectivity") = "public"
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.connectivity == "private" and self.elastic_ip is not None:
            yield Issue("a private NAT gateway has no public address: remove elastic_ip or use connectivity = public",
                        ("elastic_ip",))
        subnet = deref(graph, self.subnet)
        if subnet is None:
            return
        if self.connectivity == "public":
            yield from self._public_issues(subnet, graph)

    def _public_issues(self, subnet: View, graph: Graph) -> Iterable[Issue]:
        if subnet.get("public") is False:
            yield Issue(f"a public NAT gateway belongs in a public subnet; '{subnet.address}' has public = false",
                        ("subnet",), severity="warning",
                        related=(Related(subnet.address, ("public",), "declared private here"),),
                        help="place it in a public subnet (one whose route table sends 0.0.0.0/0 to the internet gateway)")
        vpc = vpc_of(graph, subnet)
        if vpc and not any(vpc_of(graph, g) == vpc for g in graph.of_kind("internet_gateway")):
            yield Issue(f"a public NAT gateway needs an internet gateway on its VPC; '{vpc}' has none", ("subnet",),
                        related=(Related(vpc, (), "VPC without an internet gateway"),),
                        help=f"add: internet_gateway igw {{ vpc = {short(vpc)} }}")


# --- routing ---------------------------------------------------------------------------------

ROUTE_TARGETS = ("internet_gateway", "nat_gateway", "instance", "vpc_peering", "network_interface",
                 "egress_only_internet_gateway", "transit_gateway", "vpn_gateway")


class Route(Block):
    destination: CidrOrInternet
    target: Ref.of(*ROUTE_TARGETS, across=("vpc_peering",))  # the accepter routes to a peering made elsewhere


class RouteTable(Kind):
    """Routes for the subnets associated with it (notes §24.2.4). A subnet has one route table;
    subnets not associated with any use the VPC's main table. The local route for the VPC's
    own range is implicit."""

    kind: Literal["route_table"] = "route_table"
    title: ClassVar[str] = "Route table"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc"})

    vpc: Ref["vpc"]
    route: list[Route] = Field(default_factory=list)
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        mine = self.vpc.address if isinstance(self.vpc, v.ResourceRef) else None
        yield from _subnet_issues(me, graph, self.subnets, mine, "route table")
        for dest, path, first in _duplicates((r.destination, ("route", i, "destination"))
                                             for i, r in enumerate(self.route)):
            yield Issue(f"two routes for {dest} in one route table", path,
                        related=(Related(me.address, first, "first route for it"),),
                        help="a route table has one route per destination")
        for i, route in enumerate(self.route):
            target = deref(graph, route.target)
            if target is not None and mine is not None:
                yield from self._target_issues(me, graph, mine, i, route, target)

    def _target_issues(self, me, graph, mine: str, i: int, route: Route, target: View) -> Iterable[Issue]:
        path = ("route", i, "target")
        if target.kind == "vpc_peering":
            yield from _peering_route_issues(graph, mine, path, route, target)
            return
        theirs = vpc_of(graph, target)
        if theirs is not None and theirs != mine:
            yield Issue(f"a route target must be in the route table's VPC; {target.kind} '{target.address}' is in "
                        f"'{theirs}', this table in '{mine}'", path,
                        related=(Related(target.address, (), "target declared here"),),
                        help="to reach another VPC, peer them (vpc_peering) and route to the peering")
            return
        if target.kind == "instance" and target.get("source_dest_check") is True:
            yield Issue(f"instance '{target.address}' forwards traffic for others only with source_dest_check = false",
                        path, severity="warning", related=(Related(target.address, ("source_dest_check",), "the instance"),),
                        help="a NAT instance needs the source/destination check disabled (notes §24.3.1)")
        if target.kind == "nat_gateway":
            yield from self._nat_issues(graph, path, target)
        if target.kind == "internet_gateway" and route.destination == INTERNET:
            yield from self._private_subnets_made_public(graph, path)

    def _nat_issues(self, graph: Graph, path: tuple, nat: View) -> Iterable[Issue]:
        nat_subnet = nat.get("subnet")
        nat_az = az_of(graph, nat)
        for j, ref in enumerate(self.subnets):
            if nat_subnet == ref:
                yield Issue(f"NAT gateway '{nat.address}' cannot be used from its own subnet '{ref.address}', which this "
                            "route table sends through it", ("subnets", j),
                            related=(Related(nat.address, ("subnet",), "the NAT gateway's subnet"),),
                            help="route public subnets to the internet gateway; only other subnets use the NAT (notes §24.3.2)")
                continue
            az = az_of(graph, deref(graph, ref))
            if az and nat_az and az != nat_az:
                yield Issue(f"subnet '{ref.address}' in {az} reaches the internet through NAT gateway '{nat.address}' "
                            f"in {nat_az}: if {nat_az} fails, it loses internet access", path, severity="warning",
                            related=(Related(ref.address, ("az",), "subnet in another AZ"),),
                            help="give each AZ its own NAT gateway and route table (notes §24.3.2)")

    def _private_subnets_made_public(self, graph: Graph, path: tuple) -> Iterable[Issue]:
        for j, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is not None and subnet.get("public") is False:
                yield Issue(f"subnet '{subnet.address}' has public = false, but this route table sends 0.0.0.0/0 to an "
                            "internet gateway, which makes it public", ("subnets", j), severity="warning",
                            related=(Related(subnet.address, ("public",), "declared private here"),),
                            help="route private subnets through a NAT gateway, or set public = true")


def _peering_route_issues(graph: Graph, mine: str, path: tuple, route: Route, peering: View) -> Iterable[Issue]:
    ends = [r.address for r in (peering.get("vpc"), peering.get("peer_vpc")) if isinstance(r, v.ResourceRef)]
    if mine not in ends:
        yield Issue(f"VPC peering '{peering.address}' connects {' and '.join(repr(e) for e in ends)}, not this "
                    f"route table's VPC '{mine}'", path, related=(Related(peering.address, (), "the peering"),),
                    help="VPC peering is not transitive: peer the VPCs directly (notes §24.5)")
        return
    other = next((graph.get(e) for e in ends if e != mine), None)
    if other is None or not isinstance(route.destination, v.Cidr):
        return
    blocks = [b.network for b in [other.get("cidr"), *(other.get("secondary_cidrs") or [])] if isinstance(b, v.Cidr)]
    dest = route.destination.network
    if blocks and not any(dest.version == b.version and dest.subnet_of(b) for b in blocks):
        shown = ", ".join(str(b) for b in blocks)
        yield Issue(f"VPC peering is not transitive: the route to {dest} through '{peering.address}' only reaches "
                    f"'{other.address}' ({shown})", path, severity="warning",
                    related=(Related(other.address, ("cidr",), "the peer VPC's range"),),
                    help="route only the peer VPC's range through a peering (notes §24.5)")


class VpcPeering(Kind):
    """A private connection between two VPCs, across accounts or regions (notes §24.5).
    Their CIDR blocks must not overlap, and peering is not transitive."""

    kind: Literal["vpc_peering"] = "vpc_peering"
    title: ClassVar[str] = "VPC peering"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "peer_vpc"})

    vpc: Ref["vpc"]
    peer_vpc: Ref.anywhere["vpc"]  # inter-region peering
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.vpc == self.peer_vpc:
            yield Issue("a VPC cannot be peered with itself", ("peer_vpc",))
            return
        ours, theirs = deref(graph, self.vpc), deref(graph, self.peer_vpc)
        if ours is None or theirs is None:
            return
        for a in _blocks(ours):
            for b in _blocks(theirs):
                if a.version == b.version and a.overlaps(b):
                    yield Issue(f"peered VPCs cannot have overlapping CIDR blocks: {a} of '{ours.address}' overlaps "
                                f"{b} of '{theirs.address}'", ("peer_vpc",),
                                related=(Related(theirs.address, ("cidr",), f"{b} declared here"),),
                                help="give the VPCs disjoint ranges (notes §24.5)")


def _blocks(vpc: View) -> list:
    return [b.network for b in [vpc.get("cidr"), *(vpc.get("secondary_cidrs") or [])] if isinstance(b, v.Cidr)]


class VpcEndpoint(Kind):
    """Private access to an AWS service (notes §24.6): a gateway endpoint (S3 and DynamoDB only,
    a route-table target, free) or an interface endpoint (an ENI in each subnet, with security
    groups)."""

    kind: Literal["vpc_endpoint"] = "vpc_endpoint"
    title: ClassVar[str] = "VPC endpoint"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "dns_name": "string", "prefix_list": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "service", "type"})

    vpc: Ref["vpc"]
    service: Str
    type: Enum("gateway", "interface", what="endpoint type") = "interface"
    route_tables: list[Ref["route_table"]] = Field(default_factory=list)
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    private_dns: Bool = True
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        service = self.service.rsplit(".", 1)[-1] if isinstance(self.service, str) else None
        if self.type == "gateway":
            if service is not None and service not in ("s3", "dynamodb"):
                yield Issue(f"gateway endpoints exist only for s3 and dynamodb, not '{service}'", ("type",),
                            help="use type = interface (notes §24.6)")
            for field in ("subnets", "security_groups"):
                if getattr(self, field):
                    yield Issue(f"a gateway endpoint is a route target and takes no {field.replace('_', ' ')}",
                                (field,), help="use route_tables, or type = interface")
        else:
            if self.route_tables:
                yield Issue("an interface endpoint is reached through its network interfaces, not route tables",
                            ("route_tables",), help="use subnets and security_groups, or type = gateway for s3/dynamodb")
            if not self.subnets:
                yield Issue("an interface endpoint needs subnets to place its network interfaces in", ("subnets",))
        mine = self.vpc.address if isinstance(self.vpc, v.ResourceRef) else None
        yield from _subnet_issues(me, graph, self.subnets, mine, "VPC endpoint")
        for field in ("route_tables", "security_groups"):
            for i, ref in enumerate(getattr(self, field)):
                other = deref(graph, ref)
                theirs = vpc_of(graph, other)
                if theirs and mine and theirs != mine:
                    yield Issue(f"{other.kind} '{other.address}' belongs to VPC '{theirs}', this endpoint to '{mine}'",
                                (field, i), related=(Related(other.address, ("vpc",), "its VPC"),))


# --- network ACLs -----------------------------------------------------------------------------

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
        yield from _subnet_issues(me, graph, self.subnets, mine, "network ACL")
        for direction in ("ingress", "egress"):
            rules = getattr(self, direction)
            numbered = ((r.rule, (direction, i, "rule")) for i, r in enumerate(rules) if isinstance(r.rule, int))
            for number, path, first in _duplicates(numbered):
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


# --- network interfaces ---------------------------------------------------------------------------

class NetworkInterface(Kind):
    """An elastic network interface: a virtual network card bound to its subnet's AZ, movable
    between instances for failover (notes §4.4)."""

    kind: Literal["network_interface"] = "network_interface"
    title: ClassVar[str] = "Network interface"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "private_ip": "string", "mac_address": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"subnet"})

    subnet: Ref["subnet"]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    secondary_private_ips: IntRange(0, 49, what="the number of secondary private IPs") = 0
    instance: Ref["instance"] | None = None
    device_index: IntRange(1, 15, what="device_index (0 is the instance's primary interface)") = 1
    source_dest_check: Bool = True
    description: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        subnet = deref(graph, self.subnet)
        if subnet is None:
            return
        if elsewhere(me, subnet):  # reported by the same-region rule
            return
        yield from security_group_vpc_issues(graph, self.security_groups, vpc_of(graph, subnet), subnet.address,
                                             ("security_groups",), me)
        instance = deref(graph, self.instance)
        az, theirs = az_of(graph, subnet), az_of(graph, instance)
        if az and theirs and az != theirs:
            yield Issue(f"a network interface is bound to its AZ: this one is in {az}, instance '{instance.address}' "
                        f"in {theirs}", ("instance",), related=(Related(instance.address, ("subnet",), "the instance's subnet"),),
                        help="attach it to an instance in the same Availability Zone (notes §4.4.1)")


def security_group_vpc_issues(graph: Graph, groups: list, vpc: str | None, subnet: str | None, path: tuple,
                              me: View) -> Iterable[Issue]:
    """Security groups are locked to a (region, VPC) pair (notes §3.4): each of `groups` must be
    in `me`'s region and in `vpc`, the VPC of the subnet the resource is placed in."""
    for i, ref in enumerate(groups):
        group = deref(graph, ref)
        if group is None:
            continue
        if elsewhere(me, group):  # reported by the same-region rule
            continue
        theirs = vpc_of(graph, group)
        if vpc and theirs and theirs != vpc:
            yield Issue(f"a security group is locked to its VPC: '{group.address}' belongs to VPC '{theirs}', but "
                        f"subnet '{subnet}' is in VPC '{vpc}'", (*path, i),
                        related=(Related(group.address, ("vpc",), "the group's VPC"),),
                        help=f"use a security group of '{vpc}' (notes §3.4)")
    if len(groups) > 5:
        yield Issue(f"a network interface takes at most 5 security groups by default, this has {len(groups)}", path,
                    severity="warning", help="merge rules into fewer groups, or request a quota increase (up to 16)")


# --- associations (used by the rules route_table_association and network_acl_association) ----------

def associated_twice(graph: Graph, kind: str, what: str) -> Iterable[Issue]:
    """Issues for every subnet listed in the `subnets` of more than one resource of `kind`."""
    holders = defaultdict(list)  # subnet -> [(holder, index in its subnets)]
    for holder in sorted(graph.of_kind(kind), key=lambda h: h.address):
        for i, ref in enumerate(holder.model.subnets):
            if isinstance(ref, v.ResourceRef):
                holders[ref.address].append((holder, i))
    for subnet, pairs in sorted(holders.items()):
        (first, first_i), *extra = pairs
        for holder, i in extra:
            if holder.address == first.address:
                yield Issue(f"subnet '{subnet}' is listed twice in this {what}'s subnets", ("subnets", i),
                            address=holder.address)
                continue
            yield Issue(f"a subnet is associated with one {what}; '{subnet}' is already associated with "
                        f"'{first.address}'", ("subnets", i), address=holder.address,
                        related=(Related(first.address, ("subnets", first_i), "first association"),),
                        help=f"remove '{subnet.rsplit('.', 1)[-1]}' from one of the two")
