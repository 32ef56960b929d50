"""FSx file systems during a run (notes §13.2; the file servers are owned `fsx_server` records:
`primary` for a single-AZ file system, `preferred` and `standby` for a Multi-AZ one).

- Multi-AZ: when the active file server's AZ (or the server) goes, the standby in the other AZ
  takes over (`FSX_MULTI_AZ_FAILOVER_SECONDS`) with nothing lost: the data is replicated
  synchronously across the two AZs.
- Single-AZ, persistent (Windows, ONTAP, OpenZFS single-AZ, Lustre persistent_1/2): the file
  system is lost with its AZ. With automatic backups it is restored from its last daily backup
  (notes §13.2: "Data is backed up to S3 daily"; or an AWS Backup plan's more frequent rule
  covering it, as the DR loop reads it) into another AZ of its VPC, which takes
  `FSX_RESTORE_SECONDS`; the writes since that backup are lost and the ledger records them as
  the run's RPO. Without backups, or with no other AZ of its VPC up, it waits for its AZ and
  comes back with its data. A failed file server is replaced within minutes (notes §13.2:
  "Failed files are replaced within minutes"), nothing lost.
- Scratch Lustre: data is not replicated and has no backups (notes §13.2): losing the file
  server or its AZ loses every file; it comes back empty when the AZ (or a new server) does.

The service measures whether the file system serves files.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..world import Loop
from .members import hit_member

AVAILABLE, FAILING_OVER, DOWN, RESTORING = "available", "failing over", "down", "restoring"
MULTI_AZ = {("windows", "multi_az_1"), ("ontap", "multi_az_1"), ("ontap", "multi_az_2"), ("openzfs", "multi_az_1")}


class Server:
    __slots__ = ("role", "az", "broken")

    def __init__(self, role, az):
        self.role, self.az, self.broken = role, az, 0


class FileSystem:
    def __init__(self, rec, servers: list[Server], zones: list[str]):
        a = rec.attrs
        self.rec, self.id, self.address, self.region = rec, rec.id, rec.address, rec.region
        self.type, self.deployment = a.get("type"), a.get("deployment")
        self.multi_az = (self.type, self.deployment) in MULTI_AZ
        self.scratch = str(self.deployment).startswith("scratch")
        self.backups = units.seconds(a.get("backup_retention"), 0.0) > 0
        self.servers, self.zones = servers, zones
        self.state = AVAILABLE

    @property
    def active(self) -> Server | None:
        return next((s for s in self.servers if s.role in ("primary", "preferred")), None)


@provides("failures", "fsx_file_system")
class Fsx(Loop):
    name = "fsx"

    def __init__(self, world):
        super().__init__(world)
        self.systems: list[FileSystem] = []
        self.by_id: dict[str, FileSystem] = {}
        self._faulted: dict[tuple, list[Server]] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("fsx_file_system"):
            servers = [Server(n.role, n.az) for n in w.owned_of(rec.id, "fsx_server")]
            vpcs = {w.records[s].attrs.get("vpc") for s in rec.attrs.get("subnets") or [] if s in w.records}
            zones = sorted({s.attrs.get("az") for s in w.of_kind("subnet") if s.attrs.get("vpc") in vpcs} - {None})
            fs = FileSystem(rec, servers, zones)
            self.systems.append(fs)
            self.by_id[fs.id] = fs

    def services(self) -> Iterable[Service]:
        for fs in self.systems:
            yield Service(fs.address, "fsx_file_system", fs.region, "files served", "file servers",
                          float(len(fs.servers)), lambda fs=fs: self._value(fs))

    def _up(self, fs: FileSystem, s: Server) -> bool:
        return not s.broken and self.world.zone_up(s.az) and self.world.region_up(fs.region)

    def _value(self, fs: FileSystem) -> tuple[float, float]:
        alive = float(sum(1 for s in fs.servers if self._up(fs, s)))
        return (1.0 if self.serves(fs) else 0.0), alive

    def serves(self, fs: FileSystem) -> bool:
        a = fs.active
        return fs.state == AVAILABLE and a is not None and self._up(fs, a)

    def since_backup(self, fs: FileSystem) -> tuple[float, str]:
        """Seconds since the file system's last backup, now, and what took it: its daily automatic
        backup, or an AWS Backup plan's rule of its region running more often."""
        w = self.world
        daily = figures.BACKUP_INTERVAL_SECONDS
        cover = w.backup.covering(fs.rec, fs.region)
        if cover is not None and cover.interval < daily:
            phase = w.backup_phase / daily * cover.interval
            return (phase + self.sim.now) % cover.interval, (f"backup plan {cover.plan.address} (rule {cover.rule}, "
                                                            f"every {units.span(cover.interval)})")
        return (w.backup_phase + self.sim.now) % daily, "its daily automatic backup (notes §13.2)"

    # --- faults ------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for fs in self.systems:
            if any(s.az == az for s in fs.servers):
                self._review(fs, f"its AZ {az} {'is back' if up else 'is down'}")

    def region_changed(self, region: str, up: bool):
        for fs in self.systems:
            if fs.region == region:
                self._review(fs, f"its region {region} {'is back' if up else 'is down'}", region_lost=not up)

    def parts(self, rec) -> list[str]:
        fs = self.by_id.get(rec.id)
        return [s.role for s in fs.servers] if fs is not None else []

    def fail_part(self, rec, part, up) -> bool:
        fs = self.by_id.get(rec.id)
        if fs is None:
            return False
        s = hit_member(self._faulted, (rec.id, part), up,
                       lambda: next((s for s in fs.servers if s.role == part), None) if part else fs.active)
        if s is not None:
            s.broken = max(0, s.broken - 1) if up else s.broken + 1
            if not up and not fs.multi_az and s is fs.active:
                self._server_lost(fs, s)
            else:
                self._review(fs, "a fault on its file server" if not up else "the fault ended")
        return True

    def _server_lost(self, fs: FileSystem, s: Server) -> None:
        """A single-AZ file server fails: AWS replaces it (notes §13.2); scratch loses its files."""
        self.world.dirty = True
        if fs.state != AVAILABLE:
            return
        fs.state = RESTORING
        if fs.scratch:
            self._scratch_lost(fs, "its file server failed")
        took = self.sim.draw(f"fsx-replace/{fs.id}", figures.FSX_SERVER_REPLACE_SECONDS)
        self.sim.log("fsx.server_replacing", fs.address, f"its file server in {s.az} failed: Amazon FSx replaces it "
                     + ("(scratch: the files are gone)" if fs.scratch else "(persistent: the data is replicated "
                        "within the AZ, nothing lost)"), source=s.az)
        self.sim.after(took, self._replaced, fs, s, took)

    def _replaced(self, fs: FileSystem, s: Server, took: float) -> None:
        s.broken = 0
        fs.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("fsx.server_replaced", fs.address, f"a new file server in {s.az} serves "
                     f"{'an empty file system' if fs.scratch else 'its files'} after {took:.0f}s", seconds=took)
        if not self._up(fs, s):
            self._review(fs, "the new file server's AZ is down")

    def _scratch_lost(self, fs: FileSystem, why: str) -> None:
        self.world.ledger.lost(self.sim.now, fs.address, "every file: a scratch file system is not replicated and "
                               "has no backups (notes §13.2)", fraction=1.0)
        self.sim.log("fsx.data_lost", fs.address, f"{why}: a {fs.deployment} file system's files are lost "
                     "(not replicated, no backups)")

    def _review(self, fs: FileSystem, why: str, region_lost: bool = False) -> None:
        self.world.dirty = True
        a = fs.active
        if a is None:
            return
        if fs.state == AVAILABLE and not self._up(fs, a):
            standby = next((s for s in fs.servers if s is not a and self._up(fs, s)), None)
            if standby is not None:
                self._start_failover(fs, a, standby, why)
                return
            if fs.scratch:
                self._scratch_lost(fs, why)
                fs.state = DOWN
                return
            target = next((z for z in fs.zones if z != a.az and self.world.zone_up(z)), None)
            if fs.backups and target is not None and not region_lost and not fs.multi_az:
                self._start_restore(fs, a, target, why)
            else:
                fs.state = DOWN
                reason = ("backups are off (backup_retention = 0d)" if not fs.backups else
                          "its region is down" if region_lost else "no other AZ of its VPC is up to restore into")
                self.sim.log("fsx.down", fs.address, f"unavailable: its file server in {a.az} is down ({why}); "
                             f"{reason}: it waits for its {'region' if region_lost else 'AZ'}")
        elif fs.state == DOWN and self._up(fs, a):
            self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._restarted, fs)

    def _start_failover(self, fs: FileSystem, old: Server, new: Server, why: str) -> None:
        fs.state = FAILING_OVER
        took = self.sim.draw(f"fsx-failover/{fs.id}", figures.FSX_MULTI_AZ_FAILOVER_SECONDS)
        self.sim.log("fsx.failover_started", fs.address, f"the active file server in {old.az} is down ({why}): the "
                     f"standby in {new.az} takes over", source=old.az, target=new.az)
        self.sim.after(took, self._failed_over, fs, old, new, took)

    def _failed_over(self, fs: FileSystem, old: Server, new: Server, took: float) -> None:
        old.role, new.role = "standby", "preferred"
        fs.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("fsx.failover_complete", fs.address, f"the file server in {new.az} serves files after "
                     f"{took:.1f}s (data replicated synchronously: nothing lost)", source=old.az, target=new.az,
                     seconds=took)
        self.world.ledger.failed_over(self.sim.now, fs.address, "Multi-AZ file server", old.az, new.az)
        if not self._up(fs, new):
            self._review(fs, "the new active file server is down too")

    def _start_restore(self, fs: FileSystem, a: Server, az: str, why: str) -> None:
        fs.state = RESTORING
        lost, source = self.since_backup(fs)
        lost = round(lost, 1)
        took = self.sim.draw(f"fsx-restore/{fs.id}", figures.FSX_RESTORE_SECONDS)
        self.sim.log("fsx.restore_started", fs.address, f"the file system is lost ({why}): restoring it in {az} from "
                     f"{source}, taken {lost:.0f}s before the loss", source=a.az, target=az, rpo=lost)
        self.world.ledger.lost(self.sim.now, fs.address, f"writes since the last backup ({source})", seconds=lost)
        self.sim.after(took, self._restored, fs, a, az, took)

    def _restored(self, fs: FileSystem, a: Server, az: str, took: float) -> None:
        old, a.az, a.broken = a.az, az, 0
        fs.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("fsx.restored", fs.address, f"restored in {az} after {took:.0f}s; it serves files again",
                     source=old, target=az, seconds=took)
        self.world.ledger.failed_over(self.sim.now, fs.address, "restored from backup", old, az)
        if not self._up(fs, a):
            self._review(fs, "the restored file system's AZ is down too")

    def _restarted(self, fs: FileSystem) -> None:
        a = fs.active
        if fs.state == DOWN and a is not None and self._up(fs, a):
            fs.state = AVAILABLE
            self.world.dirty = True
            self.sim.log("fsx.available", fs.address, f"available again in {a.az}, "
                         + ("empty (scratch)" if fs.scratch else "with its data"))
