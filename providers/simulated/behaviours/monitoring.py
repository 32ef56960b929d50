"""CloudWatch alarms and log groups, both known by their names (per region).

An alarm's ARN is `arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`; a new alarm is in
INSUFFICIENT_DATA until it has data (a chaos run evaluates it against the modeled metrics).
PutMetricAlarm refuses a period other than 10 s, 30 s or a multiple of 60 s, more datapoints
than evaluation periods, an EC2 action without an InstanceId dimension, a scaling policy the
group does not have (a topic of another region is not found, as for every reference).

A log group's ARN is `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`; PutRetentionPolicy takes
AWS's retention periods only; a key of another region is not found; a third subscription
filter is refused (LimitExceededException: two a group).

A composite alarm shares the alarms' names and ARN form; a dashboard is global
(`arn:aws:cloudwatch::ACCOUNT:dashboard/NAME`).
"""

from __future__ import annotations

from archform.providers.base import Conflict
from archform.stdlib import alarm_rule
from archform.stdlib.security_facts import RETENTION_DAYS

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .messaging import seconds


class CloudwatchAlarm(Named):
    service = "cloudwatch"
    name_max = 255
    name_taken_code = "ResourceAlreadyExists"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("cloudwatch", rec.region, f"alarm:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        period = seconds(at.get("period"), 60)
        require(period in (10, 30) or (period >= 60 and period % 60 == 0),
                f"Period ({period:g}) must be 10, 30 or a multiple of 60", "ValidationError")
        points, periods = at.get("datapoints_to_alarm"), at.get("evaluation_periods") or 1
        require(points is None or points <= periods, f"DatapointsToAlarm ({points}) must be less than or equal to "
                f"EvaluationPeriods ({periods})", "ValidationError")
        require(not at.get("ec2_action") or bool(at.get("instance")),
                "EC2 actions require the InstanceId dimension", "ValidationError")
        scale = at.get("scale")
        if scale:
            group = op.the(scale["group"])
            policies = {p.get("name"): p for p in group.attrs.get("scaling_policy") or []}
            policy = policies.get(scale.get("policy"))
            require(policy is not None and policy.get("type") in ("step", "simple"),
                    f"The scaling policy {scale.get('policy')} of {group.id} is not a step or simple scaling policy",
                    "ValidationError")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "state": "INSUFFICIENT_DATA",
                "state_reason": "Unchecked: Initial alarm creation"}


class LogGroup(Named):
    service = "logs"
    name_max = 512
    name_taken_code = "ResourceAlreadyExistsException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return "The specified log group already exists"

    def arn(self, rec: Record) -> str:
        return ids.arn("logs", rec.region, f"log-group:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        retention = at.get("retention")
        if retention not in (None, "never"):
            days = seconds(retention) / 86400
            require(days in RETENTION_DAYS, f"1 validation error detected: Value '{days:g}' at 'retentionInDays' "
                    "failed to satisfy constraint: Member must satisfy enum value set", "InvalidParameterException")
        require(len(at.get("metric_filter") or []) <= 100, "Resource limit exceeded: 100 metric filters per log group",
                "LimitExceededException")
        require(len(at.get("subscription_filter") or []) <= 2, "Resource limit exceeded.", "LimitExceededException")

    def outputs(self, op: Op, rec: Record) -> dict:
        retention = rec.attrs.get("retention")
        return {"name": rec.name,
                "retention_days": None if retention in (None, "never") else int(seconds(retention) // 86400),
                "metric_filters": sorted(f.get("name") for f in rec.attrs.get("metric_filter") or []),
                "subscription_filters": sorted(f.get("name") for f in rec.attrs.get("subscription_filter") or [])}


def member_names(rec: Record) -> set[str]:
    """What a composite alarm's rule may call a member: its resource name or its alarm name."""
    return {n for n in ((rec.address or "").rsplit(".", 1)[-1], rec.name) if n}


class CompositeAlarm(CloudwatchAlarm):
    """Alarm names are one namespace for metric and composite alarms (PutCompositeAlarm refuses
    a name a metric alarm has). The rule must parse and name only alarms that exist: AWS says
    "Could not save the composite alarm as alarms [...] in the alarm rule do not exist"."""

    def identity(self, op: Op, rec: Record) -> None:
        name = self.explicit_name(rec)
        if name is not None and op.tx.by_name("cloudwatch_alarm", name, rec.region) is not None:
            raise Conflict(f"An alarm named '{name}' already exists", code="ResourceAlreadyExists")
        super().identity(op, rec)

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        members = [op.the(a) for a in at.get("alarms") or []]
        text = at.get("rule") or alarm_rule.any_of([(m.address or m.name).rsplit(".", 1)[-1] for m in members])
        try:
            tree = alarm_rule.parse(text)
        except alarm_rule.RuleError as e:
            require(False, f"Error in alarm rule: {e}", "ValidationError")
        known = set().union(*(member_names(m) for m in members)) if members else set()
        missing = [n for n in alarm_rule.names(tree) if n not in known]
        require(not missing, f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the alarm rule "
                "do not exist", "ValidationError")

    def outputs(self, op: Op, rec: Record) -> dict:
        members = [op.the(a) for a in rec.attrs.get("alarms") or []]
        return {"name": rec.name, "state": "INSUFFICIENT_DATA", "state_reason": "Unchecked: Initial alarm creation",
                "rule": rec.attrs.get("rule") or alarm_rule.any_of(
                    [(m.address or m.name).rsplit(".", 1)[-1] for m in members])}


class Dashboard(Named):
    """Dashboards are global (one name in the account); PutDashboard refuses more than 500 widgets
    (InvalidParameterInput)."""

    service = "cloudwatch"
    name_max = 255
    name_unique = "global"
    name_taken_code = "InvalidParameterInput"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("cloudwatch", None, f"dashboard/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        widgets = rec.attrs.get("widget") or []
        require(len(widgets) <= 500, f"The dashboard body is invalid, there are {len(widgets)} validation errors: "
                "Should NOT have more than 500 items (/widgets)", "InvalidParameterInput")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "widgets": len(rec.attrs.get("widget") or [])}


BEHAVIOURS = {"cloudwatch_alarm": CloudwatchAlarm(), "log_group": LogGroup(), "composite_alarm": CompositeAlarm(),
              "dashboard": Dashboard()}
