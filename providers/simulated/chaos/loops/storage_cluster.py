"""Cluster-storage databases during a run: Aurora, DocumentDB and Neptune (notes §7.2, §18.7,
§18.8; facts "Databases"), one loop per kind over the same model.

- Storage: 6 copies, two in each of 3 AZs — the AZs of the cluster's subnets, then the
  region's next ones. Writes need 4 live copies, reads 3; with 2 or fewer the cluster is
  unavailable. So an AZ loss keeps writing, and an AZ plus one more copy keeps reading only.
- Writer: when it fails a replica in a live AZ is promoted, within 30 s (`AURORA_FAILOVER_SECONDS`);
  with no replica a new instance is created, which takes minutes. The writer endpoint follows
  the writer; an RDS Proxy in front of the cluster hears of the failover (`proxies`).

A fault names the cluster (its writer fails), or a part: an instance (`/orders-instance-2`),
`/writer`, or a storage copy (`/copy-1` … `/copy-6`).
"""


from __future__ import annotations

from typing import Iterable

from archform.stdlib.regions import REGIONS

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member

AVAILABLE, FAILING_OVER, CREATING, PROMOTING = "available", "failing over", "creating an instance", "promoting"


class Node:
    __slots__ = ("id", "name", "role", "az", "broken", "tier")

    def __init__(self, id, name, role, az, tier=1):
        self.id, self.name, self.role, self.az, self.broken, self.tier = id, name, role, az, 0, tier


class Copy:
    __slots__ = ("n", "az", "broken")

    def __init__(self, n, az):
        self.n, self.az, self.broken = n, az, 0


class Cluster:
    def __init__(self, rec):
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        self.nodes: list[Node] = []
        self.copies: list[Copy] = []
        self.state = AVAILABLE
        self.primary: "Cluster | None" = None  # this is a global secondary of it
        self.secondaries: list["Cluster"] = []
        self.promoted = False
        self.lag = 0.0
        self.live_copies = 6  # what the last review found (for the timeline)

    @property
    def writer(self) -> Node | None:
        return next((n for n in self.nodes if n.role == "writer"), None)

    @property
    def is_secondary(self) -> bool:
        return self.primary is not None and not self.promoted


class StorageClusters(Loop):
    """The loop of one cluster-storage kind; a subclass names it (`name`, the timeline's event
    prefix; `kind`; `member`, its instances' record kind; `source`, where its figures come from)."""

    name = "aurora"
    kind = "aurora"
    member = "aurora_instance"
    source = "notes §7.2.1"

    def __init__(self, world):
        super().__init__(world)
        self._faulted: dict[tuple, list] = {}  # what each fault on a part hit at its start
        self.clusters: list[Cluster] = []
        self.by_id: dict[str, Cluster] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind(self.kind):
            c = Cluster(rec)
            tiers = rec.attrs.get("promotion_tiers") or []
            for i, m in enumerate(w.owned_of(rec.id, self.member)):
                c.nodes.append(Node(m.id, m.attrs.get("name") or m.id, m.role, m.az, tiers[i] if i < len(tiers) else 1))
            zones = []
            for sid in rec.attrs.get("subnets") or []:
                subnet = w.records.get(sid)
                if subnet is not None and subnet.attrs.get("az") not in zones:
                    zones.append(subnet.attrs.get("az"))
            for z in REGIONS[rec.region].zones if rec.region in REGIONS else []:
                if len(zones) >= figures.AURORA_COPY_AZS:
                    break
                if z not in zones:
                    zones.append(z)
            zones = zones[:figures.AURORA_COPY_AZS]
            per = figures.AURORA_COPIES // max(1, len(zones))
            c.copies = [Copy(i + 1, zones[i // per]) for i in range(figures.AURORA_COPIES)] if zones else []
            c.live_copies = len(c.copies)
            self.clusters.append(c)
            self.by_id[c.id] = c

    def services(self) -> Iterable[Service]:
        for c in self.clusters:
            if not c.is_secondary:
                yield Service(c.address, self.kind, c.region, "writes accepted", "storage copies",
                              float(len(c.copies)), lambda c=c: (1.0 if self.writable(c) else 0.0, self._copies(c)))
            yield Service(f"{c.address}#reads", self.kind, c.region,
                          "reads answered" + (" (global secondary)" if c.is_secondary else ""), "instances",
                          float(len(c.nodes)), lambda c=c: (1.0 if self.readable(c) else 0.0,
                                                            float(sum(1 for n in c.nodes if self._up(n)))))

    # --- state ---------------------------------------------------------------------------------------

    def _up(self, n: Node) -> bool:
        return not n.broken and self.world.zone_up(n.az)

    def _copies(self, c: Cluster) -> float:
        return float(sum(1 for k in c.copies if not k.broken and self.world.zone_up(k.az)))

    def writable(self, c: Cluster) -> bool:
        if c.is_secondary or c.state != AVAILABLE:
            return False
        w = c.writer
        return w is not None and self._up(w) and self._copies(c) >= figures.AURORA_WRITE_QUORUM

    def readable(self, c: Cluster) -> bool:
        return any(self._up(n) for n in c.nodes) and self._copies(c) >= figures.AURORA_READ_QUORUM

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for c in self.clusters:
            if any(n.az == az for n in c.nodes) or any(k.az == az for k in c.copies):
                self._review(c, f"AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        c = self.by_id.get(rec.id)
        if c is None:
            return []
        return ["writer", *[n.name for n in c.nodes], *[f"copy-{k.n}" for k in c.copies]]

    def fail_part(self, rec, part, up) -> bool:
        c = self.by_id.get(rec.id)
        if c is None:
            return False
        if part is None or part == "writer":  # the writer it hit, not the writer when it ends
            hit = hit_member(self._faulted, (rec.id, "writer"), up, lambda: c.writer)
            targets = [hit] if hit is not None else []
        elif part.startswith("copy-"):
            targets = [k for k in c.copies if f"copy-{k.n}" == part]
        else:
            targets = [n for n in c.nodes if n.name == part]
        for t in targets:
            t.broken += -1 if up else 1
        self._review(c, "a fault" if not up else "the fault ended")
        return True

    def force_failover(self, c: Cluster) -> None:
        """A failover on request (FIS: failover DB cluster): a replica becomes the writer."""
        if c.state != AVAILABLE or self._candidate(c) is None:
            self.sim.log(f"{self.name}.failover_skipped", c.address, "no healthy replica to fail over to")
            return
        self._start_failover(c, "a requested failover")

    def _candidate(self, c: Cluster) -> Node | None:
        """The replica a failover promotes: a live one of the lowest promotion tier (AWS's
        default tier is 1 for every instance: then the first)."""
        live = [n for n in c.nodes if n.role != "writer" and self._up(n)]
        return min(live, key=lambda n: n.tier) if live else None

    def _review(self, c: Cluster, why: str) -> None:
        self.world.dirty = True
        w = c.writer
        if c.state == AVAILABLE and not c.is_secondary and w is not None and not self._up(w):
            if self._candidate(c) is not None:
                self._start_failover(c, why)
            else:
                c.state = CREATING
                self.sim.log(f"{self.name}.no_replica", c.address, f"its writer in {w.az} is down ({why}) and no "
                             f"replica is healthy: creating a new instance (minutes; facts)")
                self.sim.after(figures.AURORA_NEW_INSTANCE_SECONDS, self._created, c, w)
        elif c.state == AVAILABLE and c.is_secondary and c.nodes and not any(self._up(n) for n in c.nodes):
            # a global secondary whose readers are all down answers no reads: as for a writer
            # without a replica, a new instance is made (minutes)
            lost = c.nodes[0]
            c.state = CREATING
            self.sim.log(f"{self.name}.no_reader", c.address, f"no reader of this secondary is up (its instance in "
                         f"{lost.az}: {why}): creating a new instance (minutes; facts)")
            self.sim.after(figures.AURORA_NEW_INSTANCE_SECONDS, self._created, c, lost)
        copies = int(self._copies(c))
        if copies != c.live_copies:
            c.live_copies = copies
            what = ("reads and writes" if copies >= figures.AURORA_WRITE_QUORUM else
                    "reads only" if copies >= figures.AURORA_READ_QUORUM else "neither reads nor writes")
            self.sim.log(f"{self.name}.quorum", c.address, f"{copies} of {len(c.copies)} storage copies live: {what} "
                         f"(writes need {figures.AURORA_WRITE_QUORUM}, reads {figures.AURORA_READ_QUORUM}; "
                         f"{self.source})", copies=copies)

    def _start_failover(self, c: Cluster, why: str) -> None:
        c.state = FAILING_OVER
        took = self.sim.draw(f"{self.name}-failover/{c.id}", figures.AURORA_FAILOVER_SECONDS)
        old = c.writer
        self.sim.log(f"{self.name}.failover_started", c.address, f"its writer in {old.az} is down ({why}): promoting "
                     f"a replica (within 30s; {self.source})", source=old.az)
        self.sim.after(took, self._failed_over, c, old, took)
        proxies = getattr(self.world, "proxies", None)
        if proxies is not None:  # an RDS Proxy in front moves its clients sooner
            proxies.failover_started(c.id, took)

    def _failed_over(self, c: Cluster, old: Node, took: float) -> None:
        new = self._candidate(c)
        if new is None:
            c.state = AVAILABLE
            self._review(c, "the chosen replica went down")
            return
        old.role, new.role = "reader", "writer"
        c.state = AVAILABLE
        self.sim.log(f"{self.name}.failover_complete", c.address, f"replica {new.name} in {new.az} is the writer "
                     f"after {took:.1f}s; the writer endpoint follows it", source=old.az, target=new.az, seconds=took)
        self.world.ledger.failed_over(self.sim.now, c.address, "writer", old.az, new.az)
        self._review(c, "after failover")

    def _created(self, c: Cluster, old: Node) -> None:
        zones = [k.az for k in c.copies if self.world.zone_up(k.az)]
        if not zones:
            self.sim.after(figures.AURORA_NEW_INSTANCE_SECONDS, self._created, c, old)
            return
        role = "reader" if c.is_secondary else "writer"
        old.role = "reader"
        new = Node(f"{old.id}-new", f"{old.name}-new", role, zones[0])
        c.nodes.append(new)
        c.state = AVAILABLE
        self.sim.log(f"{self.name}.instance_created", c.address, f"new {role} instance in {new.az}", target=new.az)
        self.world.ledger.failed_over(self.sim.now, c.address, f"{role} (new instance)", old.az, new.az)
        self._review(c, "new instance")
