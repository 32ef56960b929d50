"""ACM certificates, IAM (roles, customer-managed policies, users, groups, instance profiles; IAM
is global) and Organizations service control policies.

IAM refuses to delete what is still in use (DeleteConflict): a policy attached to a role, user
or group, a role in an instance profile, a user still in a group."""

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
        users = users_of(op, rec, ("iam_role", "iam_user", "iam_group"))
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

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("instance_profile",))
        if users:
            raise in_use(rec, users, code="DeleteConflict", what=" (remove it from its instance profiles first)")


class IamUser(Named):
    service = "iam"
    name_max = 64
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("iam", None, f"user/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "unique_id": "AIDA" + ids.upper_alnum(op.seed, rec.seq, 17, "aida")}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("iam_group",))
        if users:
            raise in_use(rec, users, code="DeleteConflict", what=" (remove the user from its groups first)")


class IamGroup(Named):
    service = "iam"
    name_max = 128
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("iam", None, f"group/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}


class InstanceProfile(Named):
    service = "iam"
    name_max = 128
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("iam", None, f"instance-profile/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "profile_name": rec.name, "profile_arn": self.arn(rec)}


class Scp(Behaviour):
    """An SCP lives in the organisation (the management account): p- and 8 characters."""
    service = "organizations"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = "p-" + ids.base36(op.seed, n, 8, "scp")

    def arn(self, rec: Record) -> str:
        return ids.arn("organizations", None, f"policy/o-exampleorg/service_control_policy/{rec.id}")


BEHAVIOURS = {"certificate": Certificate(), "iam_policy": IamPolicy(), "iam_role": IamRole(), "iam_user": IamUser(),
              "iam_group": IamGroup(), "instance_profile": InstanceProfile(), "scp": Scp()}
