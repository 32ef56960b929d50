"""CloudWatch alarms in a chaos run: an alarm on a group's CPU goes OK → ALARM when an AZ's loss
pushes the load on the remaining instances over its threshold for M of N periods, runs the
group's step scaling policy (desired capacity up by its adjustment) and notifies its topic;
it returns to OK once the capacity is back; an alarm on a metric the run does not model stays
in INSUFFICIENT_DATA."""

from __future__ import annotations

import pytest

from chaosbench import chaos, events

AT = 300.0


@pytest.fixture(scope="module")
def doc():
    return chaos("alarms.arch", "az:us-east-1a", at=AT, duration=2400)


def _states(doc, subject):
    return [(e["t"], e["before"], e["after"]) for e in events(doc, "alarm.state", subject)]


def test_the_alarm_is_ok_until_the_az_fails_then_alarms_within_its_periods(doc):
    states = _states(doc, "primary.fleet_hot")
    assert states[0] == (180.0, "INSUFFICIENT_DATA", "OK")  # 3 one-minute periods at 50% CPU
    t, before, after = states[1]
    assert (before, after) == ("OK", "ALARM")
    assert AT < t <= AT + 3 * 60  # 2 of 3 datapoints over 60% (4 of 6 instances serve: 75%)
    assert "CPUUtilization >= 60" in events(doc, "alarm.state", "primary.fleet_hot")[1]["detail"]
    assert states[2][1:] == ("ALARM", "OK") and states[2][0] > t


def test_the_alarm_runs_the_step_policy_and_notifies_its_topic(doc):
    t_alarm = _states(doc, "primary.fleet_hot")[1][0]
    scaled = [e for e in events(doc, "asg.desired", "primary.web_fleet") if "alarm primary.fleet_hot" in e["detail"]]
    assert [(e["t"], e["before"], e["after"]) for e in scaled] == [(t_alarm, 6, 9)]  # adjustment = 3
    notes = [e["detail"] for e in events(doc, "alarm.notify", "primary.fleet_hot")]
    assert notes == ["OK: notified primary.ops", "ALARM: notified primary.ops", "OK: notified primary.ops"]


def test_an_alarm_without_modeled_data_stays_insufficient(doc):
    assert _states(doc, "primary.orders_errors") == []


def test_without_a_fault_the_alarm_never_fires():
    quiet = chaos("alarms.arch", duration=1200)
    assert [s[2] for s in _states(quiet, "primary.fleet_hot")] == ["OK"]


def test_a_route53_health_check_on_the_alarm_follows_its_state(doc):
    t_alarm, t_ok = _states(doc, "primary.fleet_hot")[1][0], _states(doc, "primary.fleet_hot")[2][0]
    (down,) = events(doc, "route53.health_check_unhealthy", "fleet_check")
    (up,) = events(doc, "route53.health_check_healthy", "fleet_check")
    assert (down["t"], up["t"]) == (t_alarm, t_ok)
    assert "in ALARM" in down["detail"]


def test_a_composite_alarm_follows_its_rule_over_its_members_and_notifies(doc):
    t_alarm, t_ok = _states(doc, "primary.fleet_hot")[1][0], _states(doc, "primary.fleet_hot")[2][0]
    page = _states(doc, "primary.page_on_call")
    assert page == [(180.0, "INSUFFICIENT_DATA", "OK"), (t_alarm, "OK", "ALARM"), (t_ok, "ALARM", "OK")]
    detail = events(doc, "alarm.state", "primary.page_on_call")[1]["detail"]
    assert "ALARM(fleet_hot) AND NOT ALARM(orders_errors) holds" in detail
    assert "fleet_hot ALARM, orders_errors INSUFFICIENT_DATA" in detail
    notes = [e["detail"] for e in events(doc, "alarm.notify", "primary.page_on_call")]
    assert notes == ["OK: notified primary.ops", "ALARM: notified primary.ops", "OK: notified primary.ops"]
    # AND over a member without data never holds: the other composite never leaves OK
    assert [s[2] for s in _states(doc, "primary.meltdown")] == ["OK"]


def test_the_secure_data_tier_example_scales_out_when_an_az_fails():
    example = chaos("secure_data_tier.arch", "az:us-east-1a", at=AT, duration=1200)
    states = _states(example, "primary.fleet_hot")
    assert [s[2] for s in states] == ["OK", "ALARM", "OK"]
    scaled = [e for e in events(example, "asg.desired", "primary.web_fleet") if "alarm" in e["detail"]]
    assert [(e["before"], e["after"]) for e in scaled] == [(6, 9)]
    # its composite pages only when the application fails too: the hot fleet alone leaves it OK
    assert [s[2] for s in _states(example, "primary.shop_degraded")] == ["OK"]
