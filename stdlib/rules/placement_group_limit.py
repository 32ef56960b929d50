"""At most 500 placement groups per account per region (aws-facts "Placement")."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.schema import Graph, Issue

LIMIT = 500


def placement_group_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for group in graph.of_kind("placement_group"):
        by_region[group.region].append(group.address)
    for region, groups in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        for address in sorted(groups)[LIMIT:]:
            yield Issue(f"an account has at most {LIMIT} placement groups per region; {len(groups)} are declared in "
                        f"{region or 'one region'}", (), address=address,
                        help="reuse placement groups across fleets, or spread the groups over regions")
