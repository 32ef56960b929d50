"""Amazon Keyspaces and Timestream: `AWS::Cassandra::Keyspace` and `AWS::Cassandra::Table`,
`AWS::Timestream::Database` and `AWS::Timestream::Table`.

A keyspace with `regions` is written `MULTI_REGION` with its Region list. A table's columns,
partition key and clustering columns become its schema; on-demand (`PAY_PER_REQUEST`) or
provisioned throughput; point-in-time recovery written explicitly (on by default, AWS's is
off); encryption with the AWS-owned key unless `kms_key` names the account's. Timestream
tables write their memory store retention in hours and magnetic store retention in days.
Keyspaces and Timestream tables are retained when their stack deletes them (their data).
"""

from __future__ import annotations

import re

from ..intrinsics import Att, arn, sub
from ..units import seconds
from .common import REF, getatt


def _keyspace_arn(src):
    """arn:aws:cassandra:REGION:ACCOUNT:/keyspace/NAME/ (the keyspace's Ref is its name)."""
    return arn("cassandra", sub("/keyspace/", Att(src.address, "", None), "/"))


def _name(r, limit: int, sep: str = "_") -> str:
    return r.val("name") or re.sub(r"[^A-Za-z0-9]+", sep, r.address).strip(sep)[:limit]


def keyspaces_keyspace(r):
    regions = r.raw("regions") or []
    r.part("AWS::Cassandra::Keyspace", {
        "KeyspaceName": _name(r, 48),
        "ReplicationSpecification": {"ReplicationStrategy": "MULTI_REGION", "RegionList": sorted(regions)}
        if regions else None,
        "Tags": r.tags() or None,
    })


def keyspaces_table(r):
    columns = r.raw("columns") or {}
    keys = set(r.raw("partition_key") or []) | set(r.raw("clustering_key") or [])
    provisioned = r.raw("capacity") == "provisioned"
    kms = r.val("kms_key")
    ttl = seconds(r.get("default_ttl")) if r.peek("default_ttl") else None
    r.part("AWS::Cassandra::Table", {
        "KeyspaceName": r.ref("keyspace"),
        "TableName": _name(r, 48),
        "PartitionKeyColumns": [{"ColumnName": c, "ColumnType": columns[c]} for c in r.raw("partition_key") or []],
        "ClusteringKeyColumns": [{"Column": {"ColumnName": c, "ColumnType": columns[c]}, "OrderBy": "ASC"}
                                 for c in r.raw("clustering_key") or []] or None,
        "RegularColumns": [{"ColumnName": c, "ColumnType": t} for c, t in sorted(columns.items()) if c not in keys]
        or None,
        "BillingMode": {"Mode": "PROVISIONED",
                        "ProvisionedThroughput": {"ReadCapacityUnits": r.val("read_capacity"),
                                                  "WriteCapacityUnits": r.val("write_capacity")}}
        if provisioned else {"Mode": "ON_DEMAND"},
        "PointInTimeRecoveryEnabled": r.raw("point_in_time_recovery") is not False,
        "EncryptionSpecification": {"EncryptionType": "CUSTOMER_MANAGED_KMS_KEY", "KmsKeyIdentifier": kms}
        if kms else {"EncryptionType": "AWS_OWNED_KMS_KEY"},
        "DefaultTimeToLive": ttl,
        "Tags": r.tags() or None,
    }, deletion="Retain")


def timestream_database(r):
    r.part("AWS::Timestream::Database", {
        "DatabaseName": _name(r, 256, "-"),
        "KmsKeyId": r.val("kms_key"),
        "Tags": r.tags() or None,
    }, deletion="Retain")


def timestream_table(r):
    r.part("AWS::Timestream::Table", {
        "DatabaseName": r.ref("database"),
        "TableName": _name(r, 256, "-"),
        "RetentionProperties": {
            "MemoryStoreRetentionPeriodInHours": str(seconds(r.get("memory_retention")) // 3600),
            "MagneticStoreRetentionPeriodInDays": str(seconds(r.get("magnetic_retention")) // 86400),
        },
        "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": bool(r.raw("magnetic_writes"))},
        "Tags": r.tags() or None,
    }, deletion="Retain")


MAPPERS = {"keyspaces_keyspace": keyspaces_keyspace, "keyspaces_table": keyspaces_table,
           "timestream_database": timestream_database, "timestream_table": timestream_table}

TYPES = {"keyspaces_keyspace": ["AWS::Cassandra::Keyspace"], "keyspaces_table": ["AWS::Cassandra::Table"],
         "timestream_database": ["AWS::Timestream::Database"], "timestream_table": ["AWS::Timestream::Table"]}

EXPORTS = {
    "keyspaces_keyspace": {"id": REF, "name": REF, "arn": _keyspace_arn},
    "keyspaces_table": {"id": REF, "name": getatt("TableName"), "arn": getatt("Arn")},
    "timestream_database": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "timestream_table": {"id": REF, "name": getatt("Name"), "arn": getatt("Arn")},
}
