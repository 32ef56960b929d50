"""Issue 16's databases losing an AZ: DocumentDB and Neptune fail over as Aurora does; an RDS
Proxy's clients are back on the new writer after a third of the failover its database's
endpoint clients wait (notes §7.1.6); an MSK cluster keeps taking writes on the replicas in
the other AZs, reports its under-replicated partitions, and recovers when the AZ returns."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT, LENGTH = 60.0, 1200.0


@pytest.fixture(scope="module")
def doc():
    return chaos("databases_more.arch", "az:us-east-1a", at=AT, duration=3600, lengths={"az:us-east-1a": LENGTH})


@pytest.mark.parametrize("address,prefix,to", [("primary.docs", "documentdb", "us-east-1b"),
                                               ("primary.graph", "neptune", "us-east-1c")])  # tier 0 first
def test_documentdb_and_neptune_promote_a_replica_within_thirty_seconds(doc, address, prefix, to):
    (started,) = events(doc, f"{prefix}.failover_started", address)
    (done,) = events(doc, f"{prefix}.failover_complete", address)
    assert started["t"] == AT
    low, high = figures.AURORA_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    assert to in done["detail"]
    writes = service(doc, address)
    assert value_at(writes, AT + 1)[0] == 0.0
    assert value_at(writes, done["t"] + 1) == (1.0, 4.0)  # 4 of 6 storage copies: still writing
    assert value_at(service(doc, address, "reads"), AT + 1)[0] == 1.0
    assert any(f["resource"] == address for f in doc["failovers"])


def test_a_proxy_s_clients_wait_a_third_of_the_failover(doc):
    (done,) = events(doc, "aurora.failover_complete", "primary.orders")
    (moved,) = events(doc, "rds_proxy.clients_moved", "primary.orders_pool")
    took = done["t"] - AT
    assert moved["t"] - AT == pytest.approx(took * (1 - figures.RDS_PROXY_FAILOVER_CUT), abs=0.05)
    pool, direct = service(doc, "primary.orders_pool"), service(doc, "primary.orders")
    assert value_at(pool, AT + 1)[0] == 0.0
    assert value_at(pool, moved["t"] + 0.01)[0] == 1.0 and value_at(direct, moved["t"] + 0.01)[0] == 0.0
    assert pool["outage_seconds"] < direct["outage_seconds"] / 2
    assert value_at(pool, AT + 1)[1] == 2.0  # its node in the lost AZ is gone, two serve


def test_an_msk_cluster_keeps_taking_writes_and_reports_under_replicated_partitions(doc):
    (down,) = events(doc, "msk.brokers_down", "primary.events")
    assert "b-1, b-4" in down["detail"]
    first = events(doc, "msk.under_replicated", "primary.events")[0]
    assert first["t"] == AT and "24 of 24 partitions are under-replicated" in first["detail"]
    assert "writes continue" in first["detail"]
    writes = service(doc, "primary.events")
    assert value_at(writes, AT + 1) == (1.0, 4.0)
    assert writes["outage_seconds"] == 0
    (recovered,) = events(doc, "msk.recovered", "primary.events")
    back = AT + LENGTH + figures.MSK_BROKER_RESTART_SECONDS
    assert back + figures.MSK_CATCH_UP_SECONDS[0] <= recovered["t"] <= back + figures.MSK_CATCH_UP_SECONDS[1]
    assert value_at(writes, recovered["t"] + 1) == (1.0, 6.0)


def test_two_azs_down_leave_msk_partitions_below_min_insync_replicas():
    doc = chaos("databases_more.arch", "az:us-east-1a", "az:us-east-1b", at=AT, duration=600)
    last = events(doc, "msk.under_replicated", "primary.events")[-1]
    assert "NotEnoughReplicas" in last["detail"]
    assert value_at(service(doc, "primary.events"), AT + 1)[0] == 0.0  # acks=all refused everywhere
    assert value_at(service(doc, "primary.events", "reads"), AT + 1)[0] == 1.0  # the last replica still reads
    assert value_at(service(doc, "primary.docs"), AT + 1)[0] == 0.0  # 2 of 6 copies: no quorum


def test_a_requested_failover_names_a_documentdb_cluster():
    from archform.providers.simulated.chaos.faults import FaultSpec
    doc = chaos("databases_more.arch", FaultSpec("rds-failover:primary.docs", AT, None), duration=600)
    (done,) = events(doc, "documentdb.failover_complete", "primary.docs")
    assert done["t"] > AT


def test_a_broker_fault_is_one_broker_and_automatic_recovery_replaces_it():
    doc = chaos("databases_more.arch", "primary.events/b-2", at=AT, duration=3600)
    (down,) = events(doc, "msk.brokers_down", "primary.events")
    assert "b-2" in down["detail"] and "1 broker down" in down["detail"]
    first = events(doc, "msk.under_replicated", "primary.events")[0]
    assert "12 of 24 partitions" in first["detail"]  # b-2 holds a replica of half the partitions
    (replaced,) = events(doc, "msk.broker_replaced", "primary.events")
    assert replaced["t"] == AT + figures.MSK_BROKER_REPLACE_SECONDS
    (back,) = events(doc, "msk.broker_back", "primary.events")
    assert back["t"] == replaced["t"]
    (recovered,) = events(doc, "msk.recovered", "primary.events")
    assert recovered["t"] > back["t"]
