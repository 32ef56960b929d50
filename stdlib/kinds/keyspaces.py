"""Amazon Keyspaces (notes §18.9): serverless Apache Cassandra, queried with CQL.

A keyspace holds tables; AWS runs both across three AZs of the region (regional: an AZ's loss
does not touch them). AWS's rules, each a diagnostic here (Amazon Keyspaces developer guide and
API reference: CreateKeyspace, CreateTable, ReplicationSpecification):

- names are 1–48 letters, digits and '_', starting with a letter or digit;
- capacity is on-demand or provisioned (notes §18.9: "two capacity modes"); provisioned needs
  read and write capacity units, on-demand takes none;
- a multi-Region keyspace (`regions`) is replicated to at least two Regions, its own among
  them (ReplicationSpecification.regionList: "the current Region and at least one additional");
- a table's partition key (one column or more) and clustering columns are columns of the table,
  none twice; `counter` columns are not keys;
- encryption at rest is always on, with an AWS-owned key unless `kms_key` names the account's.

Safe by default: point-in-time recovery on (AWS's default is off; written explicitly).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.schema import Graph, Issue, Kind, View
from archform.stdlib.types import Bool, Choice, DurationRange, IntRange, Ref, Region, Str, Tags

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,47}$")
# CQL data types Amazon Keyspaces supports ("Supported Cassandra data types")
CQL_TYPES = ("ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "float", "inet", "int",
             "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varchar", "varint",
             "list", "map", "set", "tuple", "frozen")
CAPACITY = ("on_demand", "provisioned")


def name_issues(name, what: str) -> Iterable[Issue]:
    if isinstance(name, str) and not _NAME.match(name):
        yield Issue(f"a {what} name is 1–48 letters, digits and '_', starting with a letter or digit; got '{name}'",
                    ("name",))


class KeyspacesKeyspace(Kind):
    """An Amazon Keyspaces keyspace (notes §18.9): the namespace of Cassandra tables. Regional,
    replicated by AWS across three AZs; `regions` makes it a multi-Region keyspace replicated
    (active-active) to those Regions too, its own among them."""

    kind: Literal["keyspaces_keyspace"] = "keyspaces_keyspace"
    title: ClassVar[str] = "Keyspaces keyspace"
    noun: ClassVar[str] = "Keyspaces keyspace"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "regions"})

    name: Str | None = None
    regions: list[Region] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "keyspace")
        if not self.regions:
            return
        if me.region not in self.regions:
            yield Issue(f"a multi-Region keyspace lists its own Region ({me.region}) among its regions",
                        ("regions",), help=f"regions = [\"{me.region}\", ...]")
        if len(set(self.regions)) < 2:
            yield Issue("a multi-Region keyspace is replicated to at least two Regions, its own and another",
                        ("regions",))
        seen: set = set()
        for i, region in enumerate(self.regions):
            if region in seen:
                yield Issue(f"{region} is listed twice in regions", ("regions", i))
            seen.add(region)


class KeyspacesTable(Kind):
    """An Amazon Keyspaces table: `columns` (name = CQL type), a `partition_key` of one column or
    more and optional `clustering_key` columns. On-demand capacity (default) or provisioned
    read/write capacity units; point-in-time recovery on; encrypted with an AWS-owned key unless
    `kms_key`. Regional (three AZs): it survives an AZ's loss."""

    kind: Literal["keyspaces_table"] = "keyspaces_table"
    title: ClassVar[str] = "Keyspaces table"
    noun: ClassVar[str] = "Keyspaces table"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"keyspace", "name", "partition_key", "clustering_key"})

    keyspace: Ref["keyspaces_keyspace"]
    name: Str | None = None
    columns: dict[str, Str]
    partition_key: list[Str]
    clustering_key: list[Str] = Field(default_factory=list)
    capacity: Choice(*CAPACITY, what="capacity mode", aliases={"pay_per_request": "on_demand"}) = "on_demand"
    read_capacity: IntRange(1, what="read_capacity") = None
    write_capacity: IntRange(1, what="write_capacity") = None
    point_in_time_recovery: Bool = True  # safe default (AWS: off), written explicitly
    kms_key: Str | None = None
    default_ttl: DurationRange("1s", "630720000s", what="default_ttl") | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from name_issues(self.name, "table")
        yield from self._columns()
        yield from self._keys()
        if self.capacity == "provisioned":
            for attr in ("read_capacity", "write_capacity"):
                if getattr(self, attr) is None:
                    yield Issue(f"provisioned capacity needs {attr} (capacity units per second)", (attr,))
        else:
            for attr in ("read_capacity", "write_capacity"):
                if getattr(self, attr) is not None:
                    yield Issue(f"{attr} is for capacity = provisioned; on-demand tables scale by themselves",
                                (attr,), help="capacity = provisioned, or remove it")

    def _columns(self) -> Iterable[Issue]:
        for name, cql in self.columns.items():
            if not _NAME.match(name):
                yield Issue(f"a column name is 1–48 letters, digits and '_', got '{name}'", ("columns", name))
            base = cql.split("<", 1)[0].strip().lower() if isinstance(cql, str) else None
            if base is not None and base not in CQL_TYPES:
                yield Issue(f"'{cql}' is not a CQL type Keyspaces supports (text, int, bigint, uuid, timestamp, "
                            f"list<...>, map<...>...)", ("columns", name))

    def _keys(self) -> Iterable[Issue]:
        if not self.partition_key:
            yield Issue("a table's partition key has at least one column", ("partition_key",))
        seen: set = set()
        for field in ("partition_key", "clustering_key"):
            for i, col in enumerate(getattr(self, field)):
                if not isinstance(col, str):
                    continue
                if col not in self.columns:
                    yield Issue(f"'{col}' is not a column of this table", (field, i),
                                help=f"add it to columns: {col} = text")
                elif str(self.columns[col]).lower() == "counter":
                    yield Issue(f"'{col}' is a counter column: counters are not keys", (field, i))
                if col in seen:
                    yield Issue(f"'{col}' is in the primary key twice", (field, i))
                seen.add(col)
