"""DMS replication instances and their tasks during a run (notes §25.3; an instance's compute is
owned `dms_node` records: `primary`, and for Multi-AZ `standby`).

- Multi-AZ (notes §25.3.4: "DMS provisions a replica in a different AZ and keeps it in sync"):
  when the primary's AZ or the instance fails, the standby takes over after
  `DMS_FAILOVER_SECONDS` (the RDS Multi-AZ failover DMS is built on); its tasks stop meanwhile
  and resume where they were.
- Single-AZ: the instance is down with its AZ (or its fault) and back `RESTART_AFTER_ZONE_SECONDS`
  after; its tasks stop meanwhile and resume.

A task is a service of its own: it replicates while its instance runs; the report shows each
task stopped while its instance is down (`dms.task_stopped`, `dms.task_resumed`). A CDC task
resumes from its checkpoint, so nothing is lost — the target lags behind the source for the
time it was stopped.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member

AVAILABLE, FAILING_OVER, DOWN = "available", "failing over", "down"
DMS_FAILOVER_SECONDS = figures.RDS_FAILOVER_SECONDS


class Node:
    __slots__ = ("role", "az", "broken")

    def __init__(self, role, az):
        self.role, self.az, self.broken = role, az, 0


class Instance:
    def __init__(self, rec, nodes: list[Node]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.nodes = nodes
        self.state = AVAILABLE
        self.tasks: list = []

    @property
    def primary(self) -> Node | None:
        return next((n for n in self.nodes if n.role == "primary"), None)


class Task:
    def __init__(self, rec, instance: Instance | None):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.migration_type = rec.attrs.get("migration_type") or "full_load_and_cdc"
        self.instance = instance
        self.stopped_at: float | None = None
        self.broken = 0


@provides("failures", "dms_replication_instance", "dms_replication_task")
class Dms(Loop):
    name = "dms"

    def __init__(self, world):
        super().__init__(world)
        self.instances: dict[str, Instance] = {}
        self.tasks: list[Task] = []
        self._faulted: dict[tuple, list[Node]] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("dms_replication_instance"):
            self.instances[rec.id] = Instance(rec, [Node(n.role, n.az) for n in w.owned_of(rec.id, "dms_node")])
        for rec in w.of_kind("dms_replication_task"):
            inst = self.instances.get(rec.attrs.get("instance"))
            task = Task(rec, inst)
            self.tasks.append(task)
            if inst is not None:
                inst.tasks.append(task)

    def services(self) -> Iterable[Service]:
        for inst in sorted(self.instances.values(), key=lambda i: i.address or i.id):
            yield Service(inst.address, "dms_replication_instance", inst.region, "tasks run", "instances",
                          float(len(inst.nodes)), lambda i=inst: self._value(i))
        for task in self.tasks:
            yield Service(task.address, "dms_replication_task", task.region, "replicating", "tasks", 1.0,
                          lambda t=task: self._task_value(t))

    def _up(self, inst: Instance, n: Node) -> bool:
        return not n.broken and self.world.zone_up(n.az) and self.world.region_up(inst.region)

    def serves(self, inst: Instance) -> bool:
        p = inst.primary
        return inst.state == AVAILABLE and p is not None and self._up(inst, p)

    def _value(self, inst: Instance) -> tuple[float, float]:
        return (1.0 if self.serves(inst) else 0.0), float(sum(1 for n in inst.nodes if self._up(inst, n)))

    def _task_value(self, task: Task) -> tuple[float, float]:
        running = not task.broken and task.instance is not None and self.serves(task.instance)
        return (1.0, 1.0) if running else (0.0, 0.0)

    # --- faults ------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for inst in self.instances.values():
            if any(n.az == az for n in inst.nodes):
                self._review(inst, f"its AZ {az} {'is back' if up else 'is down'}")

    def region_changed(self, region: str, up: bool):
        for inst in self.instances.values():
            if inst.region == region:
                self._review(inst, f"its region {region} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        inst = self.instances.get(rec.id)
        return [n.role for n in inst.nodes] if inst is not None else []

    def fail_part(self, rec, part, up) -> bool:
        task = next((t for t in self.tasks if t.id == rec.id), None)
        if task is not None:
            return self._fail_task(task, up)
        inst = self.instances.get(rec.id)
        if inst is None:
            return False
        n = hit_member(self._faulted, (rec.id, part), up,
                       lambda: next((n for n in inst.nodes if n.role == part), None) if part else inst.primary)
        if n is not None:
            n.broken = max(0, n.broken - 1) if up else n.broken + 1
            self._review(inst, "a fault on the instance" if not up else "the fault ended")
        return True

    def _fail_task(self, task: Task, up: bool) -> bool:
        """A task fails on its own (a table error, a lost connection): it stops, and resumes when the
        fault ends (if its instance runs)."""
        task.broken += -1 if up else 1
        self.world.dirty = True
        if not up and task.broken == 1 and task.stopped_at is None:
            task.stopped_at = self.sim.now
            self.sim.log("dms.task_stopped", task.address, "stopped: the task failed")
        elif up and task.broken == 0 and task.instance is not None and self.serves(task.instance):
            self._resume(task)
        return True

    def _review(self, inst: Instance, why: str) -> None:
        self.world.dirty = True
        p = inst.primary
        if p is None:
            return
        if inst.state == AVAILABLE and not self._up(inst, p):
            self._stop_tasks(inst, why)
            standby = next((n for n in inst.nodes if n.role == "standby" and self._up(inst, n)), None)
            if standby is not None:
                inst.state = FAILING_OVER
                took = self.sim.draw(f"dms-failover/{inst.id}", DMS_FAILOVER_SECONDS)
                self.sim.log("dms.failover_started", inst.address, f"the primary in {p.az} is down ({why}): the "
                             f"Multi-AZ standby in {standby.az} takes over", source=p.az, target=standby.az)
                self.sim.after(took, self._failed_over, inst, p, standby, took)
            else:
                inst.state = DOWN
                self.sim.log("dms.down", inst.address, f"the replication instance in {p.az} is down ({why}); "
                             "single-AZ: it waits for its AZ", source=p.az)
        elif inst.state == DOWN and self._up(inst, p):
            self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._restarted, inst)

    def _failed_over(self, inst: Instance, old: Node, new: Node, took: float) -> None:
        old.role, new.role = "standby", "primary"
        inst.state = AVAILABLE
        self.world.dirty = True
        self.sim.log("dms.failover_complete", inst.address, f"the instance in {new.az} runs its tasks after "
                     f"{took:.0f}s", source=old.az, target=new.az, seconds=took)
        self.world.ledger.failed_over(self.sim.now, inst.address, "Multi-AZ replication instance", old.az, new.az)
        if self._up(inst, new):
            self._resume_tasks(inst)
        else:
            self._review(inst, "the new primary is down too")

    def _restarted(self, inst: Instance) -> None:
        p = inst.primary
        if inst.state == DOWN and p is not None and self._up(inst, p):
            inst.state = AVAILABLE
            self.world.dirty = True
            self.sim.log("dms.available", inst.address, f"the replication instance runs again in {p.az}")
            self._resume_tasks(inst)

    def _stop_tasks(self, inst: Instance, why: str) -> None:
        for task in inst.tasks:
            if task.stopped_at is None:
                task.stopped_at = self.sim.now
                self.sim.log("dms.task_stopped", task.address, f"stopped: its replication instance {inst.address} is "
                             f"down ({why})")

    def _resume_tasks(self, inst: Instance) -> None:
        for task in inst.tasks:
            if task.stopped_at is not None and not task.broken:
                self._resume(task)

    def _resume(self, task: Task) -> None:
        stopped = self.sim.now - task.stopped_at
        task.stopped_at = None
        how = ("the full load restarts the tables it had not finished" if task.migration_type == "full_load"
               else "change data capture resumes from its checkpoint and catches up: nothing lost")
        self.sim.log("dms.task_resumed", task.address, f"running again after {stopped:.0f}s stopped; {how}",
                     seconds=round(stopped, 1))
