"""DocumentDB (notes §18.7) and Neptune (notes §18.8): cluster-storage databases built as Aurora
is (`stdlib/cluster_storage.py`). A cluster volume keeps 6 copies over 3 AZs; a writer
instance and up to 15 replicas read from it, and a failover promotes a replica. DocumentDB
speaks MongoDB's protocol on port 27017, with a master user; Neptune is a graph database on
port 8182, reached with IAM authentication (on by default here) rather than a password.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.stdlib.cluster_storage import Instances, PromotionTier, StorageCluster, retention
from archform.stdlib.kinds.database import DbClass, _credential_issues, _credentials
from archform.stdlib.schema import Graph, Issue, View
from archform.stdlib.types import Bool, Choice, Port, Ref, Str, Tags, dur

DOCDB_PORT, NEPTUNE_PORT = 27017, 8182
# The instance families each engine runs (AWS's DocumentDB and Neptune instance class lists);
# burstable classes only in the medium size.
DOCDB_FAMILIES = ("r4", "r5", "r6g", "r6gd", "r8g")
NEPTUNE_FAMILIES = ("r4", "r5", "r5d", "r6g", "r6i", "x2g", "x2iedn")
BURSTABLE = ("db.t3.medium", "db.t4g.medium")
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")


def _class_issues(instance_class, families: tuple[str, ...], engine: str) -> Iterable[Issue]:
    if not isinstance(instance_class, str) or instance_class in BURSTABLE:
        return
    family = instance_class.split(".")[1] if instance_class.count(".") >= 2 else ""
    if family not in families:
        yield Issue(f"{engine} does not run {instance_class}: its instance classes are db.t3.medium, db.t4g.medium "
                    f"and the {', '.join('db.' + f for f in families)} families", ("instance_class",),
                    help="e.g. instance_class = db.r6g.large")


class DocumentDbCluster(StorageCluster):
    """An Amazon DocumentDB cluster (notes §18.7): MongoDB-compatible, built as Aurora is — a
    writer and up to 15 replicas over storage keeping 6 copies in 3 AZs; when the writer fails a
    replica is promoted, the lowest of `promotion_tiers` (one per instance, 0–15) first. Backups
    are kept 1–35 days, storage is encrypted, and RDS keeps the master password in Secrets
    Manager unless you write one (`sensitive`)."""

    kind: Literal["documentdb_cluster"] = "documentdb_cluster"
    title: ClassVar[str] = "DocumentDB cluster"
    noun: ClassVar[str] = "DocumentDB cluster"
    a_cluster: ClassVar[str] = "a DocumentDB cluster"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "reader_endpoint": "string", "port": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"encrypted", "kms_key", "master_username"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"master_password"})

    engine_version: Choice("3.6.0", "4.0.0", "5.0.0", what="DocumentDB engine version",
                           aliases={"3.6": "3.6.0", "4.0": "4.0.0", "5.0": "5.0.0", "4": "4.0.0", "5": "5.0.0"}) = \
        "5.0.0"
    instances: Instances = 2
    instance_class: DbClass
    promotion_tiers: list[PromotionTier] = Field(default_factory=list)  # per instance; AWS's default: 1 each
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    backup_retention: retention("DocumentDB", "AWS's limit; notes §7.3.2 for Aurora") = dur("7d")
    encrypted: Bool = True  # safe default (AWS's API: false)
    kms_key: Str = None
    port: Port = DOCDB_PORT
    deletion_protection: Bool = False
    master_username: Str = None
    master_password: Str = None
    manage_master_password: Bool = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _who_keeps_the_password(cls, data):
        return _credentials(data)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _class_issues(self.instance_class, DOCDB_FAMILIES, "DocumentDB")
        yield from _credential_issues(self, "docdb")
        if isinstance(self.master_username, str) and not USERNAME.fullmatch(self.master_username):
            yield Issue("a DocumentDB master_username is 1–63 letters and digits, beginning with a letter",
                        ("master_username",))
        yield from self.storage_issues(graph)


class NeptuneCluster(StorageCluster):
    """An Amazon Neptune cluster (notes §18.8): a managed graph database, highly available with up
    to 15 read replicas across 3 AZs over storage built as Aurora's is; a replica is promoted when
    the writer fails (the lowest of `promotion_tiers` first). Clients sign their requests with IAM
    (`iam_auth`, on by default); backups are kept 1–35 days and storage is encrypted."""

    kind: Literal["neptune_cluster"] = "neptune_cluster"
    title: ClassVar[str] = "Neptune cluster"
    noun: ClassVar[str] = "Neptune cluster"
    a_cluster: ClassVar[str] = "a Neptune cluster"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "reader_endpoint": "string", "port": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"encrypted", "kms_key"})

    engine_version: Str = None  # AWS's newest unless written, e.g. "1.3.2.0"
    instances: Instances = 2
    instance_class: DbClass
    promotion_tiers: list[PromotionTier] = Field(default_factory=list)  # per instance; AWS's default: 1 each
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    backup_retention: retention("Neptune", "AWS's limit; notes §7.3.2 for Aurora") = dur("7d")
    encrypted: Bool = True  # safe default (AWS's API: false)
    kms_key: Str = None
    port: Port = NEPTUNE_PORT
    iam_auth: Bool = True  # safe default (AWS's API: false): requests signed with IAM credentials
    deletion_protection: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from _class_issues(self.instance_class, NEPTUNE_FAMILIES, "Neptune")
        if isinstance(self.engine_version, str) and not re.fullmatch(r"1\.\d+\.\d+\.\d+", self.engine_version):
            yield Issue(f"Neptune engine versions are four numbers, 1.x.y.z (e.g. \"1.3.2.0\"), got "
                        f"\"{self.engine_version}\"", ("engine_version",))
        yield from self.storage_issues(graph)
