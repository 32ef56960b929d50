"""Cluster-storage databases: Aurora (notes §7.2), DocumentDB (§18.7) and Neptune (§18.8).

One design under three engines: a cluster volume keeping 6 copies over 3 AZs, a writer
instance and up to 15 replicas that a failover promotes, automated backups kept 1 to 35 days
(they cannot be turned off), encryption at rest chosen when the cluster is made, and a DB
subnet group over at least two AZs. `StorageCluster` holds the rules the three share; each
kind declares its own fields, in the order its readers expect, with the types defined here.

The DB subnet group's rule (`subnet_group_issues`) and whole-day retention (`whole_days`) are
shared with RDS and ElastiCache too.
"""

from __future__ import annotations

from typing import ClassVar, Iterable

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Kind, View, deref
from archform.stdlib.types import DurationRange, IntRange, Validated, fail, validator_of

DAY = 86400

# A writer and up to 15 replicas (notes §7.2.1 for Aurora, §18.8 for Neptune; AWS's for DocumentDB).
Instances = IntRange(1, 16, what="instances (a writer and up to 15 replicas)")


# Failover order (AWS's promotion tiers): a replica of the lowest tier is promoted first.
PromotionTier = IntRange(0, 15, what="promotion tier")


def whole_days(d) -> float | None:
    return float(d.seconds) / DAY if isinstance(d, v.Duration) else None


def subnet_group_issues(graph: Graph, subnets: list, min_zones: int, what: str) -> Iterable[Issue]:
    """A DB subnet group: subnets of one VPC covering at least `min_zones` AZs."""
    zones, vpcs = set(), set()
    for ref in subnets:
        s = deref(graph, ref)
        if s is not None:
            zones.add(s.get("az"))
            vpcs.add(getattr(s.get("vpc"), "address", None))
    if len(vpcs - {None}) > 1:
        yield Issue(f"{what}'s subnets are all in one VPC, these are in {len(vpcs - {None})}", ("subnets",))
    if zones and len(zones) < min_zones:
        yield Issue(f"{what} needs subnets in at least {min_zones} Availability Zones, these cover {len(zones)}",
                    ("subnets",), help="add subnets of other AZs")


def retention(service: str, source: str):
    """backup_retention of a cluster-storage database: 1 to 35 days; backups cannot be disabled."""
    within = validator_of(DurationRange("0d", "35d", what="backup_retention"))

    def check(x):
        d = within(x)
        if isinstance(d, v.Duration) and d.seconds < DAY:
            raise fail(f"{service} backups cannot be disabled: backup_retention is between 1d and 35d, got {d} "
                       f"({source})")
        return d

    return Validated(check)


class StorageCluster(Kind):
    """The rules every cluster-storage database shares. A subclass declares `subnets`,
    `backup_retention`, `encrypted` and `kms_key`, and names itself in `a_cluster`."""

    a_cluster: ClassVar[str] = "a cluster"  # "an Aurora cluster": how a sentence names one

    def storage_issues(self, graph: Graph) -> Iterable[Issue]:
        yield from subnet_group_issues(graph, self.subnets, 2, self.a_cluster)
        if not self.subnets:
            yield Issue(f"{self.a_cluster} needs subnets (its DB subnet group) in at least two Availability Zones",
                        ("subnets",))
        days = whole_days(self.backup_retention)
        if days is not None and days != int(days):
            yield Issue(f"backup_retention counts whole days, got {self.backup_retention}", ("backup_retention",))
        if self.kms_key is not None and not self.encrypted:
            yield Issue("kms_key needs encrypted = true", ("kms_key",))
        tiers = getattr(self, "promotion_tiers", None)
        if tiers and isinstance(self.instances, int) and len(tiers) != self.instances:
            yield Issue(f"promotion_tiers gives each instance its failover tier (0 first, 15 last): {self.instances} "
                        f"instances need {self.instances} tiers, got {len(tiers)}", ("promotion_tiers",))
