"""Streaming: Kinesis Data Streams (notes §14.3) and Amazon Data Firehose delivery streams
(notes §14.4).

Safe by default: a stream is encrypted with the AWS-managed key `alias/aws/kinesis` (AWS's API
creates streams unencrypted unless asked: archform asks, and CloudFormation says so with
`StreamEncryption`), and a direct-PUT delivery stream with an AWS-owned key (Firehose's API
leaves it unencrypted). A delivery stream reading a Kinesis stream is encrypted by its source:
Firehose refuses server-side encryption for it.

Firehose destinations here are S3, an HTTP endpoint, a Redshift cluster (through an
intermediate S3 bucket and a COPY) and an OpenSearch domain (with failed documents backed up
to S3); the third-party destinations are not expressed yet.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.messaging import seconds_of
from archform.stdlib.kinds.serverless import role_grants
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import DurationRange, Enum, IntRange, Ref, SizeRange, Str, Tags, dur, size

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
SHARD_IN_BYTES = 1 << 20      # each shard takes 1 MB/s in (notes §14.3)
SHARD_IN_RECORDS = 1000       # ... or 1,000 records/s
SHARD_OUT_BYTES = 2 << 20     # and gives 2 MB/s out, shared by the consumers that poll it
FAN_OUT_CONSUMERS = 20        # enhanced fan-out consumers registered per stream (Kinesis's quota)
ON_DEMAND_START = 4           # an on-demand stream starts with the capacity of 4 shards (notes §14.3)


def name_issues(name, what: str, limit: int) -> Iterable[Issue]:
    """Stream names: 1 to `limit` letters, digits, `_`, `-` and `.`."""
    if not isinstance(name, str):
        return
    if not 1 <= len(name) <= limit:
        yield Issue(f"a {what} name has 1 to {limit} characters, got {len(name)}", ("name",))
    elif not _NAME.match(name):
        yield Issue(f"a {what} name holds only letters, digits, '_', '-' and '.', got '{name}'", ("name",))


def trusts(role: View, service: str) -> bool:
    """Whether a role's trust policy lets `service` (e.g. firehose.amazonaws.com) assume it; a
    role assumed by something archform cannot read (another role) is taken to."""
    principals = [p for p in role.model.assumed_by if isinstance(p, str)]
    return not principals or len(principals) < len(role.model.assumed_by) or service in principals or "*" in principals


class Ingest(Block):
    """`ingest { records = 3000, bytes = 2MiB }`: what producers write each second, at peak.
    archform checks it against the stream's shards (1 MB/s and 1,000 records/s each)."""

    records: IntRange(1, what="ingest records per second") | None = None
    bytes: SizeRange("1B", what="ingest bytes per second") | None = None


class KinesisStream(Kind):
    """A Kinesis data stream (notes §14.3): records of up to 1 MB, ordered per partition key,
    kept 24 hours by default and up to 365 days (`retention`, whole hours) so consumers can
    replay them. `mode = on_demand` (the default) scales by itself, starting with the capacity
    of 4 shards; `mode = provisioned` needs `shards` (each takes 1 MB/s or 1,000 records/s in
    and gives 2 MB/s out, shared by the consumers polling it). `ingest { records, bytes }` (per
    second, at peak) is checked against that capacity. Encrypted with KMS, the AWS-managed key
    `alias/aws/kinesis` unless `kms_key` names another or `encryption = none` (AWS's API
    default is no encryption: archform sets it explicitly)."""

    kind: Literal["kinesis_stream"] = "kinesis_stream"
    title: ClassVar[str] = "Kinesis data stream"
    family: ClassVar[str] = "streaming"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    mode: Enum("on_demand", "provisioned", what="stream mode") = "on_demand"
    shards: IntRange(1, what="shards") | None = None
    retention: DurationRange("24h", "365d", what="retention") = dur("24h")
    encryption: Enum("kms", "none", what="stream encryption") = "kms"
    kms_key: KmsKeyRef = "alias/aws/kinesis"
    ingest: Ingest | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "stream", 128)
        if self.mode == "provisioned" and self.shards is None:
            yield Issue("a provisioned stream needs shards (each takes 1 MB/s or 1,000 records/s in)", ("shards",),
                        help="e.g. shards = 2, or mode = on_demand to let Kinesis scale")
        if self.mode == "on_demand" and self.shards is not None:
            yield Issue("shards is for mode = provisioned; an on-demand stream scales by itself", ("shards",))
        hours = seconds_of(self.retention)
        if hours is not None and hours % 3600:
            yield Issue(f"retention is set in whole hours, got {self.retention}", ("retention",))
        if self.encryption == "none":
            yield Issue("this stream is not encrypted at rest", ("encryption",), severity="warning",
                        help="remove encryption = none to use the AWS-managed key alias/aws/kinesis")
            if "kms_key" in me.written:
                yield Issue("kms_key is used with encryption = kms", ("kms_key",))
        yield from self._capacity_issues(me, graph)
        yield from self._fan_out_issues(me, graph)

    def _fan_out_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        fans = sorted(c.address for c in graph.referrers(me.address)
                      if _reads(c, me.address) and c.get("fan_out") is True)
        if len(fans) > FAN_OUT_CONSUMERS:
            yield Issue(f"a stream registers at most {FAN_OUT_CONSUMERS} enhanced fan-out consumers; {len(fans)} "
                        f"mappings read this one with fan_out = true", (),
                        related=tuple(Related(a, ("fan_out",), "an enhanced fan-out reader") for a in fans[:3]),
                        help="let some of them share the stream's reads (fan_out = false)")

    def capacity_shards(self) -> int | None:
        """The shards whose capacity the stream has now (on-demand: the 4 it starts with)."""
        if self.mode == "on_demand":
            return ON_DEMAND_START
        return self.shards if isinstance(self.shards, int) else None

    def _capacity_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        shards = self.capacity_shards()
        if shards is None or self.ingest is None:
            return
        records = self.ingest.records if isinstance(self.ingest.records, int) else 0
        in_bytes = self.ingest.bytes.bytes if isinstance(self.ingest.bytes, v.Size) else 0
        need = max(math.ceil(records / SHARD_IN_RECORDS), math.ceil(in_bytes / SHARD_IN_BYTES), 1)
        if need > shards and self.mode == "provisioned":
            yield Issue(f"{shards} shard{'s take' if shards != 1 else ' takes'} at most {shards} MB/s and "
                        f"{shards * SHARD_IN_RECORDS:,} records/s in; the ingest needs {need} shards: producers "
                        "are throttled (ProvisionedThroughputExceededException)", ("shards",),
                        related=(Related(me.address, ("ingest",), "the expected ingest"),),
                        help=f"shards = {need}, or mode = on_demand")
        elif need > shards:
            yield Issue(f"an on-demand stream starts with the capacity of {ON_DEMAND_START} shards ({ON_DEMAND_START} "
                        f"MB/s, {ON_DEMAND_START * SHARD_IN_RECORDS:,} records/s) and adapts to up to double its peak "
                        f"of the last 30 days; an ingest needing {need} shards from the start is throttled until it "
                        "has scaled",
                        ("ingest",), severity="warning",
                        help=f"start provisioned with shards = {need}, then switch to on_demand")
        consumers = [c for c in graph.referrers(me.address) if _reads(c, me.address) and c.get("fan_out") is not True]
        if in_bytes and len(consumers) * in_bytes > shards * SHARD_OUT_BYTES:
            names = ", ".join(sorted(c.address for c in consumers))
            yield Issue(f"{len(consumers)} consumers ({names}) each read the whole stream: {len(consumers)} × the "
                        f"ingest is more than the {shards * 2} MB/s out its {shards} shards share", ("ingest",),
                        severity="warning", help="add shards, or give consumers enhanced fan-out")


def _reads(view: View, stream: str) -> bool:
    """Whether a resource polls the stream: an event source mapping or a delivery stream."""
    source = view.get("source")
    return view.kind in ("lambda_event_source", "firehose") and getattr(source, "address", None) == stream


# --- Firehose --------------------------------------------------------------------------------

COMPRESSION = ("uncompressed", "gzip", "zip", "snappy", "hadoop_snappy")


class S3Destination(Block):
    """`s3 { bucket = lake, prefix = "events/", error_prefix = "errors/!{firehose:error-output-type}/" }`:
    Firehose buffers records and writes an object when `buffer_size` (1–128 MiB, 5 MiB by
    default) or `buffer_interval` (0–900 s, 300 s by default) is reached, whichever first."""

    bucket: Ref["s3_bucket"]
    prefix: Str | None = None
    error_prefix: Str | None = None
    buffer_size: SizeRange("1MiB", "128MiB", what="buffer_size") = size("5MiB")
    buffer_interval: DurationRange("0s", "900s", what="buffer_interval") = dur("300s")
    compression: Enum(*COMPRESSION, what="compression") = "uncompressed"


class HttpDestination(Block):
    """`http { url = "https://collector.example.com/ingest" }`: Firehose POSTs batches (1–64 MiB,
    60–900 s) and retries for `retry_duration` (0–7,200 s, 300 s by default); what it cannot
    deliver goes to the `backup` bucket, which an HTTP destination needs. (An endpoint's access
    key is a secret archform does not take here yet: the endpoint authenticates otherwise.)"""

    url: Str
    name: Str | None = None
    buffer_size: SizeRange("1MiB", "64MiB", what="buffer_size") = size("5MiB")
    buffer_interval: DurationRange("60s", "900s", what="buffer_interval") = dur("300s")
    retry_duration: DurationRange("0s", "7200s", what="retry_duration") = dur("300s")
    content_encoding: Enum("none", "gzip", what="content encoding") = "none"


class RedshiftDestination(Block):
    """`redshift { cluster = warehouse, table = "events", bucket = staging }`: Firehose writes each
    batch to the intermediate `bucket` (under `prefix`), then runs `COPY table (columns) FROM
    ... copy_options` on the cluster, retrying for `retry_duration` (0–7,200 s, 3,600 s by
    default). It signs in with the cluster's master credentials from Secrets Manager (the
    cluster's `manage_master_password`), so no password is written here. AWS's Firehose guide:
    a provisioned cluster is reached on its public endpoint, so it must be publicly accessible."""

    cluster: Ref["redshift_cluster"]
    database: Str | None = None
    table: Str
    columns: list[Str] = Field(default_factory=list)
    copy_options: Str | None = None
    bucket: Ref["s3_bucket"]
    prefix: Str | None = None
    buffer_size: SizeRange("1MiB", "128MiB", what="buffer_size") = size("5MiB")
    buffer_interval: DurationRange("0s", "900s", what="buffer_interval") = dur("300s")
    retry_duration: DurationRange("0s", "7200s", what="retry_duration") = dur("3600s")


ROTATIONS = ("none", "hour", "day", "week", "month")


class OpensearchDestination(Block):
    """`opensearch { domain = search, index = "clicks", rotation = day }`: Firehose indexes each
    batch (1–100 MiB, 0–900 s) into `index`, with a date suffix per `rotation` (none, hour,
    day — the default —, week, month), retrying for `retry_duration` (0–7,200 s, 300 s by
    default). Documents it cannot index go to the delivery stream's `backup` bucket, which an
    OpenSearch destination needs. A VPC domain is reached through ENIs in its own subnets, with
    its own security groups."""

    domain: Ref["opensearch_domain"]
    index: Str
    rotation: Enum(*ROTATIONS, what="index rotation") = "day"
    buffer_size: SizeRange("1MiB", "100MiB", what="buffer_size") = size("5MiB")
    buffer_interval: DurationRange("0s", "900s", what="buffer_interval") = dur("300s")
    retry_duration: DurationRange("0s", "7200s", what="retry_duration") = dur("300s")


_INDEX = re.compile(r"^[a-z0-9][a-z0-9_.+-]{0,79}$")


class Backup(Block):
    """`backup { bucket = raw, mode = all }`: a copy of the source records in S3 — all of them,
    or (HTTP and OpenSearch destinations) only those that failed delivery. `mode` defaults to
    `failed` for an HTTP or OpenSearch destination and `all` for S3 and Redshift (whose failures
    stay under the S3 `error_prefix` or in the intermediate bucket)."""

    bucket: Ref["s3_bucket"]
    mode: Enum("all", "failed", what="backup mode") | None = None
    prefix: Str | None = None


class Firehose(Kind):
    """An Amazon Data Firehose delivery stream (notes §14.4): producers PUT records of up to
    1,000 KiB directly, or Firehose reads a Kinesis stream (`source = <kinesis_stream>`); an
    optional Lambda `transform` rewrites each batch; records are buffered and delivered to S3
    (`s3 { ... }`), an HTTP endpoint (`http { ... }`), a Redshift cluster (`redshift { ... }`)
    or an OpenSearch domain (`opensearch { ... }`), with an optional `backup` bucket. Firehose
    works as `role` (an iam_role assumed by firehose), which must be allowed to write the
    buckets, read the source stream and invoke the transform. A direct-PUT stream is encrypted
    with an AWS-owned key unless `encryption = customer_kms` (with `kms_key`) or `none`; one
    reading a Kinesis stream is encrypted by the stream. (Third-party destinations are not
    expressed yet.)"""

    kind: Literal["firehose"] = "firehose"
    title: ClassVar[str] = "Firehose delivery stream"
    noun: ClassVar[str] = "delivery stream"
    family: ClassVar[str] = "streaming"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "source"})

    name: Str | None = None
    source: Ref["kinesis_stream"] | None = None
    s3: S3Destination | None = None
    http: HttpDestination | None = None
    redshift: RedshiftDestination | None = None
    opensearch: OpensearchDestination | None = None
    transform: Ref["lambda_function"] | None = None
    backup: Backup | None = None
    role: Ref["iam_role"]
    encryption: Enum("aws_owned", "customer_kms", "none", what="delivery stream encryption") = "aws_owned"
    kms_key: KmsKeyRef | None = None
    tags: Tags = Field(default_factory=dict)

    def backup_mode(self) -> str | None:
        if self.backup is None:
            return None
        return self.backup.mode or ("failed" if self.http is not None or self.opensearch is not None else "all")

    def destinations(self) -> list[str]:
        return [d for d in DESTINATIONS if getattr(self, d) is not None]

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "delivery stream", 64)
        chosen = self.destinations()
        if len(chosen) != 1:
            yield Issue("a delivery stream has one destination: write s3 { … }, http { … }, redshift { … } or "
                        "opensearch { … }", (chosen[1],) if len(chosen) > 1 else ())
        if self.s3 is not None:
            yield from self._s3_issues()
        if self.http is not None:
            yield from self._http_issues()
        if self.redshift is not None:
            yield from self._redshift_issues(graph)
        if self.opensearch is not None:
            yield from self._opensearch_issues(graph)
        yield from self._encryption_issues()
        yield from self._role_issues(graph)

    def _s3_issues(self) -> Iterable[Issue]:
        prefix, errors = self.s3.prefix, self.s3.error_prefix
        if isinstance(prefix, str) and "!{" in prefix and errors is None:
            yield Issue("a prefix with expressions (!{…}) needs an error_prefix: Firehose refuses it without one",
                        ("s3", "error_prefix"), help="e.g. error_prefix = \"errors/!{firehose:error-output-type}/\"")
        if isinstance(errors, str) and "!{" in errors and "!{firehose:error-output-type}" not in errors:
            yield Issue("an error_prefix with expressions must hold !{firehose:error-output-type}",
                        ("s3", "error_prefix"))
        if self.backup is not None and self.backup.mode == "failed":
            yield Issue("an S3 destination keeps the records it fails to deliver under its error_prefix; its backup "
                        "copies all source records", ("backup", "mode"), help="mode = all, or remove the backup")
        if self.backup is not None and _same(self.backup.bucket, self.s3.bucket) and not self.backup.prefix:
            yield Issue("the backup is written to the destination bucket without a prefix of its own: backed-up and "
                        "delivered objects mix", ("backup", "prefix"), severity="warning",
                        help="give the backup a prefix, e.g. prefix = \"backup/\"")

    def _http_issues(self) -> Iterable[Issue]:
        url = self.http.url
        if isinstance(url, str) and not url.startswith("https://"):
            yield Issue(f"an HTTP endpoint destination is reached over HTTPS: '{url}'", ("http", "url"))
        if self.backup is None:
            yield Issue("an HTTP endpoint destination needs backup { bucket = … }: Firehose keeps what it cannot "
                        "deliver there", ("http",))

    def _redshift_issues(self, graph: Graph) -> Iterable[Issue]:
        if self.backup is not None and self.backup.mode == "failed":
            yield Issue("a Redshift destination's backup copies all source records (its failures stay in the "
                        "intermediate bucket)", ("backup", "mode"), help="mode = all, or remove the backup")
        cluster = deref(graph, self.redshift.cluster)
        if cluster is None:
            return
        related = (Related(cluster.address, (), "the cluster"),)
        if cluster.get("manage_master_password") is False:
            yield Issue(f"Firehose signs in to '{cluster.address}' with the master credentials Redshift keeps in "
                        "Secrets Manager: the cluster needs manage_master_password", ("redshift", "cluster"),
                        related=related, help="drop the cluster's master_password (Redshift then manages it)")
        if cluster.get("publicly_accessible") is not True:
            yield Issue(f"Firehose reaches a provisioned Redshift cluster on its public endpoint (AWS's Firehose "
                        f"guide): '{cluster.address}' is not publicly accessible", ("redshift", "cluster"),
                        related=(Related(cluster.address, ("publicly_accessible",), "private cluster"),),
                        help="publicly_accessible = true on the cluster, with a security group that admits only "
                             "Firehose's address range for the region; or load from S3 with COPY yourself")

    def _opensearch_issues(self, graph: Graph) -> Iterable[Issue]:
        index = self.opensearch.index
        if isinstance(index, str) and not _INDEX.match(index):
            yield Issue(f"an OpenSearch index name is 1–80 lower-case letters, digits, '_', '-', '+' and '.', not "
                        f"starting with '_', '-' or '+'; got '{index}'", ("opensearch", "index"))
        if self.backup is None:
            yield Issue("an OpenSearch destination needs backup { bucket = … }: Firehose keeps the documents it "
                        "cannot index there", ("opensearch",))
        domain = deref(graph, self.opensearch.domain)
        if domain is not None and domain.get("subnets") and not domain.get("security_groups"):
            yield Issue(f"Firehose reaches VPC domain '{domain.address}' through network interfaces with the domain's "
                        "security groups: the domain has none", ("opensearch", "domain"),
                        related=(Related(domain.address, ("subnets",), "a VPC domain"),),
                        help="give the domain security_groups that admit HTTPS from themselves")

    def _encryption_issues(self) -> Iterable[Issue]:
        if self.kms_key is not None and self.encryption != "customer_kms":
            yield Issue(f"kms_key is used with encryption = customer_kms; this stream has encryption = "
                        f"{self.encryption}", ("kms_key",))
        if self.encryption == "customer_kms" and self.kms_key is None:
            yield Issue("encryption = customer_kms needs kms_key (a KMS key ARN)", ("kms_key",))
        if self.source is not None and self.encryption != "aws_owned":
            yield Issue("Firehose refuses server-side encryption for a delivery stream reading a Kinesis stream: "
                        "its records are encrypted by the source stream", ("encryption",),
                        help="remove encryption, and encrypt the source stream")
        elif self.source is None and self.encryption == "none":
            yield Issue("this delivery stream is not encrypted at rest", ("encryption",), severity="warning",
                        help="remove encryption = none to use an AWS-owned key, which costs nothing")

    def _role_issues(self, graph: Graph) -> Iterable[Issue]:
        role = deref(graph, self.role)
        if role is None:
            return
        related = (Related(role.address, ("policies",), "the delivery stream's role"),)
        if not trusts(role, "firehose.amazonaws.com"):
            yield Issue(f"role '{role.address}' cannot be assumed by Firehose", ("role",),
                        related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                        help="add firehose to the role's assumed_by")
        needs = [("s3:PutObject", "write the bucket", ("s3",) if self.s3 is not None else
                  ("redshift",) if self.redshift is not None else ("backup",))]
        if self.opensearch is not None:
            needs.append(("es:ESHttpPost", "index into the domain (es:ESHttpPost, ESHttpPut, DescribeDomain)",
                          ("opensearch",)))
        if self.redshift is not None:
            needs.append(("secretsmanager:GetSecretValue", "read the cluster's credentials "
                          "(secretsmanager:GetSecretValue)", ("redshift",)))
        if self.source is not None:
            needs.append(("kinesis:GetRecords", "read the source stream (kinesis:DescribeStream, GetShardIterator, "
                          "GetRecords, ListShards)", ("source",)))
        if self.transform is not None:
            needs.append(("lambda:InvokeFunction", "invoke the transform (lambda:InvokeFunction, "
                          "GetFunctionConfiguration)", ("transform",)))
        if self.s3 is None and self.redshift is None and self.backup is None:
            needs = needs[1:]
        for action, what, path in needs:
            if role_grants(role.model, graph, action) is False:
                yield Issue(f"role '{role.address}' may not {what}: Firehose fails every delivery without "
                            f"{action}", path, related=related,
                            help=f"allow {action} on it in an inline policy of the role")


DESTINATIONS = ("s3", "http", "redshift", "opensearch")


def _same(a, b) -> bool:
    return getattr(a, "address", a) == getattr(b, "address", b)
