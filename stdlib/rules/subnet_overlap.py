"""Subnets of one VPC must not overlap (notes §24.2.3)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Related


def subnet_overlap(graph: Graph) -> Iterable[Issue]:
    by_vpc = defaultdict(list)
    for s in graph.of_kind("subnet"):
        if isinstance(s.model.cidr, v.Cidr) and isinstance(s.model.vpc, v.ResourceRef):
            by_vpc[s.model.vpc.address].append(s)
    for vpc, subnets in sorted(by_vpc.items()):
        # sorted by first address, an overlap can only be with a block that starts earlier and
        # ends at or after this one's start: one pass, no pairwise comparison
        ordered = sorted(subnets, key=lambda s: (int(s.model.cidr.network.network_address), s.address))
        reach = None  # the subnet reaching furthest so far
        for s in ordered:
            net = s.model.cidr.network
            if reach is not None and int(reach.model.cidr.network.broadcast_address) >= int(net.network_address):
                other = reach.model.cidr.network
                yield Issue(f"subnet {net} overlaps {other} of '{reach.address}' in the same VPC", ("cidr",),
                            address=s.address,
                            related=(Related(reach.address, ("cidr",), f"{other} declared here"),),
                            help="give each subnet of a VPC its own block, e.g. cidrsubnet(vpc.cidr, 8, N) with a distinct N")
            if reach is None or int(net.broadcast_address) > int(reach.model.cidr.network.broadcast_address):
                reach = s
