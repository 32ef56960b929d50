"""ECS services losing an AZ (issue 16): the tasks there stop; the service replaces them in the
surviving AZs and registers them with its target group; its running count goes down and back
to desired, and the time is reported. A service with nowhere to place a task says why, and
tries again until it can."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT, LENGTH = 60.0, 600.0


@pytest.fixture(scope="module")
def doc():
    return chaos("ecs_services.arch", "az:us-east-1a", at=AT, duration=1800, lengths={"az:us-east-1a": LENGTH})


def test_fargate_tasks_of_the_lost_az_are_replaced_in_the_surviving_ones(doc):
    web = service(doc, "primary.web")
    assert web["nominal_capacity"] == 6 and value_at(web, AT - 1) == (1.0, 6.0)
    assert value_at(web, AT + 1)[1] == 4.0
    (stopped,) = events(doc, "ecs.tasks_stopped", "primary.web")
    assert stopped["azs"] == ["us-east-1a"] and stopped["count"] == 2
    (started,) = events(doc, "ecs.tasks_started", "primary.web")
    assert "us-east-1a" not in started["azs"] and started["count"] == 2
    # noticed when the target group marks them unhealthy (2 checks), before the scheduler's own minute
    (unhealthy,) = events(doc, "target.unhealthy", "primary.web_tg")
    assert started["t"] == unhealthy["t"] and started["t"] - AT <= figures.ECS_TASK_LOST_SECONDS
    # steady once the replacements run (the image pulled) and pass their target group's checks
    (steady,) = events(doc, "ecs.steady_state", "primary.web")
    healthy = events(doc, "target.healthy", "primary.web_tg")
    low, high = figures.ECS_TASK_START_SECONDS
    assert healthy and steady["t"] == healthy[0]["t"] and steady["t"] - started["t"] >= low + high
    assert "6 of 6 tasks running and healthy in their target groups" in steady["detail"]
    assert steady["seconds"] == pytest.approx(steady["t"] - AT)
    assert value_at(web, steady["t"]) == (1.0, 6.0)
    assert web["min_capacity"] == 4.0


def test_tasks_go_back_to_an_az_that_returns_each_old_one_stopping_once_its_replacement_is_in_service(doc):
    """Availability Zone rebalancing (AWS's default for new services that spread since June 2025):
    the model said an AZ that returns gets no tasks back, leaving 3 + 3 tasks in two AZs for good."""
    (uneven,) = events(doc, "ecs.rebalancing", "primary.web")
    back = AT + LENGTH
    assert uneven["t"] == back + figures.ECS_REBALANCE_CHECK_SECONDS
    assert uneven["detail"].endswith("is not AZ balanced with 0 tasks in us-east-1a, 3 tasks in us-east-1b, and "
                                     "3 tasks in us-east-1c. AZ Rebalancing in progress.")
    (started,) = events(doc, "ecs.rebalance_started", "primary.web")
    assert started["azs"] == ["us-east-1a"] and started["count"] == 2 and started["t"] == uneven["t"]
    # each old task stops when its replacement passes the target group's checks: never fewer than 6 in service
    healthy = [e for e in events(doc, "target.healthy", "primary.web_tg") if e["t"] > back]
    stopped = events(doc, "ecs.rebalance_stopped", "primary.web")
    assert sorted(a for e in stopped for a in e["azs"]) == ["us-east-1b", "us-east-1c"]
    assert all(e["t"] == healthy[0]["t"] for e in stopped)
    (balanced,) = events(doc, "ecs.rebalanced", "primary.web")
    assert balanced["detail"].endswith("is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b, and 2 "
                                       "tasks in us-east-1c.")
    web = service(doc, "primary.web")
    assert min(c for t, _, c in web["series"] if t >= back) == 6.0
    assert events(doc, "ecs.rebalancing", "primary.workers") == []  # its AZs are even again by its instances


def test_without_az_rebalancing_the_returned_az_stays_empty():
    doc = chaos("ecs_services.arch", "az:us-east-1a", at=AT, duration=1800, lengths={"az:us-east-1a": LENGTH},
                params={"rebalance": "false"})
    assert events(doc, "ecs.rebalancing") == [] and events(doc, "ecs.rebalance_started") == []
    assert value_at(service(doc, "primary.web"), 1799.0) == (1.0, 6.0)


def test_the_replacements_are_taken_into_service_by_the_target_group(doc):
    healthy, *rebalanced = events(doc, "target.healthy", "primary.web_tg")
    assert all(e["azs"] == ["us-east-1a"] for e in rebalanced)  # the tasks AZ rebalancing starts there
    assert healthy["count"] == 2 and "us-east-1a" not in healthy["azs"]
    front = service(doc, "primary.front")
    assert value_at(front, healthy["t"])[1] == value_at(front, healthy["t"] - 0.1)[1] + 2


def test_ec2_tasks_stop_with_their_instance_and_wait_for_room(doc):
    (first, *_) = events(doc, "ecs.tasks_stopped", "primary.workers")
    assert first["t"] == AT and "container instance stopped" in first["detail"]
    (short, *_) = events(doc, "ecs.unable_to_place", "primary.workers")
    assert "has insufficient memory available" in short["detail"]
    # the Auto Scaling group's replacement instance gives the tasks room
    booted = [e for e in events(doc, "instance.running", "primary.hosts") if e["t"] > AT]
    (placed, *_) = events(doc, "ecs.tasks_started", "primary.workers")
    assert placed["t"] >= booted[0]["t"]
    steady = events(doc, "ecs.steady_state", "primary.workers")
    assert steady and value_at(service(doc, "primary.workers"), steady[0]["t"]) == (1.0, 4.0)


def test_a_service_in_one_az_has_nowhere_to_go_until_the_az_returns(doc):
    batch = service(doc, "primary.batch")
    assert value_at(batch, AT + 1) == (0.0, 0.0)
    (short,) = events(doc, "ecs.unable_to_place", "primary.batch")
    assert "no Availability Zone of its subnets can launch a task" in short["detail"]
    (started,) = events(doc, "ecs.tasks_started", "primary.batch")
    assert started["t"] == AT + LENGTH
    (steady,) = events(doc, "ecs.steady_state", "primary.batch")
    assert value_at(batch, steady["t"]) == (1.0, 2.0)


def test_stopping_a_service_s_tasks_by_address_replaces_them():
    doc = chaos("ecs_services.arch", "primary.web", at=AT, duration=900)
    (stopped,) = events(doc, "ecs.tasks_stopped", "primary.web")
    assert stopped["count"] == 6
    (steady,) = events(doc, "ecs.steady_state", "primary.web")
    assert value_at(service(doc, "primary.web"), steady["t"]) == (1.0, 6.0)


def test_the_same_seed_gives_the_same_run():
    one = chaos("ecs_services.arch", "az:us-east-1b", at=AT, duration=900, seed=4)
    two = chaos("ecs_services.arch", "az:us-east-1b", at=AT, duration=900, seed=4)
    assert one == two


# --- the example ---------------------------------------------------------------------------------

def test_the_fargate_example_is_back_to_three_tasks_after_an_az_loss():
    doc = chaos("fargate_service.arch", "az:us-east-1a", at=AT, duration=1200)
    web = service(doc, "primary.web")
    assert web["nominal_capacity"] == 3 and web["min_capacity"] == 2
    (steady,) = events(doc, "ecs.steady_state", "primary.web")
    assert steady["seconds"] <= 120 and value_at(web, steady["t"]) == (1.0, 3.0)
    (started,) = events(doc, "ecs.tasks_started", "primary.web")
    assert started["azs"] != ["us-east-1a"]
    (healthy,) = events(doc, "target.healthy", "primary.web_tasks")
    assert value_at(service(doc, "primary.front"), healthy["t"])[1] == 3.0  # registered by IP, in service


def test_archform_chaos_prints_the_running_count_down_and_back_with_the_time():
    from click.testing import CliRunner
    from chaosbench import EXAMPLES
    from archform.planner.cli import main
    result = CliRunner().invoke(main, ["chaos", str(EXAMPLES / "fargate_service.arch"), "--fail", "az:us-east-1a",
                                       "--duration", "20m"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("primary.web ") and "ecs_service" in x)
    assert "3 tasks → 2@00:01:00.0 3@00:02:" in line
    assert "has reached a steady state: 3 of 3 tasks running" in result.output


def test_fargate_replacements_skip_an_az_without_capacity():
    """AWS FIS's insufficient-capacity scenario in 1b while 1a is lost: the tasks go to 1c."""
    from archform.providers.simulated.chaos.faults import FaultSpec
    doc = chaos("ecs_services.arch", FaultSpec("insufficient-capacity:us-east-1b", 0.0, None),
                FaultSpec("az:us-east-1a", AT, None), duration=900)
    (started,) = events(doc, "ecs.tasks_started", "primary.web")
    assert started["azs"] == ["us-east-1c"] and started["count"] == 2


def test_managed_scaling_grows_the_capacity_providers_group_for_waiting_tasks():
    """Applied with room for four tasks of six: ECS raises the group's desired capacity by the
    instance the two waiting tasks need, and places them once it runs."""
    doc = chaos("ecs_managed_scaling.arch", "az:us-east-1a", at=1800.0, duration=2400)
    workers = service(doc, "primary.workers")
    assert value_at(workers, 0.0) == (round(4 / 6, 6), 4.0)
    (scaled,) = [e for e in events(doc, "asg.desired", "primary.hosts") if "ECS managed scaling" in e["detail"]]
    assert (scaled["before"], scaled["after"]) == (2, 3)
    assert scaled["t"] == figures.ECS_MANAGED_SCALING_SECONDS
    first = events(doc, "ecs.steady_state", "primary.workers")[0]
    assert "after the run began" in first["detail"] and value_at(workers, first["t"]) == (1.0, 6.0)
    # the AZ's loss: the group replaces its two instances there, which the tasks wait for (no
    # managed scale-out on top of instances already starting)
    assert len([e for e in events(doc, "asg.desired") if e["t"] > 1800]) == 0
    last = events(doc, "ecs.steady_state", "primary.workers")[-1]
    assert last["t"] > 1800 and value_at(workers, last["t"]) == (1.0, 6.0)


def test_a_diagram_draws_the_services_their_tasks_and_what_feeds_them():
    from pathlib import Path

    from archform.dsl.resolve import resolve
    from archform.planner.diagram import build_scene, items_of
    from archform.planner.diagram.dot import to_dot
    desired, diags = resolve(Path(__file__).parent / "chaos_cases" / "ecs_services.arch")
    assert desired is not None, diags
    text = to_dot(build_scene(items_of(desired)))
    for line in ("ECS service", "Fargate, 6 tasks", "EC2, 4 tasks", "512 CPU / 1GiB, 1 container", "bridge, 1 container"):
        assert line in text
    assert '"primary.web_tg" -> "primary.web"' in text and 'xlabel=":8080"' in text  # registered by IP on 8080
    assert '"primary.apps" -> "primary.workers"' in text and '"primary.worker_task" -> "primary.workers"' in text


def test_replacement_tasks_have_aws_task_arns(doc):
    import re
    (started,) = events(doc, "ecs.tasks_started", "primary.web")
    for arn in started["ids"]:
        assert re.fullmatch(r"arn:aws:ecs:us-east-1:123456789012:task/[a-z0-9-]+/[0-9a-f]{32}", arn)


def test_ecs_tasks_working_a_queue_scale_out_on_its_backlog_and_back_in():
    """Notes §15.2.4: ECS tasks poll an SQS queue. Nine tasks carry 40 orders/s (eight tasks'
    worth); an AZ's loss leaves six and a backlog; target tracking on the messages per running task
    scales the service out, the queue drains, and the service returns to min_tasks = 9."""
    doc = chaos("ecs_queue_workers.arch", "az:eu-west-1a", at=AT, duration=1800)
    (queue,) = doc["queues"]
    (backlog,) = queue["backlogs"]
    assert backlog["rose_at"] == AT and queue["depth_at_end"] == 0
    (lost,) = events(doc, "queue.in_flight_lost", "primary.orders_in")
    assert "on tasks in eu-west-1a" in lost["detail"]  # what the lost tasks held comes back later
    out, back = events(doc, "ecs.desired", "primary.workers")
    assert (out["before"], back["after"]) == (9, 9) and out["after"] > 9 and "messages per running task" in out["detail"]
    assert AT < out["t"] <= AT + figures.SCALING_EVALUATION_SECONDS < backlog["back_at"] < back["t"]
    assert back["t"] - out["t"] >= 300  # the scale-in cooldown
    workers = service(doc, "primary.workers")
    assert value_at(workers, back["t"] - 1)[1] == out["after"] and value_at(workers, back["t"])[1] == 9

def test_fargate_tasks_wait_when_the_azs_fargate_capacity_is_used(monkeypatch):
    """Fargate tasks take their vCPUs of the AZ's Fargate capacity: with room for two half-vCPU
    tasks per AZ, 1b and 1c are full with web's own, so its lost tasks wait; when 1a returns the
    batch service's two tasks take its room, and web stays two short."""
    monkeypatch.setattr(figures, "FARGATE_VCPUS_PER_AZ", 1.0)
    doc = chaos("ecs_services.arch", "az:us-east-1a", at=AT, duration=1500, lengths={"az:us-east-1a": 600.0})
    (short,) = events(doc, "ecs.unable_to_place", "primary.web")
    assert "no Fargate capacity is left" in short["detail"]
    assert events(doc, "ecs.tasks_started", "primary.web") == []
    (batch,) = events(doc, "ecs.tasks_started", "primary.batch")
    assert batch["t"] == AT + 600 and batch["azs"] == ["us-east-1a"]
    assert value_at(service(doc, "primary.web"), 1499)[1] == 4.0
