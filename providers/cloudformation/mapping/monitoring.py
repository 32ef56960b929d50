"""CloudWatch: an alarm is one `AWS::CloudWatch::Alarm`; a log group one `AWS::Logs::LogGroup`
with an `AWS::Logs::MetricFilter` per metric filter.

An alarm's actions are ARNs: SNS topics (their `Ref`), a scaling policy of a group (the
policy's `Ref`, its ARN), and EC2's own actions (`arn:aws:automate:REGION:ec2:recover`, …).
A log group's retention is always written (AWS's default is to keep events forever).
"""

from __future__ import annotations

from ..intrinsics import PARTITION, REGION, Att, sub
from ..logical_ids import camel
from ..units import number, seconds
from .common import REF, getatt

_COMPARISON = {">=": "GreaterThanOrEqualToThreshold", ">": "GreaterThanThreshold", "<": "LessThanThreshold",
               "<=": "LessThanOrEqualToThreshold"}
_MISSING = {"missing": "missing", "ignore": "ignore", "breaching": "breaching", "not_breaching": "notBreaching"}


def _actions(r) -> list:
    found = list(r.refs("alarm_actions"))
    scale = r.peek("scale")
    if scale:
        found.append(Att(r.target("scale", "group"), "Policy" + camel(scale["policy"])))
    action = r.raw("ec2_action")
    if action:
        found.append(sub("arn:", PARTITION, ":automate:", REGION, ":ec2:" + action))
    return found


def cloudwatch_alarm(r):
    dimensions = dict(r.val("dimensions") or {})
    if r.target("instance"):
        dimensions["InstanceId"] = r.ref("instance")
    percentile = r.raw("percentile")
    r.part("AWS::CloudWatch::Alarm", {
        "AlarmName": r.val("name"),
        "AlarmDescription": r.val("description"),
        "Namespace": r.val("namespace") or "AWS/EC2",
        "MetricName": r.val("metric"),
        "Dimensions": [{"Name": k, "Value": dimensions[k]} for k in sorted(dimensions)] or None,
        "Statistic": None if percentile is not None else r.raw("statistic") or "Average",
        "ExtendedStatistic": f"p{number(percentile):g}" if percentile is not None else None,
        "Period": seconds(r.get("period")) or 60,
        "EvaluationPeriods": r.val("evaluation_periods") or 1,
        "DatapointsToAlarm": r.val("datapoints_to_alarm"),
        "Threshold": number(r.get("threshold")),
        "ComparisonOperator": _COMPARISON[r.raw("comparison") or ">="],
        "TreatMissingData": _MISSING[r.raw("missing_data") or "missing"],
        "ActionsEnabled": r.raw("actions_enabled") is not False,
        "AlarmActions": _actions(r) or None,
        "OKActions": r.refs("ok_actions") or None,
        "InsufficientDataActions": r.refs("insufficient_data_actions") or None,
        "Tags": r.tags(),
    })


def log_group(r):
    retention = r.raw("retention")
    r.part("AWS::Logs::LogGroup", {
        "LogGroupName": r.val("name"),
        "RetentionInDays": None if retention == "never" else seconds(retention or "365d") // 86400,
        "KmsKeyId": r.ref("kms_key", export="arn") if r.target("kms_key") else r.val("kms_key"),
        "LogGroupClass": r.raw("log_class") if r.raw("log_class") not in (None, "STANDARD") else None,
        "Tags": r.tags(),
    }, deletion="Delete")
    for i, f in enumerate(r.peek("metric_filter") or []):
        p = ("metric_filter", i)
        r.part("AWS::Logs::MetricFilter", {
            "FilterName": r.val(*p, "name"),
            "LogGroupName": r.att(),
            "FilterPattern": r.val(*p, "pattern"),
            "MetricTransformations": [{"MetricNamespace": r.val(*p, "namespace"), "MetricName": r.val(*p, "metric"),
                                       "MetricValue": r.val(*p, "value") or "1",
                                       "DefaultValue": number(f["default_value"]) if f.get("default_value") is not None
                                       else None}],
        }, suffix="Filter" + camel(f["name"]))


MAPPERS = {"cloudwatch_alarm": cloudwatch_alarm, "log_group": log_group}

TYPES = {
    "cloudwatch_alarm": ["AWS::CloudWatch::Alarm"],
    "log_group": ["AWS::Logs::LogGroup", "AWS::Logs::MetricFilter"],
}

EXPORTS = {
    "cloudwatch_alarm": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "log_group": {"id": REF, "name": REF, "arn": getatt("Arn")},
}
