"""Kinesis data streams (named per region, resharded within AWS's factor of two) and Firehose
delivery streams (named per region; what CreateDeliveryStream refuses)."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .serverless import role_allows

ON_DEMAND_SHARDS = 4  # an on-demand stream starts with 4 shards (notes §14.3)


def stream_arn(rec: Record) -> str:
    return ids.arn("kinesis", rec.region, f"stream/{rec.name}")


class KinesisStream(Named):
    service = "kinesis"
    name_max = 128
    name_taken_code = "ResourceInUseException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Stream {name} under account {ids.ACCOUNT} already exists."

    def arn(self, rec: Record) -> str:
        return stream_arn(rec)

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        provisioned = at.get("mode") == "provisioned"
        require(not provisioned or at.get("shards"), "ShardCount is required when StreamModeDetails is PROVISIONED",
                "ValidationException")
        require(provisioned or at.get("shards") is None,
                "ShardCount cannot be specified when StreamModeDetails is ON_DEMAND", "ValidationException")
        require(at.get("encryption") == "none" or bool(at.get("kms_key")),
                "KeyId is required when EncryptionType is KMS", "ValidationException")
        if old is not None and provisioned and old.attrs.get("mode") == "provisioned":
            before, after = old.attrs.get("shards") or 1, at.get("shards") or 1
            if after > 2 * before or 2 * after < before:
                raise InvalidParameter(f"UpdateShardCount cannot scale from {before} to {after} shards: the target "
                                       "must be between half and double the current open shards",
                                       code="LimitExceededException")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        shards = at.get("shards") if at.get("mode") == "provisioned" else ON_DEMAND_SHARDS
        kms = at.get("encryption") != "none"
        return {"name": rec.name, "status": "ACTIVE",
                "mode": "PROVISIONED" if at.get("mode") == "provisioned" else "ON_DEMAND",
                "open_shards": [f"shardId-{i:012d}" for i in range(shards or 1)],
                "encryption_type": "KMS" if kms else "NONE", "key_id": at.get("kms_key") if kms else None}


class Firehose(Named):
    service = "firehose"
    name_max = 64
    name_taken_code = "ResourceInUseException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Firehose {name} under account {ids.ACCOUNT} already exists."

    def arn(self, rec: Record) -> str:
        return ids.arn("firehose", rec.region, f"deliverystream/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        s3, http = at.get("s3"), at.get("http")
        redshift, opensearch = at.get("redshift"), at.get("opensearch")
        require(sum(bool(d) for d in (s3, http, redshift, opensearch)) == 1,
                "Exactly one destination configuration is required", "InvalidArgumentException")
        role = op.get(at.get("role"))
        if role is not None:
            principals = role.attrs.get("assumed_by") or []
            require(not principals or any(p in ("firehose.amazonaws.com", "*") or not isinstance(p, str)
                                          or p.startswith("arn:") for p in principals),
                    f"Firehose is unable to assume role {ids.arn('iam', None, 'role/' + str(role.name))}. Please check "
                    "the role provided.", "InvalidArgumentException")
        source = op.get(at.get("source"))
        if source is not None:
            require(at.get("encryption") in (None, "aws_owned"), "Server-side encryption is not supported for a "
                    "delivery stream of type KinesisStreamAsSource: its records are encrypted by the source stream",
                    "InvalidArgumentException")
            require(role_allows(op, role, "kinesis:DescribeStream"),
                    f"Firehose is unable to describe the source stream {stream_arn(source)} with the role provided: "
                    "it needs kinesis:DescribeStream", "InvalidArgumentException")
        if s3:
            prefix, errors = s3.get("prefix") or "", s3.get("error_prefix")
            require("!{" not in prefix or bool(errors), "ErrorOutputPrefix cannot be null or empty when Prefix "
                    "contains expressions", "InvalidArgumentException")
            require((at.get("backup") or {}).get("mode") != "failed", "S3BackupMode FailedDataOnly is not valid for "
                    "an ExtendedS3 destination: use Enabled or Disabled", "InvalidArgumentException")
        if http:
            require(str(http.get("url", "")).startswith("https://"), "Url must use the HTTPS protocol",
                    "InvalidArgumentException")
            require(bool(at.get("backup")), "1 validation error detected: Value null at "
                    "'httpEndpointDestinationConfiguration.s3Configuration' failed to satisfy constraint: Member "
                    "must not be null", "ValidationException")
        if redshift:
            cluster = op.get(redshift.get("cluster"))
            require(cluster is None or bool(cluster.attrs.get("publicly_accessible")), "Firehose cannot reach the "
                    "Redshift cluster: a provisioned cluster must be publicly accessible", "InvalidArgumentException")
        if opensearch:
            require(bool(at.get("backup")), "1 validation error detected: Value null at "
                    "'amazonopensearchserviceDestinationConfiguration.s3Configuration' failed to satisfy constraint: "
                    "Member must not be null", "ValidationException")
        require(at.get("encryption") != "customer_kms" or bool(at.get("kms_key")),
                "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK", "InvalidArgumentException")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        source = op.get(at.get("source"))
        encryption = at.get("encryption") or "aws_owned"
        transform = op.get(at.get("transform"))
        return {"name": rec.name, "status": "ACTIVE",
                "type": "KinesisStreamAsSource" if source is not None else "DirectPut",
                "source_stream": stream_arn(source) if source is not None else None,
                "destination_id": "destinationId-000000000001",
                "destination": ("ExtendedS3" if at.get("s3") else "HttpEndpoint" if at.get("http") else
                                "Redshift" if at.get("redshift") else "AmazonOpenSearchService"),
                "transform": ids.arn("lambda", transform.region, f"function:{transform.name}") if transform else None,
                "encryption": None if source is not None or encryption == "none"
                else "AWS_OWNED_CMK" if encryption == "aws_owned" else "CUSTOMER_MANAGED_CMK"}


BEHAVIOURS = {"kinesis_stream": KinesisStream(), "firehose": Firehose()}
