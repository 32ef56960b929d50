"""CloudWatch: an alarm is one `AWS::CloudWatch::Alarm`; a log group one `AWS::Logs::LogGroup`
with an `AWS::Logs::MetricFilter` per metric filter.

An alarm's actions are ARNs: SNS topics (their `Ref`), a scaling policy of a group (the
policy's `Ref`, its ARN), and EC2's own actions (`arn:aws:automate:REGION:ec2:recover`, …).
A log group's retention is always written (AWS's default is to keep events forever); each
subscription filter is an `AWS::Logs::SubscriptionFilter` (with the Lambda permission or the
role for Kinesis/Firehose it needs). A composite alarm is an `AWS::CloudWatch::CompositeAlarm`
whose rule names its members by their alarms' names; a dashboard an `AWS::CloudWatch::Dashboard`
whose body is the widgets' JSON.
"""

from __future__ import annotations

import json
import re

from archform.stdlib import alarm_rule

from ..intrinsics import ACCOUNT, PARTITION, REGION, Att, sub
from ..logical_ids import camel
from ..units import number, seconds
from .common import REF, getatt, short

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
    for i, f in enumerate(r.peek("subscription_filter") or []):
        _subscription(r, i, f)


_PUT = {"kinesis_stream": ["kinesis:PutRecord", "kinesis:PutRecords"],
        "firehose": ["firehose:PutRecord", "firehose:PutRecordBatch"]}


def _subscription(r, i: int, f: dict):
    """A subscription filter: Lambda is invoked under a permission for CloudWatch Logs (from this
    log group only); Kinesis and Firehose are written by a role CloudWatch Logs assumes."""
    p = ("subscription_filter", i)
    suffix = "Subscription" + camel(f["name"])
    kind = r.ctx.kind(r.target(*p, "destination"))
    destination = r.ref(*p, "destination", export="arn")
    role, waits = None, []
    if kind == "lambda_function":
        waits.append(r.part("AWS::Lambda::Permission", {
            "Action": "lambda:InvokeFunction", "FunctionName": destination,
            "Principal": sub("logs.", REGION, ".amazonaws.com"), "SourceArn": r.att("", "Arn"),
            "SourceAccount": ACCOUNT}, suffix=suffix + "Permission"))
    else:
        r.part("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": sub("logs.", REGION, ".amazonaws.com")},
                "Action": "sts:AssumeRole", "Condition": {"StringLike": {"aws:SourceArn": sub(
                    "arn:", PARTITION, ":logs:", REGION, ":", ACCOUNT, ":*")}}}]},
            "Policies": [{"PolicyName": "deliver", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": _PUT[kind], "Resource": destination}]}}],
        }, suffix=suffix + "Role")
        role = r.att(suffix + "Role", "Arn")
    distribution = r.raw(*p, "distribution")
    r.part("AWS::Logs::SubscriptionFilter", {
        "FilterName": r.val(*p, "name"),
        "LogGroupName": r.att(),
        "FilterPattern": r.val(*p, "pattern") or "",
        "DestinationArn": destination,
        "RoleArn": role,
        "Distribution": {"random": "Random", "by_log_stream": "ByLogStream"}[distribution] if distribution else None,
    }, suffix=suffix, depends=[r.att(w.suffix) for w in waits])


_STATE_CALL = re.compile(r'(ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.:/\-]+))\s*\)')


def _rule(r) -> object:
    """The rule with each member named by its alarm's name (its `Ref`), as AWS needs it."""
    members = r.targets("alarms")
    by_name: dict[str, int] = {}
    for i, address in enumerate(members):
        by_name[short(address)] = i
        name = r.ctx.source(address).raw("name")
        if isinstance(name, str):
            by_name[name] = i
    text = r.raw("rule") or alarm_rule.any_of([short(a) for a in members])
    parts, at = [], 0
    for m in _STATE_CALL.finditer(text):
        name = m.group(2) if m.group(2) is not None else m.group(3)
        parts += [text[at:m.start()], f'{m.group(1)}("', r.ref("alarms", by_name[name], export="name"), '")']
        at = m.end()
    parts.append(text[at:])
    return sub(*parts)


def composite_alarm(r):
    r.part("AWS::CloudWatch::CompositeAlarm", {
        "AlarmName": r.val("name"),
        "AlarmDescription": r.val("description"),
        "AlarmRule": _rule(r),
        "ActionsEnabled": r.raw("actions_enabled") is not False,
        "AlarmActions": r.refs("alarm_actions") or None,
        "OKActions": r.refs("ok_actions") or None,
        "InsufficientDataActions": r.refs("insufficient_data_actions") or None,
    })


def _widget(r, i: int, w: dict, x: int, y: int) -> dict:
    p = ("widget", i)
    size = {"x": x, "y": y, "width": w.get("width") or 6, "height": w.get("height") or 6}
    title = r.val(*p, "title") or w.get("name")
    if w.get("markdown") is not None:
        return {"type": "text", **size, "properties": {"markdown": r.val(*p, "markdown")}}
    if w.get("alarms"):
        return {"type": "alarm", **size, "properties": {"title": title, "alarms": [
            r.ref(*p, "alarms", j, export="arn") for j in range(len(w["alarms"]))]}}
    dims = r.val(*p, "dimensions") or {}
    metric = [r.val(*p, "namespace"), r.val(*p, "metric")] + [x for k in sorted(dims) for x in (k, dims[k])]
    return {"type": "metric", **size, "properties": {
        "title": title, "metrics": [metric], "stat": w.get("statistic") or "Average",
        "period": int(seconds(r.get(*p, "period")) or 300), "region": REGION, "view": "timeSeries"}}


def _body(r) -> object:
    """The dashboard's JSON, widgets laid out left to right on the 24-unit grid, with the values
    known only at deploy time (alarm ARNs, the region) interpolated."""
    widgets, x, y, row = [], 0, 0, 0
    for i, w in enumerate(r.peek("widget") or []):
        width = w.get("width") or 6
        if x + width > 24:
            x, y, row = 0, y + row, 0
        widgets.append(_widget(r, i, w, x, y))
        x, row = x + width, max(row, w.get("height") or 6)
    holes: list = []

    def hole(value):
        if isinstance(value, dict):
            return {k: hole(v) for k, v in value.items()}
        if isinstance(value, list):
            return [hole(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        holes.append(value)
        return f"\u0000{len(holes) - 1}\u0000"

    text = json.dumps(hole({"widgets": widgets}), sort_keys=True, separators=(",", ":"))
    pieces = text.split("\\u0000")
    parts = [holes[int(p)] if k % 2 else p for k, p in enumerate(pieces)]
    return sub(*parts)


def dashboard(r):
    r.part("AWS::CloudWatch::Dashboard", {"DashboardName": r.val("name"), "DashboardBody": _body(r)})


MAPPERS = {"cloudwatch_alarm": cloudwatch_alarm, "log_group": log_group, "composite_alarm": composite_alarm,
           "dashboard": dashboard}

TYPES = {
    "cloudwatch_alarm": ["AWS::CloudWatch::Alarm"],
    "log_group": ["AWS::Logs::LogGroup", "AWS::Logs::MetricFilter", "AWS::Logs::SubscriptionFilter",
                  "AWS::Lambda::Permission", "AWS::IAM::Role"],
    "composite_alarm": ["AWS::CloudWatch::CompositeAlarm"],
    "dashboard": ["AWS::CloudWatch::Dashboard"],
}

EXPORTS = {
    "cloudwatch_alarm": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "log_group": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "composite_alarm": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "dashboard": {"id": REF, "name": REF},
}
