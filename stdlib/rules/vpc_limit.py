"""At most 5 VPCs per region by default, a soft limit (notes §24.2.2) that a
`service_quota { quota = vpcs }` raises: an error past it, as the apply would fail."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.quota_facts import increase_hint, quota
from archform.stdlib.schema import Graph, Issue


def vpc_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for vpc in graph.of_kind("vpc"):
        by_region[vpc.region].append(vpc.address)
    for region, vpcs in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        limit = quota(graph, region, "vpcs")
        if len(vpcs) <= limit:
            continue
        for address in sorted(vpcs)[limit:]:
            yield Issue(f"an account has at most {limit} VPCs per region" + (" by default" if limit == 5 else "") +
                        f"; {len(vpcs)} are declared in {region or 'one region'}", (),
                        address=address, help="share VPCs between workloads, " + increase_hint("vpcs", graph, region))
