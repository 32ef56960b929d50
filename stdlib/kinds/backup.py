"""AWS Backup (notes §25.5): backup vaults (encrypted, optionally locked WORM: "backups cannot
be deleted, even by the root user") and backup plans (rules with a schedule, a window, a
transition to cold storage, a retention, copies to a vault of another region; selections of
resources by reference or by tag). A plan's schedule is its recovery point objective: a
region's loss loses what was written since the last copy.

AWS's rules (AWS Backup guide, "Quotas", "Backup vault lock", "Creating a backup plan"), each a
diagnostic here:

- Vault names are 2–50 letters, digits, '-' and '_'. A lock keeps every recovery point between
  `min_retention` and `max_retention` (1 day–100 years); compliance mode (`grace`, at least 3
  days, before the lock can no longer be changed or removed) or governance mode (no grace).
- A rule's schedule is `cron(...)` with six fields, at most hourly; the start window is at least
  1 hour (default 8 hours) and the completion window longer than it (default 7 days).
- A recovery point moved to cold storage stays there at least 90 days: `delete_after` is at
  least `cold_storage_after` + 90 days. Continuous backups (point-in-time recovery) are kept
  at most 35 days. A rule into a locked vault keeps recovery points within the lock's range.
- A copy for disaster recovery goes to a vault in another region (a warning otherwise: it dies
  with the region). Backing up an S3 bucket needs its versioning on.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Duration, Ref, Str, Tags, dur

DAY = 86400
HOUR = 3600
MAX_RETENTION_DAYS = 36500
COLD_MINIMUM_DAYS = 90
CONTINUOUS_MAX_DAYS = 35
DEFAULT_START_WINDOW = dur("8h")
DEFAULT_COMPLETION_WINDOW = dur("7d")
# What a selection may name: the services notes §25.5 lists (EC2/EBS, S3, RDS, Aurora, DynamoDB,
# DocumentDB/Neptune, EFS; Storage Gateway is not a kind) and FSx.
BACKED_UP = ("instance", "ebs_volume", "rds", "aurora", "dynamodb_table", "efs", "s3_bucket", "fsx_file_system",
             "documentdb_cluster", "neptune_cluster")
_NAME = re.compile(r"^[A-Za-z0-9_-]{2,50}$")
_CRON = re.compile(r"^cron\((.+)\)$")


def _days(d) -> Fraction | None:
    return d.seconds / DAY if isinstance(d, v.Duration) else None


class VaultLock(Block):
    """`lock { min_retention = 7d, max_retention = 365d, grace = 3d }`: AWS Backup Vault Lock
    (notes §25.5, WORM). With `grace` it is in compliance mode: after the grace time nobody,
    not the root user, can change or remove it. Without, governance mode."""

    min_retention: Duration
    max_retention: Duration | None = None
    grace: Duration | None = None


class BackupVault(Kind):
    """An AWS Backup vault (notes §25.5): where recovery points are kept, encrypted with AWS
    Backup's key or `kms_key`. `lock` makes it write-once-read-many."""

    kind: Literal["backup_vault"] = "backup_vault"
    title: ClassVar[str] = "Backup vault"
    family: ClassVar[str] = "storage"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "kms_key"})

    name: Str | None = None
    kms_key: Str | None = None  # None: AWS Backup's AWS managed key (aws/backup); always encrypted
    lock: VaultLock | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a backup vault name has 2–50 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        if self.lock is None:
            return
        lo, hi, grace = _days(self.lock.min_retention), _days(self.lock.max_retention), _days(self.lock.grace)
        for value, field in ((lo, "min_retention"), (hi, "max_retention")):
            if value is not None and (value != int(value) or not 1 <= value <= MAX_RETENTION_DAYS):
                yield Issue(f"a vault lock's {field.replace('_', ' ')} is a whole number of days from 1 to "
                            f"{MAX_RETENTION_DAYS:,}, got {getattr(self.lock, field)}", ("lock", field))
        if lo is not None and hi is not None and hi < lo:
            yield Issue(f"the lock's max_retention ({self.lock.max_retention}) is below its min_retention "
                        f"({self.lock.min_retention})", ("lock", "max_retention"))
        if grace is not None and grace < 3:
            yield Issue(f"a compliance-mode lock has a grace time of at least 3 days before it is fixed, got "
                        f"{self.lock.grace}", ("lock", "grace"),
                        help="grace = 3d  (remove grace for governance mode)")


class Copy(Block):
    """`copy_to { vault = west.dr_vault, delete_after = 35d }`: each recovery point copied to another
    vault (another region's, for disaster recovery), kept there `delete_after`."""

    vault: Ref.anywhere["backup_vault"]
    cold_storage_after: Duration | None = None
    delete_after: Duration | None = None


class Rule(Block):
    """`rule daily { vault = main_vault, schedule = "cron(0 5 * * ? *)", delete_after = 35d }`."""

    name: Str
    vault: Ref["backup_vault"]
    schedule: Str = "cron(0 5 * * ? *)"
    start_window: Duration = DEFAULT_START_WINDOW
    completion_window: Duration = DEFAULT_COMPLETION_WINDOW
    cold_storage_after: Duration | None = None
    delete_after: Duration | None = None  # None: kept until deleted
    continuous: Bool = False
    copy_to: list[Copy] = Field(default_factory=list)


class Selection(Block):
    """`selection databases { resources = [orders_db], tags = { backup = "daily" } }`: what the
    plan backs up, by reference or by tag."""

    name: Str
    resources: list[Ref[BACKED_UP]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)
    role: Ref["iam_role"] | None = None  # None: a role with AWS Backup's managed policies


class BackupPlan(Kind):
    """An AWS Backup plan (notes §25.5): `rule` blocks (when to back up, into which vault, how
    long to keep, where to copy) and `selection` blocks (what). Its schedule is the recovery
    point objective a DR plan counts on: a chaos run that loses the region restores from the
    last copy in the other region, and what was written since is lost."""

    kind: Literal["backup_plan"] = "backup_plan"
    title: ClassVar[str] = "Backup plan"
    family: ClassVar[str] = "storage"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "version": "string"}

    name: Str | None = None
    rule: list[Rule] = Field(default_factory=list)
    selection: list[Selection] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.rule:
            yield Issue("a backup plan has at least one rule", ("rule",),
                        help='rule daily { vault = vault, schedule = "cron(0 5 * * ? *)", delete_after = 35d }')
        for i, rule in enumerate(self.rule):
            yield from _rule_issues(me, graph, rule, ("rule", i))
        for i, sel in enumerate(self.selection):
            if not sel.resources and not sel.tags:
                yield Issue("a selection names resources or tags", ("selection", i),
                            help='resources = [orders_db]  or  tags = { backup = "daily" }')
            for j, ref in enumerate(sel.resources):
                res = deref(graph, ref)
                if res is not None and res.kind == "s3_bucket" and res.get("versioning") is not True:
                    yield Issue(f"AWS Backup backs up S3 bucket '{res.address}' only with versioning on",
                                ("selection", i, "resources", j),
                                related=(Related(res.address, ("versioning",), "the bucket"),),
                                help="versioning = true on the bucket")


def _rule_issues(me: View, graph: Graph, rule: Rule, path: tuple) -> Iterable[Issue]:
    if isinstance(rule.schedule, str):
        interval = schedule_interval(rule.schedule)
        if interval is None:
            yield Issue(f"a backup schedule is cron(minutes hours day-of-month month day-of-week year), got "
                        f"'{rule.schedule}'", path + ("schedule",), help='schedule = "cron(0 5 * * ? *)"  (daily 05:00 UTC)')
        elif interval < HOUR:
            yield Issue(f"AWS Backup runs a rule at most hourly; '{rule.schedule}' is more often", path + ("schedule",),
                        help="continuous = true gives point-in-time recovery where the resource supports it")
    start, done = rule.start_window, rule.completion_window
    if isinstance(start, v.Duration) and start.seconds < HOUR:
        yield Issue(f"a backup start window is at least 1 hour, got {start}", path + ("start_window",))
    if isinstance(start, v.Duration) and isinstance(done, v.Duration) and done.seconds <= start.seconds:
        yield Issue(f"a backup's completion window is longer than its start window: {done} is not longer than {start}",
                    path + ("completion_window",))
    yield from _lifecycle_issues(rule.cold_storage_after, rule.delete_after, path)
    keep = _days(rule.delete_after)
    if rule.continuous is True and keep is not None and keep > CONTINUOUS_MAX_DAYS:
        yield Issue(f"continuous backups are kept at most {CONTINUOUS_MAX_DAYS} days, this rule {rule.delete_after}",
                    path + ("delete_after",))
    vault = deref(graph, rule.vault)
    yield from _lock_issues(vault, keep, rule.delete_after, path + ("delete_after",))
    for j, copy in enumerate(rule.copy_to):
        cpath = path + ("copy_to", j)
        yield from _lifecycle_issues(copy.cold_storage_after, copy.delete_after, cpath)
        target = deref(graph, copy.vault)
        if target is None:
            continue
        yield from _lock_issues(target, _days(copy.delete_after), copy.delete_after, cpath + ("delete_after",))
        if target.region == me.region:
            yield Issue(f"vault '{target.address}' is in {me.region} too: the copy is lost with the region",
                        cpath + ("vault",), severity="warning",
                        related=(Related(target.address, (), "the vault"),),
                        help="copy to a vault of another region for disaster recovery (notes §25.5)")


def _lifecycle_issues(cold, delete, path: tuple) -> Iterable[Issue]:
    cold_days, keep = _days(cold), _days(delete)
    for value, field in ((cold_days, "cold_storage_after"), (keep, "delete_after")):
        if value is not None and (value != int(value) or value < 1):
            yield Issue(f"{field} is a whole number of days, at least 1", path + (field,))
    if cold_days is not None and keep is not None and keep < cold_days + COLD_MINIMUM_DAYS:
        yield Issue(f"a recovery point stays in cold storage at least {COLD_MINIMUM_DAYS} days: moved there after "
                    f"{cold}, it is deleted after {int(cold_days) + COLD_MINIMUM_DAYS}d at the earliest, not {delete}",
                    path + ("delete_after",), help=f"delete_after = {int(cold_days) + COLD_MINIMUM_DAYS}d")


def _lock_issues(vault: View | None, keep, shown, path: tuple) -> Iterable[Issue]:
    lock = vault.get("lock") if vault is not None else None
    if lock is None:
        return
    lo, hi = _days(lock.min_retention), _days(lock.max_retention)
    if lo is not None and hi is not None and hi < lo:
        return  # the vault's own diagnostic
    if lo is not None and (keep is None and hi is not None or keep is not None and keep < lo) or \
            (hi is not None and keep is not None and keep > hi):
        span = f"{lock.min_retention}" + (f"–{lock.max_retention}" if lock.max_retention is not None else " or more")
        yield Issue(f"vault '{vault.address}' is locked to keep recovery points {span}; this rule keeps them "
                    f"{shown if shown is not None else 'forever'}, so its backup jobs fail", path,
                    related=(Related(vault.address, ("lock",), "the vault lock"),))


def schedule_interval(expression: str) -> float | None:
    """Seconds between two runs of a cron schedule (the shortest gap; what a DR plan counts as
    the data it may lose), or None when it is not AWS's six-field cron."""
    m = _CRON.match(expression.strip())
    fields = m.group(1).split() if m else []
    if len(fields) != 6:
        return None
    minute, hour, dom, _month, dow, _year = fields
    minutes = _values(minute, 60)
    if minutes is None:
        return None
    if len(minutes) > 1:
        return _gap(minutes, 60) * 60.0
    hours = _values(hour, 24)
    if hours is None:
        return None
    if len(hours) > 1:
        return _gap(hours, 24) * HOUR
    if dom not in ("*", "?"):
        days = _values(dom, 31, start=1)
        return None if days is None else (_gap(days, 31) if len(days) > 1 else 31) * DAY
    if dow not in ("*", "?"):
        return 7 * DAY if "," not in dow and "-" not in dow else DAY
    return float(DAY)


def _values(field: str, size: int, start: int = 0) -> list[int] | None:
    if field in ("*", "?"):
        return list(range(start, size + start))
    out = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, _, s = part.partition("/")
            if not s.isdigit() or int(s) == 0:
                return None
            step = int(s)
        if part in ("*", ""):
            lo, hi = start, size + start - 1
        elif "-" in part:
            a, _, b = part.partition("-")
            if not (a.isdigit() and b.isdigit()):
                return None
            lo, hi = int(a), int(b)
        elif part.isdigit():
            lo = hi = int(part)
            if "/" in field:
                hi = size + start - 1
        else:
            return None
        if lo < start or hi >= size + start:
            return None
        out.update(range(lo, hi + 1, step))
    return sorted(out)


def _gap(values: list[int], size: int) -> int:
    gaps = [b - a for a, b in zip(values, values[1:])] + [values[0] + size - values[-1]]
    return min(gaps)


def copies_in(graph: Graph, store: View, region: str) -> tuple[View, float] | None:
    """The backup plan (and its shortest schedule interval) that copies `store`, named by
    reference in a selection, into a vault of `region`: the RPO a restore there has."""
    best = None
    for plan in graph.of_kind("backup_plan"):
        if not any(getattr(r, "address", None) == store.address for sel in plan.model.selection for r in sel.resources):
            continue
        for rule in plan.model.rule:
            vaults = [deref(graph, rule.vault)] + [deref(graph, c.vault) for c in rule.copy_to]
            interval = schedule_interval(rule.schedule) if isinstance(rule.schedule, str) else None
            if interval is not None and any(v_ is not None and v_.region == region for v_ in vaults):
                if best is None or interval < best[1]:
                    best = (plan, interval)
    return best
