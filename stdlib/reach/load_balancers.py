"""Load balancers: a flow that reaches a load balancer's listener goes on from the load
balancer's node to each registered target, on the target group's port (notes §6.2).

A listener forwards (its default action, and each ALB rule's) to a target group, an Auto
Scaling group or a list of instances. A target group's targets are those it lists and the
Auto Scaling groups that attach to it. The second leg starts at the load balancer's node, in
the load balancer's subnet and wearing its security groups, so a target's group must admit the
load balancer's group (or its subnets' addresses, notes §6.2.2). With cross-zone load
balancing off, a node sends only to targets of its own Availability Zone (§6.2.7).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from archform.dsl import values as v
from archform.stdlib.schema import Related, View

from .databases import database_cuts
from .endpoints import internet, of_address, of_resource
from .flow import BLOCK, PASS, Endpoint, Flow, Hop
from .index import Network
from .walk import walk


def listener_on(lb: View, flow: Flow) -> tuple[int, object] | None:
    for i, listener in enumerate(lb.model.listener):
        if listener.port == flow.port and _protocol(listener.protocol) == flow.protocol:
            return i, listener
    return None


def _protocol(protocol) -> str:
    return "udp" if protocol in ("UDP", "GENEVE") else "tcp"


def forwards(lb: View) -> list[tuple[tuple, object, object]]:
    """(attribute path of the forward, the listener, what it forwards to) for every forward."""
    out = []
    for i, listener in enumerate(lb.model.listener):
        if listener.forward is not None:
            out.append((("listener", i, "forward"), listener, listener.forward))
        for j, rule in enumerate(listener.rule):
            if rule.forward is not None:
                out.append((("listener", i, "rule", j, "forward"), listener, rule.forward))
    return out


def registered(net: Network, tg: View) -> list:
    """The targets of a target group: those it lists, the Auto Scaling groups attached to it, and
    the ECS services registering their tasks with it."""
    found = list(tg.model.targets)
    for asg in net.graph.referrers(tg.address):
        if asg.kind == "autoscaling_group" and any(getattr(r, "address", None) == tg.address
                                                   for r in asg.model.target_groups):
            found.append(v.ResourceRef(asg.address, asg.kind))
        elif asg.kind == "ecs_service" and any(getattr(lb.target_group, "address", None) == tg.address
                                               for lb in asg.model.load_balancer):
            found.append(v.ResourceRef(asg.address, asg.kind))
    return found


def backends(net: Network, forward, listener) -> tuple[View | None, list, Flow]:
    """The target group (None when the listener forwards straight to instances or a group), its
    targets, and the flow the load balancer opens to them."""
    refs = forward if isinstance(forward, (list, tuple)) else [forward]
    first = refs[0] if refs else None
    if isinstance(first, v.ResourceRef) and first.kind == "target_group":
        tg = net.get(first.address)
        if tg is None:
            return None, [], Flow("tcp", listener.port)
        port = tg.model.port if isinstance(tg.model.port, int) else listener.port
        return tg, registered(net, tg), Flow(_protocol(tg.model.protocol or listener.protocol), port)
    return None, [r for r in refs if isinstance(r, v.ResourceRef)], Flow(_protocol(listener.protocol), listener.port)


def target_endpoints(net: Network, target) -> list[Endpoint]:
    if isinstance(target, v.Ip):
        return [of_address(net, str(target), ipaddress.ip_network(f"{target.address}/{target.address.max_prefixlen}"))]
    view = net.get(getattr(target, "address", None))
    return of_resource(net, view) if view is not None else []


def _az(net: Network, endpoint: Endpoint) -> str | None:
    subnet = net.get(endpoint.subnet)
    return subnet.get("az") if subnet is not None else None


def passes_client_address(lb: View) -> bool:
    """A network or gateway load balancer without security groups hands its targets the
    client's own address (client IP preservation), so their groups must admit the clients."""
    return lb.model.type != "application" and not lb.model.security_groups


def clients(lb: View) -> Endpoint | None:
    """Whom targets see as the source when no particular client is asked about: the internet
    for an internet-facing load balancer that passes client addresses on, else its own node."""
    return internet() if passes_client_address(lb) and not lb.model.internal else None


def onward(net: Network, node: Endpoint, lb: View, flow: Flow, client: Endpoint | None = None) -> list[tuple[Hop, ...]]:
    """The hops after a flow from `client` reached load balancer node `node`: the listener, and
    one walk per target the node sends to."""
    found = listener_on(lb, flow)
    if found is None:
        return [(Hop("listener", BLOCK, f"load balancer '{lb.address}' has no listener on {flow}",
                     Related(lb.address, ("listener",), "listeners")),)]
    i, listener = found
    if listener.forward is None:
        return [(Hop("listener", PASS, f"listener '{listener.name}' answers {flow} itself (a redirect): no target "
                                       "is involved", Related(lb.address, ("listener", i))),)]
    tg, targets, onward_flow = backends(net, listener.forward, listener)
    named = f"target group '{tg.address}'" if tg is not None else "its targets"
    at = Related(lb.address, ("listener", i, "forward"), "forward")
    step = Hop("listener", PASS, f"listener '{listener.name}' forwards to {named} on {onward_flow}", at)
    if tg is not None and tg.model.target_type == "lambda":
        return [(step, Hop("target group", PASS, f"{named} invokes a Lambda function: no network path to walk",
                           Related(tg.address, ("target_type",))))]
    if not targets:
        return [(step, Hop("target group", BLOCK, f"{named} has no targets: nothing answers",
                           Related(tg.address if tg is not None else lb.address)))]
    cross = lb.model.cross_zone_enabled
    out = []
    for target in targets:
        for end in target_endpoints(net, target):
            if not cross and _az(net, end) != _az(net, node):
                continue
            seen = client if client is not None and passes_client_address(lb) else None
            out.append((step, *walk(net, node, end, onward_flow, seen)))
    return out or [(step, Hop("target group", BLOCK, f"no target of {named} is in the node's Availability Zone, and "
                                                     "cross-zone load balancing is off (notes §6.2.7)", at))]


@dataclass(frozen=True)
class TargetReach:
    """What the modeled cloud needs to obey the design's network: for each (target group,
    target resource) pair whose health checks cannot reach the target, and each whose traffic
    cannot, the blocking hop's sentence; and the target groups with no target at all. A load
    balancer forwarding straight to an Auto Scaling group has that group's address as its
    target group's; a target that cannot reach a database it is admitted to is one whose traffic
    fails (stdlib/reach/databases.py). `consumers`: the queue workloads whose consumers cannot reach their queue
    (stdlib/reach/workloads.py)."""

    health: dict = field(default_factory=dict)  # (group address, target address) -> why
    traffic: dict = field(default_factory=dict)
    empty: frozenset = frozenset()
    consumers: dict = field(default_factory=dict)  # workload address -> workloads.Cut (its consumers' queue flow)


def target_reach(net: Network) -> TargetReach:
    health, traffic, empty = {}, {}, set()
    cut = database_cuts(net)  # targets that cannot reach their database answer with errors
    for lb in sorted(net.graph.of_kind("load_balancer"), key=lambda x: x.address):
        nodes = of_resource(net, lb)
        for _, listener, forward in forwards(lb):
            tg, targets, flow = backends(net, forward, listener)
            if tg is not None and not targets and tg.model.target_type != "lambda":
                empty.add(tg.address)
            if (tg is not None and tg.model.target_type == "lambda") or flow.port is None:
                continue
            checked = _health_flow(tg, flow)
            for target in targets:
                name = getattr(target, "address", None)
                group = tg.address if tg is not None else name
                if name is None or (group, name) in traffic or (group, name) in health:
                    continue
                ends = target_endpoints(net, target)
                for wanted, found in ((flow, traffic), (checked, health)):
                    why = _first_block(net, lb, nodes, ends, wanted)
                    if why:
                        found[(group, name)] = why
                if name in cut and (group, name) not in traffic:
                    traffic[(group, name)] = cut[name]
    return TargetReach(health, traffic, frozenset(empty))


def _health_flow(tg: View | None, flow: Flow) -> Flow:
    port = tg.model.health_check.port if tg is not None else None
    return Flow(flow.protocol, port) if isinstance(port, int) else flow


def _first_block(net: Network, lb: View, nodes, ends, flow: Flow) -> str:
    seen = clients(lb)
    for node in nodes:
        for end in ends:
            if not lb.model.cross_zone_enabled and _az(net, end) != _az(net, node):
                continue
            hop = next((h for h in walk(net, node, end, flow, seen) if h.verdict == BLOCK), None)
            if hop is not None:
                return f"{flow} blocked at {hop.step}: {hop.text}"
    return ""
