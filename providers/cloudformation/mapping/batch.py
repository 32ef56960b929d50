"""AWS Batch: a compute environment is an `AWS::Batch::ComputeEnvironment` (MANAGED, its
compute resources typed EC2, SPOT, FARGATE or FARGATE_SPOT); a job queue an
`AWS::Batch::JobQueue` with its compute environments in the order written; a job definition an
`AWS::Batch::JobDefinition` of type container (a Fargate one with its public address written
DISABLED unless asked).

An EC2 or SPOT environment's instance role is written as the role's instance profile (what
Batch launches instances with); a spot environment's allocation strategy is written,
SPOT_PRICE_CAPACITY_OPTIMIZED unless given (AWS's BEST_FIT default needs a Spot Fleet role); the
service role is left to Batch's service-linked role unless
written.
"""

from __future__ import annotations

from ..units import percent, seconds, size_bytes
from .common import REF


def batch_compute_environment(r):
    from archform.stdlib.kinds.batch import FARGATE
    kind = r.raw("type") or "ec2"
    fargate = kind in FARGATE
    bid = r.raw("bid_percentage")
    role = r.target("instance_role")
    profile = None
    if role is not None:
        profile = r.ref("instance_role", export="profile_arn") if r.ctx.kind(role) == "iam_role" else \
            r.ref("instance_role", export="arn")
    strategy = r.raw("allocation_strategy") or ("spot_price_capacity_optimized" if kind == "spot" else None)
    r.part("AWS::Batch::ComputeEnvironment", {
        "ComputeEnvironmentName": r.val("name"),
        "Type": "MANAGED",
        "State": "DISABLED" if r.raw("enabled") is False else "ENABLED",
        "ServiceRole": r.ref("service_role", export="arn"),
        "ComputeResources": {
            "Type": kind.upper(),
            "MinvCpus": None if fargate else (r.val("min_vcpus") if r.peek("min_vcpus") is not None else 0),
            "DesiredvCpus": None if fargate else r.val("desired_vcpus"),
            "MaxvCpus": r.val("max_vcpus"),
            "InstanceTypes": None if fargate else r.val("instance_types"),
            "InstanceRole": None if fargate else profile,
            "AllocationStrategy": strategy.upper() if strategy and not fargate else None,
            "BidPercentage": int(percent(bid)) if bid is not None and not fargate else None,
            "Subnets": r.refs("subnets"),
            "SecurityGroupIds": r.refs("security_groups") or None,
            "Tags": None if fargate else r.val("tags") or None,  # a map here; Fargate takes none
        },
        "Tags": r.val("tags") or None,  # a map, not a list
    })


def batch_job_queue(r):
    envs = r.refs("compute_environments")
    r.part("AWS::Batch::JobQueue", {
        "JobQueueName": r.val("name"),
        "Priority": r.val("priority") if r.peek("priority") is not None else 1,
        "State": "DISABLED" if r.raw("enabled") is False else "ENABLED",
        "ComputeEnvironmentOrder": [{"ComputeEnvironment": e, "Order": i + 1} for i, e in enumerate(envs)],
        "Tags": r.val("tags") or None,
    })


def batch_job_definition(r):
    fargate = r.raw("platform") == "fargate"
    memory = int(size_bytes(r.get("memory") or "2GiB") // (1 << 20))
    env = r.raw("environment") or {}
    timeout = r.raw("timeout")
    r.part("AWS::Batch::JobDefinition", {
        "JobDefinitionName": r.val("name"),
        "Type": "container",
        "PlatformCapabilities": ["FARGATE" if fargate else "EC2"],
        "ContainerProperties": {
            "Image": r.val("image"),
            "Command": r.val("command") or None,
            "ResourceRequirements": [{"Type": "VCPU", "Value": f"{float(r.raw('vcpus') or 1):g}"},
                                     {"Type": "MEMORY", "Value": str(memory)}],
            "Environment": [{"Name": k, "Value": r.val("environment", k)} for k in sorted(env)] or None,
            "JobRoleArn": r.ref("job_role", export="arn"),
            "ExecutionRoleArn": r.ref("execution_role", export="arn"),
            "NetworkConfiguration": {"AssignPublicIp": "ENABLED" if r.raw("assign_public_ip") else "DISABLED"}
            if fargate else None,
        },
        "RetryStrategy": {"Attempts": r.val("attempts") if r.peek("attempts") is not None else 1},
        "Timeout": {"AttemptDurationSeconds": seconds(timeout)} if timeout is not None else None,
        "Tags": r.val("tags") or None,
    })


MAPPERS = {"batch_compute_environment": batch_compute_environment, "batch_job_queue": batch_job_queue,
           "batch_job_definition": batch_job_definition}

TYPES = {
    "batch_compute_environment": ["AWS::Batch::ComputeEnvironment"],
    "batch_job_queue": ["AWS::Batch::JobQueue"],
    "batch_job_definition": ["AWS::Batch::JobDefinition"],
}

EXPORTS = {
    "batch_compute_environment": {"id": REF, "arn": REF, "ecs_cluster": None},
    "batch_job_queue": {"id": REF, "arn": REF},
    "batch_job_definition": {"id": REF, "arn": REF, "revision": None},
}
