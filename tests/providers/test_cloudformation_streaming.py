"""The CloudFormation of Kinesis streams, Firehose delivery streams and stream event source
mappings: encryption, mode and retention written always, the destination and its Lambda
transform, backups, and each mapping's stream settings."""

from __future__ import annotations

from pathlib import Path

from archform.providers.cloudformation import Options, generate

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "test_cloudformation_cases"


def resources(path: Path) -> dict:
    """The resources of the us-east-1 regional stacks."""
    result = generate(path, {}, Options())
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    found = {}
    for template, body in result.templates:
        if template.region == "us-east-1" and "global" not in template.file:
            found.update(body["Resources"])
    return found


def test_the_example_stream_delivery_stream_and_transform():
    res = resources(ROOT / "examples" / "stream_pipeline.arch")
    stream = res["PrimaryClicks"]
    assert stream["Type"] == "AWS::Kinesis::Stream" and stream["DeletionPolicy"] == "Delete"
    assert stream["Properties"] == {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}, "RetentionPeriodHours": 48,
                                    "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}}
    hose = res["PrimaryClicksToLake"]["Properties"]
    assert hose["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert hose["KinesisStreamSourceConfiguration"] == {"KinesisStreamARN": {"Fn::GetAtt": ["PrimaryClicks", "Arn"]},
                                                        "RoleARN": {"Fn::GetAtt": ["DeliveryRole", "Arn"]}}
    assert "DeliveryStreamEncryptionConfigurationInput" not in hose  # Firehose refuses SSE with a Kinesis source
    s3 = hose["ExtendedS3DestinationConfiguration"]
    assert s3["BucketARN"] == {"Fn::GetAtt": ["PrimaryLake", "Arn"]}
    assert s3["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 120} and s3["CompressionFormat"] == "GZIP"
    assert s3["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")
    [processor] = s3["ProcessingConfiguration"]["Processors"]
    assert processor == {"Type": "Lambda", "Parameters": [
        {"ParameterName": "LambdaArn", "ParameterValue": {"Fn::GetAtt": ["PrimaryEnrich", "Arn"]}}]}
    assert "S3BackupMode" not in s3


def test_every_kind_streams_http_destination_and_mappings():
    res = resources(CASES / "every_kind.arch")
    stream = res["PrimaryClicks"]["Properties"]
    assert stream["StreamModeDetails"] == {"StreamMode": "PROVISIONED"} and stream["ShardCount"] == 2
    assert stream["RetentionPeriodHours"] == 168
    s3 = res["PrimaryClicksToLogs"]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert s3["S3BackupMode"] == "Enabled" and s3["S3BackupConfiguration"]["Prefix"] == "clicks-backup/"
    assert s3["BufferingHints"]["SizeInMBs"] == 64
    hook = res["PrimaryHook"]["Properties"]
    assert hook["DeliveryStreamType"] == "DirectPut"
    assert hook["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
    http = hook["HttpEndpointDestinationConfiguration"]
    assert http["EndpointConfiguration"] == {"Url": "https://collector.example.com/ingest", "Name": "collector"}
    assert http["S3BackupMode"] == "FailedDataOnly" and http["S3Configuration"]["Prefix"] == "hook-failed/"
    assert http["RetryOptions"] == {"DurationInSeconds": 300}
    clicks = res["PrimaryClicksToHandler"]["Properties"]
    assert clicks["StartingPosition"] == "AT_TIMESTAMP" and clicks["StartingPositionTimestamp"] == 1767225600
    assert clicks["ParallelizationFactor"] == 2 and clicks["BisectBatchOnFunctionError"] is True
    assert clicks["MaximumRetryAttempts"] == 3 and clicks["MaximumRecordAgeInSeconds"] == 3600
    assert clicks["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": ["PrimaryWorkDlq", "Arn"]}}}
    assert "BatchSize" not in clicks  # Lambda's default for a stream: 100
    sessions = res["PrimarySessionsToHandler"]["Properties"]
    assert sessions["EventSourceArn"] == {"Fn::GetAtt": ["PrimarySessions", "StreamArn"]}
    assert sessions["StartingPosition"] == "LATEST" and sessions["BatchSize"] == 50
    queue = res["PrimaryWorkToHandler"]["Properties"]
    assert "StartingPosition" not in queue and queue["BatchSize"] == 100
