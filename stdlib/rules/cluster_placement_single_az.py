"""A cluster placement group lives in a single Availability Zone (notes §4.3)."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.kinds.compute import member_path, placement_members
from archform.stdlib.schema import Graph, Issue, Related


def cluster_placement_single_az(graph: Graph) -> Iterable[Issue]:
    for group in sorted(graph.of_kind("placement_group"), key=lambda g: g.address):
        if group.model.strategy != "cluster":
            continue
        members = placement_members(graph, group.address)
        zones = sorted({az for _, counts in members for az in counts})
        if len(zones) <= 1:
            continue
        where = "; ".join(f"{az}: " + ", ".join(f"'{m.address}'" for m, counts in members if az in counts)
                          for az in zones)
        yield Issue(f"a cluster placement group lives in a single Availability Zone; '{group.address}' has members "
                    f"in {len(zones)} ({where})", ("strategy",), address=group.address,
                    related=tuple(Related(m.address, member_path(m), f"placed in {', '.join(sorted(c))}")
                                  for m, c in members),
                    help="put every member in subnets of one AZ, or use a spread or partition group across AZs")
