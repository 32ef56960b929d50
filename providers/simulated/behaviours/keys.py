"""KMS keys: known by their ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`). A single-region key's
id is a UUID; a multi-region key's is `mrk-` and 32 hex digits, shared by its replicas in
other regions (notes §23.2.3), which is why the record is keyed by the ARN. What CreateKey,
ReplicateKey and CreateAlias refuse: a usage the spec does not allow, rotation of an
asymmetric key, a replica of a single-region key or in its primary's region, an alias taken
in the region. Deleting a key schedules its deletion (the key is pending for its window)."""

from __future__ import annotations

from archform.providers.base import Conflict, InvalidParameter
from archform.stdlib.security_facts import SYMMETRIC, USAGES, default_usage

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, in_use, require, users_of
from .messaging import seconds


def key_id(rec: Record) -> str:
    return rec.id.rsplit("/", 1)[-1]


class KmsKey(Behaviour):
    service = "kms"

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        primary = op.get(at.get("replica_of"))
        if primary is not None:
            require(primary.attrs.get("multi_region") is True and not primary.attrs.get("replica_of"),
                    f"{primary.id} is not a multi-Region primary key", "UnsupportedOperationException")
            require(primary.region != rec.region, f"The primary key {primary.id} is in {rec.region}: a replica is "
                    "created in another Region", "ValidationException")
            return
        spec = at.get("spec") or SYMMETRIC
        usage = at.get("usage") or default_usage(spec)
        require(usage in USAGES.get(spec, ()), f"KeyUsage {usage} is not compatible with KeySpec {spec}",
                "ValidationException")
        require(not (at.get("rotation") is True and spec != SYMMETRIC),
                f"Automatic key rotation is not supported for {spec} keys", "UnsupportedOperationException")
        days = seconds(at.get("deletion_window"), 30 * 86400) / 86400
        require(7 <= days <= 30, f"PendingWindowInDays {days:g} must be between 7 and 30", "ValidationException")

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        primary = op.get(rec.attrs.get("replica_of"))
        if primary is not None:
            body = key_id(primary)  # a replica shares its primary's key id
            taken = op.tx.get(ids.arn("kms", rec.region, f"key/{body}"))
            if taken is not None:
                raise Conflict(f"The key {body} already has a replica in {rec.region}", code="AlreadyExistsException")
        elif rec.attrs.get("multi_region"):
            body = "mrk-" + ids.digest(op.seed, n, "mrk")[:32]
        else:
            body = ids.uuid(op.seed, n, "kms")
        rec.id = ids.arn("kms", rec.region, f"key/{body}")
        self._aliases_free(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._aliases_free(op, rec)

    def _aliases_free(self, op: Op, rec: Record):
        for alias in rec.attrs.get("aliases") or []:
            require(not alias.startswith("alias/aws/"), f"{alias}: the alias/aws/ prefix is reserved for AWS "
                    "managed keys", "NotAuthorizedException", error=InvalidParameter)
            for other in op.tx.query("kind = ? AND region = ? AND id != ?", ("kms_key", rec.region, rec.id)):
                if alias in (other.attrs.get("aliases") or []):
                    raise Conflict(f"An alias with the name arn:aws:kms:{rec.region}:{ids.ACCOUNT}:{alias} already "
                                   "exists", code="AlreadyExistsException")

    def arn(self, rec: Record) -> str:
        return rec.id

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        primary = op.get(at.get("replica_of"))
        source = primary.attrs if primary is not None else at
        spec = source.get("spec") or SYMMETRIC
        rotation = source.get("rotation")
        return {"key_id": key_id(rec), "key_spec": spec, "key_usage": source.get("usage") or default_usage(spec),
                "key_state": "Enabled" if at.get("enabled", True) is not False else "Disabled",
                "multi_region": primary is not None or bool(at.get("multi_region")),
                "multi_region_key_type": "REPLICA" if primary is not None
                else "PRIMARY" if at.get("multi_region") else None,
                "key_rotation_enabled": rotation is True or (rotation is None and spec == SYMMETRIC),
                "pending_window_days": int(seconds(at.get("deletion_window"), 30 * 86400) // 86400)}

    def check_delete(self, op: Op, rec: Record):
        replicas = users_of(op, rec, ("kms_key",))
        if replicas:
            raise in_use(rec, replicas, code="UnsupportedOperationException",
                         what=" (a multi-Region primary key with replicas cannot be scheduled for deletion)")


BEHAVIOURS = {"kms_key": KmsKey()}
