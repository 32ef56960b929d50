"""The Amazon MQ example (examples/mq_broker.arch): an ActiveMQ active/standby pair over two AZs
with a producer and a consumer group. Losing the active broker's AZ hands the broker to the
standby within AWS's figure while the groups replace their instances; losing the standby's AZ
leaves the active one serving. The users' passwords show nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mq_broker.arch"
AT = 60.0
SECRETS = ("change-me-producer-2026", "change-me-consumer-2026")


@pytest.fixture(scope="module")
def active_lost():
    return chaos("mq_broker.arch", "az:eu-west-1a", at=AT, duration=900)


def test_the_standby_takes_over_when_the_active_brokers_az_fails(active_lost):
    (started,) = events(active_lost, "mq.failover_started", "primary.orders")
    (done,) = events(active_lost, "mq.failover_complete", "primary.orders")
    assert started["t"] == AT and "eu-west-1a" in started["detail"] and "takes over" in started["detail"]
    low, high = figures.MQ_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    assert "eu-west-1b is the active broker" in done["detail"]
    broker = service(active_lost, "primary.orders")
    assert value_at(broker, AT + 1)[0] == 0.0
    assert value_at(broker, done["t"] + 1) == (1.0, 1.0)
    assert not events(active_lost, "mq.down", "primary.orders")


def test_the_producers_and_consumers_come_back_in_the_other_az(active_lost):
    for group, desired in (("primary.order_service", 2), ("primary.workers", 4)):
        svc = service(active_lost, group)
        assert value_at(svc, AT + 1)[1] == desired // 2
        (running,) = events(active_lost, "instance.running", group)
        assert "eu-west-1b" in running["detail"]
        assert value_at(svc, running["t"] + 1)[1] == desired


def test_losing_the_standbys_az_leaves_the_active_broker_serving():
    doc = chaos("mq_broker.arch", "az:eu-west-1b", at=AT, duration=600)
    assert not events(doc, "mq.failover_started", "primary.orders")
    assert not events(doc, "mq.down", "primary.orders")
    assert value_at(service(doc, "primary.orders"), AT + 1)[0] == 1.0


def test_the_cli_shows_the_failover_and_no_password():
    result = CliRunner().invoke(main, ["chaos", str(EXAMPLE), "--fail", "az:eu-west-1a", "--duration", "10m"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "mq.failover_complete" in result.output
    assert "primary.orders  active broker: eu-west-1a → eu-west-1b" in result.output
    assert not any(s in result.output for s in SECRETS)


def test_the_plan_the_template_and_the_diagram_never_show_a_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plan = runner.invoke(main, ["plan", str(EXAMPLE)], catch_exceptions=False)
    assert "user" in plan.output and "(sensitive)" in plan.output
    out = tmp_path / "cfn"
    cfn = runner.invoke(main, ["cfn", str(EXAMPLE), "-o", str(out)], catch_exceptions=False)
    assert cfn.exit_code == 0, cfn.output
    template = (out / "mq-broker-eu-west-1.yaml").read_text()
    assert "NoEcho: true" in template
    diagram = runner.invoke(main, ["diagram", str(EXAMPLE), "-o", str(tmp_path / "d.dot"), "--format", "dot"],
                            catch_exceptions=False)
    assert diagram.exit_code == 0, diagram.output
    for text in (plan.output, template, (tmp_path / "d.dot").read_text()):
        assert not any(s in text for s in SECRETS)
