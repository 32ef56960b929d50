"""An explicit name is unique where AWS makes it unique: in its region (a log group, a function,
a queue, ...) or in its parent (a node group in its cluster, a table in its keyspace). Two
resources of one configuration given the same name there would have the second refused at
apply (`ResourceAlreadyExists` and the like), half-way through; the same name in another
region, or under another parent, is a different resource and fine.

An IAM name is unique in the account, across regions (an instance profile's). Buckets (global:
`s3_bucket_names_unique`) and dashboards (global: the dashboard's own check) are checked
elsewhere. The modeled cloud refuses the same names (its behaviours' `name_unique`
and `name_parent`; a test keeps this table and them in agreement).
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.name_scopes import GLOBAL, NAMESPACE, SCOPE
from archform.stdlib.schema import Graph, Issue, Related


def names_unique(graph: Graph) -> Iterable[Issue]:
    first: dict[tuple, str] = {}
    for view in graph.of_kind(*SCOPE):  # in declaration order: the first one written keeps its name
        name = view.get("name")
        if not isinstance(name, str):
            continue  # generated, or known only after apply
        parent_attr = SCOPE[view.kind]
        parent = view.get(parent_attr) if parent_attr else None
        region = None if view.kind in GLOBAL else view.region
        key = (NAMESPACE.get(view.kind, view.kind), region, getattr(parent, "address", parent), name)
        if key not in first:
            first[key] = view.address
            continue
        if view.kind in GLOBAL:
            yield Issue(f"the name '{name}' is already taken in the account by '{first[key]}'", ("name",),
                        address=view.address, related=(Related(first[key], ("name",), "first named here"),),
                        help="IAM names are unique in the account, in every region: give each its own")
            continue
        where = f"{parent_attr} '{key[2]}'" if parent_attr else view.region or "its region"
        yield Issue(f"the name '{name}' is already taken in {where} by '{first[key]}'", ("name",),
                    address=view.address, related=(Related(first[key], ("name",), "first named here"),),
                    help=f"names are unique in {'their ' + parent_attr if parent_attr else 'a region'}: give each "
                         f"its own (the same name in another {parent_attr or 'region'} is another resource)")
