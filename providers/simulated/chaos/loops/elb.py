"""Elastic Load Balancing during a run: target health, nodes, routing (notes §6.2).

Target health. A target group checks its targets every `interval`; a target becomes unhealthy
after `unhealthy_threshold` failed checks in a row and healthy after `healthy_threshold`
passed ones (catalogue defaults 30 s, 2 and 5). The check is aggregated: one event per target
group per interval, and only while some target's real state differs from what the group
believes — a tick visits those targets alone, so ten thousand healthy targets cost nothing.
New targets start `initial` and take no traffic until healthy.

Nodes. A load balancer has a node in each AZ of its subnets; a node dies with its AZ and
leaves the load balancer's DNS answer `LB_NODE_DNS_SECONDS` later — until then the share of
clients sent to it fails.

Routing. With cross-zone load balancing (on by default for ALB, off for NLB and GWLB — notes
§6.2.7, facts) a node spreads requests over the healthy targets of every AZ, otherwise over
those of its own AZ; a node of an NLB whose AZ has no healthy target leaves the DNS answer.
When a group has no healthy target at all the load balancer fails open and sends to all of
them. A request succeeds when it reaches a target that really runs, and while the targets
that run can carry the load (`traffic.py` sets the demand).

The network. When the run knows the design (`World.reach`, from the reachability engine,
stdlib/reach), a target whose health checks the design's security groups, network ACLs or
routes block never passes one, and a target its traffic cannot reach answers no request; a
load balancer whose target groups have no target at all answers nothing (issue 18).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..world import Loop
from .ec2 import RUNNING, Instance

INITIAL, HEALTHY, UNHEALTHY = "initial", "healthy", "unhealthy"


class Target:
    __slots__ = ("inst", "believed", "ok", "bad", "alive", "checked", "served")

    def __init__(self, inst: Instance, believed: str, checked: bool = True, served: bool = True):
        self.inst, self.believed, self.ok, self.bad = inst, believed, 0, 0
        self.checked, self.served = checked, served  # the network lets health checks / requests reach it
        self.alive = self.answering  # the state the group's counts were taken with

    @property
    def answering(self) -> bool:
        """It runs and requests reach it."""
        return self.inst.state == RUNNING and self.served

    @property
    def passing(self) -> bool:
        """It runs and health checks reach it."""
        return self.inst.state == RUNNING and self.checked


class TargetGroup:
    def __init__(self, id: str, address: str, region: str | None, health: dict):
        self.id, self.address, self.region = id, address, region
        self.interval = units.seconds(health.get("interval"), figures.TARGET_INTERVAL_SECONDS)
        self.healthy_threshold = int(health.get("healthy_threshold") or figures.TARGET_HEALTHY_THRESHOLD)
        self.unhealthy_threshold = int(health.get("unhealthy_threshold") or figures.TARGET_UNHEALTHY_THRESHOLD)
        self.cross_zone: bool | None = None
        self.targets: dict[str, Target] = {}
        self.moving: dict[str, Target] = {}  # targets whose real state differs from the believed one
        self.ticking = False
        self.phase = 0.0
        self.registered: dict[str, int] = defaultdict(int)
        self.healthy: dict[str, int] = defaultdict(int)
        self.alive: dict[str, int] = defaultdict(int)
        self.healthy_alive: dict[str, int] = defaultdict(int)
        self.lbs: list["LoadBalancer"] = []

    def account(self, t: Target, sign: int) -> None:
        az = t.inst.az
        alive = t.alive
        self.registered[az] += sign
        if t.believed == HEALTHY:
            self.healthy[az] += sign
            if alive:
                self.healthy_alive[az] += sign
        if alive:
            self.alive[az] += sign

    def capacity(self) -> int:
        return sum(self.healthy_alive.values())


class Node:
    __slots__ = ("az", "down_since", "in_dns")

    def __init__(self, az: str):
        self.az, self.down_since, self.in_dns = az, None, True


class LoadBalancer:
    def __init__(self, rec, nodes: list[Node], groups: list[TargetGroup]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.type = rec.attrs.get("type") or "application"
        cz = rec.attrs.get("cross_zone")
        self.cross_zone = (self.type == "application") if cz is None else bool(cz)
        self.nodes = nodes
        self.groups = groups
        self.demand = 0.0  # in instance-units at full load (traffic.py)
        self.broken = 0
        self.cached = (-1, 1.0)  # (world version, served)

    def node_alive(self, node: Node) -> bool:
        return node.down_since is None and not self.broken

    def served(self) -> float:
        """The fraction of requests answered right now (before overload)."""
        answering = [n for n in self.nodes if n.in_dns] or self.nodes
        if not answering:
            return 0.0
        total = 0.0
        for node in answering:
            if not self.node_alive(node):
                continue
            if not self.groups:
                total += 1.0
                continue
            success = 0.0
            for g in self.groups:
                cross = self.cross_zone if g.cross_zone is None else g.cross_zone
                zones = list(g.registered) if cross else [node.az]
                healthy = sum(g.healthy[z] for z in zones)
                if healthy:
                    success += sum(g.healthy_alive[z] for z in zones) / healthy
                else:  # fail open: every registered target gets traffic
                    registered = sum(g.registered[z] for z in zones)
                    success += (sum(g.alive[z] for z in zones) / registered) if registered else 0.0
            total += success / len(self.groups)
        return total / len(answering)

    def capacity(self) -> int:
        return sum(g.capacity() for g in self.groups)

    def healthy(self) -> bool:
        """What Route 53 sees when an alias evaluates this target's health: a node that answers
        and (when it forwards anywhere) a healthy target behind it."""
        if not any(self.node_alive(n) for n in self.nodes):
            return False
        return not self.groups or any(sum(g.healthy.values()) for g in self.groups)


@provides("failures", "load_balancer", "target_group")
class Elb(Loop):
    name = "elb"

    def __init__(self, world):
        super().__init__(world)
        self.groups: dict[str, TargetGroup] = {}
        self.lbs: list[LoadBalancer] = []
        self.by_id: dict[str, LoadBalancer] = {}
        self.by_instance: dict[str, list[TargetGroup]] = defaultdict(list)
        self.unhealthy_watchers: list = []
        self.healthy_watchers: list = []
        self.reported: set = set()  # (target group, target) pairs the network keeps unreachable, logged once

    # --- loading -----------------------------------------------------------------------------------

    def load(self):
        w = self.world
        w.ec2.watch(self.instances_changed)
        for rec in w.of_kind("target_group"):
            tg = self._group(rec.id, rec.address, rec.region, rec.attrs.get("health_check") or {})
            tg.cross_zone = rec.attrs.get("cross_zone")
            for iid in rec.attrs.get("targets") or []:
                inst = w.ec2.instances.get(iid)
                if inst is not None:
                    self.register(inst, [tg], HEALTHY if inst.alive else UNHEALTHY)
        for rec in w.of_kind("load_balancer"):
            groups = []
            for listener in rec.attrs.get("listener") or []:
                for holder in [listener, *(listener.get("rule") or [])]:
                    value = holder.get("forward")
                    for target in value if isinstance(value, list) else [value] if value else []:
                        groups.append(self._forward(target))
            groups = [g for i, g in enumerate(groups) if g is not None and g not in groups[:i]]
            nodes = [Node(n.az) for n in sorted(w.owned.get(rec.id, []), key=lambda n: n.az or "")
                     if n.kind == "load_balancer_node"]
            lb = LoadBalancer(rec, nodes, groups)
            for g in groups:
                g.lbs.append(lb)
            self.lbs.append(lb)
            self.by_id[lb.id] = lb

    def _group(self, id, address, region, health) -> TargetGroup:
        tg = self.groups.get(id)
        if tg is None:
            tg = self.groups[id] = TargetGroup(id, address, region, health)
            tg.phase = round(self.sim.rng(f"tg-phase/{id}").uniform(0, tg.interval), 1)
        return tg

    def _forward(self, target: str) -> TargetGroup | None:
        rec = self.world.records.get(target)
        if rec is None:
            return None
        if rec.kind == "target_group":
            return self.groups.get(rec.id)
        if rec.kind == "autoscaling_group":  # forward = a group: its implicit target group
            return self._group(f"{rec.id}#targets", rec.address, rec.region, {})
        return None

    def served(self, lb: LoadBalancer) -> float:
        """The fraction of the load balancer's requests answered now, overload included. Kept
        until something changes (`World.version`): Route 53's probes read it often."""
        w = self.world
        if not w.dirty and lb.cached[0] == w.version:
            return lb.cached[1]
        value = lb.served() * _carried(lb)
        if not w.dirty:
            lb.cached = (w.version, value)
        return value

    def answered(self, lb: LoadBalancer) -> float:
        """The service's view: the share of the requests sent to it that were answered (none
        sent — a standby nobody routes to — is nothing failed; a design whose target groups
        hold no target at all answers nothing)."""
        reach = self.world.reach
        if reach is not None and lb.groups and all(g.address in reach.empty for g in lb.groups):
            return 0.0
        if lb.groups and lb.demand <= 0:
            return 1.0 if any(lb.node_alive(n) for n in lb.nodes) else 0.0
        return self.served(lb)

    def implicit_group(self, asg_id: str) -> TargetGroup | None:
        return self.groups.get(f"{asg_id}#targets")

    def services(self) -> Iterable[Service]:
        for lb in self.lbs:
            nominal = float(lb.capacity()) if lb.groups else float(len(lb.nodes))
            yield Service(lb.address, "load_balancer", lb.region, "requests answered",
                          "healthy targets" if lb.groups else "nodes", nominal,
                          lambda lb=lb: (self.answered(lb), float(lb.capacity()) if lb.groups else
                                         float(sum(1 for n in lb.nodes if lb.node_alive(n)))))

    # --- registration and health ---------------------------------------------------------------

    def register(self, inst: Instance, groups: list[TargetGroup], believed: str = INITIAL) -> None:
        reach = self.world.reach
        for g in groups:
            if inst.id in g.targets:
                continue
            pair = (g.address, inst.address)
            checked = reach is None or pair not in reach.health
            served = reach is None or pair not in reach.traffic
            t = Target(inst, believed if checked or believed != HEALTHY else UNHEALTHY, checked, served)
            if not checked and pair not in self.reported:
                self.reported.add(pair)
                self.sim.log("target.unreachable", g.address, f"health checks cannot reach '{inst.address}': "
                                                              f"{reach.health[pair]}")
            elif not served and pair not in self.reported:
                self.reported.add(pair)
                self.sim.log("target.unserved", g.address, f"'{inst.address}' passes its health checks but its "
                                                           f"requests fail: {reach.traffic[pair]}")
            g.targets[inst.id] = t
            g.account(t, +1)
            self.by_instance[inst.id].append(g)
            self._maybe_moving(g, t)
        self.world.dirty = True

    def deregister(self, inst: Instance) -> None:
        """A target leaves its groups (its instance terminated): with cross-zone off, a node whose
        AZ has no healthy target left leaves the DNS answer, as after failed health checks."""
        for g in self.by_instance.pop(inst.id, []):
            t = g.targets.pop(inst.id, None)
            if t is not None:
                g.account(t, -1)
                g.moving.pop(inst.id, None)
                for lb in g.lbs:
                    self.refresh_dns(lb)
        self.world.dirty = True

    def instances_changed(self, batch: list[Instance]) -> None:
        """Watcher of ec2: an instance started or stopped; its targets' counts move at once (what
        really runs), what the groups believe moves at their next checks."""
        for inst in batch:
            for g in self.by_instance.get(inst.id, ()):
                t = g.targets[inst.id]
                alive = t.answering
                if alive != t.alive:
                    g.account(t, -1)
                    t.alive = alive
                    g.account(t, +1)
                self._maybe_moving(g, t)

    def _maybe_moving(self, g: TargetGroup, t: Target) -> None:
        alive = t.passing
        if (t.believed == HEALTHY) != alive or (t.believed == INITIAL and not alive):
            t.ok = t.bad = 0
            g.moving[t.inst.id] = t
            if not g.ticking:
                g.ticking = True
                now = self.sim.now
                k = int((now - g.phase) // g.interval) + 1
                self.sim.at(g.phase + k * g.interval, self._tick, g)
        else:
            g.moving.pop(t.inst.id, None)

    def _tick(self, g: TargetGroup) -> None:
        went_healthy, went_unhealthy = [], []
        for iid, t in list(g.moving.items()):
            alive = t.passing
            if alive:
                t.ok, t.bad = t.ok + 1, 0
                if t.ok >= g.healthy_threshold:
                    g.account(t, -1)
                    t.believed = HEALTHY
                    g.account(t, +1)
                    went_healthy.append(t.inst)
                    del g.moving[iid]
            else:
                t.bad, t.ok = t.bad + 1, 0
                if t.bad >= g.unhealthy_threshold and t.believed != UNHEALTHY:
                    g.account(t, -1)
                    t.believed = UNHEALTHY
                    g.account(t, +1)
                    went_unhealthy.append(t.inst)
                if t.believed == UNHEALTHY:
                    del g.moving[iid]
        if went_unhealthy:
            self._log(g, went_unhealthy, "target.unhealthy",
                      f"failed {g.unhealthy_threshold} health checks in a row ({g.interval:g}s apart)")
        if went_healthy:
            self._log(g, went_healthy, "target.healthy",
                      f"passed {g.healthy_threshold} health checks in a row ({g.interval:g}s apart)")
        if went_healthy or went_unhealthy:
            self.world.dirty = True
            for lb in g.lbs:
                self.refresh_dns(lb)
            for fn in self.unhealthy_watchers:
                if went_unhealthy:
                    fn(g, went_unhealthy)
            for fn in self.healthy_watchers:
                if went_healthy:
                    fn(g, went_healthy)
        if g.moving:
            self.sim.after(g.interval, self._tick, g)
        else:
            g.ticking = False

    def _log(self, g: TargetGroup, instances: list[Instance], event: str, why: str) -> None:
        zones = sorted({i.az for i in instances})
        n = len(instances)
        self.sim.log(event, g.address, f"{n} target{'s' if n != 1 else ''} in {', '.join(zones)} {why}", n,
                     ids=[i.id for i in instances], azs=zones)

    # --- nodes ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for lb in self.lbs:
            for node in lb.nodes:
                if node.az != az:
                    continue
                if not up and node.down_since is None:
                    node.down_since = self.sim.now
                    self.sim.log("lb.node_down", lb.address, f"its node in {az} is down with the AZ", azs=[az])
                    self.sim.after(figures.LB_NODE_DNS_SECONDS, self._drop_node, lb, node, node.down_since)
                elif up and node.down_since is not None:
                    node.down_since = None
                    node.in_dns = True
                    self.sim.log("lb.node_up", lb.address, f"its node in {az} answers again", azs=[az])
            self.refresh_dns(lb)
        self.world.dirty = True

    def _drop_node(self, lb: LoadBalancer, node: Node, since: float) -> None:
        if node.down_since == since and node.in_dns:
            node.in_dns = False
            self.sim.log("lb.node_out_of_dns", lb.address, f"its node in {node.az} left the DNS answer",
                         azs=[node.az])
            self.world.dirty = True

    def refresh_dns(self, lb: LoadBalancer) -> None:
        """Cross-zone off: a node with no healthy target in its AZ leaves the answer (after the
        same delay as a dead node); it returns when one is healthy again."""
        if lb.cross_zone:
            return
        for node in lb.nodes:
            if node.down_since is not None:
                continue
            any_healthy = not lb.groups or any(g.healthy[node.az] for g in lb.groups)
            if any_healthy and not node.in_dns:
                node.in_dns = True
                self.world.dirty = True
            elif not any_healthy and node.in_dns:
                self.sim.after(figures.LB_NODE_DNS_SECONDS, self._drop_empty, lb, node)

    def _drop_empty(self, lb: LoadBalancer, node: Node) -> None:
        if node.in_dns and node.down_since is None and lb.groups and not any(g.healthy[node.az] for g in lb.groups):
            node.in_dns = False
            self.sim.log("lb.node_out_of_dns", lb.address, f"its node in {node.az} has no healthy target "
                                                         "(cross-zone load balancing is off)", azs=[node.az])
            self.world.dirty = True

    def fail_part(self, rec, part, up) -> bool:
        if rec.kind != "load_balancer":
            return False
        lb = self.by_id.get(rec.id)
        if lb is not None:
            lb.broken += -1 if up else 1
        self.world.dirty = True
        return True


def _carried(lb: LoadBalancer) -> float:
    """The share of the demand the running, healthy targets can carry."""
    if not lb.groups or lb.demand <= 0:
        return 1.0
    return min(1.0, lb.capacity() / lb.demand)
