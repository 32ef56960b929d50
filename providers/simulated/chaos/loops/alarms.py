"""CloudWatch alarms during a run (notes §21.1.5): each alarm samples its metric once a period
from what the run models, and goes OK → ALARM when `datapoints_to_alarm` of its last
`evaluation_periods` datapoints breach the threshold (back to OK when a full window does not).

The metrics the run models (a datapoint is the value at the end of the period):
- `AWS/EC2 CPUUtilization` with `AutoScalingGroupName`: the group's load over its instances in
  service (`traffic.py`), as a percentage;
- `AWS/SQS ApproximateNumberOfMessagesVisible` with `QueueName`: the queue's visible messages
  (a workload's queue);
- `AWS/EC2 StatusCheckFailed_System` on `instance`: 1 while the instance's host or AZ is down.
Any other metric has no data: the alarm treats it as its `missing_data` says (INSUFFICIENT_DATA
unless told otherwise).

A composite alarm (`composite_alarm`) has no metric: each time one of its member alarms changes
state, its rule is evaluated over the members' states (`stdlib/alarm_rule.py`) and it goes to
ALARM when the rule holds, OK when it does not — so two noisy alarms can page once, when both
fire. A composite that is itself a member passes its change on. It notifies its topics as a
metric alarm does (its `alarm_actions` on ALARM, `ok_actions` on OK).

On entering ALARM the alarm acts: `scale` runs the group's step or simple scaling policy (its
adjustment, within min and max, once per the group's cooldown), each SNS topic of
`alarm_actions` (and `ok_actions` on OK) is notified (a timeline entry). EC2 actions are logged
as requested; the run does not move an instance to other hardware. Route 53 health checks of
type cloudwatch_alarm on the alarm follow its state (`route53.alarm_changed`).
"""

from __future__ import annotations

import math
from collections import deque

from archform.stdlib import alarm_rule
from archform.stdlib.facets import provides

from .. import units
from ..world import Loop

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
_BREACH = {">=": lambda v, t: v >= t, ">": lambda v, t: v > t, "<": lambda v, t: v < t, "<=": lambda v, t: v <= t}


class Alarm:
    def __init__(self, rec):
        a = rec.attrs
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        self.namespace = a.get("namespace") or ("AWS/EC2" if a.get("instance") else None)
        self.metric = a.get("metric")
        self.dimensions = a.get("dimensions") or {}
        self.period = max(10.0, units.seconds(a.get("period"), 60.0))
        self.periods = int(a.get("evaluation_periods") or 1)
        self.needed = int(a.get("datapoints_to_alarm") or self.periods)
        self.threshold = float(a.get("threshold") or 0)
        self.breaches = _BREACH[a.get("comparison") or ">="]
        self.missing = a.get("missing_data") or "missing"
        self.window: deque = deque(maxlen=self.periods)
        self.state = INSUFFICIENT
        self.source = None  # a function giving the metric's current value, or None (no data)


class Composite:
    def __init__(self, rec, members: dict):
        self.id, self.address, self.region, self.rec = rec.id, rec.address, rec.region, rec
        self.members = members  # the name the rule uses → the member's id
        self.tree = None
        try:
            self.tree = alarm_rule.parse(rec.attrs.get("rule") or alarm_rule.any_of(list(members)))
        except alarm_rule.RuleError:  # validate and the modeled API refuse such a rule
            pass
        self.state = INSUFFICIENT


@provides("failures", "cloudwatch_alarm", "composite_alarm")
class Alarms(Loop):
    name = "alarms"

    def __init__(self, world):
        super().__init__(world)
        self.alarms: list[Alarm] = []
        self.composites: list[Composite] = []
        self.states: dict[str, str] = {}  # alarm id → its state now

    def load(self):
        for rec in self.world.of_kind("cloudwatch_alarm"):
            self.alarms.append(Alarm(rec))
        for rec in self.world.of_kind("composite_alarm"):
            members = {}
            for member in rec.attrs.get("alarms") or []:
                m = self.world.records.get(member)
                members[self.world.address_of(member).rsplit(".", 1)[-1]] = member
                if m is not None and m.name:
                    members[m.name] = member
            self.composites.append(Composite(rec, members))

    def start(self):
        for alarm in self.alarms:
            alarm.source = self._source(alarm)
            self.sim.after(alarm.period, self._evaluate, alarm)

    # --- metrics ---------------------------------------------------------------------------------

    def _source(self, alarm: Alarm):
        w, dims = self.world, alarm.dimensions
        if alarm.namespace == "AWS/EC2" and alarm.metric == "CPUUtilization" and "AutoScalingGroupName" in dims:
            group = next((g for g in w.asg.groups if dims["AutoScalingGroupName"] in (g.id, g.rec.name)), None)
            if group is not None:
                return lambda g=group: 100.0 * min(1.0, g.demand / g.in_service()) if g.in_service() else \
                    (100.0 if g.demand > 0 else 0.0)
        if alarm.namespace == "AWS/SQS" and alarm.metric == "ApproximateNumberOfMessagesVisible":
            queue = next((q for q in w.of_kind("sqs_queue")
                          if dims.get("QueueName") in (q.name, (q.outputs or {}).get("name"))), None)
            if queue is not None:
                return lambda q=queue.id: w.workload.visible(q)
        instance = alarm.rec.attrs.get("instance")
        if alarm.metric == "StatusCheckFailed_System" and instance in w.ec2.instances:
            inst = w.ec2.instances[instance]
            return lambda i=inst: 0.0 if (i.host is None or not i.host.down) and w.zone_up(i.az) else 1.0
        return None

    # --- evaluation ------------------------------------------------------------------------------

    def _evaluate(self, alarm: Alarm) -> None:
        self.sim.after(alarm.period, self._evaluate, alarm)
        value = alarm.source() if alarm.source is not None else None
        alarm.window.append(value)
        state, why = self._state(alarm)
        if state == alarm.state:
            return
        before, alarm.state = alarm.state, state
        self.sim.log("alarm.state", alarm.address, f"{before} → {state}: {why}", before=before, after=state)
        self.world.route53.alarm_changed(alarm.rec.id, alarm.region, state)
        self._members_changed(alarm.id, state)
        attrs = alarm.rec.attrs
        if state == ALARM:
            self._notify(alarm, attrs.get("alarm_actions"))
            self._scale(alarm)
            if attrs.get("ec2_action"):
                self.sim.log("alarm.action", alarm.address, f"EC2 {attrs['ec2_action']} of "
                             f"{self.world.address_of(attrs.get('instance'))} requested")
        elif state == OK:
            self._notify(alarm, attrs.get("ok_actions"))

    def _state(self, alarm: Alarm) -> tuple[str, str]:
        points = list(alarm.window)
        shown = f"{alarm.metric} {alarm.rec.attrs.get('comparison') or '>='} {alarm.threshold:g}"
        if all(p is None for p in points) and alarm.missing == "missing":
            return INSUFFICIENT, f"no datapoints of {alarm.metric}"
        breaching = 0
        for p in points:
            if p is None:
                breaching += alarm.missing == "breaching"
            else:
                breaching += alarm.breaches(p, alarm.threshold)
        if all(p is None for p in points) and breaching < alarm.needed:
            return OK, f"no datapoints of {alarm.metric}, treated as not breaching ({alarm.missing})"
        if breaching >= alarm.needed:
            last = next((p for p in reversed(points) if p is not None), None)
            value = f" (last {last:,.4g})" if last is not None else ""
            return ALARM, f"{shown} for {breaching} of the last {len(points)} periods{value}"
        if len(points) < alarm.periods and alarm.state == INSUFFICIENT:
            return INSUFFICIENT, "fewer datapoints than evaluation periods"
        return OK, f"{shown} not met in {len(points) - breaching} of the last {len(points)} periods"

    def _members_changed(self, member: str, state: str) -> None:
        """Re-evaluate the composite alarms `member` belongs to (and theirs, in turn)."""
        self.states[member] = state
        for c in self.composites:
            if c.tree is None or member not in c.members.values():
                continue
            states = {name: self.states.get(mid, INSUFFICIENT) for name, mid in c.members.items()}
            wanted = ALARM if alarm_rule.holds(c.tree, states) else OK
            if wanted == c.state:
                continue
            before, c.state = c.state, wanted
            shown = ", ".join(f"{n} {states[n]}" for n in alarm_rule.names(c.tree) if n in states)
            rule = c.rec.attrs.get("rule") or alarm_rule.any_of(list(c.members))
            self.sim.log("alarm.state", c.address, f"{before} → {wanted}: rule {rule} "
                         f"{'holds' if wanted == ALARM else 'does not hold'} ({shown})", before=before, after=wanted)
            self.world.route53.alarm_changed(c.rec.id, c.region, wanted)
            self._notify(c, c.rec.attrs.get("alarm_actions" if wanted == ALARM else "ok_actions"))
            self._members_changed(c.id, wanted)

    # --- actions ---------------------------------------------------------------------------------

    def _notify(self, alarm: Alarm | Composite, topics) -> None:
        for topic in topics or []:
            self.sim.log("alarm.notify", alarm.address, f"{alarm.state}: notified {self.world.address_of(topic)}")

    def _scale(self, alarm: Alarm) -> None:
        scale = alarm.rec.attrs.get("scale")
        if not scale:
            return
        group = self.world.asg.by_id.get(scale.get("group"))
        if group is None:
            return
        policy = next((p for p in group.rec.attrs.get("scaling_policy") or [] if p.get("name") == scale.get("policy")),
                      None)
        if policy is None:
            return
        if self.sim.now - group.last_scaling < group.cooldown:
            self.sim.log("alarm.action", alarm.address, f"scaling policy {policy['name']} waits out the group's "
                         f"cooldown ({group.cooldown:g} s)")
            return
        wanted = _adjusted(group.desired, policy)
        group.last_scaling = self.sim.now
        self.world.asg.set_desired(group, wanted, f"alarm {alarm.address}: {policy.get('type', 'step')} scaling "
                                                  f"policy {policy['name']}")


def _adjusted(desired: int, policy: dict) -> int:
    """The capacity a step or simple policy asks for (AWS's adjustment types)."""
    adjustment = int(policy.get("adjustment") or 0)
    kind = policy.get("adjustment_type") or "change_in_capacity"
    if kind == "exact_capacity":
        return adjustment
    if kind == "percent_change_in_capacity":
        change = desired * adjustment / 100
        return desired + (math.ceil(change) if change > 0 else math.floor(change) if change < 0 else 0)
    return desired + adjustment
