"""Workloads on the virtual clock (issue 15): messages move through queues — depth, oldest
message, visibility timeouts, dead letters, Lambda throttling — APIs throttle, and an Auto
Scaling group scales on the backlog; `archform chaos` reports the backlog a failure builds and
when it drains. The kind's rules and its CloudFormation (nothing) are checked here too."""

from __future__ import annotations

import json

import pytest

from archform.dsl.resolve import resolve_text
from archform.providers.simulated.chaos import figures
from archform.providers.simulated.chaos.report import render_text
from chaosbench import EXAMPLES, chaos, events, service, value_at


def queue(doc: dict, address: str) -> dict:
    return next(q for q in doc["queues"] if q["address"] == address)


def test_losing_an_az_builds_a_backlog_that_drains_when_the_group_recovers():
    """The issue's check: queue_workers under an AZ loss. 12 workers × 10 at a time / 2 s carry
    60/s; 8 carry 40/s against 50/s arriving, so the queue grows until the group's replacements
    run in the other AZs, then drains back to its steady state."""
    doc = chaos("queue_workers.arch", "az:eu-west-1a", duration=3600)
    q = queue(doc, "primary.orders_in")
    (backlog,) = q["backlogs"]
    assert backlog["rose_at"] == 60.0  # the tick that starts with the fault
    running = events(doc, "instance.running", "primary.fleet")[0]["t"]
    assert backlog["rose_at"] < backlog["peak_at"] <= running + figures.WORKLOAD_TICK_SECONDS
    # growing at 10/s until the replacements run: about 10 × (running - fault) messages
    assert backlog["peak_depth"] == pytest.approx(10 * (running - 60), rel=0.15)
    # draining at 10/s (60/s of capacity against 50/s): back as long after the peak as it took to build
    assert backlog["back_at"] == pytest.approx(backlog["peak_at"] + backlog["peak_depth"] / 10, abs=30)
    assert q["depth_at_end"] == 0 and q["refused"] == 0
    assert [e["t"] for e in events(doc, "queue.drained")] == [backlog["back_at"]]
    svc = service(doc, "primary.orders_in")
    assert svc["capacity_unit"] == "messages visible" and value_at(svc, 30)[1] == 0
    assert value_at(svc, backlog["peak_at"])[1] == pytest.approx(backlog["peak_depth"], abs=0.5)
    text = render_text(doc)
    assert "backlog from 00:01:00.0: peak" in text and "back to steady at" in text
    # the messages the lost instances were working on come back after the visibility timeout
    (lost,) = events(doc, "queue.in_flight_lost")
    assert "after the visibility timeout (1m)" in lost["detail"]


def test_the_same_seed_gives_the_same_queue_report():
    one = chaos("queue_workers.arch", "az:eu-west-1b", duration=1200, seed=3)
    two = chaos("queue_workers.arch", "az:eu-west-1b", duration=1200, seed=3)
    assert json.dumps(one["queues"], sort_keys=True) == json.dumps(two["queues"], sort_keys=True)


def test_producers_are_refused_while_the_region_is_down_and_the_group_scales_on_the_backlog():
    doc = chaos("queue_workers.arch", "region:eu-west-1", duration=3600, lengths={"region:eu-west-1": 600})
    q = queue(doc, "primary.orders_in")
    assert q["refused"] == pytest.approx(50 * 600, rel=0.02)
    (backlog,) = q["backlogs"]
    assert backlog["rose_at"] >= 660 and backlog["back_at"] is not None
    scaled = [e for e in events(doc, "asg.desired", "primary.fleet") if e["after"] > e["before"]]
    assert scaled and "above the target 100" in scaled[0]["detail"]
    scaled_in = [e for e in events(doc, "asg.desired", "primary.fleet") if e["after"] < e["before"]]
    assert scaled_in and scaled_in[-1]["after"] == 12  # back to min once the queue is empty


def test_lambda_throttles_at_its_reserved_concurrency_and_failures_end_in_the_dead_letter_queue():
    doc = chaos("workload_lambda.arch", "az:us-east-1a", duration=1200)
    q = queue(doc, "primary.jobs_in")
    assert events(doc, "lambda.throttled", "primary.jobs_in")
    # 20 executions at 0.5 s carry 40/s; 100/s arrive, half fail and come back once
    assert q["throttled"] > 0 and q["dead_lettered"] > 0
    (backlog,) = q["backlogs"]
    assert backlog["back_at"] is None and q["depth_at_end"] > 0
    more = chaos("workload_lambda.arch", "az:us-east-1a", duration=1200, params={"reserved": "200"})
    assert not events(more, "lambda.throttled") and queue(more, "primary.jobs_in")["throttled"] == 0


def test_an_api_stage_throttles_what_its_clients_send_beyond_it():
    doc = chaos("workload_lambda.arch", "az:us-east-1a", duration=600)
    svc = service(doc, "primary.clients")
    assert svc["served_fraction"] == pytest.approx(500 / 800)
    (throttled,) = events(doc, "api.throttled", "primary.clients")
    assert "300 a second get 429" in throttled["detail"]
    gone = chaos("workload_lambda.arch", "region:us-east-1", at=300, duration=600)
    assert value_at(service(gone, "primary.clients"), 400)[0] == 0.0


# --- the kind ---------------------------------------------------------------------------------------

QUEUE = '''region "us-east-1" as east {
  sqs_queue jobs {
    visibility_timeout = 30s
  }

  sqs_queue other {}

  iam_role role {
    assumed_by = [lambda]
    policies   = ["service-role/AWSLambdaSQSQueueExecutionRole"]
  }

  lambda_function fn {
    runtime = python3.12
    handler = "a.b"
    role    = role

    code {
      file = "a.zip"
    }
  }

  lambda_event_source feed {
    source   = other
    function = fn
  }

  workload load {
%s
  }
}
'''


def problems(body: str) -> list[str]:
    _, diags = resolve_text(QUEUE % body, "main.arch")
    return [d.summary for d in diags if d.is_error or d.severity == "warning"]


@pytest.mark.parametrize("body, message", [
    ("    source = jobs\n    rate   = 5", "a workload on a queue needs consumer"),
    ("    source   = jobs\n    rate     = 5\n    consumer = feed",
     "event source mapping 'east.feed' reads 'east.other', not this workload's queue 'east.jobs'"),
    ("    source   = other\n    rate     = 0\n    consumer = feed", "a workload's rate is between 0 and 1,000,000"),
    ("    source   = other\n    rate     = 5\n    consumer = feed\n    per_instance = 4",
     "per_instance is for Auto Scaling groups"),
])
def test_the_kind_says_what_a_workload_cannot_be(body, message):
    found = problems(body)
    assert len(found) == 1 and message in found[0], found


def test_a_workload_deploys_nothing():
    from archform.providers.cloudformation import generate
    result = generate(EXAMPLES / "queue_workers.arch", {})
    assert result.ok and not [d for d in result.diagnostics if "orders_in" in d.summary]
    every = [r for _, body in result.templates for r in body["Resources"].values()]
    assert not [r for r in every if r["Metadata"]["archform:address"] == "primary.orders_in"]


def test_the_backlog_policy_is_cloudwatch_metric_math_over_the_queue_and_the_group():
    from archform.providers.cloudformation import generate
    result = generate(EXAMPLES / "queue_workers.arch", {})
    res = {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}
    group = res["PrimaryFleet"]["Properties"]
    assert group["MetricsCollection"] == [{"Granularity": "1Minute", "Metrics": ["GroupInServiceInstances"]}]
    policy = res["PrimaryFleetPolicyBacklog"]["Properties"]["TargetTrackingConfiguration"]
    metrics = {m["Id"]: m for m in policy["CustomizedMetricSpecification"]["Metrics"]}
    assert metrics["backlog"]["Expression"] == "visible / serving" and metrics["backlog"]["ReturnData"] is True
    visible = metrics["visible"]["MetricStat"]["Metric"]
    assert (visible["Namespace"], visible["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert visible["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PrimaryOrders", "QueueName"]}}]
    assert policy["TargetValue"] == 100


FLEET = (EXAMPLES / "queue_workers.arch").read_text()


@pytest.mark.parametrize("policy, message", [
    ("metric = queue_backlog\n      target = 100", "queue_backlog tracks the messages of a queue per instance"),
    ("metric = queue_backlog\n      queue  = orders\n      target = 50%",
     "queue_backlog counts messages per instance: write target as a number"),
    ("metric = cpu\n      queue  = orders\n      target = 50%", "queue is for metric = queue_backlog"),
    ("metric = cpu\n      target = 50%\n      dimensions = { Stage = \"prod\" }", "dimensions are for custom metrics"),
])
def test_backlog_policies_name_their_queue(policy, message):
    text = FLEET.replace("metric = queue_backlog\n      queue  = orders\n      target = 100", policy)
    assert text != FLEET
    _, diags = resolve_text(text, "queue_workers.arch")
    found = [d.summary for d in diags if d.is_error]
    assert len(found) == 1 and message in found[0], found


def test_a_custom_metric_keeps_its_namespace_and_dimensions(tmp_path):
    from archform.providers.cloudformation import generate
    source = tmp_path / "custom.arch"
    source.write_text(FLEET.replace("metric = queue_backlog\n      queue  = orders\n      target = 100",
                                    "metric     = \"Shop/OrdersPending\"\n      target     = 100\n"
                                    "      dimensions = { Stage = \"prod\" }"))
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    res = {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}
    spec = res["PrimaryFleetPolicyBacklog"]["Properties"]["TargetTrackingConfiguration"]["CustomizedMetricSpecification"]
    assert spec == {"Namespace": "Shop", "MetricName": "OrdersPending", "Statistic": "Average",
                    "Dimensions": [{"Name": "Stage", "Value": "prod"}]}


def test_a_topic_fans_out_by_share_and_drops_what_nobody_receives():
    doc = chaos("fan_out.arch", "az:us-east-1a", duration=600)
    (topic,) = doc["topics"]
    assert topic["published"] == 100 * 600 and topic["lost"] == 0
    assert topic["delivered"] == {"audit": 60_000, "images": 18_000}  # images: 30%, its filter's share
    assert queue(doc, "primary.images_work")["processed"] == 18_000
    assert queue(doc, "primary.audit_work")["backlogs"] == []
    orphan = chaos("workload_topic.arch", "az:us-east-1a", duration=600)
    (topic,) = orphan["topics"]
    assert topic["lost"] == topic["published"] == 6000
    assert events(orphan, "sns.lost", "primary.events_in")
    assert "6,000 lost" in render_text(orphan)


def test_a_queue_without_producers_needs_a_topic_to_feed_it():
    found = problems("    source   = other\n    consumer = feed")
    assert len(found) == 1 and "a workload needs rate" in found[0], found


def test_a_stream_takes_what_its_shards_take_and_on_demand_doubles():
    """Kinesis (notes §14.3): a shard takes 1,000 records/s or 1 MB/s in; what is beyond is
    refused (producers retry). An on-demand stream starts at 4 shards' worth and doubles 15
    minutes after it is first exceeded."""
    doc = chaos("workload_stream.arch", "az:us-east-1a", duration=1800)
    streams = {s["address"]: s for s in doc["streams"]}
    fixed, elastic = streams["primary.fixed_in"], streams["primary.elastic_in"]
    assert fixed["accepted"] == 2000 * 1800 and fixed["throttled"] == 1000 * 1800  # an AZ changes nothing
    (scaled,) = events(doc, "kinesis.scaled", "primary.elastic_in")
    assert scaled["t"] == figures.KINESIS_ON_DEMAND_SCALE_SECONDS and elastic["shards_at_end"] == 8
    assert elastic["throttled"] == 1000 * figures.KINESIS_ON_DEMAND_SCALE_SECONDS
    assert service(doc, "primary.fixed_in")["served_fraction"] == pytest.approx(2 / 3)
    gone = chaos("workload_stream.arch", "region:us-east-1", duration=600)
    assert {s["address"]: s["refused"] for s in gone["streams"]}["primary.fixed_in"] == 3000 * 540


def test_record_size_is_for_streams():
    found = problems("    source      = other\n    consumer    = feed\n    rate        = 5\n    record_size = 2KiB")
    assert len(found) == 1 and "record_size is for a workload on a Kinesis stream" in found[0], found
