"""A VPC has at most one internet gateway, and an internet gateway one VPC (notes §24.2.4)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Related


def internet_gateway_per_vpc(graph: Graph) -> Iterable[Issue]:
    by_vpc = defaultdict(list)
    for gateway in graph.of_kind("internet_gateway"):
        if isinstance(gateway.model.vpc, v.ResourceRef):
            by_vpc[gateway.model.vpc.address].append(gateway)
    for vpc, gateways in sorted(by_vpc.items()):
        first, *extra = sorted(gateways, key=lambda g: g.address)
        for gateway in extra:
            yield Issue(f"a VPC can have only one internet gateway; '{vpc}' already has '{first.address}'", ("vpc",),
                        address=gateway.address,
                        related=(Related(first.address, ("vpc",), "the VPC's internet gateway"),),
                        help="one internet gateway serves every public subnet of a VPC; remove this one")
