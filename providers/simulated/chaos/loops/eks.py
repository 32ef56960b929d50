"""Amazon EKS during a run (notes §15.4):

- Managed node groups are Auto Scaling groups underneath: the `asg` loop runs them (status
  checks, replacing lost nodes in the surviving AZs, rebalancing when an AZ returns, spot
  notices with capacity rebalancing, which EKS turns on for spot node groups). This module only
  tells it how to read a node group as a group.
- The control plane: AWS runs it over the region's AZs; its API endpoint reaches the cluster
  through network interfaces in the cluster's subnets, so it answers while one of their AZs is
  up (and its region).
- Fargate pods (a profile's owned `fargate_pod` records) each run in one AZ, on that AZ's
  Fargate capacity (`FARGATE_VCPUS_PER_AZ`). When the AZ goes, its pods stop; Kubernetes marks
  their nodes NotReady (`EKS_NODE_NOT_READY_SECONDS`), evicts the pods once their toleration
  runs out (`EKS_POD_EVICTION_SECONDS`) and the replacements start on Fargate in the profile's
  other AZs (`FARGATE_POD_START_SECONDS`), the AZ with the fewest first, as capacity allows;
  what does not fit waits and is tried again a minute later.
- A fault on a resource: the control plane stops answering (nodes and pods keep running); a
  node group's nodes (or one, `primary.nodes/i-…`) are impaired and replaced; a profile's pods
  (or one) stop and are evicted as above.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..world import Loop
from .asg import UNDERNEATH

RETRY_SECONDS = 60.0


def node_group_as_group(rec) -> dict:
    """A managed node group, read as the Auto Scaling group EKS makes for it."""
    a = rec.attrs
    types = a.get("instance_types") or ["t3.medium"]
    spot = a.get("capacity_type") == "spot"
    low = a.get("min") if a.get("min") is not None else 1
    return {"subnets": a.get("subnets") or [], "min": low, "max": a.get("max") if a.get("max") is not None else 2,
            "desired": a.get("desired") if a.get("desired") is not None else low,
            "launch": {"instance_type": types[0], "purchase": "spot" if spot else None},
            "capacity_rebalance": spot}


UNDERNEATH["eks_node_group"] = node_group_as_group


class Pod:
    __slots__ = ("id", "az", "cpu", "state")

    def __init__(self, id, az, cpu):
        self.id, self.az, self.cpu, self.state = id, az, cpu, "running"


class Profile:
    def __init__(self, rec, zones: list[str], pods: list[Pod]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.zones = zones
        self.pods = pods
        self.wanted = len(pods)
        self.cpu = float(rec.attrs.get("pod_cpu") or 0.25)
        self.waiting = 0  # evicted pods not yet placed
        self.retrying = False
        self.last_pending = 0  # the pending count last reported (the same again a minute later is not news)
        self.evicting: dict[float, list[Pod]] = {}  # due time → pods lost together (a region's AZs at once)

    def running(self) -> int:
        return sum(1 for p in self.pods if p.state == "running")


class Cluster:
    def __init__(self, rec, zones: list[str]):
        self.id, self.address, self.region, self.zones = rec.id, rec.address, rec.region, zones
        self.up = len(zones)  # AZs of its subnets up, as last reported
        self.broken = 0  # faults on the control plane itself


@provides("failures", "eks_cluster", "eks_node_group", "eks_fargate_profile")
class Eks(Loop):
    name = "eks"

    def __init__(self, world):
        super().__init__(world)
        self.clusters: list[Cluster] = []
        self.profiles: list[Profile] = []
        self.by_id: dict[str, Cluster | Profile] = {}
        self.used: Counter = Counter()  # vCPUs of Fargate pods per AZ
        self.seq = 0

    def _zones(self, subnet_ids) -> list[str]:
        zones = {self.world.records[s].attrs.get("az") for s in subnet_ids or [] if s in self.world.records}
        return sorted(z for z in zones if z)

    def load(self):
        w = self.world
        for rec in w.of_kind("eks_cluster"):
            self.clusters.append(Cluster(rec, self._zones(rec.attrs.get("subnets"))))
            self.by_id[rec.id] = self.clusters[-1]
        for rec in w.of_kind("eks_fargate_profile"):
            cpu = float(rec.attrs.get("pod_cpu") or 0.25)
            pods = [Pod(p.id, p.az, cpu) for p in w.owned_of(rec.id, "fargate_pod")]
            self.profiles.append(Profile(rec, self._zones(rec.attrs.get("subnets")), pods))
            self.by_id[rec.id] = self.profiles[-1]
            for p in pods:
                self.used[p.az] += cpu

    def services(self) -> Iterable[Service]:
        for c in self.clusters:
            yield Service(c.address, "eks_cluster", c.region, "Kubernetes API answered", "AZs of its subnets",
                          float(len(c.zones)), lambda c=c: self._api(c))
        for p in self.profiles:
            yield Service(p.address, "eks_fargate_profile", p.region, "pods running", "pods", float(p.wanted),
                          lambda p=p: ((p.running() / p.wanted) if p.wanted else 1.0, float(p.running())))

    def _api(self, c: Cluster) -> tuple[float, float]:
        up = sum(1 for z in c.zones if self.world.zone_up(z))
        return (1.0 if up and not c.broken and self.world.region_up(c.region) else 0.0), float(up)

    # --- faults on a resource: the control plane, a node group's nodes, a profile's pods --------------

    def parts(self, rec) -> list[str]:
        if rec.kind == "eks_node_group" and rec.id in self.world.asg.by_id:
            return sorted(self.world.asg.by_id[rec.id].members)
        if rec.kind == "eks_fargate_profile" and rec.id in self.by_id:
            return [pod.id for pod in self.by_id[rec.id].pods]
        return []

    def fail_part(self, rec, part, up) -> bool:
        if rec.kind == "eks_node_group":
            group = self.world.asg.by_id.get(rec.id)
            nodes = [i for i in group.members.values() if part is None or i.id == part] if group else []
            self.world.ec2.break_instances(nodes, up, f"a fault on {rec.address}")
            return True
        target = self.by_id.get(rec.id)
        if isinstance(target, Cluster):
            target.broken += -1 if up else 1
            self.world.dirty = True
            self.sim.log("eks.control_plane", target.address, "the control plane is " +
                         ("back: the API endpoint answers" if up and not target.broken else
                          "down (a fault): the API endpoint does not answer; nodes and pods keep running"))
            return True
        if isinstance(target, Profile):
            if not up:
                self._lose(target, [pod for pod in target.pods if (part is None or pod.id == part)
                                    and pod.state in ("running", "pending")], "stopped by a fault")
            return True
        return False

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for c in self.clusters:
            up_now = sum(1 for z in c.zones if self.world.zone_up(z))
            if az in c.zones and up_now != c.up:  # a region's AZs flip together: one event, not three
                where = f"its region {c.region}" if abs(up_now - c.up) > 1 else f"its AZ {az}"
                c.up = up_now
                detail = (f"the API endpoint answers through {up_now} of its {len(c.zones)} AZs" if up_now else
                          "no AZ of its subnets is up: the API endpoint does not answer")
                self.sim.log("eks.control_plane", c.address, f"{where} is {'back' if up else 'down'}: {detail}")
        if up:
            return
        for p in self.profiles:
            self._lose(p, [pod for pod in p.pods if pod.az == az and pod.state in ("running", "pending")],
                       f"in {az} stopped with the AZ")

    def _lose(self, p: Profile, lost: list[Pod], why: str) -> None:
        """Pods whose Fargate nodes stopped: Kubernetes evicts them once their toleration runs out."""
        if not lost:
            return
        for pod in lost:
            pod.state = "lost"
            self.used[pod.az] -= pod.cpu
        self.world.dirty = True
        wait = figures.EKS_NODE_NOT_READY_SECONDS + figures.EKS_POD_EVICTION_SECONDS
        self.sim.log("eks.pods_lost", p.address, f"{len(lost)} Fargate pod{'s' if len(lost) != 1 else ''} {why}; "
                     f"Kubernetes evicts them after {units.span(wait)}", len(lost),
                     azs=sorted({pod.az for pod in lost}))
        due = self.sim.now + wait
        if due not in p.evicting:
            p.evicting[due] = []
            self.sim.at(due, self._evict, p, due)
        p.evicting[due].extend(lost)

    def _evict(self, p: Profile, due: float) -> None:
        gone = [pod for pod in p.evicting.pop(due, []) if pod.state == "lost"]
        for pod in gone:
            p.pods.remove(pod)
        p.waiting += len(gone)
        if gone:
            self.sim.log("eks.pods_evicted", p.address, f"{len(gone)} pod{'s' if len(gone) != 1 else ''} evicted "
                         "from their NotReady Fargate nodes; the replacements are scheduled on Fargate", len(gone))
        self._schedule(p)

    def _retry(self, p: Profile) -> None:
        p.retrying = False
        self._schedule(p)

    def _schedule(self, p: Profile) -> None:
        """Place the waiting pods on the Fargate capacity of the profile's AZs that are up; what
        does not fit waits, tried again a minute later (one retry pending at a time)."""
        placed: list[Pod] = []
        counts = Counter(pod.az for pod in p.pods if pod.state != "lost")
        while p.waiting:
            usable = [z for z in p.zones if self.world.can_launch(z)
                      and self.used[z] + p.cpu <= figures.FARGATE_VCPUS_PER_AZ + 1e-9]
            if not usable:
                break
            az = min(usable, key=lambda z: (counts[z], z))
            self.seq += 1
            pod = Pod(f"{p.id}/pod-{self.seq}", az, p.cpu)
            pod.state = "pending"
            p.pods.append(pod)
            self.used[az] += p.cpu
            counts[az] += 1
            p.waiting -= 1
            placed.append(pod)
            took = self.sim.draw(f"fargate-start/{pod.id}", figures.FARGATE_POD_START_SECONDS)
            self.sim.after(took, self._started, p, pod)
        if placed:
            zones = sorted({pod.az for pod in placed})
            self.sim.log("eks.pods_scheduled", p.address, f"starting {len(placed)} pod{'s' if len(placed) != 1 else ''} "
                         f"on Fargate in {', '.join(zones)}", len(placed), azs=zones)
        if p.waiting and p.waiting != p.last_pending:
            why = ("no Fargate capacity left in the profile's AZs that are up" if any(self.world.can_launch(z)
                                                                                    for z in p.zones)
                   else "none of the profile's AZs is up")
            self.sim.log("eks.pods_pending", p.address, f"{p.waiting} pod{'s' if p.waiting != 1 else ''} pending: "
                         f"{why}; trying again every {RETRY_SECONDS:.0f}s", p.waiting)
        p.last_pending = p.waiting
        if p.waiting and not p.retrying:
            p.retrying = True
            self.sim.after(RETRY_SECONDS, self._retry, p)

    def _started(self, p: Profile, pod: Pod) -> None:
        if pod.state != "pending":  # its AZ went down while it started: lost, and evicted in turn
            return
        pod.state = "running"
        self.world.dirty = True
        if p.running() == p.wanted:
            self.sim.log("eks.pods_running", p.address, f"all {p.wanted} pods running again", p.wanted)
