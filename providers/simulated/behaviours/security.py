"""ACM certificates and IAM (roles and customer-managed policies; IAM is global)."""

from __future__ import annotations

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, in_use, users_of


class Certificate(Behaviour):
    service = "acm"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.arn("acm", rec.region, f"certificate/{ids.uuid(op.seed, n)}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"status": "ISSUED", "domain": rec.attrs.get("domain")}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("load_balancer", "cloudfront"))
        if users:
            raise in_use(rec, users, code="ResourceInUseException", what=" (it is in use)")


class IamPolicy(Named):
    service = "iam"
    name_max = 128
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"
    id_is_name = False

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.arn("iam", None, f"policy/{rec.name}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("iam_role",))
        if users:
            raise in_use(rec, users, code="DeleteConflict", what=" (a policy attached to entities cannot be deleted)")


class IamRole(Named):
    service = "iam"
    name_max = 64
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("iam", None, f"role/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "unique_id": "AROA" + ids.upper_alnum(op.seed, rec.seq, 17, "aroa")}


BEHAVIOURS = {"certificate": Certificate(), "iam_policy": IamPolicy(), "iam_role": IamRole()}
