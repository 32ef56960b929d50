"""SQS queues, SNS topics, Lambda functions and event source mappings (notes §14, §16.1):
the limits and defaults of the notes, and the rules of each kind's check()."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
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


def queue(address="jobs", **attrs) -> View:
    return view(address, "sqs_queue", attrs)


ROLE = view("role", "iam_role", {"assumed_by": [w("lambda")],
                                 "policies": ["service-role/AWSLambdaSQSQueueExecutionRole",
                                              "service-role/AWSLambdaVPCAccessExecutionRole"]}, None)


def function(address="worker", **attrs) -> View:
    base = {"runtime": w("python3.12"), "handler": "app.handle", "role": ref("role", "iam_role"),
            "code": {"file": "worker.zip"}}
    return view(address, "lambda_function", {**base, **attrs})


def mapping(address="feed", **attrs) -> View:
    return view(address, "lambda_event_source",
                {"source": ref("jobs", "sqs_queue"), "function": ref("worker", "lambda_function"), **attrs})


# --- SQS -------------------------------------------------------------------------------------

def test_queue_defaults_follow_the_notes():
    q = build("sqs_queue", {})
    assert q.retention == dur("4d") and q.visibility_timeout == dur("30s")
    assert q.long_polling == dur("0s") and q.delay == dur("0s") and q.max_message_size == size("256KiB")
    assert q.encryption == "sqs" and q.fifo is False


@pytest.mark.parametrize("attr, value, message", [
    ("retention", dur("30s"), "retention must be between 1m and 14d"),
    ("retention", dur("15d"), "retention must be between 1m and 14d"),
    ("visibility_timeout", dur("13h"), "visibility_timeout must be between 0s and 12h"),
    ("long_polling", dur("21s"), "long_polling must be between 0s and 20s"),
    ("delay", dur("16m"), "delay must be between 0s and 15m"),
    ("max_message_size", size("512KiB"), "max_message_size must be between 1KiB and 256KiB"),
])
def test_queue_limits(attr, value, message):
    with pytest.raises(ValidationError, match=message):
        build("sqs_queue", {attr: value})


def test_max_receives_is_1_to_1000():
    with pytest.raises(ValidationError, match="max_receives must be between 1 and 1000"):
        build("sqs_queue", {"redrive": {"dead_letter": ref("dlq", "sqs_queue"), "max_receives": 1001}})


def test_a_fifo_name_ends_in_fifo_and_only_a_fifo_one():
    assert any("must end in .fifo" in m for m in issues([queue(fifo=True, name="orders")]))
    assert any("ends in .fifo, but this queue is standard" in m for m in issues([queue(name="orders.fifo")]))
    assert issues([queue(fifo=True, name="orders.fifo")]) == []
    assert any("only letters, digits" in m for m in issues([queue(name="my queue")]))


def test_the_dead_letter_queue_has_the_queues_type():
    found = issues([queue(fifo=True, name="jobs.fifo", redrive={"dead_letter": ref("dlq", "sqs_queue"),
                                                                 "max_receives": 3}),
                    queue("dlq")])
    assert any("dead-letter queue of a FIFO queue must be FIFO too" in m for m in found)


def test_a_dead_letter_queue_keeping_messages_less_long_is_a_warning():
    found = issues([queue(retention=dur("4d"), redrive={"dead_letter": ref("dlq", "sqs_queue"), "max_receives": 3}),
                    queue("dlq", retention=dur("1d"))], "warning")
    assert any("keeps messages 1d, less than this queue's 4d" in m for m in found)


def test_a_queue_is_not_its_own_dead_letter_queue():
    found = issues([queue(redrive={"dead_letter": ref("jobs", "sqs_queue"), "max_receives": 3})])
    assert "a queue cannot be its own dead-letter queue" in found


def test_encryption_rules():
    assert any("kms_key is used with encryption = kms" in m for m in issues([queue(kms_key="alias/x")]))
    assert any("not encrypted at rest" in m for m in issues([queue(encryption=w("none"))], "warning"))
    assert any("content_based_deduplication is for FIFO" in m
               for m in issues([queue(content_based_deduplication=True)]))


# --- SNS -------------------------------------------------------------------------------------

def topic(address="events", **attrs) -> View:
    return view(address, "sns_topic", attrs)


def sub(name="s", **attrs) -> dict:
    return {"name": name, **attrs}


def test_topics_are_encrypted_by_default():
    t = build("sns_topic", {})
    assert t.encryption == "kms" and t.kms_key == "alias/aws/sns"


def test_a_fifo_topic_delivers_only_to_fifo_queues():
    standard = issues([topic(fifo=True, name="e.fifo", subscription=[sub(protocol=w("sqs"),
                                                                           target=ref("jobs", "sqs_queue"))]),
                       queue()])
    assert any("FIFO topic delivers only to FIFO queues; 'jobs' is standard" in m for m in standard)
    email = issues([topic(fifo=True, name="e.fifo", subscription=[sub(protocol=w("email"),
                                                                        endpoint="a@example.com")])])
    assert any("delivers only to FIFO SQS queues, not to email" in m for m in email)
    ok = issues([topic(fifo=True, name="e.fifo", subscription=[sub(protocol=w("sqs"),
                                                                     target=ref("jobs", "sqs_queue"))]),
                 queue(fifo=True, name="jobs.fifo")])
    assert ok == []


@pytest.mark.parametrize("attrs, message", [
    ({"protocol": w("sqs")}, "an sqs subscription needs target"),
    ({"protocol": w("lambda"), "target": ref("jobs", "sqs_queue")}, "delivers to a lambda_function"),
    ({"protocol": w("email")}, "needs an endpoint"),
    ({"protocol": w("email"), "endpoint": "nobody"}, "is not a valid email endpoint"),
    ({"protocol": w("https"), "endpoint": "http://x.example.com"}, "is not a valid https endpoint"),
    ({"protocol": w("sms"), "endpoint": "555-0100"}, "is not a valid sms endpoint"),
    ({"protocol": w("email"), "endpoint": "a@example.com", "raw_delivery": True}, "raw message delivery"),
    ({"protocol": w("firehose"), "endpoint": "arn:aws:firehose:us-east-1:123456789012:deliverystream/x"},
     "needs role"),
])
def test_subscription_rules(attrs, message):
    found = issues([topic(subscription=[sub(**attrs)]), queue()])
    assert any(message in m for m in found), found


def test_subscription_names_are_unique():
    found = issues([topic(subscription=[sub("a", protocol=w("sms"), endpoint="+14155550100"),
                                        sub("a", protocol=w("sms"), endpoint="+14155550101")])])
    assert "two subscriptions are called 'a'" in found


def test_a_topic_may_fan_out_to_a_queue_of_another_region():
    far = view("far", "sqs_queue", {}, "eu-west-1")
    assert issues([topic(subscription=[sub(protocol=w("sqs"), target=ref("far", "sqs_queue"))]), far]) == []


# --- Lambda -----------------------------------------------------------------------------------

def test_function_defaults_are_awss():
    f = function().model
    assert f.memory == size("128MiB") and f.timeout == dur("3s") and f.ephemeral_storage == size("512MiB")
    assert f.architecture == "x86_64" and f.url is None


@pytest.mark.parametrize("attr, value, message", [
    ("memory", size("64MiB"), "memory must be between 128MiB and 10240MiB"),
    ("memory", size("11GiB"), "memory must be between 128MiB and 10240MiB"),
    ("timeout", dur("16m"), "timeout must be between 1s and 15m"),
    ("ephemeral_storage", size("256MiB"), "ephemeral_storage must be between 512MiB and 10240MiB"),
    ("runtime", w("python2.7"), "is not a valid Lambda runtime"),
    ("runtime", w("nodejs20.x"), "deprecated"),
    ("reserved_concurrency", 1000, "reserved_concurrency must be between 0 and 900"),
])
def test_function_limits(attr, value, message):
    with pytest.raises(ValidationError, match=message):
        function(**{attr: value})


def test_function_rules():
    assert any("needs a handler" in m for m in issues([function(handler=None), ROLE]))
    assert issues([function(runtime=w("provided.al2023"), handler=None), ROLE]) == []
    assert any("code comes from a file or from S3" in m
               for m in issues([function(code={"file": "a.zip", "key": "b"}), ROLE]))
    assert any("needs both bucket and key" in m for m in issues([function(code={"key": "b.zip"}), ROLE]))
    big = {f"K{i}": "x" * 100 for i in range(50)}
    assert any("environment holds at most 4 KB" in m for m in issues([function(environment=big), ROLE]))
    assert any("more than reserved_concurrency" in m
               for m in issues([function(reserved_concurrency=5, provisioned_concurrency=10), ROLE]))
    assert any("lets anyone on the internet" in m for m in issues([function(url={"auth": w("none")}), ROLE],
                                                                   "warning"))


def test_the_role_must_trust_lambda():
    ec2 = view("role", "iam_role", {"assumed_by": [w("ec2")]}, None)
    assert any("cannot be assumed by Lambda" in m for m in issues([function(), ec2]))
    assert issues([function(), ROLE]) == []


def test_a_function_in_a_vpc_needs_subnets_and_groups_and_two_azs():
    vpc = view("main", "vpc", {"cidr": "10.0.0.0/16"})
    a = view("a", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.1.0/24", "az": "a"})
    sg = view("sg", "security_group", {"vpc": ref("main", "vpc")})
    only_subnets = issues([function(subnets=[ref("a", "subnet")]), ROLE, vpc, a])
    assert any("needs both subnets and security_groups" in m for m in only_subnets)
    one_az = issues([function(subnets=[ref("a", "subnet")], security_groups=[ref("sg", "security_group")]),
                     ROLE, vpc, a, sg], "warning")
    assert any("stops when that AZ is lost" in m for m in one_az)


# --- event source mappings ----------------------------------------------------------------------

def test_batch_sizes_follow_the_queue_type():
    fifo = queue(fifo=True, name="jobs.fifo", visibility_timeout=dur("1m"))
    assert any("batches of 1 to 10" in m for m in issues([mapping(batch_size=11), fifo, function(), ROLE]))
    assert any("needs a batching window" in m
               for m in issues([mapping(batch_size=100), queue(), function(), ROLE]))
    assert issues([mapping(batch_size=100, batching_window=dur("5s")), queue(), function(), ROLE]) == []
    with pytest.raises(ValidationError, match="batch_size must be between 1 and 10000"):
        mapping(batch_size=10001)


def test_visibility_timeout_against_the_functions_timeout():
    less = issues([mapping(), queue(visibility_timeout=dur("30s")), function(timeout=dur("1m")), ROLE])
    assert any("less than the function's timeout" in m and "refuses" in m for m in less)
    warned = issues([mapping(), queue(visibility_timeout=dur("1m")), function(timeout=dur("30s")), ROLE], "warning")
    assert any("less than six times the function's timeout" in m for m in warned)
    assert issues([mapping(), queue(visibility_timeout=dur("3m")), function(timeout=dur("30s")), ROLE]) == []


def test_the_fraction_free_duration_helper():
    from archform.stdlib.kinds.messaging import seconds_of
    assert seconds_of(v.Duration(Fraction(90))) == 90.0 and seconds_of(None) is None


def test_the_role_must_allow_reading_the_queue_and_making_enis():
    bare = view("role", "iam_role", {"assumed_by": [w("lambda")]}, None)
    found = issues([mapping(), queue(visibility_timeout=dur("1m")), function(), bare])
    assert any("may not read the queue" in m for m in found)
    inline = view("role", "iam_role", {"assumed_by": [w("lambda")], "inline_policies": {"q": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}]}}}, None)
    assert issues([mapping(), queue(visibility_timeout=dur("1m")), function(), inline]) == []
    unknown = view("role", "iam_role", {"assumed_by": [w("lambda")],
                                        "policies": ["arn:aws:iam::123456789012:policy/workers"]}, None)
    assert issues([mapping(), queue(visibility_timeout=dur("1m")), function(), unknown]) == []  # cannot tell
    vpc = view("main", "vpc", {"cidr": "10.0.0.0/16"})
    a = view("a", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.1.0/24", "az": "a"})
    sg = view("sg", "security_group", {"vpc": ref("main", "vpc")})
    in_vpc = issues([function(subnets=[ref("a", "subnet")], security_groups=[ref("sg", "security_group")]),
                     bare, vpc, a, sg])
    assert any("may not create network interfaces" in m for m in in_vpc)


def test_queue_and_topic_policies_are_resource_policies():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    assert any("Principal" in m for m in issues([queue(policy=doc)]))
    assert any("Principal" in m for m in issues([topic(policy=doc)]))
