"""Amazon ECR and ECS in the modeled cloud (notes §15.2, §15.3).

- `ecr_repository`: named per region; its URI `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
- `ecs_cluster`: named per region; refuses an Auto Scaling group that another cluster's capacity
  provider already uses, and refuses deletion while services run on it.
- `ecs_task_definition`: known by its ARN `task-definition/<family>:<revision>`; an update
  registers the next revision. RegisterTaskDefinition's refusals for Fargate (awsvpc only, the
  sizes Fargate offers, an execution role to pull from ECR).
- `ecs_service`: CreateService's refusals, then its tasks (owned `ecs_task` records). A Fargate
  task takes an address (its network interface) in one of the service's subnets, spread over
  their AZs. An EC2 task is placed on an instance of the cluster's capacity-provider Auto
  Scaling groups with room for its CPU and memory, by the service's placement strategy
  (`spread` over AZs then instances, `binpack` on the instance with the least memory left,
  `random`); when nothing fits the service records AWS's "unable to place a task" event and
  runs fewer tasks. Each task is registered with the service's target groups — by IP for
  awsvpc tasks, by instance and port otherwise.
"""

from __future__ import annotations

from collections import Counter

from archform.providers.base import DependencyViolation
from archform.stdlib import instance_types
from archform.stdlib.kinds._ecs_limits import FARGATE_SIZES, rebalances

from .. import ids
from ..chaos.units import size_bytes
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, require, users_of
from .common import by_az, check_groups_in_vpc, subnets_vpc

MIB = 1024 * 1024
REGISTRY = f"{ids.ACCOUNT}.dkr.ecr.{{region}}.amazonaws.com"
FARGATE_PROVIDERS = {"fargate": "FARGATE", "fargate_spot": "FARGATE_SPOT"}


def _mib(value) -> int | None:
    found = size_bytes(value)
    return int(found // MIB) if found is not None else None


# --- ECR ----------------------------------------------------------------------------------------------

class EcrRepository(Named):
    service = "ecr"
    name_max = 256
    name_taken_code = "RepositoryAlreadyExistsException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"The repository with name '{name}' already exists in the registry with id '{ids.ACCOUNT}'"

    def arn(self, rec: Record) -> str:
        return ids.arn("ecr", rec.region, f"repository/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        a = rec.attrs
        return {"name": rec.name, "uri": f"{REGISTRY.format(region=rec.region)}/{rec.name}",
                "registry_id": ids.ACCOUNT,
                "image_tag_mutability": "IMMUTABLE" if a.get("tag_immutability", True) else "MUTABLE",
                "encryption_type": "KMS" if a.get("encryption", "kms") == "kms" else "AES256"}


# --- cluster ------------------------------------------------------------------------------------------

class EcsCluster(Named):
    service = "ecs"
    name_max = 255
    name_taken_code = "ClientException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"A cluster named {name} already exists"

    def arn(self, rec: Record) -> str:
        return ids.arn("ecs", rec.region, f"cluster/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        for cp in rec.attrs.get("capacity_provider") or []:
            asg = cp.get("autoscaling_group")
            others = [u for u, _ in users_of(op, op.the(asg), ("ecs_cluster",)) if u.id != rec.id] if asg else []
            require(not others, f"The specified Auto Scaling group ARN is already being used by another capacity "
                    f"provider (of cluster {others[0].name if others else ''}).", "ClientException")

    def provider_name(self, rec: Record, label: str) -> str:
        return f"{rec.name}-{label}"

    def outputs(self, op: Op, rec: Record) -> dict:
        a = rec.attrs
        providers = [FARGATE_PROVIDERS[p] for p in a.get("capacity_providers") or []]
        providers += [self.provider_name(rec, cp["name"]) for cp in a.get("capacity_provider") or []]
        return {"name": rec.name, "status": "ACTIVE", "capacity_providers": providers,
                "container_insights": "enabled" if a.get("container_insights", True) else "disabled"}

    def check_delete(self, op: Op, rec: Record):
        if users_of(op, rec, ("ecs_service",)):
            raise DependencyViolation("The Cluster cannot be deleted while Services are active.",
                                      code="ClusterContainsServicesException")


# --- task definition ----------------------------------------------------------------------------------

def _fargate(attrs: dict) -> bool:
    return "fargate" in (attrs.get("compatibilities") or ["fargate"])


class EcsTaskDefinition(Behaviour):
    service = "ecs"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                               255)
        rec.id = self.revision_arn(rec, 1)

    @staticmethod
    def revision_arn(rec: Record, revision: int) -> str:
        return ids.arn("ecs", rec.region, f"task-definition/{rec.name}:{revision}")

    def arn(self, rec: Record) -> str:
        return self.revision_arn(rec, int(rec.outputs.get("revision") or 1))

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        require(bool(a.get("container")), "Container definitions must be provided.", "ClientException")
        if not _fargate(a):
            return
        require((a.get("network_mode") or "awsvpc") == "awsvpc", "Fargate only supports network mode 'awsvpc'.",
                "ClientException")
        cpu, memory = a.get("cpu"), _mib(a.get("memory"))
        require(cpu in FARGATE_SIZES and memory in FARGATE_SIZES[cpu],
                f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS "
                "documentation for the valid values.", "ClientException")
        from_ecr = any(op.get(c.get("image")) is not None for c in a["container"] if isinstance(c.get("image"), str))
        require(not from_ecr or a.get("execution_role") is not None,
                "Fargate requires task definition to have execution role ARN to support ECR images.",
                "ClientException")

    def update(self, op: Op, rec: Record, old: Record):
        """A new revision, as AWS registers one; the services running the definition deploy it
        (what CloudFormation does when the revision's ARN it passes them changes)."""
        rec.outputs["revision"] = int(old.outputs.get("revision") or 1) + 1
        rec.outputs["arn"] = self.arn(rec)
        for service, _ in users_of(op, rec, ("ecs_service",)):
            BEHAVIOURS["ecs_service"].redeploy(op, service, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        revision = int(rec.outputs.get("revision") or 1)
        return {"family": rec.name, "revision": revision, "status": "ACTIVE",
                "requires_compatibilities": [c.upper() for c in rec.attrs.get("compatibilities") or ["fargate"]]}


# --- service ------------------------------------------------------------------------------------------

class Needs:
    """What one task of a service needs from the cluster."""

    def __init__(self, op: Op, service: Record, task: Record | None = None):
        task = task or op.the(service.attrs["task_definition"])
        a = task.attrs
        self.task = task
        self.mode = "awsvpc" if _fargate(a) else a.get("network_mode") or "awsvpc"
        self.awsvpc = self.mode == "awsvpc"
        containers = a.get("container") or []
        self.cpu = int(a.get("cpu") or sum(int(c.get("cpu") or 0) for c in containers))
        self.memory = _mib(a.get("memory")) or sum(_mib(c.get("memory")) or _mib(c.get("memory_reservation")) or 0
                                                   for c in containers)


def launch_of(op: Op, service: Record) -> tuple[str, list[str]]:
    """FARGATE or EC2, and the Auto Scaling groups whose instances may take EC2 tasks."""
    a = service.attrs
    cluster = op.the(a["cluster"])
    groups = [cp["autoscaling_group"] for cp in cluster.attrs.get("capacity_provider") or []
              if cp.get("autoscaling_group")]
    if a.get("launch_type"):
        return a["launch_type"].upper(), groups
    items = a.get("capacity_provider_strategy") or cluster.attrs.get("default_strategy") or []
    names = {i.get("name") for i in items}
    if names and names <= set(FARGATE_PROVIDERS):
        return "FARGATE", []
    chosen = {cp["autoscaling_group"] for cp in cluster.attrs.get("capacity_provider") or [] if cp.get("name") in names}
    return "EC2", [g for g in groups if g in chosen] if chosen else groups


class EcsService(Named):
    service = "ecs"
    name_max = 255
    name_taken_code = "InvalidParameterException"
    name_parent = "cluster"  # two clusters may each run a service "web"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Creation of service was not idempotent: a service named {name} already exists."

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return self.service_arn(op, rec)

    def service_arn(self, op: Op, rec: Record) -> str:
        cluster = op.the(rec.attrs["cluster"])
        return ids.arn("ecs", rec.region, f"service/{cluster.name}/{rec.name}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        bad = "InvalidParameterException"
        require(not (a.get("launch_type") and a.get("capacity_provider_strategy")),
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try "
                "again.", bad)
        needs = Needs(op, rec)
        launch, _ = launch_of(op, rec)
        compatible = [c.upper() for c in needs.task.attrs.get("compatibilities") or ["fargate"]]
        require(launch in compatible, f"Task definition does not support launch_type {launch}.", bad)
        subnets = a.get("subnets") or []
        if needs.awsvpc:
            require(bool(subnets), "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
                    bad)
            vpc = subnets_vpc(op, subnets, "service", code=bad)
            check_groups_in_vpc(op, a.get("security_groups") or [], vpc, "the service's subnets", code=bad)
        require(not (a.get("az_rebalancing") is True and (a.get("placement") or "spread") != "spread"),
                "AvailabilityZoneRebalancing is not supported for services whose first placement strategy does not "
                "spread tasks across Availability Zones.", bad)
        names = {c.get("name") for c in needs.task.attrs.get("container") or []}
        for lb in a.get("load_balancer") or []:
            group = op.the(lb["target_group"])
            wanted = "ip" if needs.awsvpc else "instance"
            kind = group.attrs.get("target_type") or "instance"
            require(kind == wanted, f"The provided target group {group.outputs.get('arn') or group.id} has target type "
                    f"{kind}, which is incompatible with the {needs.mode} network mode "
                    "specified in the task definition.", bad)
            require(lb.get("container") in names, f"The container {lb.get('container')} does not exist in the task "
                    "definition.", bad)

    def create(self, op: Op, rec: Record):
        rec.outputs["events"] = []
        self._scale(op, rec, int(rec.attrs.get("desired") or 0))

    def update(self, op: Op, rec: Record, old: Record):
        rec.outputs["events"] = []
        moved = any(rec.attrs.get(k) != old.attrs.get(k) for k in ("task_definition", "load_balancer", "subnets",
                                                                    "capacity_provider_strategy", "placement"))
        if moved:
            self.redeploy(op, rec, save=False)
        else:
            self._scale(op, rec, int(rec.attrs.get("desired") or 0))

    def redeploy(self, op: Op, rec: Record, task: Record | None = None, save: bool = True):
        """A deployment: tasks of the current settings and revision replace the old ones (the end
        state of a rolling deployment)."""
        for old in op.tx.owned(rec.id, "ecs_task"):
            op.remove(old)
        rec.outputs["events"] = []
        self._scale(op, rec, int(rec.attrs.get("desired") or 0), task)
        if save:
            op.tx.save(rec)

    # --- placing tasks -----------------------------------------------------------------------------

    def _scale(self, op: Op, rec: Record, target: int, task: Record | None = None):
        tasks = op.tx.owned(rec.id, "ecs_task")
        while len(tasks) > target:  # stop the newest task of the AZ with the most
            counts = Counter(t.az for t in tasks)
            az = max(counts, key=lambda z: (counts[z], z or ""))
            victim = max((t for t in tasks if t.az == az), key=lambda t: t.seq)
            op.remove(victim)
            tasks.remove(victim)
        needs = Needs(op, rec, task)
        launch, groups = launch_of(op, rec)
        while len(tasks) < target:
            placed = self._fargate(op, rec, needs, tasks) if launch == "FARGATE" else \
                self._ec2(op, rec, needs, tasks, groups)
            if placed is None:
                break
            tasks.append(placed)
        rec.outputs.update(running_count=len(tasks), desired_count=target, launch_type=launch,
                           tasks=[t.id for t in sorted(tasks, key=lambda t: t.seq)])

    def _event(self, rec: Record, text: str):
        rec.outputs.setdefault("events", []).append(f"service {rec.name} {text}")

    def _fargate(self, op: Op, rec: Record, needs: Needs, tasks: list[Record]) -> Record | None:
        """The AZ with the fewest of the service's tasks, then a subnet there with a free address."""
        counts = Counter(t.az for t in tasks)
        zones = by_az(op, rec.attrs.get("subnets") or [])
        for az in sorted(zones, key=lambda z: (counts.get(z, 0), z)):
            for subnet in zones[az]:
                if self._free(op, subnet):
                    return self._start(op, rec, needs, subnet, None)
        self._event(rec, "was unable to place a task. Reason: there are not enough free IP addresses in its subnets "
                         f"({', '.join(rec.attrs.get('subnets') or [])}) for the task's network interface.")
        return None

    @staticmethod
    def _free(op: Op, subnet: Record) -> bool:
        from .. import addressing
        return addressing.available(op.tx, subnet.id, subnet.attrs["cidr"]) > 0

    def _ec2(self, op: Op, rec: Record, needs: Needs, tasks: list[Record], groups: list[str]) -> Record | None:
        instances = [i for g in groups for i in op.tx.owned(g, "instance")
                     if i.outputs.get("state", "running") == "running"]
        zones = by_az(op, rec.attrs.get("subnets") or []) if needs.awsvpc else {}
        if needs.awsvpc:
            instances = [i for i in instances if i.az in zones]
        if not instances:
            self._event(rec, "was unable to place a task because no container instance met all of its requirements. "
                             "Reason: No Container Instances were found in your cluster.")
            return None
        free = {i.id: self._room(op, i) for i in instances}
        fits = [i for i in instances if free[i.id][0] >= needs.cpu and free[i.id][1] >= needs.memory]
        if needs.awsvpc:
            fits = [i for i in fits if any(self._free(op, s) for s in zones[i.az])]
        if not fits:
            closest = max(instances, key=lambda i: (free[i.id][1], free[i.id][0], i.id))
            short = "memory" if free[closest.id][1] < needs.memory else "CPU"
            self._event(rec, "was unable to place a task because no container instance met all of its requirements. "
                             f"The closest matching container-instance {closest.id} has insufficient {short} "
                             "available.")
            return None
        chosen = self._choose(op, rec, fits, tasks, free)
        subnet = next(s for s in zones[chosen.az] if self._free(op, s)) if needs.awsvpc else None
        return self._start(op, rec, needs, subnet, chosen)

    @staticmethod
    def _room(op: Op, inst: Record) -> tuple[int, int]:
        """(CPU units, MiB) an instance has left: its type's, less what its tasks reserve."""
        t = instance_types.lookup(inst.attrs.get("instance_type") or "")
        cpu, memory = (t.vcpus * 1024, int(t.memory_gib * 1024)) if t else (0, 0)
        for task in op.tx.query("kind = 'ecs_task'"):
            if task.attrs.get("instance") == inst.id:
                cpu -= int(task.attrs.get("cpu") or 0)
                memory -= int(task.attrs.get("memory") or 0)
        return cpu, memory

    def _choose(self, op: Op, rec: Record, fits: list[Record], tasks: list[Record], free: dict) -> Record:
        strategy = rec.attrs.get("placement") or "spread"
        if strategy == "binpack":  # the least memory left that still fits
            return min(fits, key=lambda i: (free[i.id][1], free[i.id][0], i.id))
        if strategy == "random":
            n = op.number()
            return sorted(fits, key=lambda i: i.id)[int(ids.digest(op.seed, n, "placement"), 16) % len(fits)]
        by_zone = Counter(t.az for t in tasks)
        by_instance = Counter(t.attrs.get("instance") for t in tasks)
        return min(fits, key=lambda i: (by_zone.get(i.az, 0), by_instance.get(i.id, 0), i.id))

    def _start(self, op: Op, rec: Record, needs: Needs, subnet: Record | None, instance: Record | None) -> Record:
        cluster = op.the(rec.attrs["cluster"])
        n = op.number()
        task_id = ids.digest(op.seed, n, "ecs-task")[:32]
        arn = ids.arn("ecs", rec.region, f"task/{cluster.name}/{task_id}")
        az = subnet.attrs["az"] if subnet is not None else instance.az
        attrs = {"launch": "FARGATE" if instance is None else "EC2", "cpu": needs.cpu, "memory": needs.memory,
                 "instance": instance.id if instance is not None else None,
                 "task_definition": needs.task.outputs.get("arn") or needs.task.id}
        task = op.add_owned(rec, "ecs_task", "task", attrs, az=az, subnet=subnet.id if subnet is not None else None,
                            id=arn)
        ip = op.private_ip(subnet, task.id) if subnet is not None else instance.outputs.get("private_ip")
        targets = [{"target_group": lb["target_group"], "id": ip if needs.awsvpc else instance.id,
                    "port": lb.get("port")} for lb in rec.attrs.get("load_balancer") or []]
        task.outputs.update(task_id=task_id, arn=arn, private_ip=ip, last_status="RUNNING", targets=targets)
        op.tx.save(task)
        if subnet is not None:
            op.tx.set_refs(task.id, [("subnet", subnet.id)])
        return task

    def outputs(self, op: Op, rec: Record) -> dict:
        out = {k: rec.outputs.get(k) for k in ("running_count", "desired_count", "launch_type", "tasks", "events")}
        return {"name": rec.name, "status": "ACTIVE", **out,
                "availability_zone_rebalancing": "ENABLED" if rebalances(rec.attrs.get("az_rebalancing"), rec.attrs.get("placement")) else "DISABLED"}


BEHAVIOURS = {"ecr_repository": EcrRepository(), "ecs_cluster": EcsCluster(), "ecs_task_definition": EcsTaskDefinition(),
              "ecs_service": EcsService()}
