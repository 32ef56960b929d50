"""Amazon EMR: a cluster is one `AWS::EMR::Cluster`.

Its instance groups (master, core, task) are written with their type, count and market
(`ON_DEMAND` or `SPOT`) in the cluster's one subnet. The roles are EMR's default roles
(`EMR_DefaultRole`, the instance profile `EMR_EC2_DefaultRole`, which `aws emr
create-default-roles` makes) unless the author names `service_role` and `instance_role` (the
latter through its instance profile). Logs go to `s3://BUCKET/PREFIX` when `log_bucket` is
named; managed scaling is written in instances; termination protection explicitly. Deleting
the stack deletes the cluster (`DeletionPolicy: Delete`, written): its HDFS is scratch space,
and what a cluster keeps it writes to S3.
"""

from __future__ import annotations

import re

from archform.stdlib.kinds.emr import APPLICATIONS

from ..intrinsics import sub
from .common import REF, arn_export, getatt

DEFAULT_SERVICE_ROLE = "EMR_DefaultRole"
DEFAULT_INSTANCE_PROFILE = "EMR_EC2_DefaultRole"
_MARKET = {"on_demand": "ON_DEMAND", "spot": "SPOT"}


def _group(r, role: str) -> dict | None:
    if not r.peek(role) or not r.raw(role, "count"):
        return None
    return {"Name": role.capitalize(), "InstanceCount": r.val(role, "count"),
            "InstanceType": r.val(role, "instance_type"), "Market": _MARKET[r.raw(role, "market") or "on_demand"]}


def _scaling(r) -> dict | None:
    if not r.peek("managed_scaling"):
        return None
    return {"ComputeLimits": {"UnitType": "Instances",
                              "MinimumCapacityUnits": r.val("managed_scaling", "min"),
                              "MaximumCapacityUnits": r.val("managed_scaling", "max"),
                              "MaximumOnDemandCapacityUnits": r.val("managed_scaling", "max_on_demand"),
                              "MaximumCoreCapacityUnits": r.val("managed_scaling", "max_core")}}


def emr_cluster(r):
    task = _group(r, "task")
    r.part("AWS::EMR::Cluster", {
        "Name": r.val("name") or re.sub(r"[^A-Za-z0-9_.-]", "-", r.address)[:256],
        "ReleaseLabel": r.val("release_label"),
        "Applications": [{"Name": APPLICATIONS[a]} for a in r.raw("applications") or []] or None,
        "Instances": {
            "Ec2SubnetId": r.ref("subnet"),
            "MasterInstanceGroup": _group(r, "master"),
            "CoreInstanceGroup": _group(r, "core"),
            "TaskInstanceGroups": [task] if task else None,
            "TerminationProtected": bool(r.raw("termination_protection")),
            "KeepJobFlowAliveWhenNoSteps": r.raw("keep_alive") is not False,
        },
        "ServiceRole": r.ref("service_role", export="name") if r.target("service_role") else DEFAULT_SERVICE_ROLE,
        "JobFlowRole": r.ref("instance_role", export="profile_name") if r.target("instance_role")
        else DEFAULT_INSTANCE_PROFILE,
        "LogUri": sub("s3://", r.ref("log_bucket"), "/", r.val("log_prefix") or "") if r.target("log_bucket") else None,
        "ManagedScalingPolicy": _scaling(r),
        "VisibleToAllUsers": True,
        "Tags": r.tags() or None,
    }, deletion="Delete")  # HDFS is the cluster's scratch space: what it keeps is written to S3 (EMRFS)


MAPPERS = {"emr_cluster": emr_cluster}

TYPES = {"emr_cluster": ["AWS::EMR::Cluster"]}

EXPORTS = {"emr_cluster": {"id": REF, "arn": arn_export("elasticmapreduce", "cluster/"),
                           "master_dns": getatt("MasterPublicDNS")}}
