"""A question asked of the design — can SRC reach DST with this flow? — answered with every
path between them (one per pair of their interfaces, on through a load balancer's targets)."""

from __future__ import annotations

from . import endpoints
from .flow import Answer, Flow, Path
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
            hops = walk(net, src, dst, flow)
            lb = net.get(dst.name) if dst.kind == "load_balancer" else None
            if lb is None or any(h.verdict == "block" for h in hops):
                out.append(Path(src, dst, hops))
                continue
            for more in onward(net, dst, lb, flow, src):
                out.append(Path(src, dst, hops + more))
    return out
