"""What a DR plan's two regions hold, for the rules that judge a strategy before anything runs
(`stdlib/rules/dr_*.py`; notes §25.1, facts).

- `sited_plans(graph)`: each plan with its primary and secondary as region names (a scope
  alias — `primary = primary` — is the region of the resources declared under it).
- `data_stores(graph, plan, region)`: the databases, tables, buckets and file systems the plan
  must recover (its `scope`, else all of the primary region's), without the copies themselves
  (Aurora Global secondaries, read replicas).
- `replica_in(graph, store, region)`: how a store replicates continuously into `region`, or None:
  an Aurora Global Database secondary, an RDS cross-region read replica, a DynamoDB global
  table's replica, an S3 replication rule.
- `backed_up(store)`: whether the store has backups that can be restored elsewhere (daily at
  best, notes §7.3.1).
- `compute(graph, region)`, `fronts(graph, region)`: running instances (an ASG's desired
  capacity, or its min) and load balancers.
"""

from __future__ import annotations

from archform.dsl import values as v
from archform.stdlib.regions import REGIONS
from archform.stdlib.schema import Graph, View, deref

# an RPO under this is "seconds" (continuous replication needed: dr_rpo_replication); from it
# up to a day, backups must run often enough (dr_rpo_backups)
RPO_SECONDS = 60

DATA_KINDS = ("aurora", "rds", "dynamodb_table", "s3_bucket", "efs")


def scopes(graph: Graph, prefix: str = "") -> dict[str, str]:
    """Region scope alias → region name, read off the addresses declared in each scope (of the
    module instance whose addresses start with `prefix`: a DR plan names its own file's scopes)."""
    return scopes_of(((view.address, view.region) for view in graph.all()), prefix)


def scopes_of(placed, prefix: str = "") -> dict[str, str]:
    """`scopes` from (address, region) pairs (the first resource of a scope names its region)."""
    found: dict[str, str] = {}
    for address, region in placed:
        if not address.startswith(prefix):
            continue
        rest = address[len(prefix):]
        if region and "." in rest:
            found.setdefault(rest.split(".", 1)[0], region)
    return found


def prefix_of(address: str) -> str:
    """The module instance prefix of a global resource's address (`shop.` of `shop.shop_dr`)."""
    return address.rsplit(".", 1)[0] + "." if "." in address else ""


def region_of(name, known: dict[str, str]) -> str | None:
    if not isinstance(name, str):
        return None
    if name in known:
        return known[name]
    return name if name in REGIONS else None


def sited_plans(graph: Graph) -> list[tuple[View, str, str]]:
    """(plan, primary region, secondary region) for each DR plan whose two regions are known, by
    address (the rules about what a strategy needs start here; dr_plan_regions reports the rest)."""
    out = []
    for plan in sorted(graph.of_kind("dr_plan"), key=lambda p: p.address):
        known = scopes(graph, prefix_of(plan.address))
        primary, secondary = region_of(plan.model.primary, known), region_of(plan.model.secondary, known)
        if primary is not None and secondary is not None:
            out.append((plan, primary, secondary))
    return out


def covered(plan: View) -> set[str]:
    return {ref.address for ref in plan.model.covers if isinstance(ref, v.ResourceRef)}


def data_stores(graph: Graph, plan: View, region: str) -> list[View]:
    """The data stores `plan` recovers in `region`: its `scope`, or else every one its own file
    declares there (a plan in a module instance covers that instance's, not its neighbours')."""
    scope = covered(plan)
    own = prefix_of(plan.address)
    secondaries = {ref.address for c in graph.of_kind("aurora") for ref in c.model.global_secondary
                   if isinstance(ref, v.ResourceRef)}
    out = []
    for view in graph.all():
        if view.kind not in DATA_KINDS or view.region != region or (scope and view.address not in scope):
            continue
        if not scope and not view.address.startswith(own):
            continue
        if view.kind == "aurora" and view.address in secondaries:
            continue
        if view.kind == "rds" and view.model.replica_of is not None:
            continue
        out.append(view)
    return sorted(out, key=lambda view: view.address)


def replica_in(graph: Graph, store: View, region: str) -> str | None:
    """How `store` replicates continuously into `region` (a sentence), or None."""
    m = store.model
    if store.kind == "aurora":
        for ref in m.global_secondary:
            sec = deref(graph, ref)
            if sec is not None and sec.region == region:
                return f"Aurora Global Database secondary '{sec.address}'"
    elif store.kind == "rds":
        for r in graph.of_kind("rds"):
            if getattr(r.model.replica_of, "address", None) == store.address and r.region == region:
                return f"cross-region read replica '{r.address}'"
    elif store.kind == "dynamodb_table":
        if region in (m.replicas or []):
            return f"global table replica in {region}"
    elif store.kind == "s3_bucket":
        for rule in m.replication:
            dest = deref(graph, rule.destination)
            if dest is not None and dest.region == region:
                return f"replication to '{dest.address}'"
    return None


HOW_TO_REPLICATE = {
    "aurora": "make it an Aurora Global Database: global_secondary = [a cluster in {region}]",
    "rds": "add a cross-region read replica: an rds in {region} with replica_of = it",
    "dynamodb_table": "make it a global table: replicas = [\"{region}\"]",
    "s3_bucket": "replicate it: replication {{ destination = a versioned bucket in {region} }}",
    "efs": "keep the data in a store that replicates across regions",
}


def how_to_replicate(store: View, region: str) -> str:
    return HOW_TO_REPLICATE[store.kind].format(region=region)


def backed_up(store: View) -> bool:
    m = store.model
    if store.kind == "rds":
        d = m.backup_retention
        return not (isinstance(d, v.Duration) and d.seconds == 0)
    if store.kind == "aurora":
        return True  # Aurora's automated backups cannot be turned off (notes §7.3.2)
    if store.kind == "dynamodb_table":
        return bool(m.point_in_time_recovery)
    if store.kind == "efs":
        return bool(m.backup)
    return False  # S3: no backups in the notes; replication is the way out of a region


def compute(graph: Graph, region: str) -> list[tuple[View, int]]:
    """What runs instances in `region`: (resource, instances it runs when nothing is wrong)."""
    out = []
    for view in graph.all():
        if view.region != region:
            continue
        if view.kind == "autoscaling_group":
            count = view.model.desired if isinstance(view.model.desired, int) else view.model.min
            out.append((view, count if isinstance(count, int) else 0))
        elif view.kind == "instance":
            out.append((view, 1))
    return sorted(out, key=lambda vc: vc[0].address)


def fronts(graph: Graph, region: str) -> list[View]:
    return sorted((view for view in graph.of_kind("load_balancer") if view.region == region),
                  key=lambda view: view.address)


STRATEGY_NAMES = {"backup_restore": "backup and restore", "pilot_light": "pilot light",
                  "warm_standby": "warm standby", "multi_site": "multi-site"}


def span(seconds: float) -> str:
    """A duration as the language writes it: 5s, 1h, 1d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
