"""Messaging: SQS queues (notes §14.1) and SNS topics with their subscriptions (notes §14.2).

Safe by default: a queue is encrypted with SQS-managed keys (SSE-SQS, as AWS's API now does),
and a topic with the AWS-managed key `alias/aws/sns` (AWS's API leaves topics unencrypted).
SSE-SQS rather than the AWS-managed KMS key for queues because SNS cannot deliver to a queue
encrypted with `alias/aws/sqs` (that key's policy cannot grant SNS `kms:GenerateDataKey`).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.security import document_issues
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Document, DurationRange, Enum, IntRange, Ref, SizeRange, Str, Tags, dur,
                                   size)

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def seconds_of(d) -> float | None:
    """A duration attribute in seconds (None while unknown)."""
    return float(d.seconds) if isinstance(d, v.Duration) else None


def _name_issues(name, fifo, what: str, limit: int) -> Iterable[Issue]:
    """Queue and topic names: letters, digits, `-` and `_`, a `.fifo` suffix exactly for FIFO."""
    if not isinstance(name, str):
        return
    base = name[:-5] if name.endswith(".fifo") else name
    if fifo is True and not name.endswith(".fifo"):
        yield Issue(f"the name of a FIFO {what} must end in .fifo, got '{name}'", ("name",),
                    help=f"name = \"{name}.fifo\" (notes §14.1.4)")
    elif fifo is False and name.endswith(".fifo"):
        yield Issue(f"'{name}' ends in .fifo, but this {what} is standard", ("name",),
                    help="set fifo = true, or drop the .fifo suffix")
    if len(name) > limit:
        yield Issue(f"a {what} name has at most {limit} characters, got {len(name)}", ("name",))
    elif not _NAME.match(base):
        yield Issue(f"a {what} name holds only letters, digits, '-' and '_', got '{name}'", ("name",))


class Redrive(Block):
    """`redrive { dead_letter = <queue>, max_receives = 5 }`: after `max_receives` receives
    without a delete, SQS moves a message to the dead-letter queue (of the same type)."""

    dead_letter: Ref["sqs_queue"]
    max_receives: IntRange(1, 1000, what="max_receives")


class SqsQueue(Kind):
    """An SQS queue, standard or FIFO (notes §14.1): messages kept 1 minute to 14 days (4 days
    by default), invisible for `visibility_timeout` (30 s by default, up to 12 h) after a
    receive, long polling up to 20 s, delivery delay up to 15 min, messages up to 256 KiB, an
    optional redrive to a dead-letter queue. Encrypted at rest with SSE-SQS unless
    `encryption = kms` (with `kms_key`) or `none`. A FIFO queue's name ends in `.fifo`; without
    `name`, one is generated from the address (with `.fifo` for a FIFO queue)."""

    kind: Literal["sqs_queue"] = "sqs_queue"
    title: ClassVar[str] = "SQS queue"
    family: ClassVar[str] = "messaging"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string", "url": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "fifo"})

    name: Str | None = None
    fifo: Bool = False
    content_based_deduplication: Bool = False
    retention: DurationRange("1m", "14d", what="retention") = dur("4d")
    visibility_timeout: DurationRange("0s", "12h", what="visibility_timeout") = dur("30s")
    long_polling: DurationRange("0s", "20s", what="long_polling") = dur("0s")
    delay: DurationRange("0s", "15m", what="delay") = dur("0s")
    max_message_size: SizeRange("1KiB", "256KiB", what="max_message_size") = size("256KiB")
    redrive: Redrive | None = None
    encryption: Enum("sqs", "kms", "none", what="queue encryption") = "sqs"
    kms_key: KmsKeyRef | None = None
    policy: Document | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _name_issues(self.name, self.fifo, "queue", 80)
        if self.content_based_deduplication is True and self.fifo is False:
            yield Issue("content_based_deduplication is for FIFO queues", ("content_based_deduplication",),
                        help="set fifo = true, or remove content_based_deduplication")
        if self.kms_key is not None and self.encryption != "kms":
            yield Issue(f"kms_key is used with encryption = kms; this queue has encryption = {self.encryption}",
                        ("kms_key",))
        if self.encryption == "none":
            yield Issue("this queue is not encrypted at rest", ("encryption",), severity="warning",
                        help="remove encryption = none to use SSE-SQS, which costs nothing")
        if self.redrive is not None:
            yield from self._redrive_issues(me, graph)
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), "resource")

    def _redrive_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        path = ("redrive", "dead_letter")
        dlq = deref(graph, self.redrive.dead_letter)
        if dlq is None:
            return
        if dlq.address == me.address:
            yield Issue("a queue cannot be its own dead-letter queue", path)
            return
        related = (Related(dlq.address, ("fifo",), "the dead-letter queue"),)
        theirs = dlq.model.fifo
        if isinstance(theirs, bool) and isinstance(self.fifo, bool) and theirs != self.fifo:
            mine, other = ("FIFO", "standard") if self.fifo else ("standard", "FIFO")
            yield Issue(f"the dead-letter queue of a {mine} queue must be {mine} too; '{dlq.address}' is {other}",
                        path, related=related)
        if dlq.region != me.region:
            return  # the same-region rule reports it
        mine_s, theirs_s = seconds_of(self.retention), seconds_of(dlq.model.retention)
        if mine_s is not None and theirs_s is not None and theirs_s < mine_s:
            yield Issue(f"the dead-letter queue '{dlq.address}' keeps messages {dlq.model.retention}, less than this "
                        f"queue's {self.retention}: a message's age counts from its first enqueue, so it can expire "
                        "as soon as it is moved", path, severity="warning",
                        related=(Related(dlq.address, ("retention",), "the dead-letter queue's retention"),),
                        help="give the dead-letter queue a longer retention (e.g. 14d)")


# --- SNS ---------------------------------------------------------------------------------------

PROTOCOLS = ("sqs", "lambda", "firehose", "http", "https", "email", "email_json", "sms")
_TARGET_KIND = {"sqs": "sqs_queue", "lambda": "lambda_function"}
_RAW = ("sqs", "firehose", "http", "https")


class Subscription(Block):
    """`subscription NAME { protocol = sqs, target = <queue> }`: where the topic delivers. An
    SQS queue or Lambda function is a `target` (in any region: cross-region fan-out); an HTTP(S)
    URL, an email address, a phone number (E.164) or a Firehose stream ARN is an `endpoint`."""

    name: Str
    protocol: Enum(*PROTOCOLS, what="subscription protocol")
    target: Ref.anywhere["sqs_queue", "lambda_function"] | None = None
    endpoint: Str | None = None
    filter_policy: Document | None = None
    filter_scope: Enum("message_attributes", "message_body", what="filter policy scope") = "message_attributes"
    raw_delivery: Bool = False
    role: Ref["iam_role"] | None = None  # firehose: the role SNS writes to the stream with


class SnsTopic(Kind):
    """An SNS topic, standard or FIFO (notes §14.2): publishers send once, every subscription
    receives (filtered by its `filter_policy`). A FIFO topic delivers only to FIFO SQS queues.
    Encrypted with the AWS-managed key `alias/aws/sns` unless `kms_key` names another, or
    `encryption = none`."""

    kind: Literal["sns_topic"] = "sns_topic"
    title: ClassVar[str] = "SNS topic"
    family: ClassVar[str] = "messaging"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "fifo"})

    name: Str | None = None
    display_name: Str | None = None
    fifo: Bool = False
    content_based_deduplication: Bool = False
    encryption: Enum("kms", "none", what="topic encryption") = "kms"
    kms_key: KmsKeyRef = "alias/aws/sns"
    subscription: list[Subscription] = Field(default_factory=list)
    policy: Document | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _name_issues(self.name, self.fifo, "topic", 256)
        if self.content_based_deduplication is True and self.fifo is False:
            yield Issue("content_based_deduplication is for FIFO topics", ("content_based_deduplication",))
        if isinstance(self.display_name, str) and len(self.display_name) > 100:
            yield Issue("a topic's display_name has at most 100 characters", ("display_name",))
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), "resource")
        seen: set = set()
        for i, sub in enumerate(self.subscription):
            path = ("subscription", i)
            if sub.name in seen:
                yield Issue(f"two subscriptions are called '{sub.name}'", path)
            seen.add(sub.name)
            yield from self._subscription_issues(sub, path, graph)

    def _subscription_issues(self, sub: Subscription, path: tuple, graph: Graph) -> Iterable[Issue]:
        want = _TARGET_KIND.get(sub.protocol)
        if want is not None:
            if sub.target is None:
                yield Issue(f"{_a(sub.protocol)} subscription needs target = <{want}>", path,
                            help="the endpoint of an sqs or lambda subscription is a resource of this configuration")
            elif getattr(sub.target, "kind", want) != want:
                yield Issue(f"{_a(sub.protocol)} subscription delivers to a {want}, got {sub.target.kind} "
                            f"'{sub.target.address}'", (*path, "target"))
            if sub.endpoint is not None:
                yield Issue(f"{_a(sub.protocol)} subscription takes target, not endpoint", (*path, "endpoint"))
        else:
            if sub.target is not None:
                yield Issue(f"{_a(sub.protocol)} subscription takes an endpoint, not a target", (*path, "target"))
            if sub.endpoint is None:
                yield Issue(f"{_a(sub.protocol)} subscription needs an endpoint", path, help=_ENDPOINT_HELP[sub.protocol])
            elif isinstance(sub.endpoint, str) and not _ENDPOINT_SHAPE[sub.protocol](sub.endpoint):
                yield Issue(f"'{sub.endpoint}' is not a valid {sub.protocol} endpoint", (*path, "endpoint"),
                            help=_ENDPOINT_HELP[sub.protocol])
        if sub.protocol == "firehose" and sub.role is None:
            yield Issue("a firehose subscription needs role = <iam_role> that SNS writes to the stream with", path)
        if sub.role is not None and sub.protocol != "firehose":
            yield Issue("role is for firehose subscriptions", (*path, "role"))
        if sub.raw_delivery is True and sub.protocol not in _RAW:
            yield Issue(f"raw message delivery is for sqs, firehose and http(s) subscriptions, not {sub.protocol}",
                        (*path, "raw_delivery"))
        if sub.filter_policy is not None and not isinstance(sub.filter_policy, dict):
            yield Issue("a filter policy is a map of attribute → allowed values", (*path, "filter_policy"))
        if self.fifo is True:
            yield from self._fifo_issues(sub, path, graph)

    def _fifo_issues(self, sub: Subscription, path: tuple, graph: Graph) -> Iterable[Issue]:
        if sub.protocol != "sqs":
            yield Issue(f"a FIFO topic delivers only to FIFO SQS queues, not to {sub.protocol}",
                        (*path, "protocol"))
            return
        queue = deref(graph, sub.target)
        if queue is not None and queue.kind == "sqs_queue" and queue.model.fifo is False:
            yield Issue(f"a FIFO topic delivers only to FIFO queues; '{queue.address}' is standard", (*path, "target"),
                        related=(Related(queue.address, ("fifo",), "a standard queue"),))


def _a(protocol: str) -> str:
    """The article before a protocol's name: "an sqs", "an email", "a lambda"."""
    return ("an " if protocol[0] in "aeios" else "a ") + protocol


_ENDPOINT_SHAPE = {
    "http": lambda e: e.startswith("http://"),
    "https": lambda e: e.startswith("https://"),
    "email": lambda e: re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e) is not None,
    "email_json": lambda e: re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e) is not None,
    "sms": lambda e: re.fullmatch(r"\+[1-9][0-9]{6,14}", e) is not None,
    "firehose": lambda e: e.startswith("arn:aws") and ":firehose:" in e,
}
_ENDPOINT_HELP = {
    "http": "endpoint = \"http://hooks.example.com/sns\"",
    "https": "endpoint = \"https://hooks.example.com/sns\"",
    "email": "endpoint = \"ops@example.com\"",
    "email_json": "endpoint = \"ops@example.com\"",
    "sms": "a phone number in E.164 form: endpoint = \"+14155550100\"",
    "firehose": "endpoint = \"arn:aws:firehose:us-east-1:123456789012:deliverystream/NAME\"",
}
