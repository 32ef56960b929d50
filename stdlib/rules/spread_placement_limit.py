"""A spread placement group holds at most 7 running instances per AZ (notes §4.3).

Members are counted by `placement_members`: an instance counts 1 in its subnet's AZ; an Auto
Scaling group counts ceil(max / its AZs) in each AZ of its subnets."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.kinds.compute import SPREAD_LIMIT_PER_AZ, member_path, placement_members
from archform.stdlib.schema import Graph, Issue, Related


def spread_placement_limit(graph: Graph) -> Iterable[Issue]:
    for group in sorted(graph.of_kind("placement_group"), key=lambda g: g.address):
        if group.model.strategy != "spread":
            continue
        members = placement_members(graph, group.address)
        per_az = defaultdict(int)
        for _, counts in members:
            for az, count in counts.items():
                per_az[az] += count
        for az, total in sorted(per_az.items()):
            if total <= SPREAD_LIMIT_PER_AZ:
                continue
            inside = [(m, counts[az]) for m, counts in members if az in counts]
            yield Issue(f"a spread placement group holds at most {SPREAD_LIMIT_PER_AZ} running instances per "
                        f"Availability Zone; '{group.address}' has {total} in {az}", ("strategy",),
                        address=group.address,
                        related=tuple(Related(m.address, member_path(m), _label(m, n)) for m, n in inside),
                        help="spread the members over more AZs, use a partition placement group for large "
                             "fleets, or lower the ASG's max (an ASG counts ceil(max / its AZs) per AZ)")


def _label(member, count: int) -> str:
    if member.kind == "instance":
        return "instance placed here"
    return f"Auto Scaling group: up to {count} here"
