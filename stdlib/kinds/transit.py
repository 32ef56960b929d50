"""Transit Gateway (notes §24.10): a regional hub that VPCs and VPN connections attach to, with
route tables that decide which attachments reach which ("You create route tables to limit which
VPCs can talk to other VPCs"). Unlike VPC peering (§24.5, "NOT transitive"), routing through a
transit gateway is transitive: VPC A reaches VPC C through the hub as far as the route table
associated with A's attachment has a route to C.

AWS's rules (Transit Gateway guide, "Quotas" and "Transit gateway attachments to a VPC"), each
a diagnostic here:

- The Amazon side ASN is private: 64512–65534 or 4200000000–4294967294 (default 64512).
- A VPC attachment takes one subnet per Availability Zone, all in its VPC; traffic from an AZ
  without one cannot reach the transit gateway (a warning names the AZs left out).
- An attachment is associated with one route table. With the transit gateway's default
  association on, AWS associates every attachment with the default table, and an explicit
  association elsewhere fails.
- VPCs whose CIDR blocks overlap cannot both be routed to through one transit gateway.
- At most 5,000 attachments and 20 route tables per transit gateway, and 10,000 static routes
  across its route tables.
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.network import duplicates, short
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Cidr, Int, Ref, Str, Tags

# AWS: "a private ASN in the 64512 to 65534 range for 16-bit ASNs, or 4200000000 to 4294967294
# for 32-bit ASNs" (the Amazon side of a transit gateway, a virtual private gateway, a DX gateway)
PRIVATE_ASNS = ((64512, 65534), (4200000000, 4294967294))
DEFAULT_AMAZON_ASN = 64512
MAX_ATTACHMENTS = 5000
MAX_ROUTE_TABLES = 20
MAX_STATIC_ROUTES = 10000
ANYWHERE = ipaddress.ip_network("0.0.0.0/0")


def amazon_asn_issues(asn, path: tuple = ("amazon_side_asn",)) -> Iterable[Issue]:
    """The Amazon side of a BGP session takes a private ASN."""
    if isinstance(asn, int) and not any(lo <= asn <= hi for lo, hi in PRIVATE_ASNS):
        yield Issue(f"the Amazon side ASN is a private ASN, 64512–65534 or 4200000000–4294967294; got {asn}", path,
                    help=f"amazon_side_asn = {DEFAULT_AMAZON_ASN}  (AWS's default)")


def blocks(vpc: View) -> list:
    return [b.network for b in [vpc.get("cidr"), *(vpc.get("secondary_cidrs") or [])] if isinstance(b, v.Cidr)]


class TransitGateway(Kind):
    """A Transit Gateway (notes §24.10): the hub VPCs, VPN connections and Direct Connect
    gateways attach to. Routing through it is transitive, unlike VPC peering; its route tables
    limit who reaches whom. With `default_route_table_association` and
    `default_route_table_propagation` on (AWS's defaults), every attachment is associated with
    and propagates its routes to one default table, so every attached network reaches every
    other; turn them off and declare `transit_gateway_route_table`s to segment. `vpn_ecmp`
    spreads traffic over several VPN tunnels (ECMP, notes §24.10) for more bandwidth. A
    regional service AWS runs across the region's AZs: an attachment's network interfaces are
    what live in an AZ."""

    kind: Literal["transit_gateway"] = "transit_gateway"
    title: ClassVar[str] = "Transit gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"amazon_side_asn", "multicast"})

    amazon_side_asn: Int = DEFAULT_AMAZON_ASN
    default_route_table_association: Bool = True
    default_route_table_propagation: Bool = True
    dns_support: Bool = True
    vpn_ecmp: Bool = True
    auto_accept_shared_attachments: Bool = False  # safe default: another account's attachment waits for you
    multicast: Bool = False
    description: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from amazon_asn_issues(self.amazon_side_asn)
        users = graph.referrers(me.address)
        attachments = [u for u in users if u.kind == "transit_gateway_attachment"]
        if len(attachments) > MAX_ATTACHMENTS:
            yield Issue(f"a transit gateway has at most {MAX_ATTACHMENTS:,} attachments, this one has "
                        f"{len(attachments):,}", (), help="spread the networks over several transit gateways")
        tables = [u for u in users if u.kind == "transit_gateway_route_table"]
        if len(tables) > MAX_ROUTE_TABLES:
            yield Issue(f"a transit gateway has at most {MAX_ROUTE_TABLES} route tables, this one has {len(tables)}",
                        (), related=tuple(Related(t.address, (), "a route table") for t in tables[MAX_ROUTE_TABLES:]))
        routes = sum(len(t.get("route") or []) for t in tables)
        if routes > MAX_STATIC_ROUTES:
            yield Issue(f"a transit gateway's route tables hold at most {MAX_STATIC_ROUTES:,} static routes, these "
                        f"hold {routes:,}", (), help="summarise destinations into larger CIDR blocks")


class TransitGatewayAttachment(Kind):
    """A network attached to a transit gateway: a VPC (`vpc` and `subnets`, one subnet per
    Availability Zone, where the transit gateway places a network interface; traffic from an AZ
    without one cannot use it, and losing an AZ takes only that AZ's interface) or a Site-to-Site
    VPN connection (`vpn`: the attachment the connection makes when it names the transit
    gateway, declared so route tables can associate and propagate it)."""

    kind: Literal["transit_gateway_attachment"] = "transit_gateway_attachment"
    title: ClassVar[str] = "Transit gateway attachment"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"transit_gateway", "vpc", "vpn"})

    transit_gateway: Ref["transit_gateway"]
    vpc: Ref["vpc"] | None = None
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    vpn: Ref["vpn_connection"] | None = None
    dns_support: Bool = True
    appliance_mode: Bool = False
    ipv6: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if (self.vpc is None) == (self.vpn is None):
            yield Issue("an attachment names either a VPC (vpc and subnets) or a VPN connection (vpn)",
                        ("vpn",) if self.vpn is not None else (),
                        help="vpc = main, subnets = [tgw_a, tgw_b]  or  vpn = onprem_vpn")
            return
        if self.vpn is not None:
            yield from self._vpn_issues(graph)
        else:
            yield from self._vpc_issues(me, graph)

    def _vpn_issues(self, graph: Graph) -> Iterable[Issue]:
        if self.subnets:
            yield Issue("a VPN attachment has no subnets: the VPN connection ends on the transit gateway itself",
                        ("subnets",))
        vpn = deref(graph, self.vpn)
        if vpn is None:
            return
        theirs = getattr(vpn.get("transit_gateway"), "address", None)
        mine = getattr(self.transit_gateway, "address", None)
        if theirs != mine:
            where = f"transit gateway '{theirs}'" if theirs else "a virtual private gateway"
            yield Issue(f"VPN connection '{vpn.address}' ends on {where}, not on '{mine}'", ("vpn",),
                        related=(Related(vpn.address, (), "the VPN connection"),),
                        help=f"set transit_gateway = {short(mine or '')} on the VPN connection")

    def _vpc_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a VPC attachment needs a subnet in each Availability Zone it serves", ("subnets",),
                        help="one small subnet per AZ (a /28 is enough) for the transit gateway's interfaces")
            return
        vpc = deref(graph, self.vpc)
        mine = getattr(self.vpc, "address", None)
        zones: dict[str, int] = {}
        for i, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is None:
                continue
            theirs = getattr(subnet.get("vpc"), "address", None)
            if theirs is not None and mine is not None and theirs != mine:
                yield Issue(f"subnet '{subnet.address}' belongs to VPC '{theirs}', this attachment to '{mine}'",
                            ("subnets", i), related=(Related(subnet.address, ("vpc",), "the subnet's VPC"),))
                continue
            az = subnet.get("az")
            if isinstance(az, str) and az in zones:
                first = deref(graph, self.subnets[zones[az]])
                yield Issue(f"a VPC attachment takes one subnet per Availability Zone; '{subnet.address}' and "
                            f"'{first.address}' are both in {az}", ("subnets", i),
                            related=(Related(subnet.address, ("az",), "this subnet's AZ"),),
                            help="keep one subnet of each AZ")
            elif isinstance(az, str):
                zones[az] = i
        if vpc is not None and mine is not None and zones:
            yield from self._uncovered(me, graph, mine, set(zones))
            yield from self._overlaps(me, graph, vpc)

    def _uncovered(self, me: View, graph: Graph, vpc: str, zones: set) -> Iterable[Issue]:
        """Subnets of the VPC in AZs the attachment has no interface in cannot reach the hub."""
        left = sorted({s.get("az") for s in graph.of_kind("subnet")
                       if getattr(s.get("vpc"), "address", None) == vpc and isinstance(s.get("az"), str)} - zones)
        if left:
            yield Issue(f"the attachment has no subnet in {', '.join(left)}: resources of '{vpc}' there cannot reach "
                        f"the transit gateway", ("subnets",), severity="warning",
                        help="add a subnet of each AZ the VPC uses (the transit gateway routes only through AZs "
                             "it has an interface in)")

    def _overlaps(self, me: View, graph: Graph, vpc: View) -> Iterable[Issue]:
        tgw = getattr(self.transit_gateway, "address", None)
        ours = blocks(vpc)
        for other in graph.of_kind("transit_gateway_attachment"):
            if other.address == me.address or getattr(other.get("transit_gateway"), "address", None) != tgw:
                continue
            their_vpc = deref(graph, other.get("vpc"))
            if their_vpc is None or their_vpc.address == vpc.address or other.address > me.address:
                continue
            for a in ours:
                for b in blocks(their_vpc):
                    if a.version == b.version and a.overlaps(b):
                        yield Issue(f"VPCs attached to one transit gateway cannot overlap: {a} of '{vpc.address}' "
                                    f"overlaps {b} of '{their_vpc.address}', attached by '{other.address}'", ("vpc",),
                                    related=(Related(their_vpc.address, ("cidr",), f"{b} declared here"),),
                                    help="give the VPCs disjoint ranges: the transit gateway routes by destination "
                                         "CIDR (notes §24.5, §24.10)")
                        return


class TgwRoute(Block):
    """`route { destination = 10.1.0.0/16, attachment = vpc_b }`, or `blackhole = true` to drop
    what matches (a more specific blackhole fences one range off a wider route)."""

    destination: Cidr
    attachment: Ref["transit_gateway_attachment"] | None = None
    blackhole: Bool = False


class TransitGatewayRouteTable(Kind):
    """A route table of a transit gateway: the attachments `associations` names route by it,
    the attachments `propagations` names add their routes to it (a VPC its CIDR blocks, a
    BGP VPN what the customer gateway advertises), and `route` blocks add static routes to an
    attachment or blackhole routes. Separate tables for separate groups of attachments keep
    them apart (notes §24.10: route tables "limit which VPCs can talk to other VPCs")."""

    kind: Literal["transit_gateway_route_table"] = "transit_gateway_route_table"
    title: ClassVar[str] = "Transit gateway route table"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"transit_gateway"})

    transit_gateway: Ref["transit_gateway"]
    associations: list[Ref["transit_gateway_attachment"]] = Field(default_factory=list)
    propagations: list[Ref["transit_gateway_attachment"]] = Field(default_factory=list)
    route: list[TgwRoute] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        tgw_ref = getattr(self.transit_gateway, "address", None)
        tgw = deref(graph, self.transit_gateway)
        for field in ("associations", "propagations"):
            for i, ref in enumerate(getattr(self, field)):
                yield from self._own(graph, tgw_ref, (field, i), ref)
        if tgw is not None and tgw.get("default_route_table_association") is True:
            for i, ref in enumerate(self.associations):
                yield Issue(f"transit gateway '{tgw.address}' associates every attachment with its default route "
                            f"table, so '{ref.address}' cannot be associated here", ("associations", i),
                            related=(Related(tgw.address, ("default_route_table_association",), "default on"),),
                            help="default_route_table_association = false on the transit gateway")
                break
        yield from self._associated_once(me, graph)
        for value, path, first in duplicates((str(r.destination), ("route", i, "destination"))
                                             for i, r in enumerate(self.route)):
            yield Issue(f"two routes for {value} in one route table", path,
                        related=(Related(me.address, first, "first route for it"),))
        for i, r in enumerate(self.route):
            if (r.attachment is None) == (r.blackhole is not True):
                yield Issue("a transit gateway route goes to an attachment or is a blackhole, one of the two",
                            ("route", i), help="attachment = vpc_b  or  blackhole = true")
            elif r.attachment is not None:
                yield from self._own(graph, tgw_ref, ("route", i, "attachment"), r.attachment)

    def _own(self, graph: Graph, tgw: str | None, path: tuple, ref) -> Iterable[Issue]:
        att = deref(graph, ref)
        theirs = getattr(att.get("transit_gateway"), "address", None) if att is not None else None
        if theirs is not None and tgw is not None and theirs != tgw:
            yield Issue(f"attachment '{att.address}' is of transit gateway '{theirs}', this route table of '{tgw}'",
                        path, related=(Related(att.address, ("transit_gateway",), "its transit gateway"),))

    def _associated_once(self, me: View, graph: Graph) -> Iterable[Issue]:
        """An attachment is associated with one route table: the first declared keeps it."""
        for i, ref in enumerate(self.associations):
            for other in graph.of_kind("transit_gateway_route_table"):
                if other.address < me.address and ref in (other.get("associations") or []):
                    yield Issue(f"attachment '{ref.address}' is associated with route table '{other.address}' "
                                "already: an attachment routes by one table", ("associations", i),
                                related=(Related(other.address, ("associations",), "associated here"),),
                                help="propagate it here instead, to make it reachable from this table's attachments")
                    break


def reachable(graph: Graph, attachment: View) -> list:
    """The destinations an attachment's traffic can reach through its transit gateway: the
    static routes and the propagated VPC ranges of the route table it is associated with (the
    default table, with every attachment propagating, when the transit gateway has its
    defaults on). Blackholes are left out."""
    tgw = deref(graph, attachment.get("transit_gateway"))
    if tgw is None:
        return []
    mine = [t for t in graph.of_kind("transit_gateway_route_table")
            if attachment.address in {getattr(r, "address", None) for r in t.get("associations") or []}]
    if not mine:
        if tgw.get("default_route_table_association") is not True:
            return []
        peers = [a for a in graph.of_kind("transit_gateway_attachment")
                 if getattr(a.get("transit_gateway"), "address", None) == tgw.address]
        if tgw.get("default_route_table_propagation") is not True:
            return []
        return [n for a in peers for n in _ranges(graph, a)] + _implicit(graph, tgw.address)
    out = []
    for table in mine:
        for ref in table.get("propagations") or []:
            att = deref(graph, ref)
            if att is not None:
                out.extend(_ranges(graph, att))
        out.extend(r.destination.network for r in table.get("route") or []
                   if isinstance(r.destination, v.Cidr) and r.blackhole is not True)
    return out


def _ranges(graph: Graph, attachment: View) -> list:
    vpc = deref(graph, attachment.get("vpc"))
    if vpc is not None:
        return blocks(vpc)
    vpn = deref(graph, attachment.get("vpn"))
    if vpn is not None and vpn.get("routing") == "bgp":
        return [ANYWHERE]  # a BGP VPN propagates what on-premises advertises: any range may come
    return []  # a static VPN propagates nothing: its ranges are static routes of the route table


def route_issues(graph: Graph, vpc: str, path: tuple, destination, tgw: View) -> Iterable[Issue]:
    """A VPC route table's route to a transit gateway: the VPC needs an attachment to it, and
    the route table associated with that attachment a route on to the destination (transitive
    routing goes as far as the hub's tables take it)."""
    mine = [a for a in graph.of_kind("transit_gateway_attachment")
            if getattr(a.get("transit_gateway"), "address", None) == tgw.address
            and getattr(a.get("vpc"), "address", None) == vpc]
    if not mine:
        yield Issue(f"VPC '{vpc}' has no attachment to transit gateway '{tgw.address}': a route to it goes nowhere",
                    path, related=(Related(tgw.address, (), "the transit gateway"),),
                    help=f"transit_gateway_attachment {short(vpc)}_att {{ transit_gateway = {short(tgw.address)}, "
                         f"vpc = {short(vpc)}, subnets = [...] }}")
        return
    if not isinstance(destination, v.Cidr):
        return
    dest = destination.network
    own = [b for a in mine for b in _ranges(graph, a)]
    ahead = [n for n in reachable(graph, mine[0]) if n not in own]
    if not any(dest.version == n.version and (dest.subnet_of(n) or n.subnet_of(dest)) for n in ahead):
        yield Issue(f"no route of transit gateway '{tgw.address}' takes {dest} on from attachment '{mine[0].address}': "
                    "the hub drops it", path, severity="warning",
                    related=(Related(mine[0].address, (), "the VPC's attachment"),),
                    help="propagate the destination's attachment to the route table associated with this one, or "
                         "add a static route there (notes §24.10)")
        return
    # a blackhole as specific as the best route on (or more) drops it: the longest prefix wins,
    # and a static route (a blackhole is one) wins over a propagated one of the same length
    best = max((n.prefixlen for n in ahead if dest.version == n.version and dest.subnet_of(n)), default=-1)
    holes = [(b, t, i) for b, t, i in _blackholes(graph, mine[0]) if dest.version == b.version
             and dest.subnet_of(b) and b.prefixlen >= best]
    if holes:
        hole, table, i = max(holes, key=lambda h: h[0].prefixlen)
        yield Issue(f"transit gateway route table '{table.address}' blackholes {hole}, so the hub drops "
                    f"what this route sends to {dest}", path, severity="warning",
                    related=(Related(table.address, ("route", i), "the blackhole route"),),
                    help="remove the blackhole route, or make this route's destination one the hub forwards")


def _blackholes(graph: Graph, attachment: View) -> list:
    """The blackhole routes of the route tables an attachment is associated with: (range, table,
    the route's index)."""
    return [(r.destination.network, t, i) for t in graph.of_kind("transit_gateway_route_table")
            if attachment.address in {getattr(a, "address", None) for a in t.get("associations") or []}
            for i, r in enumerate(t.get("route") or []) if isinstance(r.destination, v.Cidr) and r.blackhole is True]


def _implicit(graph: Graph, tgw: str) -> list:
    """What on-premises advertises into a transit gateway's default table through attachments
    AWS makes without a declaration: a BGP VPN connection on it, a Direct Connect gateway
    associated with it."""
    vpns = [c for c in graph.of_kind("vpn_connection")
            if getattr(c.get("transit_gateway"), "address", None) == tgw and c.get("routing") == "bgp"]
    dx = [g for g in graph.of_kind("dx_gateway")
          if tgw in {getattr(r, "address", None) for r in g.get("transit_gateways") or []}]
    return [ANYWHERE] if vpns or dx else []
