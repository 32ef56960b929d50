"""Amazon ECS (notes §15.2): clusters, task definitions and services, on EC2 or Fargate.

- `ecs_cluster`: where tasks run. Fargate (`capacity_providers = [fargate, fargate_spot]`) needs
  no instances; a `capacity_provider` block pairs the cluster with an Auto Scaling group whose
  instances run the EC2 launch type's tasks (§15.2.3: "the preferred approach to scaling"),
  with managed scaling and, optionally, managed termination protection.
- `ecs_task_definition`: the containers of a task, its CPU and memory, its volumes (EFS, which
  both launch types mount, §15.2.2) and its two roles: the task role (what the application may
  do) and the execution role (what the agent needs to pull from ECR and read secrets).
- `ecs_service`: keeps `desired` tasks of a definition running, behind target groups, scaled by
  Application Auto Scaling on CPU, memory or ALB requests per target, step or scheduled (§15.2.3).

Every limit AWS gives is a diagnostic; the figures are in `_ecs_limits.py`. Safe defaults:
Container Insights on, a deployment circuit breaker that rolls back, no public IP for tasks,
read-only root file systems, EFS volumes encrypted in transit.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds._ecs_limits import (CONTAINERS_PER_TASK_DEFINITION, EC2_MIN_TASK_MEMORY_MIB, FARGATE_SIZES,
                                               LOAD_BALANCERS_PER_SERVICE, MIB, PROVIDERS_PER_STRATEGY,
                                               TASKS_PER_SERVICE, memory_choices, shown_memory)
from archform.stdlib.kinds.network import az_of, elsewhere, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Duration, DurationRange, Enum, Int, IntRange, OneOf, Percent, Port, Ref,
                                   SizeRange, Str, Tags, dur, pct)

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
FARGATE_PROVIDERS = ("fargate", "fargate_spot")
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY")


def _mib(size) -> int | None:
    return int(size.bytes // MIB) if isinstance(size, v.Size) else None


def _percent(p) -> float | None:
    return float(p.value) if isinstance(p, v.Percent) else None


# --- cluster ----------------------------------------------------------------------------------------

class CapacityProvider(Block):
    """`capacity_provider NAME { autoscaling_group = fleet }`: an Auto Scaling group whose
    instances run the cluster's EC2 tasks. With managed scaling ECS sizes the group so its
    instances are `target_capacity` used; with managed termination protection it never
    scales in an instance that still runs tasks."""

    name: Str
    autoscaling_group: Ref["autoscaling_group"]
    managed_scaling: Bool = True
    target_capacity: Percent = pct(100)
    managed_termination_protection: Bool = False
    managed_draining: Bool = True


class StrategyItem(Block):
    """`default_strategy NAME { base = 1, weight = 1 }` (NAME: fargate, fargate_spot or one of
    the cluster's capacity providers): `base` tasks go there first, the rest by weight."""

    name: Str
    base: IntRange(0, 100000, what="base") = 0
    weight: IntRange(0, 1000, what="weight") = 1


def strategy_issues(items: list[StrategyItem], known: list[str], field: str, where: str) -> Iterable[Issue]:
    """AWS's rules for a capacity provider strategy (CreateService, PutClusterCapacityProviders)."""
    if len(items) > PROVIDERS_PER_STRATEGY:
        yield Issue(f"a capacity provider strategy names at most {PROVIDERS_PER_STRATEGY} providers, this one "
                    f"{len(items)}", (field,))
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item.name, str):
            continue
        if item.name not in known:
            hint = did_you_mean(item.name, known)
            yield Issue(f"'{item.name}' is not a capacity provider of {where} (it has "
                        f"{', '.join(known) or 'none'})", (field, i), help=hint)
        if item.name in seen:
            yield Issue(f"capacity provider '{item.name}' is named twice in the strategy", (field, i))
        seen.add(item.name)
    based = [i for i, item in enumerate(items) if isinstance(item.base, int) and item.base > 0]
    if len(based) > 1:
        yield Issue("only one capacity provider of a strategy may have a base", (field, based[1], "base"))
    if items and all(item.weight == 0 for item in items):
        yield Issue("a capacity provider strategy needs a provider with a weight above 0", (field,))
    names = {item.name for item in items if isinstance(item.name, str)}
    if names & set(FARGATE_PROVIDERS) and names - set(FARGATE_PROVIDERS):
        yield Issue("a capacity provider strategy uses Fargate providers or Auto Scaling group providers, not both",
                    (field,))


class EcsCluster(Kind):
    """An ECS cluster (notes §15.2): Fargate capacity (`capacity_providers = [fargate,
    fargate_spot]`) and/or `capacity_provider` blocks pairing it with Auto Scaling groups (the
    EC2 launch type's instances). `default_strategy` blocks say where a service's tasks go when
    it names neither a launch type nor a strategy. Container Insights (notes §19) is on."""

    kind: Literal["ecs_cluster"] = "ecs_cluster"
    title: ClassVar[str] = "ECS cluster"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    container_insights: Bool = True  # safe default (AWS: disabled)
    capacity_providers: list[Enum(*FARGATE_PROVIDERS, what="Fargate capacity provider")] = Field(default_factory=list)
    capacity_provider: list[CapacityProvider] = Field(default_factory=list)
    default_strategy: list[StrategyItem] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def providers(self) -> list[str]:
        return [p for p in self.capacity_providers if isinstance(p, str)] + \
               [p.name for p in self.capacity_provider if isinstance(p.name, str)]

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"an ECS cluster name is 1–255 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        groups: dict = {}
        for i, cp in enumerate(self.capacity_provider):
            path = ("capacity_provider", i)
            if isinstance(cp.name, str) and cp.name in FARGATE_PROVIDERS + tuple(p.name for p in
                                                                               self.capacity_provider[:i]):
                yield Issue(f"capacity provider '{cp.name}' is declared twice", path)
            if isinstance(cp.name, str) and cp.name.lower().startswith(("aws", "ecs", "fargate")):
                yield Issue(f"a capacity provider's name may not begin with 'aws', 'ecs' or 'fargate', got "
                            f"'{cp.name}'", path)
            target = _percent(cp.target_capacity)
            if target is not None and not 1 <= target <= 100:
                yield Issue(f"target_capacity is between 1% and 100%, got {cp.target_capacity}",
                            (*path, "target_capacity"))
            if cp.managed_termination_protection is True and cp.managed_scaling is False:
                yield Issue("managed termination protection needs managed scaling: without it ECS does not decide "
                            "which instances the group scales in", (*path, "managed_termination_protection"),
                            help="managed_scaling = true")
            elif cp.managed_termination_protection is True:
                yield Issue("managed termination protection needs the group's instances protected from scale-in "
                            "(AWS refuses it otherwise), which an autoscaling_group does not set yet",
                            (*path, "managed_termination_protection"),
                            help="leave it off: managed draining (on) still moves tasks off an instance before "
                                 "it is terminated")
            address = getattr(cp.autoscaling_group, "address", None)
            group = deref(graph, cp.autoscaling_group)
            settings = group.model.launch_settings(graph) if group is not None else None
            if settings is not None and settings.iam_role is None:
                yield Issue(f"the instances of '{group.address}' run the ECS agent, which calls ECS, pulls images and "
                            "writes logs with the instances' role: give them one (notes §15.2.2, EC2 instance "
                            "profile)", (*path, "autoscaling_group"), severity="warning",
                            help="iam_role = <a role ec2 may assume, with AmazonEC2ContainerServiceforEC2Role>")
            if address in groups:
                yield Issue(f"Auto Scaling group '{address}' backs capacity provider '{groups[address]}' already: a "
                            "group belongs to one capacity provider", (*path, "autoscaling_group"))
            groups.setdefault(address, cp.name)
        yield from strategy_issues(self.default_strategy, self.providers(), "default_strategy", "this cluster")


# --- task definition ---------------------------------------------------------------------------------

class PortMapping(Block):
    """`port_mapping { container_port = 8080 }`: a port the container listens on; `host_port`
    for bridge and host networking (awsvpc tasks have their own address: the same port)."""

    container_port: Port
    host_port: IntRange(0, 65535, what="host_port") | None = None
    protocol: Enum("tcp", "udp", what="protocol") = "tcp"


class ContainerHealthCheck(Block):
    """`health_check { command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] }`."""

    command: list[Str]
    interval: DurationRange("5s", "300s", what="interval") = dur("30s")
    timeout: DurationRange("2s", "120s", what="timeout") = dur("5s")
    retries: IntRange(1, 10, what="retries") = 3
    start_period: DurationRange("0s", "300s", what="start_period") = dur("0s")


class MountPoint(Block):
    """`mount { volume = "shared", path = "/srv/shared" }`: one of the task's volumes, in this container."""

    volume: Str
    path: Str
    read_only: Bool = False


class Container(Block):
    """`container NAME { image = web_repo, port_mapping { container_port = 8080 } }`. `image` is
    an ECR repository (its URI, with `tag`) or an image name; `secrets` name the Secrets
    Manager secrets or SSM parameters (ARNs) ECS reads into environment variables when the task
    starts — their values never appear in a plan, the state or a template."""

    name: Str
    image: OneOf(Ref["ecr_repository"], Str, what="an ecr_repository or an image name")
    tag: Str = "latest"
    cpu: IntRange(0, 10240 * 16, what="cpu") | None = None
    memory: SizeRange("6MiB", None, what="memory") | None = None
    memory_reservation: SizeRange("6MiB", None, what="memory_reservation") | None = None
    essential: Bool = True
    port_mapping: list[PortMapping] = Field(default_factory=list)
    environment: dict[str, Str] = Field(default_factory=dict)
    secrets: dict[str, Str] = Field(default_factory=dict)
    command: list[Str] = Field(default_factory=list)
    entry_point: list[Str] = Field(default_factory=list)
    health_check: ContainerHealthCheck | None = None
    mount: list[MountPoint] = Field(default_factory=list)
    readonly_root_filesystem: Bool = True  # safe default (AWS: false)
    privileged: Bool = False


class EfsVolume(Block):
    """`volume NAME { efs = shared }`: an EFS file system mounted by the task's containers — on
    Fargate and EC2 alike, shared by tasks in every AZ (notes §15.2.2). Encrypted in transit."""

    name: Str
    efs: Ref["efs"]
    root_directory: Str = "/"
    transit_encryption: Bool = True  # safe default (AWS: DISABLED)
    iam_authorization: Bool = False
    access_point: Str | None = None


class EcsTaskDefinition(Kind):
    """An ECS task definition (notes §15.2): its containers, the task's CPU and memory (on Fargate
    one of the sizes Fargate offers), its network mode (awsvpc on Fargate: each task its own
    address), EFS volumes, and the task role (the application's permissions) and execution role
    (the agent's: pull from ECR, read the secrets)."""

    kind: Literal["ecs_task_definition"] = "ecs_task_definition"
    title: ClassVar[str] = "ECS task definition"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "family": "string", "revision": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None  # the family; None: made from the address
    compatibilities: list[Enum("fargate", "ec2", what="launch type")] = Field(default_factory=lambda: ["fargate"])
    network_mode: Enum("awsvpc", "bridge", "host", "none", what="network mode") = "awsvpc"
    cpu: Int | None = None  # CPU units: 1024 is one vCPU
    memory: SizeRange("6MiB", None, what="memory") | None = None
    cpu_architecture: Enum("x86_64", "arm64", what="CPU architecture") = "x86_64"
    ephemeral_storage: SizeRange("21GiB", "200GiB", what="ephemeral_storage") | None = None
    task_role: Ref["iam_role"] | None = None
    execution_role: Ref["iam_role"] | None = None
    container: list[Container] = Field(default_factory=list)
    volume: list[EfsVolume] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    @property
    def fargate(self) -> bool:
        return "fargate" in self.compatibilities

    @property
    def mode(self) -> str:
        """The network mode tasks get: awsvpc on Fargate whatever is written (a Fargate task
        definition of another mode is reported on the task definition, not on its services)."""
        return "awsvpc" if self.fargate else self.network_mode

    def container_named(self, name: str) -> Container | None:
        return next((c for c in self.container if c.name == name), None)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a task definition's name (its family) is 1–255 letters, digits, '-' and '_', got "
                        f"'{self.name}'", ("name",))
        yield from self._size_issues()
        yield from self._container_issues()
        yield from self._volume_issues()
        if self.execution_role is None:
            yield from self._execution_role_issues()
        for field in ("task_role", "execution_role"):
            role = deref(graph, getattr(self, field))
            trusted = role.get("assumed_by") if role is not None else None
            if isinstance(trusted, list) and trusted and "ecs-tasks.amazonaws.com" not in trusted:
                yield Issue(f"role '{role.address}' does not trust ECS tasks: ECS cannot assume it for the task",
                            (field,), help="assumed_by = [ecs-tasks] on the role",
                            related=(Related(role.address, ("assumed_by",), "who may assume it"),))

    def _execution_role_issues(self) -> Iterable[Issue]:
        """The agent reads secrets and (on Fargate) pulls private ECR images with the execution role."""
        for i, c in enumerate(self.container):
            if c.secrets:
                why, path = "reads secrets", ("container", i, "secrets")
            elif self.fargate and isinstance(c.image, v.ResourceRef):
                why, path = "pulls its image from ECR", ("container", i, "image")
            else:
                continue
            yield Issue(f"container '{c.name}' {why}: the task needs an execution_role, the role the ECS agent "
                        "does that with (notes §15.2.2)", path,
                        help="execution_role = <an iam_role ecs-tasks may assume, with "
                             "AmazonECSTaskExecutionRolePolicy>")
            return

    def _size_issues(self) -> Iterable[Issue]:
        if not self.fargate:
            if self.ephemeral_storage is not None:
                yield Issue("ephemeral_storage is Fargate's: EC2 tasks use their instance's disk", ("ephemeral_storage",))
            return
        if self.network_mode != "awsvpc":
            yield Issue(f"a Fargate task uses the awsvpc network mode (each task its own network interface), not "
                        f"{self.network_mode}", ("network_mode",), help="network_mode = awsvpc")
        if self.cpu is None or self.memory is None:
            missing = " and ".join(f for f in ("cpu", "memory") if getattr(self, f) is None)
            yield Issue(f"a Fargate task definition sets the task's {missing}", (),
                        help="cpu = 256, memory = 512MiB (the smallest Fargate task)")
            return
        if not isinstance(self.cpu, int):
            return
        if self.cpu not in FARGATE_SIZES:
            yield Issue(f"Fargate offers cpu = {', '.join(str(c) for c in FARGATE_SIZES)} (CPU units, 1024 to a "
                        f"vCPU), not {self.cpu}", ("cpu",), help=did_you_mean(str(self.cpu), map(str, FARGATE_SIZES)))
            return
        mib = _mib(self.memory)
        if mib is not None and mib not in FARGATE_SIZES[self.cpu]:
            yield Issue(f"Fargate does not offer {shown_memory(mib)} with cpu = {self.cpu}: it offers "
                        f"{memory_choices(self.cpu)}", ("memory",),
                        help=f"memory = {shown_memory(FARGATE_SIZES[self.cpu][0])}")

    def _container_issues(self) -> Iterable[Issue]:
        containers = self.container
        if not containers:
            yield Issue("a task definition has at least one container", (), help="container web { image = \"…\" }")
            return
        if len(containers) > CONTAINERS_PER_TASK_DEFINITION:
            yield Issue(f"a task definition has at most {CONTAINERS_PER_TASK_DEFINITION} containers, this one "
                        f"{len(containers)}", ("container", CONTAINERS_PER_TASK_DEFINITION))
        if not any(c.essential is not False for c in containers):
            yield Issue("a task definition needs an essential container: the task stops when one does", ("container",),
                        help="essential = true")
        names, ports = set(), {}
        for i, c in enumerate(containers):
            path = ("container", i)
            if isinstance(c.name, str):
                if not _NAME.match(c.name):
                    yield Issue(f"a container name is 1–255 letters, digits, '-' and '_', got '{c.name}'", path)
                if c.name in names:
                    yield Issue(f"container '{c.name}' is declared twice", path)
                names.add(c.name)
            limit, reserved = _mib(c.memory), _mib(c.memory_reservation)
            if limit is not None and reserved is not None and reserved > limit:
                yield Issue(f"memory_reservation ({shown_memory(reserved)}) is at most the container's memory "
                            f"limit ({shown_memory(limit)})", (*path, "memory_reservation"))
            if self.memory is None and limit is None and reserved is None:
                yield Issue("without a task memory, each container sets memory or memory_reservation", path,
                            help=f"memory = 512MiB (at least {EC2_MIN_TASK_MEMORY_MIB}MiB)")
            for j, pm in enumerate(c.port_mapping):
                at = (*path, "port_mapping", j)
                if self.network_mode == "awsvpc" and pm.host_port not in (None, pm.container_port):
                    yield Issue(f"in the awsvpc network mode a task has its own address: host_port is the container "
                                f"port ({pm.container_port}) or left out", (*at, "host_port"))
                key = (pm.container_port, pm.protocol)
                if key in ports:
                    yield Issue(f"port {pm.container_port}/{pm.protocol} is mapped twice in this task (container "
                                f"'{ports[key]}' has it)", (*at, "container_port"))
                ports.setdefault(key, c.name)
            for name in sorted(c.environment):
                if any(word in name.upper() for word in SECRET_WORDS):
                    yield Issue(f"environment variable {name} looks like a secret: plain environment values are "
                                "stored in the task definition for anyone who can read it", (*path, "environment"),
                                severity="warning", help=f"secrets = {{ {name} = <a Secrets Manager secret's ARN> }}")
        yield from self._totals(containers)

    def _totals(self, containers: list[Container]) -> Iterable[Issue]:
        if self.fargate and _mib(self.memory) not in FARGATE_SIZES.get(self.cpu, ()):
            return  # the task's size is reported: its containers are measured against a valid one
        task_mib = _mib(self.memory)
        used = sum(_mib(c.memory) or _mib(c.memory_reservation) or 0 for c in containers)
        if task_mib is not None and used > task_mib:
            yield Issue(f"the containers' memory ({shown_memory(used)}) is more than the task's "
                        f"({shown_memory(task_mib)})", ("memory",))
        cpu = sum(c.cpu for c in containers if isinstance(c.cpu, int))
        if isinstance(self.cpu, int) and cpu > self.cpu:
            yield Issue(f"the containers' cpu ({cpu} units) is more than the task's ({self.cpu})", ("cpu",))

    def _volume_issues(self) -> Iterable[Issue]:
        declared = [vol.name for vol in self.volume if isinstance(vol.name, str)]
        for i, vol in enumerate(self.volume):
            if vol.name in declared[:i]:
                yield Issue(f"volume '{vol.name}' is declared twice", ("volume", i))
            if vol.iam_authorization is True and vol.transit_encryption is False:
                yield Issue("EFS IAM authorization needs transit encryption", ("volume", i, "iam_authorization"),
                            help="transit_encryption = true")
            if vol.access_point is not None and vol.root_directory not in (None, "/"):
                yield Issue("with an access point the root directory is the access point's", ("volume", i,
                                                                                               "root_directory"))
        for i, c in enumerate(self.container):
            for j, m in enumerate(c.mount):
                if isinstance(m.volume, str) and m.volume not in declared:
                    yield Issue(f"container '{c.name}' mounts volume '{m.volume}', which this task does not declare",
                                ("container", i, "mount", j, "volume"), help=did_you_mean(m.volume, declared)
                                or "volume NAME { efs = <an efs> }")


# --- service -----------------------------------------------------------------------------------------

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


METRICS = ("cpu", "memory", "request_count")


class ServiceScalingPolicy(Block):
    """`scaling_policy NAME { metric = request_count, target = 1000 }` (notes §15.2.3): target
    tracking on CPU, memory or ALB requests per target; step scaling adds `adjustment` tasks
    past a `threshold`; scheduled sets min/max on a `schedule`."""

    name: Str
    type: Enum("target_tracking", "step", "scheduled", what="scaling policy type") = "target_tracking"
    metric: Enum(*METRICS, what="ECS service metric") | None = None
    target: OneOf(Percent, Int, what="a percentage or a number") | None = None
    threshold: OneOf(Percent, Int, what="a percentage or a number") | None = None
    adjustment: Int | None = None
    schedule: Str | None = None
    min: IntRange(0, TASKS_PER_SERVICE, what="min") | None = None
    max: IntRange(0, TASKS_PER_SERVICE, what="max") | None = None
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
    its subnets' AZs, registered with its target groups, replaced when they stop. Application
    Auto Scaling keeps it between `min_tasks` and `max_tasks` (notes §15.2.3)."""

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
    desired: IntRange(0, TASKS_PER_SERVICE, what="desired") = 1
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    assign_public_ip: Bool = False  # safe default
    load_balancer: list[ServiceLoadBalancer] = Field(default_factory=list)
    health_check_grace_period: DurationRange("0s", "2147483647s", what="health_check_grace_period") | None = None
    deployment: Deployment = Field(default_factory=Deployment)
    placement: Enum("spread", "binpack", "random", what="placement strategy") = "spread"
    min_tasks: IntRange(0, TASKS_PER_SERVICE, what="min_tasks") | None = None
    max_tasks: IntRange(0, TASKS_PER_SERVICE, what="max_tasks") | None = None
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
        for i, ref in enumerate(self.security_groups):
            sg = deref(graph, ref)
            theirs = getattr(sg.get("vpc"), "address", None) if sg is not None else None
            if vpc and theirs and theirs != vpc:
                yield Issue(f"security group '{sg.address}' is of VPC '{theirs}', the service's subnets of '{vpc}'",
                            ("security_groups", i), related=(Related(sg.address, ("vpc",), "its VPC"),))
        zones = {az_of(graph, deref(graph, r)) for r in self.subnets}
        if len(zones) == 1 and None not in zones and self.desired != 0:
            yield Issue(f"all subnets of this service are in {next(iter(zones))}: its tasks stop with that AZ and "
                        "have nowhere to be replaced", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")

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
            if policy.name in seen:
                yield Issue(f"two scaling policies are called '{policy.name}'", path)
            seen.add(policy.name)
            missing = [f for f in policy.needs() if getattr(policy, f) is None]
            if missing:
                yield Issue(f"a {policy.type.replace('_', ' ')} scaling policy needs {' and '.join(missing)}", path,
                            help=_POLICY_EXAMPLES[policy.type])
            for field in ("target", "threshold"):
                level = getattr(policy, field)
                if level is None:
                    continue
                if policy.metric in ("cpu", "memory") and not isinstance(level, v.Percent):
                    yield Issue(f"{policy.metric} utilisation is a percentage: write {field} = {level}%",
                                (*path, field))
                if policy.metric == "request_count" and isinstance(level, v.Percent):
                    yield Issue(f"request_count counts requests per task: write {field} as a number, e.g. 1000",
                                (*path, field))
            if policy.metric == "request_count" and not self.load_balancer:
                yield Issue("request_count (ALB requests per target) needs the service behind a target group",
                            (*path, "metric"), help="load_balancer { target_group = …, container = …, port = … }")
            if policy.type == "scheduled" and isinstance(policy.min, int) and isinstance(policy.max, int) \
                    and policy.min > policy.max:
                yield Issue(f"scheduled min = {policy.min} is greater than max = {policy.max}", (*path, "min"))
            elif policy.type == "scheduled" and policy.schedule is not None and policy.min is None \
                    and policy.max is None:
                yield Issue("a scheduled action sets min, max or both", path)
