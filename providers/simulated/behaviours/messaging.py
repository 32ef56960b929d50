"""SQS queues (known by a URL, named per region) and SNS topics (known by an ARN) with the
subscriptions they own; an SNS topic may deliver to queues and functions of other regions."""

from __future__ import annotations

import re

from archform.dsl.values import DURATION_UNITS
from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require

_QUANTITY = re.compile(r"^([0-9.]+)([A-Za-z]+)$")


def seconds(text, default: float = 0) -> float:
    """A duration as the JSON form holds it (`30s`, `4d`) in seconds."""
    m = _QUANTITY.match(text) if isinstance(text, str) else None
    if m is None or m.group(2) not in DURATION_UNITS:
        return default
    return float(m.group(1)) * float(DURATION_UNITS[m.group(2)])


def _fifo_name(rec: Record, name: str, what: str, limit: int, code: str):
    """AWS's naming rule for queues and topics: `.fifo` exactly on FIFO ones."""
    fifo = bool(rec.attrs.get("fifo"))
    base = name[:-5] if name.endswith(".fifo") else name
    if fifo != name.endswith(".fifo") or len(name) > limit or not re.fullmatch(r"[A-Za-z0-9_-]+", base):
        raise InvalidParameter(f"Invalid parameter: {what} name '{name}': can only include alphanumeric characters, "
                               f"hyphens, or underscores, 1 to {limit} in length"
                               + (", and must end with .fifo" if fifo else ", and only a FIFO one ends with .fifo"),
                               code=code)


class FifoNamed(Named):
    """A queue or topic: a generated name gets `.fifo` on a FIFO one, inside the length limit."""

    what = "queue"

    def explicit_name(self, rec: Record) -> str | None:
        name = rec.attrs.get("name")
        if name is None:
            return None
        _fifo_name(rec, name, self.what, self.name_max, "InvalidParameterValue")
        return name

    def identity(self, op: Op, rec: Record) -> None:
        if rec.attrs.get("name") is None and rec.attrs.get("fifo"):
            n = op.number()
            rec.seq = n
            name = ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                      self.name_max - 5) + ".fifo"
            taken = op.tx.by_name(rec.kind, name, rec.region)
            if taken is not None:
                from archform.providers.base import Conflict
                raise Conflict(self.taken_message(name, taken), code=self.name_taken_code)
            rec.name = name
            rec.id = self.make_id(op, rec, n)
            return
        super().identity(op, rec)


class SqsQueue(FifoNamed):
    service = "sqs"
    name_max = 80
    name_taken_code = "QueueAlreadyExists"
    id_is_name = False
    what = "queue"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return f"https://sqs.{rec.region}.amazonaws.com/{ids.ACCOUNT}/{rec.name}"

    def taken_message(self, name: str, taken: Record) -> str:
        return f"A queue already exists with the same name and a different value for attribute(s): {name}"

    def arn(self, rec: Record) -> str:
        return ids.arn("sqs", rec.region, rec.name)

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        require(not at.get("content_based_deduplication") or at.get("fifo"),
                "Unknown Attribute ContentBasedDeduplication: it is an attribute of FIFO queues",
                "InvalidAttributeName")
        require(at.get("encryption") == "kms" or at.get("kms_key") is None,
                "KmsMasterKeyId cannot be combined with SqsManagedSseEnabled", "InvalidAttributeValue")
        redrive = at.get("redrive")
        if redrive:
            dlq = op.the(redrive["dead_letter"])
            reason = None
            if dlq.id == rec.id:
                reason = "The dead-letter queue cannot be the queue itself."
            elif bool(dlq.attrs.get("fifo")) != bool(at.get("fifo")):
                reason = "Dead-letter queue must be same type of queue as the source."
            elif dlq.region != rec.region:
                reason = "Dead-letter queue must be in the same region as the source."
            if reason:
                raise InvalidParameter(f"Value {{\"deadLetterTargetArn\":\"{self.arn(dlq)}\",\"maxReceiveCount\":"
                                       f"\"{redrive.get('max_receives')}\"}} for parameter RedrivePolicy is invalid. "
                                       f"Reason: {reason}", code="InvalidParameterValue")

    def outputs(self, op: Op, rec: Record) -> dict:
        dlq = op.get((rec.attrs.get("redrive") or {}).get("dead_letter"))
        return {"name": rec.name, "url": rec.id,
                "redrive_target": self.arn(dlq) if dlq is not None else None,
                "sse": rec.attrs.get("encryption") or "sqs"}


class SnsTopic(FifoNamed):
    service = "sns"
    name_max = 256
    name_taken_code = "InvalidParameter"
    id_is_name = False
    what = "topic"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.arn("sns", rec.region, rec.name)

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Invalid parameter: Topic {name} already exists with different tags or attributes"

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        fifo = bool(rec.attrs.get("fifo"))
        for sub in rec.attrs.get("subscription") or []:
            protocol = sub.get("protocol")
            target = op.get(sub.get("target"))
            if fifo and (protocol != "sqs" or (target is not None and not target.attrs.get("fifo"))):
                raise InvalidParameter("Invalid parameter: Endpoint Reason: FIFO SNS Topics currently only support "
                                       f"FIFO SQS Queues as endpoints (subscription '{sub.get('name')}')",
                                       code="InvalidParameter")
            if protocol == "sqs" and target is not None and target.attrs.get("fifo") and not fifo:
                raise InvalidParameter("Invalid parameter: Invalid parameter: Endpoint Reason: Please use FIFO SNS "
                                       f"topic (subscription '{sub.get('name')}' names a FIFO queue)",
                                       code="InvalidParameter")
            if protocol == "firehose" and sub.get("role") is None:
                raise InvalidParameter("Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for "
                                       "firehose subscriptions", code="InvalidParameter")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, rec)

    def update(self, op: Op, rec: Record, old: Record):
        """One owned subscription record per `subscription` block, kept by name."""
        wanted = {s["name"]: s for s in rec.attrs.get("subscription") or []}
        for sub in op.tx.owned(rec.id, "sns_subscription"):
            want = wanted.get(sub.name)
            if want is None or _endpoint(op, want) != sub.attrs.get("endpoint"):
                op.remove(sub)
            else:
                wanted.pop(sub.name)
        for name, want in wanted.items():
            n = op.number()
            endpoint = _endpoint(op, want)
            pending = want.get("protocol") in ("email", "email_json", "http", "https")
            op.add_owned(rec, "sns_subscription", "subscription",
                         {"protocol": want.get("protocol"), "endpoint": endpoint,
                          "status": "PendingConfirmation" if pending else "Confirmed"},
                         id=f"{rec.id}:{ids.uuid(op.seed, n, 'subscription')}", name=name)

    def outputs(self, op: Op, rec: Record) -> dict:
        subs = sorted(op.tx.owned(rec.id, "sns_subscription"), key=lambda s: s.name or "")
        return {"name": rec.name,
                "subscriptions": [{"name": s.name, "arn": s.id if s.attrs.get("status") == "Confirmed"
                                   else "PendingConfirmation", "protocol": s.attrs.get("protocol"),
                                   "endpoint": s.attrs.get("endpoint")} for s in subs]}


def _endpoint(op: Op, sub: dict) -> str | None:
    """What SNS records as a subscription's endpoint: a queue's or function's ARN, or as written."""
    target = op.get(sub.get("target"))
    if target is None:
        return sub.get("endpoint")
    if target.kind == "sqs_queue":
        return ids.arn("sqs", target.region, target.name)
    return ids.arn("lambda", target.region, f"function:{target.name}")


BEHAVIOURS = {"sqs_queue": SqsQueue(), "sns_topic": SnsTopic()}
