"""Elastic Beanstalk losing an AZ (examples/beanstalk_web.arch): each environment's Auto Scaling
group replaces the lost instances in the surviving AZs of its subnets and is back to its
minimum (status checks, then boot); Beanstalk's health goes Degraded after three failed checks
and back to Ok on the timeline; a fault on one environment touches only its own instances; a single-instance
environment relaunches its one instance in another AZ."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.providers.simulated.chaos import figures
from chaosbench import EXAMPLES, chaos, events, service, value_at

AT, AZ = 60.0, "eu-west-1a"


@pytest.fixture(scope="module")
def doc():
    return chaos("beanstalk_web.arch", f"az:{AZ}", at=AT, duration=1800)


@pytest.mark.parametrize("env, minimum", [("primary.storefront", 3), ("primary.order_workers", 2)])
def test_an_environment_is_back_to_its_minimum_in_the_surviving_azs(doc, env, minimum):
    instances = service(doc, env)
    assert instances["kind"] == "beanstalk_environment"
    assert value_at(instances, AT - 1) == (1.0, minimum)
    assert value_at(instances, AT + 1)[1] == minimum - 1
    (launch,) = events(doc, "asg.launch", env)
    assert AZ not in launch["azs"] and launch["count"] == 1
    assert launch["t"] - AT <= figures.STATUS_CHECK_SECONDS
    back = next(p[0] for p in instances["series"] if p[0] > AT and p[2] == minimum)
    assert back - launch["t"] == pytest.approx(figures.BOOT_SECONDS, abs=1)
    assert value_at(instances, 1799) == (1.0, minimum)


def _after_failed_checks(t: float) -> bool:
    """Beanstalk lowers an environment's health at its third failed 10-second check, not at the
    fault's instant."""
    every, n = figures.BEANSTALK_HEALTH_CHECK_SECONDS, figures.BEANSTALK_FAILED_CHECKS
    return (n - 1) * every < t - AT <= n * every


def test_health_is_degraded_until_the_minimum_is_back(doc):
    degraded, ok = events(doc, "beanstalk.health", "primary.storefront")
    assert _after_failed_checks(degraded["t"]) and "health Degraded: 2 of its minimum 3" in degraded["detail"]
    assert "health Ok: 3 instances in service" in ok["detail"]
    back = next(p[0] for p in service(doc, "primary.storefront")["series"] if p[0] > AT and p[2] == 3)
    assert 0 < ok["t"] - back <= figures.BEANSTALK_HEALTH_CHECK_SECONDS  # the first check that passes


def test_a_fault_on_one_environment_touches_only_its_instances():
    doc = chaos("beanstalk_web.arch", "primary.order_workers", at=AT, duration=900)
    assert value_at(service(doc, "primary.order_workers"), AT + 1)[1] == 0
    (severe,) = [e for e in events(doc, "beanstalk.health", "primary.order_workers") if "Severe" in e["detail"]]
    assert _after_failed_checks(severe["t"])
    assert not events(doc, "asg.launch", "primary.storefront")
    assert value_at(service(doc, "primary.order_workers"), 899) == (1.0, 2)


def test_a_single_instance_environment_relaunches_its_instance_in_another_az():
    text = (EXAMPLES / "beanstalk_web.arch").read_text()
    single = text.replace("    min             = 2\n    max             = 6\n", "    load_balanced   = false\n")
    assert single != text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "single.arch"
        path.write_text(single)
        doc = chaos(str(path), f"az:{AZ}", at=AT, duration=900)
    workers = service(doc, "primary.order_workers")
    assert value_at(workers, AT - 1) == (1.0, 1) and value_at(workers, AT + 1)[1] == 0  # its one instance was there
    (launch,) = events(doc, "asg.launch", "primary.order_workers")
    assert AZ not in launch["azs"]
    (severe, ok) = events(doc, "beanstalk.health", "primary.order_workers")
    assert "Severe" in severe["detail"] and "Ok" in ok["detail"]
    assert value_at(workers, 899) == (1.0, 1)


def test_the_chaos_command_reports_the_environment_down_and_back():
    from archform.planner.cli import main
    with CliRunner().isolated_filesystem():
        result = CliRunner().invoke(main, ["chaos", str(EXAMPLES / "beanstalk_web.arch"), "--fail", f"az:{AZ}"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("primary.storefront "))
    assert "beanstalk_environment" in line and "3 instances → 2@00:01:00.0 3@00:03:" in line
    assert "primary.storefront: health Ok: 3 instances in service" in result.output
