"""What the walk looks up again and again, gathered once per architecture: each subnet's
network ACL and route table, each VPC's address blocks, the VPCs with an internet gateway, the
gateway endpoints of each route table, the Elastic IPs of instances, and which resources wear
each security group."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from archform.dsl import values as v
from archform.stdlib.schema import Graph, View

# the kinds placed in subnets with security groups, and where they keep them
PLACED = ("instance", "autoscaling_group", "load_balancer", "rds", "aurora", "elasticache", "lambda_function",
          "mq_broker", "efs", "vpc_endpoint", "network_interface", "documentdb_cluster", "neptune_cluster",
          "rds_proxy", "msk_cluster", "redshift_cluster", "redshift_serverless", "opensearch_domain", "eks_cluster",
          "ecs_service")


def _ref(x) -> str | None:
    return x.address if isinstance(x, v.ResourceRef) else None


@dataclass(frozen=True)
class HeldRoute:
    """A route as the modeled cloud holds it now (a `sim set` may have changed the table)."""

    destination: v.Cidr
    target: v.ResourceRef


class Network:
    """`routes`: the routes the modeled cloud holds now, by route table address, for a run that
    must obey the cloud as it is (drifted) rather than the design; tables not named keep the
    design's routes."""

    def __init__(self, graph: Graph, routes: dict[str, list[HeldRoute]] | None = None):
        self.graph = graph
        self.held = dict(routes or {})
        self.nacl_of: dict[str, View] = {}
        self.table_of: dict[str, View] = {}
        self.gateway_endpoints: dict[str, list[View]] = defaultdict(list)
        self.eip_of: dict[str, View] = {}
        self.blocks: dict[str, list] = {}
        for nacl in graph.of_kind("network_acl"):
            for ref in nacl.model.subnets:
                self.nacl_of.setdefault(_ref(ref), nacl)
        for table in graph.of_kind("route_table"):
            for ref in table.model.subnets:
                self.table_of.setdefault(_ref(ref), table)
        for endpoint in graph.of_kind("vpc_endpoint"):
            if endpoint.model.type == "gateway":
                for ref in endpoint.model.route_tables:
                    self.gateway_endpoints[_ref(ref)].append(endpoint)
        for eip in graph.of_kind("elastic_ip"):
            for attr in ("instance", "network_interface"):
                if _ref(eip.get(attr)):
                    self.eip_of.setdefault(_ref(eip.get(attr)), eip)
        self.wired = {_ref(g.get("vpc")) for g in graph.of_kind("internet_gateway")}  # VPCs with an internet gateway
        for vpc in graph.of_kind("vpc"):
            self.blocks[vpc.address] = [b.network for b in [vpc.model.cidr, *vpc.model.secondary_cidrs]
                                        if isinstance(b, v.Cidr)]
        self._wearers: dict[str, list[str]] | None = None
        self.endpoints: dict[str, list] = {}  # address -> its endpoints, as endpoints.of_resource found them

    def routes_of(self, table: View) -> list:
        """A route table's routes: as the cloud holds them when known, else as designed."""
        return self.held.get(table.address, table.model.route)

    def get(self, address: str | None) -> View | None:
        return self.graph.get(address) if address else None

    def subnet_vpc(self, subnet: str | None) -> str | None:
        view = self.get(subnet)
        return _ref(view.get("vpc")) if view is not None else None

    def vpc_holding(self, network) -> str | None:
        """The VPC whose blocks hold every address of `network`."""
        for vpc, blocks in sorted(self.blocks.items()):
            if any(network.version == b.version and network.subnet_of(b) for b in blocks):
                return vpc
        return None

    def subnet_holding(self, network, vpc: str | None = None) -> View | None:
        for subnet in self.graph.of_kind("subnet"):
            cidr = subnet.model.cidr
            if (isinstance(cidr, v.Cidr) and cidr.network.version == network.version
                    and network.subnet_of(cidr.network) and (vpc is None or _ref(subnet.model.vpc) == vpc)):
                return subnet
        return None

    def wearers(self, group: str) -> list[str]:
        """The resources whose network interfaces carry security group `group`."""
        if self._wearers is None:
            from .endpoints import groups_of
            found = defaultdict(list)
            for kind in PLACED:
                for view in self.graph.of_kind(kind):
                    for g in groups_of(self, view):
                        found[g].append(view.address)
            self._wearers = {g: sorted(set(a)) for g, a in found.items()}
        return self._wearers.get(group, [])
