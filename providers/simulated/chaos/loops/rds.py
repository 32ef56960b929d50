"""RDS during a run (notes §7.1, facts "Databases").

- Multi-AZ DB instance: the standby takes over when the primary fails, in 60–120 s (facts),
  with no data lost (synchronous replication, notes §7.1.4); the endpoint follows it (one DNS
  name). The old primary returns as the standby when its AZ does.
- Multi-AZ DB cluster (`deployment = cluster`): a readable standby takes over in under 35 s.
- Single-AZ: down while its AZ is, back `RESTART_AFTER_ZONE_SECONDS` after it returns.
- Read replicas (`replica_of`, same or another region): asynchronous, so they lag by seconds
  (notes §7.1.3); reads only. A DR runbook promotes one (`promote`): writable after
  `RDS_REPLICA_PROMOTION_SECONDS`, having lost the writes its lag had not carried.

A fault on the resource fails its primary (`primary.db`), or a part: `/standby`.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member

AVAILABLE, FAILING_OVER, DOWN, PROMOTING = "available", "failing over", "down", "promoting"


class Member:
    __slots__ = ("id", "role", "az", "broken")

    def __init__(self, id, role, az):
        self.id, self.role, self.az, self.broken = id, role, az, 0


class Db:
    def __init__(self, rec):
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        self.multi_az = bool(rec.attrs.get("multi_az"))
        self.cluster = rec.attrs.get("deployment") == "cluster"
        self.members: list[Member] = []
        self.state = AVAILABLE
        self.source: "Db | None" = None  # replica_of
        self.replicas: list["Db"] = []
        self.promoted = False
        self.lag = 0.0
        self.broken = 0

    @property
    def primary(self) -> Member | None:
        return next((m for m in self.members if m.role in ("primary", "writer")), None)

    @property
    def is_replica(self) -> bool:
        return self.source is not None and not self.promoted


@provides("failures", "rds")
class Rds(Loop):
    name = "rds"

    def __init__(self, world):
        super().__init__(world)
        self._faulted: dict[tuple, list] = {}  # what each fault on a part hit at its start
        self.dbs: list[Db] = []
        self.by_id: dict[str, Db] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("rds"):
            db = Db(rec)
            for m in w.owned_of(rec.id, "rds_instance"):
                db.members.append(Member(m.id, m.role, m.az))
            self.dbs.append(db)
            self.by_id[db.id] = db
        for db in self.dbs:
            source = self.by_id.get(db.rec.attrs.get("replica_of") or "")
            if source is not None:
                db.source = source
                source.replicas.append(db)
                db.lag = self.sim.draw(f"rds-lag/{db.id}", figures.RDS_REPLICA_LAG_SECONDS)

    def services(self) -> Iterable[Service]:
        for db in self.dbs:
            if db.is_replica:
                yield Service(db.address, "rds", db.region, "reads answered (read replica)", "instances",
                              float(len(db.members)), lambda db=db: self._value(db, reads=True), )
            else:
                yield Service(db.address, "rds", db.region, "writes accepted", "instances", float(len(db.members)),
                              lambda db=db: self._value(db, reads=False))

    def _alive(self, db: Db, m: Member) -> bool:
        return not m.broken and self.world.zone_up(m.az)

    def _value(self, db: Db, reads: bool) -> tuple[float, float]:
        alive = float(sum(1 for m in db.members if self._alive(db, m)))
        return (1.0 if self.serves(db, writes=not reads) else 0.0), alive

    def serves(self, db: Db, writes: bool = True) -> bool:
        if db.state != AVAILABLE or db.broken:
            return False
        if writes and db.is_replica:
            return False
        p = db.primary
        return p is not None and self._alive(db, p)

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for db in self.dbs:
            if any(m.az == az for m in db.members):
                self._review(db, f"its AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        db = self.by_id.get(rec.id)
        return [m.role for m in db.members] if db is not None else []

    def fail_part(self, rec, part, up) -> bool:
        db = self.by_id.get(rec.id)
        if db is None:
            return False
        # the member it hit at its start (a role moves with a failover)
        member = hit_member(self._faulted, (rec.id, part), up,
                            lambda: next((m for m in db.members if m.role == part), None) if part else db.primary)
        if member is None:
            return True
        member.broken += -1 if up else 1
        self._review(db, "a fault on the instance" if not up else "the fault ended")
        return True

    def force_failover(self, db: Db) -> None:
        """A failover on request (FIS: reboot with failover): the standby takes over."""
        standby = self._standby(db)
        if standby is None or db.state != AVAILABLE:
            self.sim.log("rds.failover_skipped", db.address, "no healthy standby to fail over to")
            return
        self._start_failover(db, standby, "a requested failover (reboot with failover)")

    def _standby(self, db: Db) -> Member | None:
        return next((m for m in db.members if m.role not in ("primary", "writer") and self._alive(db, m)), None)

    def _review(self, db: Db, why: str) -> None:
        self.world.dirty = True
        p = db.primary
        if db.state == AVAILABLE and p is not None and not self._alive(db, p):
            standby = self._standby(db) if (db.multi_az or db.cluster) else None
            if standby is not None:
                self._start_failover(db, standby, why)
            else:
                db.state = DOWN
                self.sim.log("rds.down", db.address, f"unavailable: its primary in {p.az} is down ({why}) and it has "
                             "no standby" if not (db.multi_az or db.cluster) else
                             f"unavailable: its primary in {p.az} is down ({why}) and no standby is healthy")
        elif db.state == DOWN and p is not None and self._alive(db, p):
            self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._restarted, db)

    def _start_failover(self, db: Db, standby: Member, why: str) -> None:
        db.state = FAILING_OVER
        bounds = figures.RDS_CLUSTER_FAILOVER_SECONDS if db.cluster else figures.RDS_FAILOVER_SECONDS
        took = self.sim.draw(f"rds-failover/{db.id}", bounds)
        old = db.primary
        self.sim.log("rds.failover_started", db.address, f"failing over from {old.az} to the standby in {standby.az} "
                     f"({why}); typically {bounds[0]:.0f}–{bounds[1]:.0f}s", source=old.az, target=standby.az)
        self.sim.after(took, self._failed_over, db, old, standby, took)
        proxies = getattr(self.world, "proxies", None)
        if proxies is not None:  # an RDS Proxy in front moves its clients sooner
            proxies.failover_started(db.id, took)

    def _failed_over(self, db: Db, old: Member, new: Member, took: float) -> None:
        old_role = old.role
        old.role, new.role = new.role, old_role
        db.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("rds.failover_complete", db.address, f"the standby in {new.az} is the primary after {took:.1f}s; "
                     "the endpoint now resolves to it (no data lost: Multi-AZ replication is synchronous)",
                     source=old.az, target=new.az, seconds=took)
        self.world.ledger.failed_over(self.sim.now, db.address, "primary", old.az, new.az)
        if not self._alive(db, new):
            self._review(db, "the new primary is down too")

    def _restarted(self, db: Db) -> None:
        p = db.primary
        if db.state == DOWN and p is not None and self._alive(db, p):
            db.state = AVAILABLE
            self.world.dirty = True
            self.sim.log("rds.available", db.address, f"available again in {p.az}")

    # --- read replicas ------------------------------------------------------------------------------

    def promote(self, db: Db, why: str) -> None:
        if not db.is_replica or db.state == PROMOTING:
            return
        db.state = PROMOTING
        self.sim.log("rds.promotion_started", db.address, f"promoting the read replica to its own database ({why})")
        self.sim.after(figures.RDS_REPLICA_PROMOTION_SECONDS, self._promoted, db)

    def _promoted(self, db: Db) -> None:
        db.promoted = True
        db.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("rds.promoted", db.address, f"the promoted replica accepts writes; the last {db.lag:.1f}s of "
                     f"writes to {db.source.address} never reached it (asynchronous replication)", lag=db.lag)
        self.world.ledger.lost(self.sim.now, db.source.address, f"writes not yet replicated to {db.address}",
                               seconds=db.lag)
        self.world.ledger.failed_over(self.sim.now, db.source.address, "promoted read replica", db.source.region,
                                      db.region)
