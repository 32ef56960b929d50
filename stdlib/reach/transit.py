"""The transit gateway carrier (notes §24.10): unlike peering (§24.5), routing through a hub is
transitive. A flow a VPC routes to a transit gateway needs the VPC's attachment, with a subnet
in the source's AZ; the route table associated with that attachment must take the destination
on (a propagated VPC, a static route, or what on-premises advertises over a BGP VPN or Direct
Connect); the destination's VPC needs its own attachment in the destination's AZ, and a route
back to the hub for the reply. A destination outside every VPC leaves for on-premises."""

from __future__ import annotations

from archform.stdlib.kinds.transit import reachable
from archform.stdlib.schema import Related

from . import routes
from .flow import Endpoint


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


def carry(w, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    tgw = route.target
    mine = _attachment(w.net, tgw, src.vpc)
    if mine is None:
        w.block("transit gateway", f"VPC '{src.vpc}' has no attachment to transit gateway '{tgw}'", route.at)
        return None
    if not _in_az(w, mine, src.subnet, "source"):
        return None
    ahead = reachable(w.net.graph, mine)
    if not any(dst.network.version == n.version and dst.network.subnet_of(n) for n in ahead):
        w.block("transit gateway", f"the route table of '{mine.address}' on transit gateway '{tgw}' has no route to "
                                   f"{dst.describe()}: the hub drops it (notes §24.10)", Related(mine.address))
        return None
    if not dst.in_vpc:
        w.note("transit gateway", f"transit gateway '{tgw}' sends {dst.describe()} on toward on-premises (a VPN or "
                                  "Direct Connect route of its table)", Related(tgw))
        from . import hybrid
        return hybrid.leave(w, w.net.get(tgw), src, dst)
    theirs = _attachment(w.net, tgw, dst.vpc)
    if theirs is None:
        w.block("transit gateway", f"VPC '{dst.vpc}' has no attachment to transit gateway '{tgw}'", Related(tgw))
        return None
    if not _in_az(w, theirs, dst.subnet, "destination"):
        return None
    w.note("transit gateway", f"crosses transit gateway '{tgw}' from '{mine.address}' to '{theirs.address}' "
                              "(routing through a hub is transitive, notes §24.10)", Related(tgw))
    back, hop = routes.lookup(w.net, dst.subnet, src)
    home = reachable(w.net.graph, theirs)
    if back is None or back.target != tgw or not any(src.network.version == n.version and
                                                     src.network.subnet_of(n) for n in home):
        went = "nowhere" if back is None else f"{back.kind.replace('_', ' ')} '{back.target}'"
        w.block("return route", f"the reply to {src.network} must come back through '{tgw}', but subnet "
                                f"'{dst.subnet}' sends it to {went}" if back is None or back.target != tgw else
                f"the route table of '{theirs.address}' has no route back to {src.network}", hop.at)
        return None
    w.note("return route", hop.text, hop.at)
    return src
