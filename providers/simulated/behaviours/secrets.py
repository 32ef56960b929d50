"""Secrets Manager secrets and SSM parameters.

A secret is known by its ARN, `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX` (six
random characters Secrets Manager adds), named per region. What CreateSecret, RotateSecret and
ReplicateSecretToRegions refuse: a name taken, a rotation interval out of 1–1,000 days, a
replica in the secret's own region (a function of another region is not found). A secret's
value is sensitive: the cloud keeps a fingerprint of it only.

A parameter is known by its name (`/shop/prod/db-url`); its ARN is `…:parameter/shop/prod/db-url`.
PutParameter refuses a value over its tier's size (4 KB standard, 8 KB advanced), a name under
`aws`/`ssm` or deeper than 15 levels, and an advanced parameter made standard again. Each
change is a new version.
"""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .messaging import seconds

VALUE_LIMIT = {"Standard": 4096, "Advanced": 8192, "Intelligent-Tiering": 8192}
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class Secret(Named):
    service = "secretsmanager"
    name_max = 512
    name_taken_code = "ResourceExistsException"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"The operation failed because the secret {name} already exists."

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        suffix = "".join(_ALNUM[int(c, 16) * 4 % 62] for c in ids.digest(op.seed, n, "secret")[:6])
        return ids.arn("secretsmanager", rec.region, f"secret:{rec.name}-{suffix}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        rotation = at.get("rotation")
        if rotation:
            days = seconds(rotation.get("every"), 30 * 86400) / 86400
            require(1 <= days <= 1000, f"AutomaticallyAfterDays {days:g} must be between 1 and 1000",
                    "InvalidParameterException")
        regions = list(at.get("replica_regions") or [])
        require(rec.region not in regions, f"Invalid replica Region: {rec.region} is the secret's own Region",
                "InvalidParameterException")
        require(len(regions) == len(set(regions)), "A Region is listed twice in the replica Regions",
                "InvalidParameterException")
        window = seconds(at.get("recovery_window"), 30 * 86400) / 86400
        require(7 <= window <= 30, f"RecoveryWindowInDays {window:g} must be between 7 and 30",
                "InvalidParameterException")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        rotation = at.get("rotation") or {}
        return {"name": rec.name, "kms_key_id": at.get("kms_key") or "alias/aws/secretsmanager",
                "rotation_enabled": bool(rotation),
                "rotation_days": int(seconds(rotation.get("every"), 0) // 86400) if rotation else None,
                "replication_status": [{"region": region, "status": "InSync"}
                                       for region in at.get("replica_regions") or []]}


class SsmParameter(Named):
    service = "ssm"
    name_max = 1011
    name_taken_code = "ParameterAlreadyExists"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"The parameter {name} already exists."

    def arn(self, rec: Record) -> str:
        return ids.arn("ssm", rec.region, "parameter/" + rec.name.lstrip("/"))

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        name = at.get("name")
        if isinstance(name, str):
            require(not name.lstrip("/").lower().startswith(("aws", "ssm")),
                    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
                    "ValidationException")
            require(name.count("/") <= 15, f"The parameter {name} has more than 15 levels of hierarchy",
                    "HierarchyLevelLimitExceededException")
        tier = at.get("tier") or "Standard"
        value = at.get("value")
        text = ",".join(value) if isinstance(value, list) else value
        if isinstance(text, str):  # a SecureString's value reaches the cloud as a fingerprint only
            limit = VALUE_LIMIT.get(tier, 4096)
            require(len(text.encode()) <= limit, f"1 validation error detected: Value at 'value' failed to satisfy "
                    f"constraint: Member must have length less than or equal to {limit}", "ValidationException")
        if old is not None and (old.attrs.get("tier") or "Standard") != "Standard" and tier == "Standard":
            raise InvalidParameter(f"This parameter uses the {old.attrs.get('tier')} tier and can't be reverted to "
                                   "the Standard tier", code="ValidationException")
        require(at.get("type") == "SecureString" or not at.get("kms_key"),
                "KeyId is used with SecureString parameters only", "ValidationException")

    def update(self, op: Op, rec: Record, old: Record):
        rec.outputs = {"version": int((old.outputs or {}).get("version", 1)) + 1}

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        return {"name": rec.name, "type": at.get("type") or "String", "tier": at.get("tier") or "Standard",
                "version": (rec.outputs or {}).get("version", 1),
                "key_id": (at.get("kms_key") or "alias/aws/ssm") if at.get("type") == "SecureString" else None}


BEHAVIOURS = {"secret": Secret(), "ssm_parameter": SsmParameter()}
