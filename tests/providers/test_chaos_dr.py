"""DR plans judged by measurement (notes §25, facts "Resilience assessment vocabulary"): fail the
primary region, read the achieved RTO and RPO off the plan's service; reports snapshot-tested."""

from __future__ import annotations

import json
import re

import pytest

from archform.providers.simulated.chaos.faults import FaultSpec
from archform.providers.simulated.chaos.report import render_text
from chaosbench import chaos, events, service, value_at

REGION_LOSS = FaultSpec("region:us-east-1", 60.0)


def assessment(doc: dict, plan: str) -> dict:
    p = next(p for p in doc["dr_plans"] if p["address"] == plan)
    assert len(p["assessments"]) == 1
    return p["assessments"][0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warm_standby_meets_an_rto_of_ten_minutes(seed):
    doc = chaos("dr_warm_standby.arch", REGION_LOSS, seed=seed, duration=3600)
    a = assessment(doc, "shop_dr")
    assert a["disruption_type"] == "region" and a["recovered"]
    assert a["achieved_rto_seconds"] <= 600 and a["rto_met"]
    assert 0 < a["achieved_rpo_seconds"] < 1.0 and a["rpo_met"]  # Aurora Global: under a second of lag
    assert a["status"] == "PolicyMet" and doc["summary"]["exit_code"] == 0
    promoted = events(doc, "aurora.global_promoted", "standby.orders")
    started = events(doc, "aurora.global_promotion_started", "standby.orders")
    assert promoted and promoted[0]["t"] - started[0]["t"] < 60  # promoted in under a minute
    # the scaled-down copy grows to the primary's size
    assert value_at(service(doc, "standby.web_fleet"), 3599)[1] >= 3
    # a health check's verdict is said with the numbers that decided it: "4 of 15 checkers see it
    # healthy" for an unhealthy check (27%, above the 18% it names) counted the failed region's
    for e in events(doc, "route53.health_check_unhealthy") + events(doc, "route53.health_check_healthy"):
        seeing, of = re.match(r"(\d+) of (\d+) checkers see it healthy", e["detail"]).groups()
        assert (int(seeing) / int(of) > 0.18) == (e["event"] == "route53.health_check_healthy"), e["detail"]


def test_backup_and_restore_does_not_meet_an_rto_of_ten_minutes():
    doc = chaos("dr_backup_restore.arch", REGION_LOSS, duration=3600)
    a = assessment(doc, "shop")
    assert a["recovered"] and a["achieved_rto_seconds"] > 600 and not a["rto_met"]
    assert a["rpo_met"] and a["achieved_rpo_seconds"] > 3600  # the daily backup loses hours of writes
    assert a["status"] == "PolicyBreached"
    assert doc["summary"] == {**doc["summary"], "compliance": "PolicyBreached", "targets_met": False, "exit_code": 3}


def test_an_az_loss_is_judged_as_its_own_disruption_type():
    doc = chaos("dr_warm_standby.arch", "az:us-east-1a", duration=1800)
    a = assessment(doc, "shop_dr")
    assert a["disruption_type"] == "az" and a["rto_met"] and a["rpo_met"]
    assert a["achieved_rpo_seconds"] == 0.0  # nothing lost inside the region
    assert events(doc, "dr.runbook_started") == []  # an AZ is not a reason to leave the region


def test_a_plan_is_judged_per_fault_when_faults_compose():
    doc = chaos("dr_warm_standby.arch", FaultSpec("az:us-east-1b", 60.0, 600.0), FaultSpec("region:us-east-1", 1200.0),
                duration=3600)
    plan = doc["dr_plans"][0]
    assert [(a["fault"], a["disruption_type"]) for a in plan["assessments"]] == [("f1", "az"), ("f2", "region")]
    assert all(a["status"] == "PolicyMet" for a in plan["assessments"])


def test_the_same_seed_gives_the_same_report_and_another_seed_other_draws():
    one = chaos("dr_warm_standby.arch", REGION_LOSS, seed=7, duration=1800)
    again = chaos("dr_warm_standby.arch", REGION_LOSS, seed=7, duration=1800)
    other = chaos("dr_warm_standby.arch", REGION_LOSS, seed=8, duration=1800)
    assert json.dumps(one, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert json.dumps(one, sort_keys=True) != json.dumps(other, sort_keys=True)


def test_warm_standby_region_loss_report(snapshot):
    doc = chaos("dr_warm_standby.arch", REGION_LOSS, duration=1800)
    assert render_text(doc) == snapshot(name="text")


def test_backup_restore_region_loss_report(snapshot):
    doc = chaos("dr_backup_restore.arch", REGION_LOSS, duration=3600)
    assert render_text(doc) == snapshot(name="text")
    slim = {k: doc[k] for k in ("faults", "failovers", "data_loss", "dr_plans", "summary")}
    assert json.dumps(slim, indent=2, sort_keys=True) == snapshot(name="json")


def test_az_loss_timeline_of_a_fleet(snapshot):
    doc = chaos("fleet.arch", FaultSpec("az:us-east-1a", 60.0, 900.0), duration=1800)
    assert [f"{e['at']} {e['event']} {e['subject']}: {e['detail']}" for e in doc["timeline"]] == snapshot
    assert json.dumps(service(doc, "primary.web"), indent=2, sort_keys=True) == snapshot(name="web_service")


def test_a_global_secondary_whose_reader_is_lost_gets_a_new_instance():
    """The secure data tier's standby cluster has one instance, in eu-west-1a: losing that AZ
    silently stopped its reads for the whole fault. Like a primary without a replica, it now
    gets a new instance in a live AZ after AURORA_NEW_INSTANCE_SECONDS, and says so."""
    from archform.providers.simulated.chaos import figures
    doc = chaos("secure_data_tier.arch", "az:eu-west-1a", duration=3600, lengths={"az:eu-west-1a": 1200})
    (lost,) = events(doc, "aurora.no_reader", "standby.orders")
    (made,) = events(doc, "aurora.instance_created", "standby.orders")
    assert lost["t"] == 60.0 and made["t"] == 60.0 + figures.AURORA_NEW_INSTANCE_SECONDS
    assert "new reader instance in eu-west-1b" in made["detail"]
    reads = service(doc, "standby.orders", "reads")
    assert value_at(reads, 61)[0] == 0.0 and value_at(reads, made["t"] + 1)[0] == 1.0


def test_one_of_a_unit_is_said_in_the_singular():
    """The services table said "1 instances", "1 copies", "1 subscriptions"."""
    text = render_text(chaos("secure_data_tier.arch", "az:eu-west-1a", duration=1800))
    assert "1 instance → " in text and " 1 instances" not in text and " 1 copies" not in text
