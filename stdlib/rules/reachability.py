"""The paths the design declares must get through (issue 18): the internet → each listener of
an internet-facing load balancer, every load balancer → target group → target, and every fleet
a database's security group admits → the database, walked by the reachability engine
(`stdlib/reach`). A blocked path is a warning on the rule that blocks it; a listener forwarding
to a target group with no targets is a warning on the listener."""

from __future__ import annotations

from typing import Iterable

from archform.dsl import values as v
from archform.stdlib.reach import Flow, Network
from archform.stdlib.reach.databases import DATABASES
from archform.stdlib.reach.endpoints import groups_of, internet, of_resource
from archform.stdlib.reach.load_balancers import backends, clients, forwards, target_endpoints
from archform.stdlib.reach.walk import walk
from archform.stdlib.schema import Graph, Issue, Related

FLEETS = ("instance", "autoscaling_group", "lambda_function", "ecs_service")  # what opens connections to a database

HELP = {
    "security group ingress": "admit it: ingress {{ port = {port}, from = {peer} }}",
    "security group egress": "allow it out: egress {{ port = {port}, to = {peer} }}",
    "network ACL inbound": "allow it in with a lower-numbered rule; NACLs are stateless (notes §24.4)",
    "network ACL outbound": "allow it out with a lower-numbered rule; NACLs are stateless (notes §24.4)",
    "network ACL inbound (reply)": "allow the reply: ingress {{ rule = N, ports = 1024..65535, cidr = ... }} "
                                   "(ephemeral ports, notes §24.4.3)",
    "network ACL outbound (reply)": "allow the reply: egress {{ rule = N, ports = 1024..65535, cidr = ... }} "
                                    "(ephemeral ports, notes §24.4.3)",
    "route": "add a route for the destination's block to this route table",
}


def reachability(graph: Graph) -> Iterable[Issue]:
    net = Network(graph)
    seen, clear = set(), set()
    for issue in [*_from_the_internet(net, clear), *_load_balancers(net, clear), *_databases(net, clear)]:
        key = (issue.address, issue.path, issue.message)
        if key not in seen:
            seen.add(key)
            yield issue


def _first_block(net: Network, clear: set, sources, destinations, flow: Flow, same_zone: bool = False,
                 seen_as=None):
    """The first blocked walk from a source to a destination; `clear` remembers the walks that
    got through, by what decides them."""
    for src in sources:
        for dst in destinations:
            if same_zone and _az(net, src) != _az(net, dst):
                continue
            key = (_shape(src), _shape(dst), flow, seen_as and _shape(seen_as))
            if key in clear:
                continue
            for hop in walk(net, src, dst, flow, seen_as):
                if hop.verdict == "block":
                    return src, dst, hop
            clear.add(key)
    return None


def _shape(end) -> tuple:
    """What a walk's verdict depends on (not the resource's name): many fleets wearing one
    group in the same subnets are walked once."""
    return (end.kind, end.subnet if end.approximate else str(end.network), end.groups, end.default_group, end.public,
            end.service)


def _az(net: Network, end) -> str | None:
    subnet = net.get(end.subnet)
    return subnet.get("az") if subnet is not None else None


def _issue(what: str, hop, flow: Flow, fallback: Related, related: tuple, peers: tuple = ("internet", "")) -> Issue:
    """The warning for a blocked walk, at the rule that blocked it. `peers`: how a rule would
    name the source and the destination, for the help."""
    at = hop.at or fallback
    peer = peers[1] if hop.step == "security group egress" else peers[0]
    help_text = HELP.get(hop.step, "").format(port=flow.port, peer=peer or "<the other end>")
    return Issue(f"{what} on {flow}: blocked at {hop.step}", at.path, severity="warning", address=at.address,
                 detail=hop.text,
                 related=tuple(r for r in related if (r.address, r.path) != (at.address, at.path)), help=help_text)


def _load_balancers(net: Network, clear: set) -> Iterable[Issue]:
    for lb in sorted(net.graph.of_kind("load_balancer"), key=lambda x: x.address):
        nodes = of_resource(net, lb)
        for path, listener, forward in forwards(lb):
            tg, targets, flow = backends(net, forward, listener)
            forward_at = Related(lb.address, path, f"listener '{listener.name}' forwards here")
            if tg is not None and not targets and tg.model.target_type != "lambda":
                yield Issue(f"listener '{listener.name}' forwards to target group '{tg.address}', which has no "
                            "targets: the load balancer serves nothing", path, severity="warning", address=lb.address,
                            related=(Related(tg.address, (), "target group without targets"),),
                            help="list targets = [...] in the target group, or attach an Auto Scaling group with "
                                 f"target_groups = [{tg.address.rsplit('.', 1)[-1]}]")
                continue
            if not nodes or flow.port is None or (tg is not None and tg.model.target_type == "lambda"):
                continue
            for target in targets:
                ends = target_endpoints(net, target)
                found = _first_block(net, clear, nodes, ends, flow, same_zone=not lb.model.cross_zone_enabled,
                                     seen_as=clients(lb))
                if found is None:
                    continue
                _, dst, hop = found
                via = f" of target group '{tg.address}'" if tg is not None else ""
                related = (forward_at,) + ((Related(tg.address, ("port",), f"port {flow.port}"),) if tg else ())
                yield _issue(f"load balancer '{lb.address}' cannot reach target '{dst.name}'{via}", hop, flow,
                             forward_at, related, (_named(net, clients(lb) or nodes[0]), _named(net, dst)))


def _from_the_internet(net: Network, clear: set) -> Iterable[Issue]:
    """An internet-facing load balancer's listeners are meant for the internet, once its VPC has
    an internet gateway (a design without one is not wired to the internet yet; one placed in a
    private subnet is the load balancer's own warning)."""
    for lb in sorted(net.graph.of_kind("load_balancer"), key=lambda x: x.address):
        nodes = of_resource(net, lb)
        if lb.model.internal or lb.model.type == "gateway" or not nodes or nodes[0].vpc not in net.wired or any(
                net.get(e.subnet).get("public") is False for e in nodes):
            continue
        for i, listener in enumerate(lb.model.listener):
            if not isinstance(listener.port, int):
                continue
            flow = Flow("udp" if listener.protocol in ("UDP", "GENEVE") else "tcp", listener.port)
            found = _first_block(net, clear, [internet()], nodes, flow)
            if found is not None:
                at = Related(lb.address, ("listener", i, "port"), f"listener '{listener.name}'")
                yield _issue(f"the internet cannot reach listener '{listener.name}' of load balancer '{lb.address}'",
                             found[2], flow, at, (at,))


def _databases(net: Network, clear: set) -> Iterable[Issue]:
    gathered: dict[str, list[list[str]]] = {}  # security group -> its fleets, gathered by _alike
    for db in sorted(net.graph.of_kind(*DATABASES), key=lambda x: x.address):
        port = db.get("port")
        ends = of_resource(net, db)
        if not isinstance(port, int) or not ends:
            continue
        flow = Flow("tcp", port)
        blocked: dict = {}  # (where it is blocked) -> (the hop, the fleets, the rule declaring the intent)
        for group in groups_of(net, db):
            sg = net.get(group)
            for i, rule in enumerate(sg.model.ingress if sg is not None else ()):
                if not isinstance(rule.peer, v.ResourceRef):
                    continue
                if rule.peer.address not in gathered:
                    gathered[rule.peer.address] = _alike(net, rule.peer.address)
                for fleets in gathered[rule.peer.address]:
                    found = _first_block(net, clear, of_resource(net, net.get(fleets[0])), ends, flow)
                    if found is not None:
                        hop = found[2]
                        key = (hop.at.address, hop.at.path) if hop.at else (group, ("ingress", i))
                        entry = blocked.setdefault(key, (hop, [], Related(group, ("ingress", i),
                                                                          f"admits '{rule.peer.address}'")))
                        entry[1].extend(fleets)
        for hop, fleets, intent in blocked.values():
            names = list(dict.fromkeys(fleets))
            who = ", ".join(repr(f) for f in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            yield _issue(f"{who} cannot reach database '{db.address}'", hop, flow, intent,
                         (intent, Related(db.address, ("port",), f"listens on {port}")),
                         (_named(net, of_resource(net, net.get(names[0]))[0]), _named(net, ends[0])))


def _alike(net: Network, group: str) -> list[list[str]]:
    """The fleets wearing `group`, gathered by what decides their walks (one walk answers for each
    gathering)."""
    by_shape: dict[tuple, list[str]] = {}
    for fleet in net.wearers(group):
        view = net.get(fleet)
        if view.kind in FLEETS:
            by_shape.setdefault(tuple(_shape(e) for e in of_resource(net, view)), []).append(fleet)
    return list(by_shape.values())


def _named(net: Network, end) -> str:
    """How a security group rule names an endpoint: its first group, else its block."""
    if end.kind == "internet":
        return "internet"
    if end.groups:
        return end.groups[0].rsplit(".", 1)[-1]
    return str(end.network)
