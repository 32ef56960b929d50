"""Audit and compliance (notes §21.2, §21.3, §24.7): CloudTrail trails, VPC Flow Logs and AWS
Config's recorder and managed rules.

AWS's rules, each a diagnostic here:

- A trail records the account's API calls to an S3 bucket (and a CloudWatch Logs group if
  `log_group` is given). It applies to all regions by default (§21.2), and so here: a
  multi-region trail includes the global services' events. Log file validation (a signed digest
  of each log file) is on here although AWS's API leaves it off; encryption with `kms_key` is
  SSE-KMS. Management events are recorded (read and write, §21.2), data events (S3 objects,
  Lambda invocations, DynamoDB items) only for the resources `data_events` names (they are high
  volume). At most 5 trails per region (CloudTrail quotas), at most 250 data resources a trail.
  The bucket may be in another region (a central logging bucket); the KMS key must be in the
  bucket's region, the log group in the trail's.
- A flow log captures the IP traffic of a VPC, a subnet or one network interface (§24.7):
  ACCEPT, REJECT or ALL traffic, to a log group, an S3 bucket or a Firehose stream taking direct
  puts, aggregated over 60 s or 600 s (AWS's default, 10 minutes).
- AWS Config is per region (§21.3): one configuration recorder per region per account, with its
  delivery channel to an S3 bucket; a rule names an AWS managed rule by its identifier, with the
  input parameters that rule requires, and needs the region's recorder.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds._config_rules import FLOW_LOG_FIELDS, FREQUENCIES, MANAGED_RULES
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Choice, Duration, OneOf, Ref, Str, Tags, Validated, dur, fail

MAX_TRAILS_PER_REGION = 5  # CloudTrail quotas: "Trails per region: 5"
MAX_DATA_RESOURCES = 250  # CloudTrail: data resources across a trail's event selectors
FLOW_LOG_INTERVALS = (60, 600)  # MaxAggregationInterval, seconds
# a trail's key encrypts in the bucket's region, wherever that is
BucketKeyRef = OneOf(Ref.anywhere["kms_key"], Str, what="a KMS key: a kms_key resource, or a key id, ARN or alias")
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")
_RESOURCE_TYPE = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")
_CONFIG_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_RULE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def _frequency(x):
    """1h, 3h, 6h, 12h or 24h: the periods AWS Config evaluates and delivers on."""
    if isinstance(x, v.Duration):
        hours = x.seconds / 3600
        if hours.denominator == 1 and hours.numerator in FREQUENCIES:
            return x
        raise fail(f"AWS Config runs every 1h, 3h, 6h, 12h or 24h, got {x}", "e.g. frequency = 24h")
    if isinstance(x, v.Unknown):
        return x
    raise fail(f"expected a duration (1h, 3h, 6h, 12h or 24h), got {v.type_name(x)}")


Frequency = Validated(_frequency)


def hours(x) -> int:
    """The whole hours of a Frequency (the key of FREQUENCIES)."""
    return int(x.seconds // 3600)


class CloudtrailTrail(Kind):
    """A CloudTrail trail (notes §21.2): the account's API calls delivered to `bucket` (and to
    `log_group` if given, beyond CloudTrail's 90 days), across all regions unless
    `multi_region = false`, with log file validation on (AWS's API: off) and `kms_key`
    encryption if given. `management_events` (all, read_only, write_only, none) and
    `data_events` (the S3 buckets, Lambda functions and DynamoDB tables whose object-level
    activity is recorded). The bucket's policy lets CloudTrail write (generated)."""

    kind: Literal["cloudtrail_trail"] = "cloudtrail_trail"
    title: ClassVar[str] = "CloudTrail trail"
    noun: ClassVar[str] = "trail"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    bucket: Ref.anywhere["s3_bucket"]  # a central logging bucket may be in another region
    prefix: Str | None = None
    log_group: Ref["log_group"] | None = None
    multi_region: Bool = True
    include_global_events: Bool = True
    log_file_validation: Bool = True
    kms_key: BucketKeyRef | None = None
    management_events: Choice("all", "read_only", "write_only", "none", what="management events") = "all"
    data_events: list[Ref["s3_bucket", "lambda_function", "dynamodb_table"]] = Field(default_factory=list)
    logging: Bool = True
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _TRAIL_NAME.match(self.name):
            yield Issue(f"a trail's name is 3–128 letters, digits, '.', '_' and '-', starting with a letter or digit, "
                        f"got '{self.name}'", ("name",))
        if isinstance(self.prefix, str) and len(self.prefix) > 200:
            yield Issue(f"a trail's S3 key prefix is at most 200 characters, got {len(self.prefix)}", ("prefix",))
        if self.multi_region is True and self.include_global_events is False:
            yield Issue("a multi-region trail records the global services' events (IAM, STS, CloudFront): "
                        "include_global_events cannot be false", ("include_global_events",),
                        help="remove include_global_events = false, or set multi_region = false")
        bucket, key = deref(graph, self.bucket), deref(graph, self.kms_key)
        # a key given by its ARN says its region too (arn:aws:kms:REGION:ACCOUNT:key/…)
        key_region, key_name = (key.region, f"'{key.address}'") if key is not None else (
            (self.kms_key.split(":")[3], "the key") if isinstance(self.kms_key, str) and
            self.kms_key.startswith("arn:") and self.kms_key.count(":") >= 5 else (None, ""))
        if bucket is not None and key_region and bucket.region != key_region:
            yield Issue(f"a trail's KMS key must be in its bucket's region ({bucket.region}), but {key_name} is "
                        f"in {key_region}", ("kms_key",), related=(Related(bucket.address, ("bucket",), "the bucket"),),
                        help=f"use a key of {bucket.region} (CloudTrail encrypts where it writes)")
        if self.management_events == "none" and not self.data_events:
            yield Issue("this trail records nothing: management_events = none and no data_events",
                        ("management_events",), help="management_events = all (notes §21.2: logged by default)")
        if len(self.data_events) > MAX_DATA_RESOURCES:
            yield Issue(f"a trail records data events of at most {MAX_DATA_RESOURCES} resources, got "
                        f"{len(self.data_events)}", ("data_events",))
        same = sorted((t for t in graph.of_kind("cloudtrail_trail") if t.region == me.region),
                      key=lambda t: t.address)
        if len(same) > MAX_TRAILS_PER_REGION and me.address in [t.address for t in same[MAX_TRAILS_PER_REGION:]]:
            yield Issue(f"an account has at most {MAX_TRAILS_PER_REGION} trails per region; {len(same)} are in "
                        f"{me.region}", (), related=tuple(Related(t.address, (), "a trail") for t in
                                                             same[:MAX_TRAILS_PER_REGION]),
                        help="one multi-region trail records every region; add data_events to it instead")


class FlowLog(Kind):
    """A VPC Flow Log (notes §24.7): the IP traffic of `resource` (a VPC, a subnet or a network
    interface), `traffic` ACCEPT, REJECT or ALL, delivered to `destination` (a log group, an
    S3 bucket or a Firehose delivery stream taking direct PUTs, §24.7) every
    `aggregation_interval` (60s or 600s, AWS's default), in AWS's default format unless `fields`
    lists them (["srcaddr", "dstaddr", "dstport", "action"]). Delivery to a log group uses an
    IAM role (generated)."""

    kind: Literal["flow_log"] = "flow_log"
    title: ClassVar[str] = "VPC flow log"
    noun: ClassVar[str] = "flow log"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"resource", "traffic", "destination", "aggregation_interval",
                                                     "fields", "file_format"})

    resource: Ref["vpc", "subnet", "network_interface"]
    traffic: Choice("ALL", "ACCEPT", "REJECT", what="traffic type", aliases={
        "all": "ALL", "accept": "ACCEPT", "reject": "REJECT"}) = "ALL"
    destination: Ref["log_group", "s3_bucket", "firehose"]
    aggregation_interval: Duration = dur("600s")
    fields: list[Choice(*FLOW_LOG_FIELDS, what="flow log field")] = Field(default_factory=list)
    file_format: Choice("plain-text", "parquet", what="file format") = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.aggregation_interval, v.Duration) and \
                self.aggregation_interval.seconds not in FLOW_LOG_INTERVALS:
            yield Issue(f"a flow log aggregates over 60s or 600s, got {self.aggregation_interval}",
                        ("aggregation_interval",), help="aggregation_interval = 1m (or 10m, AWS's default)")
        dest_kind = getattr(self.destination, "kind", None)
        if self.file_format is not None and dest_kind not in (None, "s3_bucket"):
            yield Issue(f"file_format is for flow logs delivered to S3; this one goes to a "
                        f"{'log group' if dest_kind == 'log_group' else 'Firehose delivery stream'}", ("file_format",))
        stream = deref(graph, self.destination) if dest_kind == "firehose" else None
        if stream is not None and stream.get("source") is not None:
            # AWS VPC user guide, "Publish flow logs to Amazon Data Firehose": the stream takes Direct PUT
            yield Issue(f"flow logs are put into a Firehose stream directly; '{stream.address}' reads a Kinesis "
                        "stream and takes no direct puts", ("destination",),
                        related=(Related(stream.address, ("source",), "its source"),),
                        help="deliver to a Firehose stream without source, or to a log group or bucket")
        seen = set()
        for i, f in enumerate(self.fields):
            if f in seen:
                yield Issue(f"the field '{f}' is listed twice", ("fields", i))
            seen.add(f)


class ConfigRecorder(Kind):
    """AWS Config's configuration recorder and delivery channel (notes §21.3), one per region:
    it records the configuration of every supported resource (`all_supported`, with the global
    IAM resources if `include_global_resources`) or of `resource_types`, `continuous`ly or
    `daily`, and delivers snapshots to `bucket` (and notifications to `sns_topic`) every
    `delivery_frequency`. Its IAM role (AWS_ConfigRole) and the bucket's policy are generated."""

    kind: Literal["config_recorder"] = "config_recorder"
    title: ClassVar[str] = "AWS Config recorder"
    noun: ClassVar[str] = "configuration recorder"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str = "default"
    bucket: Ref["s3_bucket"]
    prefix: Str | None = None
    sns_topic: Ref["sns_topic"] | None = None
    all_supported: Bool = True
    include_global_resources: Bool = True
    resource_types: list[Str] = Field(default_factory=list)
    frequency: Choice("continuous", "daily", what="recording frequency") = "continuous"
    delivery_frequency: Frequency = dur("24h")

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _CONFIG_NAME.match(self.name):
            yield Issue(f"a recorder's name is 1–256 letters, digits, '.', '_' and '-', got '{self.name}'", ("name",))
        if self.all_supported is True and self.resource_types:
            yield Issue("a recorder records all supported resource types or the ones listed, not both",
                        ("resource_types",), help="set all_supported = false to record resource_types only")
        if self.all_supported is False and not self.resource_types:
            yield Issue("this recorder records nothing: all_supported = false and no resource_types",
                        ("resource_types",), help='e.g. resource_types = ["AWS::EC2::Instance"]')
        if self.all_supported is False and self.include_global_resources is True and "include_global_resources" \
                in me.written:
            yield Issue("include_global_resources applies when all_supported = true; list AWS::IAM::* types instead",
                        ("include_global_resources",))
        for i, t in enumerate(self.resource_types):
            if isinstance(t, str) and not _RESOURCE_TYPE.match(t):
                yield Issue(f"a resource type is written AWS::Service::Resource, got '{t}'", ("resource_types", i))
        others = sorted(r.address for r in graph.of_kind("config_recorder") if r.region == me.region)
        if len(others) > 1 and others[0] != me.address:
            yield Issue(f"AWS Config has one configuration recorder per region per account (notes §21.3: a "
                        f"per-region service); '{others[0]}' is {me.region}'s", (),
                        related=(Related(others[0], (), "the region's recorder"),),
                        help="record more resource types with the one recorder")
        if self.include_global_resources is True and self.all_supported is not False:
            first = next((r for r in sorted(graph.of_kind("config_recorder"), key=lambda r: r.address)
                          if r.model.include_global_resources is True and r.model.all_supported is not False), None)
            if first is not None and first.address != me.address and first.region != me.region:
                yield Issue(f"'{first.address}' already records the global IAM resources; recording them in "
                            "more than one region duplicates their configuration items (and their cost)",
                            ("include_global_resources",), severity="warning",
                            related=(Related(first.address, (), "records them"),),
                            help="include_global_resources = false in all regions but one")


class ConfigRule(Kind):
    """An AWS Config rule (notes §21.3.1): an AWS managed rule named by its `identifier`
    (S3_BUCKET_VERSIONING_ENABLED, VPC_FLOW_LOGS_ENABLED, …) with its input `parameters`,
    evaluating what the region's `recorder` records, on each change or every `frequency`
    (1h, 3h, 6h, 12h, 24h) for periodic rules, optionally scoped to `resource_types`. A rule
    reports non-compliance; it does not prevent it (§21.3)."""

    kind: Literal["config_rule"] = "config_rule"
    title: ClassVar[str] = "AWS Config rule"
    noun: ClassVar[str] = "Config rule"
    family: ClassVar[str] = "monitoring"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    identifier: Choice(*MANAGED_RULES, what="AWS managed Config rule")
    recorder: Ref["config_recorder"]
    parameters: dict[str, Str] = Field(default_factory=dict)
    frequency: Frequency | None = None
    resource_types: list[Str] = Field(default_factory=list)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _RULE_NAME.match(self.name):
            yield Issue(f"a Config rule's name is 1–128 letters, digits, '.', '_' and '-', got '{self.name}'",
                        ("name",))
        needed = MANAGED_RULES.get(self.identifier, ())
        missing = [p for p in needed if p not in self.parameters]
        if missing:
            example = ", ".join(f'{p} = "…"' for p in missing)
            yield Issue(f"the managed rule {self.identifier} needs the parameter{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}", ("parameters",), help=f"parameters = {{ {example} }}")
        for i, t in enumerate(self.resource_types):
            if isinstance(t, str) and not _RESOURCE_TYPE.match(t):
                yield Issue(f"a resource type is written AWS::Service::Resource, got '{t}'", ("resource_types", i))
