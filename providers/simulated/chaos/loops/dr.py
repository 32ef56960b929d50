"""DR plans during a run: what the plan serves, and its runbook (notes §25, facts).

What a plan serves. Its front — the DNS names that answer with resources of its primary region
(or, without such names, the primary region's load balancers) — times its data tier: every
data store it covers (its `scope`, else every database, table, bucket and file system of the
primary region) must accept writes somewhere: the primary copy, the copy promoted in the
secondary region, or the one restored there. The plan's service is measured like any other;
its RTO and RPO are read off it by `report.py`.

The runbook. An alarm reads the primary region's front once a minute; after 3 bad minutes in a
row (the front answers under half its requests) the runbook starts, and does what the
strategy says (notes §25.1):

- every strategy: promote what replicates continuously — an Aurora Global secondary (under a
  minute), an RDS cross-region read replica; DynamoDB global tables and replicated buckets
  already answer in the secondary region; a Redshift cluster copying its snapshots to the
  secondary region is restored there from the last of them (notes §19.2.2, its own loop).
  An FSx file system's daily backups stay in its region: only an AWS Backup copy to the
  secondary region restores it there (FSx keeps automatic backups in their region; another
  region gets them only by a copy: AWS Backup, or CopyBackup).
- backup_restore: restore each data store that has no replica from its latest daily backup
  copied to the secondary region (`RESTORE_SECONDS`; the writes since that backup are lost)
  and recreate the front and compute (`PROVISION_SECONDS`); then point DNS at it.
- pilot_light: the data runs; recreate compute and front where the secondary has none, else
  scale its groups up to the primary's size.
- warm_standby: scale the running scaled-down copy up to the primary's size.
- multi_site: nothing to scale; the secondary already carries full capacity.

Where no DNS record fails over by itself (failover, weighted or latency records with health
checks), the runbook ends by pointing DNS at the secondary (`DNS_CHANGE_SECONDS`).
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib import dr_sites
from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..world import Loop

DATA_KINDS = ("aurora", "rds", "dynamodb_table", "s3_bucket", "efs", "redshift_cluster", "fsx_file_system")


class Store:
    """One data store a plan covers, and how it reaches the secondary region."""

    def __init__(self, rec, how: str, copy=None, lag: float = 0.0):
        self.rec, self.how, self.copy, self.lag = rec, how, copy, lag
        self.restored = False


class Plan:
    def __init__(self, rec, primary: str | None, secondary: str | None):
        a = rec.attrs
        self.rec, self.address = rec, rec.address or rec.id
        self.strategy = a.get("strategy")
        self.primary, self.secondary = primary, secondary
        self.rpo = units.seconds(a.get("rpo"), 0.0)
        self.rto = units.seconds(a.get("rto"), 0.0)
        self.stores: list[Store] = []
        self.sets: list = []
        self.primary_lbs: list = []
        self.secondary_lbs: list = []
        self.asgs: list[tuple] = []  # (secondary group, primary counterpart or None)
        self.bad = 0
        self.bad_since: float | None = None
        self.runbook = "idle"
        self.started_at: float | None = None
        self.switched = False
        self.provisioned = False


@provides("failures", "dr_plan")
class Dr(Loop):
    name = "dr"

    def __init__(self, world):
        super().__init__(world)
        self.plans: list[Plan] = []

    # --- loading -----------------------------------------------------------------------------------

    def load(self):
        w = self.world
        placed = [(rec.address, rec.region) for rec in w.records.values() if rec.owner is None and rec.address]
        for rec in w.of_kind("dr_plan"):
            aliases = dr_sites.scopes_of(placed, dr_sites.prefix_of(rec.address or ""))
            a = rec.attrs
            primary = aliases.get(a.get("primary"), a.get("primary"))
            secondary = aliases.get(a.get("secondary"), a.get("secondary"))
            plan = Plan(rec, primary, secondary)
            covered = set(a.get("scope") or [])
            own = dr_sites.prefix_of(rec.address or "")  # without a scope: what its own file declares
            for kind in DATA_KINDS:
                for store in w.of_kind(kind):
                    if store.region != primary or (covered and store.id not in covered):
                        continue
                    if not covered and not (store.address or "").startswith(own):
                        continue
                    found = self._store(store, secondary)
                    if found is not None:
                        plan.stores.append(found)
            plan.primary_lbs = [lb for lb in w.elb.lbs if lb.region == primary]
            plan.secondary_lbs = [lb for lb in w.elb.lbs if lb.region == secondary]
            lb_ids = {lb.id for lb in plan.primary_lbs}
            plan.sets = [rs for rs in w.route53.sets if any(r.endpoint in lb_ids for r in rs.records)]
            # each secondary group grows to its primary counterpart: the group of the same name, or
            # the only group of the primary when each region has one
            theirs = [g for g in w.asg.groups if g.region == primary]
            ours = [g for g in w.asg.groups if g.region == secondary]
            by_name = {g.address.split(".", 1)[-1]: g for g in theirs}
            only = theirs[0] if len(theirs) == 1 and len(ours) == 1 else None
            plan.asgs = [(g, by_name.get(g.address.split(".", 1)[-1]) or only) for g in ours]
            self.plans.append(plan)

    def _store(self, rec, secondary: str | None) -> Store | None:
        store = self._replication(rec, secondary)
        if store is not None and store.how == "none" and self.world.backup.covering(rec, secondary) is not None:
            return Store(rec, "backup")  # an AWS Backup plan copies it to the secondary region
        return store

    def _replication(self, rec, secondary: str | None) -> Store | None:
        w = self.world
        if rec.kind == "aurora":
            c = w.aurora.by_id.get(rec.id)
            if c is None or c.is_secondary:
                return None
            sec = next((s for s in c.secondaries if s.region == secondary), None)
            return Store(rec, "aurora_global", sec, sec.lag) if sec is not None else Store(rec, "backup")
        if rec.kind == "rds":
            db = w.rds.by_id.get(rec.id)
            if db is None or db.is_replica:
                return None
            replica = next((r for r in db.replicas if r.region == secondary), None)
            return Store(rec, "rds_replica", replica, replica.lag) if replica is not None else Store(rec, "backup")
        if rec.kind == "dynamodb_table":
            if secondary in (rec.attrs.get("replicas") or []):
                return Store(rec, "dynamodb_global", None,
                             self.sim.draw(f"dynamodb-lag/{rec.id}", figures.DYNAMODB_GLOBAL_LAG_SECONDS))
            return Store(rec, "backup" if rec.attrs.get("point_in_time_recovery") else "none")
        if rec.kind == "s3_bucket":
            for rule in rec.attrs.get("replication") or []:
                dest = w.records.get(rule.get("destination") or "")
                if dest is not None and dest.region == secondary:
                    return Store(rec, "s3_replication", dest,
                                 self.sim.draw(f"s3-lag/{rec.id}", figures.S3_REPLICATION_LAG_SECONDS))
            return Store(rec, "none")
        if rec.kind == "efs":
            return Store(rec, "backup" if rec.attrs.get("backup") else "none")
        if rec.kind == "fsx_file_system":  # its daily backups stay in its region: only a copy is restorable
            return Store(rec, "none")
        if rec.kind == "redshift_cluster":  # its own loop restores it from the snapshot copied there
            c = w.redshift.by_id.get(rec.id)
            return Store(rec, "redshift_snapshot_copy" if c is not None and c.copy_region == secondary else "none")
        return None

    def start(self):
        if self.plans:
            self.sim.at(round(self.sim.rng("dr-alarm").uniform(0, figures.ALARM_PERIOD_SECONDS), 1), self._alarm)

    def services(self) -> Iterable[Service]:
        for plan in self.plans:
            sites = 1.0 + (1.0 if plan.secondary_lbs else 0.0)
            yield Service(plan.address, "dr_plan", None, "requests served with writable data (the plan's service)",
                          "sites serving", sites, lambda p=plan: (self.served(p), self._sites(p)))

    # --- what the plan serves ---------------------------------------------------------------------------

    def _site(self, lbs: list) -> float:
        if not lbs:
            return 0.0
        return sum(self.world.elb.served(lb) for lb in lbs) / len(lbs)

    def _sites(self, plan: Plan) -> float:
        primary = self._site(plan.primary_lbs) if plan.primary_lbs else (1.0 if self.world.region_up(plan.primary) else 0.0)
        secondary = 1.0 if plan.provisioned else self._site(plan.secondary_lbs)
        return float((primary >= 0.99) + (secondary >= 0.99))

    def front(self, plan: Plan) -> float:
        r53 = self.world.route53
        if plan.sets:
            front = sum(r53.served(rs) for rs in plan.sets) / len(plan.sets)
        elif plan.primary_lbs:
            front = self._site(plan.primary_lbs)
        else:
            front = 1.0 if self.world.region_up(plan.primary) else 0.0
        if plan.switched:
            front = max(front, 1.0 if plan.provisioned else self._site(plan.secondary_lbs))
        return front

    def writable(self, store: Store, plan: Plan) -> bool:
        w = self.world
        rec = store.rec
        if store.restored:
            return True
        if rec.kind == "aurora":
            c = w.aurora.by_id[rec.id]
            return w.aurora.writable(c) or (store.copy is not None and w.aurora.writable(store.copy))
        if rec.kind == "rds":
            db = w.rds.by_id[rec.id]
            return w.rds.serves(db) or (store.copy is not None and w.rds.serves(store.copy))
        if rec.kind == "dynamodb_table":
            return w.storage.available(rec.id, rec.region) or (
                store.how == "dynamodb_global" and w.storage.available(rec.id, plan.secondary))
        if rec.kind == "s3_bucket":
            return w.storage.available(rec.id) or (store.copy is not None and w.storage.available(store.copy.id))
        if rec.kind == "redshift_cluster":
            return w.redshift.serves(w.redshift.by_id[rec.id])
        if rec.kind == "fsx_file_system":
            return w.fsx.serves(w.fsx.by_id[rec.id])
        return w.storage.available(rec.id)

    def served(self, plan: Plan) -> float:
        if not all(self.writable(s, plan) for s in plan.stores):
            return 0.0
        return self.front(plan)

    # --- the runbook -------------------------------------------------------------------------------------

    def _alarm(self) -> None:
        self.sim.after(figures.ALARM_PERIOD_SECONDS, self._alarm)
        for plan in self.plans:
            if plan.runbook != "idle":
                continue
            if plan.primary_lbs:
                bad = self._site(plan.primary_lbs) < 0.5
            else:
                bad = not all(self.writable(s, plan) for s in plan.stores if s.rec.region == plan.primary) \
                    or not self.world.region_up(plan.primary)
            plan.bad = plan.bad + 1 if bad else 0
            if plan.bad == 1:
                plan.bad_since = self.sim.now
            if plan.bad >= figures.ALARM_PERIODS:
                self._run(plan)

    def _run(self, plan: Plan) -> None:
        w = self.world
        plan.runbook = "running"
        plan.started_at = self.sim.now
        self.sim.log("dr.runbook_started", plan.address, f"{plan.strategy}: the primary region {plan.primary} has "
                     f"failed its alarm {figures.ALARM_PERIODS} minutes in a row; recovering in {plan.secondary}",
                     strategy=plan.strategy, source=plan.primary, target=plan.secondary)
        ready = 0.0
        for store in plan.stores:
            rec = store.rec
            if store.how == "aurora_global":
                w.aurora.promote(store.copy, f"DR plan {plan.address}")
            elif store.how == "rds_replica":
                w.rds.promote(store.copy, f"DR plan {plan.address}")
                ready = max(ready, figures.RDS_REPLICA_PROMOTION_SECONDS)
            elif store.how in ("dynamodb_global", "s3_replication"):
                w.ledger.lost(self.sim.now, rec.address, f"writes not yet replicated to {plan.secondary} "
                              "(asynchronous replication)", seconds=store.lag)
            elif store.how == "backup":
                self.sim.after(figures.RESTORE_SECONDS, self._restored, plan, store)
                ready = max(ready, figures.RESTORE_SECONDS)
        if plan.strategy == "backup_restore" or not plan.secondary_lbs:
            self.sim.log("dr.provisioning", plan.address, f"recreating the front and compute in {plan.secondary} "
                         f"from templates ({units.span(figures.PROVISION_SECONDS)}; notes §25.2)")
            self.sim.after(figures.PROVISION_SECONDS, self._provisioned, plan)
            ready = max(ready, figures.PROVISION_SECONDS)
        if plan.strategy in ("pilot_light", "warm_standby", "multi_site"):
            for group, counterpart in plan.asgs:
                target = counterpart.desired if counterpart is not None else group.max
                if target > group.desired:
                    w.asg.set_desired(group, target, f"DR plan {plan.address}: {plan.strategy} scales the "
                                                     f"secondary to the primary's size")
        automatic = any(r.check is not None or r.evaluate for rs in plan.sets for r in rs.records
                        if rs.policy in ("failover", "weighted", "latency"))
        if not automatic or plan.strategy == "backup_restore":
            self.sim.after(ready + figures.DNS_CHANGE_SECONDS, self._switch, plan)
        else:
            plan.runbook = "done"

    def _restored(self, plan: Plan, store: Store) -> None:
        store.restored = True
        w = self.world
        # the last daily backup ran `backup_phase` seconds before the run began; the writes from then
        # to the failure are not in it
        failed = plan.bad_since if plan.bad_since is not None else self.sim.now
        cover = w.backup.covering(store.rec, plan.secondary)
        if cover is not None:  # an AWS Backup plan's schedule: its interval is the RPO (notes §25.5)
            phase = self.world.backup_phase / figures.BACKUP_INTERVAL_SECONDS * cover.interval
            lost = round((phase + failed) % cover.interval, 1)
            what = (f"writes since the last backup of backup plan {cover.plan.address} (rule {cover.rule}, every "
                    f"{units.span(cover.interval)}) copied to {plan.secondary}")
        else:
            lost = round(self.world.backup_phase + failed, 1)
            what = f"writes since the last daily backup copied to {plan.secondary} (notes §7.3.1)"
        w.ledger.lost(self.sim.now, store.rec.address, what, seconds=max(0.0, lost))
        w.ledger.failed_over(self.sim.now, store.rec.address, "restored from backup", plan.primary, plan.secondary)
        source = f"the latest copy of backup plan {cover.plan.address}" if cover is not None else "the daily backup"
        self.sim.log("dr.restored", store.rec.address, f"restored in {plan.secondary} from {source} "
                     f"({units.span(figures.RESTORE_SECONDS)})", source=plan.primary, target=plan.secondary)
        w.dirty = True

    def _provisioned(self, plan: Plan) -> None:
        plan.provisioned = True
        self.world.dirty = True
        self.sim.log("dr.provisioned", plan.address, f"front and compute running in {plan.secondary}",
                     target=plan.secondary)

    def _switch(self, plan: Plan) -> None:
        plan.switched = True
        plan.runbook = "done"
        self.world.dirty = True
        self.world.ledger.failed_over(self.sim.now, plan.address, "dns (runbook)", plan.primary, plan.secondary)
        self.sim.log("dr.dns_switched", plan.address, f"DNS points at {plan.secondary}", source=plan.primary,
                     target=plan.secondary)
