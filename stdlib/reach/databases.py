"""The databases a fleet uses, and whether the network lets it reach them (issue 18): a
database whose security group admits a fleet's security group is one the design says that
fleet connects to (the same intent `validate` checks, stdlib/rules/reachability.py). When the
fleet's instances or tasks cannot reach the database's port — a network ACL, a route, a missing
egress rule — the requests they serve that need it fail, and the modeled cloud's load balancer
answers them with errors (chaos/loops/elb.py reads `TargetReach.traffic`)."""

from __future__ import annotations

from archform.dsl import values as v

from .endpoints import groups_of, of_resource
from .flow import BLOCK, Flow
from .index import Network
from .walk import walk

DATABASES = ("rds", "aurora", "elasticache")
FLEETS = ("instance", "autoscaling_group", "ecs_service")  # what a load balancer's targets are


def database_cuts(net: Network) -> dict[str, str]:
    """Fleet address -> why it cannot reach a database it is admitted to (the first one found)."""
    out: dict[str, str] = {}
    for db in sorted(net.graph.of_kind(*DATABASES), key=lambda x: x.address):
        port, ends = db.get("port"), of_resource(net, db)
        if not isinstance(port, int) or not ends:
            continue
        flow = Flow("tcp", port)
        for group in groups_of(net, db):
            sg = net.get(group)
            for rule in sg.model.ingress if sg is not None else ():
                if not isinstance(rule.peer, v.ResourceRef):
                    continue
                for fleet in net.wearers(rule.peer.address):
                    view = net.get(fleet)
                    if fleet in out or view is None or view.kind not in FLEETS:
                        continue
                    why = _blocked(net, of_resource(net, view), ends, flow)
                    if why:
                        out[fleet] = f"it cannot reach database '{db.address}' on {flow}: {why}"
    return out


def _blocked(net: Network, sources, destinations, flow: Flow) -> str:
    for src in sources:
        for dst in destinations:
            hop = next((h for h in walk(net, src, dst, flow) if h.verdict == BLOCK), None)
            if hop is not None:
                return f"blocked at {hop.step}: {hop.text}"
    return ""
