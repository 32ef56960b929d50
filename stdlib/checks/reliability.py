"""Reliability rules: single-AZ data tiers and fleets, one NAT gateway for many AZs, no backups."""

from __future__ import annotations

from archform.dsl import values as v

from . import rule


def _days(d) -> float:
    return d.seconds / 86400 if isinstance(d, v.Duration) else float(d or 0)


def _azs(graph, subnets) -> set[str]:
    out = set()
    for ref in subnets or []:
        s = graph.get(getattr(ref, "address", ""))
        if s is not None and isinstance(s.model.az, str):
            out.add(s.model.az)
    return out


@rule("AF-REL-001", "medium", "Single-AZ database",
      "notes §7.2 (Multi-AZ: a synchronous standby in another AZ); AWS Well-Architected REL10-BP01",
      "set multi_az = true (or deployment = multi_az_cluster)", checkov=("CKV_AWS_157",))
def single_az_rds(graph):
    for db in graph.of_kind("rds"):
        if db.model.replica_of is None and not db.model.multi_az and db.model.deployment != "multi_az_cluster":
            yield db.address, ("multi_az",), "a single-AZ database: losing its AZ stops it until it is restored"


@rule("AF-REL-002", "medium", "Aurora cluster without a replica",
      "notes §7.1.6 (Aurora failover promotes a replica); AWS Well-Architected REL10-BP01",
      "add a second instance in another AZ: failover then takes about 30 s instead of a rebuild")
def lone_aurora(graph):
    for db in graph.of_kind("aurora"):
        if not db.model.serverless and isinstance(db.model.instances, int) and db.model.instances < 2:
            yield db.address, ("instances",), "one instance: when it fails, nothing is there to promote"


@rule("AF-REL-003", "medium", "Fleet in one Availability Zone",
      "notes §6.4 (Auto Scaling across AZs); AWS Well-Architected REL10-BP01",
      "give the group subnets in at least two AZs")
def one_az_fleet(graph):
    for g in graph.of_kind("autoscaling_group"):
        azs = _azs(graph, g.model.subnets)
        if len(azs) == 1:
            yield g.address, ("subnets",), f"every subnet is in {next(iter(azs))}: the fleet is lost with that AZ"


@rule("AF-REL-004", "medium", "One NAT gateway for several Availability Zones",
      "notes §24.3.2 (a NAT gateway lives in one AZ: one per AZ for resilience)",
      "give each AZ its own NAT gateway and route table (three_tier's nat = per_zone)")
def shared_nat(graph):
    served: dict[str, set[str]] = {}
    where: dict[str, tuple[str, tuple]] = {}
    for rt in graph.of_kind("route_table"):
        for i, route in enumerate(rt.model.route):
            target = getattr(route.target, "address", None)
            nat = graph.get(target) if target else None
            if nat is None or nat.kind != "nat_gateway":
                continue
            served.setdefault(nat.address, set()).update(_azs(graph, rt.model.subnets))
            where.setdefault(nat.address, (rt.address, ("route", i)))
    for nat, azs in sorted(served.items()):
        if len(azs) > 1:
            yield nat, ("subnet",), (f"private subnets in {len(azs)} AZs ({', '.join(sorted(azs))}) reach the internet "
                                     "through this one NAT gateway: losing its AZ cuts them all off")


@rule("AF-REL-005", "medium", "Database without backups",
      "notes §7.3 (automated backups and point-in-time recovery); AWS Well-Architected REL09-BP01",
      "keep backup_retention of at least 7 days; for DynamoDB set point_in_time_recovery = true",
      checkov=("CKV_AWS_28",))
def no_backups(graph):
    for db in graph.of_kind("rds"):
        if db.model.replica_of is None and _days(db.model.backup_retention) == 0:
            yield db.address, ("backup_retention",), "automated backups are off: no point-in-time restore"
    for t in graph.of_kind("dynamodb_table"):
        if not t.model.point_in_time_recovery:
            yield t.address, ("point_in_time_recovery",), \
                "point-in-time recovery is off: a bad write or delete cannot be rolled back"


@rule("AF-REL-006", "low", "Cache without automatic failover",
      "notes §7.6 (ElastiCache replicas and Multi-AZ)", "add a replica and set automatic_failover = true")
def cache_single(graph):
    for c in graph.of_kind("elasticache"):
        if c.model.engine != "memcached" and not c.model.automatic_failover:
            yield c.address, ("automatic_failover",), "no automatic failover: a failed primary loses the cache"
