"""Networking: VPC, subnet, gateways, Elastic IPs and network interfaces, and the helpers the
other network families share (security groups and network ACLs: firewall.py; route tables,
peering and endpoints: routing.py).

Limits and defaults from notes §24 (VPC), §3.4 (security groups), §4.2 (Elastic IP), §4.4
(ENI), aws-facts "Networking". Rules across resources: `stdlib/rules/` (internet_gateway_per_vpc,
route_table_association, network_acl_association, elastic_ip_limit, elastic_ip_association).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.quota_facts import increase_hint, quota
from archform.stdlib.types import AZ, Bool, Cidr, Enum, IntRange, Ref, Str, Tags, cidr

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
        limit = quota(graph, me.region, "cidr_blocks_per_vpc")
        if len(blocks) > limit:
            yield Issue(f"a VPC has at most {limit} CIDR blocks" + (" by default" if limit == 5 else " (the quota)")
                        + f", this one has {len(blocks)}", ("secondary_cidrs",),
                        help="remove blocks or split the network into several VPCs, "
                             + increase_hint("cidr_blocks_per_vpc", graph, me.region))
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


def groups_outside(graph: Graph, groups, vpc: str | None, whose: str,
                   path: tuple = ("security_groups",)) -> Iterable[Issue]:
    """A security group of another VPC than the one the resource's subnets are in (`whose`: how
    the message names the resource, "the cluster's"): AWS refuses it."""
    if vpc is None:
        return
    for i, ref in enumerate(groups):
        sg = deref(graph, ref)
        theirs = vpc_of(graph, sg)
        if sg is not None and theirs is not None and theirs != vpc:
            yield Issue(f"security group '{sg.address}' is of VPC '{theirs}', {whose} subnets of '{vpc}'", (*path, i),
                        related=(Related(sg.address, ("vpc",), "its VPC"),))


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


def duplicates(values: Iterable[tuple[object, tuple]]) -> Iterable[tuple[object, tuple, tuple]]:
    """(value, path, first path) for every value seen before, in order."""
    first: dict = {}
    for value, path in values:
        if value in first:
            yield value, path, first[value]
        else:
            first[value] = path


def subnet_issues(me: View, graph: Graph, subnets: list, vpc: str | None, what: str) -> Iterable[Issue]:
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
            said = "has public = false" if "public" in subnet.written else "is private (public = false, the default)"
            yield Issue(f"a public NAT gateway belongs in a public subnet; '{subnet.address}' {said}",
                        ("subnet",), severity="warning",
                        related=(Related(subnet.address, ("public",), "declared private here"),),
                        help="place it in a public subnet (one whose route table sends 0.0.0.0/0 to the internet gateway)")
        vpc = vpc_of(graph, subnet)
        if vpc and not any(vpc_of(graph, g) == vpc for g in graph.of_kind("internet_gateway")):
            yield Issue(f"a public NAT gateway needs an internet gateway on its VPC; '{vpc}' has none", ("subnet",),
                        related=(Related(vpc, (), "VPC without an internet gateway"),),
                        help=f"add: internet_gateway igw {{ vpc = {short(vpc)} }}")


# --- routing ---------------------------------------------------------------------------------


# --- network ACLs -----------------------------------------------------------------------------


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
    limit = quota(graph, me.region, "security_groups_per_interface")
    if len(groups) > limit:
        yield Issue(f"a network interface takes at most {limit} security groups" + (" by default" if limit == 5 else "")
                    + f", this has {len(groups)}", path,  # an error: AWS refuses the interface
                    help="merge rules into fewer groups, " + increase_hint("security_groups_per_interface", graph, me.region))


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
