"""EMR clusters during a run (notes §19.4). The cluster's instances are EC2 instances (the
`ec2` loop runs them on their hosts in the subnet's one AZ); this loop watches them by role:

- task nodes run tasks and hold no data: losing them (a spot interruption after its
  two-minute notice, a host) takes their share of the cluster's capacity; YARN re-runs their
  containers on the other nodes and the cluster keeps running. The instance group asks for
  replacements (`EMR_REPLACE_SECONDS`, then they boot).
- core nodes also hold HDFS: core nodes terminated (spot) lose the blocks whose every replica
  was on them — with HDFS's dfs.replication r (`EMR_HDFS_REPLICATION`) and k of n core nodes
  gone at once, a share C(k, r) / C(n, r) of the blocks; the ledger records it.
- the master (or, with three masters, a majority of them) lost ends the cluster: EMR terminates
  it with errors, with its HDFS; what it wrote to S3 (EMRFS) survives. An EMR cluster lives in
  one AZ, so losing that AZ loses the cluster, which does not come back when the AZ does.

The service measures the share of the cluster's worker capacity (core and task nodes) that runs
steps; 0 once the cluster is terminated.
"""

from __future__ import annotations

from math import comb
from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..physical import NoCapacity
from ..world import Loop

RUNNING, TERMINATED = "running", "terminated"


def replication(core_nodes: int) -> int:
    for below, r in figures.EMR_HDFS_REPLICATION:
        if core_nodes < below:
            return r
    return 3


class Cluster:
    def __init__(self, rec, members: dict[str, str]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.roles = members  # instance id -> master | core | task
        self.nominal = {r: sum(1 for x in members.values() if x == r) for r in ("master", "core", "task")}
        self.r = replication(self.nominal["core"])
        self.state = RUNNING
        self.az = None


@provides("failures", "emr_cluster")
class Emr(Loop):
    name = "emr"

    def __init__(self, world):
        super().__init__(world)
        self.clusters: list[Cluster] = []
        self.by_id: dict[str, Cluster] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("emr_cluster"):
            # owned instances are loaded without their attributes (world.py): the record's role
            # (`emr-core`) says the group, the cluster's groups say the market
            owned = w.owned_of(rec.id, "instance")
            members = {m.id: (m.role or "emr-core").removeprefix("emr-") for m in owned}
            for iid, role in members.items():
                inst = w.ec2.instances.get(iid)
                if inst is not None:
                    inst.spot = (rec.attrs.get(role) or {}).get("market") == "spot"
            c = Cluster(rec, members)
            c.az = next((m.az for m in owned), None)
            self.clusters.append(c)
            self.by_id[c.id] = c

    def start(self):
        self.world.ec2.watch(self._instances_changed)

    def services(self) -> Iterable[Service]:
        for c in self.clusters:
            workers = float(c.nominal["core"] + c.nominal["task"])
            yield Service(c.address, "emr_cluster", c.region, "steps run (worker capacity)", "core and task nodes",
                          workers, lambda c=c: self._sample(c))

    # --- state ---------------------------------------------------------------------------------------

    def _live(self, c: Cluster, role: str) -> int:
        ec2 = self.world.ec2.instances
        return sum(1 for iid, r in c.roles.items() if r == role and iid in ec2 and ec2[iid].alive)

    def _sample(self, c: Cluster) -> tuple[float, float]:
        if c.state == TERMINATED:
            return 0.0, 0.0
        nominal = c.nominal["core"] + c.nominal["task"]
        live = self._live(c, "core") + self._live(c, "task")
        return (live / nominal if nominal else 1.0), float(live)

    def _masters_ok(self, c: Cluster) -> bool:
        need = 1 if c.nominal["master"] < 3 else 2  # three masters keep a quorum with one lost
        return self._live(c, "master") >= need

    # --- faults ----------------------------------------------------------------------------------------

    def _instances_changed(self, batch) -> None:
        for c in self.clusters:
            if c.state == TERMINATED:
                continue
            mine = [i for i in batch if i.id in c.roles]
            if not mine:
                continue
            down = [i for i in mine if not i.alive]
            gone = [i for i in down if i.state == TERMINATED]
            self.world.dirty = True
            if not self._masters_ok(c):
                self._terminate(c, self._why(down))
                continue
            for role in ("core", "task"):
                lost = [i for i in down if c.roles[i.id] == role]
                if lost:
                    self._workers_lost(c, role, lost, [i for i in gone if c.roles[i.id] == role])
            back = [i for i in mine if i.alive]
            if back:
                self.sim.log("emr.nodes_running", c.address, f"{len(back)} node{'s' if len(back) != 1 else ''} "
                             f"running again: {self._live(c, 'core')} core and {self._live(c, 'task')} task nodes "
                             "take work", len(back))

    @staticmethod
    def _why(down) -> str:
        if any(i.notice for i in down):
            return "a spot interruption"
        return "its AZ or hardware lost power" if any(i.state != TERMINATED for i in down) else "termination"

    def _workers_lost(self, c: Cluster, role: str, lost, terminated) -> None:
        why = self._why(lost)
        plural = "s" if len(lost) != 1 else ""
        if role == "task":
            self.sim.log("emr.task_nodes_lost", c.address, f"{len(lost)} task node{plural} lost ({why}); the cluster "
                         f"keeps running on {self._live(c, 'core')} core and {self._live(c, 'task')} task nodes: "
                         "YARN re-runs their containers, and task nodes hold no HDFS data", len(lost))
        else:
            self.sim.log("emr.core_nodes_lost", c.address, f"{len(lost)} core node{plural} lost ({why}); the "
                         f"cluster keeps running on {self._live(c, 'core')} core nodes", len(lost))
            if terminated:
                before = len(terminated) + self._live(c, "core")
                share = comb(len(terminated), c.r) / comb(before, c.r) if before >= c.r else 1.0
                if share > 0:
                    self.world.ledger.lost(self.sim.now, c.address,
                                           f"HDFS blocks whose every replica was on the {len(terminated)} terminated "
                                           f"core node{'s' if len(terminated) != 1 else ''} (dfs.replication = {c.r})",
                                           fraction=round(share, 6))
        for inst in terminated:
            self.sim.after(self.sim.draw(f"emr-replace/{inst.id}", figures.EMR_REPLACE_SECONDS),
                           self._replace, c, inst)

    def _replace(self, c: Cluster, old) -> None:
        """The instance group brings its count back: a new instance of the same type and market
        in the cluster's subnet."""
        if c.state == TERMINATED:
            return
        role = c.roles[old.id]
        try:
            new = self.world.ec2.launch(c.address, c.id, c.region, old.az, old.subnet, old.itype, spot=old.spot)
        except NoCapacity as e:
            self.sim.log("emr.replacement_failed", c.address, f"the {role} group cannot replace {old.id}: {e}")
            return
        c.roles[new.id] = role
        self.sim.log("emr.node_replaced", c.address, f"the {role} instance group launched {new.id} in {old.az} to "
                     f"replace {old.id}")

    def _terminate(self, c: Cluster, why: str) -> None:
        c.state = TERMINATED
        self.world.dirty = True
        self.sim.log("emr.cluster_terminated", c.address, f"the master node is lost ({why}): EMR terminates the "
                     f"cluster (TERMINATED_WITH_ERRORS) with its HDFS data; an EMR cluster runs in one AZ "
                     f"({c.az}) and does not come back with it. Data written to S3 (EMRFS) survives")
        self.world.ledger.lost(self.sim.now, c.address, "the cluster and its HDFS data (the master node was lost)",
                               fraction=1.0)
        ec2 = self.world.ec2
        ec2.terminate([ec2.instances[i] for i in c.roles if i in ec2.instances], "EMR terminated the cluster")

    def parts(self, rec) -> list[str]:
        return ["master", "core", "task"] if rec.id in self.by_id else []

    def fail_part(self, rec, part, up) -> bool:
        c = self.by_id.get(rec.id)
        if c is None:
            return False
        role = part or "master"
        ec2 = self.world.ec2
        targets = [ec2.instances[i] for i, r in c.roles.items() if r == role and i in ec2.instances]
        if c.state != TERMINATED:
            ec2.break_instances(targets, up, f"a fault on {rec.address}/{role}")
        return True
