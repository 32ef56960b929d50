"""Warm standby needs a running scaled-down copy in the secondary region (notes §25.1: "the
full system is up and running but at minimum size"): for the compute and the load balancers
of the primary region, the secondary runs compute (at least one instance) and a load balancer."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib import dr_sites
from archform.stdlib.schema import Graph, Issue, Related


def dr_warm_standby_copy(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        if plan.model.strategy != "warm_standby":
            continue
        theirs = [(view, n) for view, n in dr_sites.compute(graph, primary) if n > 0]
        standby = dr_sites.compute(graph, secondary)
        ours = [(view, n) for view, n in standby if n > 0]
        if theirs and not ours:
            idle = [view.address for view, _ in standby]
            what = (f"its groups run no instances ({', '.join(idle)})" if idle else "it runs no compute")
            yield Issue(f"warm standby needs a running scaled-down copy in the secondary region: {secondary} runs "
                        f"nothing — {what} — while the primary runs {_listed(theirs)}", ("strategy",),
                        address=plan.address,
                        related=tuple(Related(view.address, (), "runs in the primary") for view, _ in theirs[:3]),
                        help="run the same tier at minimum size there (an Auto Scaling group with desired = 1), or "
                             "use strategy = pilot_light")
        primary_lbs, secondary_lbs = dr_sites.fronts(graph, primary), dr_sites.fronts(graph, secondary)
        if primary_lbs and not secondary_lbs:
            yield Issue(f"warm standby needs a running scaled-down copy in the secondary region: {secondary} has no "
                        f"load balancer in front of its copy (the primary has "
                        f"{', '.join(repr(v.address) for v in primary_lbs)})", ("strategy",), address=plan.address,
                        related=tuple(Related(view.address, (), "the primary's front") for view in primary_lbs[:3]))


def _listed(items) -> str:
    shown = ", ".join(f"'{view.address}' ({n} instance{'s' if n != 1 else ''})" for view, n in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")
