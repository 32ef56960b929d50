"""ECS task definitions (notes §15.2.2): the containers of a task, its CPU and memory (on Fargate
one of the sizes Fargate offers, `_ecs_limits.FARGATE_SIZES`), the network mode, EFS volumes,
and the task and execution roles."""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds._ecs_limits import (CONTAINERS_PER_TASK_DEFINITION, EC2_MIN_TASK_MEMORY_MIB, FARGATE_SIZES,
                                               memory_choices, shown_memory)
from archform.stdlib.kinds.ecs import _NAME, _mib
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, DurationRange, Enum, Int, IntRange, OneOf, Port, Ref, SizeRange, Str, Tags,
                                   dur)

SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:|ssm:[a-z0-9-]+:\d{12}:parameter/).+")


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
            for name in sorted(c.secrets):
                source = c.secrets[name]
                if isinstance(source, str) and source.startswith("arn:") and not _SECRET_ARN.match(source):
                    yield Issue(f"secret {name} is read from '{source}': ECS reads secrets from Secrets Manager or "
                                "the SSM Parameter Store (notes §15.2.2)", (*path, "secrets", name),
                                help="arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, or "
                                     "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME")
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
