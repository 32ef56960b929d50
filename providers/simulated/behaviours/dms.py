"""AWS DMS (notes §25.3) in the modeled cloud: replication instances, endpoints and tasks, known
by their identifiers (lower case, a letter first); their ARNs end in DMS's 26-character
upper-case resource ids (`rep:`, `endpoint:`, `task:`).

A replication instance's compute is owned `dms_node` records: `primary` in the first subnet's
AZ and, for Multi-AZ, `standby` in another AZ of its subnet group (notes §25.3.4) — what the
chaos run fails. CreateReplicationInstance refuses a subnet group covering fewer than two AZs
(AWS's ReplicationSubnetGroupDoesNotCoverEnoughAZs); CreateEndpoint a source of a target-only
engine; CreateReplicationTask endpoints of the wrong direction.
"""

from __future__ import annotations

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import add_node, by_az, check_groups_in_vpc, subnets_vpc

TARGET_ONLY = ("dynamodb", "kinesis", "opensearch", "redshift")
_ARN_TYPE = {"dms_replication_instance": "rep", "dms_endpoint": "endpoint", "dms_replication_task": "task"}


class _Dms(Named):
    service = "dms"
    name_max = 63
    letter_first = True
    name_taken_code = "ResourceAlreadyExistsFault"

    def arn(self, rec: Record) -> str:
        # the resource id derives from the identifier (itself drawn from the run's seed)
        body = ids.upper_alnum(0, rec.seq or 0, 26, f"{rec.kind}/{rec.name}")
        return ids.arn("dms", rec.region, f"{_ARN_TYPE[rec.kind]}:{body}")


class ReplicationInstance(_Dms):
    def validate(self, op: Op, rec: Record, old: Record | None):
        subnets = rec.attrs.get("subnets") or []
        vpc = subnets_vpc(op, subnets, "replication subnet group", code="InvalidSubnet")
        require(len(by_az(op, subnets)) >= 2, "The replication subnet group does not cover enough Availability "
                "Zones (AZs). Edit replication subnet group and add more AZs.",
                "ReplicationSubnetGroupDoesNotCoverEnoughAZs")
        check_groups_in_vpc(op, rec.attrs.get("security_groups") or [], vpc, "the replication subnet group",
                            code="InvalidParameterValueException")

    def create(self, op: Op, rec: Record):
        zones = by_az(op, rec.attrs.get("subnets") or [])
        first = op.the((rec.attrs.get("subnets") or [])[0])
        picks = [("primary", first)]
        if rec.attrs.get("multi_az"):
            other = next(subs[0] for az, subs in zones.items() if az != first.attrs["az"])
            picks.append(("standby", other))
        for role, subnet in picks:
            add_node(op, rec, "dms_node", role, subnet, attrs={"name": role}, id=f"{rec.id}-{role}")

    def update(self, op: Op, rec: Record, old: Record):
        for node in op.tx.owned(rec.id, "dms_node"):
            op.remove(node)
        self.create(op, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        nodes = sorted(op.tx.owned(rec.id, "dms_node"), key=lambda n: n.role)
        primary = next((n for n in nodes if n.role == "primary"), None)
        return {"private_ip": primary.attrs.get("private_ip") if primary else None,
                "az": primary.az if primary else None, "status": "available",
                "nodes": [{"role": n.role, "az": n.az} for n in nodes]}


class Endpoint(_Dms):
    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        require(not (at.get("type") == "source" and at.get("engine") in TARGET_ONLY),
                f"{at.get('engine')} is not supported as a source endpoint.", "InvalidParameterValueException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"status": "active", "ssl_mode": rec.attrs.get("ssl_mode") or "require"}


class ReplicationTask(_Dms):
    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        for attr in ("source", "target"):
            endpoint = op.the(at.get(attr))
            require(endpoint.attrs.get("type") == attr, f"The {attr} endpoint {endpoint.id} is a "
                    f"{endpoint.attrs.get('type')} endpoint.", "InvalidParameterValueException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"status": "ready", "migration_type": rec.attrs.get("migration_type")}


BEHAVIOURS = {"dms_replication_instance": ReplicationInstance(), "dms_endpoint": Endpoint(),
              "dms_replication_task": ReplicationTask()}
