"""KMS: a key is one `AWS::KMS::Key` (a replica an `AWS::KMS::ReplicaKey` naming its primary's
ARN), with an `AWS::KMS::Alias` per alias.

The key policy is always written: the configuration's, or AWS's default one (the account's
root may use and administer the key, so IAM policies decide; plus CloudWatch Logs for the log
groups encrypted with it, CloudTrail for the trails encrypting their log files with it, and
CloudWatch for the alarms' topics encrypted with it), since CloudFormation requires
it for a replica and a reviewer should see who may use a key. Rotation is written for
symmetric keys (on unless turned off), never for the others (CloudFormation refuses it).
The deletion policy is written, `Delete`, as a destroy here does: AWS only schedules the
deletion, and the key can be recovered for its `PendingWindowInDays` (7–30). A key used by
what the stack keeps (a retained bucket, a snapshotted database, a trail writing into a
retained bucket) is `Retain` instead (pipeline.py), or the kept data would become unreadable.
"""

from __future__ import annotations

from archform.stdlib.security_facts import SYMMETRIC, default_usage

from ..intrinsics import ACCOUNT, PARTITION, REGION, sub
from ..logical_ids import camel
from ..units import days
from .common import REF, getatt, policy_document

DEFAULT_ROTATION_DAYS = 365


def default_policy(r) -> dict:
    """AWS's default key policy: the account (through IAM) may use and administer the key; and
    CloudWatch Logs may use it for the log groups it encrypts (the service is no IAM principal
    of the account: without this grant, creating the group fails)."""
    statements = [{"Sid": "EnableIamPolicies", "Effect": "Allow",
                   "Principal": {"AWS": sub("arn:", PARTITION, ":iam::", ACCOUNT, ":root")},
                   "Action": "kms:*", "Resource": "*"}]
    groups = [a for a in r.ctx.referrers(r.address)
              if r.ctx.kind(a) == "log_group" and r.ctx.source(a).target("kms_key") == r.address]
    if groups:
        statements.append({
            "Sid": "CloudWatchLogs", "Effect": "Allow",
            "Principal": {"Service": sub("logs.", REGION, ".amazonaws.com")},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      sub("arn:", PARTITION, ":logs:", REGION, ":", ACCOUNT, ":log-group:*")}}})
    trails = [a for a in r.ctx.referrers(r.address)
              if r.ctx.kind(a) == "cloudtrail_trail" and r.ctx.source(a).target("kms_key") == r.address]
    if trails:  # AWS's policy for CloudTrail log file encryption (this account's trails only)
        statements += [{
            "Sid": "CloudTrailEncrypt", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                          "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                         sub("arn:", PARTITION, ":cloudtrail:*:", ACCOUNT, ":trail/*")}}},
            {"Sid": "CloudTrailDescribe", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "kms:DescribeKey", "Resource": "*"}]
    if _alarm_topics(r):
        statements.append({"Sid": "CloudWatchAlarms", "Effect": "Allow",
                           "Principal": {"Service": "cloudwatch.amazonaws.com"},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def _alarm_topics(r) -> list[str]:
    """The SNS topics encrypted with this key that CloudWatch alarms notify."""
    topics = [a for a in r.ctx.referrers(r.address)
              if r.ctx.kind(a) == "sns_topic" and r.ctx.source(a).target("kms_key") == r.address]
    return [t for t in topics if any(
        r.ctx.kind(a) in ("cloudwatch_alarm", "composite_alarm") and t in [x for f in ("alarm_actions", "ok_actions",
                                                                  "insufficient_data_actions")
                                                      for x in r.ctx.source(a).targets(f)]
        for a in r.ctx.referrers(t))]


def kms_key(r):
    policy = r.val("policy")
    common = {
        "Description": r.val("description"),
        "Enabled": r.raw("enabled") is not False,
        "KeyPolicy": policy_document(policy) if policy else default_policy(r),
        "PendingWindowInDays": days(r.get("deletion_window")) or 30,
        "Tags": r.tags(),
    }
    if r.target("replica_of"):
        r.part("AWS::KMS::ReplicaKey", {"PrimaryKeyArn": r.ref("replica_of", export="arn"), **common},
               deletion="Delete")
    else:
        spec = r.raw("spec") or SYMMETRIC
        rotation = r.raw("rotation")
        rotates = spec == SYMMETRIC and rotation is not False
        period = days(r.get("rotation_period")) if rotates else None
        r.part("AWS::KMS::Key", {
            "KeySpec": spec,
            "KeyUsage": r.raw("usage") or default_usage(spec),
            "EnableKeyRotation": rotates if spec == SYMMETRIC else None,
            "RotationPeriodInDays": period if period and period != DEFAULT_ROTATION_DAYS else None,
            "MultiRegion": True if r.raw("multi_region") else None,
            **common,
        }, deletion="Delete")
    for alias in r.raw("aliases") or []:
        r.part("AWS::KMS::Alias", {"AliasName": alias, "TargetKeyId": r.att()},
               suffix="Alias" + camel(alias[len("alias/"):].replace("/", "_").replace("-", "_")))


MAPPERS = {"kms_key": kms_key}

TYPES = {"kms_key": ["AWS::KMS::Key", "AWS::KMS::ReplicaKey", "AWS::KMS::Alias"]}

EXPORTS = {"kms_key": {"id": getatt("Arn"), "arn": getatt("Arn"), "key_id": REF}}
