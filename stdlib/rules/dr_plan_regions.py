"""A DR plan names two regions the architecture has (notes §25.1): each of `primary` and
`secondary` is a region scope of the file (`primary = primary`) or a region name, and the
primary region holds something to recover."""

from __future__ import annotations

from typing import Iterable

from archform.dsl.suggest import did_you_mean
from archform.stdlib import dr_sites
from archform.stdlib.regions import REGIONS
from archform.stdlib.schema import Graph, Issue


def dr_plan_regions(graph: Graph) -> Iterable[Issue]:
    for plan in sorted(graph.of_kind("dr_plan"), key=lambda p: p.address):
        known = dr_sites.scopes(graph, dr_sites.prefix_of(plan.address))
        for attr in ("primary", "secondary"):
            name = getattr(plan.model, attr)
            if not isinstance(name, str) or dr_sites.region_of(name, known) is not None:
                continue
            if name in REGIONS or (name[:2].isalpha() and "-" in name):
                continue  # a region name (unknown names are the kind's own check)
            scopes = ", ".join(f"{a} ({r})" for a, r in sorted(known.items())) or "none"
            yield Issue(f"{attr} '{name}' is not a region scope of this architecture (scopes: {scopes})", (attr,),
                        address=plan.address, help=did_you_mean(name, sorted(known)) or
                        "write the alias of a region block (region \"eu-west-1\" as standby { … }) or a region name")
        primary = dr_sites.region_of(plan.model.primary, known)
        if primary is not None and not any(v.region == primary for v in graph.all()):
            yield Issue(f"the primary region {primary} holds nothing to recover", ("primary",),
                        address=plan.address)
