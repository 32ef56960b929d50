"""Multi-site needs full capacity in the secondary region (notes §25.1: "full production scale
is running … in parallel"): the instances it runs when nothing is wrong are at least the
primary's, and it has a load balancer where the primary has one."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib import dr_sites
from archform.stdlib.schema import Graph, Issue, Related


def dr_multi_site_capacity(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        if plan.model.strategy != "multi_site":
            continue
        theirs, ours = dr_sites.compute(graph, primary), dr_sites.compute(graph, secondary)
        need, have = sum(n for _, n in theirs), sum(n for _, n in ours)
        if have < need:
            yield Issue(f"multi-site needs full capacity in the secondary region: {secondary} runs {have} instance"
                        f"{'s' if have != 1 else ''}, the primary {need} ("
                        + ", ".join(f"'{view.address}' {n}" for view, n in theirs[:3]) + ")", ("strategy",),
                        address=plan.address,
                        related=tuple(Related(view.address, ("desired",), f"runs {n} here") for view, n in ours[:3]),
                        help="run the secondary at production size, or use strategy = warm_standby")
        if dr_sites.fronts(graph, primary) and not dr_sites.fronts(graph, secondary):
            yield Issue(f"multi-site needs full capacity in the secondary region: {secondary} has no load balancer "
                        "to take traffic", ("strategy",), address=plan.address)
