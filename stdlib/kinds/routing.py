"""Routing: route tables and their routes, VPC peering (not transitive) and VPC endpoints
(gateway and interface), notes §24.4, §24.8 and §24.10."""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.firewall import CidrOrInternet
from archform.stdlib.kinds.network import INTERNET, az_of, duplicates, subnet_issues, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Enum, Ref, Str, Tags


ROUTE_TARGETS = ("internet_gateway", "nat_gateway", "instance", "vpc_peering", "network_interface",
                 "egress_only_internet_gateway", "transit_gateway", "vpn_gateway", "network_firewall")


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
        yield from subnet_issues(me, graph, self.subnets, mine, "route table")
        for dest, path, first in duplicates((r.destination, ("route", i, "destination"))
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
        if target.kind == "transit_gateway":
            from archform.stdlib.kinds.transit import route_issues
            yield from route_issues(graph, mine, path, route.destination, target)
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
        if target.kind == "network_firewall":
            yield from self._firewall_issues(graph, path, target)
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

    def _firewall_issues(self, graph: Graph, path: tuple, fw: View) -> Iterable[Issue]:
        """A route to a firewall goes to its endpoint in one AZ: the AZ of this table's subnets."""
        endpoints = fw.model.endpoint_azs(graph)
        azs = {az_of(graph, deref(graph, ref)): ref.address for ref in self.subnets}
        azs.pop(None, None)
        related = (Related(fw.address, ("subnets",), "the firewall's endpoint subnets"),)
        if not self.subnets:
            yield Issue(f"a route to firewall '{fw.address}' goes to its endpoint in one AZ, the AZ of the route "
                        "table's subnets, and this table has none", path, related=related,
                        help="associate the subnets of one AZ with this table")
        if len(azs) > 1:
            yield Issue(f"a route to firewall '{fw.address}' goes to its endpoint in one AZ, and this table's subnets "
                        f"are in {', '.join(sorted(azs))}", path, related=related,
                        help="give each AZ its own route table, each routed to the firewall")
        for az, subnet in sorted(azs.items()):
            if az not in endpoints:
                where = ", ".join(sorted(endpoints)) or "no AZ"
                yield Issue(f"firewall '{fw.address}' has no endpoint in {az}, where subnet '{subnet}' is (its "
                            f"endpoints are in {where})", path, related=related,
                            help=f"add a subnet in {az} to the firewall's subnets")
        for j, ref in enumerate(self.subnets):
            if ref.address in endpoints.values():
                yield Issue(f"subnet '{ref.address}' holds an endpoint of firewall '{fw.address}', and this table "
                            "sends its traffic back into the firewall", ("subnets", j), related=related,
                            help="route the firewall's subnets to the internet or NAT gateway; the other subnets "
                                 "route to the firewall")

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


# The AWS services an interface endpoint can reach in another region (cross-region PrivateLink,
# November 2024): the service names of "Cross-region enabled AWS services", AWS PrivateLink
# guide (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html).
# Any other service's endpoint is for its own region only, and AWS refuses the service name.
CROSS_REGION_SERVICES = frozenset({"s3", "ecr.api", "ecr.dkr", "kms", "kms-fips", "ecs", "lambda",
                                   "kinesis-firehose", "kinesisanalytics", "kinesisanalytics-fips"})

# an endpoint's service as AWS names it: com.amazonaws.REGION.NAME (NAME may hold dots:
# ecr.api), or com.amazonaws.NAME for a global service (iam, route53)
ENDPOINT_SERVICE = re.compile(r"^com\.amazonaws\.(?:([a-z]{2}(?:-[a-z]+)+-[0-9])\.)?([a-z0-9.-]+)$")


def endpoint_service(service: str, region: str | None) -> tuple[str, str | None]:
    """The service an endpoint's `service` names, and its region: the short form (`s3`, `sqs`)
    is the service of the endpoint's own region, the long one (`com.amazonaws.us-east-1.s3`)
    says its region."""
    named = ENDPOINT_SERVICE.match(service)
    if named is None:
        return service, region
    return named.group(2), named.group(1)


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
        service, region = endpoint_service(self.service, me.region) if isinstance(self.service, str) else (None, None)
        if service is not None and region and me.region and region != me.region:
            yield from self._other_region(service, region, me.region)
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
        yield from subnet_issues(me, graph, self.subnets, mine, "VPC endpoint")
        for field in ("route_tables", "security_groups"):
            for i, ref in enumerate(getattr(self, field)):
                other = deref(graph, ref)
                theirs = vpc_of(graph, other)
                if theirs and mine and theirs != mine:
                    yield Issue(f"{other.kind} '{other.address}' belongs to VPC '{theirs}', this endpoint to '{mine}'",
                                (field, i), related=(Related(other.address, ("vpc",), "its VPC"),))

    def _other_region(self, service: str, region: str, here: str) -> Iterable[Issue]:
        """A service of another region: a gateway endpoint never; an interface endpoint only
        for the services of cross-region PrivateLink."""
        if self.type == "gateway":
            yield Issue(f"a gateway endpoint serves its own region's {service} only: the service is in {region}, the "
                        f"endpoint's VPC in {here}", ("service",), help=f'service = "{service}"  (its own region\'s)')
        elif service not in CROSS_REGION_SERVICES:
            yield Issue(f"an interface endpoint for {service} is for its own region ({here}), not {region}: AWS "
                        f"reaches {service} across regions through no endpoint (cross-region PrivateLink takes "
                        f"{', '.join(sorted(CROSS_REGION_SERVICES))})", ("service",),
                        help=f'service = "{service}"  (its own region\'s), or an endpoint in a VPC of {region}')
        else:
            yield Issue(f"an interface endpoint in {here} for {service} in {region} is cross-region PrivateLink "
                        f"(AWS, since November 2024): both {here} and {region} must offer it, and the service region "
                        "be enabled for the account", ("service",), severity="warning")
