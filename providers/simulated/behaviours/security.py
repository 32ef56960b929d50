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


class IamEntity(Named):
    """What IAM's roles, policies, users, groups and instance profiles share: global names,
    EntityAlreadyExists, an ARN `arn:aws:iam::ACCOUNT:TYPE/NAME`, and the name among the outputs."""
    service = "iam"
    name_unique = "global"
    name_taken_code = "EntityAlreadyExists"
    arn_type = ""
    id_prefix = ""  # the unique id's four letters (AROA a role's, AIDA a user's)

    def arn(self, rec: Record) -> str:
        return ids.arn("iam", None, f"{self.arn_type}/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        out = {"name": rec.name}
        if self.id_prefix:
            out["unique_id"] = self.id_prefix + ids.upper_alnum(op.seed, rec.seq, 17, self.id_prefix.lower())
        return out

    def refuse_delete_while(self, op: Op, rec: Record, kinds: tuple, why: str):
        users = users_of(op, rec, kinds)
        if users:
            raise in_use(rec, users, code="DeleteConflict", what=f" ({why})")


class IamPolicy(IamEntity):
    name_max = 128
    id_is_name = False
    arn_type = "policy"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.arn("iam", None, f"policy/{rec.name}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def check_delete(self, op: Op, rec: Record):
        self.refuse_delete_while(op, rec, ("iam_role", "iam_user", "iam_group"),
                                 "a policy attached to entities cannot be deleted")


class IamRole(IamEntity):
    name_max = 64
    arn_type = "role"
    id_prefix = "AROA"

    def check_delete(self, op: Op, rec: Record):
        self.refuse_delete_while(op, rec, ("instance_profile",), "remove it from its instance profiles first")


class IamUser(IamEntity):
    name_max = 64
    arn_type = "user"
    id_prefix = "AIDA"

    def check_delete(self, op: Op, rec: Record):
        self.refuse_delete_while(op, rec, ("iam_group",), "remove the user from its groups first")


class IamGroup(IamEntity):
    name_max = 128
    arn_type = "group"


class InstanceProfile(IamEntity):
    name_max = 128
    arn_type = "instance-profile"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

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
