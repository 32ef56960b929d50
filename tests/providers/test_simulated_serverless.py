"""The modeled cloud's SQS, SNS and Lambda: queue URLs and ARNs as AWS forms them, the refusals
AWS makes at the API (redrive to a queue of the other type, a FIFO topic to a standard queue, a
visibility timeout shorter than the function's timeout, reserved concurrency below the account's
unreserved minimum), and a function's ENIs in its VPC subnets."""

from __future__ import annotations

import pytest

from archform.providers.base import Conflict, InvalidParameter
from archform.stdlib.types import dur

ACCT = "123456789012"


def code_of(excinfo) -> str:
    return excinfo.value.code


READS_SQS = "service-role/AWSLambdaSQSQueueExecutionRole"
IN_VPC = "service-role/AWSLambdaVPCAccessExecutionRole"


def _role(b, policies=(READS_SQS, IN_VPC)):
    b.add("role", "iam_role", region=None, assumed_by=["lambda"], policies=list(policies))


def _function(b, handle="worker", **attrs):
    base = dict(runtime="python3.12", handler="app.handle", role=b.ref("role"), code={"file": "w.zip"})
    return b.add(handle, "lambda_function", **{**base, **attrs})


def test_queue_urls_arns_and_fifo_names(builder):
    q = builder.add("q", "sqs_queue", name="orders")
    assert q.id == f"https://sqs.us-east-1.amazonaws.com/{ACCT}/orders" == q.outputs["url"]
    assert q.outputs["arn"] == f"arn:aws:sqs:us-east-1:{ACCT}:orders"
    f = builder.add("f", "sqs_queue", fifo=True)
    assert f.outputs["name"].endswith(".fifo") and len(f.outputs["name"]) <= 80
    with pytest.raises(Conflict) as e:
        builder.add("again", "sqs_queue", name="orders")
    assert code_of(e) == "QueueAlreadyExists"


def test_a_redrive_needs_a_dead_letter_queue_of_the_same_type(builder):
    builder.add("dlq", "sqs_queue")
    with pytest.raises(InvalidParameter, match="Dead-letter queue must be same type of queue as the source"):
        builder.add("q", "sqs_queue", fifo=True, redrive={"dead_letter": builder.ref("dlq"), "max_receives": 3})
    q = builder.add("ok", "sqs_queue", redrive={"dead_letter": builder.ref("dlq"), "max_receives": 3})
    assert q.outputs["redrive_target"].startswith(f"arn:aws:sqs:us-east-1:{ACCT}:")


def test_a_fifo_topic_refuses_a_standard_queue_and_keeps_subscriptions(builder):
    builder.add("std", "sqs_queue")
    builder.add("fq", "sqs_queue", fifo=True)
    with pytest.raises(InvalidParameter, match="FIFO SNS Topics currently only support FIFO SQS Queues"):
        builder.add("t", "sns_topic", fifo=True, subscription=[{"name": "s", "protocol": "sqs",
                                                                "target": builder.ref("std")}])
    t = builder.add("ft", "sns_topic", fifo=True, subscription=[{"name": "s", "protocol": "sqs",
                                                                 "target": builder.ref("fq")}])
    assert t.id.startswith(f"arn:aws:sns:us-east-1:{ACCT}:") and t.id.endswith(".fifo")
    [s] = t.outputs["subscriptions"]
    assert s["arn"].startswith(t.id + ":") and s["endpoint"].startswith(f"arn:aws:sqs:us-east-1:{ACCT}:")


def test_email_subscriptions_wait_for_confirmation(builder):
    t = builder.add("t", "sns_topic", subscription=[{"name": "ops", "protocol": "email",
                                                     "endpoint": "ops@example.com"}])
    assert t.outputs["subscriptions"][0]["arn"] == "PendingConfirmation"


def test_a_topic_delivers_to_a_queue_of_another_region(builder):
    builder.add("far", "sqs_queue", region="eu-west-1")
    t = builder.add("t", "sns_topic", subscription=[{"name": "s", "protocol": "sqs", "target": builder.ref("far")}])
    assert t.outputs["subscriptions"][0]["endpoint"].startswith(f"arn:aws:sqs:eu-west-1:{ACCT}:")


def test_function_names_arns_urls_and_vpc_enis(network):
    b = network
    _role(b)
    f = _function(b, subnets=[b.ref("a"), b.ref("b")], security_groups=[b.ref("sg")], url={})
    assert f.id == f.outputs["arn"] and f.outputs["arn"].startswith(f"arn:aws:lambda:us-east-1:{ACCT}:function:worker-")
    assert f.outputs["function_url"].endswith(".lambda-url.us-east-1.on.aws/")
    enis = f.outputs["vpc_enis"]
    assert sorted(e["az"] for e in enis) == ["us-east-1a", "us-east-1b"]
    assert all(e["ip"].startswith("10.0.") for e in enis)


def test_a_function_role_must_trust_lambda(builder):
    builder.add("role", "iam_role", region=None, assumed_by=["ec2"])
    with pytest.raises(InvalidParameter, match="cannot be assumed by Lambda"):
        _function(builder)


def test_reserved_concurrency_leaves_100_unreserved(builder):
    _role(builder)
    _function(builder, "a", reserved_concurrency=800)
    with pytest.raises(InvalidParameter, match="below its minimum value of \\[100\\]") as e:
        _function(builder, "b", reserved_concurrency=150)
    assert code_of(e) == "InvalidParameterValueException"


def test_a_mapping_refuses_a_visibility_timeout_below_the_functions_timeout(builder):
    _role(builder)
    builder.add("q", "sqs_queue", visibility_timeout=dur("30s"))
    _function(builder, timeout=dur("1m"))
    with pytest.raises(InvalidParameter, match="Queue visibility timeout: 30 seconds is less than Function timeout: "
                                               "60 seconds"):
        builder.add("m", "lambda_event_source", source=builder.ref("q"), function=builder.ref("worker"))


def test_a_mapping_batches_as_aws_allows(builder):
    _role(builder)
    builder.add("q", "sqs_queue")
    builder.add("fq", "sqs_queue", fifo=True)
    _function(builder)
    with pytest.raises(InvalidParameter, match="greater than 0 if maximum batch size is greater than 10"):
        builder.add("m", "lambda_event_source", source=builder.ref("q"), function=builder.ref("worker"), batch_size=100)
    m = builder.add("ok", "lambda_event_source", source=builder.ref("q"), function=builder.ref("worker"),
                    batch_size=100, batching_window=dur("5s"))
    assert m.outputs["state"] == "Enabled" and m.outputs["arn"].endswith(f":event-source-mapping:{m.id}")
    with pytest.raises(InvalidParameter, match="already exists"):
        builder.add("twice", "lambda_event_source", source=builder.ref("q"), function=builder.ref("worker"))


def test_lambda_refuses_roles_that_cannot_read_the_queue_or_make_enis(network):
    b = network
    _role(b, policies=())
    with pytest.raises(InvalidParameter, match="does not have permissions to call CreateNetworkInterface on EC2"):
        _function(b, "in_vpc", subnets=[b.ref("a")], security_groups=[b.ref("sg")])
    b.add("q", "sqs_queue")
    _function(b)
    with pytest.raises(InvalidParameter, match="does not have permissions to call ReceiveMessage on SQS"):
        b.add("m", "lambda_event_source", source=b.ref("q"), function=b.ref("worker"))
