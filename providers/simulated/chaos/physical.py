"""Hosts during a run: the pools the store holds (with what they held when the run began),
pools written on demand for launches elsewhere, and the placement of new instances.

New instances follow the same policies as `placement.py` applies in the store: the least-used
host by default (kept in a heap per pool, so a fleet of thousands places in O(log n) each),
fullest-first for dedicated hosts; placement groups (cluster, spread, partition) by a scan of
their pool, which is small.
"""

from __future__ import annotations

import heapq

from archform.stdlib import instance_types
from archform.stdlib.kinds.compute import SPREAD_LIMIT_PER_AZ

from ..physical import layout
from ..placement import DEFAULT_PARTITIONS


class Host:
    __slots__ = ("id", "region", "az", "dc", "rack", "rack_index", "slot", "family", "vcpus", "memory",
                 "used_vcpus", "used_memory", "tenancy", "down", "instances")

    def __init__(self, id, region, az, dc, rack, rack_index, slot, family, vcpus, memory):
        self.id, self.region, self.az, self.dc, self.rack = id, region, az, dc, rack
        self.rack_index, self.slot, self.family = rack_index, slot, family
        self.vcpus, self.memory = vcpus, memory
        self.used_vcpus, self.used_memory = 0, 0.0
        self.tenancy: str | None = None
        self.down = 0  # how many faults hold it down
        self.instances: set = set()

    @property
    def up(self) -> bool:
        return self.down == 0

    def fits(self, vcpus: int, memory: float, tenancy: str) -> bool:
        return (self.down == 0 and self.vcpus - self.used_vcpus >= vcpus and self.memory - self.used_memory >= memory
                and self.tenancy in (None, tenancy))


class NoCapacity(Exception):
    """A launch the AZ cannot take (AWS: InsufficientInstanceCapacity)."""


class Hosts:
    def __init__(self):
        self.by_id: dict[str, Host] = {}
        self.pools: dict[tuple[str, str], list[Host]] = {}
        self._heaps: dict[tuple[str, str], list] = {}
        self.by_rack: dict[str, list[Host]] = {}
        self.by_dc: dict[str, list[Host]] = {}
        self.by_az: dict[str, list[Host]] = {}
        self.members: dict[str, list] = {}  # placement group id → [(instance id, host, partition)]
        self._group_of: dict[str, str] = {}
        self._full: dict[tuple[str, str], tuple] = {}  # pool → the smallest need it could not take

    # --- building ---------------------------------------------------------------------------------

    def add(self, h: Host):
        self.by_id[h.id] = h
        self.pools.setdefault((h.az, h.family), []).append(h)
        self.by_rack.setdefault(h.rack, []).append(h)
        self.by_dc.setdefault(h.dc, []).append(h)
        self.by_az.setdefault(h.az, []).append(h)

    def pool(self, region: str, az: str, family: str) -> list[Host]:
        key = (az, family)
        if key not in self.pools:
            for spec in layout.pool(az, family):
                self.add(Host(spec.id, region, az, spec.dc, spec.rack, spec.rack_index, spec.slot, family,
                              spec.vcpus, spec.memory_gib))
        return self.pools[key]

    # --- placing ------------------------------------------------------------------------------------

    def place(self, instance_id: str, region: str, az: str, instance_type: str, tenancy: str = "default",
              group: dict | None = None) -> tuple[Host, int | None]:
        t = instance_types.lookup(instance_type)
        if t is None:
            raise NoCapacity(f"unknown instance type {instance_type}")
        pool = self.pool(region, az, t.family.name)
        need = (t.vcpus, t.memory_gib, tenancy)
        partition = None
        if group is None and tenancy != "host":
            host = self._least_used(az, t.family.name, pool, need)
        elif group is None:
            fitting = [h for h in pool if h.fits(*need)]
            host = min(fitting, key=lambda h: (h.tenancy is None, -h.used_vcpus, h.rack_index, h.slot), default=None)
        else:
            host, partition = self._grouped(group, az, pool, need)
        if host is None:
            raise NoCapacity(f"We currently do not have sufficient {instance_type} capacity in the Availability "
                             f"Zone you requested ({az})")
        self.take(host, instance_id, t.vcpus, t.memory_gib, tenancy)
        if group is not None:
            self.join(group["id"], instance_id, host, partition)
        return host, partition

    def join(self, group_id: str, instance_id: str, host: Host, partition: int | None):
        self.members.setdefault(group_id, []).append((instance_id, host, partition))
        self._group_of[instance_id] = group_id

    def _least_used(self, az: str, family: str, pool: list[Host], need: tuple) -> Host | None:
        key = (az, family)
        full = self._full.get(key)
        if full is not None and need[0] >= full[0] and need[1] >= full[1] and need[2] == full[2]:
            return None  # nothing was given back since the pool could not take less
        heap = self._heaps.get(key)
        if heap is None:
            heap = self._heaps[key] = [(h.used_vcpus, h.rack_index, h.slot, h.id) for h in pool]
            heapq.heapify(heap)
        skipped = []
        found = None
        while heap:
            used, ri, slot, hid = heapq.heappop(heap)
            host = self.by_id[hid]
            if used != host.used_vcpus:
                continue  # stale entry: the host's usage moved since
            if host.fits(*need):
                found = host
                break
            skipped.append((used, ri, slot, hid))  # full or down now: kept for later
        for entry in skipped:
            heapq.heappush(heap, entry)
        if found is None:
            self._full[key] = need
        return found

    def _grouped(self, group: dict, az: str, pool: list[Host], need: tuple) -> tuple[Host | None, int | None]:
        members = [(i, h, p) for i, h, p in self.members.get(group["id"], []) if h.az == az]
        strategy = group.get("strategy")
        fitting = [h for h in pool if h.fits(*need)]
        if strategy == "cluster":
            every = self.members.get(group["id"], [])
            if every and every[0][1].az != az:
                return None, None
            if every:
                dc = every[0][1].dc
                fitting = [h for h in fitting if h.dc == dc]
            racks = {h.rack for _, h, _ in every}
            return min(fitting, key=lambda h: (h.rack not in racks, -h.used_vcpus, h.rack_index, h.slot),
                       default=None), None
        if strategy == "spread":
            if group.get("spread_level") == "host":
                taken = {h.id for _, h, _ in members}
                fitting = [h for h in fitting if h.id not in taken]
            else:
                if len(members) >= SPREAD_LIMIT_PER_AZ:
                    return None, None
                taken = {h.rack for _, h, _ in members}
                fitting = [h for h in fitting if h.rack not in taken]
            return min(fitting, key=lambda h: (h.used_vcpus, h.rack_index, h.slot), default=None), None
        count = int(group.get("partitions") or DEFAULT_PARTITIONS)
        sizes = {}
        for _, _, p in members:
            sizes[p] = sizes.get(p, 0) + 1
        for p in sorted(range(count), key=lambda p: (sizes.get(p, 0), p)):
            mine = [h for h in fitting if h.rack_index % count == p]
            if mine:
                return min(mine, key=lambda h: (h.used_vcpus, h.rack_index, h.slot)), p
        return None, None

    def take(self, host: Host, instance_id: str, vcpus: int, memory: float, tenancy: str):
        host.used_vcpus += vcpus
        host.used_memory += memory
        host.instances.add(instance_id)
        if host.tenancy is None:
            host.tenancy = tenancy
        heap = self._heaps.get((host.az, host.family))
        if heap is not None:
            heapq.heappush(heap, (host.used_vcpus, host.rack_index, host.slot, host.id))

    def release(self, host: Host, instance_id: str, vcpus: int, memory: float):
        if instance_id not in host.instances:
            return
        host.instances.discard(instance_id)
        host.used_vcpus -= vcpus
        host.used_memory -= memory
        if not host.instances:
            host.tenancy = None
        self._full.pop((host.az, host.family), None)
        group = self._group_of.pop(instance_id, None)
        if group is not None:
            self.members[group] = [m for m in self.members[group] if m[0] != instance_id]
        heap = self._heaps.get((host.az, host.family))
        if heap is not None:
            heapq.heappush(heap, (host.used_vcpus, host.rack_index, host.slot, host.id))

    def host_up_again(self, host: Host):
        self._full.pop((host.az, host.family), None)
        heap = self._heaps.get((host.az, host.family))
        if heap is not None:
            heapq.heappush(heap, (host.used_vcpus, host.rack_index, host.slot, host.id))
