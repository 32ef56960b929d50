"""EventBridge buses and rules, and Step Functions state machines.

A rule's targets are written in the rule (`Targets`, each with its Id, input, retry policy and
dead-letter queue). What a target needs to let EventBridge in is written where AWS keeps it:
a Lambda function gets an `AWS::Lambda::Permission` for events.amazonaws.com here, when it is
in the rule's stack; an SQS queue (a target or a target's dead-letter queue) and an SNS topic
get a statement in their own policy, written by the queue's and the topic's mappings with
`rule_statements` (a queue or topic has one policy, as for SNS's subscriptions). A rule in
another stack is allowed by account (`events:*:ACCOUNT:rule/*`), as a topic of another stack
is, so the two stacks do not wait for each other.

A state machine's `Definition` is written as an object. Its logging goes to a log group made
here (`/aws/vendedlogs/states/…`, the prefix that keeps CloudWatch Logs' resource policy small,
kept as `logging.retention` says; deleted with the stack, since its name is fixed).
"""

from __future__ import annotations

import json

from ..intrinsics import ACCOUNT, PARTITION, STACK_NAME, Att, sub
from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt, short


def _bus_name(r):
    name = r.val("name")
    return name if name is not None else sub(STACK_NAME, "-", camel(r.address))


def event_bus(r):
    r.part("AWS::Events::EventBus", {
        "Name": _bus_name(r),
        "Description": r.val("description"),
        "KmsKeyIdentifier": r.val("kms_key"),
        "Policy": r.val("policy"),
        "Tags": r.tags(),
    })
    archive = r.raw("archive")
    if archive is not None:
        retention = archive.get("retention")
        r.part("AWS::Events::Archive", {
            "SourceArn": r.att("", "Arn"),
            "EventPattern": r.val("archive", "pattern"),
            # 0: kept forever, written so that how long events stay is not left to a default
            "RetentionDays": int(seconds(r.get("archive", "retention")) // 86400) if retention else 0,
        }, suffix="Archive")


def target_id(target: dict, resource: str | None) -> str:
    """The Id of a target in its rule: its label, or the short name of what it delivers to."""
    from archform.stdlib.kinds.events import default_target_id
    name = target.get("name")
    return name if name is not None else default_target_id(resource or "target")


def _input(r, p: tuple):
    value = r.val(*p, "input")
    if value is None:
        return None
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    except TypeError:
        r.error("a target's input is a constant document: CloudFormation takes it as JSON text, which cannot hold "
                "a reference", (*p, "input"), help="use input_path, or write the value out")
        return None


def event_rule(r):
    targets = []
    for i, t in enumerate(r.raw("target") or []):
        p = ("target", i)
        resource = r.target(*p, "resource")
        retry = t.get("retry")
        targets.append({
            "Id": target_id(t, resource),
            "Arn": r.ref(*p, "resource", export="arn"),
            "RoleArn": r.ref(*p, "role", export="arn") if t.get("role") else None,
            "Input": _input(r, p),
            "InputPath": r.val(*p, "input_path"),
            "SqsParameters": {"MessageGroupId": r.val(*p, "message_group_id")} if t.get("message_group_id") else None,
            "RetryPolicy": {"MaximumEventAgeInSeconds": seconds(r.get(*p, "retry", "max_age") or "24h"),
                            "MaximumRetryAttempts": r.val(*p, "retry", "max_retries")} if retry else None,
            "DeadLetterConfig": {"Arn": r.ref(*p, "dead_letter", export="arn")} if t.get("dead_letter") else None,
        })
    bus = r.target("bus")
    written = r.val("bus")
    r.part("AWS::Events::Rule", {
        "Name": r.val("name"),
        "Description": r.val("description"),
        "EventBusName": r.ref("bus", export="name") if bus else (None if written in (None, "default") else written),
        "EventPattern": r.val("pattern"),
        "ScheduleExpression": r.val("schedule"),
        "State": "DISABLED" if r.raw("enabled") is False else "ENABLED",
        "Targets": targets,
    })
    for i, t in enumerate(r.raw("target") or []):
        p = ("target", i)
        resource = r.target(*p, "resource")
        if resource is None or r.ctx.kind(resource) != "lambda_function":
            continue
        suffix = "Permission" + camel(target_id(t, resource))
        if r.ctx.same_stack(resource, r.address):
            r.part("AWS::Lambda::Permission", {
                "Action": "lambda:InvokeFunction",
                "FunctionName": r.ref(*p, "resource", export="arn"),
                "Principal": "events.amazonaws.com",
                "SourceArn": r.att("", "Arn"),
            }, suffix=suffix)
        else:
            r.warn(f"target '{target_id(t, resource)}' invokes a function of another stack: give it a "
                   "lambda:InvokeFunction permission for events.amazonaws.com there", p)


def _rules_to(r) -> list[str]:
    """The rules with a target (or a target's dead-letter queue) at this resource."""
    return r.ctx.pointing(r.address, "event_rule", "target", "resource", "dead_letter")


def rule_statements(r, action: str) -> list[dict]:
    """The statements letting each rule that delivers to this queue or topic do `action`."""
    out = []
    for rule in _rules_to(r):
        same = r.ctx.same_stack(rule, r.address)
        source = Att(rule, "", "Arn") if same else sub("arn:", PARTITION, ":events:*:", ACCOUNT, ":rule/*")
        out.append({
            "Sid": "EventsSend" + camel(short(rule)),
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": action,
            "Resource": r.att("", "Arn") if action.startswith("sqs:") else r.att(),
            "Condition": {"ArnEquals" if same else "ArnLike": {"aws:SourceArn": source}},
        })
    return out


_LEVEL = {"all": "ALL", "error": "ERROR", "fatal": "FATAL", "off": "OFF"}


def state_machine(r):
    logging = r.raw("logging")
    config = None
    if logging is not None:
        level = _LEVEL[logging.get("level") or "error"]
        if level != "OFF":
            r.part("AWS::Logs::LogGroup", {
                "LogGroupName": sub("/aws/vendedlogs/states/", STACK_NAME, "-", camel(r.address)),
                "RetentionInDays": int(seconds(r.get("logging", "retention")) // 86400),
            }, suffix="Logs", deletion="Delete")  # named: a retained group would block the stack's next create
        config = {
            "Level": level,
            "IncludeExecutionData": True if logging.get("include_execution_data") else None,
            "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": r.att("Logs", "Arn")}}]
            if level != "OFF" else None,
        }
    kms_key = r.val("kms_key")
    r.part("AWS::StepFunctions::StateMachine", {
        "StateMachineName": r.val("name"),
        "StateMachineType": "EXPRESS" if r.raw("type") == "express" else None,
        "Definition": r.val("definition"),
        "RoleArn": r.ref("role", export="arn"),
        "LoggingConfiguration": config,
        "TracingConfiguration": {"Enabled": True} if r.raw("tracing") else None,
        "EncryptionConfiguration": {"Type": "CUSTOMER_MANAGED_KMS_KEY", "KmsKeyId": kms_key} if kms_key else None,
        "Tags": r.tags(),
    })


def _rule_name(src):
    """A rule's name: as written, or its Ref, which is the name on the default bus (on another
    bus the Ref is "BUS|NAME", so the name is split from it)."""
    if src.peek("name") is not None:
        return src.val("name")
    if src.target("bus") is None and src.peek("bus") in (None, "default"):
        return Att(src.address)
    from ..intrinsics import select, split
    return select(1, split("|", Att(src.address)))


MAPPERS = {"event_bus": event_bus, "event_rule": event_rule, "state_machine": state_machine}

TYPES = {
    "event_bus": ["AWS::Events::EventBus", "AWS::Events::Archive"],
    "event_rule": ["AWS::Events::Rule", "AWS::Lambda::Permission"],
    "state_machine": ["AWS::StepFunctions::StateMachine", "AWS::Logs::LogGroup"],
}

EXPORTS = {
    "event_bus": {"id": getatt("Arn"), "arn": getatt("Arn"), "name": getatt("Name")},
    "event_rule": {"id": getatt("Arn"), "arn": getatt("Arn"), "name": _rule_name},
    "state_machine": {"id": REF, "arn": REF, "name": getatt("Name")},  # its Ref is its ARN
}
