"""AWS Database Migration Service (notes §25.3): replication instances, endpoints and tasks.

- `dms_replication_instance`: the managed instance a task runs on (notes §25.3.1: "You create
  an EC2 instance to perform the replication task"), of a `dms.*` instance class, with its
  allocated storage, in a replication subnet group (`subnets`) that covers at least two AZs
  (AWS's rule for every replication subnet group); `multi_az` keeps a standby in another AZ
  (notes §25.3.4). Not publicly accessible by default (AWS's API default is public: archform
  writes false).
- `dms_endpoint`: a `source` or `target` of an `engine`, pointing at a resource of the
  architecture (`database`: an rds, aurora, redshift_cluster, documentdb_cluster, s3_bucket,
  dynamodb_table, kinesis_stream or opensearch_domain) or at a server elsewhere
  (`server_name`, `port`: on premises, notes §25.3.1). `ssl_mode` is `require` by default
  (AWS's API default is none).
- `dms_replication_task`: `full_load`, `cdc` or `full_load_and_cdc` (notes §25.3.3, continuous
  replication by change data capture) from a source endpoint to a target endpoint on an
  instance, with `table_mappings` (DMS's JSON selection rules; every table by default).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.kinds.network import groups_outside
from archform.stdlib.kinds.redshift import subnet_zones
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, Document, Enum, IntRange, Port, Ref, Str, Tags, Validated, fail,
                                   validator_of)

# DMS endpoint engines (the API's EngineName), and the direction each may take (notes §25.3.1:
# sources are databases, S3 and DocumentDB; DynamoDB, Kinesis, OpenSearch, Redshift and Kafka
# are targets only). Kafka and Neptune targets (and their settings) are not modeled yet.
SOURCE_AND_TARGET = ("mysql", "mariadb", "postgres", "oracle", "sqlserver", "aurora", "aurora-postgresql", "s3",
                     "docdb", "db2")
TARGET_ONLY = ("dynamodb", "kinesis", "opensearch", "redshift")
ENGINES = SOURCE_AND_TARGET + TARGET_ONLY
# kind of the referenced resource -> the engines that endpoint may use
ENGINES_OF = {"rds": ("mysql", "mariadb", "postgres", "oracle", "sqlserver", "db2"),
              "aurora": ("aurora", "aurora-postgresql"), "redshift_cluster": ("redshift",),
              "documentdb_cluster": ("docdb",), "s3_bucket": ("s3",), "dynamodb_table": ("dynamodb",),
              "kinesis_stream": ("kinesis",), "opensearch_domain": ("opensearch",)}
SERVICE_ROLE_ENGINES = ("s3", "dynamodb", "kinesis", "opensearch")  # DMS writes through an IAM role
# DMS's storage range for a replication instance (GB): the CreateReplicationInstance
# `AllocatedStorage`, 5 to 6144 GB in DMS's user guide ("Working with an AWS DMS replication
# instance"); DescribeOrderableReplicationInstances gives each class's own minimum and maximum.
STORAGE_GB = (5, 6144)
_CLASS = re.compile(r"dms\.(t2|t3|c4|c5|c6i|c7i|r4|r5|r6i|r7i)\.(micro|small|medium|large|\d*xlarge)")


def _a(word: str) -> str:
    """The article a word takes as it is read aloud (an S3, an Oracle, a MySQL)."""
    return "an" if word[:1] in "aeios" else "a"


def _instance_class(x):
    text = validator_of(Str)(x)
    if isinstance(text, str) and not _CLASS.fullmatch(text):
        raise fail(f"{text!r} is not a DMS replication instance class: they look like dms.t3.medium, dms.c5.large "
                   "or dms.r5.xlarge")
    return text


DmsClass = Validated(_instance_class, word=True)
Engine = Choice(*ENGINES, what="DMS endpoint engine",
                aliases={"postgresql": "postgres", "documentdb": "docdb", "aurora-mysql": "aurora",
                         "sql_server": "sqlserver", "elasticsearch": "opensearch"})
DATABASE_KINDS = tuple(ENGINES_OF)


class DmsReplicationInstance(Kind):
    """An AWS DMS replication instance (notes §25.3): the managed instance that runs replication
    tasks, of `instance_class` (dms.t3.medium by default) with `storage` GB (5–6144, 50 by
    default), in a replication subnet group (`subnets`, covering at least two AZs). It runs in
    the first subnet's AZ; `multi_az` keeps a synchronous standby in another AZ that takes over
    when the primary's AZ fails (notes §25.3.4). Private (`publicly_accessible = false`) and
    encrypted by default."""

    kind: Literal["dms_replication_instance"] = "dms_replication_instance"
    title: ClassVar[str] = "DMS replication instance"
    noun: ClassVar[str] = "DMS replication instance"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "private_ip": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"kms_key", "subnets", "publicly_accessible"})

    instance_class: DmsClass = "dms.t3.medium"
    storage: IntRange(*STORAGE_GB, what="storage (GB)") = 50
    multi_az: Bool = False
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    publicly_accessible: Bool = False  # safe default (AWS's API: true), written explicitly
    kms_key: KmsKeyRef = None
    engine_version: Str = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a replication instance runs in a VPC: give it subnets (its replication subnet group), in "
                        "at least two Availability Zones", ("subnets",), help="subnets = [data_a, data_b]")
            return
        views, zones, vpcs = subnet_zones(graph, self.subnets)
        if views and len(zones) < 2:
            yield Issue(f"a replication subnet group covers at least two Availability Zones; these subnets cover "
                        f"{len(zones)}", ("subnets",),
                        related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in views[:2]),
                        help="add a subnet of another AZ")
        if len(vpcs) > 1:
            yield Issue("a replication subnet group's subnets are all of one VPC", ("subnets",))
        elif len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, next(iter(vpcs)), "the instance's")
        if self.publicly_accessible is True:
            yield Issue("this replication instance has a public address (publicly_accessible = true)",
                        ("publicly_accessible",), severity="warning",
                        help="keep it private; reach on-premises databases over a VPN or Direct Connect")


class DmsEndpoint(Kind):
    """An AWS DMS endpoint (notes §25.3.1): where a task reads (`type = source`) or writes
    (`target`), of `engine` (mysql, mariadb, postgres, oracle, sqlserver, db2, aurora,
    aurora-postgresql, docdb, s3; targets only: dynamodb, kinesis, opensearch, redshift).
    `database` names a resource of the architecture (an rds, aurora, redshift_cluster,
    documentdb_cluster, s3_bucket, dynamodb_table, kinesis_stream or opensearch_domain), whose
    engine must match; otherwise `server_name` and `port` name a server elsewhere (on premises).
    Database engines log in with `username` and `password` (sensitive); S3, DynamoDB, Kinesis and
    OpenSearch are written through `service_role`. `ssl_mode` is require by default."""

    kind: Literal["dms_endpoint"] = "dms_endpoint"
    title: ClassVar[str] = "DMS endpoint"
    noun: ClassVar[str] = "DMS endpoint"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"type"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"password"})

    type: Enum("source", "target", what="endpoint type")
    engine: Engine
    database: Ref[DATABASE_KINDS] | None = None
    server_name: Str = None
    port: Port = None
    database_name: Str = None
    username: Str = None
    password: Str = None
    service_role: Ref["iam_role"] | None = None
    ssl_mode: Choice("none", "require", "verify-ca", "verify-full", what="SSL mode",
                     aliases={"verify_ca": "verify-ca", "verify_full": "verify-full"}) = "require"
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.type == "source" and self.engine in TARGET_ONLY:
            yield Issue(f"{self.engine} is a DMS target only, never a source (notes §25.3.1)", ("engine",))
        yield from self._location(graph)
        if self.engine in SERVICE_ROLE_ENGINES:
            if self.service_role is None:
                yield Issue(f"{_a(self.engine)} {self.engine} endpoint reaches the service through an IAM role DMS "
                            "assumes: set service_role", ("service_role",),
                            help="service_role = dms_access (an iam_role)")
            for attr in ("username", "password"):
                if getattr(self, attr) is not None:
                    yield Issue(f"{_a(self.engine)} {self.engine} endpoint signs in with its service_role, not a "
                                f"{attr}", (attr,))
        elif self.username is None or self.password is None:
            yield Issue(f"{_a(self.engine)} {self.engine} endpoint signs in to the database: set username and "
                        "password (a sensitive param)", ("username",) if self.username is None else ("password",))
        if self.ssl_mode == "none" and self.engine not in ("s3", "dynamodb", "kinesis"):
            yield Issue("ssl_mode = none sends the data and the password unencrypted", ("ssl_mode",),
                        severity="warning", help="ssl_mode = require (the default)")

    def _location(self, graph: Graph) -> Iterable[Issue]:
        if self.database is None:
            if self.engine in ("s3", "dynamodb", "kinesis", "opensearch"):
                noun = {"s3": "bucket", "dynamodb": "table", "kinesis": "stream", "opensearch": "domain"}[self.engine]
                yield Issue(f"{_a(self.engine)} {self.engine} endpoint names its {noun}: set database", ("database",))
            elif self.server_name is None:
                yield Issue("an endpoint names where the data is: database (a resource of this architecture) or "
                            "server_name and port (a server elsewhere)", ("database",))
            elif self.port is None:
                yield Issue("an endpoint on a server elsewhere needs its port", ("port",))
            return
        if self.server_name is not None:
            yield Issue("database names the server already; server_name is for a server outside the architecture",
                        ("server_name",))
        target = deref(graph, self.database)
        if target is None:
            return
        allowed = ENGINES_OF.get(target.kind, ())
        if self.engine not in allowed:
            yield Issue(f"'{target.address}' ({target.kind}) is reached with engine {' or '.join(allowed)}, not "
                        f"{self.engine}", ("engine",), related=(Related(target.address, (), "the database"),),
                        help=f"engine = {allowed[0]}" if allowed else "")
        elif target.kind == "rds" and target.get("engine") not in (None, self.engine):
            yield Issue(f"'{target.address}' runs {target.get('engine')}, not {self.engine}", ("engine",),
                        related=(Related(target.address, ("engine",), "its engine"),),
                        help=f"engine = {target.get('engine')}")
        elif target.kind == "aurora":
            theirs = "aurora" if target.get("engine") == "aurora-mysql" else target.get("engine")
            if theirs not in (None, self.engine):
                yield Issue(f"'{target.address}' runs {target.get('engine')}: its endpoint engine is {theirs}",
                            ("engine",), related=(Related(target.address, ("engine",), "its engine"),))


def _default_mappings(data):
    if isinstance(data, dict) and data.get("table_mappings") is None:
        return {**data, "table_mappings": {"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "all",
                                                      "object-locator": {"schema-name": "%", "table-name": "%"},
                                                      "rule-action": "include"}]}}
    return data


class DmsReplicationTask(Kind):
    """An AWS DMS replication task (notes §25.3): it moves the tables `table_mappings` selects
    (DMS's JSON rules; every table by default) from a `source` endpoint to a `target` endpoint on
    `instance`, as a `full_load`, `cdc` (ongoing changes, notes §25.3.3) or `full_load_and_cdc`
    (the default). It stops while its instance is down, and resumes (CDC from where it was)
    when the instance is back or its Multi-AZ standby has taken over."""

    kind: Literal["dms_replication_task"] = "dms_replication_task"
    title: ClassVar[str] = "DMS replication task"
    noun: ClassVar[str] = "DMS replication task"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"instance", "source", "target"})

    instance: Ref["dms_replication_instance"]
    source: Ref["dms_endpoint"]
    target: Ref["dms_endpoint"]
    migration_type: Choice("full_load", "cdc", "full_load_and_cdc", what="migration type",
                           aliases={"full-load": "full_load", "full-load-and-cdc": "full_load_and_cdc"}) \
        = "full_load_and_cdc"
    table_mappings: Document = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        return _default_mappings(data)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.source.address == self.target.address:
            yield Issue("a task's source and target are two endpoints", ("target",))
        for attr, want in (("source", "source"), ("target", "target")):
            ep = deref(graph, getattr(self, attr))
            if ep is not None and ep.get("type") not in (None, want):
                yield Issue(f"'{ep.address}' is a {ep.get('type')} endpoint; {attr} names a {want} endpoint",
                            (attr,), related=(Related(ep.address, ("type",), "its type"),))
        yield from _mapping_issues(self.table_mappings)


def _mapping_issues(doc) -> Iterable[Issue]:
    path = ("table_mappings",)
    if not isinstance(doc, dict):
        if isinstance(doc, (str, list, int, float)):
            yield Issue("table_mappings is DMS's JSON document: { rules = [ ... ] }", path)
        return
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        yield Issue("table_mappings has a non-empty list of rules", path)
        return
    ids: set = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            yield Issue(f"rule {i + 1} of table_mappings is an object", path)
            continue
        kind = rule.get("rule-type")
        if kind not in ("selection", "transformation", "table-settings"):
            yield Issue(f"rule {i + 1} has rule-type selection, transformation or table-settings, not "
                        f"{kind!r}", path)
        rid = rule.get("rule-id")
        if rid in ids:
            yield Issue(f"two table-mapping rules have rule-id {rid}", path)
        ids.add(rid)
        if kind == "selection" and rule.get("rule-action") not in ("include", "exclude", "explicit"):
            yield Issue(f"selection rule {i + 1} has rule-action include, exclude or explicit", path)
        if kind == "selection" and not isinstance(rule.get("object-locator"), dict):
            yield Issue(f"selection rule {i + 1} names its tables in an object-locator "
                        "{ schema-name, table-name }", path)
    if not any(isinstance(r, dict) and r.get("rule-type") == "selection" and r.get("rule-action") in
               ("include", "explicit") for r in rules):
        yield Issue("table_mappings selects no table: a task needs at least one selection rule that includes",
                    path)
