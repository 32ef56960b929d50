"""Messaging: SQS queues (with their queue policy) and SNS topics (with a subscription each).

A queue has one policy, so the queue's mapping writes all of it: the statements the
configuration gives, and `sqs:SendMessage` for each SNS topic that delivers to it (notes
§14.2: "make sure the SQS queue access policy allows for SNS to write"). A topic in another
stack is allowed by account (`sns:*:ACCOUNT:*`), since naming it would make the two stacks
wait for each other. A topic's Lambda subscriptions get the `lambda:InvokeFunction`
permission SNS needs, when the function is in the topic's stack.
EventBridge rules that deliver to a queue or topic get their statements the same way
(`events.rule_statements`).
"""

from __future__ import annotations

from ..intrinsics import ACCOUNT, PARTITION, Att, sub
from ..logical_ids import camel
from ..units import seconds, size_bytes
from .common import REF, getatt, policy_document, short
from .events import rule_statements

_PROTOCOL = {"email_json": "email-json"}
_SCOPE = {"message_attributes": "MessageAttributes", "message_body": "MessageBody"}
_DEFAULT_SECONDS = {"retention": 345600, "visibility_timeout": 30, "long_polling": 0, "delay": 0}
_SQS_PROPS = {"retention": "MessageRetentionPeriod", "visibility_timeout": "VisibilityTimeout",
              "long_polling": "ReceiveMessageWaitTimeSeconds", "delay": "DelaySeconds"}


def _subscribers(r) -> list[str]:
    """The SNS topics with an sqs subscription to this queue."""
    return r.ctx.pointing(r.address, "sns_topic", "subscription", "target")


def _notifiers(r) -> list[str]:
    """The S3 buckets whose notifications send to this queue or topic."""
    return r.ctx.pointing(r.address, "s3_bucket", "notification", "target")


def s3_sender(r, bucket: str, action: str, resource) -> dict:
    """A statement letting S3 send for `bucket`. The bucket waits for this policy (S3 checks its
    destinations when they are set), so the policy names the bucket's ARN by its name, not by a
    reference (which would close a loop), or by the account when the bucket has no name."""
    name = r.ctx.source(bucket).raw("bucket")
    source = ({"ArnLike": {"aws:SourceArn": sub("arn:", PARTITION, ":s3:::", name)}} if isinstance(name, str)
              else {"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    return {"Sid": "S3Send" + camel(short(bucket)), "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": action, "Resource": resource, "Condition": source}


def sqs_queue(r):
    encryption = r.raw("encryption")
    redrive = r.raw("redrive")
    props = {
        "QueueName": r.val("name"),
        "FifoQueue": True if r.raw("fifo") else None,
        "ContentBasedDeduplication": True if r.raw("content_based_deduplication") else None,
        "MaximumMessageSize": int(size_bytes(r.get("max_message_size"))) if r.raw("max_message_size") != "256KiB"
        else None,
        # written even though AWS now defaults to it: the queue is encrypted whatever the account's settings
        "SqsManagedSseEnabled": True if encryption == "sqs" else None,
        "KmsMasterKeyId": (r.val("kms_key") or "alias/aws/sqs") if encryption == "kms" else None,
        "RedrivePolicy": {"deadLetterTargetArn": r.ref("redrive", "dead_letter", export="arn"),
                          "maxReceiveCount": r.val("redrive", "max_receives")} if redrive else None,
        "Tags": r.tags(),
    }
    for attr, prop in _SQS_PROPS.items():
        value = seconds(r.get(attr)) if r.peek(attr) is not None else None
        # the retention is written always: how long messages live is not left to a default
        if value is not None and (value != _DEFAULT_SECONDS[attr] or attr == "retention"):
            props[prop] = value
    # explicit: a stack that deletes or replaces a queue means to drop the work in it
    r.part("AWS::SQS::Queue", props, deletion="Delete")
    statements = []
    user = r.val("policy")
    if user:
        found = user.get("Statement") if isinstance(user, dict) else None
        statements.extend(found if isinstance(found, list) else [found] if found else [])
    for topic in _subscribers(r):
        same = r.ctx.same_stack(topic, r.address)
        source = Att(topic) if same else sub("arn:", PARTITION, ":sns:*:", ACCOUNT, ":*")
        statements.append({
            "Sid": "SnsSend" + camel(short(topic)),
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": r.att("", "Arn"),
            "Condition": {"ArnEquals" if same else "ArnLike": {"aws:SourceArn": source}},
        })
    statements.extend(s3_sender(r, b, "sqs:SendMessage", r.att("", "Arn")) for b in _notifiers(r))
    statements.extend(rule_statements(r, "sqs:SendMessage"))  # EventBridge rules that deliver here
    if statements:
        document = {"Version": user.get("Version", "2012-10-17") if isinstance(user, dict) else "2012-10-17",
                    "Statement": statements}
        r.part("AWS::SQS::QueuePolicy", {"Queues": [r.att()], "PolicyDocument": policy_document(document)},
               suffix="Policy")


def sns_topic(r):
    r.part("AWS::SNS::Topic", {
        "TopicName": r.val("name"),
        "DisplayName": r.val("display_name"),
        "FifoTopic": True if r.raw("fifo") else None,
        "ContentBasedDeduplication": True if r.raw("content_based_deduplication") else None,
        "KmsMasterKeyId": r.val("kms_key") if r.raw("encryption") == "kms" else None,
        "Tags": r.tags(),
    })
    policy = r.val("policy")
    senders = [s3_sender(r, b, "sns:Publish", r.att()) for b in _notifiers(r)]
    senders += rule_statements(r, "sns:Publish")  # EventBridge rules that deliver here
    if senders:
        found = (policy or {}).get("Statement") if isinstance(policy, dict) else None
        mine = found if isinstance(found, list) else [found] if found else []
        policy = {"Version": (policy or {}).get("Version", "2012-10-17") if isinstance(policy, dict) else "2012-10-17",
                  "Statement": [*mine, *senders]}
    if policy:
        r.part("AWS::SNS::TopicPolicy", {"Topics": [r.att()], "PolicyDocument": policy_document(policy)},
               suffix="Policy")
    for i, sub_ in enumerate(r.raw("subscription") or []):
        p = ("subscription", i)
        protocol = sub_.get("protocol")
        target = r.target(*p, "target")
        suffix = "Subscription" + camel(sub_["name"])
        r.part("AWS::SNS::Subscription", {
            "TopicArn": r.att(),
            "Protocol": _PROTOCOL.get(protocol, protocol),
            "Endpoint": r.ref(*p, "target", export="arn") if target else r.val(*p, "endpoint"),
            "FilterPolicy": r.val(*p, "filter_policy"),
            "FilterPolicyScope": _SCOPE[sub_.get("filter_scope") or "message_attributes"]
            if sub_.get("filter_policy") and sub_.get("filter_scope") == "message_body" else None,
            "RawMessageDelivery": True if sub_.get("raw_delivery") else None,
            "SubscriptionRoleArn": r.ref(*p, "role", export="arn") if sub_.get("role") else None,
        }, suffix=suffix)
        if protocol == "lambda" and target:
            if r.ctx.same_stack(target, r.address):
                r.part("AWS::Lambda::Permission", {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": r.ref(*p, "target", export="arn"),
                    "Principal": "sns.amazonaws.com",
                    "SourceArn": r.att(),
                }, suffix=suffix + "Permission")
            else:
                r.warn(f"subscription '{sub_['name']}' invokes a function of another stack: give it a "
                       "lambda:InvokeFunction permission for sns.amazonaws.com there", p)


MAPPERS = {"sqs_queue": sqs_queue, "sns_topic": sns_topic}

TYPES = {
    "sqs_queue": ["AWS::SQS::Queue", "AWS::SQS::QueuePolicy"],
    "sns_topic": ["AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription", "AWS::Lambda::Permission"],
}

EXPORTS = {
    "sqs_queue": {"id": REF, "url": REF, "arn": getatt("Arn"), "name": getatt("QueueName")},
    "sns_topic": {"id": REF, "arn": REF, "name": getatt("TopicName")},
}
