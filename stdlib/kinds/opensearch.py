"""Amazon OpenSearch Service (notes §19.3): a managed OpenSearch (or legacy Elasticsearch) domain.

AWS's rules, each a diagnostic here (OpenSearch Service developer guide, "Multi-AZ domains",
"Dedicated master nodes", "VPC domains", "EBS volume size quotas"):

- Data nodes: `instance_type` (`r6g.large.search`, ...) times `instances` (1–80 per domain).
  Dedicated master nodes: 3 or 5 (an odd number that keeps a quorum with one lost); over 2 AZs
  one AZ holds a majority of them, which is warned.
- Zone awareness spreads data nodes and replicas over `zones` = 2 or 3 AZs: the domain's
  subnets are in that many AZs (one each), and the data node count is a multiple of it.
  Without zone awareness a domain lives in one AZ and is lost with it.
- Multi-AZ with standby keeps a third of the data nodes as a standby zone and fails over to it
  with no loss of availability: it needs 3 AZs, dedicated masters, a data node count that is
  a multiple of 3, OpenSearch (not Elasticsearch) and no T2/T3 instances.
- EBS storage: gp3 (default), gp2 or io1, 10 GiB or more per data node.

Safe by default: encryption at rest, node-to-node encryption and HTTPS enforced (TLS 1.2) on,
in a VPC. A domain without subnets has a public endpoint: an error unless `public = true`.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.redshift import subnet_zones
from archform.stdlib.kinds.network import groups_outside
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View
from archform.stdlib.types import Bool, Enum, IntRange, Ref, SizeRange, Str, Tags, size

VERSIONS = ("OpenSearch_2.17", "OpenSearch_2.15", "OpenSearch_2.13", "OpenSearch_2.11", "OpenSearch_1.3",
            "Elasticsearch_7.10")
DEFAULT_VERSION = "OpenSearch_2.17"
MAX_DATA_NODES = 80  # AWS's default quota per domain
_TYPE = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9]+\.search$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{2,27}$")


def small(instance_type) -> bool:
    """T2/T3: burstable types without Multi-AZ with standby (t2 also without encryption at rest)."""
    return isinstance(instance_type, str) and instance_type.startswith(("t2.", "t3."))


class DedicatedMasters(Block):
    """`masters { instance_type = "m6g.large.search", count = 3 }`: dedicated master nodes that
    manage the cluster (3 or 5, in different AZs where the domain has several)."""

    instance_type: Str = "m6g.large.search"
    count: IntRange(1, 5, what="dedicated master count") = 3


class Storage(Block):
    """`storage { size = 100GiB, type = gp3 }`: EBS storage of each data node."""

    size: SizeRange("10GiB", "24TiB", what="EBS volume size") = size("20GiB")
    type: Enum("gp3", "gp2", "io1", what="EBS volume type") = "gp3"


class OpensearchDomain(Kind):
    """An Amazon OpenSearch Service domain (notes §19.3): full-text search over any field, often
    beside a database that keeps the records. `instances` data nodes of `instance_type`,
    optional dedicated `masters`, zone awareness over `zones` (2 or 3) AZs, optional Multi-AZ
    with `standby`. In a VPC's subnets; encrypted at rest, node-to-node, HTTPS only. Without
    zone awareness it lives in one AZ and is lost with it; zone-aware, it keeps serving on the
    other AZs' replicas; with a standby zone, it loses nothing."""

    kind: Literal["opensearch_domain"] = "opensearch_domain"
    title: ClassVar[str] = "OpenSearch domain"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "subnets", "public"})

    name: Str | None = None
    engine_version: Enum(*VERSIONS, what="engine version") = DEFAULT_VERSION
    instance_type: Str = "r6g.large.search"
    instances: IntRange(1, MAX_DATA_NODES, what="data node count") = 2
    masters: DedicatedMasters | None = None
    zones: IntRange(1, 3, what="zones") = 1
    standby: Bool = False
    storage: Storage = Field(default_factory=Storage)
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    public: Bool = False
    encrypt_at_rest: Bool = True
    node_to_node_encryption: Bool = True
    enforce_https: Bool = True
    kms_key: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a domain name is 3–28 lower-case letters, digits and '-', starting with a letter; got "
                        f"'{self.name}'", ("name",))
        for path, value in (("instance_type", self.instance_type),
                            (("masters", "instance_type"), self.masters.instance_type if self.masters else None)):
            if isinstance(value, str) and not _TYPE.match(value):
                yield Issue(f"'{value}' is not an OpenSearch instance type: they look like r6g.large.search",
                            path if isinstance(path, tuple) else (path,))
        yield from self._masters()
        yield from self._zones(graph)
        yield from self._standby()
        yield from self._security()

    def _masters(self) -> Iterable[Issue]:
        m = self.masters
        if m is not None and isinstance(m.count, int) and m.count not in (3, 5):
            yield Issue(f"a domain has 3 or 5 dedicated master nodes (a quorum that survives one lost), not "
                        f"{m.count}", ("masters", "count"), help="count = 3")
        elif m is not None and self.zones == 2:
            yield Issue("over 2 AZs, one of them holds a majority of the dedicated masters: losing that AZ leaves "
                        "the domain without a master (red)", ("zones",), severity="warning",
                        help="zones = 3 (and a subnet in each), so any one AZ holds a minority")

    def _zones(self, graph: Graph) -> Iterable[Issue]:
        z = self.zones
        if not isinstance(z, int):
            return
        if isinstance(self.instances, int) and z > 1 and self.instances % z:
            yield Issue(f"with zone awareness over {z} AZs the data node count is a multiple of {z}, this domain has "
                        f"{self.instances}", ("instances",), help=f"instances = {(self.instances // z + 1) * z}")
        if not self.subnets:
            return
        views, zones, vpcs = subnet_zones(graph, self.subnets)
        if len(self.subnets) != z:
            yield Issue(f"a VPC domain takes one subnet per zone: zones = {z}, {len(self.subnets)} subnets",
                        ("subnets",), help=f"zones = {len(self.subnets)}" if len(self.subnets) <= 3 else "")
        elif views and len(zones) < z:
            yield Issue(f"zone awareness over {z} AZs needs subnets in {z} Availability Zones, these cover "
                        f"{len(zones)}", ("subnets",),
                        related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in views),
                        help="one subnet in each AZ")
        if len(vpcs) > 1:
            yield Issue(f"a domain's subnets are all of one VPC; these are of {len(vpcs)}", ("subnets",))
        if len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, next(iter(vpcs)), "the domain's")

    def _standby(self) -> Iterable[Issue]:
        if self.standby is not True:
            if self.zones == 1:
                yield Issue("without zone awareness this domain lives in one AZ: it is lost with that AZ",
                            ("zones",), severity="warning", help="zones = 2 or 3 (and as many subnets)")
            return
        if self.zones != 3:
            yield Issue(f"Multi-AZ with standby spreads the domain over 3 AZs, this one has zones = {self.zones}",
                        ("standby",), help="zones = 3")
        elif self.masters is None:
            yield Issue("Multi-AZ with standby needs dedicated master nodes", ("standby",),
                        help="masters { count = 3 }")
        if isinstance(self.engine_version, str) and self.engine_version.startswith("Elasticsearch"):
            yield Issue("Multi-AZ with standby is OpenSearch's, not Elasticsearch's", ("engine_version",),
                        help=f"engine_version = {DEFAULT_VERSION}")
        if small(self.instance_type):
            yield Issue(f"Multi-AZ with standby does not run on T2/T3 instances ({self.instance_type})",
                        ("instance_type",), help="instance_type = \"r6g.large.search\"")

    def _security(self) -> Iterable[Issue]:
        if not self.subnets and self.public is not True:
            yield Issue("a domain without subnets has a public endpoint on the internet", ("subnets",),
                        help="subnets = [...] to keep it in your VPC, or public = true to mean it")
        if self.subnets and self.public is True:
            yield Issue("a domain in subnets is a VPC domain: public = true and subnets exclude each other",
                        ("public",))
        for flag, what in (("encrypt_at_rest", "encryption at rest"),
                           ("node_to_node_encryption", "node-to-node encryption"), ("enforce_https", "HTTPS")):
            if getattr(self, flag) is False:
                yield Issue(f"this domain turns {what} off", (flag,), severity="warning",
                            help=f"remove {flag} = false")
        if isinstance(self.instance_type, str) and self.instance_type.startswith("t2.") and self.encrypt_at_rest:
            yield Issue(f"T2 instances do not support encryption at rest ({self.instance_type})", ("instance_type",),
                        help="instance_type = \"t3.small.search\" or larger")
        if self.kms_key is not None and self.encrypt_at_rest is False:
            yield Issue("kms_key is for encryption at rest, which is off", ("kms_key",))
