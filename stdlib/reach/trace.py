"""A question asked of the design — can SRC reach DST with this flow? — answered with every
path between them (one per pair of their interfaces, on through a load balancer's targets)."""

from __future__ import annotations

from . import endpoints
from archform.stdlib.schema import Related

from .flow import BLOCK, NOTE, Answer, Flow, Hop, Path
from .index import Network
from .load_balancers import onward
from .walk import walk


def trace(net: Network, source: str, destination: str, flow: Flow) -> Answer:
    srcs, problem = endpoints.resolve(net, source)
    dsts, problem2 = endpoints.resolve(net, destination) if not problem else ([], "")
    if problem or problem2:
        return Answer(source, destination, flow, problem=problem or problem2)
    return Answer(source, destination, flow, tuple(paths(net, srcs, dsts, flow)))


def paths(net: Network, srcs, dsts, flow: Flow) -> list[Path]:
    out = []
    for src in srcs:
        for dst in dsts:
            endpoint, inside = endpoints.private_endpoint(net, src, dst)
            if endpoint is not None:
                out.extend(_through_endpoint(net, src, dst, endpoint, inside, flow))
                continue
            hops = walk(net, src, dst, flow)
            off = next(iter(endpoints.interface_endpoints(net, src, dst)), None)
            if off is not None:  # an endpoint the name does not resolve to: say so, and why
                hops = _private_dns_off(hops, off, dst)
            lb = net.get(dst.name) if dst.kind == "load_balancer" else None
            if lb is None or any(h.verdict == "block" for h in hops):
                out.append(Path(src, dst, hops))
                continue
            for more in onward(net, dst, lb, flow, src):
                out.append(Path(src, dst, hops + more))
    return out


def _through_endpoint(net: Network, src, dst, endpoint, inside, flow: Flow) -> list[Path]:
    """A service the source's VPC has an interface endpoint for: its name resolves to the
    endpoint's addresses (private DNS), so the flow goes to the endpoint's interfaces."""
    near = [e for e in inside if e.subnet == src.subnet] or inside
    if not near:
        return [Path(src, dst, (Hop("DNS", BLOCK, f"interface endpoint '{endpoint.address}' for {dst.service} has no "
                                                  "subnet: its private DNS name answers with no address",
                                    Related(endpoint.address, ("subnets",))),))]
    note = Hop("DNS", NOTE, f"{dst.name if dst.name != dst.service else dst.service} resolves to the addresses of "
                            f"interface endpoint '{endpoint.address}' in VPC '{src.vpc}' (private DNS, notes §24.6)",
               Related(endpoint.address, ("private_dns",)))
    return [Path(src, end, (note, *walk(net, src, end, flow))) for end in near[:1]]


def _private_dns_off(hops: tuple, endpoint, dst) -> tuple:
    """The hops of a flow to a service whose interface endpoint in the source's VPC has
    private_dns = false: the service's name resolves to its public addresses, not to the
    endpoint; a blocked hop says the endpoint would have carried it."""
    why = (f"interface endpoint '{endpoint.address}' for {dst.service} has private_dns = false, so "
           f"{dst.name if dst.name != dst.service else dst.service} resolves to the service's public addresses, not "
           "to the endpoint's (notes §24.6)")
    at = Related(endpoint.address, ("private_dns",), "private_dns = false")
    out = [*hops[:1], Hop("DNS", NOTE, why, at)]
    for hop in hops[1:]:
        if hop.verdict == BLOCK and hop.step == "route":
            hop = Hop(hop.step, hop.verdict, f"{hop.text}; {why}: set private_dns = true to reach it through the "
                                             "endpoint", hop.at)
        out.append(hop)
    return tuple(out)
