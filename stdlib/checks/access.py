"""Security rules that ask the IAM evaluator (`stdlib/iam`): what a principal may actually do once
identity policies, resource policies, permissions boundaries and SCPs are combined, rather than
what one statement says. A rule reports only what is certain: an answer a policy outside the
configuration could change (a managed policy archform cannot read, a condition it cannot decide)
is left alone."""

from __future__ import annotations

from archform.stdlib.iam import Target, arn_of, can, principal_of
from archform.stdlib.schema import deref

from . import rule

# what Lambda's poller calls on each source (AWS Lambda developer guide, "Lambda execution role
# permissions" for SQS, Kinesis and DynamoDB Streams; the AWS managed execution role policies)
READS = {
    "sqs_queue": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis_stream": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                       "kinesis:ListShards"),
    "dynamodb_table": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                       "dynamodb:ListStreams"),
}
# every role of the account: a statement covers it only when its Resource covers any role name
ANY_ROLE = "arn:aws:iam::123456789012:role/*"


def _source_target(graph, source) -> Target:
    arn = arn_of(graph, source.address)
    if source.kind == "dynamodb_table":  # the poller reads the table's stream, not the table
        arn += "/stream/*"
    return Target(source.address, arn)


@rule("AF-SEC-015", "high", "Lambda cannot read its event source",
      "notes §16.1 and §14.3 (Lambda polls the queue or stream as its execution role); AWS Lambda developer guide "
      "(execution role permissions for event sources)",
      "allow the poller's actions on the queue or stream in the function's role (or attach "
      "AWSLambdaSQSQueueExecutionRole / AWSLambdaKinesisExecutionRole / AWSLambdaDynamoDBExecutionRole), and make sure "
      "no deny, boundary or SCP takes them away")
def event_source_unreadable(graph):
    for mapping in graph.of_kind("lambda_event_source"):
        source, function = deref(graph, mapping.model.source), deref(graph, mapping.model.function)
        if source is None or function is None or source.kind not in READS:
            continue
        role = principal_of(graph, function)
        if role is None:
            continue
        target = _source_target(graph, source)
        refused = [(a, d) for a in READS[source.kind] for d in [can(graph, role, a, target)]
                   if not d.allowed and d.complete]
        if refused:
            actions = ", ".join(a for a, _ in refused)
            yield mapping.address, ("function",), (
                f"the role {role.address} of function {function.address} may not {actions} on {source.address} "
                f"({refused[0][1].reason}): the mapping cannot read its {source.kind.replace('_', ' ')}")


@rule("AF-SEC-016", "high", "Principal can pass any role (iam:PassRole on *)",
      "notes §2.4 and §22.1.4 (least privilege; boundaries against privilege escalation); AWS IAM user guide "
      "(granting a user permissions to pass a role: name the roles)",
      "allow iam:PassRole only on the roles it hands to services (Resource = the role's arn), with an "
      "iam:PassedToService condition")
def pass_any_role(graph):
    for principal in sorted(graph.of_kind("iam_role", "iam_user"), key=lambda v: v.address):
        d = can(graph, principal, "iam:PassRole", Target(None, ANY_ROLE))
        if d.allowed and d.complete and d.decided_by is not None:
            yield d.decided_by.address, d.decided_by.path, (
                f"{principal.kind.replace('_', ' ')} {principal.address} may pass any role to a service "
                f"(iam:PassRole on *, {d.decided_by.what}): it can act with the permissions of every role"), \
                f"passrole:{principal.address}"
