"""Serverless: Lambda functions (with a published version for provisioned concurrency, a
function URL, and the permission a public URL needs) and event source mappings from SQS
queues, Kinesis streams and DynamoDB streams (a table's `StreamArn`).

Code from S3 is written as it is. Code from a local file needs uploading first: the template
names it by file name in a bucket given as the `LambdaCodeBucket` parameter, and a warning
says so (`aws cloudformation package` does the upload).
"""

from __future__ import annotations

import posixpath
import re

from ..intrinsics import Att
from ..units import seconds, size_bytes
from ..logical_ids import camel
from .common import REF, getatt

_MIB = 2 ** 20


def _code(r) -> dict:
    code = r.raw("code") or {}
    if code.get("file") is not None:
        bucket = r.ctx.synthetic_param("lambda-code-bucket", "LambdaCodeBucket", "String", None,
                                       "The S3 bucket the functions' deployment packages are uploaded to")
        r.warn(f"function '{r.address}' has its code in the file {code['file']}: upload it to the bucket given as "
               "LambdaCodeBucket before deploying", ("code", "file"),
               help="or run `aws cloudformation package`, or write code { bucket = …, key = \"…\" }")
        return {"S3Bucket": bucket, "S3Key": posixpath.basename(str(code["file"]))}
    bucket = r.ref("code", "bucket") if r.target("code", "bucket") else r.val("code", "bucket")
    return {"S3Bucket": bucket, "S3Key": r.val("code", "key"), "S3ObjectVersion": r.val("code", "version")}


def lambda_function(r):
    memory = int(size_bytes(r.get("memory")) // _MIB)
    storage = int(size_bytes(r.get("ephemeral_storage")) // _MIB)
    subnets = r.refs("subnets")
    env = r.val("environment")
    r.part("AWS::Lambda::Function", {
        "FunctionName": r.val("name"),
        "Runtime": r.val("runtime"),
        "Handler": r.val("handler"),
        "Code": _code(r),
        "Role": r.ref("role", export="arn"),
        "Architectures": ["arm64"] if r.raw("architecture") == "arm64" else None,
        "MemorySize": memory if memory != 128 else None,
        "Timeout": seconds(r.get("timeout")) if r.raw("timeout") != "3s" else None,
        "EphemeralStorage": {"Size": storage} if storage != 512 else None,
        "Environment": {"Variables": env} if env else None,
        "VpcConfig": {"SubnetIds": subnets, "SecurityGroupIds": r.refs("security_groups")} if subnets else None,
        "ReservedConcurrentExecutions": r.val("reserved_concurrency"),
        "Layers": r.val("layers") or None,
        "DeadLetterConfig": {"TargetArn": r.ref("dead_letter", export="arn")} if r.target("dead_letter") else None,
        "Tags": r.tags(),
    })
    aliases = r.raw("alias") or []
    version = "Version" + _snapshot(r)
    if r.peek("provisioned_concurrency") is not None or aliases:
        # the version this deployment publishes: its logical ID carries a hash of the code and
        # settings, so a change publishes a new one (a Version resource never changes in place)
        r.part("AWS::Lambda::Version", {
            "FunctionName": r.att(),
            "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": r.val("provisioned_concurrency")}
            if r.peek("provisioned_concurrency") is not None else None,
        }, suffix=version)
    for i, alias in enumerate(aliases):
        r.part("AWS::Lambda::Alias", {
            "FunctionName": r.att(),
            "FunctionVersion": r.att(version, "Version"),
            "Name": r.val("alias", i, "name"),
            "Description": r.val("alias", i, "description"),
            "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions":
                                             r.val("alias", i, "provisioned_concurrency")}
            if alias.get("provisioned_concurrency") is not None else None,
        }, suffix="Alias" + camel(alias["name"]))
    url = r.raw("url")
    if url is not None:
        public = url.get("auth") == "none"
        r.part("AWS::Lambda::Url", {
            "TargetFunctionArn": r.att("", "Arn"),
            "AuthType": "NONE" if public else "AWS_IAM",
            "InvokeMode": "RESPONSE_STREAM" if url.get("invoke_mode") == "response_stream" else None,
        }, suffix="Url")
        if public:
            r.part("AWS::Lambda::Permission", {
                "Action": "lambda:InvokeFunctionUrl",
                "FunctionName": r.att("", "Arn"),
                "Principal": "*",
                "FunctionUrlAuthType": "NONE",
            }, suffix="UrlPermission")


def _snapshot(r) -> str:
    """A short hash of what a published version holds: the code and the settings (not aliases)."""
    import hashlib
    import json
    held = {k: x for k, x in sorted(r.attrs.items()) if k not in ("alias", "tags", "url")}
    return hashlib.sha256(json.dumps(held, sort_keys=True, default=str).encode()).hexdigest()[:8].upper()


def lambda_event_source(r):
    batch, window = r.raw("batch_size"), r.raw("batching_window")
    kind = r.ctx.kind(r.target("source"))
    stream = kind in ("kinesis_stream", "dynamodb_table")
    position = r.raw("starting_position")
    source = r.ref("source", export="stream_arn" if kind == "dynamodb_table" else "arn")
    if r.raw("fan_out") and kind == "kinesis_stream":
        # enhanced fan-out: the mapping reads through a consumer of its own, registered on the stream
        r.part("AWS::Kinesis::StreamConsumer", {
            "StreamARN": source, "ConsumerName": re.sub(r"[^A-Za-z0-9_.-]+", "-", r.address)[:128],
        }, suffix="Consumer")
        source = Att(r.address, "Consumer", "ConsumerARN")
    r.part("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": source,
        "FunctionName": r.ref("function", export="arn"),
        "BatchSize": r.val("batch_size") if batch != (100 if stream else 10) else None,
        "MaximumBatchingWindowInSeconds": seconds(r.get("batching_window")) if window not in (None, "0s") else None,
        "Enabled": False if r.raw("enabled") is False else None,
        "ScalingConfig": {"MaximumConcurrency": r.val("max_concurrency")}
        if r.peek("max_concurrency") is not None else None,
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if r.raw("report_batch_item_failures") else None,
        "StartingPosition": position.upper() if isinstance(position, str) else None,
        "StartingPositionTimestamp": _epoch(r.raw("starting_timestamp")),
        "ParallelizationFactor": r.val("parallelization_factor"),
        "BisectBatchOnFunctionError": r.val("bisect_on_error"),
        "MaximumRetryAttempts": r.val("max_retry_attempts"),
        "MaximumRecordAgeInSeconds": seconds(r.get("max_record_age")) if r.peek("max_record_age") else None,
        "DestinationConfig": {"OnFailure": {"Destination": r.ref("on_failure", export="arn")}}
        if r.target("on_failure") else None,
    })


def _epoch(text) -> float | None:
    """An ISO 8601 time as the seconds since 1970 StartingPositionTimestamp takes."""
    from datetime import datetime, timezone
    if not isinstance(text, str):
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())


def _url(src):
    from ..intrinsics import Att
    return Att(src.address, "Url", "FunctionUrl") if src.peek("url") is not None else None


MAPPERS = {"lambda_function": lambda_function, "lambda_event_source": lambda_event_source}

TYPES = {
    "lambda_function": ["AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Url",
                        "AWS::Lambda::Permission"],
    "lambda_event_source": ["AWS::Lambda::EventSourceMapping", "AWS::Kinesis::StreamConsumer"],
}

EXPORTS = {
    "lambda_function": {"id": REF, "name": REF, "arn": getatt("Arn"), "function_url": _url},
    "lambda_event_source": {"id": REF, "arn": getatt("EventSourceMappingArn")},
}
