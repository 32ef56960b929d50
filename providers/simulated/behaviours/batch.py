"""AWS Batch: compute environments and job queues, each known by its name.

- A managed EC2 or SPOT compute environment keeps an Auto Scaling group of its own
  (`AutoscalingGroup`'s launching and AZ balancing, `instance` records it owns, on hosts): enough
  instances of its first instance type for `desired_vcpus` (else `min_vcpus`, 0 by default: no
  instance until jobs arrive), spot instances for SPOT; a Fargate environment holds no instance.
  It belongs to an ECS cluster Batch creates (`ecs_cluster`). CreateComputeEnvironment refuses
  Fargate environments with EC2-only settings, min > desired > max; an environment a job queue
  uses cannot be deleted.
- A job definition: a revision per registration (its ARN ends `:revision`).
- A job queue: CreateJobQueue refuses more than three compute environments, and EC2 and
  Fargate ones mixed (a disabled environment may be listed: no job is placed on it).
"""

from __future__ import annotations

import math

from archform.stdlib import instance_types
from archform.stdlib.kinds._batch_facts import FARGATE, MAX_QUEUE_ENVIRONMENTS, launch_type

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, in_use, require, users_of
from .common import subnets_vpc
from .compute import AutoscalingGroup

CODE = "ClientException"


def vcpus_of(rec: Record) -> int:
    types = rec.attrs.get("instance_types") or ["optimal"]
    t = instance_types.lookup(launch_type(types[0]))
    return t.vcpus if t is not None else 2


def instance_count(rec: Record, vcpus: int | None) -> int:
    """Instances of the launch type that hold `vcpus` (Batch may exceed max by one instance)."""
    return 0 if not vcpus else math.ceil(int(vcpus) / vcpus_of(rec))


class BatchComputeEnvironment(AutoscalingGroup):
    service = "batch"
    name_max = 128
    name_taken_code = CODE

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Object already exists: compute environment {name}"

    def arn(self, rec: Record) -> str:
        return ids.arn("batch", rec.region, f"compute-environment/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        fargate = a.get("type") in FARGATE
        subnets = a.get("subnets") or []
        require(bool(subnets), "computeResources.subnets must not be empty", CODE)
        subnets_vpc(op, subnets, "compute environment", code=CODE)
        if fargate:
            for field, api in (("min_vcpus", "minvCpus"), ("desired_vcpus", "desiredvCpus"),
                               ("instance_types", "instanceTypes"), ("allocation_strategy", "allocationStrategy"),
                               ("bid_percentage", "bidPercentage"), ("instance_role", "instanceRole")):
                require(not a.get(field), f"Error executing request, Exception : {api} is not applicable for "
                        "Fargate compute resources", CODE)
        else:
            require(bool(a.get("instance_types")), "computeResources.instanceTypes must not be empty", CODE)
            require(bool(a.get("instance_role")), "computeResources.instanceRole is required", CODE)
        low, high, desired = int(a.get("min_vcpus") or 0), int(a["max_vcpus"]), a.get("desired_vcpus")
        require(low <= high, f"minvCpus {low} cannot be greater than maxvCpus {high}", CODE)
        if desired is not None:
            require(low <= int(desired) <= high, f"desiredvCpus {desired} must be between minvCpus {low} and "
                    f"maxvCpus {high}", CODE)

    @staticmethod
    def settings(op: Op, rec: Record) -> dict:
        a = rec.attrs
        types = a.get("instance_types") or ["optimal"]
        return {"instance_type": launch_type(types[0]), "security_groups": a.get("security_groups") or [],
                "purchase": "spot" if a.get("type") == "spot" else None, "iam_role": a.get("instance_role")}

    def _wanted(self, rec: Record) -> int:
        if rec.attrs.get("type") in FARGATE:
            return 0
        a = rec.attrs
        return instance_count(rec, a.get("desired_vcpus") if a.get("desired_vcpus") is not None else a.get("min_vcpus"))

    def create(self, op: Op, rec: Record):
        self._scale(op, rec, self._wanted(rec))

    def update(self, op: Op, rec: Record, old: Record):
        self._scale(op, rec, self._wanted(rec))

    def outputs(self, op: Op, rec: Record) -> dict:
        out = super().outputs(op, rec)
        cluster = f"AWSBatch-{rec.name}-{ids.uuid(0, rec.seq, rec.id)}"
        return {**out, "status": "VALID", "state": "DISABLED" if rec.attrs.get("enabled") is False else "ENABLED",
                "ecs_cluster": ids.arn("ecs", rec.region, f"cluster/{cluster}")}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("batch_job_queue",))
        if users:
            raise in_use(rec, users, code=CODE, what=" (Cannot delete, found existing JobQueue relationship)")


class _BatchNamed(Named):
    """A Batch resource known by its `name` (or one made from its address): 1–128 characters."""

    service = "batch"
    name_max = 128
    name_taken_code = CODE

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")


class BatchJobQueue(_BatchNamed):
    def arn(self, rec: Record) -> str:
        return ids.arn("batch", rec.region, f"job-queue/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        envs = [op.the(e) for e in rec.attrs.get("compute_environments") or []]
        require(1 <= len(envs) <= MAX_QUEUE_ENVIRONMENTS, "computeEnvironmentOrder takes 1 to "
                f"{MAX_QUEUE_ENVIRONMENTS} compute environments, got {len(envs)}", CODE)
        kinds = {"fargate" if e.attrs.get("type") in FARGATE else "ec2" for e in envs}
        require(len(kinds) == 1, "computeEnvironmentOrder: EC2 and Fargate compute environments can't be mixed", CODE)

    def outputs(self, op: Op, rec: Record) -> dict:
        envs = rec.attrs.get("compute_environments") or []
        return {"name": rec.name, "status": "VALID", "state": "DISABLED" if rec.attrs.get("enabled") is False
                else "ENABLED", "compute_environment_order": [{"order": i + 1, "compute_environment": e}
                                                              for i, e in enumerate(envs)]}


class BatchJobDefinition(_BatchNamed):
    """Each registration is a new revision of the name (1, 2, …); RegisterJobDefinition refuses
    a Fargate job without an execution role."""

    def regional_id(self, op: Op, rec: Record) -> str:
        # the name without a revision (what a job submitted by name runs: the latest); `arn` has it
        return ids.arn("batch", rec.region, f"job-definition/{rec.name}")

    def arn(self, rec: Record) -> str:
        return ids.arn("batch", rec.region, f"job-definition/{rec.name}:{rec.outputs.get('revision', 1)}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        if rec.attrs.get("platform") == "fargate":
            require(bool(rec.attrs.get("execution_role")), "Fargate job definitions require an executionRoleArn", CODE)

    def create(self, op: Op, rec: Record):
        rec.outputs["revision"] = 1

    def update(self, op: Op, rec: Record, old: Record):
        rec.outputs["revision"] = int(old.outputs.get("revision", 1)) + 1

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "revision": rec.outputs.get("revision", 1), "status": "ACTIVE",
                "arn": self.arn(rec)}


BEHAVIOURS = {"batch_compute_environment": BatchComputeEnvironment(), "batch_job_queue": BatchJobQueue(),
              "batch_job_definition": BatchJobDefinition()}
