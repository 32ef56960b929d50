"""AWS Batch (notes §27.6, §26): managed compute environments — EC2 instances (on demand or
spot) AWS Batch launches and scales between a minimum and a maximum of vCPUs, or Fargate
capacity — and the job queues that place jobs on them in order.

AWS's rules, each a diagnostic here (AWS Batch API reference: CreateComputeEnvironment,
ComputeResource, CreateJobQueue; user guide "Compute environments on Fargate", "Job queues on
Fargate"):

- A compute environment: 0 ≤ min_vcpus ≤ desired_vcpus ≤ max_vcpus; instance types (or
  families, or `optimal`) and an instance role for EC2 and SPOT; a spot allocation strategy
  (SPOT_CAPACITY_OPTIMIZED, SPOT_PRICE_CAPACITY_OPTIMIZED) and `bid_percentage` (0–100% of the
  On-Demand price) only for SPOT; Fargate (FARGATE, FARGATE_SPOT) takes none of min/desired
  vCPUs, instance types, allocation strategy, bid percentage or instance role, and at most 16
  subnets and 5 security groups. Its subnets are of one VPC.
- A job definition: a container for EC2 (a whole number of vCPUs, at least 1; at least 4 MiB)
  or Fargate (one of Fargate's vCPU/memory pairs and an execution role); 1–10 attempts; a
  timeout of at least 60 seconds.
- A job queue: 1–3 compute environments, in order; all EC2 (EC2 or SPOT) or all Fargate
  (FARGATE or FARGATE_SPOT), never mixed, and of one CPU architecture; a priority ≥ 0 (the
  higher runs first where queues share an environment).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib import instance_types
from archform.stdlib.kinds.eks import assumable
from archform.stdlib.kinds.network import elsewhere, groups_outside, vpc_of
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Duration, Enum, IntRange, Number, Percent, Ref, SizeRange, Str, Tags, size

from archform.stdlib.kinds._batch_facts import (FARGATE, MAX_FARGATE_SECURITY_GROUPS, MAX_FARGATE_SUBNETS,  # noqa: F401
                                                MAX_QUEUE_ENVIRONMENTS, OPTIMAL_MODELED, SPOT_STRATEGIES, STRATEGIES,
                                                TYPES, launch_type)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_FAMILY = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*$")


def architecture(names: list) -> str | None:
    """The CPU architecture of a compute environment's instance types, when they say one."""
    arches = set()
    for name in names:
        if not isinstance(name, str) or name == "optimal":
            arches.add("x86_64")
            continue
        t = instance_types.lookup(name) or next((instance_types.lookup(n) for n in instance_types.sizes(name)), None)
        if t is not None:
            arches.add(t.arch)
    return next(iter(arches)) if len(arches) == 1 else None


class BatchComputeEnvironment(Kind):
    """A managed AWS Batch compute environment (notes §27.6): the capacity Batch runs jobs on.
    `ec2` and `spot` environments are EC2 instances Batch launches into the subnets (an Auto
    Scaling group underneath, holding at least `min_vcpus`, scaling to `max_vcpus` as jobs
    arrive), with `instance_types` (types, families or `optimal`) and an `instance_role`;
    `fargate` and `fargate_spot` run each job on Fargate. Spot environments pick instances by
    `allocation_strategy` (spot_price_capacity_optimized unless written, AWS's recommendation;
    best_fit would need a Spot Fleet role) and pay at most `bid_percentage` of the On-Demand
    price. Instances get
    no public address unless their subnets give one."""

    kind: Literal["batch_compute_environment"] = "batch_compute_environment"
    title: ClassVar[str] = "AWS Batch compute environment"
    noun: ClassVar[str] = "Batch compute environment"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "ecs_cluster": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "type", "instance_role", "allocation_strategy",
                                                     "bid_percentage"})

    name: Str | None = None
    type: Enum(*TYPES, what="compute environment type") = "ec2"
    enabled: Bool = True
    min_vcpus: IntRange(0, what="min_vcpus") | None = None
    desired_vcpus: IntRange(0, what="desired_vcpus") | None = None
    max_vcpus: IntRange(1, what="max_vcpus")
    instance_types: list[Str] = Field(default_factory=list)
    instance_role: Ref["iam_role", "instance_profile"] | None = None
    allocation_strategy: Enum(*STRATEGIES, what="allocation strategy") | None = None
    bid_percentage: Percent | None = None
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    service_role: Ref["iam_role"] | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a compute environment name is 1–128 letters, digits, '-' and '_', got '{self.name}'",
                        ("name",))
        if self.type in FARGATE:
            yield from self._fargate_issues()
        elif isinstance(self.type, str):
            yield from self._ec2_issues(graph)
        yield from self._vcpu_issues()
        yield from self._network_issues(me, graph)
        if self.service_role is not None:
            yield from assumable(graph, self.service_role, "batch.amazonaws.com", "AWS Batch manages the "
                                 "environment's capacity with it", ("service_role",))

    def _fargate_issues(self) -> Iterable[Issue]:
        for field in ("min_vcpus", "desired_vcpus", "allocation_strategy", "bid_percentage", "instance_role"):
            if getattr(self, field) is not None:
                yield Issue(f"{field} does not apply to a {self.type} compute environment: Fargate runs each job on "
                            "capacity of its own", (field,), help=f"remove {field}, or use type = ec2 or spot")
        if self.instance_types:
            yield Issue(f"a {self.type} compute environment takes no instance types: Fargate runs each job on capacity "
                        "of its own", ("instance_types",), help="remove instance_types, or use type = ec2 or spot")
        if len(self.subnets) > MAX_FARGATE_SUBNETS:
            yield Issue(f"a Fargate compute environment takes at most {MAX_FARGATE_SUBNETS} subnets, got "
                        f"{len(self.subnets)}", ("subnets",))
        if len(self.security_groups) > MAX_FARGATE_SECURITY_GROUPS:
            yield Issue(f"a Fargate compute environment takes at most {MAX_FARGATE_SECURITY_GROUPS} security groups, "
                        f"got {len(self.security_groups)}", ("security_groups",))

    def _ec2_issues(self, graph: Graph) -> Iterable[Issue]:
        if not self.instance_types:
            yield Issue(f"an {self.type} compute environment needs instance types (types, families or optimal)",
                        ("instance_types",), help="instance_types = [optimal]")
        for i, name in enumerate(self.instance_types):
            if isinstance(name, str) and name != "optimal" and instance_types.lookup(name) is None \
                    and not (_FAMILY.match(name) and instance_types.sizes(name)):
                yield Issue(f"'{name}' is not an instance type, an instance family or optimal", ("instance_types", i))
        if len(self.instance_types) > 1 and architecture(self.instance_types) is None and all(
                isinstance(n, str) for n in self.instance_types):
            yield Issue("a compute environment's instance types are of one CPU architecture (x86_64 or arm64)",
                        ("instance_types",))
        if self.instance_role is None:
            yield Issue(f"an {self.type} compute environment needs an instance_role: its instances join the "
                        "environment's ECS cluster with it", ("instance_role",),
                        help="instance_role = a role EC2 may assume, with AmazonEC2ContainerServiceforEC2Role")
        elif getattr(self.instance_role, "kind", "iam_role") == "iam_role":
            yield from assumable(graph, self.instance_role, "ec2.amazonaws.com", "the instances are EC2 instances "
                                 "that assume it", ("instance_role",))
        if self.type == "spot" and self.allocation_strategy == "best_fit":
            yield Issue("a spot environment allocating best_fit needs a Spot Fleet role (spotIamFleetRole), which "
                        "archform does not model; AWS recommends spot_price_capacity_optimized", ("allocation_strategy",),
                        help="allocation_strategy = spot_price_capacity_optimized")
        if self.type == "ec2":
            if self.allocation_strategy in SPOT_STRATEGIES:
                yield Issue(f"{self.allocation_strategy} chooses spot capacity; this environment runs on demand",
                            ("allocation_strategy",), help="type = spot, or allocation_strategy = best_fit_progressive")
            if self.bid_percentage is not None:
                yield Issue("bid_percentage caps the price of spot instances; this environment runs on demand",
                            ("bid_percentage",), help="type = spot, or remove bid_percentage")
        p = self.bid_percentage
        if isinstance(p, v.Percent) and not 0 <= p.value <= 100:
            yield Issue(f"bid_percentage is 0%–100% of the On-Demand price, got {p}", ("bid_percentage",))

    def _vcpu_issues(self) -> Iterable[Issue]:
        low = self.min_vcpus if isinstance(self.min_vcpus, int) else 0
        high = self.max_vcpus if isinstance(self.max_vcpus, int) else None
        desired = self.desired_vcpus if isinstance(self.desired_vcpus, int) else None
        if high is not None and low > high:
            yield Issue(f"a compute environment needs min_vcpus ≤ max_vcpus; {low} is greater than {high}",
                        ("min_vcpus",))
        elif desired is not None and not low <= desired <= (high if high is not None else desired):
            yield Issue(f"desired_vcpus is between min_vcpus ({low}) and max_vcpus ({high}), got {desired}",
                        ("desired_vcpus",))

    def _network_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a managed compute environment needs the subnets its capacity runs in", ("subnets",))
            return
        if not self.security_groups:
            yield Issue("a managed compute environment needs at least one security group for its instances or "
                        "Fargate tasks (securityGroupIds)", ("security_groups",))
        known = [s for s in (deref(graph, r) for r in self.subnets) if s is not None and not elsewhere(me, s)]
        vpcs = sorted({vpc_of(graph, s) for s in known} - {None})
        if len(vpcs) > 1:
            yield Issue(f"a compute environment's subnets are all of one VPC; these are of {len(vpcs)}: "
                        f"{', '.join(vpcs)}", ("subnets",))
        elif vpcs:
            yield from groups_outside(graph, self.security_groups, vpcs[0], "the environment's")


class BatchJobQueue(Kind):
    """An AWS Batch job queue: jobs submitted to it run on its `compute_environments`, tried in
    the order written (1–3 of them, all EC2/spot or all Fargate). Where several queues share
    an environment, the one with the higher `priority` is scheduled first."""

    kind: Literal["batch_job_queue"] = "batch_job_queue"
    title: ClassVar[str] = "AWS Batch job queue"
    noun: ClassVar[str] = "Batch job queue"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    priority: IntRange(0, what="priority") = 1
    enabled: Bool = True
    compute_environments: list[Ref["batch_compute_environment"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a job queue name is 1–128 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        envs = self.compute_environments
        if not envs:
            yield Issue("a job queue needs at least one compute environment to run its jobs on",
                        ("compute_environments",))
            return
        if len(envs) > MAX_QUEUE_ENVIRONMENTS:
            yield Issue(f"a job queue takes at most {MAX_QUEUE_ENVIRONMENTS} compute environments, got {len(envs)}",
                        ("compute_environments",), help="split the jobs over several queues")
        seen: set[str] = set()
        for i, ref in enumerate(envs):
            address = getattr(ref, "address", None)
            if address in seen:
                yield Issue(f"compute environment '{address}' is listed twice", ("compute_environments", i))
            seen.add(address)
        views = [(i, deref(graph, ref)) for i, ref in enumerate(envs)]
        views = [(i, e) for i, e in views if e is not None]
        fargate = [(i, e) for i, e in views if e.model.type in FARGATE]
        ec2 = [(i, e) for i, e in views if e.model.type not in FARGATE]
        if fargate and ec2:
            i, odd = (fargate if fargate[0][0] > ec2[0][0] else ec2)[0]
            other = (ec2 if odd.model.type in FARGATE else fargate)[0][1]
            yield Issue(f"a job queue's compute environments are all EC2 (ec2, spot) or all Fargate (fargate, "
                        f"fargate_spot): '{odd.address}' is {odd.model.type}, '{other.address}' "
                        f"{other.model.type}", ("compute_environments", i),
                        related=(Related(odd.address, ("type",), odd.model.type),
                                 Related(other.address, ("type",), other.model.type + (
                                     "" if "type" in other.model.model_fields_set else " (the default type)"))),
                        help="put the Fargate environments on a queue of their own")
        if views and all(e.model.enabled is False for _, e in views) and self.enabled is not False:
            yield Issue("every compute environment of this queue is disabled: its jobs wait in RUNNABLE until one is "
                        "enabled", ("compute_environments",), severity="warning",
                        related=tuple(Related(e.address, ("enabled",), "disabled") for _, e in views[:3]))
        arches = {}
        for i, e in ec2:
            arch = architecture(e.model.instance_types) if e.model.instance_types else None
            if arch is not None:
                arches.setdefault(arch, (i, e))
        if len(arches) > 1:
            (i, e) = max(arches.values(), key=lambda p: p[0])
            yield Issue(f"a job queue's compute environments share one CPU architecture; these run "
                        f"{' and '.join(sorted(arches))}", ("compute_environments", i),
                        related=tuple(Related(x.address, ("instance_types",), a) for a, (_, x) in sorted(arches.items())))


MAX_ATTEMPTS = 10  # RetryStrategy.attempts: 1 to 10
MIN_TIMEOUT_SECONDS = 60  # JobTimeout.attemptDurationSeconds: at least 60
FARGATE_VCPUS = (0.25, 0.5, 1, 2, 4, 8, 16)  # Fargate job vCPU values (Batch API: ResourceRequirement)
EC2_MIN_MEMORY_MIB = 4  # ResourceRequirement MEMORY on EC2: at least 4 MiB


class BatchJobDefinition(Kind):
    """An AWS Batch job definition (notes §27.6: jobs are Docker images run on ECS): a container
    `image` with its `vcpus` and `memory`, for the `ec2` platform (EC2 and spot compute
    environments) or `fargate` (Fargate ones: one of Fargate's vCPU/memory pairs, an
    `execution_role` to pull the image and write logs, no public address unless
    `assign_public_ip`). A failed job is tried `attempts` times; one running longer than
    `timeout` is stopped. Each change is a new revision, as AWS keeps them."""

    kind: Literal["batch_job_definition"] = "batch_job_definition"
    title: ClassVar[str] = "AWS Batch job definition"
    noun: ClassVar[str] = "Batch job definition"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "revision": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    platform: Enum("ec2", "fargate", what="platform") = "ec2"
    image: Str
    vcpus: Number = 1
    memory: SizeRange("4MiB", what="memory") = size("2GiB")
    command: list[Str] = Field(default_factory=list)
    environment: dict[str, Str] = Field(default_factory=dict)
    job_role: Ref["iam_role"] | None = None
    execution_role: Ref["iam_role"] | None = None
    assign_public_ip: Bool = False  # safe default (the API's DISABLED, written)
    attempts: IntRange(1, MAX_ATTEMPTS, what="attempts") = 1
    timeout: Duration | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a job definition name is 1–128 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        t = self.timeout
        if isinstance(t, v.Duration) and t.total_seconds < MIN_TIMEOUT_SECONDS:
            yield Issue(f"a job's timeout is at least {MIN_TIMEOUT_SECONDS} seconds, got {t}", ("timeout",))
        for field, service, what in (("job_role", "ecs-tasks.amazonaws.com", "the job's containers assume it"),
                                     ("execution_role", "ecs-tasks.amazonaws.com", "ECS pulls the image and writes "
                                      "the logs with it")):
            if getattr(self, field) is not None:
                yield from assumable(graph, getattr(self, field), service, what, (field,))
        if self.platform == "fargate":
            yield from self._fargate_issues()
        else:
            if isinstance(self.vcpus, (int, float)) and (self.vcpus < 1 or self.vcpus != int(self.vcpus)):
                yield Issue(f"a job on EC2 reserves a whole number of vCPUs, at least 1, got {self.vcpus:g}",
                            ("vcpus",), help="vcpus = 1, or platform = fargate for fractions of a vCPU")
            if self.assign_public_ip is True:
                yield Issue("assign_public_ip is for Fargate jobs; a job on EC2 uses its instance's network",
                            ("assign_public_ip",))

    def _fargate_issues(self) -> Iterable[Issue]:
        from archform.stdlib.kinds._ecs_limits import FARGATE_SIZES, memory_choices
        if self.execution_role is None:
            yield Issue("a Fargate job needs an execution_role: Fargate pulls the image and writes the logs with it",
                        ("execution_role",), help="execution_role = a role ecs-tasks may assume, with "
                        "AmazonECSTaskExecutionRolePolicy")
        if not isinstance(self.vcpus, (int, float)):
            return
        if self.vcpus not in FARGATE_VCPUS:
            yield Issue(f"a Fargate job has {', '.join(f'{c:g}' for c in FARGATE_VCPUS)} vCPUs, not {self.vcpus:g}",
                        ("vcpus",))
            return
        units = int(self.vcpus * 1024)
        if isinstance(self.memory, v.Size):
            mib = self.memory.bytes / (1 << 20)
            if mib not in FARGATE_SIZES[units]:
                yield Issue(f"a Fargate job with {self.vcpus:g} vCPU takes {memory_choices(units)} of memory, not "
                            f"{self.memory}", ("memory",))
