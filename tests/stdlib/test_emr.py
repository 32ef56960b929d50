"""EMR clusters, Keyspaces and Timestream (issue 16): the defaults a user gets, the warnings
a user should see (the master or core nodes on spot, Timestream's maintenance mode), and task
nodes on spot are fine. Each error limit has its snapshot in tests/dsl/invalid/."""

from __future__ import annotations

from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = a }
%s
}
'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [(d.severity, d.summary) for d in diags if d.is_error or d.severity == "warning"]


def test_a_cluster_with_spot_task_nodes_is_fine_and_gets_emr_s_defaults():
    desired, found = diagnose("  emr_cluster etl {\n    subnet = a\n    task { count = 4, market = spot }\n  }")
    assert found == []
    m = desired.resources["east.etl"].model
    assert (m.release_label, m.applications, m.master.count, m.core.count, m.core.market) == \
        ("emr-7.5.0", ["spark"], 1, 2, "on_demand")
    assert (m.termination_protection, m.keep_alive, m.service_role, m.instance_role) == (False, True, None, None)


def test_the_master_on_spot_and_core_nodes_on_spot_are_warned():
    _, found = diagnose("  emr_cluster etl {\n    subnet = a\n    master { market = spot }\n"
                        "    core { count = 2, market = spot }\n  }")
    assert [s for s, _ in found] == ["warning", "warning"]
    assert "terminates the whole cluster" in found[0][1]
    assert "HDFS blocks" in found[1][1]


def test_keyspaces_tables_recover_to_a_point_in_time_by_default():
    desired, found = diagnose('  keyspaces_keyspace ks {}\n  keyspaces_table t {\n    keyspace = ks\n'
                              '    columns = { id = uuid, at = timestamp }\n    partition_key = [id]\n'
                              '    clustering_key = [at]\n  }')
    assert found == []
    t = desired.resources["east.t"].model
    assert (t.point_in_time_recovery, t.capacity, t.kms_key) == (True, "on_demand", None)


def test_timestream_is_warned_as_closed_to_new_customers_and_keeps_a_day_in_memory():
    desired, found = diagnose("  timestream_database metrics {}\n  timestream_table cpu_load { database = metrics }")
    (only,) = found
    assert only[0] == "warning" and "maintenance mode since 2025-06-20" in only[1]
    t = desired.resources["east.cpu_load"].model
    assert (t.memory_retention.seconds, t.magnetic_retention.seconds) == (86400, 365 * 86400)
