"""AWS DMS (notes §25.3): `AWS::DMS::ReplicationSubnetGroup` and `ReplicationInstance`,
`AWS::DMS::Endpoint` and `AWS::DMS::ReplicationTask`.

Safe values written explicitly where AWS's API default is not: a replication instance is not
publicly accessible (AWS's default: it is), an endpoint's SslMode is `require` (AWS's: none).
An endpoint naming a resource of the architecture reads its address and port from it; a
password is a NoEcho parameter.
"""

from __future__ import annotations

import json

from .analytics import _secret
from .common import REF

_ROLE_SETTINGS = {"s3": "S3Settings", "dynamodb": "DynamoDbSettings", "kinesis": "KinesisSettings",
                  "opensearch": "ElasticsearchSettings"}


def dms_replication_instance(r):
    r.part("AWS::DMS::ReplicationSubnetGroup", {
        "ReplicationSubnetGroupDescription": f"Subnets of {r.address}",
        "SubnetIds": r.refs("subnets"),
        "Tags": r.tags(),
    }, suffix="SubnetGroup")
    r.part("AWS::DMS::ReplicationInstance", {
        "ReplicationInstanceClass": r.val("instance_class"),
        "AllocatedStorage": r.val("storage"),
        "MultiAZ": bool(r.raw("multi_az")),
        "PubliclyAccessible": bool(r.raw("publicly_accessible")),
        "ReplicationSubnetGroupIdentifier": r.att("SubnetGroup"),
        "VpcSecurityGroupIds": r.refs("security_groups") or None,
        "KmsKeyId": r.val("kms_key"),
        "EngineVersion": r.val("engine_version"),
        "Tags": r.tags(),
    })


def dms_endpoint(r):
    engine = r.raw("engine")
    props = {
        "EndpointType": r.val("type"),
        "EngineName": engine,
        "SslMode": r.val("ssl_mode"),
        "DatabaseName": r.val("database_name"),
        "Tags": r.tags(),
    }
    role = r.ref("service_role", export="arn")
    if engine in _ROLE_SETTINGS:
        settings = {"ServiceAccessRoleArn": role}
        if engine == "s3":
            settings["BucketName"] = r.ref("database", export="name")
        elif engine == "kinesis":
            settings.update(StreamArn=r.ref("database", export="arn"), MessageFormat="json")
        elif engine == "opensearch":
            settings["EndpointUri"] = r.ref("database", export="endpoint")
        props[_ROLE_SETTINGS[engine]] = settings
    else:
        written = r.target("database") is None
        props.update(
            ServerName=r.val("server_name") if written else r.ref("database", export="endpoint"),
            Port=r.val("port") if written or r.peek("port") is not None else r.ref("database", export="port"),
            Username=r.val("username"),
            Password=_secret(r, "password", "Password") if r.peek("password") is not None else None,
        )
    r.part("AWS::DMS::Endpoint", props)


def dms_replication_task(r):
    mappings = r.raw("table_mappings")
    r.part("AWS::DMS::ReplicationTask", {
        "ReplicationInstanceArn": r.ref("instance"),
        "SourceEndpointArn": r.ref("source"),
        "TargetEndpointArn": r.ref("target"),
        "MigrationType": str(r.raw("migration_type")).replace("_", "-"),
        "TableMappings": json.dumps(mappings, sort_keys=True, separators=(",", ":")),
        "Tags": r.tags(),
    })


MAPPERS = {"dms_replication_instance": dms_replication_instance, "dms_endpoint": dms_endpoint,
           "dms_replication_task": dms_replication_task}
TYPES = {"dms_replication_instance": ["AWS::DMS::ReplicationInstance", "AWS::DMS::ReplicationSubnetGroup"],
         "dms_endpoint": ["AWS::DMS::Endpoint"], "dms_replication_task": ["AWS::DMS::ReplicationTask"]}
# Ref of each DMS type is its ARN; the instance's private address is a list CloudFormation gives
# only as a whole (ReplicationInstancePrivateIpAddresses), so it is not exported.
EXPORTS = {"dms_replication_instance": {"id": REF, "arn": REF, "private_ip": None},
           "dms_endpoint": {"id": REF, "arn": REF}, "dms_replication_task": {"id": REF, "arn": REF}}
