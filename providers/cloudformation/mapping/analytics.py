"""Analytics: Redshift clusters (with their cluster subnet group), Redshift Serverless
namespaces and workgroups, OpenSearch domains, Glue databases and crawlers, Athena workgroups.

The safe defaults are written, where a reviewer sees them: a cluster's `Encrypted`,
`PubliclyAccessible: false` and snapshot retention; a domain's encryption at rest,
node-to-node encryption and HTTPS-only endpoint (TLS 1.2); a workgroup's enforced, encrypted
result configuration. Passwords are kept by Redshift in Secrets Manager
(`ManageMasterPassword`, `ManageAdminPassword`) unless the author gives one, which the
template takes at deploy time as a NoEcho parameter. Redshift clusters keep a final snapshot
when their stack deletes them (`DeletionPolicy: Snapshot`); OpenSearch domains, which
CloudFormation cannot snapshot, are retained.
"""

from __future__ import annotations

from ..intrinsics import ACCOUNT, Param, sub
from ..logical_ids import camel
from ..units import days, gib, size_bytes
from .common import REF, arn_export, getatt

TLS_POLICY = "Policy-Min-TLS-1-2-2019-07"
_ENCRYPTION = {"sse_s3": "SSE_S3", "sse_kms": "SSE_KMS", "cse_kms": "CSE_KMS"}
_ENGINE = {"auto": "AUTO", "v3": "Athena engine version 3"}


def _secret(r, attribute: str, what: str):
    value = r.val(attribute)
    if isinstance(value, Param) or (not isinstance(value, str) and value is not None):
        return value  # from a root param: the pipeline makes that parameter NoEcho
    return r.ctx.synthetic_param(f"secret:{r.address}:{attribute}", camel(r.address.replace(".", "_")) + camel(attribute),
                                 "String", None, f"{what} of {r.address} (given at deploy time)", no_echo=True)


def name_of(address: str, limit: int) -> str:
    """A lower-case name from an address, for properties CloudFormation requires."""
    import re
    return re.sub(r"[^a-z0-9-]+", "-", address.lower()).strip("-")[:limit].rstrip("-")


# --- Redshift ----------------------------------------------------------------------------------

def redshift_cluster(r):
    r.part("AWS::Redshift::ClusterSubnetGroup", {
        "Description": f"Subnets of {r.address}",
        "SubnetIds": r.refs("subnets"),
        "Tags": r.tags(),
    }, suffix="SubnetGroup")
    nodes = r.raw("nodes") or 2
    managed = r.peek("manage_master_password") is not False
    copy = r.peek("snapshot_copy")
    r.part("AWS::Redshift::Cluster", {
        "NodeType": r.val("node_type"),
        "ClusterType": "single-node" if nodes == 1 else "multi-node",
        "NumberOfNodes": nodes if nodes > 1 else None,
        "MultiAZ": True if r.raw("multi_az") else None,
        "DBName": r.val("database"),
        "Port": r.val("port"),
        "MasterUsername": r.val("master_username"),
        "ManageMasterPassword": True if managed else None,
        "MasterUserPassword": None if managed else _secret(r, "master_password", "Master password"),
        "Encrypted": r.raw("encrypted") is not False,
        "KmsKeyId": r.val("kms_key"),
        "PubliclyAccessible": bool(r.raw("publicly_accessible")),
        "EnhancedVpcRouting": bool(r.raw("enhanced_vpc_routing")),
        "AllowVersionUpgrade": True,
        "ClusterSubnetGroupName": r.att("SubnetGroup"),
        "VpcSecurityGroupIds": r.refs("security_groups") or None,
        "AutomatedSnapshotRetentionPeriod": days(r.get("snapshot_retention")),
        "DestinationRegion": r.val("snapshot_copy", "region") if copy else None,
        "SnapshotCopyRetentionPeriod": days(r.get("snapshot_copy", "retention")) if copy else None,
        "SnapshotCopyGrantName": r.val("snapshot_copy", "grant") if copy else None,
        "Tags": r.tags(),
    }, deletion="Snapshot")


def redshift_serverless(r):
    namespace = r.val("namespace") or name_of(r.address, 64)
    managed = r.peek("manage_admin_password") is not False
    r.part("AWS::RedshiftServerless::Namespace", {
        "NamespaceName": namespace,
        "DbName": r.val("database"),
        "AdminUsername": r.val("admin_username"),
        "ManageAdminPassword": True if managed else None,
        "AdminUserPassword": None if managed else _secret(r, "admin_password", "Admin password"),
        "KmsKeyId": r.val("kms_key"),
        "Tags": r.tags(),
    }, suffix="Namespace")
    r.part("AWS::RedshiftServerless::Workgroup", {
        "WorkgroupName": name_of(r.address, 64),
        "NamespaceName": r.att("Namespace"),
        "BaseCapacity": r.val("base_capacity"),
        "MaxCapacity": r.val("max_capacity"),
        "SubnetIds": r.refs("subnets"),
        "SecurityGroupIds": r.refs("security_groups") or None,
        "PubliclyAccessible": bool(r.raw("publicly_accessible")),
        "EnhancedVpcRouting": bool(r.raw("enhanced_vpc_routing")),
        "Port": r.val("port"),
        "Tags": r.tags(),
    })


# --- OpenSearch --------------------------------------------------------------------------------

def opensearch_domain(r):
    zones = r.raw("zones") or 1
    masters = r.peek("masters")
    storage = r.peek("storage") or {}
    r.part("AWS::OpenSearchService::Domain", {
        "DomainName": r.val("name"),
        "EngineVersion": r.val("engine_version"),
        "ClusterConfig": {
            "InstanceType": r.val("instance_type"),
            "InstanceCount": r.val("instances"),
            "DedicatedMasterEnabled": masters is not None,
            "DedicatedMasterType": r.val("masters", "instance_type") if masters else None,
            "DedicatedMasterCount": r.val("masters", "count") if masters else None,
            "ZoneAwarenessEnabled": zones > 1,
            "ZoneAwarenessConfig": {"AvailabilityZoneCount": zones} if zones > 1 else None,
            "MultiAZWithStandbyEnabled": bool(r.raw("standby")),
        },
        "EBSOptions": {"EBSEnabled": True, "VolumeSize": gib(storage.get("size") or "20GiB"),
                       "VolumeType": storage.get("type") or "gp3"},
        "EncryptionAtRestOptions": {"Enabled": r.raw("encrypt_at_rest") is not False, "KmsKeyId": r.val("kms_key")},
        "NodeToNodeEncryptionOptions": {"Enabled": r.raw("node_to_node_encryption") is not False},
        "DomainEndpointOptions": {"EnforceHTTPS": r.raw("enforce_https") is not False,
                                  "TLSSecurityPolicy": TLS_POLICY},
        "VPCOptions": {"SubnetIds": r.refs("subnets"), "SecurityGroupIds": r.refs("security_groups") or None}
        if r.raw("subnets") else None,
        "Tags": r.tags(),
    }, deletion="Retain")  # its indexes: CloudFormation cannot snapshot a domain, so it is kept


# --- Glue and Athena ---------------------------------------------------------------------------

def _s3_path(r, *path) -> object:
    """`s3://<bucket>/<path>` with the bucket's name as a reference."""
    bucket = r.ref(*path, "bucket") if path else r.ref("bucket")
    key = r.val(*path, "path") if path else r.val("prefix")
    return sub("s3://", bucket, "/", key or "")


def glue_database(r):
    r.part("AWS::Glue::Database", {
        "CatalogId": ACCOUNT,
        "DatabaseInput": {"Name": r.val("name") or name_of(r.address, 255).replace("-", "_"),
                          "Description": r.val("description"),
                          "LocationUri": _s3_path(r) if r.target("bucket") else None},
    })


def glue_crawler(r):
    glue_tags = {k: v for k, v in (r.val("tags") or {}).items()}
    r.part("AWS::Glue::Crawler", {
        "Name": r.val("name"),
        "Role": r.ref("role", export="arn"),
        "DatabaseName": r.ref("database"),
        "Targets": {"S3Targets": [{"Path": _s3_path(r, "s3", i), "Exclusions": r.val("s3", i, "exclusions") or None}
                                  for i in range(len(r.peek("s3") or []))]},
        "Schedule": {"ScheduleExpression": r.val("schedule")} if r.peek("schedule") else None,
        "TablePrefix": r.val("table_prefix"),
        "SchemaChangePolicy": {"UpdateBehavior": (r.raw("update_behavior") or "update_in_database").upper(),
                               "DeleteBehavior": (r.raw("delete_behavior") or "deprecate_in_database").upper()},
        "Tags": glue_tags or None,
    })


def athena_workgroup(r):
    encryption = r.raw("encryption") or "sse_s3"
    cutoff = r.get("bytes_scanned_cutoff")
    r.part("AWS::Athena::WorkGroup", {
        "Name": r.val("name") or name_of(r.address, 128),
        "Description": r.val("description"),
        "State": "ENABLED",
        "WorkGroupConfiguration": {
            "EnforceWorkGroupConfiguration": r.raw("enforce") is not False,
            "PublishCloudWatchMetricsEnabled": r.raw("publish_metrics") is not False,
            "BytesScannedCutoffPerQuery": int(size_bytes(cutoff)) if cutoff else None,
            "EngineVersion": {"SelectedEngineVersion": _ENGINE[r.raw("engine_version") or "auto"]},
            "ResultConfiguration": {
                "OutputLocation": sub("s3://", r.ref("results"), "/", r.val("prefix") or ""),
                "EncryptionConfiguration": {"EncryptionOption": _ENCRYPTION[encryption],
                                            "KmsKey": r.val("kms_key")},
            },
        },
        "Tags": r.tags(),
    })


MAPPERS = {"redshift_cluster": redshift_cluster, "redshift_serverless": redshift_serverless,
           "opensearch_domain": opensearch_domain, "glue_database": glue_database, "glue_crawler": glue_crawler,
           "athena_workgroup": athena_workgroup}

TYPES = {
    "redshift_cluster": ["AWS::Redshift::Cluster", "AWS::Redshift::ClusterSubnetGroup"],
    "redshift_serverless": ["AWS::RedshiftServerless::Namespace", "AWS::RedshiftServerless::Workgroup"],
    "opensearch_domain": ["AWS::OpenSearchService::Domain"],
    "glue_database": ["AWS::Glue::Database"],
    "glue_crawler": ["AWS::Glue::Crawler"],
    "athena_workgroup": ["AWS::Athena::WorkGroup"],
}


EXPORTS = {
    "redshift_cluster": {"id": REF, "arn": arn_export("redshift", "cluster:"), "endpoint": getatt("Endpoint.Address"),
                         "port": getatt("Endpoint.Port"), "master_password_secret_arn": getatt("MasterPasswordSecretArn")},
    "redshift_serverless": {"id": REF, "arn": getatt("Workgroup.WorkgroupArn"),
                            "endpoint": getatt("Workgroup.Endpoint.Address"), "port": getatt("Workgroup.Endpoint.Port"),
                            "namespace_arn": getatt("Namespace.NamespaceArn", "Namespace")},
    "opensearch_domain": {"id": REF, "arn": getatt("Arn"), "endpoint": getatt("DomainEndpoint")},
    "glue_database": {"id": REF, "arn": arn_export("glue", "database/")},
    "glue_crawler": {"id": REF, "arn": arn_export("glue", "crawler/")},
    "athena_workgroup": {"id": REF, "arn": arn_export("athena", "workgroup/")},
}
