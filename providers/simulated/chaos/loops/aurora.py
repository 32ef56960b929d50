"""Aurora during a run (notes §7.2, facts "Databases").

- Storage: 6 copies, two in each of 3 AZs — the AZs of the cluster's subnets, then the
  region's next ones. Writes need 4 live copies, reads 3; with 2 or fewer the cluster is
  unavailable. So an AZ loss keeps writing, and an AZ plus one more copy keeps reading only.
- Writer: when it fails a replica in a live AZ is promoted, within 30 s (`AURORA_FAILOVER_SECONDS`);
  with no replica Aurora creates a new instance, which takes minutes. The writer endpoint
  follows the writer.
- Global Database: a secondary cluster in another region replicates with under 1 s of lag and
  answers reads; a DR runbook promotes it (`promote`) in under a minute, losing the writes
  still in flight (its lag).

A fault names the cluster (its writer fails), or a part: an instance (`/orders-instance-2`),
`/writer`, or a storage copy (`/copy-1` … `/copy-6`).
"""

from __future__ import annotations

from archform.stdlib.facets import provides

from .. import figures
from .storage_cluster import AVAILABLE, PROMOTING, Cluster, StorageClusters


@provides("failures", "aurora")
class Aurora(StorageClusters):
    """Aurora's clusters (`StorageClusters`), and its Global Databases."""

    name = "aurora"
    kind = "aurora"
    member = "aurora_instance"
    source = "notes §7.2.1"

    def load(self):
        super().load()
        for c in self.clusters:
            for sid in c.rec.attrs.get("global_secondary") or []:
                sec = self.by_id.get(sid)
                if sec is not None:
                    sec.primary = c
                    c.secondaries.append(sec)
                    sec.lag = self.sim.draw(f"aurora-global-lag/{sec.id}", figures.AURORA_GLOBAL_LAG_SECONDS)

    # --- Global Database ------------------------------------------------------------------------------

    def promote(self, sec: Cluster, why: str) -> None:
        if not sec.is_secondary or sec.state == PROMOTING:
            return
        sec.state = PROMOTING
        took = self.sim.draw(f"aurora-global-promotion/{sec.id}", figures.AURORA_GLOBAL_PROMOTION_SECONDS)
        self.sim.log("aurora.global_promotion_started", sec.address, f"promoting the secondary cluster in "
                     f"{sec.region} ({why}); under a minute (notes §7.2.2)", target=sec.region)
        self.sim.after(took, self._promoted, sec, took)

    def _promoted(self, sec: Cluster, took: float) -> None:
        sec.promoted = True
        sec.state = AVAILABLE
        if sec.writer is None and sec.nodes:
            sec.nodes[0].role = "writer"
        self.world.dirty = True
        self.sim.log("aurora.global_promoted", sec.address, f"accepts writes in {sec.region} after {took:.1f}s; the "
                     f"last {sec.lag:.1f}s of writes to {sec.primary.address} had not replicated (lag under 1s)",
                     source=sec.primary.region, target=sec.region, seconds=took, lag=sec.lag)
        self.world.ledger.lost(self.sim.now, sec.primary.address, f"writes not yet replicated to {sec.address}",
                               seconds=sec.lag)
        self.world.ledger.failed_over(self.sim.now, sec.primary.address, "global database", sec.primary.region,
                                      sec.region)
