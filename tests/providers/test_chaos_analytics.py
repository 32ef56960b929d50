"""Redshift and OpenSearch losing an AZ or a region (notes §19.2.2, §19.3): a single-AZ cluster
is restored from its last automated snapshot in another AZ, and the report measures the data
loaded since that snapshot (the RPO) and the restore (the RTO); a Multi-AZ cluster fails over
with nothing lost; a cluster copying its snapshots is restored in the destination region when
its own is lost. A domain without zone awareness is lost with its AZ, a zone-aware one keeps
serving (yellow, then green), one with a standby promotes it with no loss of availability."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT = 60.0


@pytest.fixture(scope="module")
def az():
    return chaos("analytics_failures.arch", "az:us-east-1a", at=AT, duration=7200)


@pytest.fixture(scope="module")
def region():
    return chaos("analytics_failures.arch", "region:us-east-1", at=AT, duration=7200)


def test_a_single_az_cluster_is_restored_from_its_last_snapshot_and_the_rpo_is_measured(az):
    (started,) = events(az, "redshift.restore_started", "primary.single")
    (restored,) = events(az, "redshift.restored", "primary.single")
    rpo = started["rpo"]
    assert 0 < rpo < figures.REDSHIFT_SNAPSHOT_SECONDS
    (loss,) = [l for l in az["data_loss"] if l["resource"] == "primary.single"]
    assert loss["seconds"] == pytest.approx(rpo)
    low, high = figures.REDSHIFT_RESTORE_SECONDS
    assert low <= restored["t"] - AT <= high
    assert "us-east-1b" in restored["detail"]
    single = service(az, "primary.single")
    assert value_at(single, AT + 1)[0] == 0.0
    assert value_at(single, restored["t"] + 1)[0] == 1.0


def test_the_rpo_follows_the_snapshot_schedule_not_the_fault_time():
    later = chaos("analytics_failures.arch", "az:us-east-1a", at=AT + 3600, duration=7200)
    (now,) = [l for l in later["data_loss"] if l["resource"] == "primary.single"]
    early = chaos("analytics_failures.arch", "az:us-east-1a", at=AT, duration=7200)
    (then,) = [l for l in early["data_loss"] if l["resource"] == "primary.single"]
    assert (now["seconds"] - then["seconds"]) % figures.REDSHIFT_SNAPSHOT_SECONDS == pytest.approx(3600)


def test_a_multi_az_cluster_fails_over_without_losing_data(az):
    (done,) = events(az, "redshift.failover_complete", "primary.multi")
    low, high = figures.REDSHIFT_MULTI_AZ_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    assert not [l for l in az["data_loss"] if l["resource"] == "primary.multi"]
    assert value_at(service(az, "primary.multi"), done["t"] + 1) == (1.0, 1.0)


def test_a_region_lost_restores_the_cluster_from_its_copied_snapshot(region):
    (restored,) = events(region, "redshift.restored", "primary.single")
    assert "us-west-2" in restored["detail"]
    assert value_at(service(region, "primary.single"), restored["t"] + 1)[0] == 1.0
    (down,) = events(region, "redshift.down", "primary.multi")
    assert "no snapshot copy" in down["detail"]


def test_a_domain_without_zone_awareness_is_lost_with_its_az(az):
    (red,) = events(az, "opensearch.red", "primary.one_az")
    assert "without zone awareness" in red["detail"]
    assert value_at(service(az, "primary.one_az"), AT + 1) == (0.0, 0.0)


def test_a_zone_aware_domain_keeps_serving_yellow_then_green(az):
    aware = service(az, "primary.aware")
    assert value_at(aware, AT + 1) == (1.0, 2.0)
    assert events(az, "opensearch.yellow", "primary.aware")
    (green,) = events(az, "opensearch.green", "primary.aware")
    low, high = figures.OPENSEARCH_RECOVERY_SECONDS
    assert low <= green["t"] - AT <= high
    assert not events(az, "opensearch.red", "primary.aware")


def test_a_domain_with_standby_promotes_it_with_no_loss_of_availability(az):
    standby = service(az, "primary.standby")
    assert value_at(standby, AT + 1) == (1.0, 2.0)
    (promoted,) = events(az, "opensearch.standby_promoted", "primary.standby")
    assert "us-east-1c" in promoted["detail"]
    assert not events(az, "opensearch.yellow", "primary.standby")


def test_the_analytics_example_keeps_answering_with_an_az_down():
    doc = chaos("analytics.arch", "az:us-east-1a", at=AT, duration=1800)
    (done,) = events(doc, "redshift.failover_complete", "primary.warehouse")
    assert value_at(service(doc, "primary.warehouse"), done["t"] + 1)[0] == 1.0
    assert events(doc, "opensearch.standby_promoted", "primary.search")
    assert value_at(service(doc, "primary.search"), AT + 1)[0] == 1.0
    for address in ("primary.analysts", "primary.clicks_crawler", "primary.clicks_to_lake", "primary.clicks_to_search"):
        assert value_at(service(doc, address), AT + 1)[0] == 1.0
    assert doc["data_loss"] == []


def test_firehose_stops_delivering_while_its_domain_is_red():
    doc = chaos("analytics_delivery.arch", "az:us-east-1a", at=AT, duration=1800)
    (red,) = events(doc, "opensearch.red", "primary.search")
    delivery = service(doc, "primary.to_search")
    assert value_at(delivery, AT - 1)[0] == 1.0
    assert value_at(delivery, AT + 1)[0] == 0.0


def test_a_fault_on_one_data_node_leaves_a_zone_aware_domain_yellow():
    doc = chaos("analytics_failures.arch", "primary.aware/data-1", at=AT, duration=1800)
    (yellow,) = events(doc, "opensearch.yellow", "primary.aware")
    assert "1 of 3 data nodes" in yellow["detail"]
    assert value_at(service(doc, "primary.aware"), AT + 1) == (1.0, 2.0)


def test_a_dr_plan_over_a_warehouse_measures_its_restore_and_its_snapshot_loss():
    doc = chaos("analytics_dr.arch", "region:us-east-1", at=AT, duration=3 * 3600)
    (loss,) = [l for l in doc["data_loss"] if l["resource"] == "primary.warehouse"]
    (restored,) = events(doc, "redshift.restored", "primary.warehouse")
    (plan,) = doc["dr_plans"]
    (judged,) = plan["assessments"]
    assert judged["achieved_rpo_seconds"] == pytest.approx(loss["seconds"])
    assert judged["achieved_rto_seconds"] == pytest.approx(restored["t"] - AT, abs=1.0)
    assert judged["status"] == "PolicyMet"


def test_a_two_az_domain_losing_the_az_of_two_of_its_three_masters_goes_red(az):
    (red,) = events(az, "opensearch.red", "primary.two_zones")
    assert "no majority of its dedicated masters" in red["detail"]
    assert value_at(service(az, "primary.two_zones"), AT + 1) == (0.0, 1.0)
