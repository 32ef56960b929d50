"""Databases: RDS instances (a primary, a Multi-AZ standby, or a Multi-AZ cluster's writer and
two readable standbys), Aurora clusters (a writer and replicas spread over the subnets' AZs),
ElastiCache (nodes per shard) and DynamoDB tables. Each database instance or cache node is a
record the resource owns, in an AZ, with an address in one of the subnets."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import endpoints, ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import add_node, by_az, check_groups_in_vpc, subnets_vpc

from archform.stdlib.engines import ENGINE_PORTS

DEFAULT_PORTS = {**ENGINE_PORTS, "valkey": 6379}


def port_of(rec: Record) -> int | None:
    port = rec.attrs.get("port")
    return port if port is not None else DEFAULT_PORTS.get(rec.attrs.get("engine") or "")


def region_hash(op: Op, region: str | None, salt: str) -> str:
    """RDS and ElastiCache endpoints carry one identifier per account and region."""
    return ids.base36(op.seed, 0, 12, f"{salt}/{region}")


def check_subnet_group(op: Op, rec: Record, min_azs: int, what: str):
    subnets = rec.attrs.get("subnets") or []
    if not subnets:
        return None
    vpc = subnets_vpc(op, subnets, what, code="InvalidSubnet")
    zones = by_az(op, subnets)
    if len(zones) < min_azs:
        raise InvalidParameter(f"The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
                               f"Current AZ coverage: {', '.join(zones)}. Add subnets to cover at least "
                               f"{min_azs} AZs.", code="DBSubnetGroupDoesNotCoverEnoughAZs")
    check_groups_in_vpc(op, rec.attrs.get("security_groups") or [], vpc, f"the {what}'s subnets",
                        code="InvalidParameterCombination")
    return vpc


# members that are AWS resources of their own, known by their ARN (their identifier is unique in
# the region only): `arn:aws:rds:us-east-1:ACCOUNT:db:shop-instance-1`
_MEMBER_ARN = {"rds_instance": ("rds", "db"), "aurora_instance": ("rds", "db"), "docdb_instance": ("rds", "db"),
               "neptune_instance": ("rds", "db"), "cache_node": ("elasticache", "cluster")}


def member_id(owner: Record, kind: str, name: str | None) -> str | None:
    """A named member's id, unique in the account: its ARN, or (a node AWS does not expose) its
    owner's id and its name."""
    if name is None:
        return None
    if kind in _MEMBER_ARN:
        service, what = _MEMBER_ARN[kind]
        return ids.arn(service, owner.region, f"{what}:{name}")
    return f"{owner.id}/{name}"


def place_members(op: Op, owner: Record, kind: str, roles: list[str], names: list[str] | None = None,
                  start: int = 0) -> list[Record]:
    """Owned members, the i-th in the (start+i)-th AZ of the subnets (round robin), each with an
    address in the first listed subnet of its AZ; without subnets, in the region's AZs."""
    zones = by_az(op, owner.attrs.get("subnets") or [])
    region_zones = op.zones(owner.region)
    made = []
    for i, role in enumerate(roles):
        k = start + i
        name = names[i] if names else None
        id = member_id(owner, kind, name)
        if zones:
            az = list(zones)[k % len(zones)]
            node = add_node(op, owner, kind, role, zones[az][0], attrs={"name": name} if name else None, id=id)
        else:
            az = region_zones[k % len(region_zones)] if region_zones else None
            node = op.add_owned(owner, kind, role, {"name": name} if name else {}, az=az, id=id)
        made.append(node)
    return made


class Rds(Named):
    service = "rds"
    name_max = 63
    letter_first = True
    name_taken_code = "DBInstanceAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("rds", rec.region, f"db:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        cluster = rec.attrs.get("deployment") == "cluster"
        check_subnet_group(op, rec, 3 if cluster else 2, "DB instance")

    def roles(self, rec: Record) -> list[str]:
        if rec.attrs.get("deployment") == "cluster":
            return ["writer", "reader", "reader"]
        return ["primary", "standby"] if rec.attrs.get("multi_az") else ["primary"]

    def create(self, op: Op, rec: Record):
        roles = self.roles(rec)
        place_members(op, rec, "rds_instance", roles, [f"{rec.name}-instance-{k + 1}" for k in range(len(roles))])

    def update(self, op: Op, rec: Record, old: Record):
        members = op.tx.owned(rec.id, "rds_instance")
        wanted = self.roles(rec)
        for extra in members[len(wanted):]:
            op.remove(extra)
        if len(members) < len(wanted):
            names = [f"{rec.name}-instance-{k + 1}" for k in range(len(members), len(wanted))]
            place_members(op, rec, "rds_instance", wanted[len(members):], names, start=len(members))

    def outputs(self, op: Op, rec: Record) -> dict:
        h = "c" + region_hash(op, rec.region, "rds")[:11]
        cluster = "cluster-" if rec.attrs.get("deployment") == "cluster" else ""
        members = op.tx.owned(rec.id, "rds_instance")
        return {"endpoint": f"{rec.name}.{cluster}{h}.{rec.region}.rds.amazonaws.com", "port": port_of(rec),
                "az": members[0].az if members else None,
                "instances": [{"id": m.id, "role": m.role, "az": m.az, "private_ip": m.attrs.get("private_ip")}
                              for m in members]}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection"):
            raise InvalidParameter("Cannot delete protected DB Instance, please disable deletion protection and try "
                                   "again.", code="InvalidParameterCombination")


class StorageCluster(Named):
    """A cluster-storage database (Aurora, DocumentDB, Neptune: `stdlib/cluster_storage.py`):
    instance 1 is the writer, in the first AZ of the subnets; replicas follow round robin, as
    owned `member` records. Subclasses name the member kind, the endpoint's domain and how
    AWS's messages call the cluster."""

    service = "rds"
    name_max = 63
    letter_first = True
    name_taken_code = "DBClusterAlreadyExistsFault"
    member = "aurora_instance"
    domain = "rds.amazonaws.com"
    called = "An Aurora cluster"
    port: int | None = None  # the engine's port when the cluster's engine has none in DEFAULT_PORTS

    def arn(self, rec: Record) -> str:
        return ids.arn("rds", rec.region, f"cluster:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        require(bool(rec.attrs.get("subnets")), f"{self.called} needs a DB subnet group (subnets)",
                "DBSubnetGroupNotFoundFault")
        check_subnet_group(op, rec, 2, "DB cluster")

    def create(self, op: Op, rec: Record):
        self._resize(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._resize(op, rec)

    def _resize(self, op: Op, rec: Record):
        members = op.tx.owned(rec.id, self.member)
        wanted = int(rec.attrs.get("instances") or 1)
        for extra in sorted(members, key=lambda m: m.seq)[wanted:]:
            op.remove(extra)  # replicas go newest first; the writer is the oldest
        have = len(members)
        if have < wanted:
            roles = ["writer" if i == 0 else "reader" for i in range(have, wanted)]
            names = [f"{rec.name}-instance-{i + 1}" for i in range(have, wanted)]
            taken = {m.attrs.get("name") for m in members}
            names = [n if n not in taken else f"{n}-{ids.base36(op.seed, rec.seq, 4, n)}" for n in names]
            place_members(op, rec, self.member, roles, names, start=have)

    def outputs(self, op: Op, rec: Record) -> dict:
        h = "c" + region_hash(op, rec.region, "rds")[:11]
        host = f"{h}.{rec.region}.{self.domain}"
        members = op.tx.owned(rec.id, self.member)
        return {"endpoint": f"{rec.name}.cluster-{host}", "reader_endpoint": f"{rec.name}.cluster-ro-{host}",
                "port": port_of(rec) or self.port,
                "instances": [{"id": m.id, "role": m.role, "az": m.az, "private_ip": m.attrs.get("private_ip"),
                               "endpoint": f"{m.attrs.get('name')}.{host}"} for m in members]}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection"):
            raise InvalidParameter("Cannot delete protected Cluster, please disable deletion protection and try "
                                   "again.", code="InvalidParameterCombination")


class Aurora(StorageCluster):
    """Aurora's instances are `aurora_instance` records; its endpoints are RDS's."""


class ElastiCache(Named):
    service = "elasticache"
    name_max = 40
    letter_first = True
    name_taken_code = "ReplicationGroupAlreadyExists"

    def arn(self, rec: Record) -> str:
        what = "cluster" if rec.attrs.get("engine") == "memcached" else "replicationgroup"
        return ids.arn("elasticache", rec.region, f"{what}:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        subnets = rec.attrs.get("subnets") or []
        if subnets:
            vpc = subnets_vpc(op, subnets, "cache subnet group", code="InvalidSubnet")
            check_groups_in_vpc(op, rec.attrs.get("security_groups") or [], vpc, "the cache's subnets",
                                code="InvalidParameterCombination")

    def roles(self, rec: Record) -> list[str]:
        a = rec.attrs
        if a.get("engine") == "memcached":
            return ["node"] * int(a.get("nodes") or 1)
        roles = []
        for _ in range(int(a.get("shards") or 1)):
            roles += ["primary"] + ["replica"] * int(a.get("replicas_per_shard") or 0)
        return roles

    def create(self, op: Op, rec: Record):
        roles = self.roles(rec)
        place_members(op, rec, "cache_node", roles, [f"{rec.name}-{k + 1:03d}" for k in range(len(roles))])

    def update(self, op: Op, rec: Record, old: Record):
        if self.roles(rec) != self.roles(old):
            for node in op.tx.owned(rec.id, "cache_node"):
                op.remove(node)
            self.create(op, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        h = region_hash(op, rec.region, "cache")[:6]
        short = endpoints.short_region(rec.region)
        engine = rec.attrs.get("engine")
        if engine == "memcached":
            endpoint, reader = f"{rec.name}.{h}.cfg.{short}.cache.amazonaws.com", None
        elif int(rec.attrs.get("shards") or 1) > 1:
            endpoint, reader = f"clustercfg.{rec.name}.{h}.{short}.cache.amazonaws.com", None
        else:
            endpoint = f"master.{rec.name}.{h}.{short}.cache.amazonaws.com"
            reader = f"replica.{rec.name}.{h}.{short}.cache.amazonaws.com"
        return {"endpoint": endpoint, "reader_endpoint": reader, "port": port_of(rec)}


class DynamoDbTable(Named):
    service = "dynamodb"
    name_max = 255
    name_taken_code = "ResourceInUseException"

    def arn(self, rec: Record) -> str:
        return ids.arn("dynamodb", rec.region, f"table/{rec.name}")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, None)

    def update(self, op: Op, rec: Record, old: Record | None):
        had = old is not None and old.attrs.get("stream")
        if rec.attrs.get("stream") and not had:
            n = op.number()  # a new stream gets a new label
            rec.outputs["stream_label"] = f"2026-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000"
        elif not rec.attrs.get("stream"):
            rec.outputs["stream_label"] = None

    def outputs(self, op: Op, rec: Record) -> dict:
        label = rec.outputs.get("stream_label")
        return {"name": rec.name, "stream_label": label,
                "stream_arn": f"{self.arn(rec)}/stream/{label}" if label else None}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection"):
            raise InvalidParameter(f"Resource cannot be deleted as it is currently protected against deletion: "
                                   f"table {rec.name}", code="ValidationException")


BEHAVIOURS = {"rds": Rds(), "aurora": Aurora(), "elasticache": ElastiCache(), "dynamodb_table": DynamoDbTable()}
