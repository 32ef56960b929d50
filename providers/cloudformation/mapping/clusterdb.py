"""DocumentDB and Neptune: a cluster (`AWS::DocDB::DBCluster`, `AWS::Neptune::DBCluster`), its
instances (a writer and the replicas, `DBInstance`) and its subnet group, as Aurora's are.

Like every database, the cluster keeps a final snapshot when its stack deletes or replaces it;
the instances hold nothing of their own. DocumentDB's master password is kept by the service
in Secrets Manager (`ManageMasterUserPassword`) unless the author writes one, which then comes
as a NoEcho parameter. Tags are copied to snapshots; Neptune's instances say they are private.
"""

from __future__ import annotations

from ..intrinsics import Att
from ..units import days
from .common import REF, getatt
from .database import DELETE, SNAPSHOT, _credentials, _subnet_group


def _cluster(r, family: str, extra: dict):
    group = _subnet_group(r, f"AWS::{family}::DBSubnetGroup", "DBSubnetGroupDescription")
    r.part(f"AWS::{family}::DBCluster", {
        "EngineVersion": r.val("engine_version"),
        "DBSubnetGroupName": group,
        "VpcSecurityGroupIds": r.refs("security_groups"),
        "BackupRetentionPeriod": days(r.get("backup_retention")),
        "StorageEncrypted": True if r.raw("encrypted") else None,
        "KmsKeyId": r.val("kms_key"),
        "Port": r.val("port"),
        "DeletionProtection": True if r.raw("deletion_protection") else None,
        "CopyTagsToSnapshot": True,
        **extra,
        "Tags": r.tags(),
    }, deletion=SNAPSHOT)
    if r.raw("promotion_tiers"):
        r.unsupported("promotion_tiers", f"AWS::{family}::DBInstance takes no promotion tier",
                      help=f"set them after deploying: aws {family.lower()} modify-db-instance --promotion-tier")


def documentdb_cluster(r):
    _cluster(r, "DocDB", _credentials(r, False))
    for n in range(1, (r.raw("instances") or 1) + 1):
        r.part("AWS::DocDB::DBInstance", {
            "DBClusterIdentifier": r.att(),
            "DBInstanceClass": r.val("instance_class"),
            "Tags": r.tags(),
        }, suffix=f"Instance{n}", deletion=DELETE)  # the cluster's snapshot holds the data


def neptune_cluster(r):
    _cluster(r, "Neptune", {"IamAuthEnabled": bool(r.raw("iam_auth"))})
    for n in range(1, (r.raw("instances") or 1) + 1):
        r.part("AWS::Neptune::DBInstance", {
            "DBClusterIdentifier": r.att(),
            "DBInstanceClass": r.val("instance_class"),
            "PubliclyAccessible": False,
            "Tags": r.tags(),
        }, suffix=f"Instance{n}", deletion=DELETE)


MAPPERS = {"documentdb_cluster": documentdb_cluster, "neptune_cluster": neptune_cluster}

TYPES = {
    "documentdb_cluster": ["AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance", "AWS::DocDB::DBSubnetGroup"],
    "neptune_cluster": ["AWS::Neptune::DBCluster", "AWS::Neptune::DBInstance", "AWS::Neptune::DBSubnetGroup"],
}


def _neptune_arn(src):
    from ..intrinsics import arn, sub
    return arn("rds", sub("cluster:", Att(src.address)))


EXPORTS = {
    "documentdb_cluster": {"id": REF, "arn": _neptune_arn, "endpoint": getatt("Endpoint"),
                           "reader_endpoint": getatt("ReadEndpoint"), "port": getatt("Port")},
    "neptune_cluster": {"id": REF, "arn": _neptune_arn, "endpoint": getatt("Endpoint"),
                        "reader_endpoint": getatt("ReadEndpoint"), "port": getatt("Port")},
}
