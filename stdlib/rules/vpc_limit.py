"""At most 5 VPCs per region by default, a soft limit (notes §24.2.2): a warning."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.schema import Graph, Issue

LIMIT = 5


def vpc_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for vpc in graph.of_kind("vpc"):
        by_region[vpc.region].append(vpc.address)
    for region, vpcs in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        if len(vpcs) <= LIMIT:
            continue
        for address in sorted(vpcs)[LIMIT:]:
            yield Issue(f"an account has at most {LIMIT} VPCs per region by default; {len(vpcs)} are declared in "
                        f"{region or 'one region'}", (), severity="warning", address=address,
                        help="request a quota increase (it is a soft limit), or share VPCs between workloads")
