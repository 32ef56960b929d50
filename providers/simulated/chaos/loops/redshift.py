"""Redshift clusters during a run (notes §19.2.2; the cluster's compute is one owned
`redshift_node` record per AZ: `primary`, and for Multi-AZ `secondary`).

- Multi-AZ: when the primary's AZ goes, the secondary compute in the other AZ takes over
  (`REDSHIFT_MULTI_AZ_FAILOVER_SECONDS`) with no data lost: the data is in managed storage.
- Single-AZ: the cluster is lost with its AZ. It is restored from its last automated snapshot
  (taken every 8 hours, `REDSHIFT_SNAPSHOT_SECONDS`; the schedule's phase is drawn per
  cluster) into another AZ of its subnet group, which takes `REDSHIFT_RESTORE_SECONDS`; what
  was loaded since that snapshot is lost, and the ledger records it as the run's RPO. With no
  other AZ in its subnet group up, it waits for its AZ and comes back with its data.
- A region lost: a cluster with `snapshot_copy` is restored in the destination region from the
  copied snapshot (the same RPO); without, it waits for its region.

The service measures whether the cluster answers queries.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member

AVAILABLE, FAILING_OVER, DOWN, RESTORING = "available", "failing over", "down", "restoring"


class Compute:
    __slots__ = ("role", "az", "broken")

    def __init__(self, role, az):
        self.role, self.az, self.broken = role, az, 0


class Cluster:
    def __init__(self, rec, compute: list[Compute], zones: list[str], phase: float):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.multi_az = bool(rec.attrs.get("multi_az"))
        self.copy_region = (rec.attrs.get("snapshot_copy") or {}).get("region")
        self.compute, self.zones = compute, zones
        self.phase = phase  # seconds since the last automated snapshot at t = 0
        self.state = AVAILABLE
        self.restored_in: str | None = None  # a region, after a cross-region restore

    @property
    def primary(self) -> Compute | None:
        return next((c for c in self.compute if c.role == "primary"), None)


@provides("failures", "redshift_cluster")
class Redshift(Loop):
    name = "redshift"

    def __init__(self, world):
        super().__init__(world)
        self._faulted: dict[tuple, list] = {}  # what each fault on a part hit at its start
        self.clusters: list[Cluster] = []
        self.by_id: dict[str, Cluster] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("redshift_cluster"):
            compute = [Compute(n.role, n.az) for n in w.owned_of(rec.id, "redshift_node")]
            zones = sorted({w.records[s].attrs.get("az") for s in rec.attrs.get("subnets") or [] if s in w.records})
            phase = self.sim.draw(f"redshift-snapshot/{rec.id}", (0.0, figures.REDSHIFT_SNAPSHOT_SECONDS))
            c = Cluster(rec, compute, zones, phase)
            self.clusters.append(c)
            self.by_id[c.id] = c

    def services(self) -> Iterable[Service]:
        for c in self.clusters:
            yield Service(c.address, "redshift_cluster", c.region, "queries answered", "compute AZs",
                          float(len(c.compute)), lambda c=c: self._value(c))

    def _up(self, c: Cluster, m: Compute) -> bool:
        if c.restored_in is not None:
            return self.world.region_up(c.restored_in)
        return not m.broken and self.world.zone_up(m.az) and self.world.region_up(c.region)

    def _value(self, c: Cluster) -> tuple[float, float]:
        alive = float(sum(1 for m in c.compute if self._up(c, m)))
        return (1.0 if self.serves(c) else 0.0), alive

    def serves(self, c: Cluster) -> bool:
        """Whether the cluster answers queries now (a DR plan covering it asks too)."""
        p = c.primary
        return c.state == AVAILABLE and p is not None and self._up(c, p)

    def since_snapshot(self, c: Cluster) -> float:
        """Seconds since the cluster's last automated snapshot, now."""
        return (self.sim.now + c.phase) % figures.REDSHIFT_SNAPSHOT_SECONDS

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for c in self.clusters:
            if any(m.az == az for m in c.compute):
                self._review(c, f"its AZ {az} {'is back' if up else 'is down'}")

    def region_changed(self, region: str, up: bool):
        for c in self.clusters:
            if c.region == region and c.restored_in is None:
                self._review(c, f"its region {region} {'is back' if up else 'is down'}", region_lost=not up)

    def parts(self, rec) -> list[str]:
        c = self.by_id.get(rec.id)
        return [m.role for m in c.compute] if c is not None else []

    def fail_part(self, rec, part, up) -> bool:
        c = self.by_id.get(rec.id)
        if c is None:
            return False
        m = hit_member(self._faulted, (rec.id, part), up,
                       lambda: next((m for m in c.compute if m.role == part), None) if part else c.primary)
        if m is not None:
            m.broken += -1 if up else 1
            self._review(c, "a fault on the cluster" if not up else "the fault ended")
        return True

    def _review(self, c: Cluster, why: str, region_lost: bool = False) -> None:
        self.world.dirty = True
        p = c.primary
        if p is None:
            return
        if c.state == AVAILABLE and not self._up(c, p):
            secondary = next((m for m in c.compute if m.role == "secondary" and self._up(c, m)), None)
            if secondary is not None:
                self._start_failover(c, p, secondary, why)
            elif region_lost and c.copy_region:
                self._start_restore(c, why, region=c.copy_region)
            else:
                target = next((z for z in c.zones if z != p.az and self.world.zone_up(z)), None)
                if target is not None and not region_lost and not c.multi_az:
                    self._start_restore(c, why, az=target)
                else:
                    c.state = DOWN
                    self.sim.log("redshift.down", c.address, f"unavailable: its compute in {p.az} is down ({why}); "
                                 + ("no other AZ of its subnet group is up to restore into" if not region_lost else
                                    "no snapshot copy in another region to restore from"))
        elif c.state == DOWN and self._up(c, p):
            self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._restarted, c)

    def _start_failover(self, c: Cluster, old: Compute, new: Compute, why: str) -> None:
        c.state = FAILING_OVER
        took = self.sim.draw(f"redshift-failover/{c.id}", figures.REDSHIFT_MULTI_AZ_FAILOVER_SECONDS)
        self.sim.log("redshift.failover_started", c.address, f"the primary compute in {old.az} is down ({why}): the "
                     f"Multi-AZ secondary in {new.az} takes over", source=old.az, target=new.az)
        self.sim.after(took, self._failed_over, c, old, new, took)

    def _failed_over(self, c: Cluster, old: Compute, new: Compute, took: float) -> None:
        old.role, new.role = "secondary", "primary"
        c.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("redshift.failover_complete", c.address, f"the compute in {new.az} answers queries after "
                     f"{took:.1f}s, on the same managed storage (no data lost)", source=old.az, target=new.az,
                     seconds=took)
        self.world.ledger.failed_over(self.sim.now, c.address, "Multi-AZ compute", old.az, new.az)
        if not self._up(c, new):
            self._review(c, "the new primary compute is down too")

    def _start_restore(self, c: Cluster, why: str, az: str | None = None, region: str | None = None) -> None:
        c.state = RESTORING
        lost = round(self.since_snapshot(c), 1)
        took = self.sim.draw(f"redshift-restore/{c.id}", figures.REDSHIFT_RESTORE_SECONDS)
        where = f"region {region}, from the snapshot copied there" if region else f"{az}, from its last snapshot"
        self.sim.log("redshift.restore_started", c.address, f"the cluster is lost ({why}): restoring it in {where} "
                     f"(taken {lost:.0f}s before the loss; snapshots are taken every 8 hours or 5 GB)",
                     source=c.primary.az, target=region or az, rpo=lost)
        self.world.ledger.lost(self.sim.now, c.address, "data loaded since the last automated snapshot", seconds=lost)
        self.sim.after(took, self._restored, c, az, region, took)

    def _restored(self, c: Cluster, az: str | None, region: str | None, took: float) -> None:
        p = c.primary
        old = p.az
        if region is not None:
            c.restored_in = region
        else:
            p.az = az
        c.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("redshift.restored", c.address, f"restored in {region or az} after {took:.0f}s; it answers "
                     "queries again", source=old, target=region or az, seconds=took)
        self.world.ledger.failed_over(self.sim.now, c.address, "restored from snapshot", old, region or az)
        if not self._up(c, p):
            self._review(c, "the restored cluster's AZ is down too")

    def _restarted(self, c: Cluster) -> None:
        p = c.primary
        if c.state == DOWN and p is not None and self._up(c, p):
            c.state = AVAILABLE
            self.world.dirty = True
            self.sim.log("redshift.available", c.address, f"available again in {p.az}, with its data")
