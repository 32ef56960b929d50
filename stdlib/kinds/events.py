"""EventBridge: custom event buses and the rules that route events from a bus (or on a
schedule) to their targets (notes §21.1.6).

Every bus is encrypted at rest (with an AWS owned key unless `kms_key` names a customer key).
The `default` bus of each region exists without being declared: a rule without `bus`, or with
`bus = "default"`, is on it. Targets are delivered to with resource-based permissions (a Lambda
function, an SQS queue, an SNS topic: the CloudFormation mapping writes the permission or
policy statement each needs) or with an IAM role EventBridge assumes (a state machine, another
event bus), as the notes say (§22.1.3).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import ClassVar, Iterable, Literal

from pydantic import Field, field_validator

from archform.dsl import values as v
from archform.stdlib.kinds.security import document_issues
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Document, Duration, DurationRange, IntRange, OneOf, Ref, Str, Tags,
                                   block_flag, dur)

MAX_TARGETS = 5  # targets per rule (EventBridge quota, not adjustable)
PATTERN_LIMIT = 4096  # characters of an event pattern (PutRule's EventPattern)
_BUS_NAME = re.compile(r"^[/.\-_A-Za-z0-9]{1,256}$")
_RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
_TARGET_ID = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")


def plain(x):
    """A document value as JSON would hold it: words as text, whole numbers as int."""
    if isinstance(x, v.Word):
        return x.text
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    if isinstance(x, dict):
        return {str(k): plain(y) for k, y in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(y) for y in x]
    return x


def role_trusts(graph: Graph, ref, service: str) -> tuple[View | None, bool]:
    """The role a reference names, and whether `service` may assume it (True while unknown)."""
    role = deref(graph, ref)
    if role is None:
        return None, True
    principals = [p for p in role.model.assumed_by if isinstance(p, str)]
    known = principals and len(principals) == len(role.model.assumed_by)
    return role, not known or service in principals or "*" in principals


# AWS managed policies known to allow a service's actions (besides AdministratorAccess and
# PowerUserAccess); another AWS managed policy is one archform does not hold the text of
MANAGED_GRANTS = {
    "states": ("AWSStepFunctionsFullAccess",),
    "events": ("AmazonEventBridgeFullAccess", "CloudWatchEventsFullAccess"),
    "logs": ("CloudWatchLogsFullAccess",),
}
_ADMIN = ("AdministratorAccess", "PowerUserAccess")


def managed_grants(policy_arn: str, action: str) -> bool | None:
    """Whether an AWS managed policy allows `action`: True, or None (its text is not known here)."""
    name = policy_arn.rsplit("/", 1)[-1]
    return True if name in _ADMIN or name in MANAGED_GRANTS.get(action.split(":", 1)[0], ()) else None


def role_may(role, graph: Graph, action: str) -> bool | None:
    """Whether an IAM role's policies allow `action`: True, False, or None when a managed policy
    archform cannot read decides it."""
    from archform.stdlib.kinds.serverless import _allows
    unknown = False
    if any(_allows(doc, action) for doc in role.inline_policies.values()):
        return True
    for p in role.policies:
        policy = deref(graph, p)
        if policy is not None:
            if _allows(policy.model.document, action):
                return True
        elif isinstance(p, str) and p.startswith("arn:aws:iam::aws:policy/"):
            if managed_grants(p, action):
                return True
            unknown = True
        else:
            unknown = True
    return None if unknown else False


class Archive(Block):
    """`archive { retention = 30d }`: EventBridge keeps the bus's events (those `pattern`
    matches, or all) for `retention` (whole days; forever when left out), to replay them later
    (notes §21.1.6: "archived events can be replayed for debugging and testing")."""

    retention: Duration | None = None
    pattern: Document | None = None


class EventBus(Kind):
    """A custom EventBridge event bus (notes §21.1.6): your applications put events on it and
    its rules route them. Encrypted with an AWS owned key, or with `kms_key` (a customer managed
    key: its policy must let EventBridge use it). A `policy` is the bus's resource-based policy
    (who may put events); `archive { ... }` keeps its events for replay. Each region also has a
    `default` bus for AWS services' events, which is never declared: rules name it with
    `bus = "default"` or by leaving `bus` out."""

    kind: Literal["event_bus"] = "event_bus"
    title: ClassVar[str] = "EventBridge event bus"
    noun: ClassVar[str] = "event bus"
    family: ClassVar[str] = "events"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    kms_key: Str | None = None
    policy: Document | None = None
    archive: Archive | None = None
    tags: Tags = Field(default_factory=dict)

    @field_validator("archive", mode="before")
    @classmethod
    def _archive_flag(cls, x):
        """`archive = true` keeps every event, forever."""
        return block_flag(x)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.archive is not None:
            days = self.archive.retention
            if isinstance(days, v.Duration) and (days.seconds <= 0 or days.seconds % 86400):
                yield Issue(f"an archive keeps events for a whole number of days, got {days}",
                            ("archive", "retention"), help="e.g. retention = 30d (leave it out to keep them forever)")
            if self.archive.pattern is not None:
                yield from pattern_issues(self.archive.pattern, ("archive", "pattern"))
        if isinstance(self.name, str):
            if self.name == "default":
                yield Issue("every region already has the default event bus: a custom bus cannot be called 'default'",
                            ("name",), help="to use the default bus, write bus = \"default\" (or no bus) on the rules")
            elif self.name.startswith("aws."):
                yield Issue(f"bus names beginning with 'aws.' are for partner event sources, got '{self.name}'",
                            ("name",))
            elif not _BUS_NAME.match(self.name):
                yield Issue(f"an event bus name has 1 to 256 letters, digits, '.', '-', '_' or '/', got '{self.name}'",
                            ("name",))
        if isinstance(self.description, str) and len(self.description) > 512:
            yield Issue("an event bus description has at most 512 characters", ("description",))
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), "resource")


class RetryPolicy(Block):
    """`retry { max_age = 1h, max_retries = 10 }`: how long and how often EventBridge retries a
    target that fails (AWS's defaults: 24 h and 185 retries)."""

    max_age: DurationRange("60s", "24h", what="retry max_age") = dur("24h")
    max_retries: IntRange(0, 185, what="retry max_retries") = 185


TARGET_KINDS = ("lambda_function", "sqs_queue", "sns_topic", "state_machine", "event_bus")
_A_TARGET = {"lambda_function": "a Lambda function", "sqs_queue": "an SQS queue", "sns_topic": "an SNS topic"}
_ROLE_NEEDED = ("state_machine", "event_bus")


class Target(Block):
    """`target NAME { resource = <function|queue|topic|state machine|bus> }`: where a matched
    event goes. An event bus may be in another region (cross-region routing); the other
    targets are in the rule's region. `input` (a constant document) or `input_path` (a JSONPath
    into the event) replaces the event; `retry` and `dead_letter` (a standard SQS queue) say
    what happens when delivery fails; `role` is the IAM role EventBridge assumes to start a
    state machine or put events on a bus; `message_group_id` is required by a FIFO queue."""

    name: Str | None = None
    resource: Ref.of(*TARGET_KINDS, across=("event_bus",))
    input: Document | None = None
    input_path: Str | None = None
    role: Ref["iam_role"] | None = None
    message_group_id: Str | None = None
    retry: RetryPolicy | None = None
    dead_letter: Ref["sqs_queue"] | None = None


def default_target_id(address: str) -> str:
    """The Id of an unlabelled target: the last part of its resource's address, as Ids are written."""
    return re.sub(r"[^.\-_A-Za-z0-9]", "_", address.rsplit(".", 1)[-1])[:64]


def target_id(t: Target) -> str | None:
    """The target's Id in the rule: its label, or the short name of what it delivers to."""
    if isinstance(t.name, str):
        return t.name
    address = getattr(t.resource, "address", None)
    return default_target_id(address) if address else None


def bus_of(rule, graph: Graph) -> tuple[str, View | None]:
    """The bus a rule is on: ("default", None), (name, None) for a bus outside the
    configuration, (address, view) for a declared one, or (None, None) while unknown."""
    bus = rule.bus
    if bus is None:
        return "default", None
    if isinstance(bus, v.ResourceRef):
        return bus.address, deref(graph, bus)
    return (bus if isinstance(bus, str) else None), None


class EventRule(Kind):
    """An EventBridge rule (notes §21.1.6): on an event bus (the region's default bus unless
    `bus` names one), it matches events against a `pattern` — a map whose values are lists of
    allowed values or nested maps, as EventBridge's event patterns are — or fires on a
    `schedule` (`rate(5 minutes)`, `cron(0 12 * * ? *)`; schedules run only on the default bus),
    and sends each event to up to 5 `target` blocks. `enabled = false` keeps the rule without
    running it."""

    kind: Literal["event_rule"] = "event_rule"
    title: ClassVar[str] = "EventBridge rule"
    noun: ClassVar[str] = "event rule"
    family: ClassVar[str] = "events"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "bus"})

    name: Str | None = None
    description: Str | None = None
    bus: OneOf(Ref["event_bus"], Str, what="an event_bus, or the name of a bus such as \"default\"") | None = None
    pattern: Document | None = None
    schedule: Str | None = None
    enabled: Bool = True
    target: list[Target] = Field(default_factory=list)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _RULE_NAME.match(self.name):
            yield Issue(f"a rule name has 1 to 64 letters, digits, '.', '-' or '_', got '{self.name}'", ("name",))
        if isinstance(self.description, str) and len(self.description) > 512:
            yield Issue("a rule description has at most 512 characters", ("description",))
        bus_name, bus = bus_of(self, graph)
        if self.pattern is None and self.schedule is None:
            yield Issue("a rule needs a pattern (the events it matches) or a schedule", (),
                        help="e.g. pattern = { source = [\"aws.ec2\"] } or schedule = \"rate(5 minutes)\"")
        elif self.pattern is not None and self.schedule is not None:
            yield Issue("a rule has a pattern or a schedule, not both: make two rules", ("schedule",))
        if self.pattern is not None:
            yield from pattern_issues(self.pattern, ("pattern",))
        if isinstance(self.schedule, str):
            problem = schedule_problem(self.schedule)
            if problem:
                yield Issue(problem, ("schedule",),
                            help="rate(5 minutes), rate(1 hour) or cron(0 12 * * ? *) (minutes hours day-of-month "
                                 "month day-of-week year)")
            if bus_name not in ("default", None):
                yield Issue(f"a scheduled rule runs only on the default event bus, not on '{bus_name}'", ("bus",),
                            help="remove bus, or make the schedule a rule of its own on the default bus")
        if len(self.target) > MAX_TARGETS:
            yield Issue(f"a rule has at most {MAX_TARGETS} targets, got {len(self.target)}", ("target",),
                        help="send to an SNS topic or another bus and fan out from there")
        if not self.target and self.enabled is not False:
            yield Issue("this rule has no target: the events it matches go nowhere", (), severity="warning")
        seen: set = set()
        for i, t in enumerate(self.target):
            path = ("target", i)
            tid = target_id(t)
            if tid is not None:
                if tid in seen:
                    yield Issue(f"two targets of this rule have the Id '{tid}'", path,
                                help="label the targets: target orders { ... }")
                elif not _TARGET_ID.match(tid):
                    yield Issue(f"a target Id has 1 to 64 letters, digits, '.', '-' or '_', got '{tid}'", path)
                seen.add(tid)
            yield from self._target_issues(t, path, me, graph, bus)

    def _target_issues(self, t: Target, path: tuple, me: View, graph: Graph, bus: View | None) -> Iterable[Issue]:
        kind = getattr(t.resource, "kind", None)
        if t.input is not None and t.input_path is not None:
            yield Issue("a target takes input or input_path, not both", (*path, "input_path"))
        if isinstance(t.input_path, str) and not t.input_path.startswith("$"):
            yield Issue(f"input_path is a JSONPath into the event, starting with '$', got '{t.input_path}'",
                        (*path, "input_path"), help="e.g. input_path = \"$.detail\"")
        if kind in _ROLE_NEEDED and t.role is None:
            what = "start a state machine" if kind == "state_machine" else "put events on another bus"
            yield Issue(f"EventBridge needs role = <iam_role> to {what} (notes §22.1.3)", path,
                        help="a role with assumed_by = [events] allowed to "
                             + ("states:StartExecution" if kind == "state_machine" else "events:PutEvents"))
        elif t.role is not None and kind not in _ROLE_NEEDED:
            yield Issue(f"{_A_TARGET.get(kind, 'this')} target is invoked through its resource policy, not a role",
                        (*path, "role"),
                        help="remove role: the mapping writes the permission EventBridge needs")
        if t.role is not None:
            role, trusted = role_trusts(graph, t.role, "events.amazonaws.com")
            if not trusted:
                yield Issue(f"role '{role.address}' cannot be assumed by EventBridge", (*path, "role"),
                            related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                            help="add events to the role's assumed_by")
            action = {"state_machine": "states:StartExecution", "event_bus": "events:PutEvents"}.get(kind)
            if role is not None and action and role_may(role.model, graph, action) is False:
                yield Issue(f"role '{role.address}' may not call {action}: EventBridge accepts the target, and every "
                            "delivery to it fails", (*path, "role"), severity="warning",
                            related=(Related(role.address, ("policies",), "the role's policies"),),
                            help=f"allow {action} on the target in an inline policy of the role")
        target = deref(graph, t.resource)
        if target is not None:
            yield from self._resource_issues(t, path, me, target, bus)
        if t.dead_letter is not None:
            dlq = deref(graph, t.dead_letter)
            if dlq is not None and dlq.model.fifo is True:
                yield Issue(f"a rule's dead-letter queue must be a standard queue; '{dlq.address}' is FIFO",
                            (*path, "dead_letter"), related=(Related(dlq.address, ("fifo",), "a FIFO queue"),))
            elif dlq is not None:
                yield from _managed_key_issues(dlq, (*path, "dead_letter"))

    def _resource_issues(self, t: Target, path: tuple, me: View, target: View, bus: View | None) -> Iterable[Issue]:
        rpath = (*path, "resource")
        if target.kind == "sqs_queue":
            fifo = target.model.fifo
            if fifo is True and t.message_group_id is None:
                yield Issue(f"queue '{target.address}' is FIFO: EventBridge needs a message_group_id to send to it",
                            path, related=(Related(target.address, ("fifo",), "a FIFO queue"),),
                            help="message_group_id = \"events\"")
            if isinstance(t.message_group_id, str) and len(t.message_group_id) > 100:
                yield Issue("EventBridge takes a message group id of at most 100 characters",
                            (*path, "message_group_id"))
            yield from _managed_key_issues(target, rpath)
        elif t.message_group_id is not None:
            yield Issue("message_group_id is for SQS queue targets", (*path, "message_group_id"))
        if target.kind == "sns_topic":
            if target.model.fifo is True:
                yield Issue(f"EventBridge sends to standard SNS topics; '{target.address}' is FIFO", rpath)
            yield from _managed_key_issues(target, rpath)
        if target.kind == "event_bus":
            if bus is not None and target.address == bus.address:
                yield Issue("a rule cannot send events back to its own bus", rpath)


def _managed_key_issues(target: View, path: tuple) -> Iterable[Issue]:
    """EventBridge cannot deliver to a queue or topic encrypted with the AWS managed key
    (alias/aws/sqs, alias/aws/sns): that key's policy cannot grant it kms:GenerateDataKey."""
    m = target.model
    if target.kind == "sqs_queue" and m.encryption == "kms" and m.kms_key in (None, "alias/aws/sqs"):
        yield Issue(f"queue '{target.address}' is encrypted with the AWS managed key alias/aws/sqs, which "
                    "EventBridge cannot use: events sent to it are lost", path,
                    related=(Related(target.address, ("encryption",), "the queue's encryption"),),
                    help="use SSE-SQS (remove encryption = kms) or a customer managed key that allows events")
    if target.kind == "sns_topic" and m.encryption == "kms" and m.kms_key == "alias/aws/sns":
        yield Issue(f"topic '{target.address}' is encrypted with the AWS managed key alias/aws/sns, which "
                    "EventBridge cannot use: events sent to it are lost", path,
                    related=(Related(target.address, ("kms_key",), "the topic's key"),),
                    help="give the topic a customer managed key whose policy allows events.amazonaws.com "
                         "kms:GenerateDataKey and kms:Decrypt")


# --- event patterns ------------------------------------------------------------------------------

_OPERATORS = ("prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr")
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")


def pattern_issues(pattern, path: tuple) -> Iterable[Issue]:
    """EventBridge's event pattern rules: a non-empty map whose every value is a non-empty
    list of allowed values (or matchers like `{ prefix = "ord-" }`) or a nested map."""
    if not isinstance(pattern, dict):
        yield Issue("an event pattern is a map of event fields to the values they may have", path,
                    help="e.g. pattern = { source = [\"aws.ec2\"], detail = { state = [\"stopped\"] } }")
        return
    if not pattern:
        yield Issue("an empty event pattern matches nothing: EventBridge refuses it", path)
        return
    import json
    size = len(json.dumps(plain(pattern), default=str))
    if size > PATTERN_LIMIT:
        yield Issue(f"an event pattern has at most {PATTERN_LIMIT} characters as JSON, this one {size}", path)
    yield from _pattern_map(pattern, path)


def _pattern_map(m: dict, path: tuple) -> Iterable[Issue]:
    for key, value in m.items():
        here = (*path, key)
        if key == "$or":  # alternatives: a list of patterns, any of which matches
            if not isinstance(value, (list, tuple)) or len(value) < 2 or not all(isinstance(x, dict) for x in value):
                yield Issue("$or in an event pattern is a list of at least two patterns (maps)", here)
            else:
                for j, alt in enumerate(value):
                    yield from _pattern_map(alt, (*here, j))
            continue
        if isinstance(value, dict):
            if not value:
                yield Issue(f"'{key}' in the event pattern is an empty map", here)
            else:
                yield from _pattern_map(value, here)
        elif isinstance(value, (list, tuple)):
            if not value:
                yield Issue(f"'{key}' in the event pattern is an empty list: EventBridge refuses empty arrays", here)
            for j, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _matcher_issues(key, item, (*here, j))
                elif isinstance(item, (list, tuple)):
                    yield Issue(f"'{key}' in the event pattern holds a list inside its list of values", (*here, j))
        elif isinstance(value, (v.Unknown, v.Interpolated)):
            continue
        else:
            shown = plain(value)
            yield Issue(f"'{key}' in the event pattern must be a list of values or a map, got {shown!r}", here,
                        help=f"{key} = [{_quoted(shown)}]")


def _quoted(x) -> str:
    return f'"{x}"' if isinstance(x, str) else str(x).lower() if isinstance(x, bool) else str(x)


def _matcher_issues(key, item: dict, path: tuple) -> Iterable[Issue]:
    ops = [str(k) for k in item]
    if len(ops) != 1 or ops[0] not in _OPERATORS:
        yield Issue(f"a matcher in '{key}' has one of {', '.join(_OPERATORS)}, got {{{', '.join(ops)}}}", path)
        return
    op, arg = ops[0], plain(item[ops[0]])
    if op == "exists" and not isinstance(arg, bool):
        yield Issue(f"exists takes true or false in '{key}', got {arg!r}", path)
    elif op == "numeric":
        if not isinstance(arg, list) or not arg or len(arg) % 2 or not all(
                isinstance(arg[i], str) and arg[i] in _NUMERIC_OPS and isinstance(arg[i + 1], (int, float))
                and not isinstance(arg[i + 1], bool) for i in range(0, len(arg), 2)):
            yield Issue(f"numeric takes operator and number pairs in '{key}', e.g. [\">\", 0, \"<=\", 5]", path)
    elif op in ("prefix", "suffix", "wildcard", "equals-ignore-case", "cidr") and not isinstance(arg, (str, dict)):
        yield Issue(f"{op} takes a string in '{key}', got {arg!r}", path)


# --- schedules -------------------------------------------------------------------------------------

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z,\-*/?LW#]+$")


def schedule_problem(text: str) -> str | None:
    """What is wrong with a schedule expression, as EventBridge reads it (None: valid)."""
    m = _RATE.match(text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if n < 1:
            return f"a rate is a positive whole number of minutes, hours or days, got {n}"
        if (n == 1) != (not unit.endswith("s")):
            return f"EventBridge writes rate(1 {unit.rstrip('s')}) and rate({max(n, 2)} {unit.rstrip('s')}s): " \
                   f"'{text}' has the {'plural' if n == 1 else 'singular'}"
        return None
    m = _CRON.match(text)
    if m:
        fields = m.group(1).split()
        if len(fields) != 6:
            return f"a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), " \
                   f"got {len(fields)} in '{text}'"
        if not all(_CRON_FIELD.match(f) for f in fields):
            return f"'{text}' has characters a cron field cannot hold"
        if (fields[2] == "?") == (fields[4] == "?"):
            return f"one of day-of-month and day-of-week must be '?' (and only one), in '{text}'"
        return None
    if text.startswith("rate("):
        return f"'{text}' is not a rate: write rate(VALUE UNIT) with minutes, hours or days"
    return f"'{text}' is not a schedule: EventBridge takes rate(...) or cron(...)"
