"""RDS Proxy: named per region, with AWS's `prx-` resource id in its `db-proxy:` ARN; what
CreateDBProxy and RegisterDBProxyTargets refuse (subnets of one AZ, a target of another engine
family or another VPC, a read replica, no secret to sign in with); a proxy node (an address)
in each AZ of its subnets, which the chaos run fails with the AZ; its endpoint."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import by_az, check_groups_in_vpc, subnets_vpc
from .database import place_members, region_hash

FAMILY_OF = {"mysql": "MYSQL", "mariadb": "MYSQL", "aurora-mysql": "MYSQL", "postgres": "POSTGRESQL",
             "aurora-postgresql": "POSTGRESQL", "sqlserver": "SQLSERVER"}


class RdsProxy(Named):
    service = "rds"
    name_max = 60
    letter_first = True
    name_taken_code = "DBProxyAlreadyExistsFault"

    def regional_id(self, op: Op, rec: Record) -> str:
        return ids.arn("rds", rec.region, f"db-proxy:{self.resource_id(op, rec)}")

    @staticmethod
    def resource_id(op: Op, rec: Record) -> str:
        return "prx-" + ids.hex17(op.seed, rec.seq)

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        subnets = at.get("subnets") or []
        require(len(by_az(op, subnets)) >= 2 if subnets else False, "DB proxy requires subnets in at least two "
                "Availability Zones.", "InvalidSubnet")
        vpc = subnets_vpc(op, subnets, "DB proxy", code="InvalidSubnet")
        check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the proxy's subnets",
                            code="InvalidParameterCombination")
        target = op.the(at["target"]) if at.get("target") else None
        require(target is not None, "RegisterDBProxyTargets needs a DB instance or cluster", "InvalidParameterValue")
        engine = target.attrs.get("engine")
        family = FAMILY_OF.get(engine or "")
        require(family is not None, f"The engine {engine} isn't supported by RDS Proxy.", "InvalidParameterValue")
        wanted = (at.get("engine_family") or "").upper()
        require(not wanted or wanted == family, f"The engine family {wanted} of the proxy doesn't match the engine "
                f"{engine} of {target.name}.", "InvalidParameterCombination")
        require(not target.attrs.get("replica_of"), f"DB instance {target.name} is a read replica; a proxy targets its "
                "source.", "InvalidDBInstanceState")
        theirs = {op.the(s).attrs.get("vpc") for s in target.attrs.get("subnets") or []}
        if theirs and vpc not in theirs:
            raise InvalidParameter(f"The proxy's VPC {vpc} isn't the VPC of {target.name}.",
                                   code="InvalidParameterCombination")
        require(bool(at.get("secrets")) or bool(target.attrs.get("manage_master_password")),
                "Auth: a proxy needs at least one Secrets Manager secret to connect to the database.",
                "InvalidParameterValue")

    def create(self, op: Op, rec: Record):
        rec.outputs["resource_id"] = self.resource_id(op, rec)
        self._nodes(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        for node in op.tx.owned(rec.id, "rds_proxy_node"):
            op.remove(node)
        self._nodes(op, rec)

    def _nodes(self, op: Op, rec: Record):
        zones = by_az(op, rec.attrs.get("subnets") or [])
        place_members(op, rec, "rds_proxy_node", ["node"] * len(zones),
                      [f"{rec.name}-{az}" for az in zones])

    def outputs(self, op: Op, rec: Record) -> dict:
        h = "c" + region_hash(op, rec.region, "rds")[:11]
        target = op.tx.get(rec.attrs.get("target") or "")
        engine = target.attrs.get("engine") if target is not None else None
        return {"endpoint": f"{rec.name}.proxy-{h}.{rec.region}.rds.amazonaws.com",
                "resource_id": rec.outputs.get("resource_id"),
                "engine_family": (rec.attrs.get("engine_family") or "").upper() or FAMILY_OF.get(engine or ""),
                "target": rec.attrs.get("target"), "require_tls": bool(rec.attrs.get("require_tls")),
                "auth": list(rec.attrs.get("secrets") or [])
                or [f"the master user secret of {rec.attrs.get('target')}"],
                "nodes": [{"id": m.id, "az": m.az, "private_ip": m.attrs.get("private_ip")}
                          for m in op.tx.owned(rec.id, "rds_proxy_node")]}


BEHAVIOURS = {"rds_proxy": RdsProxy()}
