"""The physical world under the modeled cloud and where instances land on it (notes §1.1,
§3.7.1, §4.3, §5.3; aws-facts "Placement"): hosts per family, placement policies, placement
groups, dedicated tenancy, insufficient capacity — on a real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from archform.providers.base import Conflict, InsufficientCapacity, InvalidParameter
from archform.providers.simulated.physical import layout
from archform.stdlib import instance_types
from archform.stdlib.regions import REGIONS


def placements(cloud) -> dict[str, dict]:
    with cloud.store.reading() as tx:
        rows = tx.conn.execute("SELECT instance, host, az, dc, rack, rack_index, family, instance_type, tenancy, "
                               "group_id, partition FROM placements").fetchall()
    names = ("instance", "host", "az", "dc", "rack", "rack_index", "family", "type", "tenancy", "group", "partition")
    return {r[0]: dict(zip(names, r)) for r in rows}


def hosts(cloud) -> dict[str, dict]:
    with cloud.store.reading() as tx:
        rows = tx.conn.execute("SELECT id, az, rack, family, vcpus, memory, used_vcpus, used_memory, instances, "
                               "tenancy FROM hosts").fetchall()
    names = ("id", "az", "rack", "family", "vcpus", "memory", "used_vcpus", "used_memory", "instances", "tenancy")
    return {r[0]: dict(zip(names, r)) for r in rows}


def add_instances(b, handle: str, n: int, subnet: str = "a", **launch):
    launch.setdefault("instance_type", "m5.large")
    return [b.add(f"{handle}{i}", "instance", ami="ami-1", subnet=b.ref(subnet), **launch) for i in range(n)]


# --- the physical world ----------------------------------------------------------------------------

def test_regions_keep_their_real_az_counts():
    assert len(REGIONS["us-east-1"].zones) == 6 and len(REGIONS["eu-west-1"].zones) == 3


def test_a_host_has_its_familys_largest_size_and_pools_are_data_centres_of_racks():
    m5 = layout.host_shape("m5")
    assert (m5.vcpus, m5.memory_gib) == (96, 384.0)  # m5.metal: a dedicated host of the family
    assert layout.host_shape("u-24tb1").vcpus == 448
    t3 = layout.host_shape("t3")  # burstable: several of its largest size on one host
    assert t3.vcpus >= 48 and t3.vcpus % instance_types.lookup("t3.2xlarge").vcpus == 0
    pool = layout.pool("us-east-1a", "m5")
    assert len({h.dc for h in pool}) == layout.DATA_CENTRES_PER_AZ
    assert len(pool) == layout.hosts_per_az("m5") and len({h.id for h in pool}) == len(pool)
    assert all(h.rack.startswith(h.dc + "-m5-") for h in pool)
    assert layout.hosts_per_az("p4d") < layout.hosts_per_az("m5")  # scarce hardware runs out first


def test_every_instance_lands_on_a_host_of_its_family_in_its_az(world, cloud):
    where = placements(cloud)
    with cloud.store.reading() as tx:
        instances = tx.query("kind = 'instance'")
    assert instances and {i.id for i in instances} == set(where)
    for inst in instances:
        p = where[inst.id]
        assert p["az"] == inst.az and p["family"] == instance_types.family_of(inst.attrs["instance_type"])
    used = hosts(cloud)
    for p in where.values():
        assert used[p["host"]]["az"] == p["az"] and used[p["host"]]["rack"] == p["rack"]


def test_an_empty_cloud_holds_no_hosts_and_a_pool_is_written_on_first_launch(network, cloud):
    assert hosts(cloud) == {}
    add_instances(network, "web", 1)
    assert {h["family"] for h in hosts(cloud).values()} == {"m5"}
    assert len(hosts(cloud)) == layout.hosts_per_az("m5")


def test_default_placement_spreads_over_the_least_used_hosts(network, cloud):
    made = add_instances(network, "web", 5)
    where = placements(cloud)
    assert len({where[r.id]["host"] for r in made}) == 5


def test_capacity_is_given_back_when_an_instance_goes(network, cloud):
    made = add_instances(network, "web", 2)
    cloud.delete("instance", made[0].id)
    used = [h for h in hosts(cloud).values() if h["instances"]]
    assert len(used) == 1 and used[0]["used_vcpus"] == 2 and used[0]["used_memory"] == 8.0


# --- placement groups ------------------------------------------------------------------------------

def test_spread_puts_each_instance_on_its_own_rack_and_refuses_the_eighth_in_an_az(network, cloud):
    network.add("pg", "placement_group", strategy="spread")
    made = add_instances(network, "crit", 7, placement_group=network.ref("pg"))
    where = placements(cloud)
    assert len({where[r.id]["rack"] for r in made}) == 7
    with pytest.raises(InvalidParameter) as e:
        add_instances(network, "eighth", 1, placement_group=network.ref("pg"))
    assert "at most 7 running instances per Availability Zone" in e.value.message
    add_instances(network, "other_az", 1, subnet="b", placement_group=network.ref("pg"))  # another AZ: fine


def test_an_asg_spreading_8_over_one_az_is_refused_whole_and_over_two_fits(network, cloud):
    r = network.ref
    network.add("pg", "placement_group", strategy="spread")
    launch = {"ami": "ami-1", "instance_type": "m5.large", "placement_group": r("pg")}
    with pytest.raises(InvalidParameter, match="at most 7"):
        network.add("one_az", "autoscaling_group", subnets=[r("a")], min=8, max=8, desired=8, launch=launch)
    assert placements(cloud) == {}  # all-or-nothing: nothing of the refused group remains
    network.add("two_azs", "autoscaling_group", subnets=[r("a"), r("b")], min=8, max=8, desired=8, launch=launch)
    assert Counter(p["az"] for p in placements(cloud).values()) == {"us-east-1a": 4, "us-east-1b": 4}


def test_cluster_packs_one_az_and_one_data_centre_and_refuses_another_az(network, cloud):
    network.add("pg", "placement_group", strategy="cluster")
    made = add_instances(network, "hpc", 10, placement_group=network.ref("pg"))
    where = placements(cloud)
    assert len({where[r.id]["host"] for r in made}) == 1  # ten m5.large fill one 96-vCPU host first
    assert len({where[r.id]["dc"] for r in made}) == 1
    with pytest.raises(Conflict) as e:
        add_instances(network, "far", 1, subnet="b", placement_group=network.ref("pg"))
    assert e.value.code == "InvalidPlacementGroup.InUse" and "us-east-1a" in e.value.message


def test_a_cluster_launch_that_does_not_fit_is_all_or_nothing(network, cloud):
    r = network.ref
    network.add("pg", "placement_group", strategy="cluster")
    per_dc = layout.racks_per_dc("p4d") * layout.hosts_per_rack("p4d")  # one p4d.24xlarge per host
    launch = {"ami": "ami-1", "instance_type": "p4d.24xlarge", "placement_group": r("pg")}
    with pytest.raises(InsufficientCapacity) as e:
        network.add("gpu", "autoscaling_group", subnets=[r("a")], min=per_dc + 1, max=per_dc + 1,
                    desired=per_dc + 1, launch=launch)
    assert e.value.code == "InsufficientInstanceCapacity" and "cluster placement group" in e.value.message
    assert placements(cloud) == {}
    network.add("gpu_fits", "autoscaling_group", subnets=[r("a")], min=per_dc, max=per_dc, desired=per_dc,
                launch=launch)
    assert len(placements(cloud)) == per_dc


def test_partitions_hold_disjoint_racks(network, cloud):
    network.add("pg", "placement_group", strategy="partition", partitions=3)
    made = add_instances(network, "hadoop", 9, placement_group=network.ref("pg"))
    where = placements(cloud)
    by_partition: dict[int, set] = {}
    for r in made:
        by_partition.setdefault(where[r.id]["partition"], set()).add(where[r.id]["rack"])
    assert sorted(by_partition) == [0, 1, 2]
    assert Counter(where[r.id]["partition"] for r in made) == {0: 3, 1: 3, 2: 3}
    racks = list(by_partition.values())
    assert all(a.isdisjoint(b) for i, a in enumerate(racks) for b in racks[i + 1:])


# --- tenancy ---------------------------------------------------------------------------------------------

def test_dedicated_instances_never_share_a_host_with_shared_ones(network, cloud):
    shared = add_instances(network, "shared", 3)
    dedicated = add_instances(network, "ded", 3, tenancy="dedicated")
    where, used = placements(cloud), hosts(cloud)
    shared_hosts = {where[r.id]["host"] for r in shared}
    dedicated_hosts = {where[r.id]["host"] for r in dedicated}
    assert shared_hosts.isdisjoint(dedicated_hosts)
    assert {used[h]["tenancy"] for h in dedicated_hosts} == {"dedicated"}


def test_dedicated_hosts_are_filled_before_another_is_allocated_and_refuse_placement_groups(network, cloud):
    made = add_instances(network, "byol", 3, tenancy="host")
    where = placements(cloud)
    assert len({where[r.id]["host"] for r in made}) == 1
    network.add("pg", "placement_group", strategy="spread")
    with pytest.raises(InvalidParameter, match="Dedicated Hosts in a placement group"):
        add_instances(network, "grouped", 1, tenancy="host", placement_group=network.ref("pg"))


# --- capacity --------------------------------------------------------------------------------------------

def test_insufficient_capacity_fails_the_launch_as_aws_does(network, cloud):
    room = layout.hosts_per_az("u-24tb1")
    add_instances(network, "sap", room, instance_type="u-24tb1.112xlarge")
    with pytest.raises(InsufficientCapacity) as e:
        add_instances(network, "one_more", 1, instance_type="u-24tb1.112xlarge")
    assert e.value.code == "InsufficientInstanceCapacity"
    assert ("We currently do not have sufficient u-24tb1.112xlarge capacity in the Availability Zone you requested "
            "(us-east-1a)") in e.value.message and "us-east-1b" in e.value.message


def test_an_asg_out_of_capacity_in_one_az_launches_in_the_other(network, cloud):
    r = network.ref
    room = layout.hosts_per_az("u-24tb1")
    add_instances(network, "sap", room, instance_type="u-24tb1.112xlarge")
    network.add("grow", "autoscaling_group", subnets=[r("a"), r("b")], min=2, max=2, desired=2,
                launch={"ami": "ami-1", "instance_type": "u-24tb1.112xlarge"})
    azs = Counter(p["az"] for p in placements(cloud).values() if p["instance"].startswith("i-"))
    assert azs["us-east-1b"] == 2


ARCH = """
region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
  }

  subnet a {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = "us-east-1a"
  }

  instance sap for n in ["1", "2", "3", "4", "5", "6", "7"] {
    ami           = "ami-0sap2026"
    instance_type = u-24tb1.112xlarge
    subnet        = a
  }
}
"""


def _archform(*args, cwd):
    return subprocess.run([sys.executable, "-m", "archform.planner.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})


def test_apply_shows_insufficient_capacity_and_placement_shows_where_instances_landed(tmp_path):
    (tmp_path / "big.arch").write_text(ARCH)
    applied = _archform("apply", "big.arch", "--auto-approve", "--parallelism", "1", cwd=tmp_path)
    assert applied.returncode == 1
    assert "InsufficientInstanceCapacity: We currently do not have sufficient u-24tb1.112xlarge capacity" \
        in applied.stderr
    assert applied.stderr.count("create failed") == 1
    shown = _archform("sim", "placement", "big.arch", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["ADDRESS", "INSTANCE", "TYPE", "AZ", "RACK", "HOST", "GROUP", "PARTITION"]
    assert len([line for line in lines if line.startswith("primary.sap[")]) == 6
    assert lines[-1] == "6 instances on 6 hosts, 3 racks, 3 data centres, 1 AZ"
    one = json.loads(_archform("sim", "placement", "big.arch", "primary.sap[1]", "--format", "json",
                               cwd=tmp_path).stdout)
    assert len(one) == 1 and one[0]["host"].startswith("h-0") and one[0]["rack"].startswith("us-east-1a-dc")
    wrong = _archform("sim", "placement", "big.arch", "primary.sapp", cwd=tmp_path)
    assert wrong.returncode == 1 and "did you mean 'primary.sap'" in wrong.stderr


def test_hosts_live_in_the_store_schema_version_2(tmp_path):
    from archform.providers.simulated.store import MIGRATIONS, Store
    store = Store(tmp_path / "c.db")
    with store.reading() as tx:
        assert tx.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
    store.close()
    assert Path(tmp_path / "c.db").exists()
