"""Pilot light needs the data tier running in the secondary region (notes §25.1: "we might just
have the RDS database running"), and so do warm standby and multi-site, which add more to it:
every database and table of the primary has a copy there that replicates continuously — an
Aurora Global Database secondary, a cross-region read replica, a global table replica."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib import dr_sites
from archform.stdlib.schema import Graph, Issue, Related

RUNNING_DATA = ("pilot_light", "warm_standby", "multi_site")
DATABASES = ("aurora", "rds", "dynamodb_table")


def dr_data_tier_running(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        if plan.model.strategy not in RUNNING_DATA:
            continue
        name = dr_sites.STRATEGY_NAMES[plan.model.strategy]
        for store in dr_sites.data_stores(graph, plan, primary):
            if store.kind not in DATABASES or dr_sites.replica_in(graph, store, secondary):
                continue
            yield Issue(f"{name} needs the data tier running in the secondary region: '{store.address}' has no "
                        f"copy running in {secondary}", ("strategy",), address=plan.address,
                        related=(Related(store.address, (), "no copy in the secondary region"),),
                        help=dr_sites.how_to_replicate(store, secondary))
