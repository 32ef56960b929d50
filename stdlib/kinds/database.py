"""Databases: RDS, Aurora, ElastiCache (notes §7) and DynamoDB (notes §16.2).

`rds` is one database instance (or, with `deployment = cluster`, a Multi-AZ DB cluster with two
readable standbys); a read replica is an `rds` with `replica_of`. `aurora` is a cluster: a
writer and up to 15 replicas over storage that keeps 6 copies in 3 AZs. An Aurora Global
Database is declared on its primary: `global_secondary = [standby_cluster, ...]` lists the
clusters of other regions that replicate from it.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from archform.dsl import values as v
from archform.stdlib import aurora_global
from archform.stdlib.cluster_storage import Instances, StorageCluster, retention
from archform.stdlib.cluster_storage import subnet_group_issues as _subnet_issues, whole_days as _days
from archform.stdlib.engines import ENGINE_PORTS
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, DurationRange, Int, IntRange, Number, Port, Ref, Region,
                                   Size, SizeRange, Str, Tags, Validated, dur, fail, size, validator_of)

# Default ports (notes §7.5.4; its "1433 - MySQL Server" is Microsoft SQL Server). DB2: AWS's default.
EDITIONS = {"oracle": ("ee", "se2"), "sqlserver": ("ee", "se", "ex", "web"), "db2": ("se", "ae")}


def _class_validator(prefix: str, example: str, what: str):
    pattern = re.compile(rf"{re.escape(prefix)}\.[a-z0-9-]+(\.[a-z0-9-]+)?")

    def check(x):
        text = validator_of(Str)(x)
        if isinstance(text, str) and not pattern.fullmatch(text):
            raise fail(f"{text!r} is not {what}: they look like {example}")
        return text

    return Validated(check, word=True)


DbClass = _class_validator("db", "db.m5.large or db.r6g.xlarge", "a database instance class")
CacheNode = _class_validator("cache", "cache.r6g.large or cache.t3.micro", "a cache node type")


def _rds_engine(x):
    text = x.text if isinstance(x, v.Word) else x
    if isinstance(text, str) and text.lower().startswith("aurora"):
        raise fail(f"'{text}' is an Aurora engine: Aurora is its own kind",
                   "write aurora NAME { engine = postgresql ... } instead of rds")
    return validator_of(_RDS_ENGINE_CHOICE)(x)


_RDS_ENGINE_CHOICE = Choice("postgres", "mysql", "mariadb", "oracle", "sqlserver", "db2", what="RDS engine",
                            aliases={"postgresql": "postgres", "sql_server": "sqlserver", "mssql": "sqlserver"})
RdsEngine = Validated(_rds_engine, word=True)


def _fill_port(data, engine_type):
    """Set `port` from the engine when the author did not write one."""
    if not isinstance(data, dict) or "port" in data or "engine" not in data:
        return data
    try:
        engine = validator_of(engine_type)(data["engine"])
    except PydanticCustomError:
        return data  # the engine's own error is reported by its field
    return {**data, "port": ENGINE_PORTS[engine]} if engine in ENGINE_PORTS else data


# Master passwords (AWS's CreateDBInstance / CreateDBCluster rules): printable ASCII but / " @
# and space, of an engine's length. Messages never quote the value: it is a secret.
PASSWORD_LENGTHS = {"mysql": 41, "mariadb": 41, "oracle": 30, "postgres": 128, "sqlserver": 128, "db2": 255,
                    "aurora-mysql": 41, "aurora-postgresql": 99, "redis": 128, "docdb": 100}
DEFAULT_USERNAMES = {"postgres": "postgres", "aurora-postgresql": "postgres", "sqlserver": "admin",
                     "oracle": "admin", "db2": "admin"}


def _password_issues(password, engine, field_name="master_password", shortest=8) -> Iterable[Issue]:
    if not isinstance(password, str):
        return
    longest = PASSWORD_LENGTHS.get(str(engine), 128)
    # a password is a secret: what is wrong with it is said without its length or its characters
    if not shortest <= len(password) <= longest:
        yield Issue(f"{field_name} must be {shortest}–{longest} characters for {engine}; this one is "
                    f"{'shorter' if len(password) < shortest else 'longer'}", (field_name,))
    if any(c in '/"@ ' or not (32 < ord(c) < 127) for c in password):
        yield Issue(f"{field_name} may hold printable ASCII except / \" @ and spaces; this one holds one of those "
                    "or a character outside printable ASCII", (field_name,))


def _credentials(data):
    """`manage_master_password` (RDS keeps the password in Secrets Manager and rotates it) is
    on unless the author writes a password of their own, or names a `secret` that holds it
    (`master_password_secret`)."""
    if isinstance(data, dict) and "manage_master_password" not in data:
        data = {**data, "manage_master_password": data.get("master_password") is None
                and data.get("master_password_secret") is None}
    return data


def _credential_issues(model, engine) -> Iterable[Issue]:
    if model.master_password is not None and model.manage_master_password:
        yield Issue("master_password and manage_master_password = true exclude each other: with the latter, RDS "
                    "makes the password and keeps it in Secrets Manager", ("master_password",),
                    help="drop master_password (safest), or set manage_master_password = false")
    if model.master_password is not None:
        yield from _password_issues(model.master_password, engine)
    if getattr(model, "master_password_secret", None) is not None:  # rds and aurora (not the clusters reusing this)
        if model.master_password is not None:
            yield Issue("master_password and master_password_secret exclude each other: the password is written "
                        "here or kept in the secret", ("master_password_secret",))
        elif model.manage_master_password:
            yield Issue("master_password_secret and manage_master_password = true exclude each other: with the "
                        "latter, RDS makes the password and keeps it in a secret of its own",
                        ("master_password_secret",), help="set manage_master_password = false")


def _replicas_of(graph: Graph, me: View) -> list[View]:
    return [r for r in graph.referrers(me.address)
            if r.kind == "rds" and getattr(r.model.replica_of, "address", None) == me.address]


# --- RDS ---------------------------------------------------------------------------------------

class Rds(Kind):
    """An RDS database (notes §7.1): managed Postgres, MySQL, MariaDB, Oracle, SQL Server or DB2."""

    kind: Literal["rds"] = "rds"
    title: ClassVar[str] = "RDS database"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string", "port": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"engine", "edition", "encrypted", "kms_key", "deployment",
                                                      "master_username"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"master_password"})

    engine: RdsEngine = None
    edition: Choice("ee", "se2", "se", "ex", "web", "ae", what="edition") = None
    engine_version: Str = None
    instance_class: DbClass
    storage: SizeRange("20GiB", "64TiB", what="storage") = size("20GiB")
    storage_type: Choice("gp2", "gp3", "io1", "io2", "standard", what="storage type",
                         aliases={"magnetic": "standard"}) = "gp3"
    iops: Int = None
    max_storage: Size = None
    multi_az: Bool = False  # default: true for deployment = cluster
    deployment: Choice("instance", "cluster", what="deployment") = "instance"
    replica_of: Ref.anywhere["rds"] = None  # a cross-region read replica
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    backup_retention: DurationRange("0d", "35d", what="backup_retention") = dur("7d")
    encrypted: Bool = None  # safe default: true (AWS's API: false); a read replica left unset is as its source
    kms_key: KmsKeyRef = None
    port: Port = None
    publicly_accessible: Bool = False
    deletion_protection: Bool = False
    master_username: Str = None
    master_password: Str = None
    master_password_secret: Ref["secret"] = None  # a secret holding the password (its generate.key, if any)
    manage_master_password: Bool = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        """Defaults that depend on other attributes: port (engine), multi_az (deployment),
        encrypted (on by default, as AWS's console has it; a read replica inherits it from its
        source), and who keeps the password."""
        data = _fill_port(data, RdsEngine)
        if isinstance(data, dict) and "replica_of" not in data:
            data = _credentials(data)
        if not isinstance(data, dict):
            return data
        if "multi_az" not in data:
            data = {**data, "multi_az": str(data.get("deployment", "")).lower() == "cluster"}
        if "encrypted" not in data and "replica_of" not in data:
            data = {**data, "encrypted": True}
        return data

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.engine is None and self.replica_of is None:
            yield Issue("an RDS database needs an engine: postgres, mysql, mariadb, oracle, sqlserver or db2",
                        ("engine",))
        yield from self._edition()
        yield from self._storage()
        yield from self._placement(me, graph)
        if self.replica_of is not None and self.master_password is not None:
            yield Issue("a read replica has its source's users: it takes no master_password", ("master_password",))
        elif self.replica_of is None:
            yield from _credential_issues(self, self.engine)
        days = _days(self.backup_retention)
        if days is not None and days != int(days):
            yield Issue(f"backup_retention counts whole days, got {self.backup_retention}", ("backup_retention",))
        if self.kms_key is not None and not self.encrypted:
            yield Issue("kms_key needs encrypted = true", ("kms_key",))
        if self.replica_of is not None:
            yield from self._replica(me, graph)
        replicas = _replicas_of(graph, me)
        if len(replicas) > 15:
            yield Issue(f"a database has at most 15 read replicas, '{me.address}' has {len(replicas)} (notes §7.1.3)",
                        (), related=tuple(Related(r.address, ("replica_of",), "replica") for r in replicas[15:]))

    def _edition(self) -> Iterable[Issue]:
        if self.edition is None:
            return
        allowed = EDITIONS.get(self.engine, ())
        if self.edition not in allowed:
            shown = f"{self.engine} editions are {', '.join(allowed)}" if allowed else f"{self.engine} has no editions"
            yield Issue(f"edition {self.edition} does not exist: {shown}", ("edition",))

    def _storage(self) -> Iterable[Issue]:
        if self.storage_type in ("io1", "io2") and self.iops is None:
            yield Issue(f"{self.storage_type} storage needs iops: the provisioned I/O operations per second", ("iops",))
        if self.storage_type in ("gp2", "standard") and self.iops is not None:
            yield Issue(f"iops is provisioned on io1, io2 or gp3 storage, not {self.storage_type}", ("iops",))
        if isinstance(self.max_storage, v.Size) and isinstance(self.storage, v.Size) \
                and self.max_storage.bytes <= self.storage.bytes:
            yield Issue(f"max_storage, the storage autoscaling threshold, must be above storage ({self.storage}), "
                        f"got {self.max_storage} (notes §7.1.2)", ("max_storage",))
        limit = size("16TiB") if self.engine == "sqlserver" else size("64TiB")
        for attr in ("storage", "max_storage"):
            amount = getattr(self, attr)
            if isinstance(amount, v.Size) and amount.bytes > limit.bytes:
                yield Issue(f"{self.engine} storage is at most {limit}, {attr} is {amount}", (attr,))

    def _placement(self, me: View, graph: Graph) -> Iterable[Issue]:
        same_region_replica = False
        if self.replica_of is not None:
            source = deref(graph, self.replica_of)
            same_region_replica = source is not None and source.region == me.region
        if not self.subnets and not same_region_replica:
            yield Issue("an RDS database needs subnets (its DB subnet group) in at least two Availability Zones",
                        ("subnets",))
        if self.deployment == "cluster":
            if self.engine not in (None, "postgres", "mysql"):
                yield Issue(f"a Multi-AZ DB cluster runs postgres or mysql, not {self.engine}", ("deployment",))
            if self.multi_az is False:
                yield Issue("a Multi-AZ DB cluster is always Multi-AZ: a writer and two readable standbys",
                            ("multi_az",))
        zones = 3 if self.deployment == "cluster" else 2
        yield from _subnet_issues(graph, self.subnets, zones, "a Multi-AZ DB cluster" if zones == 3 else "an RDS database")
        if self.publicly_accessible:
            subnets = [deref(graph, s) for s in self.subnets]
            if subnets and all(s is not None and s.get("public") is False for s in subnets):
                yield Issue("a publicly accessible database in private subnets cannot be reached from the internet",
                            ("publicly_accessible",), severity="warning")

    def _replica(self, me: View, graph: Graph) -> Iterable[Issue]:
        source = deref(graph, self.replica_of)
        if source is None:
            return
        if source.address == me.address:
            yield Issue("a database cannot be a replica of itself", ("replica_of",))
            return
        related = (Related(source.address, (), "source database"),)
        src = source.model
        if self.engine is not None and src.engine is not None and self.engine != src.engine:
            yield Issue(f"a read replica runs its source's engine ({src.engine}), not {self.engine}", ("engine",),
                        related=related)
        if _days(src.backup_retention) == 0:
            yield Issue(f"read replicas need automated backups on their source: '{source.address}' has "
                        f"backup_retention = 0", ("replica_of",),
                        related=(Related(source.address, ("backup_retention",), "backups disabled here"),))
        if self.encrypted is True and not src.encrypted:
            yield Issue(f"if the source is not encrypted its read replicas cannot be encrypted (notes §7.4); "
                        f"'{source.address}' is not", ("encrypted",), related=related,
                        help="snapshot the source and restore it encrypted, then replicate")
        if src.encrypted and self.encrypted is False:
            yield Issue(f"a replica of an encrypted database is encrypted; '{source.address}' is", ("encrypted",),
                        related=related)


# --- Aurora ------------------------------------------------------------------------------------

AuroraEngine = Choice("aurora-postgresql", "aurora-mysql", what="Aurora engine",
                      aliases={"postgresql": "aurora-postgresql", "postgres": "aurora-postgresql",
                               "mysql": "aurora-mysql"})


class CustomEndpoint(Block):
    """A custom endpoint over a subset of the cluster's instances (notes §7.2.2)."""

    name: Str
    type: Choice("reader", "any", what="custom endpoint type") = "reader"
    instances: IntRange(1, 16, what="custom endpoint instances")


class Aurora(StorageCluster):
    """An Aurora cluster (notes §7.2): a writer and up to 15 replicas, or Aurora Serverless."""

    kind: Literal["aurora"] = "aurora"
    noun: ClassVar[str] = "Aurora cluster"
    title: ClassVar[str] = "Aurora cluster"
    a_cluster: ClassVar[str] = "an Aurora cluster"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "reader_endpoint": "string", "port": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"engine", "encrypted", "kms_key", "master_username"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"master_password"})

    engine: AuroraEngine
    engine_version: Str = None
    instances: Instances = 2
    instance_class: DbClass = None
    serverless: Bool = False
    min_capacity: Number = 0.5
    max_capacity: Number = 16
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    backup_retention: retention("Aurora", "notes §7.3.2") = dur("7d")
    encrypted: Bool = True  # safe default (AWS's API: false), as AWS's console has it
    kms_key: KmsKeyRef = None
    global_secondary: list[Ref.anywhere["aurora"]] = Field(default_factory=list)
    custom_endpoint: list[CustomEndpoint] = Field(default_factory=list)  # not `endpoint`: that is the writer endpoint it exports
    port: Port = None
    deletion_protection: Bool = False
    master_username: Str = None
    master_password: Str = None
    master_password_secret: Ref["secret"] = None  # a secret holding the password (its generate.key, if any)
    manage_master_password: Bool = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _port_default(cls, data):
        return _credentials(_fill_port(data, AuroraEngine))

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _credential_issues(self, self.engine)
        yield from self._capacity()
        yield from self.storage_issues(graph)
        yield from self._endpoints()
        yield from aurora_global.issues(self, me, graph)

    def _capacity(self) -> Iterable[Issue]:
        if self.serverless:
            if self.instance_class not in (None, "db.serverless"):
                yield Issue(f"Aurora Serverless instances are db.serverless, not {self.instance_class}",
                            ("instance_class",))
            lo, hi = self.min_capacity, self.max_capacity
            for attr, n in (("min_capacity", lo), ("max_capacity", hi)):
                if isinstance(n, (int, float)) and (not 0 <= n <= 256 or (n * 2) != int(n * 2)):
                    yield Issue(f"{attr} is between 0 and 256 ACUs in steps of 0.5, got {n}", (attr,))
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
                yield Issue(f"min_capacity ({lo}) is above max_capacity ({hi})", ("min_capacity",))
        elif self.instance_class is None:
            yield Issue("a provisioned Aurora cluster needs instance_class, e.g. db.r6g.large", ("instance_class",),
                        help="or set serverless = true")
        elif self.instance_class == "db.serverless":
            yield Issue("db.serverless instances belong to Aurora Serverless", ("instance_class",),
                        help="set serverless = true")

    def _endpoints(self) -> Iterable[Issue]:
        if len(self.custom_endpoint) > 5:
            yield Issue(f"an Aurora cluster has at most 5 custom endpoints, got {len(self.custom_endpoint)}",
                        ("custom_endpoint",))
        names: set = set()
        for i, ep in enumerate(self.custom_endpoint):
            if ep.name in names:
                yield Issue(f"two custom endpoints are named '{ep.name}'", ("custom_endpoint", i))
            names.add(ep.name)
            if not isinstance(ep.instances, int) or not isinstance(self.instances, int):
                continue
            available = self.instances - 1 if ep.type == "reader" else self.instances
            if ep.instances > available:
                yield Issue(f"custom endpoint '{ep.name}' wants {ep.instances} {'replicas' if ep.type == 'reader' else 'instances'}, "
                            f"the cluster has {available}", ("custom_endpoint", i, "instances"))

# --- ElastiCache -------------------------------------------------------------------------------

CacheEngine = Choice("redis", "memcached", what="cache engine")


class ElastiCache(Kind):
    """Managed Redis or Memcached (notes §7.5): Redis replicates, Memcached shards."""

    kind: Literal["elasticache"] = "elasticache"
    title: ClassVar[str] = "ElastiCache cluster"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "reader_endpoint": "string", "port": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"engine", "encrypted"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"auth_token"})

    engine: CacheEngine
    engine_version: Str = None
    node_type: CacheNode
    nodes: IntRange(1, 60, what="nodes") = None
    shards: IntRange(1, 500, what="shards") = 1
    replicas_per_shard: IntRange(0, 5, what="replicas_per_shard") = 0
    multi_az: Bool = False
    automatic_failover: Bool = None
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    port: Port = None
    encrypted: Bool = None  # safe default: true for Redis (AWS's API: false); Memcached cannot
    transit_encryption: Bool = None  # safe default: true for Redis (TLS; AWS's API: false)
    auth_token: Str = None  # Redis AUTH (notes §7.5): a password on top of security groups
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _port_default(cls, data):
        data = _fill_port(data, CacheEngine)
        if isinstance(data, dict):  # encryption at rest and in transit: on for Redis unless written
            redis = str(data.get("engine", "")).lower() != "memcached"
            data = {"encrypted": redis, "transit_encryption": redis, **data}
        return data

    def _auth_issues(self) -> Iterable[Issue]:
        """Redis AUTH (AWS's rules): 16–128 printable characters but @ " / and spaces, only over
        in-transit encryption, and not for Memcached (which uses SASL)."""
        if self.auth_token is None:
            return
        if self.engine == "memcached":
            yield Issue("auth_token is Redis AUTH; Memcached authenticates with SASL users instead", ("auth_token",))
        if not self.transit_encryption:
            yield Issue("auth_token needs transit_encryption = true (Redis AUTH is sent only over TLS)",
                        ("auth_token",), help="set transit_encryption = true")
        yield from _password_issues(self.auth_token, "redis", "auth_token", shortest=16)

    @property
    def failover_enabled(self) -> bool:
        """Redis fails over automatically with Multi-AZ or cluster mode (several shards)."""
        if self.automatic_failover is not None:
            return self.automatic_failover
        return self.engine == "redis" and (self.multi_az is True or (isinstance(self.shards, int) and self.shards > 1))

    @property
    def node_count(self) -> int | None:
        if self.engine == "memcached":
            return self.nodes if self.nodes is not None else 1
        if isinstance(self.shards, int) and isinstance(self.replicas_per_shard, int):
            return self.shards * (1 + self.replicas_per_shard)
        return None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._auth_issues()
        if self.engine == "memcached":
            yield from self._memcached()
        else:
            yield from self._redis()
        if not self.subnets:
            yield Issue("a cache cluster needs subnets (its cache subnet group)", ("subnets",))
        yield from _subnet_issues(graph, self.subnets, 2 if self.multi_az else 1, "a Multi-AZ cache" if self.multi_az
                                  else "a cache cluster")

    def _memcached(self) -> Iterable[Issue]:
        why = "Memcached has no replication, it shards across nodes (notes §7.5.2)"
        if self.replicas_per_shard:
            yield Issue(f"{why}: replicas_per_shard is for redis", ("replicas_per_shard",))
        if isinstance(self.shards, int) and self.shards != 1:
            yield Issue(f"{why}: write nodes = {self.shards} for {self.shards} partitions", ("shards",))
        if self.multi_az:
            yield Issue(f"{why}, so it has no Multi-AZ failover", ("multi_az",))
        if self.automatic_failover:
            yield Issue(f"{why}, so it has no automatic failover", ("automatic_failover",))
        if self.encrypted:
            yield Issue("encryption at rest is a Redis feature; Memcached keeps data only in memory", ("encrypted",))

    def _redis(self) -> Iterable[Issue]:
        if self.nodes is not None:
            yield Issue("a Redis cluster's nodes are shards × (1 + replicas_per_shard): set those instead of nodes",
                        ("nodes",))
        no_replicas = self.replicas_per_shard == 0
        if self.multi_az and no_replicas:
            yield Issue("Multi-AZ needs at least one replica per shard to fail over to", ("multi_az",),
                        help="set replicas_per_shard = 1 or more")
        if self.multi_az and self.automatic_failover is False:
            yield Issue("Multi-AZ comes with automatic failover: automatic_failover cannot be false", ("automatic_failover",))
        if self.automatic_failover and no_replicas:
            yield Issue("automatic failover promotes a replica: it needs replicas_per_shard = 1 or more",
                        ("automatic_failover",))
        count = self.node_count
        if count is not None and count > 500:
            yield Issue(f"a Redis cluster has at most 500 nodes, shards × (1 + replicas_per_shard) = {count}",
                        ("shards",))


# --- DynamoDB -----------------------------------------------------------------------------------

KeyType = Choice("S", "N", "B", what="key type", aliases={"string": "S", "number": "N", "binary": "B"})
STREAMS = ("keys_only", "new_image", "old_image", "new_and_old_images")


class DynamoDbTable(Kind):
    """A DynamoDB table (notes §16.2); `replicas` makes it a global table in those regions too."""

    kind: Literal["dynamodb_table"] = "dynamodb_table"
    title: ClassVar[str] = "DynamoDB table"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string", "stream_arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"hash_key", "hash_key_type", "range_key", "range_key_type"})

    hash_key: Str
    hash_key_type: KeyType = "S"
    range_key: Str = None
    range_key_type: KeyType = "S"
    billing: Choice("on_demand", "provisioned", what="billing mode", aliases={"pay_per_request": "on_demand"}) = \
        "on_demand"
    read_capacity: IntRange(1, what="read_capacity") = None
    write_capacity: IntRange(1, what="write_capacity") = None
    table_class: Choice("standard", "standard_ia", what="table class",
                        aliases={"standard_infrequent_access": "standard_ia"}) = "standard"
    replicas: list[Region] = Field(default_factory=list)
    point_in_time_recovery: Bool = False
    ttl_attribute: Str = None
    stream: Choice(*STREAMS, what="stream view") = None
    deletion_protection: Bool = False
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _global_stream(cls, data):
        """Global tables replicate through DynamoDB Streams (notes §16.2.4): on unless written."""
        if isinstance(data, dict) and data.get("replicas") and "stream" not in data:
            return {**data, "stream": "new_and_old_images"}
        return data

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.billing == "provisioned":
            for attr in ("read_capacity", "write_capacity"):
                if getattr(self, attr) is None:
                    yield Issue(f"provisioned billing needs {attr} (capacity units per second)", (attr,))
        else:
            for attr in ("read_capacity", "write_capacity"):
                if getattr(self, attr) is not None:
                    yield Issue(f"{attr} is for billing = provisioned; on-demand tables scale by themselves", (attr,))
        if self.range_key is not None and self.range_key == self.hash_key:
            yield Issue("the range key is a different attribute from the hash key", ("range_key",))
        seen: set = set()
        for i, region in enumerate(self.replicas):
            if region == me.region:
                yield Issue(f"replicas are the other regions of a global table; this table is already in {region}",
                            ("replicas", i))
            if region in seen:
                yield Issue(f"{region} is listed twice in replicas", ("replicas", i))
            seen.add(region)
        if self.replicas and self.stream != "new_and_old_images":
            yield Issue("a global table replicates through DynamoDB Streams with new and old images (notes §16.2.4)",
                        ("stream",), help="set stream = new_and_old_images, or leave stream out")
