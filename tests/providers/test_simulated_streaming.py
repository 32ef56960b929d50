"""The modeled cloud's Kinesis streams, Firehose delivery streams and event source mappings from
streams: names and ARNs as AWS forms them, and the refusals AWS makes at the API (resharding
beyond a factor of two, SSE on a delivery stream reading Kinesis, a role Firehose cannot
assume, a prefix with expressions and no error prefix, a stream mapping without a starting
position, a role that cannot read the stream, a table without a stream)."""

from __future__ import annotations

import pytest

from archform.providers.base import Conflict, InvalidParameter
from chaosbench import chaos, service, value_at

ACCT = "123456789012"
READS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kinesis:*", "s3:PutObject"],
                                                 "Resource": "*"}]}


def _delivery_role(b, assumed_by="firehose", inline=READS):
    b.add("delivery_role", "iam_role", region=None, assumed_by=[assumed_by], inline_policies={"p": inline})


def _function(b, policies=("service-role/AWSLambdaKinesisExecutionRole",)):
    b.add("fn_role", "iam_role", region=None, assumed_by=["lambda"], policies=list(policies))
    return b.add("fn", "lambda_function", runtime="python3.12", handler="app.handle", role=b.ref("fn_role"),
                 code={"file": "f.zip"})


def test_stream_names_arns_shards_and_encryption(builder):
    s = builder.add("s", "kinesis_stream", name="clicks")
    assert s.id == s.outputs["arn"] == f"arn:aws:kinesis:us-east-1:{ACCT}:stream/clicks"
    assert s.outputs["mode"] == "ON_DEMAND" and len(s.outputs["open_shards"]) == 4
    assert s.outputs["encryption_type"] == "KMS" and s.outputs["key_id"] == "alias/aws/kinesis"
    p = builder.add("p", "kinesis_stream", mode="provisioned", shards=3)
    assert p.outputs["open_shards"] == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]
    with pytest.raises(Conflict, match="Stream clicks under account 123456789012 already exists") as e:
        builder.add("again", "kinesis_stream", name="clicks")
    assert e.value.code == "ResourceInUseException"


def test_resharding_stays_within_half_and_double(builder, cloud):
    s = builder.add("s", "kinesis_stream", mode="provisioned", shards=2)
    attrs = builder.attrs("kinesis_stream", mode="provisioned", shards=5)
    with pytest.raises(InvalidParameter, match="between half and double"):
        cloud.update("kinesis_stream", s.id, attrs, ["shards"])
    grown = cloud.update("kinesis_stream", s.id, builder.attrs("kinesis_stream", mode="provisioned", shards=4),
                         ["shards"])
    assert len(grown.outputs["open_shards"]) == 4


def test_a_delivery_stream_from_kinesis_to_s3(builder):
    _delivery_role(builder)
    builder.add("s", "kinesis_stream", name="clicks")
    builder.add("lake", "s3_bucket")
    fn = _function(builder)
    d = builder.add("d", "firehose", name="to-lake", source=builder.ref("s"), role=builder.ref("delivery_role"),
                    transform=builder.ref("fn"), s3={"bucket": builder.ref("lake")})
    assert d.outputs["arn"] == f"arn:aws:firehose:us-east-1:{ACCT}:deliverystream/to-lake"
    assert d.outputs["type"] == "KinesisStreamAsSource" and d.outputs["encryption"] is None
    assert d.outputs["source_stream"] == f"arn:aws:kinesis:us-east-1:{ACCT}:stream/clicks"
    assert d.outputs["transform"] == fn.outputs["arn"]
    direct = builder.add("direct", "firehose", role=builder.ref("delivery_role"), s3={"bucket": builder.ref("lake")})
    assert direct.outputs["type"] == "DirectPut" and direct.outputs["encryption"] == "AWS_OWNED_CMK"


def test_firehose_refusals(builder):
    builder.add("s", "kinesis_stream")
    builder.add("lake", "s3_bucket")
    _delivery_role(builder)
    lake, role = {"bucket": builder.ref("lake")}, builder.ref("delivery_role")
    with pytest.raises(InvalidParameter, match="Server-side encryption is not supported"):
        builder.add("a", "firehose", source=builder.ref("s"), role=role, s3=lake, encryption="customer_kms",
                    kms_key="arn:aws:kms:us-east-1:123456789012:key/k")
    with pytest.raises(InvalidParameter, match="ErrorOutputPrefix cannot be null or empty"):
        builder.add("b", "firehose", role=role, s3={**lake, "prefix": "x/!{timestamp:yyyy}/"})
    with pytest.raises(InvalidParameter, match="Url must use the HTTPS protocol"):
        builder.add("c", "firehose", role=role, http={"url": "http://x.example.com"}, backup=lake)
    with pytest.raises(InvalidParameter, match="s3Configuration' failed to satisfy constraint"):
        builder.add("d", "firehose", role=role, http={"url": "https://x.example.com"})
    builder.add("lambda_role", "iam_role", region=None, assumed_by=["lambda"])
    with pytest.raises(InvalidParameter, match="Firehose is unable to assume role"):
        builder.add("e", "firehose", role=builder.ref("lambda_role"), s3=lake)


def test_firehose_must_describe_its_source_stream(builder):
    builder.add("s", "kinesis_stream")
    builder.add("lake", "s3_bucket")
    _delivery_role(builder, inline={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]})
    with pytest.raises(InvalidParameter, match="unable to describe the source stream"):
        builder.add("d", "firehose", source=builder.ref("s"), role=builder.ref("delivery_role"),
                    s3={"bucket": builder.ref("lake")})


def test_a_mapping_from_a_kinesis_stream(builder):
    s = builder.add("s", "kinesis_stream", name="clicks")
    _function(builder)
    with pytest.raises(InvalidParameter, match="StartingPosition must be specified"):
        builder.add("m", "lambda_event_source", source=builder.ref("s"), function=builder.ref("fn"))
    m = builder.add("ok", "lambda_event_source", source=builder.ref("s"), function=builder.ref("fn"),
                    starting_position="trim_horizon", parallelization_factor=2)
    assert m.outputs["event_source_arn"] == s.outputs["arn"] and m.outputs["starting_position"] == "TRIM_HORIZON"
    with pytest.raises(InvalidParameter, match="with Kinesis arn .* already exists"):
        builder.add("twice", "lambda_event_source", source=builder.ref("s"), function=builder.ref("fn"),
                    starting_position="latest")


def test_lambda_refuses_a_role_that_cannot_read_the_stream(builder):
    builder.add("s", "kinesis_stream", name="clicks")
    _function(builder, policies=("service-role/AWSLambdaSQSQueueExecutionRole",))
    with pytest.raises(InvalidParameter, match="Cannot access stream arn:aws:kinesis:us-east-1:123456789012:"
                                               "stream/clicks. Please ensure the role can perform the GetRecords"):
        builder.add("m", "lambda_event_source", source=builder.ref("s"), function=builder.ref("fn"),
                    starting_position="latest")


def test_a_mapping_from_a_dynamodb_stream(builder):
    builder.add("plain", "dynamodb_table", hash_key="id")
    t = builder.add("t", "dynamodb_table", hash_key="id", stream="new_image")
    _function(builder, policies=("service-role/AWSLambdaDynamoDBExecutionRole",))
    with pytest.raises(InvalidParameter, match="has no stream enabled"):
        builder.add("m", "lambda_event_source", source=builder.ref("plain"), function=builder.ref("fn"),
                    starting_position="latest")
    with pytest.raises(InvalidParameter, match="AT_TIMESTAMP for a DynamoDB stream"):
        builder.add("m", "lambda_event_source", source=builder.ref("t"), function=builder.ref("fn"),
                    starting_position="at_timestamp", starting_timestamp="2026-01-01T00:00:00Z")
    m = builder.add("ok", "lambda_event_source", source=builder.ref("t"), function=builder.ref("fn"),
                    starting_position="latest")
    assert m.outputs["event_source_arn"] == t.outputs["stream_arn"]


def test_the_pipeline_survives_an_az_and_stops_with_its_region():
    az = chaos("stream_pipeline.arch", "az:us-east-1a", duration=600)
    for address in ("primary.clicks", "primary.clicks_to_lake"):
        assert value_at(service(az, address), 61) == (1.0, 1.0)
    region = chaos("stream_pipeline.arch", "region:us-east-1", duration=600)
    for address in ("primary.clicks", "primary.clicks_to_lake"):
        assert value_at(service(region, address), 61) == (0.0, 0.0)


def test_a_failed_transform_stops_delivery():
    doc = chaos("stream_pipeline.arch", "primary.enrich", duration=600)
    assert value_at(service(doc, "primary.clicks_to_lake"), 61) == (0.0, 0.0)
    assert value_at(service(doc, "primary.clicks"), 61) == (1.0, 1.0)
