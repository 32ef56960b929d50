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
    (version,) = [r for lid, r in res.items() if lid.startswith("PrimaryHandlerVersion")]
    assert version["Properties"]["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 2}
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


def test_an_alias_points_at_the_version_this_deployment_publishes(tmp_path):
    """A Version never changes in place: its logical ID carries a hash of the function's code and
    settings, so a change publishes a new version and moves the alias to it."""
    text = '''region "us-east-1" as east {
  iam_role role {
    assumed_by = [lambda]
  }

  lambda_function api {
    runtime = python3.12
    handler = "a.b"
    role    = role
    layers  = ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"]

    code {
      bucket = "artifacts"
      key    = "%s"
    }

    alias live {
      provisioned_concurrency = 5
    }
  }
}
'''

    def parts(key: str) -> dict:
        source = tmp_path / "fn.arch"
        source.write_text(text % key)
        result = generate(source, {})
        assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
        return {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}

    one, two = parts("v1.zip"), parts("v2.zip")
    (v1,) = [lid for lid, r in one.items() if r["Type"] == "AWS::Lambda::Version"]
    (v2,) = [lid for lid, r in two.items() if r["Type"] == "AWS::Lambda::Version"]
    assert v1 != v2 and v1.startswith("EastApiVersion")
    alias = one["EastApiAliasLive"]["Properties"]
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [v1, "Version"]} and alias["Name"] == "live"
    assert alias["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 5}
    assert one["EastApi"]["Properties"]["Layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"]
