"""EMR, Keyspaces and Timestream in chaos runs (issue 16): a spot interruption gives the EMR
cluster's task nodes their two-minute notice, then takes them; the cluster keeps running on its
core nodes and the task group replaces them. Core nodes on spot take the HDFS blocks they alone
held. Losing the cluster's AZ ends the cluster (EMR runs in one AZ), and it does not come back
with the AZ; Keyspaces and Timestream, kept in three AZs by AWS, keep serving."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT = 60.0


@pytest.fixture(scope="module")
def spot():
    return chaos("emr.arch", "spot-interruption:primary.etl", at=AT, duration=1800)


@pytest.fixture(scope="module")
def az():
    return chaos("emr.arch", "az:us-east-1a", at=AT, duration=1800, lengths={"az:us-east-1a": 600.0})


def test_a_spot_interruption_loses_the_task_nodes_after_two_minutes_and_the_cluster_runs_on(spot):
    (notice,) = events(spot, "spot.interruption_notice", "primary.etl")
    assert notice["t"] == AT and "4 spot instances" in notice["detail"]
    (lost,) = events(spot, "emr.task_nodes_lost", "primary.etl")
    assert lost["t"] == AT + figures.SPOT_NOTICE_SECONDS
    assert "keeps running on 2 core" in lost["detail"]
    etl = service(spot, "primary.etl")
    assert etl["nominal_capacity"] == 6.0
    assert value_at(etl, lost["t"] + 1) == (pytest.approx(2 / 6), 2.0)
    assert etl["outage_seconds"] == 0  # never down: the master and core nodes run throughout
    assert not [e for e in events(spot, "emr.cluster_terminated")]
    assert not [x for x in spot["data_loss"] if x["resource"] == "primary.etl"]  # task nodes hold no HDFS


def test_the_task_group_replaces_its_interrupted_nodes(spot):
    replaced = events(spot, "emr.node_replaced", "primary.etl")
    assert len(replaced) == 4
    low, high = figures.EMR_REPLACE_SECONDS
    lost_at = AT + figures.SPOT_NOTICE_SECONDS
    assert all(low <= e["t"] - lost_at <= high for e in replaced)
    etl = service(spot, "primary.etl")
    assert value_at(etl, lost_at + high + figures.BOOT_SECONDS + 1) == (1.0, 6.0)


def test_spot_core_nodes_take_their_hdfs_blocks_with_them():
    doc = chaos("emr.arch", "spot-interruption:primary.scratch", at=AT, duration=900)
    (lost,) = events(doc, "emr.core_nodes_lost", "primary.scratch")
    assert lost["t"] == AT + figures.SPOT_NOTICE_SECONDS
    (gone,) = [x for x in doc["data_loss"] if x["resource"] == "primary.scratch"]
    assert "dfs.replication = 1" in gone["what"] and gone["fraction"] == 1.0  # 2 of 2 core nodes, one replica each


def test_losing_the_az_ends_the_cluster_for_good(az):
    (ended,) = events(az, "emr.cluster_terminated", "primary.etl")
    assert ended["t"] == AT and "runs in one AZ (us-east-1a)" in ended["detail"]
    etl = service(az, "primary.etl")
    assert value_at(etl, AT + 1) == (0.0, 0.0)
    assert value_at(etl, 1700) == (0.0, 0.0)  # the AZ came back at 660 s; the cluster does not
    (gone,) = [x for x in az["data_loss"] if x["resource"] == "primary.etl"]
    assert gone["fraction"] == 1.0
    scratch = service(az, "primary.scratch")  # in us-east-1b: untouched
    assert scratch["outage_seconds"] == 0


@pytest.mark.parametrize("address,kind", [("primary.readings", "keyspaces_table"), ("primary.telemetry", "keyspaces_keyspace"),
                                          ("primary.cpu_load", "timestream_table"),
                                          ("primary.metrics_db", "timestream_database")])
def test_keyspaces_and_timestream_keep_serving_without_an_az(az, address, kind):
    assert service(az, address)["outage_seconds"] == 0
    (said,) = events(az, f"{kind}.unaffected", address)
    assert "three AZs" in said["detail"]
