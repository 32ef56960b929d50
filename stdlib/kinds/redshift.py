"""Amazon Redshift (notes §19.2): a provisioned data warehouse cluster, and Redshift Serverless.

A provisioned cluster has a leader node and compute nodes of one node type (notes §19.2.1).
AWS's rules, each a diagnostic here (node counts from the Redshift management guide, "Node
type details"; Multi-AZ from "Multi-AZ deployment"):

- `dc2.large` runs single-node or 2–32 nodes, `dc2.8xlarge` 2–128, `ra3.large` and
  `ra3.xlplus` single-node or 2–32, `ra3.4xlarge` 2–64, `ra3.16xlarge` 2–128.
- Multi-AZ is offered for RA3 clusters of two nodes or more only, over subnets in at least
  two AZs ("Multi-AZ deployments support RA3 node types only", Redshift management guide,
  "Configuring Multi-AZ when creating a new cluster"; checked December 2026). Without it, a cluster lives in one AZ and disaster recovery is its snapshots (notes
  §19.2.2): it is warned that its recovery point is bounded by the snapshot schedule.
- Automated snapshots are taken every 8 hours or 5 GB of changes (notes §19.2.2), kept
  `snapshot_retention` days (1–35; archform does not let them be turned off). A
  `snapshot_copy { region = ..., retention = ... }` copies them to another region for DR,
  with its own retention (1–35 days; a KMS-keyed cluster needs a snapshot copy `grant` there).
- The master password is kept by Redshift in Secrets Manager unless the author writes one
  (`master_password`, sensitive): 8–64 characters with an upper-case letter, a lower-case
  letter and a digit, printable ASCII but ' " \\ / @ and spaces.

Safe by default: encrypted (AWS's newer default too; written explicitly), not publicly
accessible, enhanced VPC routing off but the cluster only in the VPC's subnets.

Redshift Serverless (`redshift_serverless`) is a namespace (the database, its admin) and a
workgroup (the compute, in RPUs: a base capacity of 8–512 in steps of 8) in one block, in at
least three subnets over three AZs (two in US West (N. California), where there are two).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.kinds.network import groups_outside
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, DurationRange, Enum, IntRange, Port, Ref, Region, Str, Tags, dur)

DAY = 86400
# node type -> (single-node allowed, most nodes), Redshift management guide "Node type details".
# The six node types are CreateCluster's valid NodeType values (Redshift API reference, checked
# December 2026). The counts are the most a cluster reaches (by elastic resize: ra3.xlplus 32 and
# ra3.4xlarge 64 are the managed-storage totals 1024 TB / 32 TB and 8192 TB / 128 TB); an older
# copy of AWS's table gives smaller ranges at creation (ra3.xlplus 2–16, ra3.4xlarge 2–32), and
# ra3.large's range could not be checked: the lead should confirm against the current table.
NODE_TYPES = {
    "dc2.large": (True, 32), "dc2.8xlarge": (False, 128),
    "ra3.large": (True, 32), "ra3.xlplus": (True, 32), "ra3.4xlarge": (False, 64), "ra3.16xlarge": (False, 128),
}
SNAPSHOT_EVERY = "every 8 hours or 5 GB of changes"  # notes §19.2.2
SNAPSHOT_INTERVAL_SECONDS = 8 * 3600
_IDENT = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,63}$")
_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")


def days(d) -> float | None:
    return float(d.seconds) / DAY if isinstance(d, v.Duration) else None


def password_issues(password, field: str) -> Iterable[Issue]:
    """Redshift's password rules (CreateCluster, CreateNamespace). Never quotes the value."""
    if not isinstance(password, str):
        return
    if not 8 <= len(password) <= 64:
        yield Issue(f"a Redshift password has 8–64 characters (this one has {len(password)})", (field,))
    if not (re.search(r"[A-Z]", password) and re.search(r"[a-z]", password) and re.search(r"[0-9]", password)):
        yield Issue("a Redshift password has at least one upper-case letter, one lower-case letter and one digit",
                    (field,))
    if any(c in "'\"\\/@ " or not (32 < ord(c) < 127) for c in password):
        yield Issue("a Redshift password is printable ASCII without ' \" \\ / @ or spaces", (field,))


def _managed_password(data):
    """Redshift keeps the password in Secrets Manager unless the author writes one."""
    if isinstance(data, dict) and "manage_master_password" not in data:
        data = {**data, "manage_master_password": data.get("master_password") is None}
    return data


def credential_issues(model, field: str = "master_password", managed: str = "manage_master_password"):
    password, manage = getattr(model, field), getattr(model, managed)
    if password is not None and manage:
        yield Issue(f"{field} and {managed} = true exclude each other: with the latter, Redshift makes the "
                    "password and keeps it in Secrets Manager", (field,),
                    help=f"drop {field} (safest), or set {managed} = false")
    if password is None and manage is False:
        yield Issue(f"{managed} = false needs a {field} (a sensitive param)", (managed,))
    yield from password_issues(password, field)


# Redshift management guide, "Considerations when using Amazon Redshift Serverless": at least
# three subnets spanning three AZs, except US West (N. California), where the three subnets
# span its two AZs (one of them holding two). Checked December 2026 (search: docs corpus).
SERVERLESS_TWO_AZ_REGIONS = frozenset({"us-west-1"})


def serverless_zones(region) -> int:
    return 2 if region in SERVERLESS_TWO_AZ_REGIONS else 3


def subnet_zones(graph: Graph, subnets: list) -> tuple[list[View], set, set]:
    views = [s for s in (deref(graph, ref) for ref in subnets) if s is not None]
    zones = {s.get("az") for s in views} - {None}
    vpcs = {getattr(s.get("vpc"), "address", None) for s in views} - {None}
    return views, zones, vpcs


class SnapshotCopy(Block):
    """`snapshot_copy { region = "us-west-2", retention = 7d }`: automated snapshots copied to
    another region for DR (notes §19.2.2), kept there `retention` (1–35 days, 7 by default).
    A cluster encrypted with its own `kms_key` copies through a snapshot copy `grant` made in
    the destination region."""

    region: Region
    retention: DurationRange("1d", "35d", what="snapshot copy retention") = dur("7d")
    grant: Str | None = None


class RedshiftCluster(Kind):
    """A provisioned Amazon Redshift cluster (notes §19.2): a leader node and `nodes` compute
    nodes of `node_type`, columnar storage for analytics. In the VPC's `subnets` (its cluster
    subnet group), private and encrypted by default. Multi-AZ (RA3, two nodes or more) keeps a
    second set of nodes in another AZ and fails over; otherwise an AZ's loss means restoring
    from the last automated snapshot (every 8 h or 5 GB, notes §19.2.2) — `snapshot_copy`
    copies those to another region for DR."""

    kind: Literal["redshift_cluster"] = "redshift_cluster"
    title: ClassVar[str] = "Redshift cluster"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string", "port": "number",
                                         "master_password_secret_arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"database", "master_username", "kms_key", "subnets"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"master_password"})

    node_type: Enum(*NODE_TYPES, what="Redshift node type") = "ra3.xlplus"
    nodes: IntRange(1, 128, what="nodes") = 2
    multi_az: Bool = False
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    database: Str = "dev"
    port: Port = 5439
    master_username: Str = "archform"
    master_password: Str = None
    manage_master_password: Bool = None
    encrypted: Bool = True  # safe default, written explicitly
    kms_key: Str | None = None
    publicly_accessible: Bool = False  # safe default, written explicitly
    enhanced_vpc_routing: Bool = False
    snapshot_retention: DurationRange("1d", "35d", what="snapshot_retention") = dur("1d")
    snapshot_copy: SnapshotCopy | None = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        return _managed_password(data)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._nodes()
        yield from self._network(graph)
        yield from self._snapshots(me)
        if isinstance(self.database, str) and not _DB_NAME.match(self.database):
            yield Issue(f"a Redshift database name is 1–64 lower-case letters, digits, '_' or '$', starting with a "
                        f"letter or '_'; got '{self.database}'", ("database",))
        if isinstance(self.master_username, str) and not _USER.match(self.master_username):
            yield Issue("a Redshift master username is 1–128 letters, digits and '_', starting with a letter",
                        ("master_username",))
        if isinstance(self.port, int) and not 1150 <= self.port <= 65535:
            yield Issue(f"a Redshift cluster listens on a port between 1150 and 65535, got {self.port}", ("port",),
                        help="port = 5439 (Redshift's default)")
        yield from credential_issues(self)
        if self.encrypted is False:
            yield Issue("a Redshift cluster is encrypted at rest (AWS encrypts new clusters by default)",
                        ("encrypted",), help="remove encrypted = false")
        if self.kms_key is not None and self.encrypted is False:
            yield Issue("kms_key encrypts the cluster: it needs encrypted = true", ("kms_key",))
        if self.publicly_accessible is True:
            yield Issue("this Redshift cluster is reachable from the internet (publicly_accessible = true)",
                        ("publicly_accessible",), severity="warning",
                        help="keep it private and reach it from the VPC, through a VPN or a bastion")

    def _nodes(self) -> Iterable[Issue]:
        limits = NODE_TYPES.get(self.node_type) if isinstance(self.node_type, str) else None
        if limits is None or not isinstance(self.nodes, int):
            return
        single, most = limits
        if self.nodes == 1 and not single:
            yield Issue(f"{self.node_type} has no single-node clusters: 2–{most} nodes", ("nodes",),
                        help="nodes = 2, or node_type = ra3.xlplus for a single node")
        elif self.nodes > most:
            yield Issue(f"a {self.node_type} cluster has at most {most} nodes, this one {self.nodes}", ("nodes",),
                        help="a larger node type, e.g. ra3.16xlarge (up to 128 nodes)")
        if self.multi_az is True:
            if not self.node_type.startswith("ra3."):
                yield Issue(f"Multi-AZ is offered for RA3 clusters only, not {self.node_type}", ("multi_az",),
                            help="node_type = ra3.xlplus (or larger)")
            elif self.nodes < 2:
                yield Issue("a Multi-AZ Redshift cluster has at least two nodes", ("nodes",), help="nodes = 2")

    def _network(self, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a Redshift cluster is launched in a VPC: give it subnets (its cluster subnet group)",
                        ("subnets",), help="subnets = [data_a, data_b]")
            return
        views, zones, vpcs = subnet_zones(graph, self.subnets)
        if len(vpcs) > 1:
            yield Issue(f"a cluster subnet group's subnets are all of one VPC; these are of {len(vpcs)}: "
                        f"{', '.join(sorted(vpcs))}", ("subnets",))
        if self.multi_az is True and views and len(zones) < 2:
            yield Issue(f"a Multi-AZ cluster needs subnets in at least two Availability Zones, these cover "
                        f"{len(zones)}", ("subnets",),
                        related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in views[:2]),
                        help="add a subnet of another AZ")
        if len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, next(iter(vpcs)), "the cluster's")

    def _snapshots(self, me: View) -> Iterable[Issue]:
        d = days(self.snapshot_retention)
        if d is not None and d != int(d):
            yield Issue(f"snapshot_retention counts whole days, got {self.snapshot_retention}", ("snapshot_retention",))
        copy = self.snapshot_copy
        if copy is not None:
            if isinstance(copy.region, str) and copy.region == me.region:
                yield Issue(f"snapshots are copied to another region for DR; {copy.region} is the cluster's own",
                            ("snapshot_copy", "region"))
            if self.kms_key is not None and copy.grant is None:
                yield Issue("a cluster encrypted with its own kms_key copies snapshots through a snapshot copy grant "
                            "of the destination region", ("snapshot_copy", "grant"),
                            help="grant = \"NAME\" (a snapshot copy grant made in the destination region)")
            cd = days(copy.retention)
            if cd is not None and cd != int(cd):
                yield Issue(f"the snapshot copy's retention counts whole days, got {copy.retention}",
                            ("snapshot_copy", "retention"))
        if self.multi_az is not True:
            yield Issue(f"without Multi-AZ this cluster lives in one AZ: losing it means restoring from the last "
                        f"automated snapshot, taken {SNAPSHOT_EVERY} (notes §19.2.2), so up to 8 hours of loaded "
                        "data may be lost", ("multi_az",), severity="warning",
                        help="multi_az = true (RA3, two nodes or more), or reload from the source after a restore")


class RedshiftServerless(Kind):
    """Amazon Redshift Serverless (notes §19.2.1): a namespace (the database, its admin user,
    encryption) and a workgroup (compute measured in Redshift Processing Units: `base_capacity`
    8–512 RPUs in steps of 8, `max_capacity` its ceiling) in the VPC's subnets. AWS runs it
    across the workgroup's AZs: it is lost only with its region. The admin password is kept
    in Secrets Manager unless the author writes one (`admin_password`, sensitive)."""

    kind: Literal["redshift_serverless"] = "redshift_serverless"
    title: ClassVar[str] = "Redshift Serverless workgroup"
    noun: ClassVar[str] = "Redshift Serverless workgroup"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string", "port": "number",
                                         "namespace_arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"namespace", "database", "admin_username", "kms_key"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"admin_password"})

    namespace: Str | None = None
    database: Str = "dev"
    admin_username: Str = "archform"
    admin_password: Str = None
    manage_admin_password: Bool = None
    kms_key: Str | None = None
    base_capacity: IntRange(8, 512, what="base_capacity (RPUs)") = 8
    max_capacity: IntRange(8, 5632, what="max_capacity (RPUs)") | None = None
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    port: Port = 5439
    publicly_accessible: Bool = False  # safe default, written explicitly
    enhanced_vpc_routing: Bool = False
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        if isinstance(data, dict) and "manage_admin_password" not in data:
            data = {**data, "manage_admin_password": data.get("admin_password") is None}
        return data

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.namespace, str) and not _IDENT.match(self.namespace):
            yield Issue(f"a namespace name is 1–63 lower-case letters, digits and '-', starting with a letter; got "
                        f"'{self.namespace}'", ("namespace",))
        if isinstance(self.base_capacity, int) and self.base_capacity % 8:
            yield Issue(f"base_capacity is set in steps of 8 RPUs (8, 16, 24 … 512), got {self.base_capacity}",
                        ("base_capacity",), help=f"base_capacity = {max(8, self.base_capacity // 8 * 8)}")
        if isinstance(self.max_capacity, int) and isinstance(self.base_capacity, int):
            if self.max_capacity % 8:
                yield Issue(f"max_capacity is set in steps of 8 RPUs, got {self.max_capacity}", ("max_capacity",))
            elif self.max_capacity < self.base_capacity:
                yield Issue(f"max_capacity ({self.max_capacity}) is below base_capacity ({self.base_capacity})",
                            ("max_capacity",))
        if isinstance(self.database, str) and not _DB_NAME.match(self.database):
            yield Issue(f"a Redshift database name is 1–64 lower-case letters, digits, '_' or '$'; got "
                        f"'{self.database}'", ("database",))
        yield from credential_issues(self, "admin_password", "manage_admin_password")
        views, zones, vpcs = subnet_zones(graph, self.subnets)
        need = serverless_zones(me.region)
        if len(self.subnets) < 3 or (views and len(zones) < need):
            word = "two" if need == 2 else "three"
            yield Issue(f"a Redshift Serverless workgroup needs at least three subnets over {word} Availability "
                        f"Zones{' (US West (N. California) has two)' if need == 2 else ''}, these cover "
                        f"{len(zones) if views else len(self.subnets)}", ("subnets",),
                        help=f"give it a subnet in each of {word} AZs" + (", and a third" if need == 2 else ""))
        if len(vpcs) > 1:
            yield Issue(f"a workgroup's subnets are all of one VPC; these are of {len(vpcs)}", ("subnets",))
        if isinstance(self.port, int) and not (5431 <= self.port <= 5455 or 8191 <= self.port <= 8215):
            yield Issue(f"a workgroup listens on 5431–5455 or 8191–8215, got {self.port}", ("port",),
                        help="port = 5439")
