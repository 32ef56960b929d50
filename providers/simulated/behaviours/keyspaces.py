"""Amazon Keyspaces keyspaces and tables, Timestream databases and tables (notes §18.9,
§18.10): serverless, known by name. A keyspace's name is unique in its region, a table's in
its keyspace (or database); a table's id is its ARN (region, keyspace and name: unique in the account).
CreateKeyspace refuses a multi-Region keyspace without its own Region or with fewer than two;
CreateTable refuses a table whose keyspace (database) does not exist, provisioned capacity
without capacity units, retention outside AWS's ranges."""

from __future__ import annotations

from archform.providers.base import Conflict

from .. import ids
from ..chaos.units import seconds as seconds_of
from ..operation import Op
from ..store import Record
from .base import Named, require


def _underscored(name: str) -> str:
    return name.replace("-", "_")


class KeyspacesKeyspace(Named):
    service = "cassandra"
    name_max = 48
    letter_first = True
    name_taken_code = "ConflictException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def identity(self, op: Op, rec: Record) -> None:
        super().identity(op, rec)
        rec.name = _underscored(rec.name)  # Keyspaces names take '_', not '-'
        rec.id = self.regional_id(op, rec)

    def validate(self, op: Op, rec: Record, old: Record | None):
        regions = rec.attrs.get("regions") or []
        if regions:
            require(rec.region in regions and len(set(regions)) >= 2,
                    "regionList requires the current Region and at least one additional AWS Region.",
                    "ValidationException")

    def arn(self, rec: Record) -> str:
        return ids.arn("cassandra", rec.region, f"/keyspace/{rec.name}/")

    def outputs(self, op: Op, rec: Record) -> dict:
        regions = rec.attrs.get("regions") or []
        return {"name": rec.name, "replication_strategy": "MULTI_REGION" if regions else "SINGLE_REGION",
                "regions": sorted(regions) or [rec.region]}


class ChildTable(Named):
    """A table named within its parent (a keyspace or a database)."""

    parent = "keyspace"
    name_max = 48

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        parent = op.the(rec.attrs[self.parent])
        name = self.explicit_name(rec) or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                             self.name_max, letter_first=True)
        name = self.clean(name)
        # its ARN (the region, the parent and the name) is its id: unique in the account
        rec.name, rec.id = name, ids.arn(self.service, rec.region, self.path(parent.name, name))
        if op.tx.get(rec.id) is not None:
            raise Conflict(f"Table {name} already exists in {parent.name}", code="ConflictException")

    def clean(self, name: str) -> str:
        return name

    def arn(self, rec: Record) -> str:
        return rec.id

    def path(self, parent: str, name: str) -> str:
        return f"/keyspace/{parent}/table/{name}"


class KeyspacesTable(ChildTable):
    service = "cassandra"

    def clean(self, name: str) -> str:
        return _underscored(name)

    def validate(self, op: Op, rec: Record, old: Record | None):
        if rec.attrs.get("capacity") == "provisioned":
            require(bool(rec.attrs.get("read_capacity")) and bool(rec.attrs.get("write_capacity")),
                    "Provisioned throughput requires read and write capacity units.", "ValidationException")
        columns = rec.attrs.get("columns") or {}
        for col in list(rec.attrs.get("partition_key") or []) + list(rec.attrs.get("clustering_key") or []):
            require(col in columns, f"Unknown column {col} in the primary key.", "ValidationException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "status": "ACTIVE",
                "capacity_mode": "PROVISIONED" if rec.attrs.get("capacity") == "provisioned" else "PAY_PER_REQUEST",
                "point_in_time_recovery": "ENABLED" if rec.attrs.get("point_in_time_recovery", True) else "DISABLED",
                "encryption": "CUSTOMER_MANAGED_KMS_KEY" if rec.attrs.get("kms_key") else "AWS_OWNED_KMS_KEY"}


class TimestreamDatabase(Named):
    service = "timestream"
    name_max = 256
    name_taken_code = "ConflictException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("timestream", rec.region, f"database/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        key = rec.attrs.get("kms_key") or ids.arn("kms", rec.region, "alias/aws/timestream")
        return {"name": rec.name, "kms_key": key}


class TimestreamTable(ChildTable):
    service = "timestream"
    parent = "database"
    name_max = 256

    def path(self, parent: str, name: str) -> str:
        return f"database/{parent}/table/{name}"

    def validate(self, op: Op, rec: Record, old: Record | None):
        memory = seconds_of(rec.attrs.get("memory_retention"), 86400.0) / 3600
        magnetic = seconds_of(rec.attrs.get("magnetic_retention"), 365 * 86400.0) / 86400
        require(1 <= memory <= 8766, "MemoryStoreRetentionPeriodInHours must be between 1 and 8766.",
                "ValidationException")
        require(1 <= magnetic <= 73000, "MagneticStoreRetentionPeriodInDays must be between 1 and 73000.",
                "ValidationException")

    def outputs(self, op: Op, rec: Record) -> dict:
        memory = seconds_of(rec.attrs.get("memory_retention"), 86400.0)
        magnetic = seconds_of(rec.attrs.get("magnetic_retention"), 365 * 86400.0)
        return {"name": rec.name, "status": "ACTIVE", "memory_store_hours": int(memory // 3600),
                "magnetic_store_days": int(magnetic // 86400),
                "magnetic_writes": bool(rec.attrs.get("magnetic_writes"))}


BEHAVIOURS = {"keyspaces_keyspace": KeyspacesKeyspace(), "keyspaces_table": KeyspacesTable(),
              "timestream_database": TimestreamDatabase(), "timestream_table": TimestreamTable()}
