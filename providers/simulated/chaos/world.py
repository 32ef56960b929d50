"""The world during a run: what the modeled cloud held when the run began, the state of every
failure domain, and the control loops that react.

Loading reads the store once (records, hosts, placements) and builds the loops' own objects;
nothing is written back, so a run leaves the modeled cloud as it found it.

How a fault propagates: a fault holds a domain down (`hold_zone`, `hold_region`,
`hold_hosts`; counted, so overlapping faults compose and a domain returns only when the last
fault on it ends). The world tells every loop, in a fixed order, what changed
(`zone_changed`, `region_changed`, `hosts_changed`); each loop marks its own parts failed at
once (instances on dead hosts stop, load-balancer nodes and NAT gateways in a dead AZ go,
Aurora loses the storage copies there…). Nothing reacts yet: reactions come from the loops'
own clocks — health checks that must fail `threshold` times, status checks once a minute,
failovers that take their documented time — scheduled as events.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from archform.stdlib.regions import REGIONS, az_region

from ..store import Record, Store
from .events import Simulation
from .measure import Ledger, Service
from .physical import Host, Hosts


class Loop:
    """A control loop: one service family's objects, how faults touch them, how they react."""

    name = ""

    def __init__(self, world: "World"):
        self.world = world
        self.sim = world.sim

    def load(self) -> None: ...

    def start(self) -> None: ...

    def services(self) -> Iterable[Service]:
        return ()

    def zone_changed(self, az: str, up: bool) -> None: ...

    def region_changed(self, region: str, up: bool) -> None: ...

    def hosts_changed(self, hosts: list[Host], up: bool) -> None: ...

    def fail_part(self, rec: Record, part: str | None, up: bool) -> bool:
        """A fault named this resource (and part): take it down (or bring it back). False when
        the resource is not this loop's."""
        return False

    def parts(self, rec: Record) -> list[str]:
        """The parts of a resource a fault may name after a slash (`primary.orders/copy-3`)."""
        return []


class World:
    def __init__(self, sim: Simulation):
        self.sim = sim
        self.records: dict[str, Record] = {}
        self.by_address: dict[str, Record] = {}
        self.owned: dict[str, list[Record]] = {}
        self.placements: dict[str, dict] = {}
        self.hosts = Hosts()
        self.ledger = Ledger()
        self.services: list[Service] = []
        self.loops: list[Loop] = []
        self.down_zones: Counter = Counter()
        self.down_regions: Counter = Counter()
        self.no_capacity: Counter = Counter()  # AZs where launches fail (FIS insufficient capacity)
        self.dirty = True  # something observable changed since the last measurement
        self._kinds: dict[str, list[Record]] | None = None
        self.version = 0  # counts measurements: values computed at one version hold until the next
        self.duration = float("inf")  # the run's length (set by the engine)
        self.reach = None  # what the design's network lets through (stdlib/reach TargetReach), when known

    # --- loading --------------------------------------------------------------------------------

    def owned_of(self, owner: str, kind: str) -> list[Record]:
        """What `owner` owns of `kind` (a cluster's instances, a group's nodes), oldest first."""
        return sorted((r for r in self.owned.get(owner, []) if r.kind == kind), key=lambda r: r.seq)

    def load(self, store: Store) -> None:
        with store.reading() as tx:
            # the instances Auto Scaling groups own are most of a large world: their attributes
            # (the group's launch settings again) are not decoded; placements say their type
            fleet = tx.conn.execute("SELECT id, kind, region, az, subnet, owner, role, address, name, seq "
                                    "FROM resources WHERE kind = 'instance' AND owner IS NOT NULL").fetchall()
            found = tx.query("NOT (kind = 'instance' AND owner IS NOT NULL)")
            found += [Record(r[0], r[1], r[2], {}, {}, r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in fleet]
            for rec in found:
                self.records[rec.id] = rec
                if rec.owner is None and rec.address:
                    self.by_address[rec.address] = rec
                elif rec.owner is not None:
                    self.owned.setdefault(rec.owner, []).append(rec)
            hosts = tx.conn.execute("SELECT id, region, az, dc, rack, rack_index, slot, family, vcpus, memory, "
                                    "used_vcpus, used_memory, tenancy, state FROM hosts").fetchall()
            placements = tx.conn.execute("SELECT instance, host, az, dc, rack, family, instance_type, vcpus, memory, "
                                         "tenancy, group_id, partition, instance_store_gb FROM placements").fetchall()
        for row in sorted(hosts, key=lambda r: (r[2], r[7], r[5], r[6])):
            h = Host(*row[:10])
            h.used_vcpus, h.used_memory, h.tenancy = row[10], row[11], row[12]
            self.hosts.add(h)
        names = ("instance", "host", "az", "dc", "rack", "family", "instance_type", "vcpus", "memory", "tenancy",
                 "group", "partition", "instance_store_gb")
        for row in placements:
            p = dict(zip(names, row))
            self.placements[p["instance"]] = p
            host = self.hosts.by_id.get(p["host"])
            if host is not None:
                host.instances.add(p["instance"])
                if p["group"]:
                    self.hosts.join(p["group"], p["instance"], host, p["partition"])
        for loop in self.loops:
            loop.load()
        for loop in self.loops:
            self.services.extend(loop.services())

    def address_of(self, id: str | None) -> str:
        """What a report calls a record: its address, or its owner's address and role."""
        rec = self.records.get(id or "")
        if rec is None:
            return id or "-"
        if rec.address:
            return rec.address
        owner = self.records.get(rec.owner or "")
        return f"{owner.address}/{rec.attrs.get('name') or rec.id}" if owner is not None and owner.address else rec.id

    def of_kind(self, kind: str) -> list[Record]:
        """The top-level records of a kind, in creation order."""
        if self._kinds is None:
            self._kinds = {}
            for r in sorted((r for r in self.records.values() if r.owner is None), key=lambda r: r.seq):
                self._kinds.setdefault(r.kind, []).append(r)
        return list(self._kinds.get(kind, ()))

    # --- the state of failure domains ------------------------------------------------------------

    def zone_up(self, az: str | None) -> bool:
        if az is None:
            return True
        if self.down_zones[az]:
            return False
        region = az_region(az)
        return not (region and self.down_regions[region])

    def region_up(self, region: str | None) -> bool:
        return region is None or not self.down_regions[region]

    def can_launch(self, az: str) -> bool:
        return self.zone_up(az) and not self.no_capacity[az]

    def hold_zone(self, az: str, up: bool) -> None:
        was = self.zone_up(az)
        self.down_zones[az] += -1 if up else 1
        if self.down_zones[az] <= 0:
            del self.down_zones[az]
        if self.zone_up(az) != was:
            self._zone(az, self.zone_up(az))

    def hold_region(self, region: str, up: bool) -> None:
        zones = list(REGIONS[region].zones) if region in REGIONS else []
        before = {z: self.zone_up(z) for z in zones}
        was = self.region_up(region)
        self.down_regions[region] += -1 if up else 1
        if self.down_regions[region] <= 0:
            del self.down_regions[region]
        now_up = self.region_up(region)
        if not now_up and was:
            for loop in self.loops:
                loop.region_changed(region, False)
        for z in zones:
            if self.zone_up(z) != before[z]:
                self._zone(z, self.zone_up(z))
        if now_up and not was:
            for loop in self.loops:
                loop.region_changed(region, True)
        self.dirty = True

    def _zone(self, az: str, up: bool) -> None:
        hosts = self.hosts.by_az.get(az, [])
        if not up:
            for h in hosts:
                h.down += 1
            self.hosts_changed(hosts, False)
        for loop in self.loops:
            loop.zone_changed(az, up)
        if up:
            for h in hosts:
                h.down -= 1
            self.hosts_changed([h for h in hosts if h.up], True)
        self.dirty = True

    def hold_hosts(self, hosts: list[Host], up: bool) -> None:
        changed = []
        for h in hosts:
            before = h.up
            h.down += -1 if up else 1
            if h.up != before:
                changed.append(h)
        if changed:
            self.hosts_changed(changed, up)

    def hosts_changed(self, hosts: list[Host], up: bool) -> None:
        if up:
            for h in hosts:
                self.hosts.host_up_again(h)
        for loop in self.loops:
            loop.hosts_changed(hosts, up)
        self.dirty = True
