"""Which parts of a design reach which, on the ports the design uses: the tiers are the
internet and every resource with network interfaces (its security groups are its role), and a
resource's ports are those it serves — a load balancer's listeners, a database's port, the
target-group ports of the instances behind a load balancer, else the single ports its
security groups admit."""

from __future__ import annotations

from dataclasses import dataclass

from archform.dsl import values as v

from . import endpoints
from .flow import Flow
from .index import PLACED, Network
from .load_balancers import forwards, registered
from .trace import paths

SERVED_PORT = {"efs": 2049, "vpc_endpoint": 443,  # NFS (notes §5.4), HTTPS to an interface endpoint
               "opensearch_domain": 443, "eks_cluster": 443,  # HTTPS: the domain's and the Kubernetes API's
               "sqs_queue": 443}  # SQS's API is HTTPS
PORTED = ("rds", "aurora", "elasticache", "documentdb_cluster", "neptune_cluster", "redshift_cluster",
          "redshift_serverless")  # kinds with a `port` attribute
PROXY_PORTS = {"mysql": 3306, "postgresql": 5432, "sqlserver": 1433}
# MSK's bootstrap ports by client authentication (AWS's: TLS 9094, SASL/SCRAM 9096, IAM 9098, plaintext 9092)
KAFKA_PORTS = {"tls": 9094, "sasl_scram": 9096, "iam": 9098, "unauthenticated": 9092}


@dataclass(frozen=True)
class Cell:
    source: str
    destination: str
    flow: Flow
    reachable: int  # paths that get through
    total: int

    @property
    def verdict(self) -> str:
        return "yes" if self.reachable == self.total else "no" if self.reachable == 0 else "partly"


def served(net: Network, view) -> list[Flow]:
    """The flows a resource answers, sorted."""
    found = set()
    if view.kind == "load_balancer":
        for listener in view.model.listener:
            if isinstance(listener.port, int):
                found.add(Flow("udp" if listener.protocol in ("UDP", "GENEVE") else "tcp", listener.port))
    elif isinstance(view.get("port"), int) and view.kind in PORTED:
        found.add(Flow("tcp", view.get("port")))
    elif view.kind == "rds_proxy" and view.get("engine_family") in PROXY_PORTS:
        found.add(Flow("tcp", PROXY_PORTS[view.get("engine_family")]))
    elif view.kind == "msk_cluster":
        found |= {Flow("tcp", KAFKA_PORTS[a]) for a in view.get("client_auth") or () if a in KAFKA_PORTS}
    elif view.kind in SERVED_PORT:
        found.add(Flow("tcp", SERVED_PORT[view.kind]))
    else:
        for lb in net.graph.of_kind("load_balancer"):
            for _, listener, forward in forwards(lb):
                for ref in forward if isinstance(forward, list) else [forward]:
                    tg = net.get(getattr(ref, "address", None))
                    if tg is not None and tg.kind == "target_group" and isinstance(tg.model.port, int) and any(
                            getattr(t, "address", None) == view.address for t in registered(net, tg)):
                        found.add(Flow("tcp", tg.model.port))
        if not found:
            for group in endpoints.groups_of(net, view):
                sg = net.get(group)
                for rule in sg.model.ingress if sg is not None else ():
                    r = rule.port_range
                    if isinstance(r, v.PortRange) and r.low == r.high and rule.protocol in ("tcp", "udp"):
                        found.add(Flow(rule.protocol, r.low))
    return sorted(found, key=lambda f: (f.protocol, f.port or 0))


def matrix(net: Network) -> list[Cell]:
    tiers = []
    for kind in PLACED:
        for view in sorted(net.graph.of_kind(kind), key=lambda x: x.address):
            ends = endpoints.of_resource(net, view)
            if ends:
                tiers.append((view, ends))
    sources = [("internet", [endpoints.internet()])] + [(view.address, ends) for view, ends in tiers]
    cells = []
    for dst, dst_ends in tiers:
        for flow in served(net, dst):
            for name, src_ends in sources:
                if name == dst.address:
                    continue
                found = paths(net, src_ends, dst_ends, flow)
                cells.append(Cell(name, dst.address, flow, sum(p.reachable for p in found), len(found)))
    return sorted(cells, key=lambda c: (c.source != "internet", c.source, c.destination, c.flow.protocol,
                                        c.flow.port or 0))
