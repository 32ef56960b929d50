"""Daily backups cannot meet an RPO under a day (notes §7.3.1: "full backup daily"; the
transaction logs of every 5 minutes stay in the region): with `rpo` between a minute and a day,
a data store that does not replicate continuously into the secondary region falls back to its
daily backup there, and misses the target. A store with neither replication nor backups cannot
be recovered in the secondary region at all, whatever the RPO."""

from __future__ import annotations

from typing import Iterable

from archform.dsl import values as v
from archform.stdlib import dr_sites
from archform.stdlib.kinds.backup import copies_in
from archform.stdlib.schema import Graph, Issue, Related

DAY = 86400
SECONDS = dr_sites.RPO_SECONDS  # below this, dr_rpo_replication speaks


def dr_rpo_backups(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        rpo = plan.model.rpo
        if not isinstance(rpo, v.Duration) or rpo.seconds <= 0:
            continue
        for store in dr_sites.data_stores(graph, plan, primary):
            if dr_sites.replica_in(graph, store, secondary):
                continue
            copied = copies_in(graph, store, secondary)
            if copied is not None:  # an AWS Backup plan's schedule is the RPO (notes §25.5)
                backup, interval = copied
                if rpo.seconds < interval:
                    yield Issue(f"backup plan '{backup.address}' copies '{store.address}' to {secondary} every "
                                f"{dr_sites.span(interval)}: it cannot meet an RPO of {dr_sites.span(float(rpo.seconds))}",
                                ("rpo",), address=plan.address,
                                related=(Related(backup.address, ("rule",), "its schedule"),),
                                help="schedule the backup rule more often, or replicate the store continuously")
                continue
            related = (Related(store.address, (), "backed up daily, not replicated"),)
            if not dr_sites.backed_up(store):
                yield Issue(f"'{store.address}' cannot be recovered in {secondary}: it neither replicates there nor "
                            "has backups", ("strategy",), address=plan.address,
                            related=(Related(store.address, (), "no replication, no backups"),),
                            help=dr_sites.how_to_replicate(store, secondary))
            elif SECONDS <= rpo.seconds < DAY:
                yield Issue(f"daily backups cannot meet an RPO of {dr_sites.span(float(rpo.seconds))}: "
                            f"'{store.address}' does not replicate to {secondary}, so losing {primary} falls back to "
                            f"its last daily backup (up to 1d of writes lost)", ("rpo",), address=plan.address,
                            related=related, help=dr_sites.how_to_replicate(store, secondary) +
                            ", or accept rpo = 1d")
