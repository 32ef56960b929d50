"""The modeled cloud's EventBridge and Step Functions: ARNs as AWS forms them (a rule on a custom
bus is `rule/BUS/NAME`), the refusals AWS makes at the API (the default bus cannot be created, a
schedule on a custom bus, a sixth target, a FIFO queue without a message group id, a state
machine target without a role, a definition Step Functions rejects, a role it cannot assume),
and in a chaos run, a rule that keeps delivering to the targets that still answer."""

from __future__ import annotations

import pytest

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter, LimitExceeded
from archform.stdlib.types import dur
from chaosbench import chaos, service, value_at

ACCT = "123456789012"
AT = 60.0
DEFINITION = {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}


def _roles(b):
    b.add("sfn_role", "iam_role", region=None, assumed_by=["states"], policies=["CloudWatchLogsFullAccess"])
    b.add("events_role", "iam_role", region=None, assumed_by=["events"])


def test_buses_rules_and_state_machines_have_aws_arns(builder):
    _roles(builder)
    bus = builder.add("orders", "event_bus", name="orders", archive={"retention": dur("30d")})
    assert bus.id == f"arn:aws:events:us-east-1:{ACCT}:event-bus/orders" == bus.outputs["arn"]
    assert bus.outputs["archive"] == {"arn": f"arn:aws:events:us-east-1:{ACCT}:archive/orders", "retention_days": 30}
    q = builder.add("q", "sqs_queue")
    on_bus = builder.add("placed", "event_rule", name="placed", bus=builder.ref("orders"),
                         pattern={"source": ["shop"]}, target=[{"resource": builder.ref("q")}])
    assert on_bus.id == f"arn:aws:events:us-east-1:{ACCT}:rule/orders/placed"
    assert on_bus.outputs["targets"] == [{"id": "q", "arn": q.outputs["arn"]}]
    on_default = builder.add("tick", "event_rule", name="placed", schedule="rate(5 minutes)",
                             target=[{"resource": builder.ref("q")}])  # the same name on another bus
    assert on_default.id == f"arn:aws:events:us-east-1:{ACCT}:rule/placed"
    assert on_default.outputs["event_bus"] == "default" and on_default.outputs["state"] == "ENABLED"
    flow = builder.add("flow", "state_machine", name="flow", role=builder.ref("sfn_role"), definition=DEFINITION)
    assert flow.id == f"arn:aws:states:us-east-1:{ACCT}:stateMachine:flow"
    assert flow.outputs["type"] == "STANDARD" and flow.outputs["status"] == "ACTIVE"


def test_names_are_taken_per_bus_and_the_default_bus_exists(builder):
    builder.add("q", "sqs_queue")
    rule = dict(pattern={"source": ["shop"]}, target=[{"resource": builder.ref("q")}])
    builder.add("a", "event_rule", name="placed", **rule)
    with pytest.raises(Conflict, match="Rule placed already exists on event bus default"):
        builder.add("b", "event_rule", name="placed", **rule)
    with pytest.raises(Conflict, match="Event bus default already exists"):
        builder.add("bus", "event_bus", name="default")


def test_eventbridge_refuses_what_aws_refuses(builder):
    _roles(builder)
    builder.add("orders", "event_bus")
    builder.add("q", "sqs_queue")
    builder.add("fq", "sqs_queue", fifo=True)
    builder.add("flow", "state_machine", role=builder.ref("sfn_role"), definition=DEFINITION)
    to_q = [{"resource": builder.ref("q")}]
    with pytest.raises(InvalidParameter, match="ScheduleExpression is supported only on the default event bus"):
        builder.add("r1", "event_rule", bus=builder.ref("orders"), schedule="rate(1 hour)", target=to_q)
    with pytest.raises(LimitExceeded, match="maximum number allowed"):
        builder.add("r2", "event_rule", pattern={"source": ["a"]},
                    target=[{"name": f"t{i}", "resource": builder.ref("q")} for i in range(6)])
    with pytest.raises(InvalidParameter, match="SqsParameters must be specified for target: fq"):
        builder.add("r3", "event_rule", pattern={"source": ["a"]}, target=[{"resource": builder.ref("fq")}])
    with pytest.raises(InvalidParameter, match="RoleArn is required for target flow"):
        builder.add("r4", "event_rule", pattern={"source": ["a"]}, target=[{"resource": builder.ref("flow")}])
    with pytest.raises(InvalidParameter, match="Event pattern is not valid") as e:
        builder.add("r5", "event_rule", pattern={"source": "a"}, target=to_q)
    assert e.value.code == "InvalidEventPatternException"
    builder.add("r6", "event_rule", bus=builder.ref("orders"), pattern={"source": ["a"]}, target=to_q)
    with pytest.raises(DependencyViolation, match="Cannot delete event bus .* because it still has rules"):
        builder.cloud.delete("event_bus", builder["orders"].id)


def test_a_bus_of_another_region_is_a_target_and_a_queue_there_is_not(builder):
    _roles(builder)
    far_bus = builder.add("far", "event_bus", region="eu-west-1")
    builder.add("far_q", "sqs_queue", region="eu-west-1")
    rule = builder.add("route", "event_rule", pattern={"source": ["a"]},
                       target=[{"resource": builder.ref("far"), "role": builder.ref("events_role")}])
    assert rule.outputs["targets"][0]["arn"] == far_bus.id and ":eu-west-1:" in far_bus.id
    with pytest.raises(Exception, match="does not exist in us-east-1|only an event bus"):
        builder.add("no", "event_rule", pattern={"source": ["a"]}, target=[{"resource": builder.ref("far_q")}])


def test_step_functions_validates_the_definition_and_the_role(builder):
    _roles(builder)
    builder.add("fn_role", "iam_role", region=None, assumed_by=["lambda"])
    with pytest.raises(InvalidParameter, match="SCHEMA_VALIDATION_FAILED: StartAt names 'Nope'") as e:
        builder.add("bad", "state_machine", role=builder.ref("sfn_role"),
                    definition={"StartAt": "Nope", "States": DEFINITION["States"]})
    assert e.value.code == "InvalidDefinition"
    with pytest.raises(InvalidParameter, match="states.amazonaws.com, nor the regional one is authorized") as e:
        builder.add("wrong", "state_machine", role=builder.ref("fn_role"), definition=DEFINITION)
    assert e.value.code == "AccessDeniedException"
    builder.add("bare", "iam_role", region=None, assumed_by=["states"])
    with pytest.raises(InvalidParameter, match="not authorized to access the Log Destination"):
        builder.add("quiet", "state_machine", role=builder.ref("bare"), definition=DEFINITION, logging={})
    express = builder.add("fast", "state_machine", type="express", role=builder.ref("sfn_role"),
                          definition=DEFINITION, logging={"level": "all"}, tracing=True)
    assert express.outputs["type"] == "EXPRESS" and express.outputs["logging_level"] == "ALL"


# --- in a chaos run ------------------------------------------------------------------------------------

EVENTS = "../test_cloudformation_cases/events.arch"


def test_a_rule_keeps_delivering_to_the_targets_of_the_regions_that_are_up():
    doc = chaos(EVENTS, "region:eu-west-1", duration=600)
    assert value_at(service(doc, "primary.placed"), AT + 1) == (0.75, 0.75)  # 3 of 4: the Ireland bus is down
    assert value_at(service(doc, "ireland.forward"), AT + 1) == (0.0, 0.0)
    assert value_at(service(doc, "primary.hourly"), AT + 1) == (1.0, 1.0)


def test_an_az_loss_leaves_eventbridge_and_step_functions_running():
    doc = chaos(EVENTS, "az:us-east-1a", duration=600)
    for address in ("primary.orders", "primary.placed", "primary.flow", "primary.hourly"):
        assert value_at(service(doc, address), AT + 1) == (1.0, 1.0), address


def test_a_failed_state_machine_stops_the_schedule_that_starts_it():
    doc = chaos(EVENTS, "primary.flow", duration=600)
    assert value_at(service(doc, "primary.hourly"), AT + 1) == (0.0, 0.0)
    assert value_at(service(doc, "primary.placed"), AT + 1) == (0.75, 0.75)
