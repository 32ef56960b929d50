"""CloudWatch (notes §21.1): metric alarms and log groups with their metric filters.

AWS's rules, each a diagnostic here:

- An alarm watches one metric (a namespace, a name, at most 30 dimensions: §21.1.1) through a
  statistic or a percentile, over a `period` of 10 s, 30 s or a multiple of 60 s; it goes to
  ALARM when `datapoints_to_alarm` of the last `evaluation_periods` periods breach `threshold`
  (so datapoints_to_alarm ≤ evaluation_periods). Its actions (§21.1.5): notify SNS topics, run
  an Auto Scaling group's step or simple scaling policy, stop, terminate, reboot or recover an
  EC2 instance (`ec2_action`, with `instance`; recovery on `StatusCheckFailed_System` only,
  keeping the instance's IP addresses). CloudWatch cannot publish to a topic encrypted with
  the AWS managed key alias/aws/sns (that key's policy cannot grant it).
- A log group keeps its events for one of AWS's retention periods, 1 day to 10 years, or
  `never` expires (§21.1.3); it is encrypted, with `kms_key` if given (a key of its region).
  Metric filters (at most 100 per group) turn matching events into a metric an alarm can watch.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.security_facts import RETENTION_DAYS
from archform.stdlib.types import Bool, Choice, Duration, IntRange, Number, Ref, Str, Tags, Validated, dur, fail

MAX_DIMENSIONS = 30  # notes §21.1.1
MAX_METRIC_FILTERS = 100  # per log group (CloudWatch Logs quotas)
COMPARISONS = {">=": "GreaterThanOrEqualToThreshold", ">": "GreaterThanThreshold", "<": "LessThanThreshold",
               "<=": "LessThanOrEqualToThreshold"}
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_LOG_GROUP_NAME = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
_ALARM_NAME = re.compile(r"^[^\x00-\x1f]{1,255}$")


def _retention(x):
    """`30d`, `1y`-style durations that are one of AWS's retention periods, or `never`."""
    if isinstance(x, v.Word) and x.text == "never" or x == "never":
        return "never"
    if isinstance(x, v.Duration):
        days = x.seconds / 86400
        if days.denominator == 1 and days.numerator in RETENTION_DAYS:
            return x
        shown = ", ".join(f"{d}d" for d in RETENTION_DAYS)
        raise fail(f"CloudWatch Logs keeps events for one of {shown} (1 day to 10 years, notes §21.1.3) or never; "
                   f"got {x}", "e.g. retention = 30d, 365d or never")
    if isinstance(x, v.Unknown):
        return x
    raise fail(f"expected a retention period such as 30d, or never, got {v.type_name(x)}")


Retention = Validated(_retention, word=True)


class Scale(Block):
    """`scale { group = fleet, policy = "burst" }`: run a step or simple scaling policy."""

    group: Ref["autoscaling_group"]
    policy: Str


class CloudwatchAlarm(Kind):
    """A CloudWatch metric alarm (notes §21.1.5): `namespace`, `metric` and `dimensions`, a
    `statistic` (Average, …) or `percentile = 99`, a `period` (10 s, 30 s or a multiple of
    60 s), `evaluation_periods` and `datapoints_to_alarm`, a `threshold` and `comparison`, what
    `missing_data` means, and actions: `alarm_actions`/`ok_actions` (SNS topics), `scale`
    (an Auto Scaling group's step or simple policy), `ec2_action` on `instance` (stop, reboot,
    terminate, or recover on a failed system status check). States: OK, ALARM,
    INSUFFICIENT_DATA."""

    kind: Literal["cloudwatch_alarm"] = "cloudwatch_alarm"
    title: ClassVar[str] = "CloudWatch alarm"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    namespace: Str | None = None  # unset with `instance`: AWS/EC2
    metric: Str
    dimensions: dict[str, Str] = Field(default_factory=dict)
    statistic: Choice(*STATISTICS, what="statistic") = "Average"
    percentile: Number | None = None
    period: Duration = dur("60s")
    evaluation_periods: IntRange(1, None, what="evaluation_periods") = 1
    datapoints_to_alarm: IntRange(1, None, what="datapoints_to_alarm") | None = None
    threshold: Number
    comparison: Choice(*COMPARISONS, aliases={**{a: c for c, a in COMPARISONS.items()},
                                              "greater_or_equal": ">=", "greater_than": ">", "less_than": "<",
                                              "less_or_equal": "<="}, what="comparison") = ">="
    missing_data: Choice("missing", "ignore", "breaching", "not_breaching", what="missing data treatment",
                         aliases={"notBreaching": "not_breaching"}) = "missing"
    alarm_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    ok_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    insufficient_data_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    scale: Scale | None = None
    instance: Ref["instance"] = None
    ec2_action: Choice("stop", "terminate", "reboot", "recover", what="EC2 action") = None
    actions_enabled: Bool = True
    tags: Tags = Field(default_factory=dict)

    def needed(self) -> int:
        """How many breaching periods put the alarm in ALARM."""
        n = self.datapoints_to_alarm if isinstance(self.datapoints_to_alarm, int) else self.evaluation_periods
        return n if isinstance(n, int) else 1

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _ALARM_NAME.match(self.name):
            yield Issue(f"an alarm's name is 1–255 printable characters, got '{self.name}'", ("name",))
        if isinstance(self.period, v.Duration):
            s = self.period.seconds
            if not (s in (10, 30) or (s >= 60 and s % 60 == 0)):
                yield Issue(f"an alarm's period is 10s, 30s or a multiple of 60s, got {self.period}", ("period",),
                            help="e.g. period = 1m or 5m (10s and 30s are for high-resolution metrics)")
        if len(self.dimensions) > MAX_DIMENSIONS:
            yield Issue(f"a metric has at most {MAX_DIMENSIONS} dimensions (notes §21.1.1), got "
                        f"{len(self.dimensions)}", ("dimensions",))
        if (isinstance(self.datapoints_to_alarm, int) and isinstance(self.evaluation_periods, int)
                and self.datapoints_to_alarm > self.evaluation_periods):
            yield Issue(f"datapoints_to_alarm ({self.datapoints_to_alarm}) is at most evaluation_periods "
                        f"({self.evaluation_periods}): M out of N periods", ("datapoints_to_alarm",))
        if self.percentile is not None:
            if "statistic" in me.written:
                yield Issue("an alarm uses a statistic or a percentile, not both", ("percentile",))
            elif isinstance(self.percentile, (int, float)) and not 0 < self.percentile < 100:
                yield Issue(f"a percentile is between 0 and 100 (exclusive), got {self.percentile}", ("percentile",))
        if self.namespace is None and self.instance is None:
            yield Issue("an alarm needs the metric's namespace", ("namespace",), help='e.g. namespace = "AWS/EC2"')
        yield from self._action_issues(graph)

    def _action_issues(self, graph: Graph) -> Iterable[Issue]:
        for name in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
            for i, ref in enumerate(getattr(self, name)):
                topic = deref(graph, ref)
                if topic is not None and topic.model.encryption == "kms" and topic.model.kms_key == "alias/aws/sns":
                    yield Issue(f"topic '{topic.address}' is encrypted with the AWS managed key alias/aws/sns, which "
                                "CloudWatch cannot use: the alarm's notifications would be lost", (name, i),
                                related=(Related(topic.address, (), "the topic"),),
                                help="give the topic a kms_key resource (its key policy then lets "
                                     "cloudwatch.amazonaws.com use it), or encryption = none")
        if self.ec2_action is not None and self.instance is None:
            yield Issue(f"ec2_action = {self.ec2_action} acts on an instance: set instance", ("ec2_action",))
        if self.ec2_action == "recover" and self.metric != "StatusCheckFailed_System":
            yield Issue("an instance is recovered on a failed system status check: metric = "
                        "\"StatusCheckFailed_System\" (notes §21.1.5)", ("metric",))
        if self.instance is not None and self.namespace not in (None, "AWS/EC2"):
            yield Issue(f"instance sets the InstanceId dimension of an AWS/EC2 metric; this alarm's namespace is "
                        f"{self.namespace}", ("namespace",))
        if self.scale is not None:
            group = deref(graph, self.scale.group)
            if group is not None and isinstance(self.scale.policy, str):
                policies = {p.name: p for p in group.model.scaling_policy}
                policy = policies.get(self.scale.policy)
                related = (Related(group.address, ("scaling_policy",), "the group's policies"),)
                if policy is None:
                    names = ", ".join(sorted(policies)) or "none"
                    yield Issue(f"'{group.address}' has no scaling policy '{self.scale.policy}' (it has {names})",
                                ("scale", "policy"), related=related)
                elif policy.type not in ("step", "simple"):
                    yield Issue(f"an alarm runs step or simple scaling policies; '{self.scale.policy}' is "
                                f"{policy.type} (AWS makes and manages its alarms)", ("scale", "policy"),
                                related=related)


class MetricFilter(Block):
    """`metric_filter NAME { pattern = "ERROR", namespace = "Shop", metric = "Errors" }`: each
    matching event adds `value` (1) to the metric."""

    name: Str
    pattern: Str
    namespace: Str
    metric: Str
    value: Str = "1"
    default_value: Number | None = None


class LogGroup(Kind):
    """A CloudWatch Logs log group (notes §21.1.3): its events kept for `retention` (one of
    AWS's periods from 1d to 3653d, or `never`; 365d by default here, AWS's API: never),
    encrypted (with `kms_key` if given), with `metric_filter` blocks that make metrics of
    matching events for alarms."""

    kind: Literal["log_group"] = "log_group"
    title: ClassVar[str] = "CloudWatch log group"
    noun: ClassVar[str] = "log group"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "log_class"})

    name: Str | None = None
    retention: Retention = dur("365d")
    kms_key: KmsKeyRef | None = None
    log_class: Choice("STANDARD", "INFREQUENT_ACCESS", what="log class") = "STANDARD"
    metric_filter: list[MetricFilter] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def retention_days(self) -> int | None:
        return None if self.retention == "never" else int(self.retention.seconds // 86400)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _LOG_GROUP_NAME.match(self.name):
            yield Issue(f"a log group's name is 1–512 letters, digits and . - _ / #, got '{self.name}'", ("name",))
        if len(self.metric_filter) > MAX_METRIC_FILTERS:
            yield Issue(f"a log group has at most {MAX_METRIC_FILTERS} metric filters, got {len(self.metric_filter)}",
                        ("metric_filter",))
        if self.log_class == "INFREQUENT_ACCESS" and self.metric_filter:
            yield Issue("an INFREQUENT_ACCESS log group has no metric filters", ("metric_filter",),
                        help="log_class = STANDARD")

