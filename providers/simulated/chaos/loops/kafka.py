"""MSK clusters during a run (notes §19.9: brokers over a multi-AZ setup, automatic recovery).

Brokers are the cluster's owned `msk_broker` records, spread round robin over its AZs. Each
broker leads `MSK_PARTITIONS_PER_BROKER` partitions of the modeled topics, replicated with
MSK's defaults (`MSK_REPLICATION`: 3 replicas, one per AZ, and min.insync.replicas 2 over
three AZs; 2 and 1 over two), so:

- losing an AZ loses its brokers; each partition keeps a replica in the other AZs, so
  leaders move there and writes with acks=all continue while the in-sync replicas number at
  least min.insync.replicas. Every partition with a replica in the lost AZ is under-replicated.
- a partition below min.insync.replicas refuses writes (NotEnoughReplicas) but serves reads;
  one without a live replica is offline.
- when the AZ (or a broker's fault) ends, the broker restarts (`MSK_BROKER_RESTART_SECONDS`)
  and its replicas catch up (`MSK_CATCH_UP_SECONDS`); then nothing is under-replicated. A
  broker that stays failed in a live AZ is replaced by automatic recovery
  (`MSK_BROKER_REPLACE_SECONDS`), then catches up the same way.

Two services per cluster: writes accepted (the share of partitions taking acks=all writes)
and reads answered (the share with a live replica). A fault names the cluster (broker 1) or
a broker (`/b-3`).
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop


class Broker:
    __slots__ = ("id", "n", "az", "broken", "up", "in_sync")

    def __init__(self, id, n, az):
        self.id, self.n, self.az, self.broken, self.up, self.in_sync = id, n, az, 0, True, True


class Cluster:
    def __init__(self, rec, brokers: list[Broker]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.brokers = brokers
        zones = list(dict.fromkeys(b.az for b in brokers))
        self.rf, self.min_isr = figures.MSK_REPLICATION.get(len(zones), (len(zones), max(1, len(zones) - 1)))
        # partition p: one replica per AZ, on the (p // zones)-th broker of that AZ, preferred
        # leader first (rack-aware assignment, as Kafka's with broker.rack = the AZ)
        per_az = {z: [b for b in brokers if b.az == z] for z in zones}
        count = len(brokers) * figures.MSK_PARTITIONS_PER_BROKER
        self.partitions = [[self._pick(per_az[zones[(p + k) % len(zones)]], p // len(zones))
                            for k in range(min(self.rf, len(zones)))] for p in range(count)]
        self.last = (0, 0, 0)  # under-replicated, refusing writes, offline: what the last review found

    @staticmethod
    def _pick(brokers: list[Broker], k: int) -> Broker:
        return brokers[k % len(brokers)]


@provides("failures", "msk_cluster")
class Kafka(Loop):
    name = "msk"

    def __init__(self, world):
        super().__init__(world)
        self.clusters: list[Cluster] = []
        self.by_id: dict[str, Cluster] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("msk_cluster"):
            brokers = [Broker(m.id, int(m.attrs.get("broker_id") or i + 1), m.az)
                       for i, m in enumerate(w.owned_of(rec.id, "msk_broker"))]
            c = Cluster(rec, brokers)
            self.clusters.append(c)
            self.by_id[c.id] = c

    def services(self) -> Iterable[Service]:
        for c in self.clusters:
            n = float(len(c.brokers))
            yield Service(c.address, "msk_cluster", c.region, "writes accepted (acks=all)", "brokers", n,
                          lambda c=c: (self._share(c, writes=True), self._up_count(c)))
            yield Service(f"{c.address}#reads", "msk_cluster", c.region, "reads answered", "brokers", n,
                          lambda c=c: (self._share(c, writes=False), self._up_count(c)))

    # --- state ---------------------------------------------------------------------------------------

    def _alive(self, b: Broker) -> bool:
        return b.up and not b.broken and self.world.zone_up(b.az)

    def _up_count(self, c: Cluster) -> float:
        return float(sum(1 for b in c.brokers if self._alive(b)))

    def _share(self, c: Cluster, writes: bool) -> float:
        if not c.partitions:
            return 1.0
        need = c.min_isr if writes else 1
        ok = sum(1 for replicas in c.partitions if sum(1 for b in replicas if self._alive(b) and b.in_sync) >= need)
        return ok / len(c.partitions)

    def counts(self, c: Cluster) -> tuple[int, int, int]:
        """(under-replicated, refusing writes, offline) partitions."""
        under = refusing = offline = 0
        for replicas in c.partitions:
            isr = sum(1 for b in replicas if self._alive(b) and b.in_sync)
            under += isr < len(replicas)
            refusing += 0 < isr < c.min_isr
            offline += isr == 0
        return under, refusing, offline

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for c in self.clusters:
            hit = [b for b in c.brokers if b.az == az]
            if hit:
                self._changed(c, hit, up, f"AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        c = self.by_id.get(rec.id)
        return [f"b-{b.n}" for b in c.brokers] if c is not None else []

    def fail_part(self, rec, part, up) -> bool:
        c = self.by_id.get(rec.id)
        if c is None:
            return False
        hit = [b for b in c.brokers if part is None and b.n == 1 or f"b-{b.n}" == part]
        for b in hit:
            b.broken = max(0, b.broken - 1) if up else b.broken + 1  # a replaced broker's fault has gone
            if not up:
                self.sim.after(figures.MSK_BROKER_REPLACE_SECONDS, self._replaced, c, b)
        self._changed(c, hit, up, "a fault on the broker" if not up else "the fault ended")
        return True

    def _replaced(self, c: Cluster, b: Broker) -> None:
        """MSK's automatic recovery (notes §19.9): a broker that stays failed is replaced on
        healthy hardware, with its EBS volume, in its AZ (while the AZ is up)."""
        if not b.broken or not self.world.zone_up(b.az):
            return
        b.broken = 0
        self.sim.log("msk.broker_replaced", c.address, f"automatic recovery replaced broker b-{b.n} in {b.az} "
                     "(notes §19.9); it reattaches its EBS volume")
        self._restarted(c, b)

    def _changed(self, c: Cluster, brokers: list[Broker], up: bool, why: str) -> None:
        self.world.dirty = True
        if not up:
            for b in brokers:
                if not self._alive(b):
                    b.up, b.in_sync = False, False
            down = [b for b in brokers if not self._alive(b)]
            if down:
                self.sim.log("msk.brokers_down", c.address, f"{len(down)} broker{'s' if len(down) > 1 else ''} down "
                             f"({why}): " + ", ".join(f"b-{b.n}" for b in down) + "; their partitions' leaders move "
                             "to replicas in the other AZs", brokers=len(down))
        else:
            for b in brokers:
                if not b.up and not b.broken and self.world.zone_up(b.az):
                    self.sim.after(figures.MSK_BROKER_RESTART_SECONDS, self._restarted, c, b)
        self._report(c, why)

    def _restarted(self, c: Cluster, b: Broker) -> None:
        if b.up or b.broken or not self.world.zone_up(b.az):
            return
        b.up = True
        took = self.sim.draw(f"msk-catch-up/{b.id}/{self.sim.now}", figures.MSK_CATCH_UP_SECONDS)
        self.sim.log("msk.broker_back", c.address, f"broker b-{b.n} in {b.az} is back: its replicas catch up with "
                     f"their leaders ({took:.0f}s)", seconds=took)
        self.sim.after(took, self._caught_up, c, b)
        self.world.dirty = True

    def _caught_up(self, c: Cluster, b: Broker) -> None:
        if not self._alive(b):
            return
        b.in_sync = True
        self.world.dirty = True
        self._report(c, f"broker b-{b.n} caught up")

    def _report(self, c: Cluster, why: str) -> None:
        now = self.counts(c)
        if now == c.last:
            return
        under, refusing, offline = now
        total = len(c.partitions)
        if under == 0:
            self.sim.log("msk.recovered", c.address, f"every partition is fully replicated again ({why}): {c.rf} "
                         f"in-sync replicas each", under_replicated=0)
        else:
            state = ("writes continue" if refusing == 0 and offline == 0 else
                     f"{refusing} refuse writes (fewer than min.insync.replicas = {c.min_isr} in sync: "
                     f"NotEnoughReplicas) and {offline} are offline")
            self.sim.log("msk.under_replicated", c.address, f"{under} of {total} partitions are under-replicated "
                         f"({why}); {state} (replication factor {c.rf}, min.insync.replicas {c.min_isr})",
                         under_replicated=under, refusing=refusing, offline=offline)
        c.last = now
