"""Storage: S3 buckets (with their policy, and the role replication runs as) and EFS file
systems with a mount target per subnet.

A bucket has one policy, so the bucket's mapping writes all of it: the statements the
configuration gives, read access for CloudFront distributions that use the bucket through
origin access control, and write access for S3 server access logs of the buckets that log
into it. A distribution in another stack is allowed by account (`StringLike` on
`distribution/*`: `StringEquals` would match no request), since naming it would make the two
stacks wait for each other.
"""

from __future__ import annotations

from ..intrinsics import ACCOUNT, PARTITION, REGION, URL_SUFFIX, Att, sub
from ..logical_ids import camel
from ..units import days
from .common import REF, getatt, policy_document, short, suffixes

_CLASSES = {"standard_ia": "STANDARD_IA", "onezone_ia": "ONEZONE_IA", "intelligent_tiering": "INTELLIGENT_TIERING",
            "glacier_ir": "GLACIER_IR", "glacier": "GLACIER", "deep_archive": "DEEP_ARCHIVE", "standard": "STANDARD"}
_SSE = {"sse-s3": "AES256", "sse-kms": "aws:kms", "dsse-kms": "aws:kms:dsse"}


def bucket_arn(ctx, address: str, user=None):
    """A bucket's ARN: from its name when the name is written (no reference needed), else
    its `Arn` attribute."""
    src = ctx.source(address)
    name = src.raw("bucket")
    if isinstance(name, str) and not (src.bound and ("bucket",) in src.bound):
        return sub("arn:", PARTITION, ":s3:::", name)
    return Att(address, "", "Arn")


def _lifecycle(r) -> list | None:
    rules = []
    for i, rule in enumerate(r.raw("lifecycle_rule") or []):
        p = ("lifecycle_rule", i)
        rules.append({
            "Id": rule["name"],
            "Status": "Enabled" if rule.get("enabled", True) else "Disabled",
            "Prefix": r.val(*p, "prefix") or None,
            "Transitions": [{"StorageClass": _CLASSES[r.get(*p, "storage_class")],
                             "TransitionInDays": days(r.get(*p, "transition_after"))}]
            if rule.get("transition_after") is not None else None,
            "ExpirationInDays": days(r.get(*p, "expire_after")),
            "NoncurrentVersionExpiration": {"NoncurrentDays": days(r.get(*p, "noncurrent_expire_after"))}
            if rule.get("noncurrent_expire_after") is not None else None,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": days(r.get(*p, "abort_multipart_after"))}
            if rule.get("abort_multipart_after") is not None else None,
        })
    return rules or None


def _replication(r):
    rules = r.raw("replication") or []
    if not rules:
        return None
    own = bucket_arn(r.ctx, r.address)
    destinations = []
    out = []
    names = suffixes([r.target("replication", i, "destination") for i in range(len(rules))])
    for i, rule in enumerate(rules):
        p = ("replication", i)
        dest = r.target(*p, "destination")
        arn = bucket_arn(r.ctx, dest)
        destinations.append(arn)
        storage = rule.get("storage_class")
        kms = r.val(*p, "replica_kms_key")
        out.append({
            "Id": "To" + names[dest],
            "Status": "Enabled",
            "Priority": i + 1,
            "Filter": {"Prefix": r.val(*p, "prefix") or ""},
            "DeleteMarkerReplication": {"Status": "Enabled" if rule.get("delete_markers") else "Disabled"},
            "Destination": {"Bucket": arn, "StorageClass": _CLASSES[r.get(*p, "storage_class")] if storage else None,
                            "EncryptionConfiguration": {"ReplicaKmsKeyID": kms} if kms else None},
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}} if kms else None,
        })
    r.part("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "replication", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": own},
            {"Effect": "Allow", "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                           "s3:GetObjectVersionTagging"], "Resource": sub(own, "/*")},
            {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
             "Resource": [sub(d, "/*") for d in destinations]},
        ]}}],
    }, suffix="ReplicationRole")
    return {"Role": r.att("ReplicationRole", "Arn"), "Rules": out}


def _policy_statements(r) -> list:
    from .audit import delivery_statements
    from .edge import distribution_arn, oac_origins
    statements = []
    user = r.val("policy")
    if user:
        found = user.get("Statement") if isinstance(user, dict) else None
        statements.extend(found if isinstance(found, list) else [found] if found else [])
    objects = sub(Att(r.address, "", "Arn"), "/*")
    for dist in oac_origins(r.ctx, r.address):
        same = r.ctx.same_stack(dist, r.address)
        source = distribution_arn(dist) if same else sub("arn:", PARTITION, ":cloudfront::", ACCOUNT,
                                                         ":distribution/*")
        statements.append({
            "Sid": "CloudFrontRead" + camel(short(dist)),
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": objects,
            "Condition": {"StringEquals" if same else "StringLike": {"AWS:SourceArn": source}},
        })
    statements += delivery_statements(r.ctx, r.address, objects)
    sources = [b for b in r.ctx.referrers(r.address) if r.ctx.kind(b) == "s3_bucket"
               and r.ctx.source(b).target("access_logging", "target") == r.address]
    if sources:
        statements.append({
            "Sid": "ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"ArnLike": {"aws:SourceArn": [bucket_arn(r.ctx, b) for b in sources]},
                          "StringEquals": {"aws:SourceAccount": ACCOUNT}},
        })
    return statements


def s3_bucket(r):
    website = r.raw("website")
    lock = r.raw("object_lock")
    logging = r.raw("access_logging")
    encryption = r.raw("encryption")
    blocked = r.raw("block_public_access")
    kms = r.val("kms_key")
    notifications, waits = _notifications(r)
    r.part("AWS::S3::Bucket", {
        "BucketName": r.val("bucket"),
        "VersioningConfiguration": {"Status": "Enabled"} if r.raw("versioning") else None,
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
            "SSEAlgorithm": _SSE[r.get("encryption")], "KMSMasterKeyID": kms}}]}
        if encryption != "sse-s3" else None,
        "ReplicationConfiguration": _replication(r),
        "LifecycleConfiguration": {"Rules": _lifecycle(r)} if r.raw("lifecycle_rule") else None,
        "WebsiteConfiguration": ({"RedirectAllRequestsTo": {"HostName": r.val("website", "redirect_all_to")}}
                                 if website.get("redirect_all_to") else
                                 {"IndexDocument": r.val("website", "index"),
                                  "ErrorDocument": r.val("website", "error")}) if website else None,
        # written either way: a reviewer (and Checkov) sees the block, whatever the account's setting
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": blocked is not False,
                                           "BlockPublicPolicy": blocked is not False,
                                           "IgnorePublicAcls": blocked is not False,
                                           "RestrictPublicBuckets": blocked is not False},
        "ObjectLockEnabled": True if lock is not None else None,
        "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
            "Mode": lock["mode"].upper(), "Days": days(r.get("object_lock", "retention"))}}}
        if lock and lock.get("mode") else None,
        "AccelerateConfiguration": {"AccelerationStatus": "Enabled"} if r.raw("transfer_acceleration") else None,
        "LoggingConfiguration": {"DestinationBucketName": r.ref("access_logging", "target"),
                                 "LogFilePrefix": r.val("access_logging", "prefix") or None} if logging else None,
        "NotificationConfiguration": notifications,
        "Tags": r.tags(),
    }, deletion="Retain", depends=waits)  # a stack deleting or replacing a bucket keeps it (and its objects)
    statements = _policy_statements(r)
    if statements:
        user = r.val("policy") or {}
        document = {"Version": user.get("Version", "2012-10-17") if isinstance(user, dict) else "2012-10-17",
                    "Statement": statements}
        r.part("AWS::S3::BucketPolicy", {"Bucket": r.att(), "PolicyDocument": policy_document(document)},
               suffix="Policy")
    if r.raw("requester_pays"):
        r.unsupported("requester_pays", help="turn it on after deploying: aws s3api put-bucket-request-payment")


_NOTIFY = {"sns_topic": ("TopicConfigurations", "Topic"), "sqs_queue": ("QueueConfigurations", "Queue"),
           "lambda_function": ("LambdaConfigurations", "Function")}


def _notifications(r) -> tuple[dict | None, list]:
    """The bucket's NotificationConfiguration (one entry per event type, as S3 takes them), and
    the permissions it must wait for: S3 checks that it may send to each destination when the
    configuration is set ("Unable to validate the following destination configurations")."""
    found: dict[str, list] = {}
    waits = []
    for i, note in enumerate(r.raw("notification") or []):
        p = ("notification", i)
        target = r.target(*p, "target")
        kind = r.ctx.kind(target)
        key, field = _NOTIFY[kind]
        arn = r.ref(*p, "target", export="arn")
        rules = [{"Name": name, "Value": r.val(*p, name)} for name in ("prefix", "suffix") if note.get(name)]
        for j, _ in enumerate(note.get("events") or []):
            entry = {"Event": r.val(*p, "events", j), field: arn}
            if rules:
                entry["Filter"] = {"S3Key": {"Rules": rules}}
            found.setdefault(key, []).append(entry)
        if kind == "lambda_function":
            suffix = "Notify" + camel(note["name"])
            name = r.raw("bucket")
            r.part("AWS::Lambda::Permission", {
                "Action": "lambda:InvokeFunction", "FunctionName": arn, "Principal": "s3.amazonaws.com",
                "SourceAccount": ACCOUNT,
                "SourceArn": sub("arn:", PARTITION, ":s3:::", name) if isinstance(name, str) else None,
            }, suffix=suffix)
            waits.append(r.att(suffix))
        elif r.ctx.same_stack(target, r.address):
            waits.append(Att(target, "Policy"))
    return ({k: found[k] for k in sorted(found)} or None), waits


def _website_endpoint(src):
    from ..intrinsics import select, split
    return select(1, split("//", Att(src.address, "", "WebsiteURL")))


def _website_zone(src):
    from .dns import S3_WEBSITE_ZONES
    return S3_WEBSITE_ZONES.get(src.ctx.region(src.address))


# --- EFS -------------------------------------------------------------------------------------

_AFTER = {1: "AFTER_1_DAY", 7: "AFTER_7_DAYS", 14: "AFTER_14_DAYS", 30: "AFTER_30_DAYS", 60: "AFTER_60_DAYS",
          90: "AFTER_90_DAYS", 180: "AFTER_180_DAYS", 270: "AFTER_270_DAYS", 365: "AFTER_365_DAYS"}


def efs(r):
    policies = []
    if r.peek("transition_to_ia") is not None:
        policies.append({"TransitionToIA": _AFTER[days(r.get("transition_to_ia"))]})
    if r.peek("transition_to_archive") is not None:
        policies.append({"TransitionToArchive": _AFTER[days(r.get("transition_to_archive"))]})
    if r.raw("transition_to_primary_on_access"):
        policies.append({"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"})
    one_zone = r.raw("availability") == "one_zone"
    r.part("AWS::EFS::FileSystem", {
        "PerformanceMode": "maxIO" if r.raw("performance_mode") == "max_io" else "generalPurpose",
        "ThroughputMode": r.val("throughput_mode"),
        "ProvisionedThroughputInMibps": r.val("provisioned_throughput"),
        "AvailabilityZoneName": r.val("az") if one_zone else None,
        "Encrypted": True if r.raw("encrypted") else None,
        "KmsKeyId": r.val("kms_key"),
        "LifecyclePolicies": policies or None,
        "BackupPolicy": {"Status": "ENABLED" if r.raw("backup") else "DISABLED"},
        "FileSystemTags": r.tags(),
    }, deletion="Retain")
    subnets = r.targets("subnets")
    groups = r.refs("security_groups")
    if not groups and subnets:
        vpc = r.ctx.source(subnets[0]).target("vpc")
        groups = [r.ctx.out(vpc, "default_security_group", r)] if vpc else []
    names = suffixes(subnets, "MountTarget")
    for i, s in enumerate(subnets):
        r.part("AWS::EFS::MountTarget", {"FileSystemId": r.att(), "SubnetId": r.ref("subnets", i),
                                         "SecurityGroups": groups}, suffix=names[s])


MAPPERS = {"s3_bucket": s3_bucket, "efs": efs}

TYPES = {
    "s3_bucket": ["AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::IAM::Role", "AWS::Lambda::Permission"],
    "efs": ["AWS::EFS::FileSystem", "AWS::EFS::MountTarget"],
}

EXPORTS = {
    "s3_bucket": {"id": REF, "arn": getatt("Arn"), "name": REF, "domain_name": getatt("DomainName"),
                  "regional_domain_name": getatt("RegionalDomainName"), "website_endpoint": _website_endpoint,
                  "zone_id": _website_zone},
    "efs": {"id": REF, "arn": getatt("Arn"), "dns_name": lambda src: sub(Att(src.address), ".efs.", REGION, ".",
                                                                         URL_SUFFIX)},
}

