"""Serverless analytics over S3: the Glue Data Catalog and its crawlers (notes §19.6) and Athena
workgroups (notes §19.1).

A crawler reads S3 paths and writes tables to a Glue database; Athena (and Redshift Spectrum,
EMR) query those tables in place (notes §19.6.2). Athena saves every query's results to an S3
bucket (notes §19.1.1): a workgroup names it, encrypts the results and, by default, enforces
its settings on every query (so a client cannot write results elsewhere, unencrypted).

AWS's rules, each a diagnostic here: Glue names (1–255 characters, lower case for databases),
a crawler's schedule is a six-field `cron(...)` expression run at most every 5 minutes, its
role is one Glue may assume; an Athena workgroup's name (1–128 letters, digits, '.', '_', '-';
`primary` is AWS's own), a bytes-scanned cutoff of at least 10 MB, SSE-KMS/CSE-KMS with a key.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.serverless import role_grants
from archform.stdlib.kinds.streaming import trusts
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Enum, Ref, SizeRange, Str, Tags

_GLUE_DB = re.compile(r"^[a-z0-9_]{1,255}$")
_WORKGROUP = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_CRON = re.compile(r"^cron\((.+)\)$")


class GlueDatabase(Kind):
    """A database of the AWS Glue Data Catalog (notes §19.6.2): a namespace of tables that
    crawlers write and Athena, Redshift Spectrum and EMR read. `bucket` (with a `prefix`) is
    an optional default S3 location for its tables. Its name is lower-case letters, digits and
    '_' (a generated one too), the only names Athena reads."""

    kind: Literal["glue_database"] = "glue_database"
    title: ClassVar[str] = "Glue database"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}  # id: the name
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    bucket: Ref["s3_bucket"] | None = None
    prefix: Str | None = None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _GLUE_DB.match(self.name):
            yield Issue(f"a Glue database name is 1–255 lower-case letters, digits and '_' (Athena reads no other), "
                        f"got '{self.name}'", ("name",))
        if self.prefix is not None and self.bucket is None:
            yield Issue("prefix is a path in the database's bucket: it needs bucket", ("prefix",))


class CrawlerTarget(Block):
    """`s3 { bucket = lake, path = "events/" }`: an S3 path a crawler reads (with `exclusions`,
    glob patterns of keys to skip)."""

    bucket: Ref["s3_bucket"]
    path: Str | None = None
    exclusions: list[Str] = Field(default_factory=list)


def cron_issues(expression, path: tuple) -> Iterable[Issue]:
    """Glue's schedules: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, no more often
    than every 5 minutes."""
    if not isinstance(expression, str):
        return
    m = _CRON.match(expression.strip())
    fields = m.group(1).split() if m else []
    if len(fields) != 6:
        yield Issue(f"a Glue schedule is cron(Minutes Hours Day-of-month Month Day-of-week Year), six fields; got "
                    f"'{expression}'", path, help="schedule = \"cron(15 2 * * ? *)\"  (02:15 UTC every day)")
        return
    minutes = fields[0]
    step = re.fullmatch(r"(?:\*|\d+)/(\d+)", minutes)
    if minutes == "*" or (step and int(step.group(1)) < 5) or ("," in minutes and _min_gap(minutes) < 5):
        yield Issue(f"a crawler runs at most every 5 minutes; '{expression}' runs more often", path,
                    help="e.g. cron(0/5 * * * ? *) or less often")


def _min_gap(minutes: str) -> int:
    try:
        values = sorted(int(x) for x in minutes.split(","))
    except ValueError:
        return 60
    gaps = [b - a for a, b in zip(values, values[1:])] + [60 - values[-1] + values[0]]
    return min(gaps)


class GlueCrawler(Kind):
    """An AWS Glue crawler (notes §19.6.2): reads its `s3` targets on a `schedule` (or on demand)
    and writes the tables it finds to `database`, working as `role` (an iam_role Glue may
    assume, allowed to read the paths). `update_behavior` and `delete_behavior` say what a
    schema change does to the catalogue (log it, or update; deletes only deprecate by default)."""

    kind: Literal["glue_crawler"] = "glue_crawler"
    title: ClassVar[str] = "Glue crawler"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}  # id: the name
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    database: Ref["glue_database"]
    role: Ref["iam_role"]
    s3: list[CrawlerTarget] = Field(default_factory=list)
    schedule: Str | None = None
    table_prefix: Str | None = None
    update_behavior: Enum("update_in_database", "log", what="schema update behaviour") = "update_in_database"
    delete_behavior: Enum("deprecate_in_database", "delete_from_database", "log",
                          what="schema delete behaviour") = "deprecate_in_database"
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not 1 <= len(self.name) <= 255:
            yield Issue(f"a crawler name has 1–255 characters, got {len(self.name)}", ("name",))
        if not self.s3:
            yield Issue("a crawler needs at least one target: s3 { bucket = …, path = \"…\" }", ())
        yield from cron_issues(self.schedule, ("schedule",))
        role = deref(graph, self.role)
        if role is None:
            return
        if not trusts(role, "glue.amazonaws.com"):
            yield Issue(f"role '{role.address}' cannot be assumed by Glue", ("role",),
                        related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                        help="add glue to the role's assumed_by")
        if self.s3 and role_grants(role.model, graph, "s3:GetObject") is False:
            yield Issue(f"role '{role.address}' may not read the crawler's S3 paths: the crawl fails without "
                        "s3:GetObject", ("s3",), related=(Related(role.address, ("policies",), "the crawler's role"),),
                        help="allow s3:GetObject and s3:ListBucket in an inline policy of the role")


class AthenaWorkgroup(Kind):
    """An Amazon Athena workgroup (notes §19.1): queries S3 with SQL, saving every result to
    `results` (a bucket, with an optional `prefix`), encrypted (SSE-S3 by default; `sse_kms`
    or `cse_kms` with `kms_key`). `enforce = true` (the default) makes its settings win over a
    client's; `bytes_scanned_cutoff` cancels a query scanning more (10 MB or more)."""

    kind: Literal["athena_workgroup"] = "athena_workgroup"
    title: ClassVar[str] = "Athena workgroup"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}  # id: the name
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None
    results: Ref["s3_bucket"]
    prefix: Str | None = None
    encryption: Enum("sse_s3", "sse_kms", "cse_kms", what="query result encryption") = "sse_s3"
    kms_key: Str | None = None
    enforce: Bool = True
    bytes_scanned_cutoff: SizeRange("10MB", what="bytes_scanned_cutoff") | None = None
    publish_metrics: Bool = True
    engine_version: Enum("auto", "v3", what="Athena engine version") = "auto"
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str):
            if not _WORKGROUP.match(self.name):
                yield Issue(f"a workgroup name is 1–128 letters, digits, '.', '_' and '-', got '{self.name}'",
                            ("name",))
            elif self.name == "primary":
                yield Issue("'primary' is the workgroup AWS makes in every account: it cannot be created",
                            ("name",))
        if self.encryption in ("sse_kms", "cse_kms") and self.kms_key is None:
            yield Issue(f"encryption = {self.encryption} needs kms_key (a KMS key ARN or alias)", ("kms_key",))
        if self.kms_key is not None and self.encryption == "sse_s3":
            yield Issue("kms_key is used with encryption = sse_kms or cse_kms; this workgroup has sse_s3",
                        ("kms_key",), help="encryption = sse_kms")
        if self.enforce is False:
            yield Issue("without enforce, a client may save results to another place, unencrypted", ("enforce",),
                        severity="warning", help="remove enforce = false")
