"""RDS Proxy (notes §7.1.6): a pool of database connections in front of an RDS database or an
Aurora cluster, shared by clients that come and go (Lambda functions, §16.1.7). It lives in the
VPC's subnets and is never publicly accessible; it signs in to the database with secrets kept
in Secrets Manager, and clients reach it with IAM authentication; it cuts failover time by up
to 66% (notes §7.1.6), which the chaos run measures.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.cluster_storage import subnet_group_issues
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Choice, DurationRange, IntRange, Ref, Str, Tags, dur

# The engine family a proxy speaks, from its target's engine (AWS's RDS Proxy engine support:
# MySQL and MariaDB, PostgreSQL, SQL Server; not Oracle or Db2).
FAMILY_OF = {"mysql": "mysql", "mariadb": "mysql", "aurora-mysql": "mysql", "postgres": "postgresql",
             "aurora-postgresql": "postgresql", "sqlserver": "sqlserver"}
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+")
MAX_SECRETS = 200          # AWS's quota: Secrets Manager secrets per proxy
MAX_PROXIES = 20           # AWS's quota: proxies per account and region


class RdsProxy(Kind):
    """An RDS Proxy (notes §7.1.6) in front of an `rds` database or an `aurora` cluster: it pools
    and shares connections, so clients that scale in and out (Lambda) do not exhaust the
    database's. Private to its VPC (subnets in at least two AZs); TLS is required and clients
    authenticate with IAM by default; it signs in to the database with the secrets listed in
    `secrets` (Secrets Manager ARNs) or, when none are, with the target's own master secret
    (the one RDS keeps when `manage_master_password` is on). During a failover it holds client
    connections and moves them to the new writer: up to 66% less downtime than reconnecting
    through DNS."""

    kind: Literal["rds_proxy"] = "rds_proxy"
    title: ClassVar[str] = "RDS Proxy"
    noun: ClassVar[str] = "RDS Proxy"
    family: ClassVar[str] = "database"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"engine_family", "subnets"})

    target: Ref["rds", "aurora"]
    engine_family: Choice("mysql", "postgresql", "sqlserver", what="RDS Proxy engine family",
                          aliases={"postgres": "postgresql", "mariadb": "mysql"}) = None  # the target's
    secrets: list[Str] = Field(default_factory=list)
    iam_auth: Bool = True  # safe default (AWS's API: DISABLED): clients sign in with IAM (notes §7.1.6)
    require_tls: Bool = True  # safe default (AWS's API: false)
    idle_client_timeout: DurationRange("1s", "8h", what="idle_client_timeout") = dur("30m")
    max_connections_percent: IntRange(1, 100, what="max_connections_percent") = 100
    max_idle_connections_percent: IntRange(0, 100, what="max_idle_connections_percent") = 50
    connection_borrow_timeout: DurationRange("0s", "3600s", what="connection_borrow_timeout") = dur("120s")
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    debug_logging: Bool = False
    tags: Tags = Field(default_factory=dict)

    def target_family(self, graph: Graph) -> str | None:
        target = deref(graph, self.target)
        return FAMILY_OF.get(str(target.get("engine"))) if target is not None else None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._target(me, graph)
        yield from self._secrets(me, graph)
        if not self.subnets:
            yield Issue("an RDS Proxy needs subnets in at least two Availability Zones: it is never publicly "
                        "accessible (notes §7.1.6)", ("subnets",))
        yield from subnet_group_issues(graph, self.subnets, 2, "an RDS Proxy")
        yield from self._same_vpc(graph)
        if isinstance(self.max_idle_connections_percent, int) and isinstance(self.max_connections_percent, int) \
                and self.max_idle_connections_percent > self.max_connections_percent:
            yield Issue(f"max_idle_connections_percent ({self.max_idle_connections_percent}) cannot be above "
                        f"max_connections_percent ({self.max_connections_percent})", ("max_idle_connections_percent",))
        mine = [p for p in graph.of_kind("rds_proxy") if p.region == me.region]
        if len(mine) > MAX_PROXIES and me.address in [p.address for p in mine[MAX_PROXIES:]]:
            yield Issue(f"an account has at most {MAX_PROXIES} RDS Proxies in a region (AWS's quota); {me.region} "
                        f"has {len(mine)}", ())

    def _target(self, me: View, graph: Graph) -> Iterable[Issue]:
        target = deref(graph, self.target)
        if target is None:
            return
        related = (Related(target.address, ("engine",), "the target's engine"),)
        engine = target.get("engine")
        family = FAMILY_OF.get(str(engine))
        if engine is not None and family is None:
            yield Issue(f"RDS Proxy supports MySQL, MariaDB, PostgreSQL and SQL Server databases, not {engine}",
                        ("target",), related=related)
        elif self.engine_family is not None and family is not None and family != self.engine_family:
            yield Issue(f"engine_family {self.engine_family} does not speak to '{target.address}', which runs "
                        f"{engine}: its family is {family}", ("engine_family",), related=related,
                        help="leave engine_family out: it follows the target")
        if target.kind == "rds" and target.get("replica_of") is not None:
            yield Issue(f"an RDS Proxy's target is a primary database or an Aurora cluster; '{target.address}' is a "
                        "read replica", ("target",), related=(Related(target.address, ("replica_of",), "a replica"),))

    def _secrets(self, me: View, graph: Graph) -> Iterable[Issue]:
        if len(self.secrets) > MAX_SECRETS:
            yield Issue(f"an RDS Proxy has at most {MAX_SECRETS} secrets (AWS's quota), got {len(self.secrets)}",
                        ("secrets",))
        for i, arn in enumerate(self.secrets):
            if not isinstance(arn, str):
                continue
            m = SECRET_ARN.fullmatch(arn)
            if m is None:
                yield Issue(f"a proxy's secret is a Secrets Manager secret ARN, "
                            f"arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME; got \"{arn}\"", ("secrets", i))
            elif me.region is not None and m.group(1) != me.region:
                yield Issue(f"a proxy reads secrets of its own region ({me.region}); this one is in {m.group(1)}",
                            ("secrets", i))
        target = deref(graph, self.target)
        if not self.secrets and target is not None and not target.get("manage_master_password"):
            yield Issue(f"an RDS Proxy signs in to its database with secrets in Secrets Manager (notes §7.1.6): "
                        f"list them in secrets, or let '{target.address}' keep its master password there", ("secrets",),
                        related=(Related(target.address, ("manage_master_password",), "keeps its own password"),),
                        help=f"set manage_master_password = true on '{target.address}', or secrets = [\"arn:aws:"
                             f"secretsmanager:...\"]")

    def _same_vpc(self, graph: Graph) -> Iterable[Issue]:
        target = deref(graph, self.target)
        mine = {getattr(s.get("vpc"), "address", None) for s in (deref(graph, r) for r in self.subnets) if s}
        theirs = {getattr(s.get("vpc"), "address", None)
                  for s in (deref(graph, r) for r in (target.get("subnets") or [] if target else [])) if s}
        if len(mine) == 1 and len(theirs) == 1 and mine != theirs:
            yield Issue(f"an RDS Proxy is in its database's VPC: its subnets are in '{next(iter(mine))}', "
                        f"'{target.address}' is in '{next(iter(theirs))}'", ("subnets",),
                        related=(Related(target.address, ("subnets",), "the database's subnets"),))
