"""Amazon MQ brokers losing an AZ: a single-instance broker stops and comes back after the AZ
does; an active/standby pair fails over to its standby within AWS's figure; a RabbitMQ cluster
keeps serving on two of its three nodes."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT, LENGTH = 60.0, 600.0


@pytest.fixture(scope="module")
def doc():
    return chaos("mq_brokers.arch", "az:us-east-1a", at=AT, duration=1800, lengths={"az:us-east-1a": LENGTH})


def test_a_single_instance_broker_stops_with_its_az_and_returns_after_it(doc):
    single = service(doc, "primary.single")
    assert value_at(single, AT - 1)[0] == 1.0
    assert value_at(single, AT + 1)[0] == 0.0
    (down,) = events(doc, "mq.down", "primary.single")
    assert "single-instance broker has no standby" in down["detail"]
    (back,) = events(doc, "mq.available", "primary.single")
    assert back["t"] == pytest.approx(AT + LENGTH + figures.RESTART_AFTER_ZONE_SECONDS)
    assert value_at(single, back["t"] + 1)[0] == 1.0


def test_an_active_standby_broker_fails_over_to_the_other_az(doc):
    (started,) = events(doc, "mq.failover_started", "primary.pair")
    (done,) = events(doc, "mq.failover_complete", "primary.pair")
    assert "failover URL" in started["detail"]
    low, high = figures.MQ_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    pair = service(doc, "primary.pair")
    assert value_at(pair, AT + 1)[0] == 0.0          # clients reconnect while the standby takes over
    assert value_at(pair, done["t"] + 1) == (1.0, 1.0)  # serving from the standby's AZ alone
    assert "us-east-1b" in done["detail"]
    assert not events(doc, "mq.down", "primary.pair")


def test_a_rabbitmq_cluster_keeps_serving_with_one_az_down(doc):
    rabbit = service(doc, "primary.rabbit")
    assert value_at(rabbit, AT + 1) == (1.0, 2.0)
    assert not events(doc, "mq.down", "primary.rabbit")
    assert any("keeps serving" in e["detail"] for e in events(doc, "mq.cluster_node", "primary.rabbit"))


def test_a_diagram_draws_each_broker_with_its_engine_and_deployment():
    from pathlib import Path

    from archform.dsl.resolve import resolve
    from archform.planner.diagram import build_scene, items_of
    from archform.planner.diagram.dot import to_dot
    desired, diags = resolve(Path(__file__).parent / "chaos_cases" / "mq_brokers.arch")
    assert desired is not None, diags
    text = to_dot(build_scene(items_of(desired)))
    assert "Amazon MQ broker" in text
    for line in ("ActiveMQ, single instance", "ActiveMQ, active/standby", "RabbitMQ, cluster"):
        assert line in text
    assert "a-test-broker-secret" not in text
