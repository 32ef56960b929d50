"""ElastiCache during a run (notes §7.5.2: "Redis replicates whereas Memcached shards").

- Redis: each shard has a primary and its replicas. When a primary fails and automatic
  failover is on (Multi-AZ), a replica in a live AZ takes over (`CACHE_FAILOVER_SECONDS`) with
  the shard's data. Without a replica to take over, the shard is unavailable and its data —
  in memory — is gone when the node comes back.
- Memcached: no replication, not persistent. A node that fails takes its share of the keys
  with it; it comes back empty when its AZ returns.

The service measures the share of the keyspace that answers.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member


class Node:
    __slots__ = ("id", "name", "role", "shard", "az", "broken")

    def __init__(self, id, name, role, shard, az):
        self.id, self.name, self.role, self.shard, self.az, self.broken = id, name, role, shard, az, 0


class Cache:
    def __init__(self, rec):
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        a = rec.attrs
        self.engine = a.get("engine") or "redis"
        fo = a.get("automatic_failover")
        self.failover = fo if fo is not None else (self.engine != "memcached" and (bool(a.get("multi_az")) or
                                                                                  int(a.get("shards") or 1) > 1))
        self.nodes: list[Node] = []
        self.shards = 1
        self.failing: set[int] = set()
        self.lost_shards: set[int] = set()  # data gone until refilled (a down node that comes back empty)


@provides("failures", "elasticache")
class Caches(Loop):
    name = "elasticache"

    def __init__(self, world):
        super().__init__(world)
        self._faulted: dict[tuple, list] = {}  # what each fault on a part hit at its start
        self.caches: list[Cache] = []
        self.by_id: dict[str, Cache] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("elasticache"):
            c = Cache(rec)
            shard = -1
            for m in w.owned_of(rec.id, "cache_node"):
                if c.engine == "memcached" or m.role == "primary":
                    shard += 1
                c.nodes.append(Node(m.id, m.attrs.get("name") or m.id, m.role, shard, m.az))
            c.shards = shard + 1
            self.caches.append(c)
            self.by_id[c.id] = c

    def services(self) -> Iterable[Service]:
        for c in self.caches:
            yield Service(c.address, "elasticache", c.region, "keyspace answering", "nodes", float(len(c.nodes)),
                          lambda c=c: self._value(c))

    def _up(self, n: Node) -> bool:
        return not n.broken and self.world.zone_up(n.az)

    def _value(self, c: Cache) -> tuple[float, float]:
        if not c.shards:
            return 1.0, 0.0
        answering = 0
        for s in range(c.shards):
            primary = next((n for n in c.nodes if n.shard == s and n.role in ("primary", "node")), None)
            if primary is not None and self._up(primary) and s not in c.failing:
                answering += 1
        return answering / c.shards, float(sum(1 for n in c.nodes if self._up(n)))

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for c in self.caches:
            for n in c.nodes:
                if n.az == az:
                    self._node(c, n, up, f"its AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        c = self.by_id.get(rec.id)
        return [n.name for n in c.nodes] if c is not None else []

    def fail_part(self, rec, part, up) -> bool:
        c = self.by_id.get(rec.id)
        if c is None:
            return False
        node = hit_member(self._faulted, (rec.id, part), up, lambda: next((n for n in c.nodes if n.name == part), None)
                          if part else next((n for n in c.nodes if n.role in ("primary", "node")), None))
        if node is not None:
            node.broken += -1 if up else 1
            if node.broken in (0, 1):
                self._node(c, node, up, "a fault" if not up else "the fault ended")
        return True

    def _node(self, c: Cache, n: Node, up: bool, why: str) -> None:
        self.world.dirty = True
        if not up and not self._up(n):
            if c.engine == "memcached":
                self.sim.log("cache.node_lost", c.address, f"node {n.name} in {n.az} is down ({why}): Memcached does "
                             "not replicate, so its share of the keys is lost (notes §7.5.2)")
                self.world.ledger.lost(self.sim.now, c.address, f"the keys on node {n.name} (Memcached shards "
                                       "without replication)", fraction=round(1 / max(1, c.shards), 4))
            elif n.role == "primary":
                replica = next((r for r in c.nodes if r.shard == n.shard and r.role == "replica" and self._up(r)), None)
                if c.failover and replica is not None:
                    c.failing.add(n.shard)
                    took = self.sim.draw(f"cache-failover/{c.id}/{n.shard}", figures.CACHE_FAILOVER_SECONDS)
                    self.sim.log("cache.failover_started", c.address, f"primary {n.name} in {n.az} is down ({why}): "
                                 f"promoting replica {replica.name} in {replica.az}", source=n.az, target=replica.az)
                    self.sim.after(took, self._promoted, c, n, replica, took)
                else:
                    self.sim.log("cache.shard_down", c.address, f"primary {n.name} in {n.az} is down ({why}) and "
                                 + ("automatic failover is off" if replica is not None else "has no replica")
                                 + ": the shard is unavailable")
                    if replica is None:
                        c.lost_shards.add(n.shard)
                        self.world.ledger.lost(self.sim.now, c.address, f"the data of shard {n.shard + 1} (held "
                                               f"in memory on {n.name}, with no replica)",
                                               fraction=round(1 / max(1, c.shards), 4))
        elif up and self._up(n):
            self.sim.log("cache.node_back", c.address, f"node {n.name} in {n.az} is back"
                         + (" (empty)" if c.engine == "memcached" or n.shard in c.lost_shards else ""))
            c.lost_shards.discard(n.shard)

    def _promoted(self, c: Cache, old: Node, new: Node, took: float) -> None:
        c.failing.discard(old.shard)
        old.role, new.role = "replica", "primary"
        self.world.dirty = True
        self.sim.log("cache.failover_complete", c.address, f"replica {new.name} in {new.az} is the primary after "
                     f"{took:.1f}s, with the shard's data", source=old.az, target=new.az)
        self.world.ledger.failed_over(self.sim.now, c.address, "cache primary", old.az, new.az)
