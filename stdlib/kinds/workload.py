"""Workloads: the demand an architecture is built for, declared so that the modeled cloud can
carry it (notes §14.1.5, §16.1.3, §16.3). A workload deploys nothing on AWS; `archform chaos`
runs it on the virtual clock.

    workload orders_in {
      source       = jobs          # an sqs_queue producers send to, or an api_gateway clients call
      rate         = 50            # messages (or requests) per second
      consumer     = workers       # who works the queue: an autoscaling_group or a lambda_event_source
      per_message  = 1s            # the time one message takes to process
      per_instance = 10            # messages one instance processes at once (an Auto Scaling group)
      error_rate   = 1%            # messages whose processing fails: received again after the
                                   # visibility timeout, then to the dead-letter queue
    }

What the run measures for a queue: its depth (messages visible) and the age of its oldest
message, the messages in flight, those that come back when their consumer dies mid-work (after
the visibility timeout), those moved to the dead-letter queue after `max_receives`, and a Lambda
consumer's throttling at its concurrency (the account's 1,000 per region, or the function's
reserved concurrency). For an API: the requests the stage's throttling refuses (429) and those
whose route's function no longer answers.
"""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import DurationRange, IntRange, Number, Percent, Ref, SizeRange, dur, pct, size

SOURCES = ("sqs_queue", "sns_topic", "api_gateway")
CONSUMERS = ("autoscaling_group", "lambda_event_source")


def rate_of(x) -> float | None:
    """A rate (a number per second) as a float, or None when it is not known yet."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _fed_by_topic(graph: Graph, queue: str) -> bool:
    """Whether an SNS topic delivers to this queue."""
    return any(r.kind == "sns_topic" and any(getattr(sub.target, "address", None) == queue
                                            for sub in r.model.subscription)
               for r in graph.referrers(queue))


class Workload(Kind):
    """Demand the architecture carries, for the modeled cloud (nothing is deployed on AWS):
    `rate` messages per second sent to an SQS queue (`source`) and processed by `consumer` (an
    Auto Scaling group, `per_instance` messages at a time, or a Lambda event source mapping),
    each taking `per_message`, a share `error_rate` failing (received again after the queue's
    visibility timeout, then dead-lettered); `rate` messages per second published to an SNS
    topic, fanned out to its subscriptions (`shares`: what each one's filter passes; a queue's
    own workload, without a rate, says who consumes it); or `rate` requests per second to an API
    Gateway API; or `rate` records per second of `record_size` put to a Kinesis stream, against its
    shards' 1 MB/s and 1,000 records/s each (notes §14.3), read by its event source mappings and
    delivery streams against the shards' 2 MB/s out (shared, 5 reads a second per shard, unless a
    mapping has enhanced fan-out), each Lambda reader's function taking `per_record` a record.
    `archform chaos` reports the queue's depth and oldest message over the run, the backlog a
    failure builds and when it drains, throttling and dead letters."""

    kind: Literal["workload"] = "workload"
    title: ClassVar[str] = "Workload (modeled demand)"
    noun: ClassVar[str] = "workload"
    family: ClassVar[str] = "workload"
    exports: ClassVar[dict[str, str]] = {"id": "string"}

    source: Ref["sqs_queue", "sns_topic", "api_gateway", "kinesis_stream"]
    rate: Number | None = None
    consumer: Ref["autoscaling_group", "lambda_event_source"] | None = None
    shares: dict[str, Percent] = Field(default_factory=dict)  # a topic: the share each subscription's filter passes
    record_size: SizeRange("1B", "1MiB", what="record_size") = size("1KiB")  # a stream's records (notes §14.3)
    per_message: DurationRange("1ms", "12h", what="per_message") = dur("100ms")
    # a stream's Lambda readers: the time their function takes per record (None: as fast as they read)
    per_record: DurationRange("1ms", "15m", what="per_record") | None = None
    per_instance: IntRange(1, 10_000, what="per_instance") = 1
    error_rate: Percent = pct(0)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        rate = rate_of(self.rate)
        if rate is not None and not 0 < rate <= 1_000_000:
            yield Issue(f"a workload's rate is between 0 and 1,000,000 per second, got {self.rate}", ("rate",))
        kind = getattr(self.source, "kind", None)
        if self.rate is None and not (kind == "sqs_queue" and _fed_by_topic(graph, self.source.address)):
            yield Issue("a workload needs rate: the messages (or requests) a second its producers send", (),
                        help="rate = 50; a queue fed by an SNS topic takes its share of the topic's workload instead")
        if kind == "sns_topic":
            yield from self._topic_issues(graph)
        if kind == "kinesis_stream" and self.consumer is not None:
            yield Issue("a stream's readers are its event source mappings and delivery streams: a workload on a "
                        "stream takes no consumer", ("consumer",))
        if "record_size" in me.written and kind != "kinesis_stream":
            yield Issue("record_size is for a workload on a Kinesis stream", ("record_size",))
        if self.per_record is not None and kind != "kinesis_stream":
            yield Issue("per_record is for a workload on a Kinesis stream (how long its reading functions take per "
                        "record); a queue's consumer takes per_message", ("per_record",))
        if kind != "sns_topic" and self.shares:
            yield Issue("shares are for a workload on an SNS topic (the share of messages each subscription's filter "
                        "passes)", ("shares",))
        if isinstance(self.error_rate, v.Percent) and not 0 <= float(self.error_rate.value) < 100:
            yield Issue("error_rate is between 0% and 100% (exclusive)", ("error_rate",))
        source = deref(graph, self.source)
        if kind == "sqs_queue":
            if self.consumer is None:
                yield Issue("a workload on a queue needs consumer = <autoscaling_group or lambda_event_source>",
                            ("source",), help="the group or event source mapping that processes its messages")
            else:
                yield from self._consumer_issues(me, graph)
        elif kind == "api_gateway":
            if self.consumer is not None:
                yield Issue("an API's routes say who handles its requests: a workload on an API takes no consumer",
                            ("consumer",))
            if source is not None and not source.model.route:
                return
        if getattr(self.consumer, "kind", None) == "autoscaling_group" and "per_instance" not in me.written:
            yield Issue("per_instance is 1: each instance processes one message at a time", ("consumer",),
                        severity="warning", help="say how many messages an instance works on at once: "
                                                 "per_instance = 10")

    def _topic_issues(self, graph: Graph) -> Iterable[Issue]:
        if self.consumer is not None:
            yield Issue("a topic delivers to its subscriptions: describe each queue's consumer with a workload on "
                        "that queue", ("consumer",))
        topic = deref(graph, self.source)
        names = [sub.name for sub in topic.model.subscription] if topic is not None else []
        for name, share in self.shares.items():
            if topic is not None and name not in names:
                yield Issue(f"topic '{topic.address}' has no subscription called '{name}'", ("shares", name),
                            help=did_you_mean(name, names) or "subscriptions: " + (", ".join(names) or "none"))
            if isinstance(share, v.Percent) and not 0 <= float(share.value) <= 100:
                yield Issue(f"a share is between 0% and 100%, got {share}", ("shares", name))

    def _consumer_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        consumer = deref(graph, self.consumer)
        if consumer is None:
            return
        if consumer.kind == "lambda_event_source":
            reads = getattr(consumer.model.source, "address", None)
            if reads != self.source.address:
                yield Issue(f"event source mapping '{consumer.address}' reads '{reads}', not this workload's queue "
                            f"'{self.source.address}'", ("consumer",),
                            related=(Related(consumer.address, ("source",), "what it reads"),))
            if "per_instance" in me.written:
                yield Issue("per_instance is for Auto Scaling groups: Lambda runs one batch per concurrent "
                            "execution", ("per_instance",))
            return
        queue = deref(graph, self.source)
        timeout = getattr(queue.model, "visibility_timeout", None) if queue is not None else None
        if isinstance(timeout, v.Duration) and isinstance(self.per_message, v.Duration) \
                and self.per_message.seconds > timeout.seconds:
            yield Issue(f"a message takes {self.per_message} to process, longer than the queue's visibility timeout "
                        f"({timeout}): it becomes visible again while still in work, and is processed twice",
                        ("per_message",), related=(Related(queue.address, ("visibility_timeout",),
                                                           "the queue's visibility timeout"),))
