"""The CloudFormation of queues, topics, functions and event source mappings: AWS's defaults
left out, the safe ones written (SSE-SQS), the queue policy SNS needs, a subscription and a
permission per subscriber, provisioned concurrency and URLs, cross-region fan-out through a
stack parameter."""

from __future__ import annotations

from pathlib import Path

from archform.providers.cloudformation import Options, generate

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "test_cloudformation_cases"


def resources(path: Path, region: str = "us-east-1") -> dict:
    """The resources of the regional stacks of `region` (not its global ones)."""
    result = generate(path, {}, Options())
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    found = {}
    for template, body in result.templates:
        if template.region == region and "global" not in template.file:
            found.update(body["Resources"])
    return found


def test_the_example_queue_topic_function_and_mapping():
    res = resources(ROOT / "examples" / "serverless_queue_worker.arch")
    jobs = res["PrimaryJobs"]["Properties"]
    assert jobs["SqsManagedSseEnabled"] is True and jobs["VisibilityTimeout"] == 180
    assert jobs["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["PrimaryFailed", "Arn"]},
                                     "maxReceiveCount": 5}
    assert jobs["MessageRetentionPeriod"] == 345600  # written though it is AWS's default (cfn-lint I3013)
    assert "MaximumMessageSize" not in jobs  # AWS's default
    assert res["PrimaryFailed"]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    [statement] = res["PrimaryJobsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "PrimaryOrders"}}}
    sub = res["PrimaryOrdersSubscriptionWork"]["Properties"]
    assert sub["Protocol"] == "sqs" and sub["RawMessageDelivery"] is True
    assert sub["Endpoint"] == {"Fn::GetAtt": ["PrimaryJobs", "Arn"]} and sub["FilterPolicy"] == {"event": ["created"]}
    assert res["PrimaryOrders"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    fn = res["PrimaryWorker"]["Properties"]
    assert fn["MemorySize"] == 512 and fn["Timeout"] == 30 and fn["Runtime"] == "python3.12"
    assert fn["Code"] == {"S3Bucket": {"Ref": "LambdaCodeBucket"}, "S3Key": "worker.zip"}
    esm = res["PrimaryJobsToWorker"]["Properties"]
    assert esm["EventSourceArn"] == {"Fn::GetAtt": ["PrimaryJobs", "Arn"]}
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and "BatchSize" not in esm


def test_every_option_of_the_every_kind_architecture():
    res = resources(CASES / "every_kind.arch")
    fn = res["PrimaryHandler"]["Properties"]
    assert fn["Architectures"] == ["arm64"] and fn["MemorySize"] == 1024 and fn["EphemeralStorage"] == {"Size": 1024}
    assert fn["ReservedConcurrentExecutions"] == 50 and len(fn["VpcConfig"]["SubnetIds"]) == 3
    assert fn["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["PrimaryWorkDlq", "Arn"]}}
    assert res["PrimaryHandlerVersion"]["Properties"]["ProvisionedConcurrencyConfig"] == {
        "ProvisionedConcurrentExecutions": 2}
    assert res["PrimaryHandlerUrl"]["Properties"]["AuthType"] == "AWS_IAM"
    ordered = res["PrimaryOrderedWork"]["Properties"]
    assert ordered["FifoQueue"] is True and ordered["KmsMasterKeyId"] == "alias/orders"
    assert "SqsManagedSseEnabled" not in ordered
    assert res["PrimaryOrdered"]["Properties"]["FifoTopic"] is True
    assert res["PrimaryEventsSubscriptionHandlerPermission"]["Properties"]["Principal"] == "sns.amazonaws.com"
    assert res["PrimaryEventsSubscriptionOps"]["Properties"] == {
        "TopicArn": {"Ref": "PrimaryEvents"}, "Protocol": "email", "Endpoint": "ops@example.com"}
    esm = res["PrimaryWorkToHandler"]["Properties"]
    assert esm["BatchSize"] == 100 and esm["MaximumBatchingWindowInSeconds"] == 5
    assert esm["ScalingConfig"] == {"MaximumConcurrency": 5}


def test_cross_region_fan_out_goes_through_a_stack_parameter():
    res = resources(CASES / "cross_region_fan_out.arch")
    remote = res["PrimaryEventsSubscriptionRemote"]["Properties"]
    assert remote["Endpoint"] == {"Ref": "IrelandCopyArn"}
    far = resources(CASES / "cross_region_fan_out.arch", "eu-west-1")
    [statement] = far["IrelandCopyPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert "ArnLike" in statement["Condition"]  # the topic's stack is another: allowed by account
    url = res["PrimaryPlainUrl"]["Properties"]
    assert url["AuthType"] == "NONE"
    assert res["PrimaryPlainUrlPermission"]["Properties"]["FunctionUrlAuthType"] == "NONE"
