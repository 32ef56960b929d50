"""The transit gateway carrier (notes §24.10): unlike peering (§24.5), routing through a hub is
transitive. A flow a VPC routes to a transit gateway needs the VPC's attachment, with a subnet
in the source's AZ; the route table associated with that attachment must send the destination
to the destination VPC's attachment (a propagated VPC, a static route, or what on-premises
advertises over a BGP VPN or Direct Connect); that attachment needs a subnet in the
destination's AZ, and the reply a route back: the destination subnet's route table to the hub,
and the route table associated with the destination's attachment back to the source's. A
destination outside every VPC leaves for on-premises.

A transit gateway route table picks the route with the longest prefix holding the address; for
equal prefixes a static route (a blackhole too) wins over a propagated one (AWS Transit Gateway
guide, "How transit gateways work" › "Route evaluation order": "the most specific route", then
"static routes, including Site-to-Site VPN static routes", then prefix lists, then propagated
routes), and a blackhole route drops what it matches. An end standing for a whole subnet is
judged for each part of it that a more specific route takes elsewhere, and the first part the
hub drops or misroutes is named (the worst address, as the network ACLs judge it).
"""

from __future__ import annotations

from dataclasses import dataclass

from archform.dsl import values as v
from archform.stdlib.kinds.transit import ANYWHERE, blocks
from archform.stdlib.schema import Related, View

from . import routes
from .flow import Endpoint


@dataclass(frozen=True)
class HubRoute:
    """A route of a transit gateway route table."""

    network: object  # an ip_network; ANYWHERE for what on-premises advertises over BGP
    target: str | None  # the attachment it sends to (on-premises: the VPN or Direct Connect gateway); None: blackhole
    static: bool
    at: Related
    on_premises: bool = False  # propagated over BGP from on-premises: ranges the design does not hold

    @property
    def blackhole(self) -> bool:
        return self.target is None

    def describe(self) -> str:
        if self.on_premises:
            return "a route on-premises advertises over BGP"
        if self.blackhole:
            return f"blackhole route {self.network}"
        return f"{'static' if self.static else 'propagated'} route {self.network}"


def _ref(x) -> str | None:
    return x.address if isinstance(x, v.ResourceRef) else None


def _attachment(net, tgw: str, vpc: str | None):
    return next((a for a in net.graph.of_kind("transit_gateway_attachment")
                 if getattr(a.get("transit_gateway"), "address", None) == tgw
                 and getattr(a.get("vpc"), "address", None) == vpc and vpc is not None), None)


def _zones(net, attachment) -> set:
    return {net.get(s.address).get("az") for s in attachment.get("subnets") or [] if net.get(s.address) is not None}


def _in_az(w, attachment, subnet: str, side: str) -> bool:
    view = w.net.get(subnet)
    az = view.get("az") if view is not None else None
    if az is not None and az not in _zones(w.net, attachment):
        w.block("transit gateway", f"attachment '{attachment.address}' has no subnet in {az}, where the {side} is: "
                                   "the hub carries traffic only from AZs it has an interface in",
                Related(attachment.address, ("subnets",), "its subnets"))
        return False
    return True


def _propagated(net, att: View, at: Related) -> list[HubRoute]:
    """What an attachment propagates: a VPC its blocks, a BGP VPN what on-premises advertises (a
    static VPN nothing: its ranges are static routes of the table)."""
    vpc = net.get(_ref(att.get("vpc")))
    if vpc is not None:
        return [HubRoute(b, att.address, False, at) for b in blocks(vpc)]
    vpn = net.get(_ref(att.get("vpn")))
    if vpn is not None and vpn.get("routing") == "bgp":
        return [HubRoute(ANYWHERE, att.address, False, at, on_premises=True)]
    return []


def hub_table(net, tgw: View, attachment: View | None) -> tuple[View | None, str, list[HubRoute]]:
    """The route table of `tgw` that `attachment` is associated with (None: an attachment AWS
    makes without a declaration, which gets the default table), as a hop names it, and its
    routes. The default table (defaults on, the attachment associated nowhere else) holds every
    attachment's propagated routes and what on-premises advertises over the hub's BGP VPNs and
    Direct Connect gateways; with a default off, an attachment of no table routes nowhere."""
    table = None
    if attachment is not None:
        table = next((t for t in net.graph.of_kind("transit_gateway_route_table")
                      if attachment.address in {_ref(r) for r in t.get("associations") or []}), None)
    if table is None:
        if tgw.get("default_route_table_association") is not True:
            return None, "no route table", []
        if tgw.get("default_route_table_propagation") is not True:
            return None, "the default route table", []
        # the default table is not declared: a VPC's propagated route points at its attachment's VPC,
        # what on-premises advertises (over any of the hub's ways) at the hub
        found = []
        hub = Related(tgw.address, (), "its default route table")
        for att in net.graph.of_kind("transit_gateway_attachment"):
            if _ref(att.get("transit_gateway")) == tgw.address:
                found.extend(_propagated(net, att, Related(att.address, ("vpc",), "propagated")
                                         if att.get("vpc") else hub))
        for vpn in net.graph.of_kind("vpn_connection"):
            if _ref(vpn.get("transit_gateway")) == tgw.address and vpn.get("routing") == "bgp":
                found.append(HubRoute(ANYWHERE, vpn.address, False, hub, on_premises=True))
        for dxgw in net.graph.of_kind("dx_gateway"):
            if tgw.address in {_ref(r) for r in dxgw.get("transit_gateways") or []}:
                found.append(HubRoute(ANYWHERE, dxgw.address, False, hub, on_premises=True))
        return None, "the default route table", found
    found = []
    for i, ref in enumerate(table.get("propagations") or []):
        att = net.get(_ref(ref))
        if att is not None:
            found.extend(_propagated(net, att, Related(table.address, ("propagations", i), "propagated")))
    for i, r in enumerate(table.get("route") or []):
        if isinstance(r.destination, v.Cidr):
            target = None if r.blackhole is True else _ref(r.attachment)
            found.append(HubRoute(r.destination.network, target, True, Related(table.address, ("route", i), "route")))
    return table, f"route table '{table.address}'", found


def _rank(route: HubRoute) -> tuple:
    # what on-premises advertises is unknown: ranked above only a default route, as routes.py does
    return (1 if route.on_premises else route.network.prefixlen, route.static)


def decide(found: list[HubRoute], network, outside: bool) -> list[tuple[object, HubRoute | None]]:
    """The route the table takes for each part of `network`: (part, route or None for no route).
    `outside`: the addresses are outside every VPC of the design (on-premises), which only the
    routes on-premises advertises can hold."""
    cands = [r for r in found if r.network.version == network.version
             and (outside if r.on_premises else r.network.overlaps(network))]
    return _pieces(cands, network)


def _pieces(cands: list[HubRoute], piece) -> list:
    best = max((r for r in cands if r.on_premises or piece.subnet_of(r.network)), key=_rank, default=None)
    if not any(not r.on_premises and r.network != piece and r.network.subnet_of(piece) for r in cands):
        return [(piece, best)]
    out = []
    for half in piece.subnets(prefixlen_diff=1):
        out.extend(_pieces([r for r in cands if r.on_premises or r.network.overlaps(half)], half))
    return out


def _part(piece, whole: Endpoint) -> str:
    return whole.describe() if piece == whole.network else f"{piece} (part of {whole.describe()})"


def _why_static(found: list[HubRoute], route: HubRoute) -> str:
    tied = route.static and any(not r.static and r.network == route.network for r in found)
    return ": for an equal prefix a static route wins over a propagated one, as AWS evaluates routes" if tied else ""


def _dropped(name: str, tgw: str, mine: str, what: str, piece, route: HubRoute | None, found, reply: bool) -> str:
    table = f"{name} of transit gateway '{tgw}' (associated with '{mine}')"
    if route is None:
        return f"{table} has no route {'back ' if reply else ''}to {what}: the hub drops it (notes §24.10)"
    flow = "the reply" if reply else "it"
    return (f"{route.describe()} of {table} drops {flow}: {what} matches it (longest match {route.network}"
            f"{_why_static(found, route)})")


def _misrouted(name: str, tgw: str, mine: str, what: str, route: HubRoute, found, net, where: str) -> str:
    att = net.get(route.target)
    into = f" into VPC '{_ref(att.get('vpc'))}'" if att is not None and _ref(att.get("vpc")) else ""
    return (f"{name} of transit gateway '{tgw}' (associated with '{mine}') sends {what} to attachment "
            f"'{route.target}'{into} (by its {route.describe()}{_why_static(found, route)}), not {where}: "
            "the walk does not follow a flow through another VPC (an inspection VPC's appliances are its own "
            "software's business)")


def _on_premises_route(net, route: HubRoute) -> bool:
    if route.on_premises:
        return True
    att = net.get(route.target)
    return att is not None and _ref(att.get("vpn")) is not None


def carry(w, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    tgw = route.target
    hub = w.net.get(tgw)
    mine = _attachment(w.net, tgw, src.vpc)
    if mine is None or hub is None:
        w.block("transit gateway", f"VPC '{src.vpc}' has no attachment to transit gateway '{tgw}'", route.at)
        return None
    if not _in_az(w, mine, src.subnet, "source"):
        return None
    table, name, found = hub_table(w.net, hub, mine)
    decided = decide(found, dst.network, dst.on_premises)
    target = None
    for piece, chosen in decided:
        what = _part(piece, dst)
        if chosen is None or chosen.blackhole:
            w.block("transit gateway", _dropped(name, tgw, mine.address, what, piece, chosen, found, False),
                    chosen.at if chosen is not None else Related(table.address if table else mine.address))
            return None
        if dst.in_vpc:
            att = w.net.get(chosen.target)
            if att is None or _ref(att.get("vpc")) != dst.vpc:
                w.block("transit gateway", _misrouted(name, tgw, mine.address, what, chosen, found, w.net,
                                                      f"to VPC '{dst.vpc}'"), chosen.at)
                return None
        elif not _on_premises_route(w.net, chosen):
            w.block("transit gateway", _misrouted(name, tgw, mine.address, what, chosen, found, w.net,
                                                  "toward on-premises"), chosen.at)
            return None
        target = target or chosen
    if not dst.in_vpc:
        w.note("transit gateway", f"{name} of transit gateway '{tgw}' (associated with '{mine.address}') sends "
                                  f"{dst.describe()} on toward on-premises ({target.describe()})", target.at)
        from . import hybrid
        return hybrid.leave(w, hub, src, dst)
    theirs = w.net.get(target.target)
    if not _in_az(w, theirs, dst.subnet, "destination"):
        return None
    w.note("transit gateway", f"{name} of transit gateway '{tgw}' (associated with '{mine.address}') sends "
                              f"{dst.describe()} to attachment '{theirs.address}' (longest match {target.network}"
                              f"{_why_static(found, target)}): it crosses the hub from '{mine.address}' (routing "
                              "through a hub is transitive, notes §24.10)", target.at)
    back, hop = routes.lookup(w.net, dst.subnet, src)
    if back is None or back.target != tgw:
        went = "nowhere" if back is None else f"{back.kind.replace('_', ' ')} '{back.target}'"
        w.block("return route", f"the reply to {src.network} must come back through '{tgw}', but subnet "
                                f"'{dst.subnet}' sends it to {went}", hop.at)
        return None
    w.note("return route", hop.text, hop.at)
    return _hub_reply(w, hub, theirs, mine, src)


def _hub_reply(w, hub: View, theirs: View, mine: View, src: Endpoint) -> Endpoint | None:
    """The reply through the hub: the route table of the destination's attachment must send the
    source's addresses back to the source's attachment."""
    table, name, found = hub_table(w.net, hub, theirs)
    first = None
    for piece, chosen in decide(found, src.network, False):
        what = _part(piece, src)
        if chosen is None or chosen.blackhole:
            w.block("return route", _dropped(name, hub.address, theirs.address, what, piece, chosen, found, True),
                    chosen.at if chosen is not None else Related(table.address if table else theirs.address))
            return None
        if chosen.target != mine.address:
            w.block("return route", _misrouted(name, hub.address, theirs.address, f"the reply to {what}", chosen,
                                               found, w.net, f"back to '{mine.address}'"), chosen.at)
            return None
        first = first or chosen
    w.note("return route", f"{name} of transit gateway '{hub.address}' (associated with '{theirs.address}') sends "
                           f"the reply to {src.describe()} back to attachment '{mine.address}' (longest match "
                           f"{first.network}{_why_static(found, first)})", first.at)
    return src
