"""ECS services (notes §15.2): `desired` tasks of a task definition kept running on a cluster —
Fargate, EC2 or a capacity provider strategy — behind target groups (an `ip` target group for
awsvpc tasks), rolled out with a circuit breaker, scaled by Application Auto Scaling (§15.2.3)."""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds._ecs_limits import LOAD_BALANCERS_PER_SERVICE, TASKS_PER_SERVICE, rebalances
from archform.stdlib.kinds.ecs import FARGATE_PROVIDERS, StrategyItem, _NAME, _percent, strategy_issues
from archform.stdlib.kinds.ecs_tasks import EcsTaskDefinition
from archform.stdlib.kinds.network import az_of, elsewhere, groups_outside, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Duration, DurationRange, Enum, Int, IntRange, OneOf, Percent, Port, Ref, Str, \
    Tags, dur, pct


class ServiceLoadBalancer(Block):
    """`load_balancer { target_group = app, container = "web", port = 8080 }`: the service
    registers its tasks' `container:port` with the target group."""

    target_group: Ref["target_group"]
    container: Str
    port: Port


class Deployment(Block):
    """`deployment { min_healthy = 100%, max_percent = 200% }`: how a new task definition rolls
    out; the circuit breaker stops a deployment whose tasks keep failing and rolls it back."""

    min_healthy: Percent = pct(100)
    max_percent: Percent = pct(200)
    circuit_breaker: Bool = True  # safe default (AWS: off)
    rollback: Bool = True


METRICS = ("cpu", "memory", "request_count", "queue_backlog")


class ServiceScalingPolicy(Block):
    """`scaling_policy NAME { metric = request_count, target = 1000 }` (notes §15.2.3): target
    tracking on CPU, memory or ALB requests per target, or on a queue's visible messages per
    running task (`metric = queue_backlog, queue = jobs`: ECS tasks working an SQS queue, notes
    §15.2.4); step scaling adds `adjustment` tasks past a `threshold`; scheduled sets min/max on
    a `schedule`."""

    name: Str
    type: Enum("target_tracking", "step", "scheduled", what="scaling policy type") = "target_tracking"
    metric: Enum(*METRICS, what="ECS service metric") | None = None
    target: OneOf(Percent, Int, what="a percentage or a number") | None = None
    threshold: OneOf(Percent, Int, what="a percentage or a number") | None = None
    adjustment: Int | None = None
    queue: Ref["sqs_queue"] | None = None  # queue_backlog: the queue whose messages per task are tracked
    schedule: Str | None = None
    min: IntRange(0, TASKS_PER_SERVICE, what="min (ECS quota: tasks per service)") | None = None
    max: IntRange(0, TASKS_PER_SERVICE, what="max (ECS quota: tasks per service)") | None = None
    scale_in_cooldown: Duration = dur("300s")
    scale_out_cooldown: Duration = dur("300s")
    disable_scale_in: Bool = False

    def needs(self) -> tuple[str, ...]:
        return {"target_tracking": ("metric", "target"), "step": ("metric", "threshold", "adjustment"),
                "scheduled": ("schedule",)}.get(self.type, ())


_POLICY_EXAMPLES = {
    "target_tracking": "e.g. scaling_policy requests { metric = request_count, target = 1000 }",
    "step": "e.g. scaling_policy burst { type = step, metric = cpu, threshold = 80%, adjustment = 2 }",
    "scheduled": "e.g. scaling_policy night { type = scheduled, schedule = \"cron(0 22 * * ? *)\", max = 4 }",
}


class EcsService(Kind):
    """An ECS service (notes §15.2): keeps `desired` tasks of its task definition running on its
    cluster — Fargate or EC2 (`launch_type`) or by a `capacity_provider_strategy` — spread over
    its subnets' AZs, registered with its target groups, replaced when they stop, and moved back
    when an AZ returns (`az_rebalancing`, on for `placement = spread` as AWS sets it for new
    services). Application Auto Scaling keeps it between `min_tasks` and `max_tasks` (notes §15.2.3)."""

    kind: Literal["ecs_service"] = "ecs_service"
    title: ClassVar[str] = "ECS service"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "cluster", "launch_type"})

    name: Str | None = None
    cluster: Ref["ecs_cluster"]
    task_definition: Ref["ecs_task_definition"]
    launch_type: Enum("fargate", "ec2", what="launch type") | None = None
    capacity_provider_strategy: list[StrategyItem] = Field(default_factory=list)
    desired: IntRange(0, TASKS_PER_SERVICE, what="desired (ECS quota: tasks per service)") = 1
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    assign_public_ip: Bool = False  # safe default
    load_balancer: list[ServiceLoadBalancer] = Field(default_factory=list)
    health_check_grace_period: DurationRange("0s", "2147483647s", what="health_check_grace_period") | None = None
    deployment: Deployment = Field(default_factory=Deployment)
    placement: Enum("spread", "binpack", "random", what="placement strategy") = "spread"
    # Availability Zone rebalancing: after an AZ disruption ECS starts tasks in the AZs with the
    # fewest and stops them in those with the most. AWS turns it on for new services it suits
    # (spread across AZs) since June 2025; unset here means the same: on for spread, off else
    az_rebalancing: Bool | None = None
    min_tasks: IntRange(0, TASKS_PER_SERVICE, what="min_tasks (ECS quota: tasks per service)") | None = None
    max_tasks: IntRange(0, TASKS_PER_SERVICE, what="max_tasks (ECS quota: tasks per service)") | None = None
    scaling_policy: list[ServiceScalingPolicy] = Field(default_factory=list)
    enable_execute_command: Bool = False
    tags: Tags = Field(default_factory=dict)

    def launch(self, graph: Graph) -> str | None:
        """fargate or ec2: the launch type, or where the strategy (the service's, else the
        cluster's default) puts tasks. None when it cannot be told."""
        if self.launch_type is not None:
            return self.launch_type
        cluster = deref(graph, self.cluster)
        items = self.capacity_provider_strategy or (cluster.model.default_strategy if cluster is not None else [])
        names = {i.name for i in items}
        if not names:
            return None
        return "fargate" if names <= set(FARGATE_PROVIDERS) else "ec2"

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"an ECS service name is 1–255 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        cluster = deref(graph, self.cluster)
        task = deref(graph, self.task_definition)
        yield from self._launch_issues(cluster, task, graph)
        if task is not None and not elsewhere(me, task) and task.model.container:
            yield from self._network_issues(me, task.model, graph)
            yield from self._balancer_issues(task, graph)
        yield from self._deployment_issues()
        yield from self._scaling_issues()
        if self.az_rebalancing is True and self.placement != "spread":
            yield Issue(f"Availability Zone rebalancing needs tasks spread across AZs; placement = {self.placement} "
                        "does not spread them (AWS refuses it)", ("az_rebalancing",),
                        help="placement = spread, or az_rebalancing = false")

    def rebalances(self) -> bool:
        """Whether ECS rebalances this service's tasks across AZs (unset: when it spreads them)."""
        return rebalances(self.az_rebalancing, self.placement)

    def _launch_issues(self, cluster: View | None, task: View | None, graph: Graph) -> Iterable[Issue]:
        if self.launch_type is not None and self.capacity_provider_strategy:
            yield Issue("a service takes a launch_type or a capacity_provider_strategy, not both",
                        ("capacity_provider_strategy",))
            return
        if cluster is not None:
            yield from strategy_issues(self.capacity_provider_strategy, cluster.model.providers(),
                                       "capacity_provider_strategy", f"cluster '{cluster.address}'")
            if self.launch_type is None and not self.capacity_provider_strategy and not cluster.model.default_strategy:
                yield Issue(f"cluster '{cluster.address}' has no default capacity provider strategy: say where the "
                            "tasks run", (), help="launch_type = fargate",
                            related=(Related(cluster.address, (), "this cluster"),))
                return
        launch = self.launch(graph)
        if task is not None and launch is not None and launch not in task.model.compatibilities:
            yield Issue(f"task definition '{task.address}' is not compatible with {launch} "
                        f"(its compatibilities: {', '.join(task.model.compatibilities)})",
                        ("launch_type",) if self.launch_type else ("task_definition",),
                        related=(Related(task.address, ("compatibilities",), "its compatibilities"),))

    def _network_issues(self, me: View, task: EcsTaskDefinition, graph: Graph) -> Iterable[Issue]:
        if task.mode != "awsvpc":
            if self.subnets or self.security_groups:
                yield Issue(f"subnets and security groups are for awsvpc tasks; this task definition uses "
                            f"{task.mode} networking (its instances' network)",
                            ("subnets",) if self.subnets else ("security_groups",))
            return
        if not self.subnets:
            yield Issue("an awsvpc service places each task in one of its subnets: name them", ("subnets",),
                        help="subnets = net.private")
            return
        vpcs: dict[str, str] = {}
        for i, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is None or elsewhere(me, subnet):
                continue
            vpc = vpc_of(graph, subnet)
            if vpc and vpcs and vpc not in vpcs:
                yield Issue(f"a service's subnets are of one VPC: '{subnet.address}' is in '{vpc}', "
                            f"'{next(iter(vpcs.values()))}' in '{next(iter(vpcs))}'", ("subnets", i))
            vpcs.setdefault(vpc, subnet.address)
        vpc = next(iter(vpcs), None)
        yield from groups_outside(graph, self.security_groups, vpc, "the service's")
        zones = {az_of(graph, deref(graph, r)) for r in self.subnets}
        if len(zones) == 1 and None not in zones and self.desired != 0:
            yield Issue(f"all subnets of this service are in {next(iter(zones))}: its tasks stop with that AZ and "
                        "have nowhere to be replaced", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")
        yield from self._efs_issues(task, zones, graph)

    def _efs_issues(self, task: EcsTaskDefinition, zones: set, graph: Graph) -> Iterable[Issue]:
        """A task mounts its EFS volumes through a mount target in its own AZ (notes §5.4.1): every
        AZ the service places tasks in needs one."""
        for vol in task.volume:
            efs = deref(graph, vol.efs)
            if efs is None or not efs.model.subnets:
                continue
            theirs = {az_of(graph, deref(graph, r)) for r in efs.model.subnets}
            missing = sorted(z for z in zones - theirs if z is not None)
            if missing:
                yield Issue(f"EFS '{efs.address}' (volume '{vol.name}') has no mount target in {', '.join(missing)}: "
                            "tasks placed there cannot mount it and fail to start", ("subnets",),
                            related=(Related(efs.address, ("subnets",), "its mount targets"),),
                            help="add a subnet of each of the service's AZs to the file system's subnets")

    def _balancer_issues(self, task: View, graph: Graph) -> Iterable[Issue]:
        model: EcsTaskDefinition = task.model
        if len(self.load_balancer) > LOAD_BALANCERS_PER_SERVICE:
            yield Issue(f"a service registers with at most {LOAD_BALANCERS_PER_SERVICE} target groups, this one "
                        f"{len(self.load_balancer)}", ("load_balancer", LOAD_BALANCERS_PER_SERVICE))
        if self.health_check_grace_period is not None and not self.load_balancer:
            yield Issue("health_check_grace_period is for services behind a load balancer", ("health_check_grace_period",))
        for i, lb in enumerate(self.load_balancer):
            path = ("load_balancer", i)
            group = deref(graph, lb.target_group)
            if group is not None:
                wanted = "ip" if model.mode == "awsvpc" else "instance"
                actual = group.get("target_type")
                if actual != wanted:
                    why = ("awsvpc tasks have their own addresses: the target group registers them by IP"
                           if wanted == "ip" else f"{model.mode} tasks are reached through their instance")
                    yield Issue(f"target group '{group.address}' has target_type = {actual}; {why}",
                                (*path, "target_group"), help=f"target_type = {wanted} on the target group",
                                related=(Related(group.address, ("target_type",) if "target_type" in group.written
                                                 else (), "its target type"),))
            if not isinstance(lb.container, str):
                continue
            container = model.container_named(lb.container)
            if container is None:
                names = [c.name for c in model.container if isinstance(c.name, str)]
                yield Issue(f"task definition '{task.address}' has no container '{lb.container}'",
                            (*path, "container"), help=did_you_mean(lb.container, names) or
                            f"its containers: {', '.join(names)}")
            elif isinstance(lb.port, int) and lb.port not in [p.container_port for p in container.port_mapping]:
                ports = [str(p.container_port) for p in container.port_mapping]
                yield Issue(f"container '{lb.container}' maps no port {lb.port} "
                            f"({'it maps ' + ', '.join(ports) if ports else 'it maps none'})", (*path, "port"))

    def _deployment_issues(self) -> Iterable[Issue]:
        low, high = _percent(self.deployment.min_healthy), _percent(self.deployment.max_percent)
        if low is not None and not 0 <= low <= 100:
            yield Issue(f"min_healthy is between 0% and 100%, got {self.deployment.min_healthy}",
                        ("deployment", "min_healthy"))
        if high is not None and high < 100:
            yield Issue(f"max_percent is at least 100%, got {self.deployment.max_percent}",
                        ("deployment", "max_percent"))
        if low == 100 and high == 100:
            yield Issue("with min_healthy = 100% and max_percent = 100% a deployment can neither stop an old task "
                        "nor start a new one", ("deployment", "max_percent"), help="max_percent = 200%")
        if self.deployment.rollback is True and self.deployment.circuit_breaker is False:
            yield Issue("rollback is the circuit breaker's: it rolls back the deployments it stops",
                        ("deployment", "rollback"), help="circuit_breaker = true")

    def _scaling_issues(self) -> Iterable[Issue]:
        low, high = self.min_tasks, self.max_tasks
        scaled = low is not None or high is not None
        if self.scaling_policy and not scaled:
            yield Issue("scaling policies scale between min_tasks and max_tasks: set both", ("scaling_policy",),
                        help="min_tasks = 2, max_tasks = 10")
        if scaled and (low is None or high is None):
            yield Issue("service auto scaling takes both min_tasks and max_tasks",
                        ("min_tasks",) if low is None else ("max_tasks",))
        if isinstance(low, int) and isinstance(high, int):
            if low > high:
                yield Issue(f"min_tasks = {low} is greater than max_tasks = {high}", ("min_tasks",))
            elif isinstance(self.desired, int) and not low <= self.desired <= high:
                yield Issue(f"desired = {self.desired} is outside min_tasks = {low} and max_tasks = {high}",
                            ("desired",), help="Application Auto Scaling would move it into the range at once")
        seen = set()
        for i, policy in enumerate(self.scaling_policy):
            path = ("scaling_policy", i)
            unknown = [f for f in ("type", "metric", "adjustment") if isinstance(getattr(policy, f), v.Unknown)]
            if unknown:
                yield Issue(f"a scaling policy's {unknown[0]} is written here, not read from another resource "
                            "(it decides what the policy does)", (*path, unknown[0]),
                            help=_POLICY_EXAMPLES["step" if unknown[0] == "adjustment" else "target_tracking"])
                continue
            if policy.name in seen:
                yield Issue(f"two scaling policies are called '{policy.name}'", path)
            seen.add(policy.name)
            missing = [f for f in policy.needs() if getattr(policy, f) is None]
            if missing:
                yield Issue(f"a {policy.type.replace('_', ' ')} scaling policy needs {' and '.join(missing)}", path,
                            help=_POLICY_EXAMPLES[policy.type])
            for field in ("target", "threshold"):
                level = getattr(policy, field)
                if level is None or isinstance(level, v.Unknown):
                    continue
                if policy.metric in ("cpu", "memory") and not isinstance(level, v.Percent):
                    yield Issue(f"{policy.metric} utilisation is a percentage: write {field} = {level}%",
                                (*path, field))
                if policy.metric in ("request_count", "queue_backlog") and isinstance(level, v.Percent):
                    counted = "requests" if policy.metric == "request_count" else "messages"
                    yield Issue(f"{policy.metric} counts {counted} per task: write {field} as a number, e.g. 100",
                                (*path, field))
            if policy.metric == "queue_backlog" and policy.queue is None:
                yield Issue("queue_backlog tracks a queue's visible messages per running task: name it with "
                            "queue = <sqs_queue>", (*path, "metric"),
                            help="scaling_policy backlog { metric = queue_backlog, queue = jobs, target = 100 }")
            elif policy.metric == "queue_backlog" and policy.type != "target_tracking":
                yield Issue("queue_backlog is tracked by a target tracking policy", (*path, "type"),
                            help="type = target_tracking")
            if policy.queue is not None and policy.metric != "queue_backlog":
                yield Issue("queue is for metric = queue_backlog", (*path, "queue"))
            if policy.metric == "request_count" and not self.load_balancer:
                yield Issue("request_count (ALB requests per target) needs the service behind a target group",
                            (*path, "metric"), help="load_balancer { target_group = …, container = …, port = … }")
            if policy.type == "scheduled" and isinstance(policy.min, int) and isinstance(policy.max, int) \
                    and policy.min > policy.max:
                yield Issue(f"scheduled min = {policy.min} is greater than max = {policy.max}", (*path, "min"))
            elif policy.type == "scheduled" and policy.schedule is not None and policy.min is None \
                    and policy.max is None:
                yield Issue("a scheduled action sets min, max or both", path)
