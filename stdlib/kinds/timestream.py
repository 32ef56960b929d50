"""Amazon Timestream for LiveAnalytics (notes §18.10): a serverless time-series database.

Recent data is kept in the memory store, older data in the cost-optimised magnetic store (notes
§18.10); a table says how long each keeps it. AWS's ranges, each a diagnostic here (Timestream
API reference, RetentionProperties): the memory store 1–8766 hours (a year), the magnetic
store 1–73000 days (200 years), both in whole units. Database names are 3–256 letters,
digits, '_', '.' and '-' (CreateDatabase; table names alike).

AWS put Timestream for LiveAnalytics in maintenance mode on 2025-06-20 (cfn-lint's resource
specification, rule W3697; AWS's docs point new time-series work to Timestream for InfluxDB):
it takes no new customers, so a database is warned.

Encryption at rest is always on: AWS's managed key for Timestream unless `kms_key` names the
account's. Regional: AWS keeps the data across AZs, so an AZ's loss does not touch it.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Kind, View
from archform.stdlib.types import Bool, DurationRange, Ref, Str, Tags, dur

_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,256}$")
HOUR, DAY = 3600, 86400
MAINTENANCE_SINCE = "2025-06-20"  # cfn-lint W3697 (its resource specification)


def name_issues(name, what: str) -> Iterable[Issue]:
    if isinstance(name, str) and not _NAME.match(name):
        yield Issue(f"a Timestream {what} name is 3–256 letters, digits, '_', '.' and '-'; got '{name}'", ("name",))


class TimestreamDatabase(Kind):
    """A Timestream database (notes §18.10): the container of time-series tables, encrypted
    with AWS's key for Timestream unless `kms_key`. Regional: it survives an AZ's loss."""

    kind: Literal["timestream_database"] = "timestream_database"
    title: ClassVar[str] = "Timestream database"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    kms_key: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "database")
        yield Issue(f"Timestream for LiveAnalytics is in maintenance mode since {MAINTENANCE_SINCE}: it is closed "
                    "to new customers, so this works only in an account that already uses it", ("name",),
                    severity="warning", help="for new time-series work AWS points to Timestream for InfluxDB")


class TimestreamTable(Kind):
    """A Timestream table: `memory_retention` (1 hour – 8766 hours) in the fast memory store for
    recent data and queries, then `magnetic_retention` (1–73000 days) in the magnetic store
    (notes §18.10). `magnetic_writes` accepts late records straight into the magnetic store."""

    kind: Literal["timestream_table"] = "timestream_table"
    title: ClassVar[str] = "Timestream table"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"database", "name"})

    database: Ref["timestream_database"]
    name: Str | None = None
    memory_retention: DurationRange("1h", "8766h", what="memory_retention (the memory store)") = dur("24h")
    magnetic_retention: DurationRange("1d", "73000d", what="magnetic_retention (the magnetic store)") = dur("365d")
    magnetic_writes: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "table")
        for field, unit, word in (("memory_retention", HOUR, "hours"), ("magnetic_retention", DAY, "days")):
            d = getattr(self, field)
            if isinstance(d, v.Duration) and d.seconds % unit:
                yield Issue(f"{field} counts whole {word}, got {d}", (field,))


def hours(d) -> int | None:
    return int(d.seconds // HOUR) if isinstance(d, v.Duration) else None


def days(d) -> int | None:
    return int(d.seconds // DAY) if isinstance(d, v.Duration) else None
