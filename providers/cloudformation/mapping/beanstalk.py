"""AWS Elastic Beanstalk: an application is an `AWS::ElasticBeanstalk::Application`; an
environment an `AWS::ElasticBeanstalk::Environment` (and, with a `source`, the
`AWS::ElasticBeanstalk::ApplicationVersion` it runs), its settings written as Beanstalk's
option settings (namespace, option name, text value).

The safe choices are written where a reviewer sees them: the load balancer's scheme
(`internal` unless `public = true`), instances without public addresses, IMDSv1 off on the
instances (Beanstalk leaves it on), enhanced health reporting.
"""

from __future__ import annotations

from ..intrinsics import sub
from ..units import percent, seconds
from .common import REF, getatt

_POLICIES = {"all_at_once": "AllAtOnce", "rolling": "Rolling", "rolling_with_additional_batch":
             "RollingWithAdditionalBatch", "immutable": "Immutable", "traffic_splitting": "TrafficSplitting"}


def beanstalk_application(r):
    r.part("AWS::ElasticBeanstalk::Application", {
        "ApplicationName": r.val("name"),
        "Description": r.val("description"),
    })


def _joined(values: list):
    """A list of ids as the comma-separated text an option setting takes."""
    if not values:
        return None
    parts: list = []
    for i, value in enumerate(values):
        parts.extend([",", value] if i else [value])
    return sub(*parts)


def _options(r) -> list[dict]:
    from archform.stdlib.kinds.beanstalk import ROLLING
    worker = r.raw("tier") == "worker"
    single = r.raw("load_balanced") is False
    balancer = not worker and not single
    policy = r.raw("deployment") or "all_at_once"
    subnets = r.targets("subnets")
    vpc = r.ctx.source(subnets[0]).target("vpc") if subnets else None
    batch_percent = r.raw("batch_percent")
    canary = r.raw("canary_percent")
    evaluation = r.raw("evaluation_time")
    settings = [
        ("aws:elasticbeanstalk:environment", "EnvironmentType", "SingleInstance" if single else "LoadBalanced"),
        ("aws:elasticbeanstalk:environment", "LoadBalancerType", "application" if balancer else None),
        ("aws:elasticbeanstalk:environment", "ServiceRole", r.ref("service_role", export="arn")),
        ("aws:elasticbeanstalk:healthreporting:system", "SystemType", "enhanced"),
        ("aws:ec2:instances", "InstanceTypes", r.val("instance_type")),
        ("aws:autoscaling:launchconfiguration", "IamInstanceProfile",
         r.ref("instance_role", export="profile_name")),
        ("aws:autoscaling:launchconfiguration", "SecurityGroups", _joined(r.refs("security_groups"))),
        ("aws:autoscaling:launchconfiguration", "DisableIMDSv1", "true"),
        ("aws:autoscaling:asg", "MinSize", None if single else r.text("min")),
        ("aws:autoscaling:asg", "MaxSize", None if single else r.text("max")),
        ("aws:ec2:vpc", "VPCId", r.ctx.out(vpc, "id", r) if vpc else None),
        ("aws:ec2:vpc", "Subnets", _joined(r.refs("subnets"))),
        ("aws:ec2:vpc", "AssociatePublicIpAddress", "false"),
        ("aws:ec2:vpc", "ELBSubnets", _joined(r.refs("lb_subnets") or r.refs("subnets")) if balancer else None),
        ("aws:ec2:vpc", "ELBScheme", ("public" if r.raw("public") is True else "internal") if balancer else None),
        ("aws:elasticbeanstalk:command", "DeploymentPolicy", _POLICIES[policy]),
        ("aws:elasticbeanstalk:command", "BatchSizeType",
         ("Fixed" if r.peek("batch_size") is not None else "Percentage") if policy in ROLLING else None),
        ("aws:elasticbeanstalk:command", "BatchSize",
         (r.text("batch_size") if r.peek("batch_size") is not None else
          str(int(percent(batch_percent))) if batch_percent is not None else "100")
         if policy in ROLLING else None),
        ("aws:elasticbeanstalk:trafficsplitting", "NewVersionPercent",
         (str(int(percent(canary))) if canary is not None else "10") if policy == "traffic_splitting" else None),
        ("aws:elasticbeanstalk:trafficsplitting", "EvaluationTime",
         (str(seconds(evaluation) // 60) if evaluation is not None else "5") if policy == "traffic_splitting" else None),
        ("aws:elasticbeanstalk:sqsd", "WorkerQueueURL", r.ref("queue") if worker else None),
    ]
    env = r.raw("environment") or {}
    settings += [("aws:elasticbeanstalk:application:environment", k, r.val("environment", k)) for k in sorted(env)]
    return [{"Namespace": ns, "OptionName": name, "Value": value} for ns, name, value in settings if value is not None]


def beanstalk_environment(r):
    version = None
    if r.peek("source") is not None:
        r.part("AWS::ElasticBeanstalk::ApplicationVersion", {
            "ApplicationName": r.ref("application"),
            "SourceBundle": {"S3Bucket": r.ref("source", "bucket"), "S3Key": r.val("source", "key")},
        }, suffix="Version")
        version = r.att("Version")
    worker = r.raw("tier") == "worker"
    r.part("AWS::ElasticBeanstalk::Environment", {
        "ApplicationName": r.ref("application"),
        "EnvironmentName": r.val("name"),
        "CNAMEPrefix": r.val("cname_prefix") if not worker else None,
        "SolutionStackName": r.val("solution_stack"),
        "Tier": {"Name": "Worker", "Type": "SQS/HTTP"} if worker else {"Name": "WebServer", "Type": "Standard"},
        "VersionLabel": version,
        "OptionSettings": _options(r),
        "Tags": r.tags(),
    })


def _queue_url(src):
    """The worker's queue URL: its `queue`'s; the queue Beanstalk creates for a worker without
    one has no CloudFormation attribute."""
    if src.target("queue"):
        return src.ref("queue")
    src.error("the queue Beanstalk creates for a worker environment without `queue` has no CloudFormation "
              "attribute: its URL cannot be exported", ("queue",), help="name the worker's queue: queue = <sqs_queue>")
    return ""


MAPPERS = {"beanstalk_application": beanstalk_application, "beanstalk_environment": beanstalk_environment}

TYPES = {
    "beanstalk_application": ["AWS::ElasticBeanstalk::Application"],
    "beanstalk_environment": ["AWS::ElasticBeanstalk::Environment", "AWS::ElasticBeanstalk::ApplicationVersion"],
}

EXPORTS = {
    "beanstalk_application": {"id": REF, "name": REF},
    "beanstalk_environment": {"id": REF, "endpoint_url": getatt("EndpointURL"), "cname": None,
                              "autoscaling_group": None, "load_balancer": None, "queue_url": _queue_url},
}
