"""The modeled cloud's EMR clusters, Keyspaces and Timestream: an EMR cluster's instances land
on hosts of its subnet's AZ, by group and market, and a resize launches or terminates them;
RunJobFlow refuses two masters. Keyspaces and Timestream tables are named within their keyspace
(database), as CloudFormation's Ref gives them, and their APIs refuse what AWS's refuse."""

from __future__ import annotations

import pytest

from archform.providers.base import InvalidParameter
from archform.stdlib.types import dur


def test_an_emr_cluster_places_its_groups_on_hosts_of_its_az(network, cloud):
    r = network.ref
    etl = network.add("etl", "emr_cluster", subnet=r("a"), applications=["spark"],
                      master={"instance_type": "m5.xlarge", "count": 1, "market": "on_demand"},
                      core={"instance_type": "m5.xlarge", "count": 2, "market": "on_demand"},
                      task={"instance_type": "m5.2xlarge", "count": 3, "market": "spot"})
    assert etl.id.startswith("j-") and len(etl.id) == 15 and etl.id[2:].isupper()
    assert etl.outputs["arn"] == f"arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/{etl.id}"
    assert etl.outputs["instances"] == {"master": 1, "core": 2, "task": 3}
    assert etl.outputs["az"] == "us-east-1a" and etl.outputs["master_dns"].startswith("ip-10-0-1-")
    with cloud.store.reading() as tx:
        rows = tx.conn.execute("SELECT p.az, p.instance_type, r.role FROM placements p JOIN resources r "
                               "ON r.id = p.instance WHERE r.owner = ?", (etl.id,)).fetchall()
    assert sorted(rows) == sorted([("us-east-1a", "m5.xlarge", "emr-master")] +
                                  [("us-east-1a", "m5.xlarge", "emr-core")] * 2 +
                                  [("us-east-1a", "m5.2xlarge", "emr-task")] * 3)
    grown = cloud.update("emr_cluster", etl.id, {**etl.attrs, "task": {**etl.attrs["task"], "count": 1}}, ["task"])
    assert grown.outputs["instances"] == {"master": 1, "core": 2, "task": 1}
    with pytest.raises(InvalidParameter) as e:
        network.add("two", "emr_cluster", subnet=r("a"), master={"instance_type": "m5.xlarge", "count": 2})
    assert e.value.code == "ValidationException" and "1 or 3" in str(e.value)


def test_keyspaces_and_timestream_tables_are_named_in_their_parent(network, cloud):
    r = network.ref
    ks = network.add("ks", "keyspaces_keyspace", name="telemetry", regions=["us-east-1", "us-west-2"])
    assert ks.outputs["replication_strategy"] == "MULTI_REGION"
    assert ks.outputs["arn"] == "arn:aws:cassandra:us-east-1:123456789012:/keyspace/telemetry/"
    t = network.add("t", "keyspaces_table", keyspace=r("ks"), name="readings", columns={"id": "uuid"},
                    partition_key=["id"])
    assert t.id == "arn:aws:cassandra:us-east-1:123456789012:/keyspace/telemetry/table/readings" and t.outputs["capacity_mode"] == "PAY_PER_REQUEST"
    assert t.outputs["point_in_time_recovery"] == "ENABLED" and t.outputs["encryption"] == "AWS_OWNED_KMS_KEY"
    with pytest.raises(InvalidParameter) as e:
        network.add("lone", "keyspaces_keyspace", regions=["us-west-2", "eu-west-1"])
    assert "current Region" in str(e.value)
    with pytest.raises(InvalidParameter):
        network.add("p", "keyspaces_table", keyspace=r("ks"), columns={"id": "uuid"}, partition_key=["id"],
                    capacity="provisioned", read_capacity=5)
    db = network.add("db", "timestream_database", name="metrics")
    assert db.outputs["kms_key"].endswith(":alias/aws/timestream")
    cpu = network.add("cpu", "timestream_table", database=r("db"), name="cpu", memory_retention=dur("12h"),
                      magnetic_retention=dur("30d"))
    assert cpu.id == "arn:aws:timestream:us-east-1:123456789012:database/metrics/table/cpu" and (cpu.outputs["memory_store_hours"], cpu.outputs["magnetic_store_days"]) == (12, 30)
    with pytest.raises(InvalidParameter) as e:
        cloud.update("timestream_table", cpu.id, {**cpu.attrs, "memory_retention": "9000h"}, ["memory_retention"])
    assert "between 1 and 8766" in str(e.value)
