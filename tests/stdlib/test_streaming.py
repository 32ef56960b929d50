"""Kinesis data streams, Firehose delivery streams and event source mappings from streams
(notes §14.3, §14.4, §16.2.3): the limits and defaults of the notes, and each kind's check()."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from archform.stdlib.types import dur, size
from catalogue_bench import build, ref, view, w


def issues(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    for rule in rules():
        found += list(rule(graph))
    return [i.message for i in found if severity is None or i.severity == severity]


def stream(address="clicks", **attrs) -> View:
    return view(address, "kinesis_stream", attrs)


def role(*assumed, inline=None, policies=()) -> View:
    attrs = {"assumed_by": [w(a) for a in assumed], "policies": list(policies)}
    if inline is not None:
        attrs["inline_policies"] = {"p": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": inline, "Resource": "*"}]}}
    return view("role", "iam_role", attrs, None)


DELIVERY = role("firehose", inline=["kinesis:*", "s3:PutObject", "lambda:InvokeFunction"])
BUCKET = view("lake", "s3_bucket", {})


def firehose(address="deliver", **attrs) -> View:
    base = {"role": ref("role", "iam_role"), "s3": {"bucket": ref("lake", "s3_bucket")}}
    return view(address, "firehose", {**base, **attrs})


def function(**attrs) -> View:
    base = {"runtime": w("python3.12"), "handler": "app.handle", "role": ref("fn_role", "iam_role"),
            "code": {"file": "f.zip"}}
    return view("fn", "lambda_function", {**base, **attrs})


FN_ROLE = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                       "policies": ["service-role/AWSLambdaKinesisExecutionRole"]}, None)


def mapping(source=("clicks", "kinesis_stream"), **attrs) -> View:
    return view("feed", "lambda_event_source", {"source": ref(*source), "function": ref("fn", "lambda_function"),
                                                **attrs})


# --- Kinesis ----------------------------------------------------------------------------------

def test_a_stream_is_on_demand_kept_a_day_and_encrypted_by_default():
    s = build("kinesis_stream", {})
    assert s.mode == "on_demand" and s.shards is None and s.retention == dur("24h")
    assert s.encryption == "kms" and s.kms_key == "alias/aws/kinesis"


@pytest.mark.parametrize("attrs, message", [
    ({"retention": dur("12h")}, "retention must be between 24h and 365d"),
    ({"retention": dur("366d")}, "retention must be between 24h and 365d"),
    ({"shards": 0}, "shards must be at least 1"),
    ({"mode": w("burst")}, "is not a valid stream mode"),
])
def test_stream_limits(attrs, message):
    with pytest.raises(ValidationError, match=message):
        build("kinesis_stream", attrs)


def test_stream_rules():
    assert any("a provisioned stream needs shards" in m for m in issues([stream(mode=w("provisioned"))]))
    assert any("shards is for mode = provisioned" in m for m in issues([stream(shards=2)]))
    assert any("whole hours" in m for m in issues([stream(retention=dur("88200s"))]))
    assert any("not encrypted at rest" in m for m in issues([stream(encryption=w("none"))], "warning"))
    assert any("a stream name holds only" in m for m in issues([stream(name="my stream")]))
    assert issues([stream(mode=w("provisioned"), shards=2, retention=dur("7d"))]) == []


def test_provisioned_shards_must_carry_the_ingest():
    found = issues([stream(mode=w("provisioned"), shards=2, ingest={"records": 3500})])
    assert any("2 shards take at most 2 MB/s and 2,000 records/s in; the ingest needs 4 shards" in m for m in found)
    by_bytes = issues([stream(mode=w("provisioned"), shards=1, ingest={"bytes": size("3MiB")})])
    assert any("the ingest needs 3 shards" in m for m in by_bytes)
    assert issues([stream(mode=w("provisioned"), shards=4, ingest={"records": 3500, "bytes": size("3MiB")})]) == []


def test_on_demand_warns_above_its_starting_capacity():
    found = issues([stream(ingest={"bytes": size("10MiB")})], "warning")
    assert any("starts with the capacity of 4 shards" in m for m in found)
    assert issues([stream(ingest={"bytes": size("3MiB")})]) == []


def test_consumers_share_the_shards_read_capacity():
    consumers = [firehose(f"d{i}", source=ref("clicks", "kinesis_stream")) for i in range(3)]
    found = issues([stream(mode=w("provisioned"), shards=1, ingest={"bytes": size("1MiB")}), *consumers,
                    DELIVERY, BUCKET], "warning")
    assert any("3 consumers (d0, d1, d2) each read the whole stream" in m for m in found)


# --- Firehose ---------------------------------------------------------------------------------

def test_firehose_defaults():
    f = firehose().model
    assert f.encryption == "aws_owned" and f.source is None
    assert f.s3.buffer_size == size("5MiB") and f.s3.buffer_interval == dur("300s")
    assert f.s3.compression == "uncompressed"
    assert issues([firehose(), DELIVERY, BUCKET]) == []


@pytest.mark.parametrize("s3, message", [
    ({"buffer_size": size("129MiB")}, "buffer_size must be between 1MiB and 128MiB"),
    ({"buffer_interval": dur("901s")}, "buffer_interval must be between 0s and 900s"),
    ({"compression": w("brotli")}, "is not a valid compression"),
])
def test_s3_destination_limits(s3, message):
    with pytest.raises(ValidationError, match=message):
        firehose(s3={"bucket": ref("lake", "s3_bucket"), **s3})


def test_destination_rules():
    none = issues([firehose(s3=None), DELIVERY])
    assert any("a delivery stream has one destination" in m for m in none)
    prefix = issues([firehose(s3={"bucket": ref("lake", "s3_bucket"), "prefix": "d/!{timestamp:yyyy}/"}),
                     DELIVERY, BUCKET])
    assert any("needs an error_prefix" in m for m in prefix)
    errors = issues([firehose(s3={"bucket": ref("lake", "s3_bucket"), "prefix": "d/!{timestamp:yyyy}/",
                                  "error_prefix": "e/!{timestamp:yyyy}/"}), DELIVERY, BUCKET])
    assert any("must hold !{firehose:error-output-type}" in m for m in errors)
    failed = issues([firehose(backup={"bucket": ref("lake", "s3_bucket"), "mode": w("failed"), "prefix": "b/"}),
                     DELIVERY, BUCKET])
    assert any("its backup copies all source records" in m for m in failed)
    mixed = issues([firehose(backup={"bucket": ref("lake", "s3_bucket")}), DELIVERY, BUCKET], "warning")
    assert any("backed-up and delivered objects mix" in m for m in mixed)


def test_an_http_destination_is_https_with_a_backup():
    http = issues([firehose(s3=None, http={"url": "http://collector.example.com"}), DELIVERY])
    assert any("reached over HTTPS" in m for m in http)
    assert any("needs backup" in m for m in http)
    ok = firehose(s3=None, http={"url": "https://collector.example.com"},
                  backup={"bucket": ref("lake", "s3_bucket")})
    assert ok.model.backup_mode() == "failed"
    assert issues([ok, DELIVERY, BUCKET]) == []
    with pytest.raises(ValidationError, match="buffer_interval must be between 60s and 900s"):
        firehose(s3=None, http={"url": "https://x.example.com", "buffer_interval": dur("30s")})


def test_encryption_rules():
    source = issues([firehose(source=ref("clicks", "kinesis_stream"), encryption=w("customer_kms"),
                              kms_key="arn:aws:kms:us-east-1:123456789012:key/1"), stream(), DELIVERY, BUCKET])
    assert any("refuses server-side encryption for a delivery stream reading a Kinesis stream" in m for m in source)
    assert any("not encrypted at rest" in m for m in issues([firehose(encryption=w("none")), DELIVERY, BUCKET],
                                                             "warning"))
    assert any("needs kms_key" in m for m in issues([firehose(encryption=w("customer_kms")), DELIVERY, BUCKET]))


def test_the_role_trusts_firehose_and_may_do_its_work():
    lambda_role = role("lambda", inline=["s3:PutObject"])
    assert any("cannot be assumed by Firehose" in m for m in issues([firehose(), lambda_role, BUCKET]))
    bare = role("firehose")
    found = issues([firehose(source=ref("clicks", "kinesis_stream"), transform=ref("fn", "lambda_function")),
                    bare, BUCKET, stream(), function(), FN_ROLE])
    assert any("may not write the bucket" in m for m in found)
    assert any("may not read the source stream" in m for m in found)
    assert any("may not invoke the transform" in m for m in found)
    assert issues([firehose(source=ref("clicks", "kinesis_stream"), transform=ref("fn", "lambda_function")),
                   DELIVERY, BUCKET, stream(), function(), FN_ROLE]) == []


# --- event source mappings from streams ---------------------------------------------------------

def test_a_stream_mapping_defaults_to_batches_of_100():
    assert mapping(starting_position=w("latest")).model.batch_size == 100
    assert view("q", "lambda_event_source", {"source": ref("jobs", "sqs_queue"),
                                              "function": ref("fn", "lambda_function")}).model.batch_size == 10


@pytest.mark.parametrize("attr, value, message", [
    ("parallelization_factor", 11, "parallelization_factor must be between 1 and 10"),
    ("max_retry_attempts", 10001, "max_retry_attempts must be between -1 and 10000"),
    ("max_record_age", dur("30s"), "max_record_age must be between 60s and 7d"),
    ("starting_position", w("oldest"), "is not a valid starting position"),
])
def test_stream_mapping_limits(attr, value, message):
    with pytest.raises(ValidationError, match=message):
        mapping(**{attr: value})


def test_a_stream_mapping_needs_a_starting_position():
    found = issues([mapping(), stream(), function(), FN_ROLE])
    assert any("needs starting_position" in m for m in found)
    sends = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                         "policies": ["service-role/AWSLambdaKinesisExecutionRole"],
                                         "inline_policies": {"p": {"Version": "2012-10-17", "Statement": [
                                             {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}}},
                 None)
    assert issues([mapping(starting_position=w("trim_horizon"), parallelization_factor=4, bisect_on_error=True,
                           max_retry_attempts=3, on_failure=ref("dlq", "sqs_queue")),
                   stream(), function(), sends, view("dlq", "sqs_queue", {})]) == []


def test_at_timestamp_needs_a_time_and_a_kinesis_source():
    assert any("needs starting_timestamp" in m
               for m in issues([mapping(starting_position=w("at_timestamp")), stream(), function(), FN_ROLE]))
    assert any("ISO 8601" in m for m in issues([mapping(starting_position=w("at_timestamp"),
                                                        starting_timestamp="yesterday"), stream(), function(), FN_ROLE]))
    table = view("t", "dynamodb_table", {"hash_key": "id", "stream": w("new_image")})
    dyn_role = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                            "policies": ["service-role/AWSLambdaDynamoDBExecutionRole"]}, None)
    found = issues([mapping(("t", "dynamodb_table"), starting_position=w("at_timestamp"),
                            starting_timestamp="2026-01-01T00:00:00Z"), table, function(), dyn_role])
    assert any("not at_timestamp" in m for m in found)


def test_a_table_without_a_stream_cannot_feed_a_function():
    table = view("t", "dynamodb_table", {"hash_key": "id"})
    found = issues([mapping(("t", "dynamodb_table"), starting_position=w("latest")), table, function(), FN_ROLE])
    assert any("has no stream for Lambda to read" in m for m in found)
    assert any("may not read the table's stream" in m for m in found)  # the role reads Kinesis only


def test_the_role_must_allow_reading_the_stream():
    sqs_only = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                            "policies": ["service-role/AWSLambdaSQSQueueExecutionRole"]}, None)
    found = issues([mapping(starting_position=w("latest")), stream(), function(), sqs_only])
    assert any("may not read the stream: Lambda refuses the mapping without kinesis:GetRecords" in m for m in found)


def test_stream_settings_are_not_for_a_queue():
    queue = view("jobs", "sqs_queue", {"visibility_timeout": dur("1m")})
    sqs_role = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                            "policies": ["service-role/AWSLambdaSQSQueueExecutionRole"]}, None)
    found = issues([mapping(("jobs", "sqs_queue"), starting_position=w("latest"), on_failure=ref("jobs", "sqs_queue")),
                    queue, function(), sqs_role])
    assert any("starting_position is for Kinesis and DynamoDB stream sources" in m for m in found)
    assert any("on_failure is for Kinesis and DynamoDB stream sources" in m for m in found)


def test_an_on_failure_queue_is_standard():
    fifo = view("dlq", "sqs_queue", {"fifo": True, "name": "dlq.fifo"})
    found = issues([mapping(starting_position=w("latest"), on_failure=ref("dlq", "sqs_queue")), stream(),
                    function(), FN_ROLE, fifo])
    assert any("on-failure destination is a standard queue" in m for m in found)


def test_the_role_should_send_to_the_on_failure_destination():
    topic = view("alarms", "sns_topic", {})
    found = issues([mapping(starting_position=w("latest"), on_failure=ref("alarms", "sns_topic")), stream(),
                    function(), FN_ROLE, topic], "warning")
    assert any("may not send to 'alarms' (sns:Publish)" in m for m in found)
    publishes = view("fn_role", "iam_role", {"assumed_by": [w("lambda")],
                                             "policies": ["service-role/AWSLambdaKinesisExecutionRole"],
                                             "inline_policies": {"p": {"Version": "2012-10-17", "Statement": [
                                                 {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}}},
                     None)
    assert issues([mapping(starting_position=w("latest"), on_failure=ref("alarms", "sns_topic")), stream(),
                   function(), publishes, topic]) == []
