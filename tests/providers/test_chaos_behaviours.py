"""More behaviours of the failure engine: read-replica promotion, Aurora without a replica,
cross-zone defaults, cooldowns, the FIS scenarios, the clock itself."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from archform.providers.simulated.chaos.events import Simulation
from archform.providers.simulated.chaos.faults import POWER_INTERRUPTION_SECONDS, FaultSpec
from chaosbench import chaos, events, service, value_at

AT = 60.0


# --- the clock ----------------------------------------------------------------------------------------

def test_events_run_in_time_order_and_same_time_events_in_the_order_scheduled():
    sim = Simulation(seed=1)
    seen = []
    sim.at(5, seen.append, "b")
    sim.at(1, seen.append, "a")
    sim.at(5, seen.append, "c")
    sim.after(3, lambda: sim.after(1, seen.append, "nested"))
    sim.run(10)
    assert seen == ["a", "nested", "b", "c"] and sim.now == 10 and sim.processed == 5


def test_random_streams_are_seeded_by_name_and_independent():
    one, two = Simulation(seed=3), Simulation(seed=3)
    one.rng("unrelated").random()  # drawing from another stream changes nothing here
    assert one.draw("rds-failover/x", (60, 120)) == two.draw("rds-failover/x", (60, 120))
    assert Simulation(seed=4).draw("rds-failover/x", (60, 120)) != two.draw("rds-failover/y", (60, 120))


def test_nothing_sleeps_an_hour_of_virtual_time_takes_no_wall_time():
    import time
    started = time.perf_counter()
    chaos("fleet.arch", "az:us-east-1a", duration=3600)
    assert time.perf_counter() - started < 30  # generous: it is the apply that takes the time


# --- databases --------------------------------------------------------------------------------------

def test_pilot_light_promotes_the_cross_region_read_replica():
    doc = chaos("dr_pilot_light.arch", "region:us-east-1", duration=3600)
    started = events(doc, "rds.promotion_started", "standby.orders")
    promoted = events(doc, "rds.promoted", "standby.orders")
    assert started and promoted and promoted[0]["t"] - started[0]["t"] == pytest.approx(
        figures.RDS_REPLICA_PROMOTION_SECONDS)
    lag = promoted[0]["lag"]
    assert figures.RDS_REPLICA_LAG_SECONDS[0] <= lag <= figures.RDS_REPLICA_LAG_SECONDS[1]
    a = doc["dr_plans"][0]["assessments"][0]
    assert a["achieved_rpo_seconds"] == pytest.approx(lag, abs=0.1) and a["status"] == "PolicyMet"
    assert value_at(service(doc, "standby.fleet"), 3599)[1] == 2.0  # scaled to the primary's size


def test_aurora_without_a_replica_creates_a_new_instance():
    doc = chaos("aurora_quorum.arch", "primary.orders/writer", duration=1800)
    # two instances: a replica takes over within 30 s
    assert events(doc, "aurora.failover_complete")
    doc = chaos("aurora_single.arch", "primary.orders/writer", duration=1800)
    created = events(doc, "aurora.instance_created")
    assert created and created[0]["t"] - AT == pytest.approx(figures.AURORA_NEW_INSTANCE_SECONDS)
    assert value_at(service(doc, "primary.orders"), created[0]["t"])[0] == 1.0


# --- load balancing ---------------------------------------------------------------------------------

def test_cross_zone_is_on_for_an_alb_and_off_for_an_nlb():
    rack = "rack:us-east-1a-dc1-m5-r01"  # both instances of us-east-1a
    alb = chaos("cross_zone.arch", rack, params={"lb_type": "application"}, duration=900)
    nlb = chaos("cross_zone.arch", rack, params={"lb_type": "network"}, duration=900)
    assert alb["faults"][0]["affected"]["instances"] and len(alb["faults"][0]["affected"]["instances"]) == 2
    assert events(alb, "lb.node_out_of_dns") == []
    dropped = events(nlb, "lb.node_out_of_dns")
    assert dropped and "cross-zone load balancing is off" in dropped[0]["detail"]
    served = {name: service(d, "primary.web")["served_fraction"] for name, d in (("alb", alb), ("nlb", nlb))}
    assert served["nlb"] < served["alb"] < 1.0


# --- Auto Scaling cooldown ------------------------------------------------------------------------------

def test_target_tracking_waits_its_cooldown_between_scaling_activities():
    from archform.planner.rehearsal import fresh_cloud
    from archform.providers.simulated.chaos.engine import Run
    from chaosbench import EXAMPLES
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        cloud, _ = fresh_cloud(EXAMPLES / "dr_warm_standby.arch", {}, 0, folder)
        run = Run(cloud.store, [], duration=1200.0)
        cloud.close()
    w = run.world
    group = next(g for g in w.asg.groups if g.address == "primary.web_fleet")
    assert group.cooldown == 300.0 and group.target == 0.4  # the catalogue's default cooldown (notes §6.4.3)
    for loop in w.loops:
        loop.start()
    run.traffic.start()
    run.traffic.update = lambda: None  # the test sets the load by hand
    group.demand = 2.4  # twice the load it was sized for: 6 instances at 40%
    run.sim.run(120)
    assert group.desired == 6
    group.demand = 4.0  # more again, within the cooldown: no new activity yet
    run.sim.run(group.last_scaling + group.cooldown - 1)
    assert group.desired == 6
    run.sim.run(group.last_scaling + group.cooldown + figures.SCALING_EVALUATION_SECONDS)
    assert group.desired == 10


# --- FIS scenarios ------------------------------------------------------------------------------------

def test_an_az_power_interruption_lasts_thirty_minutes_then_recovers():
    doc = chaos("fleet.arch", "az-power-interruption:us-east-1b", duration=3600)
    f = doc["faults"][0]
    assert f["end"] - f["start"] == POWER_INTERRUPTION_SECONDS == 1800 and f["disruption_type"] == "az"
    assert events(doc, "fault.end")[0]["t"] == AT + 1800
    assert events(doc, "lb.node_up", "primary.web")
    assert value_at(service(doc, "primary.web_fleet"), 3599)[1] == 6.0


def test_insufficient_capacity_in_an_az_sends_launches_elsewhere():
    doc = chaos("fleet.arch", FaultSpec("insufficient-capacity:us-east-1b", 30.0), FaultSpec("az:us-east-1a", AT),
                duration=900)
    launches = events(doc, "asg.launch")
    assert launches and launches[0]["azs"] == ["us-east-1c"]
    assert "skipping us-east-1a, us-east-1b: unavailable" in launches[0]["detail"]
    assert value_at(service(doc, "primary.web_fleet"), 899)[1] == 6.0


def test_a_launch_that_finds_no_az_says_which_are_down_and_which_are_out_of_capacity():
    """With us-east-1a down and 1b and 1c out of capacity, the failed launch said
    "InsufficientInstanceCapacity in us-east-1a, us-east-1b, us-east-1c": the down AZ was
    blamed on capacity."""
    doc = chaos("fleet.arch", FaultSpec("insufficient-capacity:us-east-1b", 30.0),
                FaultSpec("insufficient-capacity:us-east-1c", 30.0), FaultSpec("az:us-east-1a", AT), duration=300)
    (failed,) = events(doc, "asg.launch_failed", "primary.web_fleet")
    assert ": InsufficientInstanceCapacity in us-east-1b, us-east-1c; us-east-1a is down; trying again" \
        in failed["detail"]
    assert failed["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_a_resource_fault_can_end():
    doc = chaos("rds_multi_az.arch", FaultSpec("primary.reports", AT, 300.0), duration=1200)
    reports = service(doc, "primary.reports")
    assert value_at(reports, AT + 1)[0] == 0.0
    back = events(doc, "rds.available", "primary.reports")
    assert back and back[0]["t"] == AT + 300 + figures.RESTART_AFTER_ZONE_SECONDS


# --- queues, topics and functions ------------------------------------------------------------------

def test_a_function_in_a_vpc_loses_the_subnet_of_a_failed_az_and_keeps_serving():
    doc = chaos("serverless.arch", "az:us-east-1a", duration=600)
    worker, plain = service(doc, "primary.worker"), service(doc, "primary.plain")
    assert value_at(worker, AT + 1) == (1.0, 0.5)  # runs on in us-east-1b
    assert value_at(plain, AT + 1) == (1.0, 1.0)  # outside a VPC: Lambda's own AZs
    assert value_at(service(doc, "primary.jobs"), AT + 1) == (1.0, 1.0)
    assert value_at(service(doc, "primary.feed"), AT + 1) == (1.0, 1.0)
    assert events(doc, "lambda.available", "primary.worker")


def test_a_function_without_a_live_subnet_stops_its_mapping():
    doc = chaos("serverless.arch", "az:us-east-1a", "az:us-east-1b", duration=600)
    assert value_at(service(doc, "primary.worker"), AT + 1) == (0.0, 0.0)
    assert value_at(service(doc, "primary.feed"), AT + 1) == (0.0, 0.0)
    assert value_at(service(doc, "primary.jobs"), AT + 1) == (1.0, 1.0)


def test_a_topic_keeps_delivering_to_the_regions_that_are_up():
    doc = chaos("serverless.arch", "region:eu-west-1", duration=600)
    assert value_at(service(doc, "primary.events"), AT + 1) == (0.5, 0.5)
    assert value_at(service(doc, "ireland.copy"), AT + 1) == (0.0, 0.0)


@pytest.mark.parametrize("arch, target, down_event", [
    ("fargate_service.arch", "primary.orders/writer", "aurora.no_replica"),  # Aurora: the writer part
    ("fargate_service.arch", "primary.orders", "aurora.no_replica"),         # the cluster: its writer
    ("mq_broker.arch", "primary.orders", "mq.down"),                         # a broker: its active instance
])
def test_the_end_of_a_fault_on_a_role_mends_the_member_it_hit(arch, target, down_event):
    """A fault on `/writer` hit the writer; after the failover, its end mended the new writer
    (making it -1 broken) and left the old one broken: "its writer is down (the fault ended)",
    10 minutes without writes. The end now mends the member the start hit."""
    doc = chaos(arch, target, duration=1800, lengths={target: 600})
    assert events(doc, down_event) == []
    served = service(doc, "primary.orders")
    assert value_at(served, AT + 601)[0] == 1.0 and served["served_fraction"] > 0.99
    if arch == "fargate_service.arch":
        reads = service(doc, "primary.orders", "reads")
        assert value_at(reads, AT + 601)[1] == value_at(reads, AT - 1)[1]  # the old writer back, as a reader


def test_a_standalone_instance_on_failed_hardware_is_recovered_onto_another_host():
    """Simplified automatic recovery is on by default for EBS-only instance types: a standalone
    instance whose host loses power moves to new hardware in its AZ after two failed system
    status checks and reboots there (it waited for the same host to come back). A fault on the
    instance itself is not a hardware failure: nothing moves it."""
    rack = "rack:us-east-1a-dc1-t3-r01"  # both of the example's instances
    doc = chaos("hybrid_network.arch", rack, duration=1800, lengths={rack: 600})
    recovered = {e["subject"]: e for e in events(doc, "instance.recovered")}
    assert set(recovered) == {"primary.app_server", "primary.db_server"}
    assert all(e["t"] == AT + figures.AUTO_RECOVERY_SECONDS for e in recovered.values())
    app = service(doc, "primary.app_server")
    assert app["outage_seconds"] == figures.AUTO_RECOVERY_SECONDS + figures.BOOT_SECONDS  # not the 10 minutes
    itself = chaos("hybrid_network.arch", "primary.app_server", duration=1800)
    assert events(itself, "instance.recovered") == []
