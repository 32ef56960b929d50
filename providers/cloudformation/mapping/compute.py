"""Compute: instances, launch templates, Auto Scaling groups (with the launch template of their
`launch` block, scaling policies and their alarms, scheduled actions), placement groups and EBS
volumes with their attachments.

Instances and launch templates reach their role through the instance profile the role's
mapping makes. The root volume is written only when it differs from archform's default
(8 GiB gp3), on its `device_name` (`/dev/xvda`, Amazon Linux's; Ubuntu, Debian and Windows
AMIs boot from `/dev/sda1`). Attached volumes take `/dev/sdf`, `/dev/sdg`, … on each
instance, in address order.
"""

from __future__ import annotations

from ..intrinsics import Att, base64
from ..logical_ids import camel
from ..units import gib, number, percent, seconds
from .common import REF, arn_export, getatt, suffixes

ROOT_DEVICE = "/dev/xvda"  # Amazon Linux's, when root_volume { device_name } is not written
DEFAULT_ROOT = {"delete_on_termination": True, "device_name": None, "encrypted": False, "iops": None,
                "kms_key": None, "size": "8GiB", "throughput": None, "type": "gp3"}


def image(r, p: tuple = ()):
    """An AMI as a template parameter of type `AWS::EC2::Image::Id`: AMIs are regional and per
    account, so the template takes them (defaulting to the configuration's value) and
    CloudFormation checks they exist before it creates anything."""
    value = r.val(*p, "ami")
    from ..intrinsics import Param
    if type(value) is Param:
        r.ctx.param_types[value.name] = "AWS::EC2::Image::Id"
        return value
    if not isinstance(value, str):
        return value
    return r.ctx.synthetic_param(f"ami:{value}", "Ami" + camel(value[4:] if value.startswith("ami-") else value),
                                 "AWS::EC2::Image::Id", value,
                                 "AMI the configuration names; AMIs are regional: pass this region's")


def _root_volume(r, p: tuple):
    root = r.raw(*p, "root_volume")
    if not root or root == DEFAULT_ROOT:
        return None
    return [{"DeviceName": r.val(*p, "root_volume", "device_name") or ROOT_DEVICE, "Ebs": {
        "VolumeSize": gib(r.get(*p, "root_volume", "size")),
        "VolumeType": r.val(*p, "root_volume", "type"),
        "Encrypted": True if root.get("encrypted") else None,
        "Iops": r.val(*p, "root_volume", "iops"),
        "Throughput": r.val(*p, "root_volume", "throughput"),
        "DeleteOnTermination": r.val(*p, "root_volume", "delete_on_termination"),
    }}]


def _metadata(r, p: tuple):
    """IMDSv2 unless the author allows v1 (`metadata { http_tokens = optional }`): written
    either way, since AWS's default is `optional`."""
    return {"HttpTokens": r.get(*p, "metadata", "http_tokens") or "required"}


def _user_data(r, p: tuple):
    return base64(r.val(*p, "user_data")) if r.peek(*p, "user_data") is not None else None


def _spot(r, p: tuple):
    if r.raw(*p, "purchase") != "spot":
        return None
    price = r.text(*p, "spot_max_price")
    return {"MarketType": "spot", "SpotOptions": {"MaxPrice": price} if price is not None else None}


def launch_data(r, p: tuple = ()) -> dict:
    """LaunchTemplateData for launch settings at path `p` (an instance's, a template's, or an
    Auto Scaling group's `launch` block)."""
    public = r.raw(*p, "associate_public_ip")
    groups = r.refs(*p, "security_groups")
    tenancy = r.raw(*p, "tenancy")
    tags = r.val(*p, "tags") or {}
    from ..parts import tag_list
    tag_specs = [{"ResourceType": t, "Tags": tag_list(tags)} for t in ("instance", "volume")] if tags else None
    return {
        "ImageId": image(r, p),
        "InstanceType": r.val(*p, "instance_type"),
        "SecurityGroupIds": groups if public is None else None,
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": public, "Groups": groups}]
        if public is not None else None,
        "KeyName": r.val(*p, "key_name"),
        "IamInstanceProfile": {"Arn": r.ref(*p, "iam_role", export="profile_arn")}
        if r.target(*p, "iam_role") else None,
        "UserData": _user_data(r, p),
        "BlockDeviceMappings": _root_volume(r, p),
        "HibernationOptions": {"Configured": True} if r.raw(*p, "hibernation") else None,
        "Placement": {"Tenancy": tenancy if tenancy != "default" else None,
                      "GroupName": r.ref(*p, "placement_group")},
        "InstanceMarketOptions": _spot(r, p),
        "EbsOptimized": r.val(*p, "ebs_optimized"),
        "Monitoring": {"Enabled": True} if r.raw(*p, "monitoring") else None,
        "MetadataOptions": _metadata(r, p),
        "TagSpecifications": tag_specs,
    }


def instance(r):
    public = r.raw("associate_public_ip")
    groups = r.refs("security_groups")
    spot = r.raw("purchase") == "spot"
    if spot:  # an instance buys spot capacity only through a launch template
        r.part("AWS::EC2::LaunchTemplate", {"LaunchTemplateData": {"InstanceMarketOptions": _spot(r, ()),
                                                                   "MetadataOptions": _metadata(r, ())}},
               suffix="LaunchTemplate")
    tenancy = r.raw("tenancy")
    r.part("AWS::EC2::Instance", {
        "ImageId": image(r),
        "InstanceType": r.val("instance_type"),
        "SubnetId": r.ref("subnet") if public is None else None,
        "SecurityGroupIds": groups if public is None else None,
        "NetworkInterfaces": [{"DeviceIndex": "0", "SubnetId": r.ref("subnet"), "AssociatePublicIpAddress": public,
                               "GroupSet": groups}] if public is not None else None,
        "KeyName": r.val("key_name"),
        "IamInstanceProfile": r.ref("iam_role", export="profile_name") if r.target("iam_role") else None,
        "UserData": _user_data(r, ()),
        "BlockDeviceMappings": _root_volume(r, ()),
        "HibernationOptions": {"Configured": True} if r.raw("hibernation") else None,
        "Tenancy": tenancy if tenancy != "default" else None,
        "PlacementGroupName": r.ref("placement_group"),
        "EbsOptimized": r.val("ebs_optimized"),
        "Monitoring": True if r.raw("monitoring") else None,
        "SourceDestCheck": False if r.raw("source_dest_check") is False else None,
        "MetadataOptions": _metadata(r, ()),
        "LaunchTemplate": {"LaunchTemplateId": r.att("LaunchTemplate"),
                           "Version": r.att("LaunchTemplate", "LatestVersionNumber")} if spot else None,
        "Tags": r.tags(),
    }, depends=r.ctx.public_ip_attachment(r, public, [r.target("subnet")]))


def launch_template(r):
    data = launch_data(r)
    tags = r.tags()
    r.part("AWS::EC2::LaunchTemplate", {
        "LaunchTemplateData": data,
        "TagSpecifications": [{"ResourceType": "launch-template", "Tags": tags}] if tags else None,
    })


# --- Auto Scaling ------------------------------------------------------------------------------

_TRACKING = {"cpu": "ASGAverageCPUUtilization", "request_count": "ALBRequestCountPerTarget",
             "network_in": "ASGAverageNetworkIn", "network_out": "ASGAverageNetworkOut"}
_PREDICTIVE = {"cpu": "ASGCPUUtilization", "request_count": "ALBRequestCount", "network_in": "ASGNetworkIn",
               "network_out": "ASGNetworkOut"}
_ALARM_METRIC = {"cpu": ("AWS/EC2", "CPUUtilization"), "network_in": ("AWS/EC2", "NetworkIn"),
                 "network_out": ("AWS/EC2", "NetworkOut"),
                 "request_count": ("AWS/ApplicationELB", "RequestCountPerTarget")}
_ADJUSTMENT = {"change_in_capacity": "ChangeInCapacity", "exact_capacity": "ExactCapacity",
               "percent_change_in_capacity": "PercentChangeInCapacity"}


def _target_groups(r) -> list:
    return r.refs("target_groups") + r.ctx.forwards_to(r.address)


def _forwarding_listener(r, lb: str, tg: str):
    """The listener (or listener rule) of `lb` that forwards to the target group `tg`."""
    from .loadbalancing import forwarding_parts
    for suffix, fwd in forwarding_parts(r.ctx.source(lb)):
        if type(fwd) is dict and fwd.get("$ref") == tg:
            return Att(lb, suffix)
    return None


def _resource_label(r):
    """`app/<lb>/<id>/targetgroup/<tg>/<id>` for ALBRequestCountPerTarget: the group's first
    target group and a load balancer forwarding to it; and the listener that joins them, which
    the policy must wait for (AWS refuses the label of a target group no listener uses)."""
    from ..intrinsics import sub
    groups = r.targets("target_groups")
    if groups:
        tg = groups[0]
        for lb in r.ctx.referrers(tg):
            if r.ctx.kind(lb) == "load_balancer":
                return (sub(Att(lb, "", "LoadBalancerFullName"), "/", Att(tg, "", "TargetGroupFullName")),
                        _forwarding_listener(r, lb, tg))
    implicit = r.ctx.forwards_to(r.address)
    if implicit:
        a = implicit[0]
        return (sub(Att(a.address, "", "LoadBalancerFullName"), "/",
                    Att(a.address, a.suffix, "TargetGroupFullName")),
                Att(a.address, a.suffix[:-len("Targets")]))
    return None, None


def _metric_name(metric: str) -> tuple[str, str]:
    """A custom metric `"Namespace/Name"` (or a bare name, in the `Custom` namespace)."""
    namespace, _, name = metric.rpartition("/")
    return namespace or "Custom", name


def _policy(r, i: int, policy: dict, asg):
    p = ("scaling_policy", i)
    suffix = "Policy" + camel(policy["name"])
    kind = policy["type"]
    metric = policy.get("metric")
    warmup = seconds(r.get(*p, "warmup"))
    listener = None
    if kind == "scheduled":
        r.part("AWS::AutoScaling::ScheduledAction", {
            "AutoScalingGroupName": asg, "Recurrence": r.val(*p, "schedule"),
            "MinSize": r.val(*p, "min"), "MaxSize": r.val(*p, "max"), "DesiredCapacity": r.val(*p, "desired"),
        }, suffix=suffix)
        return
    if kind in ("target_tracking", "predictive"):
        target = number(r.get(*p, "target"))
        if kind == "predictive":
            spec = {"TargetValue": target}
            if metric in _PREDICTIVE:
                pair = {"PredefinedMetricType": _PREDICTIVE[metric]}
                if metric == "request_count":
                    pair["ResourceLabel"], listener = _resource_label(r)
                spec["PredefinedMetricPairSpecification"] = pair
            else:
                r.warn(f"predictive scaling on the custom metric {metric!r} needs metric queries CloudFormation "
                       f"cannot infer; the policy forecasts CPU instead", p)
                spec["PredefinedMetricPairSpecification"] = {"PredefinedMetricType": "ASGCPUUtilization"}
            r.part("AWS::AutoScaling::ScalingPolicy", {
                "AutoScalingGroupName": asg, "PolicyType": "PredictiveScaling",
                "PredictiveScalingConfiguration": {"MetricSpecifications": [spec], "Mode": "ForecastAndScale"},
            }, suffix=suffix, depends=[listener])
            return
        config = {"TargetValue": target, "DisableScaleIn": True if policy.get("disable_scale_in") else None}
        if metric in _TRACKING:
            spec = {"PredefinedMetricType": _TRACKING[metric]}
            if metric == "request_count":
                spec["ResourceLabel"], listener = _resource_label(r)
            config["PredefinedMetricSpecification"] = spec
        elif metric == "queue_backlog":
            config["CustomizedMetricSpecification"] = _backlog_per_instance(r, p, asg)
        else:
            namespace, name = _metric_name(metric)
            config["CustomizedMetricSpecification"] = {"Namespace": namespace, "MetricName": name,
                                                       "Dimensions": _dimensions(r, p), "Statistic": "Average"}
        r.part("AWS::AutoScaling::ScalingPolicy", {
            "AutoScalingGroupName": asg, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": config, "EstimatedInstanceWarmup": warmup,
        }, suffix=suffix, depends=[listener])
        return
    # step and simple scaling: a policy, and the CloudWatch alarm that runs it
    adjustment = policy.get("adjustment")
    props = {"AutoScalingGroupName": asg, "AdjustmentType": _ADJUSTMENT[policy["adjustment_type"]]}
    if kind == "step":
        props.update({"PolicyType": "StepScaling", "EstimatedInstanceWarmup": warmup,
                      "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": adjustment}]
                      if adjustment >= 0 else [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": adjustment}]})
    else:
        cooldown = seconds(r.get(*p, "cooldown"))
        props.update({"PolicyType": "SimpleScaling", "ScalingAdjustment": adjustment,
                      "Cooldown": str(cooldown) if cooldown is not None else None})
    r.part("AWS::AutoScaling::ScalingPolicy", props, suffix=suffix)
    alarm = {"AlarmDescription": f"{policy['type']} scaling policy {policy['name']} of {r.address}",
             "EvaluationPeriods": 2, "Threshold": number(r.get(*p, "threshold")),
             "ComparisonOperator": "GreaterThanOrEqualToThreshold" if adjustment >= 0 else "LessThanOrEqualToThreshold",
             "AlarmActions": [r.att(suffix)]}
    if metric == "queue_backlog":  # metric math: the queue's visible messages over the instances in service
        math = _backlog_per_instance(r, p, asg)
        alarm["Metrics"] = [{"Id": m["Id"], "Label": m.get("Label"), "ReturnData": m["ReturnData"],
                             **({"Expression": m["Expression"]} if "Expression" in m else
                                {"MetricStat": {**m["MetricStat"], "Period": 60}})} for m in math["Metrics"]]
        r.part("AWS::CloudWatch::Alarm", alarm, suffix=suffix + "Alarm")
        return
    if metric in _ALARM_METRIC:
        namespace, name = _ALARM_METRIC[metric]
        dimensions = [{"Name": "AutoScalingGroupName", "Value": asg}]
    else:
        namespace, name = _metric_name(metric)
        dimensions = _dimensions(r, p) or [{"Name": "AutoScalingGroupName", "Value": asg}]
    if metric == "request_count":
        label, listener = _resource_label(r)
        dimensions = [{"Name": "TargetGroup", "Value": label}] if label is not None else dimensions
    r.part("AWS::CloudWatch::Alarm", {
        **alarm, "Namespace": namespace, "MetricName": name, "Statistic": "Average", "Period": 60,
        "Dimensions": dimensions}, suffix=suffix + "Alarm", depends=[listener])


def _dimensions(r, p: tuple) -> list | None:
    found = r.val(*p, "dimensions") or {}
    return [{"Name": k, "Value": found[k]} for k in sorted(found)] or None


def _backlog_per_instance(r, p: tuple, asg) -> dict:
    """AWS's "scaling based on Amazon SQS": the queue's visible messages divided by the group's
    instances in service, as CloudWatch metric math (the group collects GroupInServiceInstances)."""
    queue = r.ref(*p, "queue", export="name")
    return {"Metrics": [
        {"Id": "visible", "ReturnData": False, "MetricStat": {"Stat": "Sum", "Metric": {
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": queue}]}}},
        {"Id": "serving", "ReturnData": False, "MetricStat": {"Stat": "Average", "Metric": {
            "Namespace": "AWS/AutoScaling", "MetricName": "GroupInServiceInstances",
            "Dimensions": [{"Name": "AutoScalingGroupName", "Value": asg}]}}},
        {"Id": "backlog", "Label": "Messages visible per instance in service", "ReturnData": True,
         "Expression": "visible / serving"}]}


def _launch_public_ip(r):
    """`associate_public_ip` of the group's launch settings (its `launch` block or template)."""
    if r.peek("launch") is not None:
        return r.raw("launch", "associate_public_ip")
    lt = r.target("launch_template")
    return r.ctx.source(lt).raw("associate_public_ip") if lt in r.ctx.resources else None


def autoscaling_group(r):
    if r.peek("launch") is not None:
        data = launch_data(r, ("launch",))
        r.part("AWS::EC2::LaunchTemplate", {"LaunchTemplateData": data}, suffix="LaunchTemplate")
        template = {"LaunchTemplateId": r.att("LaunchTemplate"),
                    "Version": r.att("LaunchTemplate", "LatestVersionNumber")}
    else:
        lt = r.target("launch_template")
        template = {"LaunchTemplateId": r.ref("launch_template"),
                    "Version": r.ctx.out(lt, "latest_version", r) if lt else None}
    refresh = r.raw("instance_refresh")
    update = None
    if refresh is not None:
        warmup = seconds(r.get("instance_refresh", "warmup"))
        update = {"AutoScalingRollingUpdate": {
            "MinActiveInstancesPercent": percent(r.get("instance_refresh", "min_healthy")),
            "PauseTime": f"PT{warmup}S" if warmup else None,
        }}
        update["AutoScalingRollingUpdate"] = {k: v for k, v in update["AutoScalingRollingUpdate"].items()
                                              if v is not None}
        if r.raw("instance_refresh", "skip_matching"):
            r.unsupported("instance_refresh.skip_matching", "CloudFormation rolling updates replace every instance")
    if any(p.get("type") == "scheduled" for p in r.raw("scaling_policy") or []):
        # a stack update would otherwise put back the sizes a scheduled action has changed
        update = {**(update or {}), "AutoScalingScheduledAction": {"IgnoreUnmodifiedGroupSizeProperties": True}}
    r.part("AWS::AutoScaling::AutoScalingGroup", {
        "MinSize": r.text("min"),
        "MaxSize": r.text("max"),
        "DesiredCapacity": r.text("desired"),
        "VPCZoneIdentifier": r.refs("subnets"),
        "LaunchTemplate": template,
        "HealthCheckType": r.get("health_check_type").upper(),
        "HealthCheckGracePeriod": seconds(r.get("health_check_grace_period")),
        "Cooldown": str(seconds(r.get("cooldown"))),
        "TargetGroupARNs": _target_groups(r),
        "PlacementGroup": r.ref("placement_group"),
        "CapacityRebalance": True if r.raw("capacity_rebalance") else None,
        # the backlog-per-instance metric divides by this group metric, which is off by default
        "MetricsCollection": [{"Granularity": "1Minute", "Metrics": ["GroupInServiceInstances"]}]
        if any(p.get("metric") == "queue_backlog" for p in r.raw("scaling_policy") or []) else None,
        "Tags": r.tags(propagate=True),
    }, update_policy=update, depends=r.ctx.public_ip_attachment(r, _launch_public_ip(r), r.targets("subnets")))
    asg = r.att()
    for i, policy in enumerate(r.raw("scaling_policy") or []):
        _policy(r, i, policy, asg)


def placement_group(r):
    strategy = r.raw("strategy")
    r.part("AWS::EC2::PlacementGroup", {
        "Strategy": r.val("strategy"),
        "PartitionCount": (r.val("partitions") if r.peek("partitions") is not None else 2)
        if strategy == "partition" else None,
        "SpreadLevel": r.val("spread_level"),
        "Tags": r.tags(),
    })


def ebs_volume(r):
    size = r.raw("size")
    r.part("AWS::EC2::Volume", {
        "AvailabilityZone": r.val("az"),
        "Size": gib(r.get("size")) if size is not None else None,
        "VolumeType": r.val("type"),
        "Iops": r.val("iops"),
        "Throughput": r.val("throughput"),
        "Encrypted": True if r.raw("encrypted") else None,
        "SnapshotId": r.val("snapshot"),
        "MultiAttachEnabled": True if r.raw("multi_attach") else None,
        "Tags": r.tags(),
    }, deletion="Snapshot")  # a stack deleting or replacing the volume snapshots it first
    instances = r.targets("attachments")
    names = suffixes(instances, "Attachment") if len(instances) > 1 else {i: "Attachment" for i in instances}
    for n, instance in enumerate(instances):
        device = r.ctx.device_name(instance, r.address)
        if device is None:
            r.error(f"instance '{instance}' has more attached volumes than device names /dev/sdf…/dev/sdz",
                    ("attachments", n))
            continue
        r.part("AWS::EC2::VolumeAttachment", {"VolumeId": r.att(), "InstanceId": r.ref("attachments", n),
                                              "Device": device}, suffix=names[instance])
    if r.raw("delete_on_termination"):
        r.unsupported("delete_on_termination", "only volumes in an instance's block device mappings have it")


MAPPERS = {"instance": instance, "launch_template": launch_template, "autoscaling_group": autoscaling_group,
           "placement_group": placement_group, "ebs_volume": ebs_volume}

TYPES = {
    "instance": ["AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"],
    "launch_template": ["AWS::EC2::LaunchTemplate"],
    "autoscaling_group": ["AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::LaunchTemplate",
                          "AWS::AutoScaling::ScalingPolicy", "AWS::AutoScaling::ScheduledAction",
                          "AWS::CloudWatch::Alarm"],
    "placement_group": ["AWS::EC2::PlacementGroup"],
    "ebs_volume": ["AWS::EC2::Volume", "AWS::EC2::VolumeAttachment"],
}


def _instance_az(src):
    subnet = src.target("subnet")
    return Att(subnet, "", "AvailabilityZone") if subnet else None


EXPORTS = {
    "instance": {"id": REF, "arn": arn_export("ec2", "instance/"), "private_ip": getatt("PrivateIp"),
                 "public_ip": getatt("PublicIp"), "private_dns": getatt("PrivateDnsName"),
                 "public_dns": getatt("PublicDnsName"), "az": _instance_az},
    "launch_template": {"id": REF, "arn": arn_export("ec2", "launch-template/"),
                        "latest_version": getatt("LatestVersionNumber")},
    "autoscaling_group": {"id": REF, "arn": getatt("AutoScalingGroupARN"), "name": REF},
    "placement_group": {"id": REF, "arn": arn_export("ec2", "placement-group/"), "name": REF},
    "ebs_volume": {"id": REF, "arn": arn_export("ec2", "volume/")},
}
