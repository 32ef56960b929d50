"""ECS services during a run (notes §15.2; the Auto Scaling loop's shape, for tasks).

- A task runs in one AZ: a Fargate task on AWS's capacity there, an EC2 task on its instance.
  It stops when its AZ goes (or its instance stops); its target stops answering at once, and
  its target groups mark it unhealthy after their checks.
- The service scheduler notices a stopped task when a target group reports it unhealthy, or
  `ECS_TASK_LOST_SECONDS` after it stopped, whichever comes first; it deregisters the task and
  starts a replacement, in the AZ with the fewest of the service's tasks among those that can
  launch (Fargate), or on an instance of the cluster's capacity providers with room for its CPU
  and memory (EC2, by the service's placement strategy). Fargate tasks take their vCPUs of the
  AZ's Fargate capacity (`FARGATE_VCPUS_PER_AZ`, shared with EKS's Fargate pods). With nowhere
  to place it the service
  logs AWS's "unable to place a task" and tries again every `ECS_RETRY_SECONDS` (and when an
  instance starts). With managed scaling, `ECS_MANAGED_SCALING_SECONDS` later ECS raises the
  capacity provider's Auto Scaling group by the instances the waiting tasks need, less those
  already starting.
- A replacement runs `ECS_TASK_START_SECONDS` later (provisioning and the image pull), and is
  registered with the service's target groups, which take it into service once healthy.
- When every task is back, and healthy in the service's target groups, the service logs AWS's
  "has reached a steady state", with the time since the first task stopped.
- Availability Zone rebalancing (on for services that spread their tasks, as AWS sets it for new
  services since June 2025; `az_rebalancing = false` turns it off): a steady service whose tasks
  are uneven over the AZs it can place in — an AZ that returned after a loss —
  `ECS_REBALANCE_CHECK_SECONDS` later logs AWS's "is not AZ balanced", starts tasks in the AZs
  with the fewest, stops one in the AZ with the most as each is in service (running, and healthy
  in the service's target groups), and logs "is AZ balanced".
  Without it an AZ that returns gets no tasks back.
- Service auto scaling on a queue's backlog (`metric = queue_backlog`): once a minute, the
  visible messages per running task against the target set the desired count, within
  `min_tasks` and `max_tasks`, each direction after its cooldown (notes §15.2.3, §15.2.4).
  Tracking CPU, memory or requests per target needs a load the run does not model: those
  policies keep the desired count.

The service measures its running tasks against the desired count.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

from archform.stdlib import instance_types
from archform.stdlib.facets import provides
from archform.stdlib.kinds._ecs_limits import rebalances

from .. import figures, units
from ..measure import Service
from ..world import Loop
from .ec2 import IMPAIRED, PENDING, RUNNING, TERMINATED, Instance
from .elb import HEALTHY, UNHEALTHY

MIB = 1024 * 1024


class Task:
    """One task: what the target groups see of it (id, AZ, state), like an instance."""

    __slots__ = ("id", "address", "az", "subnet", "state", "group", "instance", "cpu", "memory", "service", "launched")

    def __init__(self, id, az, subnet, instance, cpu, memory, service):
        self.id, self.az, self.subnet, self.instance = id, az, subnet, instance
        self.address = service.address  # what the design's network knows it as (reachability)
        self.cpu, self.memory, self.service = cpu, memory, service
        self.state = RUNNING
        self.group = None  # not an Auto Scaling group's: traffic.py loads it as a standalone target
        self.launched = float("-inf")


class EcsService:
    def __init__(self, rec, world):
        a = rec.attrs
        self.id, self.address, self.region, self.name = rec.id, rec.address, rec.region, rec.name or rec.id
        self.desired = int(rec.outputs.get("desired_count") if rec.outputs.get("desired_count") is not None
                           else a.get("desired") or 0)
        self.launch = rec.outputs.get("launch_type") or "FARGATE"
        self.subnets: dict[str, list[str]] = {}
        for sid in a.get("subnets") or []:
            subnet = world.records.get(sid)
            if subnet is not None:
                self.subnets.setdefault(subnet.attrs.get("az"), []).append(sid)
        self.placement = a.get("placement") or "spread"
        self.groups: list[str] = []  # the Auto Scaling groups of its capacity providers (EC2)
        self.managed: list[str] = []  # those ECS scales (managed scaling)
        cluster = world.records.get(a.get("cluster") or "")
        if cluster is not None:
            providers = [cp for cp in cluster.attrs.get("capacity_provider") or [] if cp.get("autoscaling_group")]
            self.groups = [cp["autoscaling_group"] for cp in providers]
            self.managed = [cp["autoscaling_group"] for cp in providers if cp.get("managed_scaling", True) is not False]
        task = world.records.get(a.get("task_definition") or "")
        ta = task.attrs if task is not None else {}
        containers = ta.get("container") or []
        self.cpu = int(ta.get("cpu") or sum(int(c.get("cpu") or 0) for c in containers))
        self.memory = int((units.size_bytes(ta.get("memory")) or sum(
            units.size_bytes(c.get("memory") or c.get("memory_reservation"), 0.0) for c in containers)) // MIB)
        self.min = int(a["min_tasks"]) if a.get("min_tasks") is not None else self.desired
        self.max = int(a["max_tasks"]) if a.get("max_tasks") is not None else self.desired
        self.backlog_queue: str | None = None  # target tracking on a queue's visible messages per task
        self.backlog_target, self.scale_in = 1.0, True
        self.cooldown_out = self.cooldown_in = 300.0
        for policy in a.get("scaling_policy") or []:
            if (policy.get("type") or "target_tracking") == "target_tracking" and \
                    policy.get("metric") == "queue_backlog" and policy.get("queue"):
                self.backlog_queue = policy["queue"]
                self.backlog_target = max(1e-9, float(policy.get("target") or 1))
                self.scale_in = not policy.get("disable_scale_in")
                self.cooldown_out = units.seconds(policy.get("scale_out_cooldown"), 300.0)
                self.cooldown_in = units.seconds(policy.get("scale_in_cooldown"), 300.0)
                break
        self.last_scaling = float("-inf")
        self.target_groups: list = []
        self.tasks: dict[str, Task] = {}
        self.lost: set[str] = set()  # stopped tasks the scheduler has not noticed yet
        self.since: float | None = None  # when the first task of the current disruption stopped
        self.since_what = "the first one stopped"
        self.retrying = False
        self.scaling = False  # a managed scale-out is on its way
        self.last_failure = None
        self.serial = 0
        shown = rec.outputs.get("availability_zone_rebalancing")  # as describe-services gives it
        self.rebalance = shown == "ENABLED" if shown else rebalances(a.get("az_rebalancing"), self.placement)
        self.moving: dict[str, str] = {}  # a rebalancing task starting → the AZ it takes a task from
        self.checking = False  # a rebalancing check is on its way

    def running(self) -> int:
        return sum(1 for t in self.tasks.values() if t.state == RUNNING)


@provides("failures", "ecs_service")
class Ecs(Loop):
    name = "ecs"

    def __init__(self, world):
        super().__init__(world)
        self.services_: list[EcsService] = []
        self.by_id: dict[str, EcsService] = {}
        self.fargate: Counter = Counter()  # vCPUs of Fargate in use per AZ (shared with EKS's pods)

    def load(self):
        w = self.world
        eks = getattr(w, "eks", None)
        if isinstance(getattr(eks, "used", None), Counter):
            self.fargate = eks.used  # one Fargate capacity per AZ for the account's tasks and pods
        for rec in w.of_kind("ecs_service"):
            s = EcsService(rec, w)
            self.services_.append(s)
            self.by_id[s.id] = s
            s.target_groups = [w.elb.groups[lb["target_group"]] for lb in rec.attrs.get("load_balancer") or []
                               if lb.get("target_group") in w.elb.groups]
            for t in w.owned_of(rec.id, "ecs_task"):
                task = Task(t.id, t.az, t.subnet, t.attrs.get("instance"), s.cpu, s.memory, s)
                inst = w.ec2.instances.get(task.instance or "")
                if inst is not None and not inst.alive:
                    task.state = TERMINATED
                s.tasks[task.id] = task
                if task.instance is None and task.state == RUNNING:
                    self.fargate[task.az] += task.cpu / 1024
                w.elb.register(task, s.target_groups, HEALTHY if task.state == RUNNING else UNHEALTHY)
        w.ec2.watch(self.instances_changed)
        w.elb.unhealthy_watchers.append(self.targets_unhealthy)
        w.elb.healthy_watchers.append(self.targets_healthy)

    def start(self):
        for s in self.services_:
            if len(self._live(s)) < s.desired:  # applied short of room: placing goes on
                s.since, s.since_what = 0.0, "the run began"
                self.sim.at(0.0, self.reconcile, s)
            if s.backlog_queue is not None:
                phase = round(self.sim.rng(f"ecs-scaling/{s.id}").uniform(0, figures.SCALING_EVALUATION_SECONDS), 1)
                self.sim.at(phase, self._scaling, s)

    # --- service auto scaling ----------------------------------------------------------------------

    def _scaling(self, s: EcsService) -> None:
        """Target tracking on the queue's visible messages per running task (Application Auto
        Scaling, read once a minute): desired = backlog / target, within min_tasks and max_tasks,
        each direction after its cooldown."""
        self.sim.after(figures.SCALING_EVALUATION_SECONDS, self._scaling, s)
        backlog = self.world.workload.visible(s.backlog_queue)
        if backlog is None:
            return
        running = s.running()
        per = backlog / running if running else (float("inf") if backlog > 0 else 0.0)
        target, since = s.backlog_target, self.sim.now - s.last_scaling
        wanted = math.ceil(round(backlog / target, 6))
        if per > target * 1.05 and s.desired < s.max and since >= s.cooldown_out and wanted > s.desired:
            shown = f"{per:,.0f} messages per running task" if running else f"{backlog:,.0f} messages and no task"
            self._set_desired(s, min(s.max, wanted), f"target tracking: {shown}, above the target {target:g}")
        elif s.scale_in and running == s.desired and per < target * 0.8 and s.desired > s.min \
                and since >= s.cooldown_in and max(s.min, wanted) < s.desired:
            self._set_desired(s, max(s.min, wanted), f"target tracking: {per:,.0f} messages per running task, "
                                                     f"below the target {target:g}")

    def _set_desired(self, s: EcsService, desired: int, why: str) -> None:
        self.sim.log("ecs.desired", s.address, f"desired count {s.desired} → {desired} ({why})", before=s.desired,
                     after=desired)
        s.last_scaling = self.sim.now
        before, s.desired = s.desired, desired
        if desired > before:
            self.reconcile(s)
            return
        live = [t for t in s.tasks.values() if t.state in (RUNNING, PENDING)]
        for _ in range(min(before - desired, len(live))):  # the newest of the AZ with the most go first
            counts = Counter(t.az for t in live)
            az = max(counts, key=lambda z: (counts[z], z))
            victim = max((t for t in live if t.az == az), key=lambda t: (t.launched, t.id))
            live.remove(victim)
            self._gone(s, victim)
        self.world.dirty = True

    def services(self) -> Iterable[Service]:
        for s in self.services_:
            yield Service(s.address, "ecs_service", s.region, "desired tasks running", "tasks", float(s.desired),
                          lambda s=s: (min(1.0, s.running() / s.desired) if s.desired else 1.0, float(s.running())))

    # --- tasks stop ----------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        if up:
            for s in self.services_:
                if s.running() < s.desired and az in s.subnets:
                    self.reconcile(s)
                elif s.since is None and (az in s.subnets or not s.subnets):
                    self._balance_later(s)
            return
        for s in self.services_:
            self._stop(s, [t for t in s.tasks.values() if t.az == az and t.state in (RUNNING, PENDING)],
                       f"its AZ {az} is down")

    def instances_changed(self, batch: list[Instance]) -> None:
        gone = {i.id for i in batch if i.state in (IMPAIRED, TERMINATED)}
        started = any(i.state == RUNNING for i in batch)
        for s in self.services_:
            if s.launch != "EC2":
                continue
            stopped = [t for t in s.tasks.values() if t.instance in gone and t.state in (RUNNING, PENDING)]
            if stopped:
                self._stop(s, stopped, "its container instance stopped")
            if started and len(self._live(s)) < s.desired:
                self.reconcile(s)  # an instance came up: there may be room now
            elif started and s.since is None:
                self._balance_later(s)  # and perhaps in an AZ the service has too few tasks in

    def _stop(self, s: EcsService, tasks: list[Task], why: str) -> None:
        if not tasks:
            return
        for t in tasks:
            t.state = IMPAIRED
            s.lost.add(t.id)
        if s.since is None:
            s.since, s.since_what = self.sim.now, "the first one stopped"
        zones = sorted({t.az for t in tasks})
        self.sim.log("ecs.tasks_stopped", s.address, f"{len(tasks)} task{'s' if len(tasks) != 1 else ''} in "
                     f"{', '.join(zones)} stopped ({why}): {s.running()} of {s.desired} running", len(tasks),
                     ids=[t.id for t in tasks], azs=zones)
        self.world.elb.instances_changed(tasks)
        self.sim.after(figures.ECS_TASK_LOST_SECONDS, self._noticed, s, [t.id for t in tasks])
        self.world.dirty = True

    def targets_unhealthy(self, tg, instances) -> None:
        for s in self.services_:
            if tg in s.target_groups:
                ids = [i.id for i in instances if i.id in s.lost]
                if ids:
                    self._noticed(s, ids)

    def targets_healthy(self, tg, instances) -> None:
        for s in self.services_:
            if tg not in s.target_groups:
                continue
            for i in instances:  # a rebalancing task in service: one of the AZ it relieves stops
                task = s.tasks.get(i.id)
                if i.id in s.moving and task is not None and task.state == RUNNING and self._in_service(s, task):
                    self._moved(s, task)
            if s.since is not None and any(i.id in s.tasks for i in instances):
                self._maybe_steady(s)

    @staticmethod
    def _in_service(s: EcsService, task: Task) -> bool:
        """Healthy in every target group of the service (at once, without one)."""
        return all((g.targets.get(task.id) is not None and g.targets[task.id].believed == HEALTHY)
                   for g in s.target_groups)

    def _noticed(self, s: EcsService, ids: list[str]) -> None:
        """The scheduler sees these tasks stopped: out of the target groups, replaced."""
        ids = [i for i in ids if i in s.lost]
        if not ids:
            return
        for tid in ids:
            s.lost.discard(tid)
            self._gone(s, s.tasks[tid])
        self.reconcile(s)

    def _gone(self, s: EcsService, task: Task) -> None:
        """A task leaves the service: out of its target groups, its Fargate capacity given back."""
        task.state = TERMINATED
        s.tasks.pop(task.id, None)
        s.moving.pop(task.id, None)  # a rebalancing task that stops relieves no AZ
        self.world.elb.deregister(task)
        if task.instance is None:
            self.fargate[task.az] -= task.cpu / 1024

    # --- tasks start ---------------------------------------------------------------------------------

    def _live(self, s: EcsService) -> list[Task]:
        return [t for t in s.tasks.values() if t.state in (RUNNING, PENDING) or t.id in s.lost]

    def reconcile(self, s: EcsService) -> None:
        missing = s.desired - len(self._live(s))
        started, reason = [], ""
        for _ in range(max(0, missing)):
            task, reason = self._place(s)
            if task is None:
                break
            started.append(task)
        if started:
            zones = sorted({t.az for t in started})
            self.sim.log("ecs.tasks_started", s.address, f"starting {len(started)} task{'s' if len(started) != 1 else ''}"
                         f" in {', '.join(zones)} to reach the desired count ({s.desired})", len(started),
                         ids=[t.id for t in started], azs=zones)
        if len(started) < missing:
            short = missing - len(started)
            if (short, reason) != s.last_failure:
                s.last_failure = (short, reason)
                self.sim.log("ecs.unable_to_place", s.address, f"service {s.name} was unable to place a task "
                             f"{reason} ({short} short; trying again every {figures.ECS_RETRY_SECONDS:.0f}s)", short)
            if not s.retrying:
                s.retrying = True
                self.sim.after(figures.ECS_RETRY_SECONDS, self._retry, s)
            if s.launch == "EC2" and s.managed and not s.scaling:
                s.scaling = True
                self.sim.after(figures.ECS_MANAGED_SCALING_SECONDS, self._managed_scale_out, s)
        else:
            s.last_failure = None
        self.world.dirty = True

    def _managed_scale_out(self, s: EcsService) -> None:
        """Managed scaling: the capacity provider's reservation is over its target while tasks wait,
        so ECS raises the group's desired capacity by the instances they need, less those already
        starting (within the group's max)."""
        s.scaling = False
        short = s.desired - len(self._live(s))
        asg = self.world.asg
        group = next((asg.by_id[g] for g in s.managed if g in asg.by_id), None)
        if short <= 0 or group is None:
            return
        itype = instance_types.lookup(group.itype or "")
        per = min(itype.vcpus * 1024 // max(s.cpu, 1), int(itype.memory_gib * 1024) // max(s.memory, 1)) if itype else 0
        if per <= 0:
            return
        starting = sum(1 for i in group.live() if i.state == PENDING)
        needed = -(-short // per) - starting
        if needed > 0:
            asg.set_desired(group, group.desired + needed, f"ECS managed scaling: {short} task"
                            f"{'s' if short != 1 else ''} of {s.address} waiting for capacity")

    def _retry(self, s: EcsService) -> None:
        s.retrying = False
        self.reconcile(s)

    def _place(self, s: EcsService, only: str | None = None) -> tuple[Task | None, str]:
        """A task started where the service's placement puts it (in AZ `only`, if given)."""
        counts = Counter(t.az for t in self._live(s))
        if s.launch == "FARGATE":
            up = [z for z in s.subnets if self.world.can_launch(z) and only in (None, z)]
            zones = [z for z in up if self.fargate[z] + s.cpu / 1024 <= figures.FARGATE_VCPUS_PER_AZ + 1e-9]
            if not zones:
                return None, ("because no Availability Zone of its subnets can launch a task" if not up else
                              "because no Fargate capacity is left in the Availability Zones of its subnets that "
                              "are up")
            az = min(zones, key=lambda z: (counts[z], z))
            return self._start(s, az, s.subnets[az][0], None), ""
        w = self.world
        instances = [i for i in w.ec2.instances.values() if i.group in s.groups and i.state == RUNNING
                     and (not s.subnets or i.az in s.subnets) and only in (None, i.az)]
        if not instances:
            return None, ("because no container instance met all of its requirements. Reason: No Container "
                          "Instances were found in your cluster.")
        room = {i.id: self._room(i) for i in instances}
        fits = [i for i in instances if room[i.id][0] >= s.cpu and room[i.id][1] >= s.memory]
        if not fits:
            closest = max(instances, key=lambda i: (room[i.id][1], room[i.id][0], i.id))
            short = "memory" if room[closest.id][1] < s.memory else "CPU"
            return None, (f"because no container instance met all of its requirements. The closest matching "
                          f"container-instance {closest.id} has insufficient {short} available.")
        if s.placement == "binpack":
            inst = min(fits, key=lambda i: (room[i.id][1], room[i.id][0], i.id))
        else:
            on = Counter(t.instance for t in self._live(s))
            inst = min(fits, key=lambda i: (counts[i.az], on[i.id], i.id))
        subnet = s.subnets[inst.az][0] if s.subnets else inst.subnet
        return self._start(s, inst.az, subnet, inst.id), ""

    def _room(self, inst: Instance) -> tuple[int, int]:
        cpu, memory = inst.vcpus * 1024, int(inst.memory * 1024)
        for s in self.services_:
            for t in s.tasks.values():
                if t.instance == inst.id and (t.state in (RUNNING, PENDING) or t.id in s.lost):
                    cpu, memory = cpu - t.cpu, memory - t.memory
        return cpu, memory

    def _start(self, s: EcsService, az: str, subnet: str | None, instance: str | None) -> Task:
        s.serial += 1
        # a task ARN as ECS gives one (task/<cluster>/<32 hex digits>), from the run's seeded stream
        cluster = s.id.split(":service/", 1)[-1].split("/", 1)[0]
        task_id = f"{self.sim.rng(f'ecs-task/{s.id}').getrandbits(128):032x}"
        task = Task(f"arn:aws:ecs:{s.region}:{s.id.split(':')[4]}:task/{cluster}/{task_id}", az, subnet, instance,
                    s.cpu, s.memory, s)
        task.state = PENDING
        task.launched = self.sim.now
        s.tasks[task.id] = task
        if instance is None:
            self.fargate[az] += s.cpu / 1024
        took = self.sim.draw(f"ecs-start/{s.id}/{s.serial}", figures.ECS_TASK_START_SECONDS)
        self.sim.after(took, self._running, s, task)
        return task

    def _running(self, s: EcsService, task: Task) -> None:
        if task.state != PENDING:
            return
        if not self.world.zone_up(task.az) or (task.instance and not self._instance_up(task.instance)):
            self._gone(s, task)  # its AZ or instance went while it started
            self.reconcile(s)
            return
        task.state = RUNNING
        self.world.elb.register(task, s.target_groups)
        self.world.dirty = True
        if task.id in s.moving and self._in_service(s, task):
            self._moved(s, task)  # else when its target groups take it into service
        self._maybe_steady(s)

    def _maybe_steady(self, s: EcsService) -> None:
        """Every desired task runs and, behind a load balancer, is healthy in each of the
        service's target groups (ECS counts a task in service only once its targets pass their
        health checks): the service has reached a steady state."""
        if s.since is None or s.running() < s.desired:
            return
        for g in s.target_groups:
            for t in s.tasks.values():
                target = g.targets.get(t.id) if t.state == RUNNING else None
                if t.state == RUNNING and (target is None or target.believed != HEALTHY):
                    return
        took = self.sim.now - s.since
        behind = " and healthy in their target groups" if s.target_groups else ""
        self.sim.log("ecs.steady_state", s.address, f"service {s.name} has reached a steady state: {s.running()} "
                     f"of {s.desired} tasks running{behind}, {took:.0f}s after {s.since_what}", seconds=took)
        s.since = None
        self._balance_later(s)

    # --- Availability Zone rebalancing -------------------------------------------------------------

    def _balance_later(self, s: EcsService) -> None:
        if s.rebalance and not s.checking and not s.moving:
            s.checking = True
            self.sim.after(figures.ECS_REBALANCE_CHECK_SECONDS, self._rebalance, s)

    def _zones(self, s: EcsService) -> list[str]:
        """The AZs the service can place a task in now."""
        if s.launch == "FARGATE":
            return sorted(z for z in s.subnets if self.world.can_launch(z))
        return sorted({i.az for i in self.world.ec2.instances.values() if i.group in s.groups and i.state == RUNNING
                       and (not s.subnets or i.az in s.subnets)})

    def _spread(self, s: EcsService, zones: list[str]) -> Counter:
        counts = Counter({z: 0 for z in zones})
        for t in s.tasks.values():
            if t.state == RUNNING and t.az in counts:
                counts[t.az] += 1
        return counts

    @staticmethod
    def _spread_text(counts: Counter) -> str:
        parts = [f"{n} task{'s' if n != 1 else ''} in {z}" for z, n in sorted(counts.items())]
        return ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1] if len(parts) > 1 \
            else parts[0]

    def _rebalance(self, s: EcsService) -> None:
        """A steady service whose running tasks differ by more than one between the AZs it can place
        in: start tasks in the AZs with the fewest; each one that runs stops one in an AZ with the
        most (AWS starts first, then stops)."""
        s.checking = False
        if s.since is not None or s.moving or s.lost or s.running() != s.desired:
            return  # not steady: the next steady state looks again
        zones = self._zones(s)
        counts = self._spread(s, zones)
        if len(zones) < 2 or max(counts.values()) - min(counts.values()) <= 1:
            return
        plan = Counter(counts)
        moves = []
        while max(plan.values()) - min(plan.values()) > 1:
            poor = min(plan, key=lambda z: (plan[z], z))
            rich = max(plan, key=lambda z: (plan[z], z))
            plan[poor] += 1
            plan[rich] -= 1
            moves.append((poor, rich))
        self.sim.log("ecs.rebalancing", s.address, f"service {s.name} is not AZ balanced with "
                     f"{self._spread_text(counts)}. AZ Rebalancing in progress.", len(moves), azs=sorted(zones))
        started: dict[str, list[str]] = {}
        for poor, rich in moves:
            task, _ = self._place(s, only=poor)
            if task is None:
                continue
            s.moving[task.id] = rich
            started.setdefault(poor, []).append(task.id)
        for az, ids in sorted(started.items()):
            self.sim.log("ecs.rebalance_started", s.address, f"{s.name} has started {len(ids)} task"
                         f"{'s' if len(ids) != 1 else ''} in {az} to AZ Rebalance", len(ids), ids=ids, azs=[az])
        if not s.moving:
            self.sim.log("ecs.rebalance_unplaced", s.address, f"service {s.name} is unable to place a task in "
                         f"{', '.join(sorted({p for p, _ in moves}))} to AZ Rebalance", len(moves))

    def _moved(self, s: EcsService, task: Task) -> None:
        """A rebalancing task is in service: the newest task of the AZ it was started for stops."""
        rich = s.moving.pop(task.id)
        out = [t for t in s.tasks.values() if t.state == RUNNING and t.az == rich and t.id not in s.moving
               and t is not task]
        if out:
            victim = max(out, key=lambda t: (t.launched, t.id))
            self._gone(s, victim)
            self.sim.log("ecs.rebalance_stopped", s.address, f"{s.name} has stopped 1 running task in {rich} due to AZ "
                         f"rebalancing", 1, ids=[victim.id], azs=[rich])
        if not s.moving:
            counts = self._spread(s, self._zones(s))
            self.sim.log("ecs.rebalanced", s.address, f"service {s.name} is AZ balanced with "
                         f"{self._spread_text(counts)}.", azs=sorted(counts))

    def _instance_up(self, iid: str) -> bool:
        inst = self.world.ec2.instances.get(iid)
        return inst is not None and inst.state == RUNNING

    # --- faults on the service itself --------------------------------------------------------------

    def parts(self, rec) -> list[str]:
        s = self.by_id.get(rec.id)
        return sorted(t.id.rsplit("/", 1)[-1] for t in s.tasks.values()) if s is not None else []

    def fail_part(self, rec, part, up) -> bool:
        """A fault naming a service stops its tasks (or the one named), as `aws ecs stop-task`."""
        s = self.by_id.get(rec.id)
        if s is None:
            return False
        if not up:
            chosen = [t for t in s.tasks.values() if t.state == RUNNING and (part is None or t.id.endswith("/" + part))]
            self._stop(s, chosen, "stopped by the fault")
        return True
