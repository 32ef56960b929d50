"""RDS, Aurora, ElastiCache and DynamoDB (notes §7, §16.2)."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view, w

REGION = "us-east-1"


def n(x) -> Fraction:
    return Fraction(x)


def days(x) -> v.Duration:
    return v.Duration(Fraction(x) * 86400)


def gib(x) -> v.Size:
    return v.Size.of(x, "GiB")


def messages(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    for rule in rules():
        found += list(rule(graph))
    return [i.message for i in found if severity is None or i.severity == severity]


def network(region=REGION, prefix="") -> list[View]:
    vpc = {"cidr": v.Cidr(ipaddress.ip_network("10.0.0.0/16"))}
    subnet = lambda name, i, az: view(prefix + name, "subnet", {"vpc": ref(prefix + "main", "vpc"),  # noqa: E731
                                                                "cidr": f"10.0.{i}.0/24", "az": w(az)}, region)
    return [view(prefix + "main", "vpc", vpc, region), subnet("a", 1, "a"), subnet("b", 2, "b"), subnet("c", 3, "c")]


AB = [ref("a", "subnet"), ref("b", "subnet")]


def rds(address="db", region=REGION, **attrs) -> View:
    base = {"engine": w("postgres"), "instance_class": w("db.m5.large"), "subnets": AB}
    return view(address, "rds", {**base, **attrs}, region)


# --- RDS -------------------------------------------------------------------------------------

def test_rds_defaults():
    m = rds().model
    assert (m.port, str(m.backup_retention), m.storage_type, str(m.storage), m.multi_az) == \
        (5432, "1w", "gp3", "20GiB", False)
    assert rds(engine=w("sqlserver")).model.port == 1433
    assert rds(engine=w("oracle")).model.port == 1521
    assert rds(engine=w("mysql"), port=n(3307)).model.port == 3307
    assert rds(engine=w("postgresql")).model.engine == "postgres"


def test_rds_is_not_aurora():
    with pytest.raises(ValidationError, match="Aurora is its own kind"):
        rds(engine=w("aurora-postgresql"))


def test_instance_class_shape():
    with pytest.raises(ValidationError, match="not a database instance class"):
        rds(instance_class=w("m5.large"))


def test_backup_retention_range():
    assert str(rds(backup_retention=days(0)).model.backup_retention) == "0s"
    with pytest.raises(ValidationError, match="backup_retention must be between 0d and 35d"):
        rds(backup_retention=days(36))


def test_rds_needs_two_zones():
    assert messages(network() + [rds()]) == []
    msgs = messages(network() + [rds(subnets=[ref("a", "subnet")])])
    assert any("needs subnets in at least 2 Availability Zones" in m for m in msgs)
    assert any("needs subnets (its DB subnet group)" in m for m in messages([rds(subnets=[])]))


def test_multi_az_cluster_deployment():
    msgs = messages(network() + [rds(deployment=w("cluster"))])
    assert any("a Multi-AZ DB cluster needs subnets in at least 3 Availability Zones" in m for m in msgs)
    ok = rds(deployment=w("cluster"), subnets=AB + [ref("c", "subnet")])
    assert messages(network() + [ok]) == []
    assert ok.model.multi_az is True
    msgs = messages(network() + [rds(deployment=w("cluster"), multi_az=False, subnets=AB + [ref("c", "subnet")])])
    assert any("a Multi-AZ DB cluster is always Multi-AZ" in m for m in msgs)
    msgs = messages(network() + [rds(engine=w("oracle"), deployment=w("cluster"), subnets=AB + [ref("c", "subnet")])])
    assert any("a Multi-AZ DB cluster runs postgres or mysql, not oracle" in m for m in msgs)


def test_storage_autoscaling_threshold():
    msgs = messages(network() + [rds(storage=gib(100), max_storage=gib(50))])
    assert any("max_storage, the storage autoscaling threshold, must be above storage" in m for m in msgs)
    assert messages(network() + [rds(storage=gib(100), max_storage=gib(1000))]) == []


def test_provisioned_iops():
    assert any("io1 storage needs iops" in m for m in messages(network() + [rds(storage_type=w("io1"))]))
    assert any("not gp2" in m for m in messages(network() + [rds(storage_type=w("gp2"), iops=n(3000))]))


def test_kms_key_needs_encryption():
    assert "kms_key needs encrypted = true" in messages(network() + [rds(kms_key="alias/db", encrypted=False)])


def test_cross_region_read_replica():
    replica = view("eu.db", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds"),
                                    "encrypted": True, "subnets": [ref("eu.a", "subnet"), ref("eu.b", "subnet")]},
                   "eu-west-1")
    assert messages(network() + network("eu-west-1", "eu.") + [rds(encrypted=True), replica]) == []
    unplaced = view("eu.db", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds")}, "eu-west-1")
    assert any("needs subnets" in m for m in messages(network() + [rds(), unplaced]))


def test_replica_rules():
    source = rds(backup_retention=days(0), encrypted=False)
    replica = view("r", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds"), "encrypted": True})
    msgs = messages(network() + [source, replica])
    assert any("read replicas need automated backups on their source" in m for m in msgs)
    assert any("if the source is not encrypted its read replicas cannot be encrypted" in m for m in msgs)


def test_replica_of_an_encrypted_source_stays_encrypted():
    views = network() + [rds(encrypted=True),
                         view("r", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds"),
                                           "encrypted": False})]
    assert any("a replica of an encrypted database is encrypted" in m for m in messages(views))
    inherits = view("r", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds")})
    assert inherits.model.encrypted is None
    assert messages(network() + [rds(encrypted=True), inherits]) == []


def test_at_most_15_replicas():
    replicas = [view(f"r{i}", "rds", {"instance_class": w("db.m5.large"), "replica_of": ref("db", "rds")})
                for i in range(16)]
    assert any("at most 15 read replicas" in m for m in messages(network() + [rds()] + replicas))
    assert messages(network() + [rds()] + replicas[:15]) == []


def test_engine_needed_unless_replica():
    msgs = messages(network() + [view("db", "rds", {"instance_class": w("db.m5.large"), "subnets": AB})])
    assert any("needs an engine" in m for m in msgs)


def test_editions():
    assert messages(network() + [rds(engine=w("oracle"), edition=w("se2"))]) == []
    assert any("edition web does not exist" in m for m in messages(network() + [rds(edition=w("web"))]))


# --- Aurora ----------------------------------------------------------------------------------

def aurora(address="orders", region=REGION, **attrs) -> View:
    subnets = AB if region == REGION else [ref(f"{region}_a", "subnet"), ref(f"{region}_b", "subnet")]
    base = {"engine": w("postgresql"), "instance_class": w("db.r6g.large"), "subnets": subnets}
    return view(address, "aurora", {**base, **attrs}, region)


def test_aurora_defaults_and_engine_names():
    m = aurora().model
    assert (m.engine, m.port, m.instances, str(m.backup_retention)) == ("aurora-postgresql", 5432, 2, "1w")
    assert aurora(engine=w("aurora-mysql")).model.port == 3306


def test_aurora_instances_range():
    assert aurora(instances=n(16)).model.instances == 16
    with pytest.raises(ValidationError, match="a writer and up to 15 replicas"):
        aurora(instances=n(17))


def test_aurora_backups_cannot_be_disabled():
    with pytest.raises(ValidationError, match="Aurora backups cannot be disabled"):
        aurora(backup_retention=days(0))


def test_aurora_serverless_capacity():
    ok = view("s", "aurora", {"engine": w("mysql"), "serverless": True, "min_capacity": Fraction(1, 2),
                              "max_capacity": n(64), "subnets": AB})
    assert messages(network() + [ok]) == []
    bad = view("s", "aurora", {"engine": w("mysql"), "serverless": True, "min_capacity": n(8),
                               "max_capacity": n(4), "subnets": AB})
    assert any("min_capacity (8) is above max_capacity (4)" in m for m in messages(network() + [bad]))
    msgs = messages(network() + [view("p", "aurora", {"engine": w("mysql"), "subnets": AB})])
    assert any("needs instance_class" in m for m in msgs)


def global_db(secondaries, **primary):
    """A primary in REGION and its secondaries, each on a network of its own region."""
    networks = [view for region in sorted({s.region for s in secondaries} - {REGION})
                for view in network(region, prefix=f"{region}_")]
    primary = {"engine_version": "15.4", **primary}
    if primary["engine_version"] is None:
        del primary["engine_version"]
    return [aurora(global_secondary=[ref(s.address, "aurora") for s in secondaries], **primary), *secondaries,
            *networks]


def test_aurora_global_database():
    views = network() + global_db([aurora("eu", "eu-west-1", kms_key="alias/aws/rds"),
                                   aurora("ap", "ap-southeast-1", kms_key="alias/aws/rds")])
    assert messages(views) == []


def test_global_secondaries_in_other_distinct_regions():
    msgs = messages(network() + global_db([aurora("same", REGION)]))
    assert any("each secondary of a global database is in its own region" in m for m in msgs)
    msgs = messages(network() + global_db([aurora("eu1", "eu-west-1"), aurora("eu2", "eu-west-1")]))
    assert any("the region of 'eu1'" in m for m in msgs)


def test_at_most_five_secondary_regions():
    regions = ["us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "ap-northeast-1", "sa-east-1"]
    msgs = messages(network() + global_db([aurora(r, r) for r in regions]))
    assert any("at most 5 secondary regions" in m for m in msgs)


def test_global_secondary_engine_and_encryption():
    msgs = messages(network() + global_db([aurora("eu", "eu-west-1", engine=w("mysql"), encrypted=False)],
                                          encrypted=True))
    assert any("a global database runs one engine" in m for m in msgs)
    assert any("the primary is encrypted, so its secondaries must be too" in m for m in msgs)


def test_an_encrypted_secondary_names_a_key_of_its_region():
    """A KMS key does not cross regions: CloudFormation cannot create an encrypted secondary
    without one of its own region (an error at validate, not only a `cfn` warning)."""
    msgs = messages(network() + global_db([aurora("eu", "eu-west-1", encrypted=True)], encrypted=True))
    assert any("an encrypted secondary needs kms_key, a KMS key of its own region (eu-west-1)" in m for m in msgs)
    keyed = aurora("eu", "eu-west-1", encrypted=True, kms_key="alias/aws/rds")
    assert messages(network() + global_db([keyed], encrypted=True)) == []


def test_a_global_database_pins_its_engine_version():
    msgs = messages(network() + global_db([aurora("eu", "eu-west-1")], engine_version=None))
    assert any("a global database pins engine_version" in m for m in msgs)


def test_databases_are_encrypted_by_default():
    """Safe defaults (issue 14): encryption at rest, as AWS's consoles default to; Redis also
    encrypts in transit. Memcached cannot encrypt at rest."""
    assert rds().model.encrypted is True and aurora().model.encrypted is True
    redis = view("c", "elasticache", {"engine": w("redis"), "node_type": w("cache.r6g.large"), "subnets": AB})
    assert (redis.model.encrypted, redis.model.transit_encryption) == (True, True)
    memcached = view("m", "elasticache", {"engine": w("memcached"), "node_type": w("cache.r6g.large"), "subnets": AB})
    assert (memcached.model.encrypted, memcached.model.transit_encryption) == (False, False)


def test_custom_endpoints():
    ok = aurora(instances=n(3), custom_endpoint=[{"name": "analytics", "instances": n(2)}])
    assert messages(network() + [ok]) == []
    bad = aurora(instances=n(2), custom_endpoint=[{"name": "analytics", "instances": n(2)}])
    assert any("wants 2 replicas, the cluster has 1" in m for m in messages(network() + [bad]))


# --- ElastiCache -------------------------------------------------------------------------------

def cache(**attrs) -> View:
    base = {"node_type": w("cache.r6g.large"), "subnets": AB}
    return view("cache", "elasticache", {**base, **attrs})


def test_cache_ports():
    assert cache(engine=w("redis")).model.port == 6379
    assert cache(engine=w("memcached")).model.port == 11211


def test_memcached_has_no_replication():
    msgs = messages(network() + [cache(engine=w("memcached"), multi_az=True, replicas_per_shard=n(1))])
    assert any("Memcached has no replication" in m and "replicas_per_shard" in m for m in msgs)
    assert any("so it has no Multi-AZ failover" in m for m in msgs)
    assert messages(network() + [cache(engine=w("memcached"), nodes=n(3))]) == []


def test_redis_multi_az_needs_replicas():
    msgs = messages(network() + [cache(engine=w("redis"), multi_az=True)])
    assert any("Multi-AZ needs at least one replica per shard" in m for m in msgs)
    ok = cache(engine=w("redis"), multi_az=True, replicas_per_shard=n(2))
    assert messages(network() + [ok]) == [] and ok.model.failover_enabled and ok.model.node_count == 3


def test_redis_node_count_comes_from_shards():
    msgs = messages(network() + [cache(engine=w("redis"), nodes=n(3))])
    assert any("shards × (1 + replicas_per_shard)" in m for m in msgs)
    with pytest.raises(ValidationError, match="replicas_per_shard must be between 0 and 5"):
        cache(engine=w("redis"), replicas_per_shard=n(6))


def test_node_type_shape():
    with pytest.raises(ValidationError, match="not a cache node type"):
        cache(engine=w("redis"), node_type=w("r6g.large"))


# --- DynamoDB ----------------------------------------------------------------------------------

def table(**attrs) -> View:
    return view("orders", "dynamodb_table", {"hash_key": "pk", **attrs})


def test_table_defaults():
    m = table(range_key="sk", range_key_type=w("number")).model
    assert (m.billing, m.hash_key_type, m.range_key_type, m.stream) == ("on_demand", "S", "N", None)


def test_billing_and_capacity():
    assert any("provisioned billing needs read_capacity" in m for m in messages([table(billing=w("provisioned"))]))
    assert any("read_capacity is for billing = provisioned" in m for m in messages([table(read_capacity=n(5))]))
    assert messages([table(billing=w("provisioned"), read_capacity=n(5), write_capacity=n(5))]) == []


def test_global_table_replicas():
    m = table(replicas=["eu-west-1", "ap-southeast-2"]).model
    assert m.stream == "new_and_old_images"
    assert messages([table(replicas=["eu-west-1"])]) == []
    msgs = messages([table(replicas=["us-east-1", "eu-west-1", "eu-west-1"])])
    assert any("this table is already in us-east-1" in m for m in msgs)
    assert "eu-west-1 is listed twice in replicas" in msgs
    msgs = messages([table(replicas=["eu-west-1"], stream=w("keys_only"))])
    assert any("replicates through DynamoDB Streams" in m for m in msgs)
    with pytest.raises(ValidationError, match="not an AWS region"):
        table(replicas=["eu-west-9"])
