"""CloudTrail, VPC Flow Logs and AWS Config.

- A trail is one `AWS::CloudTrail::Trail`, waiting for its bucket's policy (CloudTrail checks
  that it may write when the trail is made: InsufficientS3BucketPolicyException); the bucket's
  policy gains CloudTrail's two statements (`storage.py`, from `delivery_statements`). With
  `log_group`, an `AWS::IAM::Role` CloudTrail assumes to write to it. Log file validation and
  multi-region are written either way (AWS's API defaults them off).
- A flow log is one `AWS::EC2::FlowLog`; to a log group with an `AWS::IAM::Role` that
  vpc-flow-logs.amazonaws.com assumes, to a bucket through the bucket's policy (log delivery).
- A configuration recorder is an `AWS::Config::ConfigurationRecorder` with its
  `AWS::Config::DeliveryChannel` and an `AWS::IAM::Role` with AWS's managed AWS_ConfigRole
  policy; a Config rule one `AWS::Config::ConfigRule` waiting for the recorder and its channel.
"""

from __future__ import annotations

from archform.stdlib.kinds._config_rules import FREQUENCIES

from ..intrinsics import ACCOUNT, PARTITION, Att, sub
from ..units import seconds
from .common import REF, getatt

_READ_WRITE = {"all": "All", "read_only": "ReadOnly", "write_only": "WriteOnly", "none": "All"}
_DATA_TYPES = {"s3_bucket": "AWS::S3::Object", "lambda_function": "AWS::Lambda::Function",
               "dynamodb_table": "AWS::DynamoDB::Table"}
_RESOURCE_TYPES = {"vpc": "VPC", "subnet": "Subnet", "network_interface": "NetworkInterface"}


def _assume(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                   "Action": "sts:AssumeRole"}]}


def _key_prefix(prefix) -> str:
    return f"{prefix.strip('/')}/" if prefix else ""


def delivery_statements(ctx, bucket: str, objects_arn) -> list:
    """The statements a bucket's policy needs for the trails, Config recorders and flow logs that
    deliver to it (AWS's documented policies, each limited to this account)."""
    out = []
    users = ctx.referrers(bucket)

    def delivering(kind, field):
        return sorted(a for a in users if ctx.kind(a) == kind and ctx.source(a).target(field) == bucket)

    if not any(delivering(k, f) for k, f in (("cloudtrail_trail", "bucket"), ("config_recorder", "bucket"),
                                             ("flow_log", "destination"))):
        return out  # (reading the bucket's name would fix a param it is made of)
    own = Att(bucket, "", "Arn")

    trails = delivering("cloudtrail_trail", "bucket")
    if trails:
        prefixes = sorted({_key_prefix(ctx.source(t).raw("prefix")) for t in trails})
        out += [{"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": own,
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
                {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject",
                 "Resource": [sub(own, "/", p, "AWSLogs/", ACCOUNT, "/*") for p in prefixes],
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                "aws:SourceAccount": ACCOUNT}}}]
    recorders = delivering("config_recorder", "bucket")
    if recorders:
        prefixes = sorted({_key_prefix(ctx.source(t).raw("prefix")) for t in recorders})
        out += [{"Sid": "ConfigAclCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                 "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": own,
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
                {"Sid": "ConfigWrite", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                 "Action": "s3:PutObject",
                 "Resource": [sub(own, "/", p, "AWSLogs/", ACCOUNT, "/Config/*") for p in prefixes],
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                "aws:SourceAccount": ACCOUNT}}}]
    if delivering("flow_log", "destination"):
        out += [{"Sid": "LogDeliveryAclCheck", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": own,
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
                {"Sid": "LogDeliveryWrite", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": sub(own, "/AWSLogs/", ACCOUNT, "/*"),
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                "aws:SourceAccount": ACCOUNT}}}]
    return out


def _policy_wait(r, bucket: str | None):
    """The bucket's policy part, when it is in this stack (a trail and a channel wait for it)."""
    if bucket is None or not r.ctx.same_stack(bucket, r.address):
        return None
    return Att(bucket, "Policy")


def _data_events(r) -> list:
    by_type: dict[str, list] = {}
    for i, target in enumerate(r.targets("data_events")):
        kind = r.ctx.kind(target)
        arn = r.ref("data_events", i, export="arn")
        by_type.setdefault(_DATA_TYPES[kind], []).append(sub(arn, "/") if kind == "s3_bucket" else arn)
    return [{"Type": t, "Values": by_type[t]} for t in sorted(by_type)]


def cloudtrail_trail(r):
    management = r.raw("management_events") or "all"
    log_group = r.target("log_group")
    role = None
    if log_group is not None:
        r.part("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": _assume("cloudtrail.amazonaws.com"),
            "Policies": [{"PolicyName": "cloudwatch-logs", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": r.ref("log_group", export="arn")}]}}],
        }, suffix="LogsRole")
        role = r.att("LogsRole", "Arn")
    r.part("AWS::CloudTrail::Trail", {
        "TrailName": r.val("name"),
        "S3BucketName": r.ref("bucket"),
        "S3KeyPrefix": r.val("prefix"),
        "IsLogging": r.raw("logging") is not False,
        "IsMultiRegionTrail": r.raw("multi_region") is not False,
        "IncludeGlobalServiceEvents": r.raw("include_global_events") is not False,
        "EnableLogFileValidation": r.raw("log_file_validation") is not False,
        "KMSKeyId": r.ref("kms_key", export="arn") if r.target("kms_key") else r.val("kms_key"),
        "CloudWatchLogsLogGroupArn": r.ref("log_group", export="arn") if log_group else None,
        "CloudWatchLogsRoleArn": role,
        "EventSelectors": [{"ReadWriteType": _READ_WRITE[management],
                            "IncludeManagementEvents": management != "none",
                            "DataResources": _data_events(r) or None}],
        "Tags": r.tags(),
    }, depends=[_policy_wait(r, r.target("bucket"))])


_DESTINATION_TYPES = {"s3_bucket": "s3", "log_group": "cloud-watch-logs", "firehose": "kinesis-data-firehose"}


def flow_log(r):
    resource = r.target("resource")
    dest = r.target("destination")
    dest_type = _DESTINATION_TYPES[r.ctx.kind(dest)]
    to_s3 = dest_type == "s3"
    role = None
    if dest_type == "cloud-watch-logs":  # S3 and a same-account Firehose stream take no role
        r.part("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": _assume("vpc-flow-logs.amazonaws.com"),
            "Policies": [{"PolicyName": "flow-logs", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                 "Resource": r.ref("destination", export="arn")}]}}],
        }, suffix="Role")
        role = r.att("Role", "Arn")
    file_format = r.raw("file_format")
    r.part("AWS::EC2::FlowLog", {
        "ResourceId": r.ref("resource"),
        "ResourceType": _RESOURCE_TYPES[r.ctx.kind(resource)],
        "TrafficType": r.raw("traffic") or "ALL",
        "LogDestinationType": dest_type,
        "LogDestination": None if role else r.ref("destination", export="arn"),
        "LogGroupName": r.ref("destination", export="name") if role else None,
        "DeliverLogsPermissionArn": role,
        "MaxAggregationInterval": int(seconds(r.get("aggregation_interval")) or 600),
        "LogFormat": " ".join("${" + f + "}" for f in r.raw("fields")) if r.raw("fields") else None,
        "DestinationOptions": {"FileFormat": file_format, "HiveCompatiblePartitions": False,
                               "PerHourPartition": False} if to_s3 and file_format else None,
        "Tags": r.tags(),
    }, depends=[_policy_wait(r, dest) if to_s3 else None])


def config_recorder(r):
    r.part("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": _assume("config.amazonaws.com"),
        "ManagedPolicyArns": [sub("arn:", PARTITION, ":iam::aws:policy/service-role/AWS_ConfigRole")],
    }, suffix="Role")
    all_supported = r.raw("all_supported") is not False
    r.part("AWS::Config::ConfigurationRecorder", {
        "Name": r.val("name") or "default",
        "RoleARN": r.att("Role", "Arn"),
        "RecordingGroup": {"AllSupported": all_supported,
                           "IncludeGlobalResourceTypes": all_supported and r.raw("include_global_resources") is not False,
                           "ResourceTypes": None if all_supported else r.val("resource_types")},
        "RecordingMode": {"RecordingFrequency": "DAILY" if r.raw("frequency") == "daily" else "CONTINUOUS"},
    })
    r.part("AWS::Config::DeliveryChannel", {
        "Name": r.val("name") or "default",
        "S3BucketName": r.ref("bucket"),
        "S3KeyPrefix": r.val("prefix"),
        "SnsTopicARN": r.ref("sns_topic") if r.target("sns_topic") else None,
        "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": FREQUENCIES[int(
            seconds(r.get("delivery_frequency")) or 86400) // 3600]},
    }, suffix="Channel", depends=[_policy_wait(r, r.target("bucket")), r.att()])  # AWS: a channel needs a recorder


def config_rule(r):
    recorder = r.target("recorder")
    same = recorder is not None and r.ctx.same_stack(recorder, r.address)
    frequency = seconds(r.get("frequency")) if r.raw("frequency") else None
    r.part("AWS::Config::ConfigRule", {
        "ConfigRuleName": r.val("name"),
        "Description": r.val("description"),
        "Source": {"Owner": "AWS", "SourceIdentifier": r.val("identifier")},
        "InputParameters": r.val("parameters") or None,
        "MaximumExecutionFrequency": FREQUENCIES[int(frequency) // 3600] if frequency else None,
        "Scope": {"ComplianceResourceTypes": r.val("resource_types")} if r.raw("resource_types") else None,
    }, depends=[Att(recorder), Att(recorder, "Channel")] if same else None)


MAPPERS = {"cloudtrail_trail": cloudtrail_trail, "flow_log": flow_log, "config_recorder": config_recorder,
           "config_rule": config_rule}

TYPES = {
    "cloudtrail_trail": ["AWS::CloudTrail::Trail", "AWS::IAM::Role"],
    "flow_log": ["AWS::EC2::FlowLog", "AWS::IAM::Role"],
    "config_recorder": ["AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel", "AWS::IAM::Role"],
    "config_rule": ["AWS::Config::ConfigRule"],
}

EXPORTS = {
    "cloudtrail_trail": {"id": REF, "name": REF, "arn": getatt("Arn")},
    "flow_log": {"id": REF},
    "config_recorder": {"id": REF, "name": REF},
    "config_rule": {"id": REF, "name": REF, "arn": getatt("Arn")},
}
