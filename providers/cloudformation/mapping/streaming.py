"""Streaming: Kinesis data streams and Firehose delivery streams.

A stream's `StreamEncryption` is written always (AWS's API leaves a stream unencrypted without
it), and so is its mode and retention: how long records are kept is not left to a default; its
DeletionPolicy is an explicit Delete (the records expire within the retention anyway). A
direct-PUT delivery stream's server-side encryption is written too (Firehose's API leaves it
off); a delivery stream reading a Kinesis stream has none (Firehose refuses it: the stream
encrypts its records). An S3 destination is an `ExtendedS3DestinationConfiguration`, with the
Lambda transform as its `ProcessingConfiguration`. A Redshift destination COPYs from its
intermediate bucket, signed in with the cluster's Secrets Manager secret (no password in the
template); an OpenSearch destination backs failed documents up to S3 and reaches a VPC domain
through its subnets and security groups.
"""

from __future__ import annotations

from ..intrinsics import sub
from ..units import seconds, size_bytes
from .common import REF, getatt

_MIB = 2 ** 20
_COMPRESSION = {"uncompressed": "UNCOMPRESSED", "gzip": "GZIP", "zip": "ZIP", "snappy": "Snappy",
                "hadoop_snappy": "HADOOP_SNAPPY"}


def kinesis_stream(r):
    provisioned = r.raw("mode") == "provisioned"
    kms = r.raw("encryption") != "none"
    r.part("AWS::Kinesis::Stream", {
        "Name": r.val("name"),
        "StreamModeDetails": {"StreamMode": "PROVISIONED" if provisioned else "ON_DEMAND"},
        "ShardCount": r.val("shards") if provisioned else None,
        "RetentionPeriodHours": seconds(r.get("retention")) // 3600,
        "StreamEncryption": {"EncryptionType": "KMS", "KeyId": r.val("kms_key")} if kms else None,
        "Tags": r.tags(),
    }, deletion="Delete")  # explicit: records expire within the retention anyway, and an orphaned
    # stream would go on billing by the shard-hour


def _buffering(r, *path) -> dict:
    return {"SizeInMBs": int(size_bytes(r.get(*path, "buffer_size")) // _MIB),
            "IntervalInSeconds": seconds(r.get(*path, "buffer_interval"))}


def _processing(r) -> dict | None:
    if not r.target("transform"):
        return None
    return {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
        {"ParameterName": "LambdaArn", "ParameterValue": r.ref("transform", export="arn")}]}]}


def _bucket_config(r, role) -> dict:
    """The backup bucket, as an S3 destination's backup or an HTTP destination's S3 configuration."""
    return {"BucketARN": r.ref("backup", "bucket", export="arn"), "RoleARN": role,
            "Prefix": r.val("backup", "prefix")}


def firehose(r):
    role = r.ref("role", export="arn")
    source = r.target("source")
    encryption = r.raw("encryption")
    backup = r.raw("backup")
    mode = r.model.backup_mode()
    props = {
        "DeliveryStreamName": r.val("name"),
        "DeliveryStreamType": "KinesisStreamAsSource" if source else "DirectPut",
        "KinesisStreamSourceConfiguration": {"KinesisStreamARN": r.ref("source", export="arn"), "RoleARN": role}
        if source else None,
        "DeliveryStreamEncryptionConfigurationInput": None if source or encryption == "none" else
        {"KeyType": "AWS_OWNED_CMK"} if encryption == "aws_owned" else
        {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": r.val("kms_key")},
        "Tags": r.tags(),
    }
    if r.peek("s3") is not None:
        props["ExtendedS3DestinationConfiguration"] = {
            "BucketARN": r.ref("s3", "bucket", export="arn"),
            "RoleARN": role,
            "Prefix": r.val("s3", "prefix"),
            "ErrorOutputPrefix": r.val("s3", "error_prefix"),
            "BufferingHints": _buffering(r, "s3"),
            "CompressionFormat": _COMPRESSION[r.raw("s3", "compression") or "uncompressed"],
            "ProcessingConfiguration": _processing(r),
            "S3BackupMode": "Enabled" if backup else None,
            "S3BackupConfiguration": _bucket_config(r, role) if backup else None,
        }
    elif r.peek("http") is not None:
        props["HttpEndpointDestinationConfiguration"] = {
            "EndpointConfiguration": {"Url": r.val("http", "url"), "Name": r.val("http", "name")},
            "RoleARN": role,
            "BufferingHints": _buffering(r, "http"),
            "RequestConfiguration": {"ContentEncoding": "GZIP" if r.raw("http", "content_encoding") == "gzip"
                                     else "NONE"},
            "RetryOptions": {"DurationInSeconds": seconds(r.get("http", "retry_duration"))},
            "ProcessingConfiguration": _processing(r),
            "S3BackupMode": "AllData" if mode == "all" else "FailedDataOnly",
            "S3Configuration": _bucket_config(r, role) if backup else None,
        }
    elif r.peek("redshift") is not None:
        props["RedshiftDestinationConfiguration"] = _redshift(r, role, backup)
    elif r.peek("opensearch") is not None:
        props["AmazonopensearchserviceDestinationConfiguration"] = _opensearch(r, role, mode)
    r.part("AWS::KinesisFirehose::DeliveryStream", props)


def _redshift(r, role, backup) -> dict:
    """COPY from the intermediate bucket, signed in with the cluster's managed secret."""
    cluster = r.target("redshift", "cluster")
    database = r.val("redshift", "database") or r.ctx.source(cluster).val("database") or "dev"
    columns = r.raw("redshift", "columns")
    return {
        "ClusterJDBCURL": sub("jdbc:redshift://", r.ref("redshift", "cluster", export="endpoint"), ":",
                              r.ref("redshift", "cluster", export="port"), "/", database),
        "CopyCommand": {"DataTableName": r.val("redshift", "table"),
                        "DataTableColumns": ",".join(columns) if columns else None,
                        "CopyOptions": r.val("redshift", "copy_options")},
        "RoleARN": role,
        "SecretsManagerConfiguration": {"Enabled": True, "RoleARN": role,
                                        "SecretARN": r.ref("redshift", "cluster",
                                                           export="master_password_secret_arn")},
        "S3Configuration": {"BucketARN": r.ref("redshift", "bucket", export="arn"), "RoleARN": role,
                            "Prefix": r.val("redshift", "prefix"), "BufferingHints": _buffering(r, "redshift"),
                            "CompressionFormat": "UNCOMPRESSED"},
        "RetryOptions": {"DurationInSeconds": seconds(r.get("redshift", "retry_duration"))},
        "ProcessingConfiguration": _processing(r),
        "S3BackupMode": "Enabled" if backup else None,
        "S3BackupConfiguration": _bucket_config(r, role) if backup else None,
    }


_ROTATION = {"none": "NoRotation", "hour": "OneHour", "day": "OneDay", "week": "OneWeek", "month": "OneMonth"}


def _opensearch(r, role, mode) -> dict:
    """Index into the domain; failed (or all) documents to the backup bucket; a VPC domain is
    reached through ENIs in its subnets with its security groups."""
    domain = r.ctx.source(r.target("opensearch", "domain"))
    return {
        "DomainARN": r.ref("opensearch", "domain", export="arn"),
        "IndexName": r.val("opensearch", "index"),
        "IndexRotationPeriod": _ROTATION[r.raw("opensearch", "rotation") or "day"],
        "BufferingHints": _buffering(r, "opensearch"),
        "RetryOptions": {"DurationInSeconds": seconds(r.get("opensearch", "retry_duration"))},
        "RoleARN": role,
        "S3BackupMode": "AllDocuments" if mode == "all" else "FailedDocumentsOnly",
        "S3Configuration": _bucket_config(r, role),
        "ProcessingConfiguration": _processing(r),
        "VpcConfiguration": {"RoleARN": role, "SubnetIds": domain.refs("subnets"),
                             "SecurityGroupIds": domain.refs("security_groups")}
        if domain.raw("subnets") else None,
    }


MAPPERS = {"kinesis_stream": kinesis_stream, "firehose": firehose}

TYPES = {
    "kinesis_stream": ["AWS::Kinesis::Stream"],
    "firehose": ["AWS::KinesisFirehose::DeliveryStream"],
}

EXPORTS = {
    "kinesis_stream": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "firehose": {"id": REF, "name": REF, "arn": getatt("Arn")},
}
