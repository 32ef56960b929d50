"""EC2 instances during a run: they run on hosts, stop when their host (or its rack, data
centre, AZ or region) loses power, lose their instance store with it (notes §5.3: "the data
is lost if the instance is stopped or the hardware fails"), start again when power returns,
boot in `BOOT_SECONDS` when launched, and get a 2-minute notice before a spot interruption
(notes §3.7.3).

States: pending (booting) → running; impaired (its hardware is down, or a fault broke it);
terminated. Other loops watch state changes in batches (`watch`): load balancers for their
targets, Auto Scaling groups for their members.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from archform.stdlib import instance_types
from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..physical import Host, NoCapacity
from ..world import Loop

PENDING, RUNNING, IMPAIRED, TERMINATED = "pending", "running", "impaired", "terminated"


class Instance:
    __slots__ = ("id", "address", "group", "region", "az", "subnet", "host", "itype", "vcpus", "memory",
                 "store_gb", "spot", "state", "launched", "broken", "notice")

    def __init__(self, id, address, group, region, az, subnet, itype):
        self.id, self.address, self.group, self.region = id, address, group, region
        self.az, self.subnet, self.itype = az, subnet, itype
        t = instance_types.lookup(itype or "")
        self.vcpus, self.memory = (t.vcpus, t.memory_gib) if t else (0, 0.0)
        self.store_gb = t.instance_store_gb if t else 0
        self.host: Host | None = None
        self.spot = False
        self.state = RUNNING
        self.launched = float("-inf")  # started before the run
        self.broken = 0  # resource faults holding it down
        self.notice = False  # a spot interruption notice was given

    @property
    def alive(self) -> bool:
        return self.state == RUNNING


@provides("failures", "instance")
class Ec2(Loop):
    name = "ec2"

    def __init__(self, world):
        super().__init__(world)
        self.instances: dict[str, Instance] = {}
        self._watchers: list[Callable[[list[Instance]], None]] = []
        self._notice_watchers: list[Callable[[list[Instance]], None]] = []
        self._booting: dict[float, list[Instance]] = {}
        self.standalone: list[Instance] = []

    def watch(self, fn: Callable[[list[Instance]], None]) -> None:
        self._watchers.append(fn)

    def _changed(self, batch: list[Instance]) -> None:
        if batch:
            self.world.dirty = True
            for fn in self._watchers:
                fn(batch)

    # --- loading -----------------------------------------------------------------------------------

    def load(self):
        w = self.world
        for rec in sorted((r for r in w.records.values() if r.kind == "instance"), key=lambda r: r.seq):
            owner = w.records.get(rec.owner or "")
            address = rec.address if rec.owner is None else (owner.address if owner is not None else rec.id)
            p = w.placements.get(rec.id)
            inst = Instance(rec.id, address, rec.owner, rec.region, rec.az, rec.subnet,
                            (p or {}).get("instance_type") or rec.attrs.get("instance_type"))
            inst.spot = rec.attrs.get("purchase") == "spot"
            if p is not None:
                inst.host = w.hosts.by_id.get(p["host"])
            self.instances[rec.id] = inst
            if rec.owner is None:
                self.standalone.append(inst)

    def services(self) -> Iterable[Service]:
        for inst in self.standalone:
            yield Service(inst.address, "instance", inst.region, "instance running", "instances", 1.0,
                          lambda i=inst: (1.0 if i.alive else 0.0, 1.0 if i.alive else 0.0))

    # --- faults ----------------------------------------------------------------------------------------

    def hosts_changed(self, hosts: list[Host], up: bool):
        batch = []
        lost: dict[str, list[Instance]] = defaultdict(list)
        for h in hosts:
            for iid in sorted(h.instances):
                inst = self.instances.get(iid)
                if inst is None or inst.state == TERMINATED:
                    continue
                if not up and inst.state in (PENDING, RUNNING):
                    inst.state = IMPAIRED
                    batch.append(inst)
                    if inst.store_gb:
                        lost[inst.address].append(inst)
                    elif inst.group is None and not inst.spot:  # an Auto Scaling group replaces its own
                        self.sim.after(figures.AUTO_RECOVERY_SECONDS, self._recover, inst, h)
                elif up and inst.state == IMPAIRED and not inst.broken:
                    self._boot(inst)
                    batch.append(inst)
        for address, gone in sorted(lost.items()):
            gb = sum(i.store_gb for i in gone)
            self.world.ledger.lost(self.sim.now, address, f"instance store of {len(gone)} instance"
                                   f"{'s' if len(gone) != 1 else ''} ({gb} GB): their hosts lost power",
                                   fraction=1.0, gigabytes=float(gb))
        self._log_states(batch, "stopped: its hardware lost power" if not up else "starting again: power is back")
        self._changed(batch)

    def _recover(self, inst: Instance, host: Host) -> None:
        """Simplified automatic recovery: the system status check of an instance whose hardware
        failed has failed twice; EC2 moves it to a healthy host of its AZ (same id, private IP,
        volumes and metadata) and it reboots there. Nothing to do if it is back, or its AZ is down."""
        if inst.state != IMPAIRED or inst.host is not host or host.up or inst.broken or not self.world.zone_up(inst.az):
            return
        try:
            new, _ = self.world.hosts.place(inst.id, inst.region, inst.az, inst.itype or "")
        except NoCapacity:
            self.sim.log("instance.recovery_failed", inst.address, f"simplified automatic recovery found no capacity "
                         f"for {inst.itype} in {inst.az}: it waits for its host")
            return
        self.world.hosts.release(host, inst.id, inst.vcpus, inst.memory)
        inst.host = new
        self.sim.log("instance.recovered", inst.address, f"its system status check failed "
                     f"{figures.AUTO_RECOVERY_SECONDS / figures.STATUS_CHECK_SECONDS:.0f} times: simplified automatic "
                     f"recovery moves it to new hardware in {inst.az} (same private IP and volumes) and reboots it",
                     azs=[inst.az])
        self._boot(inst)
        self._changed([inst])

    def zone_changed(self, az: str, up: bool):
        # instances without a host record (launched before the cloud modeled hosts) follow their AZ
        batch = []
        for inst in self.instances.values():
            if inst.host is None and inst.az == az and inst.state != TERMINATED:
                if not up and inst.state in (PENDING, RUNNING):
                    inst.state = IMPAIRED
                    batch.append(inst)
                elif up and inst.state == IMPAIRED and not inst.broken:
                    self._boot(inst)
                    batch.append(inst)
        self._changed(batch)

    def fail_part(self, rec, part, up) -> bool:
        if rec.kind != "instance":
            return False
        inst = self.instances.get(rec.id)
        if inst is None:
            return True
        self.break_instances([inst], up, "a fault")
        return True

    def break_instances(self, instances: list[Instance], up: bool, why: str) -> None:
        batch = []
        for inst in instances:
            if inst.state == TERMINATED:
                continue
            inst.broken += -1 if up else 1
            if not up and inst.state in (PENDING, RUNNING):
                inst.state = IMPAIRED
                batch.append(inst)
            elif up and inst.broken == 0 and inst.state == IMPAIRED and (inst.host is None or inst.host.up) \
                    and self.world.zone_up(inst.az):
                self._boot(inst)
                batch.append(inst)
        self._log_states(batch, f"impaired by {why}" if not up else "recovered")
        self._changed(batch)

    # --- launching, booting, terminating -----------------------------------------------------------

    def launch(self, address: str, group_id: str | None, region: str, az: str, subnet: str | None, itype: str,
               tenancy: str = "default", pgroup: dict | None = None, spot: bool = False) -> Instance:
        """A new instance on a host of `az`, pending until it boots. Raises NoCapacity."""
        if not self.world.can_launch(az):
            raise NoCapacity(f"We currently do not have sufficient {itype} capacity in the Availability Zone "
                             f"you requested ({az})")
        iid = "i-0" + self.sim.rng("instance-ids").getrandbits(64).to_bytes(8, "big").hex()
        host, _ = self.world.hosts.place(iid, region, az, itype, tenancy, pgroup)
        inst = Instance(iid, address, group_id, region, az, subnet, itype)
        inst.host = host
        inst.spot = spot
        inst.launched = self.sim.now
        self.instances[iid] = inst
        self._boot(inst)
        return inst

    def _boot(self, inst: Instance) -> None:
        inst.state = PENDING
        done = round(self.sim.now + figures.BOOT_SECONDS, 6)
        batch = self._booting.get(done)
        if batch is None:
            batch = self._booting[done] = []
            self.sim.at(done, self._booted, done)
        batch.append(inst)

    def _booted(self, key: float) -> None:
        ready = [i for i in self._booting.pop(key, []) if i.state == PENDING and (i.host is None or i.host.up)
                 and self.world.zone_up(i.az) and not i.broken]
        for inst in ready:
            inst.state = RUNNING
        self._log_states(ready, "running (booted)")
        self._changed(ready)

    def terminate(self, instances: list[Instance], why: str) -> None:
        batch = []
        for inst in instances:
            if inst.state == TERMINATED:
                continue
            inst.state = TERMINATED
            if inst.host is not None:
                self.world.hosts.release(inst.host, inst.id, inst.vcpus, inst.memory)
            batch.append(inst)
        self._log_states(batch, f"terminated: {why}", event="instance.terminated")
        self._changed(batch)

    # --- spot ------------------------------------------------------------------------------------------

    def interrupt(self, instances: list[Instance]) -> None:
        """A spot interruption: the notice now, the instance gone 2 minutes later."""
        chosen = [i for i in instances if i.state in (PENDING, RUNNING) and not i.notice]
        for inst in chosen:
            inst.notice = True
        for address, group in _by_address(chosen):
            self.sim.log("spot.interruption_notice", address,
                         f"{len(group)} spot instance{'s' if len(group) != 1 else ''} will be interrupted in "
                         f"{figures.SPOT_NOTICE_SECONDS:.0f}s (notes §3.7.3)", len(group), ids=[i.id for i in group])
        for fn in self._notice_watchers:
            fn(chosen)
        self.sim.after(figures.SPOT_NOTICE_SECONDS, self._interrupted, chosen)

    def watch_notices(self, fn: Callable[[list[Instance]], None]) -> None:
        self._notice_watchers.append(fn)

    def _interrupted(self, instances: list[Instance]) -> None:
        gone = [i for i in instances if i.state != TERMINATED]
        lost = [i for i in gone if i.store_gb]
        if lost:
            for address, group in _by_address(lost):
                gb = sum(i.store_gb for i in group)
                self.world.ledger.lost(self.sim.now, address, f"instance store of {len(group)} interrupted spot "
                                       f"instance{'s' if len(group) != 1 else ''} ({gb} GB)", fraction=1.0,
                                       gigabytes=float(gb))
        self.terminate(gone, "spot interruption")

    # --- the timeline ------------------------------------------------------------------------------

    def _log_states(self, batch: list[Instance], detail: str, event: str | None = None) -> None:
        for address, group in _by_address(batch):
            state = group[0].state
            name = event or {PENDING: "instance.pending", RUNNING: "instance.running", IMPAIRED: "instance.impaired",
                             TERMINATED: "instance.terminated"}[state]
            zones = sorted({i.az for i in group})
            self.sim.log(name, address, f"{len(group)} instance{'s' if len(group) != 1 else ''} in "
                         f"{', '.join(zones)} {detail}", len(group), ids=[i.id for i in group], azs=zones)


def _by_address(batch: list[Instance]) -> list[tuple[str, list[Instance]]]:
    groups: dict[str, list[Instance]] = defaultdict(list)
    for inst in batch:
        groups[inst.address].append(inst)
    return sorted(groups.items())
