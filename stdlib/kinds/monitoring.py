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
  Metric filters (at most 100 per group) turn matching events into a metric an alarm can watch;
  subscription filters (at most 2 per group) deliver them to Lambda, Kinesis or Firehose.
- A composite alarm (§21.1.5) is in ALARM when its rule over other alarms' states holds
  (`ALARM(a) AND NOT OK(b)`; at most 100 member alarms, a rule of at most 10,240 characters),
  and notifies SNS topics. Every alarm its rule names is one of its `alarms`.
- A dashboard (§21.1.1) holds at most 500 widgets on a grid 24 units wide; its name is 1–255
  letters, digits, '-' and '_', unique in the account (dashboards are global).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib import alarm_rule
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.security_facts import RETENTION_DAYS
from archform.stdlib.types import Bool, Choice, Duration, IntRange, Number, Ref, Str, Tags, Validated, dur, fail

MAX_DIMENSIONS = 30  # notes §21.1.1
MAX_METRIC_FILTERS = 100  # per log group (CloudWatch Logs quotas)
MAX_SUBSCRIPTION_FILTERS = 2  # per log group (PutSubscriptionFilter: "up to two subscription filters")
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


class SubscriptionFilter(Block):
    """`subscription_filter NAME { pattern = "ERROR", destination = handler }`: matching events
    delivered as they arrive to a Lambda function, a Kinesis stream or a Firehose stream (notes
    §21.1.3); at most 2 a log group (AWS: "Each log group can have up to two subscription
    filters"). `distribution` (random, by_log_stream) is for a Kinesis stream."""

    name: Str
    pattern: Str = ""
    destination: Ref["lambda_function", "kinesis_stream", "firehose"]
    distribution: Choice("random", "by_log_stream", what="distribution") = None


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
    subscription_filter: list[SubscriptionFilter] = Field(default_factory=list)
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
        if len(self.subscription_filter) > MAX_SUBSCRIPTION_FILTERS:
            yield Issue(f"a log group has at most {MAX_SUBSCRIPTION_FILTERS} subscription filters (AWS's limit), got "
                        f"{len(self.subscription_filter)}", ("subscription_filter", MAX_SUBSCRIPTION_FILTERS),
                        help="send the events to one Kinesis or Firehose stream and fan out from there")
        for i, f in enumerate(self.subscription_filter):
            if f.distribution is not None and getattr(f.destination, "kind", None) != "kinesis_stream":
                yield Issue("distribution is for a subscription filter delivering to a Kinesis stream",
                            ("subscription_filter", i, "distribution"))



def member_names(view: View) -> set[str]:
    """The names a composite alarm's rule may call a member alarm by: its resource name, and
    its `name` if written."""
    found = {view.address.rsplit(".", 1)[-1]}
    if isinstance(getattr(view.model, "name", None), str):
        found.add(view.model.name)
    return found


class CompositeAlarm(Kind):
    """A CloudWatch composite alarm (notes §21.1.5: "combine metrics with AND or OR conditions",
    to reduce alarm noise): in ALARM when its `rule` over the states of its `alarms` holds —
    `ALARM(cpu_high) AND NOT OK(errors)`, with OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE and
    parentheses; a member is named by its resource name or its `name`. Without a rule: any
    member in ALARM. Actions: SNS topics (`alarm_actions`, `ok_actions`,
    `insufficient_data_actions`)."""

    kind: Literal["composite_alarm"] = "composite_alarm"
    title: ClassVar[str] = "CloudWatch composite alarm"
    noun: ClassVar[str] = "composite alarm"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    alarms: list[Ref["cloudwatch_alarm", "composite_alarm"]]
    rule: Str | None = None
    alarm_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    ok_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    insufficient_data_actions: list[Ref["sns_topic"]] = Field(default_factory=list)
    actions_enabled: Bool = True
    tags: Tags = Field(default_factory=dict)

    def rule_text(self, graph: Graph | None = None) -> str | None:
        """The rule as written, or any member in ALARM (by resource name)."""
        if isinstance(self.rule, str):
            return self.rule
        refs = [getattr(a, "address", None) for a in self.alarms]
        if any(a is None for a in refs):
            return None
        return alarm_rule.any_of([a.rsplit(".", 1)[-1] for a in refs])

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _ALARM_NAME.match(self.name):
            yield Issue(f"an alarm's name is 1–255 printable characters, got '{self.name}'", ("name",))
        if not self.alarms:
            yield Issue("a composite alarm watches at least one alarm", ("alarms",))
        if len(self.alarms) > alarm_rule.MAX_CHILDREN:
            yield Issue(f"a composite alarm's rule names at most {alarm_rule.MAX_CHILDREN} alarms, got "
                        f"{len(self.alarms)}", ("alarms",))
        text = self.rule_text(graph)
        if text is None or not self.alarms:
            return
        try:
            tree = alarm_rule.parse(text)
        except alarm_rule.RuleError as e:
            yield Issue(f"{e} (at character {e.at + 1} of the rule)", ("rule",),
                        help='e.g. rule = "ALARM(cpu_high) AND NOT ALARM(maintenance)"')
            return
        members = {}
        for i, ref in enumerate(self.alarms):
            view = deref(graph, ref)
            if view is None:
                continue
            if view.address == me.address:
                yield Issue("a composite alarm cannot watch itself", ("alarms", i))
            for n in member_names(view):
                members[n] = view
        named = alarm_rule.names(tree)
        unknown = False
        for n in named:
            if n in members:
                continue
            unknown = True
            region = [a for a in graph.of_kind("cloudwatch_alarm", "composite_alarm")
                      if a.region == me.region and n in member_names(a) and a.address != me.address]
            if region:
                yield Issue(f"the rule names '{n}', which is not one of this composite alarm's alarms", ("rule",),
                            related=(Related(region[0].address, (), "the alarm"),),
                            help=f"add {region[0].address.rsplit('.', 1)[-1]} to alarms")
            else:
                known = sorted(members)
                from difflib import get_close_matches
                close = get_close_matches(n, known, 1)
                yield Issue(f"the rule names an alarm '{n}' that does not exist in {me.region}", ("rule",),
                            help=f"did you mean '{close[0]}'?" if close else
                            f"its alarms are {', '.join(known)}" if known else "")
        used = {members[n].address for n in named if n in members}
        for i, ref in enumerate(self.alarms):
            view = deref(graph, ref)
            if view is not None and view.address not in used and isinstance(self.rule, str) and not unknown:
                yield Issue(f"'{view.address}' is one of the alarms but the rule does not name it", ("alarms", i),
                            severity="warning", help="name it in the rule, or remove it from alarms")


class Widget(Block):
    """`widget NAME { … }`: a metric graph (`namespace`, `metric`, `dimensions`, `statistic`,
    `period`), an alarm status list (`alarms`) or text (`markdown`); `width` of the 24-unit grid
    (6 by default) and `height` (6)."""

    name: Str
    title: Str | None = None
    namespace: Str | None = None
    metric: Str | None = None
    dimensions: dict[str, Str] = Field(default_factory=dict)
    statistic: Choice(*STATISTICS, what="statistic") = "Average"
    period: Duration = dur("300s")
    alarms: list[Ref["cloudwatch_alarm", "composite_alarm"]] = Field(default_factory=list)
    markdown: Str | None = None
    width: IntRange(1, 24, what="widget width") = 6
    height: IntRange(1, 1000, what="widget height") = 6

    def type(self) -> str | None:
        found = [t for t, on in (("metric", self.metric is not None), ("alarm", bool(self.alarms)),
                                 ("text", self.markdown is not None)) if on]
        return found[0] if len(found) == 1 else None


MAX_WIDGETS = 500  # Dashboard body structure: "an array of between 0 and 500 widget objects"
_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class Dashboard(Kind):
    """A CloudWatch dashboard (notes §21.1.1): `widget` blocks of metric graphs, alarm status and
    text laid out left to right on a grid 24 units wide (at most 500 widgets). Dashboards are
    global: the name (letters, digits, '-' and '_') is unique in the account."""

    kind: Literal["dashboard"] = "dashboard"
    title: ClassVar[str] = "CloudWatch dashboard"
    noun: ClassVar[str] = "dashboard"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    widget: list[Widget] = Field(default_factory=list)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _DASHBOARD_NAME.match(self.name):
            yield Issue(f"a dashboard's name is 1–255 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        if len(self.widget) > MAX_WIDGETS:
            yield Issue(f"a dashboard has at most {MAX_WIDGETS} widgets, got {len(self.widget)}",
                        ("widget", MAX_WIDGETS))
        for i, w in enumerate(self.widget):
            if w.type() is None:
                yield Issue(f"widget '{w.name}' shows one of: a metric (metric), alarms (alarms) or text (markdown)",
                            ("widget", i))
            elif w.type() == "metric" and w.namespace is None:
                yield Issue(f"widget '{w.name}' needs the metric's namespace", ("widget", i, "metric"),
                            help='e.g. namespace = "AWS/EC2"')
        if isinstance(self.name, str):
            same = sorted(d.address for d in graph.of_kind("dashboard") if getattr(d.model, "name", None) == self.name)
            if len(same) > 1 and same[0] != me.address:
                yield Issue(f"dashboards are global: '{same[0]}' is already named '{self.name}'", ("name",),
                            related=(Related(same[0], ("name",), "the same name"),))
