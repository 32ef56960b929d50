"""The path walker: one flow from one endpoint to another, hop by hop.

    source interface → its security groups' egress → its subnet's network ACL outbound →
    its route table (longest prefix) → the carrier (local, internet gateway, NAT gateway,
    Network Firewall endpoint, peering, gateway endpoint, transit gateway, virtual private
    gateway) → the far subnet's network ACL inbound → the far security
    groups' ingress → and back: security groups let the reply through (stateful); every
    network ACL crossed is crossed again by the reply, to the client's ephemeral ports.

A carrier is one entry of `CARRIERS`, keyed by the route target's kind: it takes the flow
across and returns the endpoint the far side sees as the source (the source itself inside a
network; the internet once the flow has left through a gateway), or None when the flow ends
there (it reached the internet, a service or on-premises). A new route target is one more
entry. A flow from a private address outside every VPC comes from on-premises (`hybrid.enter`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from archform.stdlib.schema import Related

from . import firewalls, hybrid, nacls, routes, security_groups, transit
from .endpoints import internet, of_resource
from .flow import BLOCK, EPHEMERAL, NOTE, PASS, Endpoint, Flow, Hop, Trail
from .index import Network


@dataclass
class Walk(Trail):
    net: Network | None = None
    flow: Flow | None = None
    crossed: list[tuple[str, str, object]] = field(default_factory=list)  # (subnet, direction, peer) to mirror
    depth: int = 0

    def cross(self, subnet: str, direction: str, peer) -> bool:
        """A network ACL crossing of the request, remembered so the reply crosses it back."""
        self.crossed.append((subnet, "egress" if direction == "ingress" else "ingress", peer))
        ports = None if self.flow.port is None else (self.flow.port, self.flow.port)
        return self.add(nacls.check(self.net, subnet, direction, peer, self.flow.protocol, ports))

    def block(self, step: str, text: str, at: Related | None = None) -> None:
        self.add(Hop(step, BLOCK, text, at))

    def note(self, step: str, text: str, at: Related | None = None, verdict: str = PASS) -> None:
        self.add(Hop(step, verdict, text, at))


def walk(net: Network, src: Endpoint, dst: Endpoint, flow: Flow, seen_as: Endpoint | None = None) -> tuple[Hop, ...]:
    """The hops of `flow` from `src` to `dst`. `seen_as`: whom the destination sees as the source
    when it is not `src` (a network load balancer passes on its client's address)."""
    w = Walk(net=net, flow=flow)
    w.note("source", f"{flow} from {src.describe()}", src.declared, NOTE)
    same_subnet = src.in_vpc and src.subnet == dst.subnet
    seen: Endpoint | None = src
    if src.kind == "service":
        w.block("source", f"{src.service} is a service: it answers flows, it does not start them here")
    elif src.in_vpc:
        w.add(security_groups.check(net, src, dst, flow, "egress") or _unknown_groups(src))
        if same_subnet:
            w.note("subnet", f"both ends are in subnet '{src.subnet}': no router or network ACL lies between them")
        elif w.cross(src.subnet, "egress", dst.network):
            seen = leave(w, src, dst)
    else:
        seen = enter(w, src, dst)
    if seen is not None and seen_as is not None:
        w.note("client address", f"the destination sees the client's address, {seen_as.describe()}", verdict=NOTE)
        seen = seen_as
    if w.open and seen is not None and dst.in_vpc:
        if not same_subnet:
            w.cross(dst.subnet, "ingress", seen.network)
        w.add(security_groups.check(net, dst, seen, flow, "ingress") or _unknown_groups(dst))
    if w.open:
        _reply(w, src, dst)
    if w.open:
        w.note("destination", f"reaches {dst.describe()}", dst.declared, NOTE)
    return tuple(w.hops)


def _unknown_groups(end: Endpoint) -> Hop | None:
    if end.kind != "address":
        return None
    return Hop("security groups", NOTE, f"{end.network} is an address, not a resource of the design: whatever "
                                        "security groups its interface wears are not known, and not checked")


def _reply(w: Walk, src: Endpoint, dst: Endpoint) -> None:
    if src.groups or src.default_group or dst.groups or dst.default_group:
        w.add(security_groups.reply())
    ports = None if w.flow.port is None else EPHEMERAL
    for subnet, direction, peer in reversed(w.crossed):
        w.add(nacls.check(w.net, subnet, direction, peer, w.flow.protocol, ports, reply=True))


def leave(w: Walk, src: Endpoint, dst: Endpoint) -> Endpoint | None:
    """Route the flow out of `src`'s subnet; what the far side sees as its source."""
    w.depth += 1
    if w.depth > 4:
        w.block("route", "the routes send this flow round in a loop")
        return None
    route, hop = routes.lookup(w.net, src.subnet, dst)
    if not w.add(hop):
        return None
    carrier = CARRIERS.get(route.kind)
    if carrier is None:
        w.block("route", f"the route sends {dst.describe()} to {route.kind.replace('_', ' ')} '{route.target}'; "
                         "the reachability walk does not follow that target yet", route.at)
        return None
    return carrier(w, src, dst, route)


def enter(w: Walk, src: Endpoint, dst: Endpoint) -> Endpoint | None:
    """A flow from outside every VPC (the internet, an outside address) toward `dst`."""
    if dst.kind == "service":
        w.note("internet", f"{dst.service} answers on its public endpoint")
        return None
    if not dst.in_vpc:
        w.block("destination", f"neither {src.describe()} nor {dst.describe()} is inside a VPC of this architecture")
        return None
    if not src.public:
        return hybrid.enter(w, src, dst)  # on-premises, over a VPN or Direct Connect
    if not dst.public:
        w.block("public address", f"'{dst.name}' has no public IPv4 address ({dst.public_why}), so the internet "
                                  "cannot reach it (notes §24.1.2)", dst.declared)
        return None
    w.note("public address", f"'{dst.name}' has a public IPv4 address: {dst.public_why}", dst.declared)
    route, hop = routes.lookup(w.net, dst.subnet, src)
    step = "return route"
    if route is None:
        w.block(step, hop.text + ": the reply cannot get out", hop.at)
    elif route.kind == "nat_gateway":
        w.block(step, f"subnet '{dst.subnet}' sends the internet to NAT gateway '{route.target}', and a NAT gateway "
                      "admits only flows started inside (notes §24.3.2)", route.at)
    elif route.kind != "internet_gateway":
        w.block(step, f"subnet '{dst.subnet}' sends the internet to {route.kind.replace('_', ' ')} '{route.target}', "
                      "not to an internet gateway", route.at)
    else:
        w.note(step, f"subnet '{dst.subnet}' routes the internet through internet gateway '{route.target}'", route.at)
        return src
    return None


# --- carriers: one per route target kind --------------------------------------------------------

def _local(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    if not dst.in_vpc:
        w.block("local", f"{dst.network} is inside VPC '{route.target}' but in none of its subnets", route.at)
        return None
    return src


def _internet_gateway(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    if not src.public:
        w.block("internet gateway", f"'{src.name}' has no public IPv4 address ({src.public_why}): an internet "
                                    f"gateway carries only traffic of public addresses (notes §24.2.4)", route.at)
        return None
    w.note("internet gateway", f"leaves through internet gateway '{route.target}' from {src.name}'s public address",
           Related(route.target))
    return _on_the_internet(w, internet(), dst)


def _on_the_internet(w: Walk, seen: Endpoint, dst: Endpoint) -> Endpoint | None:
    if dst.kind == "service":
        w.note("internet", f"reaches {dst.service}'s public endpoint over the internet")
        return None
    if dst.kind in ("internet", "address") and not dst.in_vpc:
        if dst.kind == "address" and not dst.public:
            w.block("internet", f"{dst.network} is a private address outside every VPC: the internet does not "
                                "route it (a VPN or Direct Connect would)")
        return None
    return enter(w, seen, dst)


def _nat_gateway(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    nat = w.net.get(route.target)
    ends = of_resource(w.net, nat) if nat is not None else []
    if not ends:
        w.block("NAT gateway", f"NAT gateway '{route.target}' has no subnet", route.at)
        return None
    gateway = ends[0]
    w.note("NAT gateway", f"NAT gateway '{gateway.name}' in subnet '{gateway.subnet}' takes the flow and sends it on "
                          "from its own address (it admits only flows started inside, notes §24.3.2)",
           Related(gateway.name, ("subnet",)))
    if gateway.subnet != src.subnet and not w.cross(gateway.subnet, "ingress", src.network):
        return None
    if not w.cross(gateway.subnet, "egress", dst.network):
        return None
    return leave(w, gateway, dst)


def _network_firewall(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    """The firewall's endpoint in the source's AZ inspects the flow and, keeping its source
    address, sends it on by the endpoint subnet's own route."""
    fw = w.net.get(route.target)
    here = w.net.get(src.subnet)
    az = here.get("az") if here is not None else None
    subnet = firewalls.endpoint_subnet(w.net, fw, az) if fw is not None else None
    if subnet is None:
        w.block(firewalls.STEP, f"firewall '{route.target}' has no endpoint in {az}, where subnet '{src.subnet}' is",
                Related(route.target, ("subnets",), "its endpoint subnets"))
        return None
    w.note(firewalls.STEP, f"firewall '{fw.address}' takes the flow at its endpoint in {az} (subnet '{subnet}')",
           Related(fw.address, ("subnets",)))
    for hop in firewalls.inspect(w.net, fw, w.flow, src, dst):
        if not w.add(hop):
            return None
    if not w.cross(subnet, "ingress", src.network) or not w.cross(subnet, "egress", dst.network):
        return None
    return leave(w, replace(src, subnet=subnet), dst)


def _egress_only(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    if dst.network.version != 6:
        w.block("egress-only internet gateway", f"egress-only internet gateway '{route.target}' carries IPv6 only "
                                               "(notes §24.12.2)", route.at)
        return None
    return _on_the_internet(w, internet(), dst)


def _peering(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    peering = w.net.get(route.target)
    ends = [getattr(peering.get(a), "address", None) for a in ("vpc", "peer_vpc")] if peering else []
    if src.vpc not in ends:
        w.block("peering", f"VPC peering '{route.target}' does not join '{src.vpc}'", route.at)
        return None
    other = next((e for e in ends if e != src.vpc), None)
    mine, theirs = w.net.blocks.get(src.vpc, []), w.net.blocks.get(other, [])
    clash = next(((a, b) for a in mine for b in theirs if a.version == b.version and a.overlaps(b)), None)
    if clash:
        w.block("peering", f"VPCs with overlapping CIDR blocks cannot peer: {clash[0]} of '{src.vpc}' overlaps "
                           f"{clash[1]} of '{other}' (notes §24.5)", Related(route.target, ("peer_vpc",)))
        return None
    if dst.vpc != other:
        where = f"in VPC '{dst.vpc}'" if dst.vpc else "outside it"
        w.block("peering", f"VPC peering is not transitive: '{route.target}' reaches only '{other}', and "
                           f"{dst.describe()} is {where} (notes §24.5)", route.at)
        return None
    w.note("peering", f"crosses VPC peering '{route.target}' into '{other}'", Related(route.target))
    back, hop = routes.lookup(w.net, dst.subnet, src)
    if back is None or back.target != route.target:
        went = "nowhere" if back is None else f"{back.kind.replace('_', ' ')} '{back.target}'"
        w.block("return route", f"the reply to {src.network} must come back through '{route.target}', but subnet "
                                f"'{dst.subnet}' sends it to {went}: add a route for it to the peering (notes §24.5)",
                hop.at)
        return None
    w.note("return route", hop.text, hop.at)
    return src


def _gateway_endpoint(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    w.note("gateway endpoint", f"gateway endpoint '{route.target}' carries it to {dst.service} privately, without "
                               "the internet (notes §24.6)", route.at)
    return None


def _appliance(w: Walk, src: Endpoint, dst: Endpoint, route: routes.Route) -> Endpoint | None:
    w.block("route", f"the route hands the flow to {route.kind.replace('_', ' ')} '{route.target}', an appliance; "
                     "what it forwards is its own software's business, which the walk cannot see", route.at)
    return None


CARRIERS: dict[str, Callable[[Walk, Endpoint, Endpoint, routes.Route], Endpoint | None]] = {
    "local": _local,
    "internet_gateway": _internet_gateway,
    "nat_gateway": _nat_gateway,
    "network_firewall": _network_firewall,
    "egress_only_internet_gateway": _egress_only,
    "vpc_peering": _peering,
    "gateway_endpoint": _gateway_endpoint,
    "instance": _appliance,
    "network_interface": _appliance,
    "transit_gateway": transit.carry,
    "vpn_gateway": hybrid.vpn_gateway,
}
