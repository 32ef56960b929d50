"""Databases: RDS instances and Multi-AZ DB clusters, Aurora clusters with their instances and
global databases, ElastiCache (Redis replication groups, Memcached clusters) and DynamoDB
tables (global tables when they have replicas).

Databases keep a final snapshot when their stack deletes or replaces them (`DeletionPolicy`
and `UpdateReplacePolicy: Snapshot`); DynamoDB tables, which CloudFormation cannot snapshot,
are retained. The master password is managed by RDS in Secrets Manager
(`ManageMasterUserPassword`), never written in a template. An Aurora global database is an
`AWS::RDS::GlobalCluster` in the primary's stack; each secondary cluster joins it by its
identifier, which reaches the secondary's region as a stack parameter.
"""

from __future__ import annotations

from ..intrinsics import Att, REGION, sub
from ..units import days, gib
from .common import REF, getatt

MASTER_USERNAME = "archform"
SNAPSHOT = "Snapshot"
DELETE = "Delete"  # written, not left to the default: a reviewer sees it was decided


def _secret_param(r, attribute: str, what: str):
    """A secret the template takes at deploy time: the root `param` it comes from (made NoEcho),
    or a NoEcho parameter of its own, with no default — its value is never written in a
    template, a manifest or a parameter file."""
    from ..intrinsics import Param
    from ..logical_ids import camel
    value = r.val(attribute)
    if isinstance(value, Param) or (not isinstance(value, str) and value is not None):
        return value  # from a root param: the pipeline makes that parameter NoEcho
    return r.ctx.synthetic_param(f"secret:{r.address}:{attribute}", camel(r.address.replace(".", "_")) + camel(attribute),
                                 "String", None, f"{what} of {r.address} (given at deploy time)", no_echo=True)


def _credentials(r, replica: bool) -> dict:
    """Who keeps the master password: RDS in Secrets Manager (the default), or the author's
    own, passed at deploy time through a NoEcho parameter."""
    if replica:
        return {"MasterUsername": None, "ManageMasterUserPassword": None}
    username = r.val("master_username") or MASTER_USERNAME
    secret = r.target("master_password_secret")
    if secret is not None and r.peek("manage_master_password") is False:
        # a dynamic reference: CloudFormation reads the secret at deploy time, no template holds it
        key = r.ctx.source(secret).peek("generate", "key")
        return {"MasterUsername": username,
                "MasterUserPassword": sub("{{resolve:secretsmanager:", r.ref("master_password_secret", export="arn"),
                                          ":SecretString" + (f":{key}" if isinstance(key, str) else "") + "}}")}
    if r.peek("manage_master_password") is False and r.peek("master_password") is not None:
        return {"MasterUsername": username, "MasterUserPassword": _secret_param(r, "master_password", "Master password")}
    return {"MasterUsername": username, "ManageMasterUserPassword": True}


def _subnet_group(r, type_: str, description_key: str, name_key: str | None = None):
    if not r.raw("subnets"):
        return None
    r.part(type_, {
        description_key: f"Subnets of {r.address}",
        "SubnetIds": r.refs("subnets"),
        "Tags": r.tags() if type_ != "AWS::ElastiCache::SubnetGroup" else r.tags(),
    }, suffix="SubnetGroup")
    return r.att("SubnetGroup")


# --- RDS ---------------------------------------------------------------------------------------

def _engine(r) -> str | None:
    engine = r.raw("engine")
    edition = r.raw("edition")
    if engine is None:
        return None
    return f"{engine}-{edition}" if edition else engine


def rds(r):
    replica = r.target("replica_of")
    group = _subnet_group(r, "AWS::RDS::DBSubnetGroup", "DBSubnetGroupDescription")
    storage = gib(r.get("storage"))
    max_storage = r.raw("max_storage")
    if r.raw("deployment") == "cluster":
        r.part("AWS::RDS::DBCluster", {
            "Engine": _engine(r),
            "EngineVersion": r.val("engine_version"),
            "DBClusterInstanceClass": r.val("instance_class"),
            "AllocatedStorage": storage,
            "StorageType": r.val("storage_type"),
            "Iops": r.val("iops"),
            "DBSubnetGroupName": group,
            "VpcSecurityGroupIds": r.refs("security_groups"),
            "BackupRetentionPeriod": days(r.get("backup_retention")),
            "StorageEncrypted": True if r.raw("encrypted") else None,
            "KmsKeyId": r.val("kms_key"),
            "Port": r.val("port"),
            "PubliclyAccessible": bool(r.raw("publicly_accessible")),
            "DeletionProtection": True if r.raw("deletion_protection") else None,
            **_credentials(r, False),
            "Tags": r.tags(),
        }, deletion=SNAPSHOT)
        if max_storage is not None:
            r.unsupported("max_storage", "Multi-AZ DB clusters do not autoscale storage")
        return
    source = None
    if replica:
        same_region = r.ctx.region(replica) == r.ctx.region(r.address)
        source = r.ref("replica_of") if same_region else r.ref("replica_of", export="arn")
    r.part("AWS::RDS::DBInstance", {
        "Engine": _engine(r),
        "EngineVersion": r.val("engine_version"),
        "DBInstanceClass": r.val("instance_class"),
        "AllocatedStorage": str(storage) if not replica or r.written("storage") else None,
        "StorageType": r.val("storage_type"),
        "Iops": r.val("iops"),
        "MaxAllocatedStorage": gib(r.get("max_storage")) if max_storage is not None else None,
        "MultiAZ": True if r.raw("multi_az") else None,
        "DBSubnetGroupName": group,
        "VPCSecurityGroups": r.refs("security_groups"),
        "BackupRetentionPeriod": days(r.get("backup_retention")),
        "StorageEncrypted": True if r.raw("encrypted") and not replica else None,
        "KmsKeyId": r.val("kms_key"),
        "Port": r.text("port"),
        "PubliclyAccessible": bool(r.raw("publicly_accessible")),
        "DeletionProtection": True if r.raw("deletion_protection") else None,
        "SourceDBInstanceIdentifier": source,
        **_credentials(r, bool(replica)),
        "Tags": r.tags(),
    }, deletion=SNAPSHOT if not replica else DELETE)  # a replica's data is its source's


def _rds_arn(src):
    if src.raw("deployment") == "cluster":
        return Att(src.address, "", "DBClusterArn")
    return Att(src.address, "", "DBInstanceArn")


# --- Aurora ------------------------------------------------------------------------------------

def global_primary(r) -> str | None:
    """The Aurora cluster that lists this one in its `global_secondary`."""
    for a in r.ctx.referrers(r.address):
        if r.ctx.kind(a) == "aurora" and r.address in r.ctx.source(a).targets("global_secondary"):
            return a
    return None


def aurora(r):
    group = _subnet_group(r, "AWS::RDS::DBSubnetGroup", "DBSubnetGroupDescription")
    primary = global_primary(r)
    serverless = bool(r.raw("serverless"))
    secondaries = r.targets("global_secondary")
    encrypted = bool(r.raw("encrypted"))
    version = r.val("engine_version")
    if primary and version is None:  # one version across the global database: the primary's
        version = r.ctx.source(primary).val("engine_version")
    r.part("AWS::RDS::DBCluster", {
        "Engine": r.val("engine"),
        "EngineVersion": version,
        "DBSubnetGroupName": group,
        "VpcSecurityGroupIds": r.refs("security_groups"),
        "BackupRetentionPeriod": days(r.get("backup_retention")),
        "StorageEncrypted": True if encrypted else None,
        "KmsKeyId": r.val("kms_key"),
        "Port": r.val("port"),
        "DeletionProtection": True if r.raw("deletion_protection") else None,
        "GlobalClusterIdentifier": Att(primary, "GlobalCluster") if primary else None,
        **_credentials(r, bool(primary)),
        "ServerlessV2ScalingConfiguration": {"MinCapacity": r.val("min_capacity"),
                                             "MaxCapacity": r.val("max_capacity")} if serverless else None,
        "Tags": r.tags(),
    }, deletion=SNAPSHOT)  # a secondary too: it holds the data when it has been promoted
    for n in range(1, (r.raw("instances") or 1) + 1):
        r.part("AWS::RDS::DBInstance", {
            "DBClusterIdentifier": r.att(),
            "DBInstanceClass": "db.serverless" if serverless else r.val("instance_class"),
            "Engine": r.val("engine"),
            "PubliclyAccessible": False,
            "Tags": r.tags(),
        }, suffix=f"Instance{n}", deletion=DELETE)  # the cluster's snapshot holds the data
    if secondaries:
        r.part("AWS::RDS::GlobalCluster", {
            "SourceDBClusterIdentifier": r.att("", "DBClusterArn"),
            "DeletionProtection": True if r.raw("deletion_protection") else None,
        }, suffix="GlobalCluster")
    if r.raw("custom_endpoint"):
        r.unsupported("custom_endpoint", "CloudFormation has no resource for Aurora custom endpoints",
                      help="create them after deploying: aws rds create-db-cluster-endpoint")


# --- ElastiCache --------------------------------------------------------------------------------

def _cluster_mode(r) -> bool:
    return (r.raw("shards") or 1) > 1


def elasticache(r):
    group = _subnet_group(r, "AWS::ElastiCache::SubnetGroup", "Description")
    if r.raw("engine") == "memcached":
        nodes = r.raw("nodes") or 1
        zones = {r.ctx.source(s).raw("az") for s in r.targets("subnets")}
        r.part("AWS::ElastiCache::CacheCluster", {
            "Engine": "memcached",
            "EngineVersion": r.val("engine_version"),
            "CacheNodeType": r.val("node_type"),
            "NumCacheNodes": nodes,
            "AZMode": "cross-az" if nodes > 1 and len(zones) > 1 else None,
            "CacheSubnetGroupName": group,
            "VpcSecurityGroupIds": r.refs("security_groups"),
            "Port": r.val("port"),
            "Tags": r.tags(),
        }, deletion=DELETE)  # Memcached holds nothing to keep (and cannot snapshot)
        return
    cluster = _cluster_mode(r)
    replicas = r.raw("replicas_per_shard") or 0
    version = str(r.raw("engine_version") or "7")
    r.part("AWS::ElastiCache::ReplicationGroup", {
        "ReplicationGroupDescription": f"Redis {r.address}",
        "Engine": "redis",
        "EngineVersion": r.val("engine_version"),
        "CacheNodeType": r.val("node_type"),
        "NumNodeGroups": r.val("shards") if cluster else None,
        "ReplicasPerNodeGroup": replicas if cluster else None,
        "NumCacheClusters": 1 + replicas if not cluster else None,
        "CacheParameterGroupName": f"default.redis{version.split('.')[0]}.cluster.on" if cluster else None,
        "MultiAZEnabled": True if r.raw("multi_az") else None,
        "AutomaticFailoverEnabled": True if r.model.failover_enabled else None,
        "CacheSubnetGroupName": group,
        "SecurityGroupIds": r.refs("security_groups"),
        "Port": r.val("port"),
        "AtRestEncryptionEnabled": True if r.raw("encrypted") else None,
        "TransitEncryptionEnabled": True if r.raw("transit_encryption") else None,
        "AuthToken": _secret_param(r, "auth_token", "Redis AUTH token") if r.peek("auth_token") else None,
        "Tags": r.tags(),
    }, deletion=SNAPSHOT)


def _cache_endpoint(kind: str):
    def build(src):
        if src.raw("engine") == "memcached":
            return Att(src.address, "", f"ConfigurationEndpoint.{kind}") if kind in ("Address", "Port") else None
        if (src.raw("shards") or 1) > 1:
            return Att(src.address, "", f"ConfigurationEndPoint.{kind}")
        return Att(src.address, "", f"PrimaryEndPoint.{kind}")
    return build


def _cache_reader(src):
    if src.raw("engine") == "memcached":
        return None
    if (src.raw("shards") or 1) > 1:
        return Att(src.address, "", "ConfigurationEndPoint.Address")
    return Att(src.address, "", "ReaderEndPoint.Address")


def _cache_arn(src):
    from ..intrinsics import arn
    what = "cluster:" if src.raw("engine") == "memcached" else "replicationgroup:"
    return arn("elasticache", sub(what, Att(src.address)))


# --- DynamoDB ------------------------------------------------------------------------------------

_STREAMS = {"keys_only": "KEYS_ONLY", "new_image": "NEW_IMAGE", "old_image": "OLD_IMAGE",
            "new_and_old_images": "NEW_AND_OLD_IMAGES"}
_CLASS = {"standard": "STANDARD", "standard_ia": "STANDARD_INFREQUENT_ACCESS"}


def dynamodb_table(r):
    keys = [("hash_key", "hash_key_type", "HASH"), ("range_key", "range_key_type", "RANGE")]
    attributes = [{"AttributeName": r.val(k), "AttributeType": r.val(t)} for k, t, _ in keys if r.peek(k) is not None]
    schema = [{"AttributeName": r.val(k), "KeyType": kt} for k, _, kt in keys if r.peek(k) is not None]
    provisioned = r.raw("billing") == "provisioned"
    stream = r.raw("stream")
    ttl = {"AttributeName": r.val("ttl_attribute"), "Enabled": True} if r.raw("ttl_attribute") else None
    pitr = {"PointInTimeRecoveryEnabled": True} if r.raw("point_in_time_recovery") else None
    table_class = _CLASS[r.get("table_class")] if r.raw("table_class") != "standard" else None
    replicas = r.raw("replicas") or []
    common = {
        "AttributeDefinitions": attributes,
        "KeySchema": schema,
        "BillingMode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamViewType": _STREAMS[stream]} if stream else None,
        "TimeToLiveSpecification": ttl,
    }
    if not replicas:
        r.part("AWS::DynamoDB::Table", {
            **common,
            "ProvisionedThroughput": {"ReadCapacityUnits": r.val("read_capacity"),
                                      "WriteCapacityUnits": r.val("write_capacity")} if provisioned else None,
            "TableClass": table_class,
            "PointInTimeRecoverySpecification": pitr,
            "DeletionProtectionEnabled": True if r.raw("deletion_protection") else None,
            "Tags": r.tags(),
        }, deletion="Retain")
        return
    home = r.ctx.region(r.address)
    regions = [home] + [x for x in replicas if x != home]
    r.part("AWS::DynamoDB::GlobalTable", {
        **common,
        "WriteProvisionedThroughputSettings": {"WriteCapacityAutoScalingSettings": {
            "MinCapacity": r.val("write_capacity"), "MaxCapacity": r.val("write_capacity"),
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70}}} if provisioned else None,
        "Replicas": [{
            "Region": REGION if region == home else region,
            "TableClass": table_class,
            "PointInTimeRecoverySpecification": pitr,
            "DeletionProtectionEnabled": True if r.raw("deletion_protection") else None,
            "ReadProvisionedThroughputSettings": {"ReadCapacityUnits": r.val("read_capacity")} if provisioned else None,
            "Tags": r.tags(),
        } for region in regions],
    }, deletion="Retain")


MAPPERS = {"rds": rds, "aurora": aurora, "elasticache": elasticache, "dynamodb_table": dynamodb_table}

TYPES = {
    "rds": ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSubnetGroup"],
    "aurora": ["AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup", "AWS::RDS::GlobalCluster"],
    "elasticache": ["AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster",
                    "AWS::ElastiCache::SubnetGroup"],
    "dynamodb_table": ["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"],
}

EXPORTS = {
    "rds": {"id": REF, "arn": _rds_arn, "endpoint": getatt("Endpoint.Address"), "port": getatt("Endpoint.Port")},
    "aurora": {"id": REF, "arn": getatt("DBClusterArn"), "endpoint": getatt("Endpoint.Address"),
               "reader_endpoint": getatt("ReadEndpoint.Address"), "port": getatt("Endpoint.Port")},
    "elasticache": {"id": REF, "arn": _cache_arn, "endpoint": _cache_endpoint("Address"),
                    "reader_endpoint": _cache_reader, "port": _cache_endpoint("Port")},
    "dynamodb_table": {"id": REF, "arn": getatt("Arn"), "name": REF, "stream_arn": getatt("StreamArn")},
}
