"""Storage: S3 buckets (notes §10–11) and EFS file systems (notes §5.4).

A bucket's name follows the rules of notes §10.1 (each broken rule is its own message, see
`bucket_name_problems`); names are unique across the architecture (rule
`s3_bucket_names_unique`) and replication does not chain (rule `s3_replication_chain`).
Lifecycle rules are `lifecycle_rule NAME { ... }` blocks: a bare `lifecycle { }` block is the
language's own lifecycle options (prevent_destroy, …).
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.s3_notifications import Notification, notification_issues
from archform.stdlib.kinds.security import document_issues
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import AZ, Bool, Choice, Document, Duration, DurationRange, Number, Ref, Str, Tags

STORAGE_CLASSES = ("standard", "standard_ia", "onezone_ia", "intelligent_tiering", "glacier_ir", "glacier",
                   "deep_archive")
StorageClass = Choice(*STORAGE_CLASSES, what="S3 storage class",
                      aliases={"glacier_instant_retrieval": "glacier_ir", "glacier_flexible_retrieval": "glacier",
                               "one_zone_ia": "onezone_ia", "s3_standard": "standard"})
DAY = 86400

# --- bucket names (notes §10.1 and the S3 naming rules) ----------------------------------------

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
RESERVED_PREFIXES = {"xn--": "internationalized domain names", "sthree-": "Amazon S3",
                     "amzn-s3-demo-": "AWS documentation examples"}
RESERVED_SUFFIXES = {"-s3alias": "access point aliases", "--ol-s3": "Object Lambda access point aliases",
                     ".mrap": "Multi-Region Access Points", "--x-s3": "directory buckets"}


def bucket_name_problems(name: str) -> list[str]:
    """Every naming rule a bucket name breaks, one message each."""
    found = []
    if not 3 <= len(name) <= 63:
        found.append(f"a bucket name has 3 to 63 characters, '{name}' has {len(name)}")
    if any("A" <= c <= "Z" for c in name):
        found.append(f"a bucket name has no uppercase letters: '{name}'")
    if "_" in name:
        found.append(f"a bucket name has no underscores: '{name}'")
    other = sorted({c for c in name if c not in _NAME_CHARS and c != "_" and not ("A" <= c <= "Z")})
    if other:
        found.append(f"a bucket name uses only lowercase letters, digits, dots and hyphens; '{name}' has "
                     + " ".join(repr(c) for c in other))
    if name and not (name[0].isascii() and name[0].isalnum()):
        found.append(f"a bucket name starts with a letter or a digit: '{name}'")
    if len(name) > 1 and not (name[-1].isascii() and name[-1].isalnum()):
        found.append(f"a bucket name ends with a letter or a digit: '{name}'")
    if ".." in name:
        found.append(f"a bucket name has no two dots in a row: '{name}'")
    if _looks_like_ip(name):
        found.append(f"a bucket name cannot be an IP address: '{name}'")
    for prefix, owner in RESERVED_PREFIXES.items():
        if name.startswith(prefix):
            found.append(f"a bucket name cannot start with '{prefix}' (reserved for {owner}): '{name}'")
    for suffix, owner in RESERVED_SUFFIXES.items():
        if name.endswith(suffix):
            found.append(f"a bucket name cannot end with '{suffix}' (reserved for {owner}): '{name}'")
    return found


def _looks_like_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
        return True
    except ValueError:
        return False


# --- nested blocks -----------------------------------------------------------------------------

class Replication(Block):
    """Copy new objects to another bucket, same region (SRR) or not (CRR) — notes §10.5."""

    destination: Ref.anywhere["s3_bucket"]  # same- or cross-region replication
    storage_class: StorageClass = None
    delete_markers: Bool = False
    prefix: Str = None
    replica_kms_key: Str = None


class LifecycleRule(Block):
    """Transition and expiration actions for the objects under a prefix (notes §10.7)."""

    name: Str
    prefix: Str = ""
    transition_after: Duration = None
    storage_class: StorageClass = None
    expire_after: Duration = None
    noncurrent_expire_after: Duration = None
    abort_multipart_after: Duration = None
    enabled: Bool = True


class Website(Block):
    """Static website hosting (notes §10.3)."""

    index: Str = "index.html"
    error: Str = None
    redirect_all_to: Str = None


class ObjectLock(Block):
    """WORM retention (notes §11.7); `object_lock = true` enables it without a default retention."""

    mode: Choice("governance", "compliance", what="Object Lock mode") = None
    retention: DurationRange("1d", what="Object Lock retention") = None

    @model_validator(mode="before")
    @classmethod
    def _enabled(cls, data):
        return {} if data is True else data


class AccessLogging(Block):
    """Server access logs written to another bucket (notes §11.4); `access_logging = logs` works too."""

    target: Ref["s3_bucket"]
    prefix: Str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        return {"target": data} if isinstance(data, v.ResourceRef) else data


# --- the bucket ----------------------------------------------------------------------------------

class S3Bucket(Kind):
    """An S3 bucket: regional, with a globally unique name (notes §10.1). `notification NAME {
    events, target, prefix, suffix }` blocks tell an SNS topic, SQS queue or Lambda function of
    object events (notes §10.9)."""

    kind: Literal["s3_bucket"] = "s3_bucket"
    title: ClassVar[str] = "S3 bucket"
    family: ClassVar[str] = "storage"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string", "domain_name": "string",
                                         "regional_domain_name": "string", "website_endpoint": "string",
                                         "zone_id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"bucket"})

    bucket: Str = None
    versioning: Bool = False
    encryption: Choice("sse-s3", "sse-kms", "dsse-kms", what="encryption",
                       aliases={"aes256": "sse-s3", "aws:kms": "sse-kms"}) = "sse-s3"
    kms_key: KmsKeyRef = None
    replication: list[Replication] = Field(default_factory=list)
    lifecycle_rule: list[LifecycleRule] = Field(default_factory=list)
    website: Website = None
    block_public_access: Bool = True
    policy: Document = None
    object_lock: ObjectLock = None
    requester_pays: Bool = False
    access_logging: AccessLogging = None
    transfer_acceleration: Bool = False
    notification: list[Notification] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _lock_off(cls, data):
        if isinstance(data, dict) and data.get("object_lock") is False:
            return {k: x for k, x in data.items() if k != "object_lock"}
        return data

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.bucket, str):
            for message in bucket_name_problems(self.bucket):
                yield Issue(message, ("bucket",), help="bucket names follow DNS naming rules (notes §10.1)")
            if self.transfer_acceleration and "." in self.bucket:
                yield Issue("transfer acceleration does not work with a bucket name that has dots",
                            ("transfer_acceleration",))
        if self.kms_key is not None and self.encryption == "sse-s3":
            yield Issue("kms_key is for sse-kms or dsse-kms encryption; SSE-S3 uses keys S3 manages", ("kms_key",),
                        help="set encryption = sse-kms")
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), "resource")
        yield from self._website()
        yield from self._object_lock()
        for i, rule in enumerate(self.replication):
            yield from self._replication(me, graph, rule, ("replication", i))
        yield from self._lifecycle()
        if self.access_logging is not None:
            yield from self._logging(me, graph)
        yield from notification_issues(self.notification, graph)

    def _website(self) -> Iterable[Issue]:
        if self.website is None:
            return
        if self.block_public_access:
            yield Issue("a website bucket needs public read access, but block_public_access is on: visitors "
                        "will get 403 errors (notes §10.3)", ("website",), severity="warning",
                        help="set block_public_access = false and allow s3:GetObject to everyone in policy, "
                             "or serve the bucket through CloudFront with origin access control")
        if self.requester_pays:
            yield Issue("a website cannot be requester-pays: requesters must be authenticated, website visitors "
                        "are anonymous (notes §10.8)", ("requester_pays",))
        if isinstance(self.website.index, str) and ("/" in self.website.index or not self.website.index):
            yield Issue(f"the index document is a file name such as index.html, without '/', got "
                        f"{self.website.index!r}", ("website", "index"))

    def _object_lock(self) -> Iterable[Issue]:
        lock = self.object_lock
        if lock is None:
            return
        if not self.versioning:
            yield Issue("Object Lock requires versioning: set versioning = true (notes §11.7)", ("object_lock",))
        if (lock.mode is None) != (lock.retention is None):
            yield Issue("a default retention has both a mode (governance or compliance) and a retention period",
                        ("object_lock",))

    def _replication(self, me: View, graph: Graph, rule: Replication, path: tuple) -> Iterable[Issue]:
        if not self.versioning:
            yield Issue("replication requires versioning on the source bucket (notes §10.5)", ("versioning",),
                        help="set versioning = true")
        if rule.destination.address == me.address:
            yield Issue("a bucket cannot replicate to itself", path + ("destination",))
            return
        dest = deref(graph, rule.destination)
        if dest is not None and not dest.get("versioning"):
            yield Issue(f"replication requires versioning on the destination bucket too: '{dest.address}' has "
                        f"none (notes §10.5)", path + ("destination",),
                        related=(Related(dest.address, ("versioning",), "versioning is off here"),))
        if self.encryption in ("sse-kms", "dsse-kms") and rule.replica_kms_key is None:
            yield Issue("objects encrypted with SSE-KMS are not replicated unless the rule names the key to "
                        "encrypt them with in the destination (notes §23.3.4)", path, severity="warning",
                        help="set replica_kms_key = a KMS key of the destination's region")

    def _lifecycle(self) -> Iterable[Issue]:
        names: set = set()
        for i, rule in enumerate(self.lifecycle_rule):
            path = ("lifecycle_rule", i)
            if rule.name in names:
                yield Issue(f"two lifecycle rules are named '{rule.name}'", path)
            names.add(rule.name)
            yield from _lifecycle_rule(rule, path, self.versioning)
        if len(self.lifecycle_rule) > 1000:
            yield Issue("a bucket has at most 1,000 lifecycle rules", ("lifecycle_rule",))

    def _logging(self, me: View, graph: Graph) -> Iterable[Issue]:
        target = self.access_logging.target
        path = ("access_logging", "target")
        if target.address == me.address:
            yield Issue("never log a bucket's accesses into itself: each log write is an access, an endless loop "
                        "(notes §11.4)", path, help="send the logs to a separate bucket")
            return
        dest = deref(graph, target)
        if dest is None:
            return
        related = (Related(dest.address, (), "log bucket declared here"),)
        if me.region and dest.region and dest.region != me.region:
            yield Issue(f"the access-log bucket must be in the same region: '{dest.address}' is in {dest.region}, "
                        f"this bucket in {me.region} (notes §11.4)", path, related=related)
        if dest.get("encryption") in ("sse-kms", "dsse-kms"):
            yield Issue(f"server access logs can only be written to a bucket encrypted with SSE-S3; "
                        f"'{dest.address}' uses {dest.get('encryption')}", path, related=related)


def _days(d) -> float | None:
    return float(d.seconds) / DAY if isinstance(d, v.Duration) else None


def _lifecycle_rule(rule: LifecycleRule, path: tuple, versioning) -> Iterable[Issue]:
    actions = ("transition_after", "expire_after", "noncurrent_expire_after", "abort_multipart_after")
    if not any(getattr(rule, a) is not None for a in actions):
        yield Issue(f"lifecycle rule '{rule.name}' has no action: transition_after with storage_class, "
                    f"expire_after, noncurrent_expire_after or abort_multipart_after", path)
    if (rule.transition_after is None) != (rule.storage_class is None):
        yield Issue("a transition has both transition_after and storage_class", path)
    for attr in actions:
        days = _days(getattr(rule, attr))
        if days is None:
            continue
        lowest = 0 if attr == "transition_after" else 1
        if days != int(days) or days < lowest:
            yield Issue(f"lifecycle actions count whole days ({'0d' if lowest == 0 else '1d'} or more), "
                        f"{attr} is {getattr(rule, attr)}", path + (attr,))
    if rule.storage_class == "standard":
        yield Issue("objects start in standard; a transition goes to another storage class", path + ("storage_class",))
    t_days = _days(rule.transition_after)
    if rule.storage_class in ("standard_ia", "onezone_ia") and t_days is not None and t_days < 30:
        yield Issue(f"objects move to {rule.storage_class} at least 30 days after creation, not {rule.transition_after}",
                    path + ("transition_after",))
    e_days = _days(rule.expire_after)
    if t_days is not None and e_days is not None and e_days <= t_days:
        yield Issue(f"objects expire ({rule.expire_after}) before or when they would transition "
                    f"({rule.transition_after})", path + ("expire_after",))
    if rule.noncurrent_expire_after is not None and not versioning:
        yield Issue("noncurrent_expire_after acts on old versions, and this bucket is not versioned",
                    path + ("noncurrent_expire_after",), severity="warning")


# --- EFS -------------------------------------------------------------------------------------

EFS_TRANSITION_DAYS = (1, 7, 14, 30, 60, 90, 180, 270, 365)


class Efs(Kind):
    """A managed NFS file system mounted by instances across AZs (notes §5.4)."""

    kind: Literal["efs"] = "efs"
    title: ClassVar[str] = "EFS file system"
    family: ClassVar[str] = "storage"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "dns_name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"performance_mode", "availability", "az", "encrypted",
                                                     "kms_key"})

    performance_mode: Choice("general_purpose", "max_io", what="performance mode") = "general_purpose"
    throughput_mode: Choice("bursting", "provisioned", "elastic", what="throughput mode") = "bursting"
    provisioned_throughput: Number = None  # MiB/s, with throughput_mode = provisioned
    availability: Choice("regional", "one_zone", what="availability") = "regional"
    az: AZ = None
    encrypted: Bool = True  # safe default (AWS's API: false), as AWS's console has it
    kms_key: KmsKeyRef = None
    transition_to_ia: Duration = None
    transition_to_archive: Duration = None
    transition_to_primary_on_access: Bool = False
    backup: Bool = False
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _backup_default(cls, data):
        """One Zone file systems have backups on by default (notes §5.4.3)."""
        if isinstance(data, dict) and "backup" not in data:
            one_zone = str(data.get("availability", "")).lower().replace("-", "_") == "one_zone"
            return {**data, "backup": one_zone}
        return data

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._modes()
        yield from self._lifecycle()
        yield from self._mount_targets(graph)
        if self.kms_key is not None and not self.encrypted:
            yield Issue("kms_key needs encrypted = true", ("kms_key",))

    def _modes(self) -> Iterable[Issue]:
        if self.availability == "one_zone" and self.az is None:
            yield Issue("a One Zone file system needs az: the Availability Zone it lives in", ("az",))
        if self.availability == "regional" and self.az is not None:
            yield Issue("a Regional file system spans the region's AZs; az is for availability = one_zone", ("az",))
        if self.performance_mode == "max_io" and self.availability == "one_zone":
            yield Issue("max_io performance mode is not available for One Zone file systems", ("performance_mode",))
        if self.performance_mode == "max_io" and self.throughput_mode == "elastic":
            yield Issue("max_io performance mode does not work with elastic throughput", ("performance_mode",))
        if self.throughput_mode == "provisioned" and self.provisioned_throughput is None:
            yield Issue("provisioned throughput mode needs provisioned_throughput (MiB/s)", ("provisioned_throughput",))
        if self.throughput_mode != "provisioned" and self.provisioned_throughput is not None:
            yield Issue("provisioned_throughput is for throughput_mode = provisioned", ("provisioned_throughput",))
        if isinstance(self.provisioned_throughput, (int, float)) and self.provisioned_throughput <= 0:
            yield Issue("provisioned_throughput is a positive number of MiB/s", ("provisioned_throughput",))

    def _lifecycle(self) -> Iterable[Issue]:
        for attr in ("transition_to_ia", "transition_to_archive"):
            days = _days(getattr(self, attr))
            if days is not None and days not in EFS_TRANSITION_DAYS:
                yield Issue(f"{attr} is one of " + ", ".join(f"{d}d" for d in EFS_TRANSITION_DAYS)
                            + f", got {getattr(self, attr)}", (attr,))
        ia, archive = _days(self.transition_to_ia), _days(self.transition_to_archive)
        if archive is not None and self.throughput_mode != "elastic":
            yield Issue("the Archive storage class needs elastic throughput", ("transition_to_archive",))
        if ia is not None and archive is not None and archive <= ia:
            yield Issue("files move to Archive after they move to Infrequent Access: transition_to_archive must be "
                        "longer than transition_to_ia", ("transition_to_archive",))

    def _mount_targets(self, graph: Graph) -> Iterable[Issue]:
        zones: dict = {}
        vpcs: set = set()
        for i, ref in enumerate(self.subnets):
            s = deref(graph, ref)
            if s is None:
                continue
            az = s.get("az")
            if az in zones:
                yield Issue(f"a file system has one mount target per Availability Zone; '{s.address}' and "
                            f"'{zones[az]}' are both in {az}", ("subnets", i))
            zones.setdefault(az, s.address)
            vpcs.add(getattr(s.get("vpc"), "address", None))
            if self.availability == "one_zone" and isinstance(self.az, str) and az != self.az:
                yield Issue(f"a One Zone file system mounts only in {self.az}; '{s.address}' is in {az}",
                            ("subnets", i))
        if len(vpcs - {None}) > 1:
            yield Issue("a file system's mount targets are all in one VPC", ("subnets",))
        if self.subnets and not self.security_groups:
            yield Issue("mount targets need a security group that lets clients reach NFS (port 2049); none given, "
                        "so the VPC's default group applies (notes §5.4.1)", ("security_groups",), severity="warning")
