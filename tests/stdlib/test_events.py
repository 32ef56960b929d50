"""EventBridge buses and rules, Step Functions state machines (notes §16.4, §21.1.6): AWS's limits
as validators, event patterns and schedules checked as EventBridge reads them, each target's
needs (a role, a message group id, a key EventBridge can use), and definitions checked as the
Amazon States Language."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archform.dsl.resolve import resolve_text
from archform.stdlib.schema import View, ViewGraph
from archform.stdlib.types import dur
from catalogue_bench import build, ref, view, w


def issues(views: list[View], severity: str | None = "error") -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    return [i.message for i in found if severity is None or i.severity == severity]


def one(views, text: str, severity: str | None = "error") -> None:
    found = issues(views, severity)
    assert any(text in m for m in found), found


EVENTS_ROLE = view("events_role", "iam_role", {"assumed_by": [w("events")]}, None)
SFN_ROLE = view("sfn_role", "iam_role", {"assumed_by": [w("states")], "policies": ["CloudWatchLogsFullAccess"]}, None)
LAMBDA_ROLE = view("fn_role", "iam_role", {"assumed_by": [w("lambda")]}, None)

MACHINE = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                   "Next": "Done"},
                                          "Done": {"Type": "Succeed"}}}


def rule(address="placed", **attrs) -> View:
    base = {"pattern": {"source": ["shop"]}, "target": [{"resource": ref("jobs", "sqs_queue")}]}
    return view(address, "event_rule", {**base, **attrs})


def machine(address="flow", definition=None, **attrs) -> View:
    return view(address, "state_machine", {"role": ref("sfn_role", "iam_role"),
                                           "definition": definition or MACHINE, **attrs})


def queue(address="jobs", **attrs) -> View:
    return view(address, "sqs_queue", attrs)


# --- event buses -------------------------------------------------------------------------------

def test_the_default_bus_is_not_created_and_partner_names_are_reserved():
    one([view("b", "event_bus", {"name": "default"})], "every region already has the default event bus")
    one([view("b", "event_bus", {"name": "aws.partner"})], "are for partner event sources")
    one([view("b", "event_bus", {"name": "my bus"})], "an event bus name has 1 to 256")
    assert issues([view("b", "event_bus", {"name": "orders", "kms_key": "alias/orders"})]) == []


def test_an_archive_keeps_whole_days_of_the_events_its_pattern_matches():
    one([view("b", "event_bus", {"archive": {"retention": dur("36h")}})], "an archive keeps events for a whole number")
    one([view("b", "event_bus", {"archive": {"pattern": {"source": "shop"}}})], "'source' in the event pattern")
    assert issues([view("b", "event_bus", {"archive": True})]) == []
    assert issues([view("b", "event_bus", {"archive": {"retention": dur("30d"), "pattern": {"source": ["a"]}}})]) == []


# --- rules: pattern, schedule, bus ---------------------------------------------------------------

def test_a_rule_has_a_pattern_or_a_schedule_and_not_both():
    one([queue(), rule(pattern=None)], "a rule needs a pattern (the events it matches) or a schedule")
    one([queue(), rule(schedule="rate(5 minutes)")], "a rule has a pattern or a schedule, not both")


@pytest.mark.parametrize("pattern, message", [
    ({}, "an empty event pattern matches nothing"),
    ({"source": "shop"}, "'source' in the event pattern must be a list of values or a map"),
    ({"source": []}, "EventBridge refuses empty arrays"),
    ({"detail": {}}, "'detail' in the event pattern is an empty map"),
    ({"source": [{"prefix": "a", "suffix": "b"}]}, "a matcher in 'source' has one of prefix"),
    ({"source": [{"begins": "a"}]}, "a matcher in 'source' has one of prefix"),
    ({"detail": {"n": [{"numeric": [">", "x"]}]}}, "numeric takes operator and number pairs"),
    ({"detail": {"n": [{"exists": "yes"}]}}, "exists takes true or false"),
    ({"source": ["x" * 5000]}, "an event pattern has at most 4096 characters"),
    ({"$or": [{"source": ["a"]}]}, "$or in an event pattern is a list of at least two patterns"),
])
def test_event_patterns_are_checked_as_eventbridge_reads_them(pattern, message):
    one([queue(), rule(pattern=pattern)], message)


def test_a_pattern_with_nested_fields_and_matchers_is_accepted():
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "detail": {"state": ["stopped", {"anything-but": "running"}], "n": [{"numeric": [">", 0, "<=", 5]}],
                          "tag": [{"exists": True}], "name": [{"prefix": "web-"}]},
               "$or": [{"region": ["us-east-1"]}, {"account": ["123456789012"]}]}
    assert issues([queue(), rule(pattern=pattern)]) == []


@pytest.mark.parametrize("schedule, message", [
    ("rate(5 minute)", "has the singular"),
    ("rate(1 minutes)", "has the plural"),
    ("rate(0 minutes)", "a positive whole number"),
    ("rate(five minutes)", "is not a rate"),
    ("cron(0 12 * * *)", "a cron expression has 6 fields"),
    ("cron(0 12 * * * *)", "one of day-of-month and day-of-week must be '?'"),
    ("every day", "is not a schedule"),
])
def test_schedules_are_checked(schedule, message):
    one([queue(), rule(pattern=None, schedule=schedule)], message)


@pytest.mark.parametrize("schedule", ["rate(1 minute)", "rate(5 minutes)", "rate(2 days)", "cron(0 12 * * ? *)",
                                      "cron(0/15 8-17 ? * MON-FRI *)"])
def test_valid_schedules(schedule):
    assert issues([queue(), rule(pattern=None, schedule=schedule)]) == []


def test_a_schedule_runs_only_on_the_default_bus():
    bus = view("orders", "event_bus", {})
    one([bus, queue(), rule(pattern=None, schedule="rate(1 hour)", bus=ref("orders", "event_bus"))],
        "a scheduled rule runs only on the default event bus, not on 'orders'")
    assert issues([queue(), rule(pattern=None, schedule="rate(1 hour)", bus="default")]) == []


def test_rule_names_and_a_warning_without_targets():
    one([queue(), rule(name="placed orders")], "a rule name has 1 to 64")
    one([rule(target=[])], "this rule has no target", severity="warning")
    assert issues([rule(target=[], enabled=False)], severity=None) == []


# --- targets ---------------------------------------------------------------------------------------

def test_at_most_five_targets_with_distinct_ids():
    targets = [{"name": f"t{i}", "resource": ref("jobs", "sqs_queue")} for i in range(6)]
    one([queue(), rule(target=targets)], "a rule has at most 5 targets, got 6")
    twice = [{"resource": ref("jobs", "sqs_queue")}, {"resource": ref("jobs", "sqs_queue")}]
    one([queue(), rule(target=twice)], "two targets of this rule have the Id 'jobs'")


def test_retry_policy_limits():
    with pytest.raises(ValidationError, match="retry max_age must be between 60s and 24h"):
        build("event_rule", {"pattern": {"source": ["a"]},
                             "target": [{"resource": ref("jobs", "sqs_queue"), "retry": {"max_age": dur("30s")}}]})
    with pytest.raises(ValidationError, match="retry max_retries must be between 0 and 185"):
        build("event_rule", {"pattern": {"source": ["a"]},
                             "target": [{"resource": ref("jobs", "sqs_queue"), "retry": {"max_retries": 186}}]})


def test_a_target_is_one_of_the_kinds_eventbridge_delivers_to():
    with pytest.raises(ValidationError, match="expected a reference to a lambda_function or sqs_queue"):
        build("event_rule", {"pattern": {"source": ["a"]}, "target": [{"resource": ref("db", "rds")}]})


def test_a_fifo_queue_needs_a_message_group_id():
    fifo = queue(fifo=True, name="jobs.fifo")
    one([fifo, rule()], "queue 'jobs' is FIFO: EventBridge needs a message_group_id")
    ok = rule(target=[{"resource": ref("jobs", "sqs_queue"), "message_group_id": "orders"}])
    assert issues([fifo, ok]) == []
    fn = view("fn", "lambda_function", {"runtime": w("python3.12"), "handler": "a.b",
                                        "role": ref("fn_role", "iam_role"), "code": {"file": "f.zip"}})
    one([fn, LAMBDA_ROLE,
         rule(target=[{"resource": ref("fn", "lambda_function"), "message_group_id": "x"}])],
        "message_group_id is for SQS queue targets")


def test_queues_and_topics_under_aws_managed_keys_cannot_receive_events():
    one([queue(encryption=w("kms")), rule()], "encrypted with the AWS managed key alias/aws/sqs")
    assert issues([queue(encryption=w("kms"), kms_key="alias/orders"), rule()]) == []
    topic = view("alerts", "sns_topic", {})  # alias/aws/sns by default
    one([topic, rule(target=[{"resource": ref("alerts", "sns_topic")}])], "alias/aws/sns, which EventBridge cannot use")
    mine = view("alerts", "sns_topic", {"kms_key": "alias/alerts"})
    assert issues([mine, rule(target=[{"resource": ref("alerts", "sns_topic")}])]) == []


def test_state_machine_and_bus_targets_need_a_role_eventbridge_can_assume():
    flow = machine()
    to_flow = {"resource": ref("flow", "state_machine")}
    one([flow, SFN_ROLE, rule(target=[to_flow])], "EventBridge needs role = <iam_role> to start a state machine")
    one([flow, SFN_ROLE, LAMBDA_ROLE, rule(target=[{**to_flow, "role": ref("fn_role", "iam_role")}])],
        "role 'fn_role' cannot be assumed by EventBridge")
    assert issues([flow, SFN_ROLE, EVENTS_ROLE, rule(target=[{**to_flow, "role": ref("events_role", "iam_role")}])]) \
        == []
    one([queue(), EVENTS_ROLE, rule(target=[{"resource": ref("jobs", "sqs_queue"),
                                             "role": ref("events_role", "iam_role")}])],
        "an SQS queue target is invoked through its resource policy, not a role")


def test_a_rule_cannot_send_back_to_its_own_bus_and_its_dead_letter_queue_is_standard():
    bus = view("orders", "event_bus", {})
    back = {"resource": ref("orders", "event_bus"), "role": ref("events_role", "iam_role")}
    one([bus, EVENTS_ROLE, rule(bus=ref("orders", "event_bus"), target=[back])],
        "a rule cannot send events back to its own bus")
    dlq = queue("dlq", fifo=True, name="dlq.fifo")
    one([queue(), dlq, rule(target=[{"resource": ref("jobs", "sqs_queue"), "dead_letter": ref("dlq", "sqs_queue")}])],
        "a rule's dead-letter queue must be a standard queue")


def test_input_and_input_path_are_exclusive():
    one([queue(), rule(target=[{"resource": ref("jobs", "sqs_queue"), "input": {"a": 1}, "input_path": "$.detail"}])],
        "a target takes input or input_path, not both")
    one([queue(), rule(target=[{"resource": ref("jobs", "sqs_queue"), "input_path": "detail"}])],
        "input_path is a JSONPath into the event")


# --- state machines ----------------------------------------------------------------------------------

def test_a_state_machine_role_must_trust_step_functions():
    one([LAMBDA_ROLE, machine(role=ref("fn_role", "iam_role"))], "role 'fn_role' cannot be assumed by Step Functions")
    assert issues([SFN_ROLE, machine()]) == []


@pytest.mark.parametrize("definition, message", [
    ({"States": MACHINE["States"]}, "a definition needs StartAt"),
    ({"StartAt": "Wrok", "States": MACHINE["States"]}, "StartAt names 'Wrok', which is not one of the States"),
    ({"StartAt": "A", "States": {}}, "a definition needs States"),
    ({"StartAt": "A", "States": {"A": {"Type": "Taks", "End": True}}}, "state 'A' has Type 'Taks'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}},
     "Next of state 'A' is 'B', which is not a state"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "state 'A' needs Next (the state after it) or End = true"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}, "no state ends the execution"),
    ({"StartAt": "A", "States": {"A": {"Type": "Succeed", "End": True}}}, "a Succeed state has no End"),
    ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "C"}],
                                       "Default": "B"}, "B": {"Type": "Succeed"}}},
     "Choices[0].Next of state 'A' is 'C'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [], "Default": "B"}, "B": {"Type": "Fail"}}},
     "Choice state 'A' needs Choices"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Succeed"}}},
     "state 'B' is not reachable from StartAt 'A'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}}, "Task state 'A' needs Resource"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "End": True}}}, "Wait state 'A' takes exactly one of Seconds"),
    ({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}]}}}, "Next of state 'X' is 'Y'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Map", "End": True}}}, "Map state 'A' needs ItemProcessor"),
    (["a list"], "a definition is a map in the Amazon States Language"),
])
def test_definitions_are_checked_as_the_amazon_states_language(definition, message):
    one([SFN_ROLE, machine(definition=definition)], message)


def test_express_workflows_run_five_minutes_without_sync_or_callbacks():
    waits = {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 600, "End": True}}}
    one([SFN_ROLE, machine(definition=waits, type=w("express"), logging={})],
        "Seconds = 600 in state 'A': an express workflow runs at most 5 minutes")
    assert issues([SFN_ROLE, machine(definition=waits)]) == []  # a standard one may wait
    sync = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
                                             "End": True}}}
    one([SFN_ROLE, machine(definition=sync, type=w("express"), logging={})], "express workflows support neither")
    long = {**MACHINE, "TimeoutSeconds": 400 * 86400}
    one([SFN_ROLE, machine(definition=long)], "a standard workflow runs at most one year")


def test_an_express_workflow_without_logging_warns():
    one([SFN_ROLE, machine(type=w("express"))], "an express workflow keeps no execution history", severity="warning")
    assert issues([SFN_ROLE, machine(type=w("express"), logging=True)], severity=None) == []


def test_logging_needs_a_role_that_may_deliver_logs():
    bare = view("bare", "iam_role", {"assumed_by": [w("states")]}, None)
    one([bare, machine(role=ref("bare", "iam_role"), logging=True)], "role 'bare' may not deliver logs")
    inline = view("bare", "iam_role", {"assumed_by": [w("states")], "inline_policies": {"logs": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}]}}}, None)
    assert issues([inline, machine(role=ref("bare", "iam_role"), logging=True)]) == []
    unknown = view("bare", "iam_role", {"assumed_by": [w("states")], "policies": ["SomeTeamPolicy"]}, None)
    assert issues([unknown, machine(role=ref("bare", "iam_role"), logging=True)]) == []  # not known: not judged


def test_a_role_that_may_not_start_the_machine_warns():
    to_flow = {"resource": ref("flow", "state_machine"), "role": ref("events_role", "iam_role")}
    one([machine(), SFN_ROLE, EVENTS_ROLE, rule(target=[to_flow])],
        "role 'events_role' may not call states:StartExecution", severity="warning")
    allowed = view("events_role", "iam_role", {"assumed_by": [w("events")], "inline_policies": {"start": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:StartExecution",
                                                "Resource": "*"}]}}}, None)
    assert issues([machine(), SFN_ROLE, allowed, rule(target=[to_flow])], severity="warning") == []


def test_log_retention_is_one_cloudwatch_takes():
    with pytest.raises(ValidationError, match="CloudWatch Logs keeps logs for one of"):
        build("state_machine", {"role": ref("r", "iam_role"), "definition": MACHINE,
                                "logging": {"retention": dur("10d")}})
    m = build("state_machine", {"role": ref("r", "iam_role"), "definition": MACHINE, "logging": True})
    assert m.logging.level == "error" and m.logging.retention == dur("30d") and m.tracing is False


def test_a_definition_problem_points_into_the_arch_file():
    text = '''
region "us-east-1" as p {
  state_machine flow {
    role       = r
    definition = {
      StartAt = "Go"
      States  = { Go = { Type = "Pass", Next = "Gone" } }
    }
  }
}
iam_role r {
  assumed_by = [states]
}
'''
    _, diagnostics = resolve_text(text)
    found = [d for d in diagnostics if "Next of state 'Go' is 'Gone'" in d.summary]
    assert found and found[0].span is not None and found[0].span.start_line == 7  # at `Next = "Gone"`
