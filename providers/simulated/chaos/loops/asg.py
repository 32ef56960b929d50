"""Auto Scaling groups during a run (notes §6.4, facts "Auto Scaling and load balancing").

- Health: an instance whose hardware stopped fails its EC2 status checks, which the group reads
  once a minute (`STATUS_CHECK_SECONDS`); with `health_check_type = elb` a target its load
  balancer marks unhealthy counts too. Either is ignored during the grace period after launch.
- Replacement: an unhealthy instance is terminated and a new one launched, in the AZ with the
  fewest instances among those that can launch — the healthy AZs first (facts); an AZ that
  cannot launch (down, or out of capacity) is skipped, and when none can the group tries again
  a minute later.
- Rebalancing: when an AZ returns, the group launches there first and terminates in the AZ
  with the most once the new instance runs, exceeding max by up to 10% meanwhile (facts).
- Scaling: a target-tracking policy reads CPU once a minute — the group's demand (`traffic.py`)
  over the instances in service — and sets desired capacity to bring it to the target; after a
  scaling activity the group waits its cooldown (default 300 s, notes §6.4.3) before the next.
- Spot: with capacity rebalancing a group launches a replacement on the 2-minute notice, else
  when the interrupted instance is gone.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Iterable

from archform.providers.simulated.attributes import default_of
from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..physical import NoCapacity
from ..world import Loop
from .ec2 import IMPAIRED, PENDING, RUNNING, TERMINATED, Instance


# kinds that are Auto Scaling groups underneath (an EKS managed node group): kind → a function
# reading one's record as a group's attributes (registered by the kind's own loop module)
UNDERNEATH: dict[str, Callable[[object], dict]] = {}


class Group:
    def __init__(self, rec, world, attrs: dict | None = None):
        a = rec.attrs if attrs is None else attrs
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        self.subnets: dict[str, list[str]] = {}
        for sid in a.get("subnets") or []:
            subnet = world.records.get(sid)
            if subnet is not None:
                self.subnets.setdefault(subnet.attrs.get("az"), []).append(sid)
        self.zones = sorted(self.subnets)
        self.min, self.max = int(a.get("min") or 0), int(a.get("max") or 0)
        self.desired = int(a["desired"]) if a.get("desired") is not None else self.min
        self.health_type = a.get("health_check_type") or "ec2"
        self.grace = units.seconds(a.get("health_check_grace_period"),
                                   units.seconds(default_of("autoscaling_group", "health_check_grace_period")))
        self.cooldown = units.seconds(a.get("cooldown"), units.seconds(default_of("autoscaling_group", "cooldown")))
        self.capacity_rebalance = bool(a.get("capacity_rebalance"))
        settings = dict(a.get("launch") or {})
        if not settings and a.get("launch_template"):
            template = world.records.get(a["launch_template"])
            settings = dict(template.attrs) if template is not None else {}
        self.itype = settings.get("instance_type") or figures.ASSUMED_INSTANCE_TYPE
        self.tenancy = settings.get("tenancy") or "default"
        self.spot = settings.get("purchase") == "spot"
        group_id = a.get("placement_group") or settings.get("placement_group")
        group = world.records.get(group_id or "")
        self.pgroup = {"id": group.id, **group.attrs} if group is not None else None
        self.target = None
        self.scale_in = False
        self.backlog_queue: str | None = None  # target tracking on a queue's messages per instance
        self.backlog_target = 0.0
        self.backlog_scale_in = False
        for policy in a.get("scaling_policy") or []:
            if policy.get("type", "target_tracking") != "target_tracking":
                continue
            if policy.get("metric") in (None, "cpu") and self.target is None:
                self.target = _fraction(policy.get("target"))
                self.scale_in = not policy.get("disable_scale_in")
            elif policy.get("metric") == "queue_backlog" and policy.get("queue") and self.backlog_queue is None:
                self.backlog_queue = policy["queue"]
                self.backlog_target = max(1e-9, _fraction(policy.get("target")) or 1.0)
                self.backlog_scale_in = not policy.get("disable_scale_in")
        self.utilisation = self.target or figures.DEFAULT_TARGET_UTILISATION
        self.nominal_demand = self.desired * self.utilisation
        self.demand = self.nominal_demand
        self.members: dict[str, Instance] = {}
        self.target_groups: list = []
        self.suspects: set[str] = set()
        self.status_ticking = False
        self.retrying = False
        self.last_scaling = float("-inf")
        self.rebalancing = False
        self.moving_in: set[str] = set()  # launched to rebalance, not running yet
        self.moving_out = 0  # instances to terminate once those run
        self.registered: set[str] = set()  # registered with the group's target groups
        self.last_failure = None
        self.leaving: set[str] = set()  # to terminate once their replacements are in service
        self.running: set[str] = set()  # members running now (kept as they change: no recount per sample)

    def live(self) -> list[Instance]:
        return [i for i in self.members.values() if i.state != TERMINATED]

    def staying(self) -> list[Instance]:
        """The live instances not marked to go (a spot instance with its interruption notice)."""
        return [i for i in self.members.values() if i.state != TERMINATED and i.id not in self.leaving]

    def in_service(self) -> int:
        return len(self.running)


def _fraction(value) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None


@provides("failures", "autoscaling_group")
class Asg(Loop):
    name = "asg"

    def __init__(self, world):
        super().__init__(world)
        self.groups: list[Group] = []
        self.by_id: dict[str, Group] = {}

    def load(self):
        w = self.world
        for rec in [*w.of_kind("autoscaling_group"), *(r for k in sorted(UNDERNEATH) for r in w.of_kind(k))]:
            g = Group(rec, w, UNDERNEATH[rec.kind](rec) if rec.kind in UNDERNEATH else None)
            self.groups.append(g)
            self.by_id[g.id] = g
            for inst in sorted((i for i in w.ec2.instances.values() if i.group == g.id), key=lambda i: i.id):
                g.members[inst.id] = inst
            g.target_groups = [w.elb.groups[t] for t in rec.attrs.get("target_groups") or [] if t in w.elb.groups]
            implicit = w.elb.implicit_group(g.id)
            if implicit is not None:
                g.target_groups.append(implicit)
            for inst in g.members.values():
                w.elb.register(inst, g.target_groups, "healthy" if inst.alive else "unhealthy")
                g.registered.add(inst.id)
                inst.spot = g.spot
                if not inst.itype:  # launched before the cloud recorded placements
                    inst.itype = g.itype
                if inst.alive:
                    g.running.add(inst.id)
        w.ec2.watch(self.instances_changed)
        w.ec2.watch_notices(self.spot_notices)
        w.elb.unhealthy_watchers.append(self.targets_unhealthy)
        w.elb.healthy_watchers.append(self.targets_healthy)

    def start(self):
        for g in self.groups:
            if g.target is not None or g.backlog_queue is not None:
                phase = round(self.sim.rng(f"asg-scaling/{g.id}").uniform(0, figures.SCALING_EVALUATION_SECONDS), 1)
                self.sim.at(phase, self._scaling, g)

    def services(self) -> Iterable[Service]:
        for g in self.groups:
            yield Service(g.address, g.rec.kind, g.region, "desired capacity in service", "instances",
                          float(g.desired),
                          lambda g=g: (min(1.0, g.in_service() / g.desired) if g.desired else 1.0,
                                       float(g.in_service())))

    # --- health ----------------------------------------------------------------------------------------

    def instances_changed(self, batch: list[Instance]) -> None:
        ticking = []
        for inst in batch:
            g = self.by_id.get(inst.group or "")
            if g is None or inst.id not in g.members:
                continue
            if inst.state == RUNNING:
                g.running.add(inst.id)
            else:
                g.running.discard(inst.id)
            if inst.state == RUNNING and inst.id not in g.registered:
                self._booted(g, inst)
            if inst.state in (IMPAIRED, TERMINATED):
                g.suspects.add(inst.id)
                if not g.status_ticking:
                    g.status_ticking = True
                    ticking.append(g)
        for g in ticking:
            phase = self.sim.rng(f"asg-status/{g.id}").uniform(0, figures.STATUS_CHECK_SECONDS)
            k = math.floor((self.sim.now - phase) / figures.STATUS_CHECK_SECONDS) + 1
            self.sim.at(phase + k * figures.STATUS_CHECK_SECONDS, self._status, g)

    def _booted(self, g: Group, inst: Instance) -> None:
        g.registered.add(inst.id)
        self.world.elb.register(inst, g.target_groups)
        if not g.target_groups:  # no load balancer to wait for: in service once it runs
            self._in_service(g, [inst])

    def targets_healthy(self, tg, instances: list[Instance]) -> None:
        for g in self.groups:
            if tg in g.target_groups:
                self._in_service(g, [i for i in instances if i.id in g.members])

    def _in_service(self, g: Group, instances: list[Instance]) -> None:
        """New instances in service: a rebalance waiting for them terminates what they replace."""
        waiting = bool(g.moving_in)
        for inst in instances:
            g.moving_in.discard(inst.id)
        if waiting and not g.moving_in:
            self._finish_rebalance(g)

    def _status(self, g: Group) -> None:
        g.status_ticking = False
        unhealthy = []
        for iid in sorted(g.suspects):
            inst = g.members.get(iid)
            if inst is None or inst.state in (PENDING, RUNNING):
                g.suspects.discard(iid)
                continue
            if inst.state == TERMINATED or self.sim.now - inst.launched >= g.grace:
                unhealthy.append(inst)
                g.suspects.discard(iid)
        if unhealthy:
            self._replace(g, unhealthy, "failed EC2 status checks")
        if g.suspects:
            g.status_ticking = True
            self.sim.after(figures.STATUS_CHECK_SECONDS, self._status, g)

    def targets_unhealthy(self, tg, instances: list[Instance]) -> None:
        for g in self.groups:
            if g.health_type != "elb" or tg not in g.target_groups:
                continue
            mine = [i for i in instances if i.id in g.members and i.state != TERMINATED
                    and self.sim.now - i.launched >= g.grace]
            if mine:
                self._replace(g, mine, f"unhealthy in target group {tg.address}")

    def _replace(self, g: Group, instances: list[Instance], why: str) -> None:
        zones = sorted({i.az for i in instances})
        self.sim.log("asg.replace", g.address, f"replacing {len(instances)} unhealthy instance"
                     f"{'s' if len(instances) != 1 else ''} in {', '.join(zones)} ({why})", len(instances),
                     ids=[i.id for i in instances], azs=zones)
        self._drop(g, instances)
        self.world.ec2.terminate([i for i in instances if i.state != TERMINATED], "replaced by its Auto Scaling group")
        self.reconcile(g)

    def _drop(self, g: Group, instances: list[Instance]) -> None:
        """Members leave the group: out of its target groups and its counts."""
        for inst in instances:
            self.world.elb.deregister(inst)
            g.members.pop(inst.id, None)
            g.running.discard(inst.id)
            g.leaving.discard(inst.id)

    # --- launching -----------------------------------------------------------------------------------

    def reconcile(self, g: Group) -> None:
        """Launch until the group holds `desired` instances (AZs with the fewest first)."""
        missing = g.desired - len(g.staying())
        if missing > 0:
            self._launch(g, missing, "to restore desired capacity")

    def _launch(self, g: Group, count: int, why: str, zones: list[str] | None = None) -> list[Instance]:
        launched: list[Instance] = []
        refused: dict[str, str] = {}
        counts = Counter(i.az for i in g.live())
        wanted = zones or g.zones
        unavailable = [z for z in wanted if not self.world.can_launch(z)]
        candidates = [z for z in wanted if z not in unavailable]  # the healthy AZs first (facts)
        for _ in range(count):
            usable = [z for z in candidates if z not in refused]
            if not usable:
                break
            az = min(usable, key=lambda z: (counts[z], z))
            try:
                inst = self.world.ec2.launch(g.address, g.id, g.region, az, g.subnets[az][0], g.itype, g.tenancy,
                                             g.pgroup, g.spot)
            except NoCapacity as e:
                refused[az] = str(e)
                continue
            g.members[inst.id] = inst
            counts[az] += 1
            launched.append(inst)
        skipped = f" (skipping {', '.join(unavailable)}: unavailable)" if unavailable else ""
        if launched:
            zones_used = sorted({i.az for i in launched})
            self.sim.log("asg.launch", g.address, f"launching {len(launched)} instance{'s' if len(launched) != 1 else ''}"
                         f" in {', '.join(zones_used)} {why}{skipped}", len(launched), ids=[i.id for i in launched],
                         azs=zones_used)
        if len(launched) < count:
            short = count - len(launched)
            where = sorted(set(refused) | set(unavailable))
            if (short, where) != g.last_failure:  # the same failure again a minute later is not news
                g.last_failure = (short, where)
                down = sorted(z for z in unavailable if not self.world.zone_up(z))
                full = sorted(set(refused) | (set(unavailable) - set(down)))  # out of capacity (EC2 says so)
                why_not = [f"InsufficientInstanceCapacity in {', '.join(full)}"] if full else []
                why_not += [f"{', '.join(down)} {'is' if len(down) == 1 else 'are'} down"] if down else []
                self.sim.log("asg.launch_failed", g.address, f"could not launch {short} instance{'s' if short != 1 else ''}:"
                             f" {'; '.join(why_not) or 'no Availability Zone of its subnets can launch'}; trying "
                             f"again every {figures.ASG_RETRY_SECONDS:.0f}s", short, azs=where)
            if not g.retrying:
                g.retrying = True
                self.sim.after(figures.ASG_RETRY_SECONDS, self._retry, g)
        else:
            g.last_failure = None
        self.world.dirty = True
        return launched

    def _retry(self, g: Group) -> None:
        g.retrying = False
        self.reconcile(g)
        if g.rebalancing:
            self._rebalance(g)

    def set_desired(self, g: Group, desired: int, why: str) -> None:
        desired = max(g.min, min(g.max, desired))
        if desired == g.desired:
            return
        self.sim.log("asg.desired", g.address, f"desired capacity {g.desired} → {desired} ({why})",
                     before=g.desired, after=desired)
        before = g.desired
        g.desired = desired
        if desired > before:
            self.reconcile(g)
        else:
            self._scale_in(g, before - desired)
        self.world.dirty = True

    def _scale_in(self, g: Group, count: int) -> None:
        victims = []
        live = g.live()
        for _ in range(min(count, len(live))):
            counts = Counter(i.az for i in live if i not in victims)
            az = max(counts, key=lambda z: (counts[z], z))
            victim = max((i for i in live if i.az == az and i not in victims), key=lambda i: (i.launched, i.id))
            victims.append(victim)
        self._drop(g, victims)
        self.world.ec2.terminate(victims, "scaled in by its Auto Scaling group")

    # --- zones come back: rebalance ------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        if not up:
            return
        for g in self.groups:
            if az in g.subnets and not g.rebalancing:
                g.rebalancing = True
                self.sim.after(figures.STATUS_CHECK_SECONDS, self._rebalance, g)

    def _rebalance(self, g: Group) -> None:
        live = [i for i in g.live() if self.world.zone_up(i.az)]
        zones = [z for z in g.zones if self.world.can_launch(z)]
        if not zones:
            g.rebalancing = False
            return
        counts = Counter({z: 0 for z in zones})
        counts.update(i.az for i in live if i.az in counts)
        if max(counts.values()) - min(counts.values()) <= 1:
            g.rebalancing = False
            return
        allowed = max(g.max + 1, math.floor(g.max * (1 + figures.REBALANCE_OVERSHOOT)))
        room = allowed - len(g.live())
        low = min(zones, key=lambda z: (counts[z], z))
        high = max(zones, key=lambda z: (counts[z], z))
        move = min((counts[high] - counts[low]) // 2, max(room, 0))
        if move <= 0:
            g.rebalancing = False
            return
        made = self._launch(g, move, f"to rebalance toward {low} (its AZ is back)", zones=[low])
        g.moving_in.update(i.id for i in made)
        g.moving_out += len(made)
        if not made:
            g.rebalancing = False

    def _finish_rebalance(self, g: Group) -> None:
        running_new = g.moving_out
        live = g.live()
        counts = Counter(i.az for i in live)
        victims = [i for i in live if i.id in g.leaving][:running_new]
        running_new -= len(victims)
        for inst in victims:
            counts[inst.az] -= 1
        while running_new > 0 and len(live) - len(victims) > g.desired:
            high = max(counts, key=lambda z: (counts[z], z))
            candidates = [i for i in live if i.az == high and i not in victims]
            if not candidates:
                break
            victim = max(candidates, key=lambda i: (i.launched, i.id))
            victims.append(victim)
            counts[high] -= 1
            running_new -= 1
        g.moving_out = 0
        if victims:
            zones = sorted({i.az for i in victims})
            spot = all(i.id in g.leaving for i in victims)
            why = ("whose replacements are in service (capacity rebalancing)" if spot else "to balance its AZs")
            self.sim.log("asg.rebalance", g.address, f"terminating {len(victims)} instance"
                         f"{'s' if len(victims) != 1 else ''} in {', '.join(zones)} {why}", len(victims),
                         ids=[i.id for i in victims], azs=zones)
            self._drop(g, victims)
            self.world.ec2.terminate(victims, "capacity rebalancing" if spot else "rebalanced across AZs")
        self.sim.after(figures.STATUS_CHECK_SECONDS, self._rebalance, g)

    # --- spot ---------------------------------------------------------------------------------------------

    def spot_notices(self, instances: list[Instance]) -> None:
        """Capacity rebalancing: replacements launch on the notice; the interrupted instances keep
        serving until their replacements are in service (or the interruption comes first)."""
        for g in self.groups:
            mine = [i for i in instances if i.id in g.members]
            if mine and g.capacity_rebalance:
                g.leaving.update(i.id for i in mine)
                made = self._launch(g, len(mine), "ahead of the spot interruption (capacity rebalancing)")
                g.moving_in.update(i.id for i in made)
                g.moving_out += len(made)

    # --- target tracking ----------------------------------------------------------------------------

    def _scaling(self, g: Group) -> None:
        self.sim.after(figures.SCALING_EVALUATION_SECONDS, self._scaling, g)
        if g.backlog_queue is not None and self._backlog_scaling(g):
            return
        if g.target is None:
            return
        serving = g.in_service()
        if not serving or g.target is None:
            cpu = float("inf") if g.demand > 0 else 0.0
        else:
            cpu = g.demand / serving
        if self.sim.now - g.last_scaling < g.cooldown:
            return
        if cpu > g.target * 1.05 and g.desired < g.max:
            wanted = math.ceil(round(g.demand / g.target, 6)) if g.target else g.desired
            if wanted > g.desired:
                g.last_scaling = self.sim.now
                self.set_desired(g, wanted, f"target tracking: CPU {min(cpu, 9.99):.0%} above the target "
                                            f"{g.target:.0%}")
        elif g.scale_in and serving == g.desired and cpu < g.target * 0.8 and g.desired > g.min:
            wanted = max(g.min, math.ceil(round(g.demand / g.target, 6)))
            if wanted < g.desired:
                g.last_scaling = self.sim.now
                self.set_desired(g, wanted, f"target tracking: CPU {cpu:.0%} below the target {g.target:.0%}")

    def _backlog_scaling(self, g: Group) -> bool:
        """Target tracking on the queue's visible messages per instance in service (AWS's
        "scaling based on Amazon SQS"): desired = backlog / target, within min and max. True when
        it acted (or waits out its cooldown)."""
        backlog = self.world.workload.visible(g.backlog_queue)
        if backlog is None:
            return False
        serving = g.in_service()
        per = backlog / serving if serving else (float("inf") if backlog > 0 else 0.0)
        if self.sim.now - g.last_scaling < g.cooldown:
            return True
        target = g.backlog_target
        if per > target * 1.05 and g.desired < g.max:
            wanted = math.ceil(round(backlog / target, 6))
            if wanted > g.desired:
                g.last_scaling = self.sim.now
                shown = (f"{backlog:,.0f} messages in the queue and no instance in service" if not serving else
                         f"{per:,.0f} messages per instance in the queue")
                self.set_desired(g, wanted, f"target tracking: {shown}, above the target {target:g}")
            return True
        if g.backlog_scale_in and serving == g.desired and per < target * 0.8 and g.desired > g.min:
            wanted = max(g.min, math.ceil(round(backlog / target, 6)))
            if wanted < g.desired:
                g.last_scaling = self.sim.now
                self.set_desired(g, wanted, f"target tracking: {per:,.0f} messages per instance in the queue, "
                                            f"below the target {target:g}")
            return True
        return False
