"""S3 event notifications (notes §10.9): a bucket tells an SNS topic, an SQS queue or a Lambda
function that objects were created, removed, restored… filtered by key prefix and suffix.

    notification uploads {
      events = ["s3:ObjectCreated:*"]
      target = uploads_topic          # sns_topic, sqs_queue or lambda_function, in the bucket's region
      prefix = "incoming/"
      suffix = ".csv"
    }

AWS's rules, each a diagnostic: the event types S3 knows; destinations in the bucket's region
(the same-region rule); no FIFO queue or topic; no queue or topic encrypted with its
AWS-managed key (S3 cannot use `alias/aws/sqs` or `alias/aws/sns`: its key policy does not let S3
encrypt); two notifications of one bucket may not overlap — a common event type and prefixes and
suffixes that can both match one key — "Configurations overlap". CloudFormation grants S3 the
right to send (queue policy, topic policy, Lambda permission) and makes the bucket wait for it.
"""

from __future__ import annotations

from typing import Iterable

from pydantic import Field

from archform.dsl.suggest import did_you_mean
from archform.stdlib.schema import Block, Graph, Issue, Related, deref
from archform.stdlib.types import Ref, Str

EVENTS = ("s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
          "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
          "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*", "s3:ObjectRestore:Post",
          "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject",
          "s3:Replication:*", "s3:Replication:OperationFailedReplication",
          "s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
          "s3:Replication:OperationNotTracked", "s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete",
          "s3:LifecycleExpiration:DeleteMarkerCreated", "s3:LifecycleTransition", "s3:IntelligentTiering",
          "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put")
_MANAGED_KEYS = {"sqs_queue": "alias/aws/sqs", "sns_topic": "alias/aws/sns"}


class Notification(Block):
    """`notification NAME { events = [...], target = <topic|queue|function>, prefix, suffix }`."""

    name: Str
    events: list[Str] = Field(default_factory=lambda: ["s3:ObjectCreated:*"])
    target: Ref["sns_topic", "sqs_queue", "lambda_function"]
    prefix: Str | None = None
    suffix: Str | None = None


def _family(event: str) -> tuple[str, str]:
    """("s3:ObjectCreated", "Put") or ("s3:ObjectCreated", "*")."""
    head, _, tail = event.rpartition(":")
    return (head, tail) if head.count(":") == 1 else (event, "")


def _share_type(a: list[str], b: list[str]) -> bool:
    """Whether two event lists can fire for one event (a wildcard covers its family)."""
    for x in a:
        for y in b:
            (fx, tx), (fy, ty) = _family(x), _family(y)
            if x == y or (fx == fy and "*" in (tx, ty)):
                return True
    return False


def _can_both_match(p1: str, p2: str, s1: str, s2: str) -> bool:
    """Whether one key can have both prefixes and both suffixes (S3's overlap rule)."""
    prefixes = p1.startswith(p2) or p2.startswith(p1)
    suffixes = s1.endswith(s2) or s2.endswith(s1)
    return prefixes and suffixes


def notification_issues(notes: list[Notification], graph: Graph) -> Iterable[Issue]:
    names: set = set()
    for i, n in enumerate(notes):
        path = ("notification", i)
        if n.name in names:
            yield Issue(f"two notifications are called '{n.name}'", path)
        names.add(n.name)
        if not n.events:
            yield Issue("a notification names at least one event type", (*path, "events"),
                        help="events = [\"s3:ObjectCreated:*\"]")
        for j, e in enumerate(n.events):
            if isinstance(e, str) and e not in EVENTS:
                yield Issue(f"'{e}' is not an S3 event type", (*path, "events", j),
                            help=did_you_mean(e, list(EVENTS)) or "e.g. s3:ObjectCreated:*, s3:ObjectRemoved:*")
        yield from _target_issues(n, path, graph)
        for k, other in enumerate(notes[:i]):
            if _share_type(n.events, other.events) and _can_both_match(n.prefix or "", other.prefix or "",
                                                                        n.suffix or "", other.suffix or ""):
                yield Issue(f"notifications '{other.name}' and '{n.name}' overlap: they share an event type and one "
                            "key can match both filters (S3 refuses: \"Configurations overlap\")", path,
                            help="give them prefixes or suffixes no key can match together, or one target")
                break


def _target_issues(n: Notification, path: tuple, graph: Graph) -> Iterable[Issue]:
    target = deref(graph, n.target)
    if target is None:
        return
    m = target.model
    if target.kind in ("sqs_queue", "sns_topic") and getattr(m, "fifo", False) is True:
        yield Issue(f"S3 cannot notify a FIFO {'queue' if target.kind == 'sqs_queue' else 'topic'}: "
                    f"'{target.address}' is FIFO", (*path, "target"),
                    related=(Related(target.address, ("fifo",), "a FIFO destination"),),
                    help="notify a standard topic or queue, or EventBridge")
    if target.kind in _MANAGED_KEYS and getattr(m, "encryption", None) == "kms" \
            and (getattr(m, "kms_key", None) or _MANAGED_KEYS[target.kind]) == _MANAGED_KEYS[target.kind]:
        yield Issue(f"S3 cannot send to '{target.address}': it is encrypted with the AWS-managed key "
                    f"{_MANAGED_KEYS[target.kind]}, whose key policy does not let S3 use it", (*path, "target"),
                    related=(Related(target.address, ("encryption",), "encrypted with the AWS-managed key"),),
                    help="use a customer managed KMS key that allows s3.amazonaws.com"
                         + (", or SSE-SQS (encryption = sqs)" if target.kind == "sqs_queue" else
                            ", or encryption = none"))
