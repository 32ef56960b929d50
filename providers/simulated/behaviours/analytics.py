"""Analytics (notes §19): Redshift clusters and Serverless workgroups, OpenSearch domains, the
Glue Data Catalog's databases and crawlers, Athena workgroups.

- A Redshift cluster is named (its identifier, lower case); its nodes are one owned
  `redshift_node` record per AZ it runs in: the primary set in its first subnet's AZ and, for
  Multi-AZ, the secondary set in another. CreateCluster refuses a node count its node type
  does not take, Multi-AZ off RA3, a subnet group that spans too few AZs. The chaos run loses
  a single-AZ cluster with its AZ and restores it from its last automated snapshot.
- A Serverless workgroup and its namespace are named; AWS runs them across the subnets' AZs.
- An OpenSearch domain's data nodes (`opensearch_node`, role `data` or `standby`) and dedicated
  masters (`master`) are spread over its zone-aware AZs; CreateDomain refuses a subnet count
  other than the zone count and a data node count the zones do not divide.
- Glue databases and crawlers and Athena workgroups are catalogue entries, known by name.

Passwords are sensitive: the modeled cloud keeps only fingerprints of them.
"""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import add_node, by_az, check_groups_in_vpc, subnets_vpc
from .database import region_hash

SERVERLESS_TWO_AZ_REGIONS = frozenset({"us-west-1"})  # Redshift management guide, Serverless considerations
NODE_LIMITS = {"dc2.large": (1, 32), "dc2.8xlarge": (2, 128), "ra3.large": (1, 32), "ra3.xlplus": (1, 32),
               "ra3.4xlarge": (2, 64), "ra3.16xlarge": (2, 128)}


def _zones_of(op: Op, rec: Record) -> dict[str, list[Record]]:
    return by_az(op, rec.attrs.get("subnets") or [])


class RedshiftCluster(Named):
    service = "redshift"
    name_max = 63
    letter_first = True
    name_taken_code = "ClusterAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("redshift", rec.region, f"cluster:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        node_type, nodes = at.get("node_type") or "ra3.xlplus", at.get("nodes") or 2
        lo, hi = NODE_LIMITS.get(node_type, (1, 128))
        require(lo <= nodes <= hi, f"Number of nodes for node type {node_type} must be between {lo} and {hi}.",
                "InvalidParameterCombination")
        if at.get("multi_az"):
            require(node_type.startswith("ra3.") and nodes >= 2, "Multi-AZ is supported only for RA3 clusters with "
                    "two or more nodes.", "InvalidParameterCombination")
        subnets = at.get("subnets") or []
        require(bool(subnets), "A cluster subnet group is required to launch a cluster in a VPC.",
                "ClusterSubnetGroupNotFoundFault")
        vpc = subnets_vpc(op, subnets, "cluster subnet group", code="InvalidSubnet")
        check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the cluster's subnets",
                            code="InvalidParameterCombination")
        if at.get("multi_az") and len(by_az(op, subnets)) < 2:
            raise InvalidParameter("The cluster subnet group must have subnets in at least two Availability Zones "
                                   "for a Multi-AZ cluster.", code="InvalidClusterSubnetGroupStateFault")

    def roles(self, rec: Record) -> list[str]:
        return ["primary", "secondary"] if rec.attrs.get("multi_az") else ["primary"]

    def create(self, op: Op, rec: Record):
        zones = _zones_of(op, rec)
        for i, role in enumerate(self.roles(rec)):
            az = list(zones)[i % len(zones)]
            add_node(op, rec, "redshift_node", role, zones[az][0],
                     attrs={"name": role, "nodes": rec.attrs.get("nodes") or 2},
                     id=f"{rec.id}/{role}")

    def update(self, op: Op, rec: Record, old: Record):
        for node in op.tx.owned(rec.id, "redshift_node"):
            op.remove(node)
        self.create(op, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        h = region_hash(op, rec.region, "redshift")[:12]
        nodes = op.tx.owned(rec.id, "redshift_node")
        secret = (ids.arn("secretsmanager", rec.region, f"secret:redshift!{rec.name}-archform-"
                          f"{ids.base36(op.seed, rec.seq or 0, 6, 'secret')}")
                  if rec.attrs.get("manage_master_password") else None)
        return {"endpoint": f"{rec.name}.{h}.{rec.region}.redshift.amazonaws.com",
                "port": rec.attrs.get("port") or 5439, "az": nodes[0].az if nodes else None,
                "master_password_secret_arn": secret, "cluster_status": "available",
                "nodes": [{"role": n.role, "az": n.az} for n in nodes]}


class RedshiftServerless(Named):
    """The workgroup's name is the namespace's unless `namespace` names that one."""

    service = "redshift-serverless"
    name_max = 63
    letter_first = True
    name_taken_code = "ConflictException"
    id_is_name = False

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.uuid(op.seed, n, "redshift-serverless")

    def arn(self, rec: Record) -> str:
        return ids.arn("redshift-serverless", rec.region, f"workgroup/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        base = at.get("base_capacity") or 8
        require(8 <= base <= 512 and base % 8 == 0, "Base capacity must be between 8 and 512 RPUs, in units of 8.",
                "ValidationException")
        subnets = at.get("subnets") or []
        vpc = subnets_vpc(op, subnets, "workgroup", code="ValidationException") if subnets else None
        need = 2 if rec.region in SERVERLESS_TWO_AZ_REGIONS else 3  # us-west-1: three subnets over its two AZs
        require(len(subnets) >= 3 and len(by_az(op, subnets)) >= need, "Your workgroup requires at least three "
                f"subnets in at least {'two' if need == 2 else 'three'} Availability Zones.", "ValidationException")
        check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the workgroup's subnets",
                            code="ValidationException")

    def outputs(self, op: Op, rec: Record) -> dict:
        namespace = rec.attrs.get("namespace") or rec.name
        return {"endpoint": f"{rec.name}.{ids.ACCOUNT}.{rec.region}.redshift-serverless.amazonaws.com",
                "port": rec.attrs.get("port") or 5439,
                "namespace": namespace,
                "namespace_arn": ids.arn("redshift-serverless", rec.region,
                                         f"namespace/{ids.uuid(op.seed, rec.seq or 0, 'namespace')}"),
                "status": "AVAILABLE"}


class OpensearchDomain(Named):
    service = "es"
    name_max = 28
    letter_first = True
    name_taken_code = "ResourceAlreadyExistsException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("es", rec.region, f"domain/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        zones, count = at.get("zones") or 1, at.get("instances") or 2
        subnets = at.get("subnets") or []
        if subnets:
            vpc = subnets_vpc(op, subnets, "domain", code="ValidationException")
            require(len(subnets) == zones, f"You must specify exactly {zones} subnet{'s' if zones > 1 else ''} "
                    f"because you've set zone count to {zones}.", "ValidationException")
            require(len(by_az(op, subnets)) == zones, "The subnets of a zone-aware domain must be in different "
                    "Availability Zones.", "ValidationException")
            check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the domain's subnets",
                                code="ValidationException")
        require(count % zones == 0, f"You must choose a multiple of {zones} data nodes for a {zones} Availability "
                "Zone deployment.", "ValidationException")
        if at.get("standby"):
            require(zones == 3 and bool(at.get("masters")), "Multi-AZ with Standby requires three Availability "
                    "Zones and dedicated master nodes.", "ValidationException")

    def _zones(self, op: Op, rec: Record) -> list[tuple[str, Record | None]]:
        n = rec.attrs.get("zones") or 1
        subnets = _zones_of(op, rec)
        if subnets:
            return [(az, ss[0]) for az, ss in list(subnets.items())[:n]]
        return [(az, None) for az in op.zones(rec.region)[:n]]

    def create(self, op: Op, rec: Record):
        """Data nodes round robin over the zones; with standby, the last zone's are the standby.
        Dedicated masters round robin too."""
        zones = self._zones(op, rec)
        standby = bool(rec.attrs.get("standby")) and len(zones) == 3
        masters = (rec.attrs.get("masters") or {}).get("count") or 0
        for role, count in (("data", rec.attrs.get("instances") or 2), ("master", masters)):
            for i in range(count):
                az, subnet = zones[i % len(zones)]
                node_role = "standby" if role == "data" and standby and i % len(zones) == 2 else role
                name = f"{role}-{i + 1}"  # a chaos fault names it: primary.search/data-1
                if subnet is not None:
                    add_node(op, rec, "opensearch_node", node_role, subnet, attrs={"name": name},
                             id=f"{rec.id}/{name}")
                else:
                    op.add_owned(rec, "opensearch_node", node_role, {"name": name}, az=az, id=f"{rec.id}/{name}")

    def update(self, op: Op, rec: Record, old: Record):
        for node in op.tx.owned(rec.id, "opensearch_node"):
            op.remove(node)
        self.create(op, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        h = ids.base36(op.seed, rec.seq or 0, 26, "es")
        vpc = bool(rec.attrs.get("subnets"))
        return {"endpoint": f"{'vpc' if vpc else 'search'}-{rec.name}-{h}.{rec.region}.es.amazonaws.com",
                "domain_id": f"{ids.ACCOUNT}/{rec.name}", "cluster_health": "green",
                "zones": sorted({n.az for n in op.tx.owned(rec.id, "opensearch_node") if n.az})}


class GlueDatabase(Named):
    service = "glue"
    name_max = 255

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def identity(self, op: Op, rec: Record) -> None:
        super().identity(op, rec)
        rec.name = rec.name.replace("-", "_")  # Athena reads lower case and '_' only
        rec.id = self.regional_id(op, rec)

    def arn(self, rec: Record) -> str:
        return ids.arn("glue", rec.region, f"database/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}


class GlueCrawler(Named):
    service = "glue"
    name_max = 255

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("glue", rec.region, f"crawler/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        require(bool(rec.attrs.get("s3")), "Crawler must have at least one target.", "InvalidInputException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "state": "READY",
                "schedule_state": "SCHEDULED" if rec.attrs.get("schedule") else "NOT_SCHEDULED"}


class AthenaWorkgroup(Named):
    service = "athena"
    name_max = 128

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def validate(self, op: Op, rec: Record, old: Record | None):
        require(rec.attrs.get("name") != "primary", "WorkGroup primary already exists", "InvalidRequestException")

    def arn(self, rec: Record) -> str:
        return ids.arn("athena", rec.region, f"workgroup/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        bucket = op.get(rec.attrs.get("results"))
        where = bucket.name if bucket is not None else rec.attrs.get("results")
        return {"name": rec.name, "state": "ENABLED",
                "output_location": f"s3://{where}/{rec.attrs.get('prefix') or ''}"}


BEHAVIOURS = {"redshift_cluster": RedshiftCluster(), "redshift_serverless": RedshiftServerless(),
              "opensearch_domain": OpensearchDomain(), "glue_database": GlueDatabase(),
              "glue_crawler": GlueCrawler(), "athena_workgroup": AthenaWorkgroup()}
