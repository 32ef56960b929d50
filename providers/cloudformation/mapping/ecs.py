"""Amazon ECR and ECS (notes §15.2, §15.3).

- `ecr_repository`: `AWS::ECR::Repository`, its lifecycle rules as the policy text ECR reads.
- `ecs_cluster`: `AWS::ECS::Cluster` with Container Insights; one `AWS::ECS::CapacityProvider`
  per Auto Scaling group provider; `AWS::ECS::ClusterCapacityProviderAssociations` naming
  them (and FARGATE/FARGATE_SPOT) with the default strategy.
- `ecs_task_definition`: `AWS::ECS::TaskDefinition`. A container whose image is a repository
  reads `<repository URI>:<tag>`; secrets are `ValueFrom` references (no value is written).
- `ecs_service`: `AWS::ECS::Service`, waiting for the listeners that forward to its target
  groups (ECS refuses a target group no load balancer uses); with `min_tasks`/`max_tasks`
  an `AWS::ApplicationAutoScaling::ScalableTarget` (scheduled actions inside it) and one
  `ScalingPolicy` per target-tracking or step policy (a step policy with its CloudWatch alarm).
"""

from __future__ import annotations

import json

from archform.stdlib.kinds._ecs_limits import rebalances

from ..intrinsics import Att, sub
from ..logical_ids import camel
from ..units import number, percent, seconds, size_bytes
from .common import REF, getatt

MIB = 1024 * 1024
_TRACKING = {"cpu": "ECSServiceAverageCPUUtilization", "memory": "ECSServiceAverageMemoryUtilization",
             "request_count": "ALBRequestCountPerTarget"}
_ALARM_METRIC = {"cpu": ("AWS/ECS", "CPUUtilization"), "memory": ("AWS/ECS", "MemoryUtilization"),
                 "request_count": ("AWS/ApplicationELB", "RequestCountPerTarget")}
_PROVIDERS = {"fargate": "FARGATE", "fargate_spot": "FARGATE_SPOT"}


def _number(r, *path):
    """A level written as a number or a percentage, or read from another resource's export."""
    raw = r.get(*path)
    return r.val(*path) if isinstance(raw, dict) else number(raw)


def _mib(text) -> int | None:
    return None if text is None else int(size_bytes(text) // MIB)


def _enabled(flag) -> str:
    return "ENABLED" if flag else "DISABLED"


# --- ECR ----------------------------------------------------------------------------------------------

def lifecycle_policy(rules: list[dict]) -> str | None:
    """ECR's lifecycle policy text: each rule's selection and action, in priority order."""
    out = []
    for i, rule in enumerate(rules):
        selection = {"tagStatus": rule.get("tag_status") or "untagged"}
        if rule.get("tag_prefixes"):
            selection["tagPrefixList"] = list(rule["tag_prefixes"])
        if rule.get("keep_last") is not None:
            selection.update(countType="imageCountMoreThan", countNumber=int(rule["keep_last"]))
        else:
            selection.update(countType="sinceImagePushed", countUnit="days",
                             countNumber=int(seconds(rule["expire_after"]) // 86400))
        out.append({"rulePriority": int(rule.get("priority") or i + 1), "description": rule.get("name"),
                    "selection": selection, "action": {"type": "expire"}})
    if not out:
        return None
    return json.dumps({"rules": sorted(out, key=lambda r: r["rulePriority"])}, sort_keys=True, separators=(",", ":"))


def ecr_repository(r):
    kms = r.raw("encryption") != "aes256"
    policy = lifecycle_policy(r.raw("lifecycle_rule") or [])
    r.part("AWS::ECR::Repository", {
        "RepositoryName": r.val("name"),
        "ImageScanningConfiguration": {"ScanOnPush": r.raw("scan_on_push") is not False},
        "ImageTagMutability": "IMMUTABLE" if r.raw("tag_immutability") is not False else "MUTABLE",
        "EncryptionConfiguration": {"EncryptionType": "KMS" if kms else "AES256",
                                    "KmsKey": r.val("kms_key") if kms else None},
        "LifecyclePolicy": {"LifecyclePolicyText": policy} if policy else None,
        "EmptyOnDelete": True if r.raw("force_delete") else None,
        "Tags": r.tags(),
    })


# --- cluster ------------------------------------------------------------------------------------------

def _provider_suffix(name: str) -> str:
    return "Provider" + camel(name)


def provider_name(r, name: str):
    """A strategy's provider as CloudFormation names it: FARGATE, or the provider's Ref."""
    if name in _PROVIDERS:
        return _PROVIDERS[name]
    return Att(r.address, _provider_suffix(name))


def ecs_cluster(r):
    r.part("AWS::ECS::Cluster", {
        "ClusterName": r.val("name"),
        "ClusterSettings": [{"Name": "containerInsights",
                             "Value": "enabled" if r.raw("container_insights") is not False else "disabled"}],
        "Tags": r.tags(),
    })
    providers = [_PROVIDERS[p] for p in r.raw("capacity_providers") or []]
    for i, cp in enumerate(r.raw("capacity_provider") or []):
        p = ("capacity_provider", i)
        scaling = cp.get("managed_scaling") is not False
        r.part("AWS::ECS::CapacityProvider", {
            "AutoScalingGroupProvider": {
                "AutoScalingGroupArn": r.ref(*p, "autoscaling_group", export="name"),
                "ManagedScaling": {"Status": _enabled(scaling),
                                   "TargetCapacity": percent(r.get(*p, "target_capacity")) if scaling else None},
                "ManagedTerminationProtection": _enabled(cp.get("managed_termination_protection")),
                "ManagedDraining": _enabled(cp.get("managed_draining") is not False),
            },
            "Tags": r.tags(),
        }, suffix=_provider_suffix(cp["name"]))
        providers.append(r.att(_provider_suffix(cp["name"])))
    if providers:
        # CloudFormation requires a default strategy here: a cluster without one gets its first
        # provider (its services name a launch type or a strategy, which take precedence)
        default = _strategy(r, "default_strategy") or [{"CapacityProvider": providers[0], "Weight": 1}]
        r.part("AWS::ECS::ClusterCapacityProviderAssociations", {
            "Cluster": r.att(), "CapacityProviders": providers, "DefaultCapacityProviderStrategy": default,
        }, suffix="Providers")


def _strategy(r, field: str, cluster=None) -> list:
    src = cluster or r
    return [{"CapacityProvider": provider_name(src, item["name"]), "Base": r.val(field, i, "base") or None,
             "Weight": r.val(field, i, "weight")} for i, item in enumerate(r.raw(field) or [])]


# --- task definition ----------------------------------------------------------------------------------

def _image(r, i: int):
    address = r.target("container", i, "image")
    if address is None:
        return r.val("container", i, "image")
    return sub(r.ctx.out(address, "uri", r), ":", r.val("container", i, "tag"))


def _container(r, i: int, c: dict) -> dict:
    p = ("container", i)
    hc = c.get("health_check")
    env = r.val(*p, "environment") or {}
    secrets = r.val(*p, "secrets") or {}
    return {
        "Name": r.val(*p, "name"), "Image": _image(r, i), "Essential": c.get("essential") is not False,
        "Cpu": r.val(*p, "cpu"), "Memory": _mib(c.get("memory")), "MemoryReservation": _mib(c.get("memory_reservation")),
        "PortMappings": [{"ContainerPort": r.val(*p, "port_mapping", j, "container_port"),
                          "HostPort": r.val(*p, "port_mapping", j, "host_port"),
                          "Protocol": pm.get("protocol") or "tcp"}
                         for j, pm in enumerate(c.get("port_mapping") or [])] or None,
        "Environment": [{"Name": k, "Value": env[k]} for k in sorted(env)] or None,
        "Secrets": [{"Name": k, "ValueFrom": secrets[k]} for k in sorted(secrets)] or None,
        "Command": r.val(*p, "command") or None, "EntryPoint": r.val(*p, "entry_point") or None,
        "HealthCheck": {"Command": r.val(*p, "health_check", "command"),
                        "Interval": seconds(r.get(*p, "health_check", "interval")),
                        "Timeout": seconds(r.get(*p, "health_check", "timeout")),
                        "Retries": r.val(*p, "health_check", "retries"),
                        "StartPeriod": seconds(r.get(*p, "health_check", "start_period")) or None} if hc else None,
        "MountPoints": [{"SourceVolume": m.get("volume"), "ContainerPath": m.get("path"),
                         "ReadOnly": bool(m.get("read_only"))} for m in c.get("mount") or []] or None,
        "ReadonlyRootFilesystem": c.get("readonly_root_filesystem") is not False,
        "Privileged": True if c.get("privileged") else None,
    }


def task_family(r) -> str:
    return r.raw("name") or r.address.replace(".", "-").replace("[", "-").replace("]", "")[:255]


def ecs_task_definition(r):
    compat = r.raw("compatibilities") or ["fargate"]
    fargate = "fargate" in compat
    volumes = []
    for i, vol in enumerate(r.raw("volume") or []):
        p = ("volume", i)
        volumes.append({"Name": vol["name"], "EFSVolumeConfiguration": {
            "FilesystemId": r.ref(*p, "efs"), "RootDirectory": r.val(*p, "root_directory"),
            "TransitEncryption": _enabled(vol.get("transit_encryption") is not False),
            "AuthorizationConfig": {"IAM": _enabled(vol.get("iam_authorization")),
                                    "AccessPointId": r.val(*p, "access_point")}
            if vol.get("iam_authorization") or vol.get("access_point") else None}})
    storage = r.raw("ephemeral_storage")
    r.part("AWS::ECS::TaskDefinition", {
        "Family": task_family(r),
        "RequiresCompatibilities": [c.upper() for c in compat],
        "NetworkMode": "awsvpc" if fargate else r.raw("network_mode"),
        "Cpu": r.text("cpu"), "Memory": str(_mib(r.raw("memory"))) if r.raw("memory") else None,
        "RuntimePlatform": {"CpuArchitecture": (r.raw("cpu_architecture") or "x86_64").upper(),
                            "OperatingSystemFamily": "LINUX"} if fargate else None,
        "EphemeralStorage": {"SizeInGiB": int(size_bytes(storage) // (1024 * MIB))} if storage else None,
        "TaskRoleArn": r.ref("task_role", export="arn"), "ExecutionRoleArn": r.ref("execution_role", export="arn"),
        "ContainerDefinitions": [_container(r, i, c) for i, c in enumerate(r.raw("container") or [])],
        "Volumes": volumes or None,
        "Tags": r.tags(),
    })


# --- service ------------------------------------------------------------------------------------------

def _listeners(r) -> list:
    """The listeners (or rules) that forward to the service's target groups."""
    from .loadbalancing import forwarding_parts
    found = []
    for i, _ in enumerate(r.raw("load_balancer") or []):
        tg = r.target("load_balancer", i, "target_group")
        for lb in r.ctx.referrers(tg) if tg else []:
            if r.ctx.kind(lb) != "load_balancer":
                continue
            for suffix, fwd in forwarding_parts(r.ctx.source(lb)):
                if type(fwd) is dict and fwd.get("$ref") == tg:
                    found.append(Att(lb, suffix))
    return [a for i, a in enumerate(found) if a not in found[:i]]


def _resource_label(r):
    """`app/<lb>/<id>/targetgroup/<tg>/<id>`, ALBRequestCountPerTarget's label: the service's first
    target group and a load balancer forwarding to it."""
    tg = r.target("load_balancer", 0, "target_group") if r.raw("load_balancer") else None
    for lb in r.ctx.referrers(tg) if tg else []:
        if r.ctx.kind(lb) == "load_balancer":
            return sub(Att(lb, "", "LoadBalancerFullName"), "/", Att(tg, "", "TargetGroupFullName"))
    return None


def ecs_service(r):
    launch = r.raw("launch_type")
    task = r.target("task_definition")
    task_src = r.ctx.source(task) if task else None
    compat = (task_src.raw("compatibilities") if task_src else None) or ["fargate"]
    awsvpc = "fargate" in compat or (task_src is not None and task_src.raw("network_mode") in (None, "awsvpc"))
    cluster = r.target("cluster")
    fargate = launch == "fargate" or (launch is None and {i["name"] for i in r.raw("capacity_provider_strategy") or []}
                                      <= set(_PROVIDERS) and bool(r.raw("capacity_provider_strategy")))
    placement = r.raw("placement") or "spread"
    strategies = None
    if not fargate and launch != "fargate":
        strategies = {"spread": [{"Type": "spread", "Field": "attribute:ecs.availability-zone"},
                                 {"Type": "spread", "Field": "instanceId"}],
                      "binpack": [{"Type": "binpack", "Field": "memory"}], "random": [{"Type": "random"}]}[placement]
    deployment = r.raw("deployment") or {}
    listeners = _listeners(r)
    if launch is None and cluster:  # a strategy's providers must be the cluster's before the service starts
        listeners.append(Att(cluster, "Providers"))
    r.part("AWS::ECS::Service", {
        "ServiceName": r.val("name"),
        "Cluster": r.ref("cluster"),
        "TaskDefinition": r.ref("task_definition"),
        "LaunchType": launch.upper() if launch else None,
        "PlatformVersion": "LATEST" if fargate else None,
        "CapacityProviderStrategy": _strategy(r, "capacity_provider_strategy", r.ctx.source(cluster) if cluster else None)
        or None,
        "DesiredCount": r.val("desired"),
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "Subnets": r.refs("subnets"), "SecurityGroups": r.refs("security_groups") or None,
            "AssignPublicIp": _enabled(r.raw("assign_public_ip"))}} if awsvpc else None,
        "LoadBalancers": [{"TargetGroupArn": r.ref("load_balancer", i, "target_group"),
                           "ContainerName": r.val("load_balancer", i, "container"),
                           "ContainerPort": r.val("load_balancer", i, "port")}
                          for i, _ in enumerate(r.raw("load_balancer") or [])] or None,
        "HealthCheckGracePeriodSeconds": seconds(r.get("health_check_grace_period")),
        "DeploymentConfiguration": {
            "MinimumHealthyPercent": percent(deployment.get("min_healthy") or "100%"),
            "MaximumPercent": percent(deployment.get("max_percent") or "200%"),
            "DeploymentCircuitBreaker": {"Enable": deployment.get("circuit_breaker") is not False,
                                         "Rollback": deployment.get("rollback") is not False
                                         and deployment.get("circuit_breaker") is not False}},
        "PlacementStrategies": strategies,
        # explicit: CloudFormation's default (ENABLED) is refused with binpack or random
        "AvailabilityZoneRebalancing": "ENABLED" if rebalances(r.raw("az_rebalancing"), placement) else "DISABLED",
        "EnableExecuteCommand": True if r.raw("enable_execute_command") else None,
        "PropagateTags": "SERVICE",
        "Tags": r.tags(),
    }, depends=listeners)
    if r.raw("min_tasks") is not None and r.raw("max_tasks") is not None:
        _scaling(r, cluster)


def _scaling(r, cluster):
    scheduled = [(i, p) for i, p in enumerate(r.raw("scaling_policy") or []) if p.get("type") == "scheduled"]
    r.part("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
        "ResourceId": sub("service/", r.ctx.out(cluster, "name", r), "/", r.att("", "Name")),
        "MinCapacity": r.val("min_tasks"), "MaxCapacity": r.val("max_tasks"),
        "ScheduledActions": [{"ScheduledActionName": p["name"], "Schedule": r.val("scaling_policy", i, "schedule"),
                              "ScalableTargetAction": {"MinCapacity": r.val("scaling_policy", i, "min"),
                                                       "MaxCapacity": r.val("scaling_policy", i, "max")}}
                             for i, p in scheduled] or None,
    }, suffix="ScalableTarget")
    for i, policy in enumerate(r.raw("scaling_policy") or []):
        if policy.get("type") != "scheduled":
            _policy(r, i, policy, cluster)


def _policy(r, i: int, policy: dict, cluster):
    p = ("scaling_policy", i)
    suffix = "Policy" + camel(policy["name"])
    metric = policy.get("metric")
    common = {"PolicyName": sub(r.att("", "Name"), "-" + policy["name"]), "ScalingTargetId": r.att("ScalableTarget")}
    if policy.get("type", "target_tracking") == "target_tracking":
        spec = {"PredefinedMetricType": _TRACKING.get(metric)}
        if metric == "request_count":
            spec["ResourceLabel"] = _resource_label(r)
        custom = _backlog_per_task(r, p, cluster) if metric == "queue_backlog" else None
        r.part("AWS::ApplicationAutoScaling::ScalingPolicy", {**common, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": _number(r, *p, "target"),
                "PredefinedMetricSpecification": spec if custom is None else None,
                "CustomizedMetricSpecification": custom,
                "ScaleInCooldown": seconds(r.get(*p, "scale_in_cooldown")),
                "ScaleOutCooldown": seconds(r.get(*p, "scale_out_cooldown")),
                "DisableScaleIn": True if policy.get("disable_scale_in") else None}}, suffix=suffix)
        return
    adjustment = int(policy["adjustment"])
    r.part("AWS::ApplicationAutoScaling::ScalingPolicy", {**common, "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Average",
            "Cooldown": seconds(r.get(*p, "scale_out_cooldown" if adjustment >= 0 else "scale_in_cooldown")),
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": adjustment} if adjustment >= 0
                                else {"MetricIntervalUpperBound": 0, "ScalingAdjustment": adjustment}]}},
        suffix=suffix)
    namespace, name = _ALARM_METRIC[metric]
    label = _resource_label(r) if metric == "request_count" else None
    dimensions = ([{"Name": "TargetGroup", "Value": label}] if label is not None else
                  [{"Name": "ClusterName", "Value": r.ctx.out(cluster, "name", r)},
                   {"Name": "ServiceName", "Value": r.att("", "Name")}])
    r.part("AWS::CloudWatch::Alarm", {
        "AlarmDescription": f"step scaling policy {policy['name']} of {r.address}",
        "Namespace": namespace, "MetricName": name, "Dimensions": dimensions, "Statistic": "Average",
        "Period": 60, "EvaluationPeriods": 2, "Threshold": _number(r, *p, "threshold"),
        "ComparisonOperator": "GreaterThanOrEqualToThreshold" if adjustment >= 0 else "LessThanOrEqualToThreshold",
        "AlarmActions": [r.att(suffix)]}, suffix=suffix + "Alarm")


def _backlog_per_task(r, p: tuple, cluster) -> dict:
    """AWS's "scaling based on Amazon SQS" for a service: the queue's visible messages over the
    service's running tasks (Container Insights' RunningTaskCount), as metric math."""
    return {"Metrics": [
        {"Id": "visible", "ReturnData": False, "MetricStat": {"Stat": "Sum", "Metric": {
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": r.ref(*p, "queue", export="name")}]}}},
        {"Id": "tasks", "ReturnData": False, "MetricStat": {"Stat": "Average", "Metric": {
            "Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
            "Dimensions": [{"Name": "ClusterName", "Value": r.ctx.out(cluster, "name", r)},
                           {"Name": "ServiceName", "Value": r.att("", "Name")}]}}},
        {"Id": "backlog", "Label": "Messages visible per running task", "ReturnData": True,
         "Expression": "visible / tasks"}]}


MAPPERS = {"ecr_repository": ecr_repository, "ecs_cluster": ecs_cluster, "ecs_task_definition": ecs_task_definition,
           "ecs_service": ecs_service}

TYPES = {
    "ecr_repository": ["AWS::ECR::Repository"],
    "ecs_cluster": ["AWS::ECS::Cluster", "AWS::ECS::CapacityProvider", "AWS::ECS::ClusterCapacityProviderAssociations"],
    "ecs_task_definition": ["AWS::ECS::TaskDefinition"],
    "ecs_service": ["AWS::ECS::Service", "AWS::ApplicationAutoScaling::ScalableTarget",
                    "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::CloudWatch::Alarm"],
}


def _family(src):
    return task_family(src)


EXPORTS = {
    "ecr_repository": {"id": REF, "name": REF, "arn": getatt("Arn"), "uri": getatt("RepositoryUri")},
    "ecs_cluster": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "ecs_task_definition": {"id": REF, "arn": REF, "family": _family, "revision": None},
    "ecs_service": {"id": REF, "arn": getatt("ServiceArn"), "name": getatt("Name")},
}
