"""Auto Scaling groups: launch settings or a launch template, subnets over AZs, health checks,
scaling policies (target tracking, step, simple, scheduled, predictive), instance refresh, capacity
rebalancing and warm pools (notes §9.3, §9.4)."""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import Field, field_validator

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds.compute import LaunchSettings, launch_issues, placement_vpc_issues
from archform.stdlib.kinds.network import az_of, elsewhere, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Duration, Enum, Int, IntRange, Number, Percent, Ref, Str, Tags, Validated,
                                   block_flag, dur, fail, pct, validator_of)


class LaunchBlock(Block, LaunchSettings):
    """`launch { ... }` inside an ASG: launch settings written in place."""


METRICS = ("cpu", "request_count", "network_in", "network_out", "queue_backlog")


def _metric(x):
    """A predefined metric written bare (`cpu`), or a custom CloudWatch metric name in quotes."""
    if isinstance(x, v.Word):
        if x.text in METRICS:
            return x.text
        raise fail(f"'{x.text}' is not a predefined metric: expected one of {', '.join(METRICS)}",
                   did_you_mean(x.text, METRICS) or "quote the name of a custom CloudWatch metric")
    if isinstance(x, (str, v.Unknown, v.Interpolated)):
        return x
    raise fail(f"expected a metric (cpu, request_count, network_in, network_out, queue_backlog or a quoted custom "
               "name), "
               f"got {v.type_name(x)}")


def _level(x):
    """A metric level: a percentage, a plain number, or a size (bytes for network metrics)."""
    if isinstance(x, (v.Percent, v.Size, v.Unknown)):
        if isinstance(x, v.Percent) and not 0 <= x.value <= 100:
            raise fail(f"a percentage must be between 0% and 100%, got {x}")
        return x
    return validator_of(Number)(x)


Metric = Validated(_metric)
Level = Validated(_level)

POLICY_TYPES = ("target_tracking", "step", "simple", "scheduled", "predictive")


class ScalingPolicy(Block):
    """`scaling_policy NAME { ... }` (notes §6.4.2): target tracking keeps a metric at `target`;
    step and simple scaling add `adjustment` when the metric passes `threshold`; scheduled sets
    capacities on a `schedule`; predictive forecasts load for a metric and target."""

    name: Str
    type: Enum(*POLICY_TYPES, what="scaling policy type") = "target_tracking"
    metric: Metric | None = None
    target: Level | None = None
    threshold: Level | None = None
    adjustment: Int | None = None
    adjustment_type: Enum("change_in_capacity", "exact_capacity", "percent_change_in_capacity",
                          what="adjustment type") = "change_in_capacity"
    cooldown: Duration | None = None
    warmup: Duration | None = None
    disable_scale_in: Bool = False
    schedule: Str | None = None  # cron expression, e.g. "0 9 * * MON-FRI"
    min: IntRange(0, what="min") | None = None
    max: IntRange(0, what="max") | None = None
    desired: IntRange(0, what="desired") | None = None
    # queue_backlog: the queue whose visible messages per instance in service are tracked (AWS's
    # "scaling based on Amazon SQS": CloudWatch metric math over the queue and the group)
    queue: Ref["sqs_queue"] | None = None
    # a custom metric's dimensions (`metric = "Shop/Orders"`, `dimensions = { Stage = "prod" }`)
    dimensions: dict[str, Str] = Field(default_factory=dict)

    def needs(self) -> tuple[str, ...]:
        """The attributes this policy's type requires."""
        return {"target_tracking": ("metric", "target"), "predictive": ("metric", "target"),
                "step": ("metric", "threshold", "adjustment"), "simple": ("metric", "threshold", "adjustment"),
                "scheduled": ("schedule",)}.get(self.type, ())


class InstanceRefresh(Block):
    """Rolling replacement of instances when the launch settings change."""

    min_healthy: Percent = pct(90)
    warmup: Duration | None = None
    skip_matching: Bool = False


class AutoscalingGroup(Kind):
    """Keeps between `min` and `max` instances running across its subnets' AZs, replacing
    unhealthy ones and scaling on policies (notes §6.4). Default cooldown 300 s (§6.4.3)."""

    kind: Literal["autoscaling_group"] = "autoscaling_group"
    noun: ClassVar[str] = "Auto Scaling group"
    title: ClassVar[str] = "Auto Scaling group"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}

    subnets: list[Ref["subnet"]]
    min: IntRange(0, what="min")
    max: IntRange(0, what="max")
    desired: IntRange(0, what="desired") | None = None  # None: starts at min
    launch_template: Ref["launch_template"] | None = None
    launch: LaunchBlock | None = None
    health_check_type: Enum("ec2", "elb", what="health check type") = "ec2"
    health_check_grace_period: Duration = dur("300s")
    cooldown: Duration = dur("300s")
    target_groups: list[Ref["target_group"]] = Field(default_factory=list)
    placement_group: Ref["placement_group"] | None = None
    scaling_policy: list[ScalingPolicy] = Field(default_factory=list)
    capacity_rebalance: Bool = False
    instance_refresh: InstanceRefresh | None = None
    tags: Tags = Field(default_factory=dict)

    @field_validator("instance_refresh", mode="before")
    @classmethod
    def _refresh_flag(cls, x):
        """`instance_refresh = true` means the default refresh settings."""
        return block_flag(x)

    def launch_settings(self, graph: Graph) -> LaunchSettings | None:
        """The settings instances launch with: the launch block, or the template's."""
        if self.launch is not None:
            return self.launch
        template = deref(graph, self.launch_template)
        return template.model if template is not None else None

    def effective_placement_group(self, graph: Graph):
        if self.placement_group is not None:
            return self.placement_group
        settings = self.launch_settings(graph)
        return settings.placement_group if settings is not None else None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._capacity_issues()
        yield from self._launch_issues(me, graph)
        yield from self._subnet_issues(me, graph)
        balanced = self.behind_load_balancer(me, graph)
        yield from self._policy_issues(balanced)
        if self.health_check_type == "elb" and not balanced:
            yield Issue("health_check_type = elb needs the group behind a load balancer", ("health_check_type",),
                        help="add target_groups = [...] (or forward a listener to this group), or use "
                             "health_check_type = ec2")

    def behind_load_balancer(self, me: View, graph: Graph) -> bool:
        """Attached through target_groups, or named by a load balancer or target group."""
        return bool(self.target_groups) or any(r.kind in ("load_balancer", "target_group")
                                               for r in graph.referrers(me.address))

    def _capacity_issues(self) -> Iterable[Issue]:
        """min ≤ desired ≤ max, naming the first pair that breaks it (desired defaults to min)."""
        values = {"min": self.min, "desired": self.desired, "max": self.max}
        for low, high, path in (("min", "max", "max"), ("min", "desired", "desired"), ("desired", "max", "desired")):
            a, b = values[low], values[high]
            if isinstance(a, int) and isinstance(b, int) and a > b:
                yield Issue(f"an Auto Scaling group needs min ≤ desired ≤ max; {low} = {a} is greater than {high} = {b}",
                            (path,), help="the group keeps between min and max instances, starting at desired (notes §6.4.1)")
                return

    def _launch_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if (self.launch is None) == (self.launch_template is None):
            yield Issue("an Auto Scaling group launches from launch_template = <template> or a launch { ... } "
                        "block; write exactly one", ("launch",) if self.launch is not None else (),
                        help="launch { ami = \"ami-…\", instance_type = m5.large }")
            return
        if self.launch is not None:
            yield from launch_issues(self.launch, me, graph, ("launch",))
            yield from placement_vpc_issues(graph, self.launch.security_groups, self.subnets, me,
                                            ("launch", "security_groups"))
            return
        template = deref(graph, self.launch_template)
        if template is None:
            return
        if elsewhere(me, template):  # reported by the same-region rule
            return
        for issue in placement_vpc_issues(graph, template.model.security_groups, self.subnets, me,
                                          ("security_groups",)):
            yield Issue(f"launch template '{template.address}': {issue.message}", ("launch_template",),
                        help=issue.help, severity=issue.severity,
                        related=(Related(template.address, issue.path, "chosen in the launch template"), *issue.related))

    def _subnet_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("an Auto Scaling group needs at least one subnet", ("subnets",))
            return
        vpcs: dict[str, str] = {}
        for i, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is None:
                continue
            if elsewhere(me, subnet):  # reported by the same-region rule
                continue
            vpc = vpc_of(graph, subnet)
            if vpc and vpcs and vpc not in vpcs:
                yield Issue(f"the subnets of an Auto Scaling group must share one VPC: '{subnet.address}' is in "
                            f"'{vpc}', '{next(iter(vpcs.values()))}' in '{next(iter(vpcs))}'", ("subnets", i))
            vpcs.setdefault(vpc, subnet.address)
        for i, ref in enumerate(self.target_groups):
            group = deref(graph, ref)
            theirs = group.get("vpc") if group is not None else None
            if isinstance(theirs, v.ResourceRef) and vpcs and theirs.address not in vpcs:
                yield Issue(f"target group '{group.address}' is in VPC '{theirs.address}', but this group's subnets "
                            f"are in '{next(iter(vpcs))}'", ("target_groups", i),
                            related=(Related(group.address, ("vpc",), "the target group's VPC"),))
        yield from self._address_issues(graph)
        zones = {az_of(graph, deref(graph, r)) for r in self.subnets}
        group = deref(graph, self.effective_placement_group(graph))
        if len(zones) == 1 and None not in zones and (group is None or group.get("strategy") != "cluster"):
            yield Issue(f"all subnets of this Auto Scaling group are in {next(iter(zones))}: it does not survive the "
                        "loss of that AZ", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")

    def _address_issues(self, graph: Graph) -> Iterable[Issue]:
        """Every instance needs a private IP of its subnets; AWS reserves 5 per subnet (notes §24.2.3)."""
        blocks = [deref(graph, r) for r in self.subnets]
        nets = [s.get("cidr").network for s in blocks if s is not None and isinstance(s.get("cidr"), v.Cidr)]
        if len(nets) != len(self.subnets) or not isinstance(self.max, int) or any(n.version != 4 for n in nets):
            return
        usable = sum(max(n.num_addresses - 5, 0) for n in nets)
        if self.max > usable:
            yield Issue(f"max = {self.max} instances do not fit in this group's subnets: they have {usable} usable "
                        "addresses (AWS reserves 5 per subnet)", ("max",),
                        help="use larger subnets, or add subnets")

    def _policy_issues(self, balanced: bool) -> Iterable[Issue]:
        seen: dict = {}
        for i, policy in enumerate(self.scaling_policy):
            path = ("scaling_policy", i)
            if policy.name in seen:
                yield Issue(f"two scaling policies are called '{policy.name}'", path)
            seen.setdefault(policy.name, i)
            missing = [f for f in policy.needs() if getattr(policy, f) is None]
            if missing:
                yield Issue(f"a {policy.type.replace('_', ' ')} scaling policy needs {' and '.join(missing)}", path,
                            help=_POLICY_EXAMPLES[policy.type])
            if policy.metric == "cpu":
                for field in ("target", "threshold"):
                    level = getattr(policy, field)
                    if level is not None and not isinstance(level, (v.Percent, v.Unknown)):
                        yield Issue(f"CPU utilisation is a percentage: write {field} = {level}%", (*path, field))
            yield from _backlog_issues(policy, path)
            if policy.metric == "request_count" and not balanced:
                yield Issue("request_count (requests per target) needs the group behind a load balancer",
                            (*path, "metric"), help="add target_groups = [...], or forward a listener to this group")
            if policy.type == "scheduled":
                low, high = policy.min, policy.max
                if isinstance(low, int) and isinstance(high, int) and low > high:
                    yield Issue(f"scheduled min = {low} is greater than max = {high}", (*path, "min"))
                elif policy.schedule is not None and (low, high, policy.desired) == (None, None, None):
                    yield Issue("a scheduled action sets at least one of min, max or desired", path)


def _backlog_issues(policy: ScalingPolicy, path: tuple) -> Iterable[Issue]:
    """queue_backlog reads a queue; a queue is only for it; dimensions only for custom metrics."""
    if policy.metric == "queue_backlog":
        if policy.queue is None:
            yield Issue("queue_backlog tracks the messages of a queue per instance: name it with queue = <sqs_queue>",
                        (*path, "metric"), help="scaling_policy backlog { metric = queue_backlog, queue = jobs, "
                                                "target = 100 }")
        if policy.type not in ("target_tracking", "step", "simple"):
            yield Issue(f"a {policy.type} policy cannot track queue_backlog", (*path, "type"))
        for field in ("target", "threshold"):
            level = getattr(policy, field)
            if isinstance(level, (v.Percent, v.Size)):
                yield Issue(f"queue_backlog counts messages per instance: write {field} as a number, e.g. 100",
                            (*path, field))
    elif policy.queue is not None:
        yield Issue("queue is for metric = queue_backlog", (*path, "queue"))
    if policy.dimensions and (policy.metric in METRICS or policy.metric is None):
        yield Issue(f"dimensions are for custom metrics; {policy.metric} has its own", (*path, "dimensions"))


_POLICY_EXAMPLES = {
    "target_tracking": "e.g. scaling_policy cpu { metric = cpu, target = 40% }",
    "predictive": "e.g. scaling_policy forecast { type = predictive, metric = cpu, target = 40% }",
    "step": "e.g. scaling_policy burst { type = step, metric = cpu, threshold = 70%, adjustment = 2 }",
    "simple": "e.g. scaling_policy burst { type = simple, metric = cpu, threshold = 70%, adjustment = 2 }",
    "scheduled": "e.g. scaling_policy open { type = scheduled, schedule = \"0 9 * * MON-FRI\", desired = 10 }",
}
