"""AWS Backup in the modeled cloud (notes §25.5): vaults named per region (their name is their
id, as AWS's), plans known by a UUID with a version; what AWS Backup refuses (a rule deleting a
recovery point before its 90 days in cold storage, a copy to a vault that does not exist, a rule
into a locked vault outside the lock's retention)."""

from __future__ import annotations

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, require

DAY = 86400
CODE = "InvalidParameterValueException"


class BackupVault(Named):
    service = "backup"
    name_max = 50
    name_taken_code = "AlreadyExistsException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("backup", rec.region, f"backup-vault:{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        lock = rec.attrs.get("lock")
        return {"arn": self.arn(rec), "name": rec.name, "locked": bool(lock),
                "encryption_key": rec.attrs.get("kms_key") or "alias/aws/backup"}


def _days(value) -> float | None:
    if value is None:
        return None
    from archform.stdlib.types import dur
    return float(dur(value).seconds) / DAY if isinstance(value, str) else float(value) / DAY


class BackupPlan(Behaviour):
    service = "backup"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.uuid(op.seed, n, "backup-plan")

    def arn(self, rec: Record) -> str:
        return ids.arn("backup", rec.region, f"backup-plan:{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        for rule in rec.attrs.get("rule") or []:
            self._lifecycle(rule.get("cold_storage_after"), rule.get("delete_after"))
            self._lock(op.the(rule["vault"]), rule.get("delete_after"))
            for copy in rule.get("copy_to") or []:
                self._lifecycle(copy.get("cold_storage_after"), copy.get("delete_after"))
                self._lock(op.the(copy["vault"]), copy.get("delete_after"))

    @staticmethod
    def _lifecycle(cold, delete):
        cold, delete = _days(cold), _days(delete)
        if cold is not None and delete is not None:
            require(delete >= cold + 90, f"DeleteAfterDays ({delete:g}) must be at least 90 days greater than "
                    f"MoveToColdStorageAfterDays ({cold:g})", CODE)

    @staticmethod
    def _lock(vault: Record, delete):
        lock = vault.attrs.get("lock")
        if not lock:
            return
        keep, lo, hi = _days(delete), _days(lock.get("min_retention")), _days(lock.get("max_retention"))
        require(not (keep is not None and lo is not None and keep < lo) and
                not (keep is not None and hi is not None and keep > hi) and not (keep is None and hi is not None),
                f"The retention is outside the vault lock's range of backup vault {vault.id}", CODE)

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "version": ids.base36(op.seed, rec.seq or 0, 32, "backup-version"),
                "name": rec.attrs.get("name") or ids.slug(rec.address, "backup-plan")}


BEHAVIOURS = {"backup_vault": BackupVault(), "backup_plan": BackupPlan()}
