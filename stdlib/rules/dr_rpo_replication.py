"""An RPO of seconds needs continuous replication (notes §7.2.2, §10.5, §16.2.4): with `rpo`
under a minute, every data store the plan covers replicates into the secondary region as it
changes — an Aurora Global Database (under 1 s of lag), DynamoDB global tables, S3 replication,
an RDS cross-region read replica. Backups, at best every 5 minutes within the region and daily
beyond it (notes §7.3.1), cannot."""

from __future__ import annotations

from typing import Iterable

from archform.dsl import values as v
from archform.stdlib import dr_sites
from archform.stdlib.schema import Graph, Issue, Related

SECONDS = dr_sites.RPO_SECONDS  # an RPO under this is "seconds"


def dr_rpo_replication(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        rpo = plan.model.rpo
        if not isinstance(rpo, v.Duration) or not 0 < rpo.seconds < SECONDS:
            continue
        for store in dr_sites.data_stores(graph, plan, primary):
            if dr_sites.replica_in(graph, store, secondary):
                continue
            yield Issue(f"an RPO of {dr_sites.span(float(rpo.seconds))} needs continuous replication to {secondary}: "
                        f"'{store.address}' has none, and its backups lose more than that", ("rpo",),
                        address=plan.address, related=(Related(store.address, (), "not replicated"),),
                        help=dr_sites.how_to_replicate(store, secondary))
