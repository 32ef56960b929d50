"""The notes' claims, each measured by the failure engine on a small architecture with a fixed
seed (architectures in chaos_cases/, runs through tests/support/chaosbench.py)."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from archform.providers.simulated.chaos.faults import FaultSpec
from archform.providers.simulated.physical import layout
from archform.stdlib.types import size
from chaosbench import chaos, events, service, value_at

AT = 60.0


# --- Aurora: 6 copies over 3 AZs, 4 to write, 3 to read (notes §7.2.1) ---------------------------------

def test_an_az_loss_keeps_aurora_writing():
    doc = chaos("aurora_quorum.arch", "az:us-east-1a", duration=600)
    writes = service(doc, "primary.orders")
    failover = events(doc, "aurora.failover_complete")
    assert len(failover) == 1 and failover[0]["source"] == "us-east-1a" and failover[0]["target"] != "us-east-1a"
    took = failover[0]["t"] - AT
    assert 0 < took < 30  # a replica is promoted within 30 s
    assert value_at(writes, failover[0]["t"]) == (1.0, 4.0)  # writing again, on 4 of 6 copies
    assert value_at(writes, 599)[0] == 1.0
    assert events(doc, "aurora.quorum")[0]["copies"] == 4


def test_an_az_and_one_more_copy_keep_aurora_readable_only():
    doc = chaos("aurora_quorum.arch", "az:us-east-1a", "primary.orders/copy-3", duration=600)
    writes, reads = service(doc, "primary.orders"), service(doc, "primary.orders", "reads")
    assert value_at(writes, 599) == (0.0, 3.0)
    assert value_at(reads, 599)[0] == 1.0
    assert "3 of 6 storage copies live: reads only" in events(doc, "aurora.quorum")[-1]["detail"]
    assert doc["data_loss"] == []  # nothing lost: 3 copies still hold everything


def test_two_azs_down_leave_aurora_unavailable():
    doc = chaos("aurora_quorum.arch", "az:us-east-1a", "az:us-east-1b", duration=600)
    assert value_at(service(doc, "primary.orders", "reads"), 599)[0] == 0.0


# --- RDS Multi-AZ: failover in 60–120 s (facts) -----------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_multi_az_rds_recovers_within_60_to_120_seconds(seed):
    doc = chaos("rds_multi_az.arch", "az:us-east-1a", seed=seed, duration=900)
    done = events(doc, "rds.failover_complete", "primary.orders")
    assert len(done) == 1
    took = done[0]["t"] - AT
    assert 60 <= took <= 120
    orders = service(doc, "primary.orders")
    assert value_at(orders, AT + 1)[0] == 0.0 and value_at(orders, done[0]["t"])[0] == 1.0
    assert orders["outage_seconds"] == pytest.approx(took, abs=0.11)
    # the single-AZ database beside it stays down with its AZ
    assert value_at(service(doc, "primary.reports"), 899)[0] == 0.0
    assert doc["data_loss"] == []  # synchronous replication: nothing lost (notes §7.1.4)


def test_a_requested_rds_failover_moves_the_primary():
    doc = chaos("rds_multi_az.arch", "rds-failover:primary.orders", duration=600)
    done = events(doc, "rds.failover_complete")
    assert done and 60 <= done[0]["t"] - AT <= 120 and done[0]["source"] == "us-east-1a"


# --- NAT gateways die with their AZ (facts) ------------------------------------------------------------------

def test_a_single_nat_design_cuts_egress_for_the_other_azs_when_its_az_fails():
    doc = chaos("nat.arch", "az:us-east-1a", params={"nat": "single"}, duration=600)
    for az in ("us-east-1b", "us-east-1c"):
        assert value_at(service(doc, f"primary.net.private[{az}]"), 599)[0] == 0.0
    lost = events(doc, "egress.lost")
    assert lost and "primary.net.private[us-east-1b]" in lost[0]["subnets"]


def test_nat_per_az_keeps_egress_in_the_surviving_azs():
    doc = chaos("nat.arch", "az:us-east-1a", params={"nat": "per_zone"}, duration=600)
    for az in ("us-east-1b", "us-east-1c"):
        svc = service(doc, f"primary.net.private[{az}]")
        assert svc["served_fraction"] == 1.0
    assert events(doc, "egress.lost") == []


# --- Auto Scaling ----------------------------------------------------------------------------------------

def test_an_asg_restores_desired_capacity_in_the_surviving_azs():
    doc = chaos("fleet.arch", "az:us-east-1a", duration=900)
    fleet = service(doc, "primary.web_fleet")
    assert value_at(fleet, AT)[1] == 4.0  # two of six lost with the AZ
    launches = events(doc, "asg.launch", "primary.web_fleet")
    assert launches and set(launches[0]["azs"]) <= {"us-east-1b", "us-east-1c"}
    assert "skipping us-east-1a" in launches[0]["detail"]
    restored = next(t for t, _, c in fleet["series"] if t > AT and c == 6.0)
    assert restored - AT < 300
    web = service(doc, "primary.web")
    assert value_at(web, 899) == (1.0, 6.0)


def test_an_asg_rebalances_when_the_az_returns():
    doc = chaos("fleet.arch", FaultSpec("az:us-east-1a", AT, 600.0), duration=2400)
    rebalanced = events(doc, "asg.rebalance")
    assert rebalanced and all("to balance its AZs" in e["detail"] for e in rebalanced)
    fleet = service(doc, "primary.web_fleet")
    assert max(c for _, _, c in fleet["series"]) <= 12 * (1 + figures.REBALANCE_OVERSHOOT)
    assert value_at(fleet, 2399)[1] == 6.0
    launched_back = [e for e in events(doc, "asg.launch") if e["azs"] == ["us-east-1a"]]
    assert launched_back and launched_back[0]["t"] > AT + 600


def test_the_grace_period_holds_off_replacing_new_instances():
    # the replacements launched into us-east-1b for the first AZ loss lose their AZ while still
    # in their 1-minute grace period: they are replaced only once it is over
    doc = chaos("fleet.arch", FaultSpec("az:us-east-1a", AT), FaultSpec("az:us-east-1b", AT + 40), duration=900)
    first = events(doc, "asg.launch")[0]
    young = set(first["ids"])
    later = [e for e in events(doc, "asg.replace") if young & set(e["ids"])]
    assert later and all(e["t"] >= first["t"] + 60 for e in later)


def test_spot_interruptions_give_a_two_minute_notice():
    doc = chaos("fleet.arch", "spot-interruption", params={"purchase": "spot", "desired": "3"}, duration=900)
    notice = events(doc, "spot.interruption_notice")
    gone = [e for e in events(doc, "instance.terminated") if "spot interruption" in e["detail"]]
    assert notice and gone and gone[0]["t"] - notice[0]["t"] == figures.SPOT_NOTICE_SECONDS == 120
    assert value_at(service(doc, "primary.web_fleet"), 899)[1] == 3.0


def test_capacity_rebalancing_replaces_spot_instances_before_they_go():
    doc = chaos("fleet.arch", "spot-interruption",
                params={"purchase": "spot", "desired": "3", "capacity_rebalance": "true"}, duration=900)
    assert service(doc, "primary.web")["served_fraction"] == 1.0
    assert "capacity rebalancing" in events(doc, "asg.rebalance")[0]["detail"]


# --- hardware: hosts and racks ----------------------------------------------------------------------------

def test_instance_store_data_dies_with_its_host():
    rack = layout.rack_name("us-east-1a", 1, "m5d", 1)
    host = layout.host_id(rack, 1)  # the least-used host of the pool takes the first instance in the AZ
    doc = chaos("fleet.arch", f"host:{host}", params={"instance_type": "m5d.large"}, duration=600)
    assert doc["faults"][0]["affected"]["hosts"] == [host]
    lost = doc["data_loss"]
    assert len(lost) == 1 and lost[0]["gigabytes"] == 75.0 and "instance store" in lost[0]["what"]
    assert value_at(service(doc, "primary.web_fleet"), 599)[1] == 6.0  # the group replaced it


def test_a_rack_failure_takes_the_instances_on_its_hosts_only():
    rack = layout.rack_name("us-east-1a", 1, "m5", 1)
    doc = chaos("fleet.arch", f"rack:{rack}", duration=600)
    affected = doc["faults"][0]["affected"]
    assert affected["racks"] == [rack] and len(affected["instances"]) == 2
    assert value_at(service(doc, "primary.web_fleet"), AT)[1] == 4.0


# --- Route 53 (notes §8.4, facts) -----------------------------------------------------------------------

@pytest.mark.parametrize("interval,threshold", [("30s", 3), ("10s", 3), ("30s", 1)])
def test_route53_failover_flips_within_interval_times_threshold(interval, threshold):
    doc = chaos("dns_failover.arch", "east.web", params={"interval": interval, "threshold": str(threshold)},
                duration=900)
    every = 30.0 if interval == "30s" else 10.0
    flipped = events(doc, "route53.record_flipped", "www.example.com")
    assert flipped and "now west.web" in flipped[0]["detail"]
    assert flipped[0]["t"] - AT <= every * threshold
    unhealthy = events(doc, "route53.health_check_unhealthy", "east_web")
    assert unhealthy[0]["t"] == flipped[0]["t"]
    www = service(doc, "www.example.com")
    # clients follow one TTL later, then every request is answered again
    assert value_at(www, flipped[0]["t"] + figures.ALIAS_TTL_SECONDS)[0] == 1.0


def test_weighted_and_latency_records_drop_the_unhealthy_endpoint():
    doc = chaos("dns_failover.arch", "east.web", duration=900)
    for name in ("api.example.com", "app.example.com"):
        flip = events(doc, "route53.record_flipped", name)
        assert flip and flip[0]["target"] == "west.web"
        svc = service(doc, name)
        assert value_at(svc, AT + 1)[0] == pytest.approx(0.5)  # half the clients went east
        assert value_at(svc, 899)[0] == 1.0


def test_the_18_percent_rule_keeps_a_check_healthy_while_enough_checkers_see_it_healthy():
    from archform.providers.simulated.chaos.loops.route53 import Check, Route53

    class Rec:
        id, address, attrs = "hc", "hc", {"type": "http", "interval": "30s", "failure_threshold": 3}
    c = Check(Rec())
    r53 = Route53.__new__(Route53)
    r53.world = type("W", (), {"region_up": staticmethod(lambda r: True), "dirty": False})()
    r53.sim = type("S", (), {"log": staticmethod(lambda *a, **k: None)})()
    r53._reanswer = lambda: None
    for k, checker in enumerate(c.checkers):
        checker.healthy = k < 3  # 3 of 15 = 20% > 18%
    r53._evaluate(c)
    assert c.healthy
    c.checkers[2].healthy = False  # 2 of 15 = 13%
    r53._evaluate(c)
    assert not c.healthy


# --- ElastiCache (notes §7.5.2) -------------------------------------------------------------------------

def test_memcached_loses_data_on_a_node_failure_and_redis_multi_az_does_not():
    doc = chaos("caches.arch", "az:us-east-1a", duration=600)
    lost = {x["resource"]: x for x in doc["data_loss"]}
    assert set(lost) == {"primary.sessions"}
    assert lost["primary.sessions"]["fraction"] == pytest.approx(1 / 3, abs=1e-3)
    redis = events(doc, "cache.failover_complete", "primary.leaderboard")
    assert redis and "with the shard's data" in redis[0]["detail"]
    assert value_at(service(doc, "primary.leaderboard"), 599)[0] == 1.0
    assert value_at(service(doc, "primary.sessions"), 599)[0] == pytest.approx(2 / 3, abs=1e-3)


# --- storage: EBS bound to its AZ, EFS regional or one zone, S3 regional --------------------------------

def test_storage_survives_what_its_scope_survives(builder, cloud):
    from archform.providers.simulated.chaos.engine import run as run_engine
    r = builder.ref
    builder.add("main", "vpc", cidr="10.0.0.0/16")
    builder.add("a", "subnet", vpc=r("main"), cidr="10.0.1.0/24", az="us-east-1a")
    builder.add("b", "subnet", vpc=r("main"), cidr="10.0.2.0/24", az="us-east-1b")
    builder.add("vol", "ebs_volume", az="us-east-1a", size=size("10GiB"))
    builder.add("shared", "efs", subnets=[r("a"), r("b")])
    builder.add("scratch", "efs", availability="one_zone", az="us-east-1a", subnets=[r("a")])
    builder.add("bucket", "s3_bucket")
    builder.add("table", "dynamodb_table", hash_key="id", replicas=["eu-west-1"])
    doc = run_engine(cloud.store, [FaultSpec("az:us-east-1a", AT)], duration=300)
    served = {s["address"]: value_at(s, 299)[0] for s in doc["services"]}
    assert served == {"vol": 0.0, "shared": 1.0, "scratch": 0.0, "bucket": 1.0, "table": 1.0}
    doc = run_engine(cloud.store, [FaultSpec("region:us-east-1", AT)], duration=300)
    served = {s["address"]: value_at(s, 299)[0] for s in doc["services"]}
    assert served["bucket"] == 0.0 and served["shared"] == 0.0
    assert served["table"] == 1.0  # a global table answers in its other region (notes §16.2.4)
