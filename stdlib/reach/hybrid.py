"""On-premises networks, reached over Site-to-Site VPN and Direct Connect (notes §24.8, §24.9,
§24.10): a private address outside every VPC of the design is on-premises, and the ways in and
out are the design's VPN connections and Direct Connect virtual interfaces ending on an AWS
gateway — a transit gateway (the hub) or a VPC's virtual private gateway.

A way ("entrance") carries a flow when both sides know the other's range: on-premises learns
the AWS ranges over a Direct Connect virtual interface from its Direct Connect gateway's
`allowed_prefixes` (every range when none are given on a private interface; a transit
interface advertises only its allowed prefixes), over a BGP VPN every attached range; AWS
learns the on-premises ranges from a static VPN's `static_routes`, or from BGP — what
on-premises advertises is not part of the design, so a BGP way is taken to carry any of them,
and the hop says so.

When several ways carry the same prefix, the gateway's route evaluation order picks one:
- a transit gateway: static routes (a static VPN's), then Direct Connect gateway-propagated
  routes, then Site-to-Site VPN-propagated routes (AWS Transit Gateway guide, "How transit
  gateways work" › "Route evaluation order",
  https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html);
- a virtual private gateway: Direct Connect BGP routes, then VPN static routes, then VPN BGP
  routes (Amazon VPC guide, "Route priority",
  https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html).
So with Direct Connect preferred and a BGP VPN as its backup (notes §24.9.5), flows take the
line; the chaos run moves them to the VPN when the line fails (chaos/loops/hybrid.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from archform.dsl import values as v
from archform.stdlib.schema import Related, View

from . import routes
from .transit import _in_az, _why_static, decide, hub_table
from .flow import NOTE, Endpoint

TGW_ORDER = {"vpn static": 0, "dx": 1, "vpn bgp": 2}
VGW_ORDER = {"dx": 0, "vpn static": 1, "vpn bgp": 2}


def _ref(x) -> str | None:
    return x.address if isinstance(x, v.ResourceRef) else None


def _cidrs(items) -> list:
    return [c.network for c in items or [] if isinstance(c, v.Cidr)]


def _holds(blocks, network) -> bool:
    return any(network.version == b.version and network.subnet_of(b) for b in blocks)


@dataclass(frozen=True)
class Way:
    """One way between on-premises and an AWS gateway: a Direct Connect virtual interface or a
    VPN connection."""

    kind: str  # "dx", "vpn static" or "vpn bgp"
    address: str  # the virtual interface or VPN connection
    gateway: str  # the transit gateway or virtual private gateway it ends on
    on_premises: tuple | None  # the on-premises ranges AWS learns over it; None: whatever BGP brings
    advertised: tuple | None  # the AWS ranges on-premises learns over it; None: every attached range
    text: str

    def carries(self, premises, aws, outbound: bool = False) -> bool:
        """Whether a flow between the two ranges can take this way: inbound, on-premises must
        have learned `aws` over it and AWS `premises`; outbound (AWS's choice), AWS's side only."""
        return ((self.on_premises is None or _holds(self.on_premises, premises))
                and (outbound or self.advertised is None or _holds(self.advertised, aws)))


def ways(net, gateway: str) -> list[Way]:
    """The Direct Connect virtual interfaces and VPN connections ending on `gateway`."""
    out = []
    for vif in net.graph.of_kind("dx_virtual_interface"):
        dxgw = net.get(_ref(vif.get("dx_gateway")))
        field = "transit_gateways" if vif.get("type") == "transit" else "vpn_gateways"
        direct = vif.get("type") != "transit" and _ref(vif.get("vpn_gateway")) == gateway
        through = dxgw is not None and gateway in {_ref(r) for r in dxgw.get(field) or []}
        if not (direct or through):
            continue
        allowed = tuple(_cidrs(dxgw.get("allowed_prefixes"))) if through else ()
        advertised = allowed if (allowed or vif.get("type") == "transit") else None
        via = f" through Direct Connect gateway '{dxgw.address}'" if through else ""
        shown = ", ".join(map(str, allowed)) if allowed else "nothing"
        told = f", which advertises {shown} to on-premises" if advertised is not None else ""
        out.append(Way("dx", vif.address, gateway, None, advertised,
                       f"Direct Connect {vif.get('type')} virtual interface '{vif.address}' (VLAN {vif.get('vlan')}) "
                       f"on connection '{_ref(vif.get('connection'))}'{via}{told}"))
    for vpn in net.graph.of_kind("vpn_connection"):
        if gateway not in (_ref(vpn.get("transit_gateway")), _ref(vpn.get("vpn_gateway"))):
            continue
        cgw = _ref(vpn.get("customer_gateway"))
        if vpn.get("routing") == "static":
            mine = tuple(_static_ranges(net, vpn) if _ref(vpn.get("transit_gateway")) else
                         _cidrs(vpn.get("static_routes")))
            out.append(Way("vpn static", vpn.address, gateway, mine, None,
                           f"Site-to-Site VPN connection '{vpn.address}' from customer gateway '{cgw}' (static "
                           f"routes {', '.join(map(str, mine)) or 'none'})"))
        else:
            out.append(Way("vpn bgp", vpn.address, gateway, None, None,
                           f"Site-to-Site VPN connection '{vpn.address}' from customer gateway '{cgw}' (BGP: the "
                           "on-premises ranges it advertises are not in the design, so any is taken)"))
    return out


def _static_ranges(net, vpn: View) -> list:
    """A static VPN on a transit gateway: its ranges are the static routes of the hub's route
    tables to its attachment (the connection's own `static_routes` are for a virtual private
    gateway)."""
    mine = {a.address for a in net.graph.of_kind("transit_gateway_attachment") if _ref(a.get("vpn")) == vpn.address}
    return [r.destination.network for t in net.graph.of_kind("transit_gateway_route_table")
            for r in t.get("route") or [] if isinstance(r.destination, v.Cidr) and r.blackhole is not True
            and _ref(r.attachment) in mine]


def choose(net, gateway: View, premises, aws, outbound: bool = False) -> tuple[Way | None, list[Way]]:
    """The way AWS's route evaluation picks between on-premises range `premises` and AWS range
    `aws` through `gateway` (`outbound`: from AWS to on-premises), and the other ways that carry
    it too (its backups). Inbound, on-premises is taken to prefer the same order."""
    order = TGW_ORDER if gateway.kind == "transit_gateway" else VGW_ORDER
    fit = sorted((w for w in ways(net, gateway.address) if w.carries(premises, aws, outbound)),
                 key=lambda w: (order[w.kind], w.address))
    return (fit[0], fit[1:]) if fit else (None, [])


def _why(gateway: View, chosen: Way, backups: list[Way]) -> str:
    if not backups:
        return "the only way that carries it"
    others = ", ".join(f"'{b.address}'" for b in backups)
    if gateway.kind == "transit_gateway":
        rule = ("a transit gateway prefers static routes, then Direct Connect gateway-propagated routes, then "
                "Site-to-Site VPN-propagated routes (AWS Transit Gateway guide, route evaluation order)")
    else:
        rule = ("a virtual private gateway prefers Direct Connect BGP routes, then VPN static routes, then VPN BGP "
                "routes (Amazon VPC guide, route priority)")
    return f"preferred over {others}, the backup{'s' if len(backups) > 1 else ''}: {rule}"


def gateways_to(net, vpc: str | None) -> list[View]:
    """The AWS gateways on-premises can reach `vpc` through: transit gateways it is attached to,
    its virtual private gateway."""
    found = {_ref(a.get("transit_gateway")) for a in net.graph.of_kind("transit_gateway_attachment")
             if _ref(a.get("vpc")) == vpc and vpc is not None}
    found |= {g.address for g in net.graph.of_kind("vpn_gateway") if _ref(g.get("vpc")) == vpc and vpc is not None}
    return [net.get(a) for a in sorted(a for a in found if a)]


# --- on-premises → a VPC ---------------------------------------------------------------------------

def enter(w, src: Endpoint, dst: Endpoint) -> Endpoint | None:
    """A flow from on-premises `src` to `dst` in a VPC: in over the preferred way, across the
    gateway to the destination's VPC, and a route back for the reply."""
    candidates = []
    for gateway in gateways_to(w.net, dst.vpc):
        chosen, backups = choose(w.net, gateway, src.network, dst.network)
        if chosen is not None:
            candidates.append((gateway, chosen, backups))
    if not candidates:
        near = [x for g in gateways_to(w.net, dst.vpc) for x in ways(w.net, g.address)]
        at = None if not near else Related(near[0].address, ("static_routes",) if near[0].kind == "vpn static"
                                           else (), "the nearest way in")
        w.block("on-premises", f"{src.network} is a private address outside every VPC (on-premises), and no VPN "
                               f"connection or Direct Connect virtual interface carries it to VPC '{dst.vpc}'"
                               + _missing(w.net, dst.vpc), at)
        return None
    gateway, chosen, backups = min(candidates, key=lambda c: (0 if c[0].kind == "transit_gateway" else 1,
                                                             c[0].address))
    w.note("on-premises", f"{src.network} is on-premises (a private address outside every VPC)", verdict=NOTE)
    w.note("Direct Connect" if chosen.kind == "dx" else "VPN", f"enters over {chosen.text}; "
                                                              + _why(gateway, chosen, backups), Related(chosen.address))
    if gateway.kind == "transit_gateway":
        return _into_hub(w, gateway, chosen, src, dst)
    w.note("virtual private gateway", f"virtual private gateway '{gateway.address}' of VPC '{dst.vpc}' takes it in",
           Related(gateway.address))
    return _return_route(w, gateway, chosen, src, dst)


def _missing(net, vpc) -> str:
    if not gateways_to(net, vpc):
        return ": the VPC has no transit gateway attachment and no virtual private gateway"
    return (": check a static VPN's static_routes, and a Direct Connect gateway's allowed_prefixes (what it "
            "advertises to on-premises)")


def _vpn_attachment(net, tgw: View, way: Way) -> View | None:
    """The declared attachment a VPN way makes on the transit gateway (None: AWS's own, or a
    Direct Connect gateway's association, which the default route table takes)."""
    return next((a for a in net.graph.of_kind("transit_gateway_attachment")
                 if _ref(a.get("vpn")) == way.address and _ref(a.get("transit_gateway")) == tgw.address), None)


def _into_hub(w, tgw: View, way: Way, src: Endpoint, dst: Endpoint) -> Endpoint | None:
    mine = _vpn_attachment(w.net, tgw, way)
    table, named, found = hub_table(w.net, tgw, mine)
    target = None
    for piece, chosen in decide(found, dst.network, False):
        what = dst.describe() if piece == dst.network else f"{piece} (part of {dst.describe()})"
        if chosen is None:
            w.block("transit gateway", f"{named} of transit gateway '{tgw.address}' (where '{way.address}' arrives) "
                                       f"has no route to {what}: the hub drops it (notes §24.10)",
                    Related(table.address if table else tgw.address))
            return None
        if chosen.blackhole:
            w.block("transit gateway", f"{chosen.describe()} of {named} of transit gateway '{tgw.address}' (where "
                                       f"'{way.address}' arrives) drops it: {what} matches it (longest match "
                                       f"{chosen.network}{_why_static(found, chosen)})", chosen.at)
            return None
        att = w.net.get(chosen.target)
        if att is None or _ref(att.get("vpc")) != dst.vpc:
            w.block("transit gateway", f"{named} of transit gateway '{tgw.address}' sends {what} to "
                                       f"attachment '{chosen.target}', not to VPC '{dst.vpc}' (longest match "
                                       f"{chosen.network}{_why_static(found, chosen)})", chosen.at)
            return None
        target = target or chosen
    att = w.net.get(target.target)
    w.note("transit gateway", f"{named} of transit gateway '{tgw.address}' sends {dst.describe()} to attachment "
                              f"'{att.address}' (longest match {target.network}{_why_static(found, target)})",
           target.at)
    if not _in_az(w, att, dst.subnet, "destination"):
        return None
    w.note("attachment", f"attachment '{att.address}' hands it to VPC '{dst.vpc}' through its interface in "
                         f"{w.net.get(dst.subnet).get('az')}", Related(att.address, ("subnets",)))
    return _return_route(w, tgw, way, src, dst, att)


def _return_route(w, gateway: View, way: Way, src: Endpoint, dst: Endpoint,
                  att: View | None = None) -> Endpoint | None:
    """The reply's way back: the destination subnet's route table sends on-premises to the
    gateway, and the gateway takes it on over the preferred way."""
    back, hop = routes.lookup(w.net, dst.subnet, src)
    if back is None or back.target != gateway.address:
        went = "nowhere" if back is None else f"{back.kind.replace('_', ' ')} '{back.target}'"
        w.block("return route", f"the reply to on-premises {src.network} must go back through '{gateway.address}', "
                                f"but subnet '{dst.subnet}' sends it to {went}: add a route for the on-premises "
                                f"range to '{gateway.address}'" + (" (or propagate_to on the virtual private gateway)"
                                                                   if gateway.kind == "vpn_gateway" else ""), hop.at)
        return None
    w.note("return route", hop.text, hop.at)
    if att is not None and not _hub_home(w, gateway, att, src):
        return None
    back_way, _ = choose(w.net, gateway, src.network, dst.network, outbound=True)
    if back_way is not None and back_way.address != way.address:
        w.note("reply", f"the reply leaves over '{back_way.address}', not '{way.address}' the request came in by: "
                        "AWS routes it by its own preference (asymmetric routing; a stateful firewall or customer "
                        "gateway on-premises may drop it)", Related(back_way.address), verdict=NOTE)
    elif back_way is not None:
        w.note("reply", f"the reply leaves over '{back_way.address}', the way the request came in",
               Related(back_way.address))
    return src


def _hub_home(w, tgw: View, att: View, src: Endpoint) -> bool:
    """The reply through the hub: the route table of the destination's attachment must send
    on-premises `src` to a VPN or Direct Connect way (a route on-premises advertises over BGP, or
    a static route to a VPN attachment)."""
    table, named, found = hub_table(w.net, tgw, att)
    for piece, chosen in decide(found, src.network, True):
        lead = f"{named} of transit gateway '{tgw.address}' (associated with '{att.address}')"
        if chosen is None:
            w.block("return route", f"{lead} has no route back to {piece}: the hub drops the reply (notes §24.10)",
                    Related(table.address if table else att.address))
            return False
        if chosen.blackhole:
            w.block("return route", f"{chosen.describe()} of {lead} drops the reply to {piece} (longest match "
                                    f"{chosen.network}{_why_static(found, chosen)})", chosen.at)
            return False
        way = w.net.get(chosen.target)
        if not chosen.on_premises and (way is None or _ref(way.get("vpn")) is None):
            w.block("return route", f"{lead} sends the reply to {piece} to attachment '{chosen.target}', not to "
                                    f"on-premises (longest match {chosen.network})", chosen.at)
            return False
    return True  # the "reply" hop says which way it leaves by


# --- a VPC → on-premises ---------------------------------------------------------------------------

def leave(w, gateway: View, src: Endpoint, dst: Endpoint) -> Endpoint | None:
    """A flow the VPC sent to `gateway` for on-premises `dst`: out over the preferred way."""
    chosen, backups = choose(w.net, gateway, dst.network, src.network, outbound=True)
    if chosen is None:
        w.block("on-premises", f"no VPN connection or Direct Connect virtual interface of '{gateway.address}' "
                               f"carries {dst.network} (on-premises) and {src.network}" + _missing(w.net, src.vpc),
                Related(gateway.address))
        return None
    w.note("Direct Connect" if chosen.kind == "dx" else "VPN",
           f"leaves for on-premises {dst.network} over {chosen.text}; " + _why(gateway, chosen, backups),
           Related(chosen.address))
    return None


def vpn_gateway(w, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    """The carrier of a VPC route to a virtual private gateway."""
    gateway = w.net.get(route.target)
    if gateway is None or _ref(gateway.get("vpc")) != src.vpc:
        w.block("virtual private gateway", f"virtual private gateway '{route.target}' is not attached to VPC "
                                           f"'{src.vpc}'", route.at)
        return None
    if not dst.on_premises:
        w.block("virtual private gateway", f"virtual private gateway '{route.target}' leads on-premises, and "
                                           f"{dst.describe()} is not there", route.at)
        return None
    return leave(w, gateway, src, dst)
