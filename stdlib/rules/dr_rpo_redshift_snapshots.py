"""A Redshift cluster is recovered in another region from its copied snapshots (notes §19.2.2:
"Snapshots can be configured to save to another region for DR"), taken every 8 hours or 5 GB
of changes: a DR plan covering a cluster of its primary region needs the cluster's
`snapshot_copy` to go to the plan's secondary region, and cannot promise an RPO under 8 hours
(the most a quiet cluster may go between snapshots)."""

from __future__ import annotations

from typing import Iterable

from archform.dsl import values as v
from archform.stdlib import dr_sites
from archform.stdlib.kinds.redshift import SNAPSHOT_INTERVAL_SECONDS
from archform.stdlib.schema import Graph, Issue, Related


def dr_rpo_redshift_snapshots(graph: Graph) -> Iterable[Issue]:
    for plan, primary, secondary in dr_sites.sited_plans(graph):
        scope = dr_sites.covered(plan)
        rpo = plan.model.rpo
        for cluster in sorted(graph.of_kind("redshift_cluster"), key=lambda c: c.address):
            if cluster.region != primary or (scope and cluster.address not in scope):
                continue
            copy = cluster.model.snapshot_copy
            if copy is None or copy.region != secondary:
                yield Issue(f"'{cluster.address}' cannot be recovered in {secondary}: its snapshots are not copied "
                            "there", ("scope",) if scope else ("secondary",), address=plan.address,
                            related=(Related(cluster.address, ("snapshot_copy",) if copy else (),
                                             f"snapshots copied to {copy.region}" if copy else "no snapshot copy"),),
                            help=f"snapshot_copy {{ region = \"{secondary}\" }} on the cluster")
            elif isinstance(rpo, v.Duration) and 0 < rpo.seconds < SNAPSHOT_INTERVAL_SECONDS:
                yield Issue(f"Redshift's automated snapshots (every 8 hours or 5 GB of changes, notes §19.2.2) cannot "
                            f"meet an RPO of {dr_sites.span(float(rpo.seconds))}: '{cluster.address}' is recovered "
                            f"in {secondary} from its last copied snapshot", ("rpo",), address=plan.address,
                            related=(Related(cluster.address, ("snapshot_copy",), "copied every 8 hours"),),
                            help="accept rpo = 8h for the warehouse, or reload it from the source after recovery")
