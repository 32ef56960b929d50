"""App Runner services during a run (notes §15.5): App Runner runs a service's instances (its
owned `apprunner_instance` records) over the region's AZs and keeps `min_size` of them.

- An instance in a failed AZ stops. App Runner's health check finds it after
  `unhealthy_threshold` checks `interval` apart (5 × 5 s by default) and starts a replacement in
  an AZ that is up, the one with the fewest instances first (`APPRUNNER_START_SECONDS`).
- The service answers while an instance runs and its region is up; with a VPC connector, its
  requests that reach into the VPC need one of the connector's AZs up too (its network
  interfaces are there), so it answers while one is.
- A fault on the service stops its instances (or one, `primary.api/ID`), replaced as above.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from archform.stdlib.facets import provides
from archform.stdlib.regions import REGIONS

from .. import figures, units
from ..measure import Service
from ..world import Loop


class Node:
    __slots__ = ("id", "az", "state")

    def __init__(self, id, az, state="running"):
        self.id, self.az, self.state = id, az, state


class Runner:
    def __init__(self, rec, nodes: list[Node], connector_zones: list[str], zones: list[str]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.nodes = nodes
        self.wanted = len(nodes)
        self.connector_zones = connector_zones
        self.zones = zones
        hc = rec.attrs.get("health_check") or {}
        self.detect = (units.seconds(hc.get("interval"), 5.0) * int(hc.get("unhealthy_threshold") or 5))
        self.retrying = False  # a replacement waits for an AZ that is up (one retry pending at a time)

    def running(self) -> int:
        return sum(1 for n in self.nodes if n.state == "running")


@provides("failures", "apprunner_service")
class AppRunner(Loop):
    name = "apprunner"

    def __init__(self, world):
        super().__init__(world)
        self.runners: list[Runner] = []
        self.by_id: dict[str, Runner] = {}
        self.seq = 0

    def load(self):
        w = self.world
        for rec in w.of_kind("apprunner_service"):
            nodes = [Node(m.id, m.az) for m in w.owned_of(rec.id, "apprunner_instance")]
            connector = rec.attrs.get("vpc_connector") or {}
            zones = {w.records[s].attrs.get("az") for s in connector.get("subnets") or [] if s in w.records}
            region_zones = list(REGIONS[rec.region].zones) if rec.region in REGIONS else sorted({n.az for n in nodes})
            self.runners.append(Runner(rec, nodes, sorted(z for z in zones if z), region_zones))
            self.by_id[rec.id] = self.runners[-1]

    def services(self) -> Iterable[Service]:
        for s in self.runners:
            yield Service(s.address, "apprunner_service", s.region, "requests answered", "instances",
                          float(s.wanted), lambda s=s: (1.0 if self.answering(s) else 0.0, float(s.running())))

    def answering(self, s: Runner) -> bool:
        if not s.running() or not self.world.region_up(s.region):
            return False
        return not s.connector_zones or any(self.world.zone_up(z) for z in s.connector_zones)

    def parts(self, rec) -> list[str]:
        s = self.by_id.get(rec.id)
        return [n.id for n in s.nodes] if s is not None else []

    def fail_part(self, rec, part, up) -> bool:
        s = self.by_id.get(rec.id)
        if s is None:
            return False
        if not up:
            self._lose(s, [n for n in s.nodes if (part is None or n.id == part) and n.state in ("running", "starting")],
                       "stopped by a fault")
        return True

    def zone_changed(self, az: str, up: bool):
        for s in self.runners:
            if az in s.connector_zones:
                self.world.dirty = True
            if up:
                continue
            self._lose(s, [n for n in s.nodes if n.az == az and n.state in ("running", "starting")],
                       f"in {az} stopped with the AZ")

    def _lose(self, s: Runner, lost: list[Node], why: str) -> None:
        """Instances that stopped: App Runner's health check finds them, then replaces them."""
        if not lost:
            return
        for n in lost:
            n.state = "stopped"
        self.world.dirty = True
        self.sim.log("apprunner.instances_lost", s.address, f"{len(lost)} instance{'s' if len(lost) != 1 else ''} "
                     f"{why}; App Runner's health check finds {'it' if len(lost) == 1 else 'them'} in "
                     f"{units.span(s.detect)}", len(lost), azs=sorted({n.az for n in lost}))
        self.sim.after(s.detect, self._replace, s)

    def _retry(self, s: Runner) -> None:
        s.retrying = False
        self._replace(s)

    def _replace(self, s: Runner) -> None:
        gone = [n for n in s.nodes if n.state == "stopped"]
        for n in gone:
            s.nodes.remove(n)
        missing = s.wanted - len(s.nodes)
        usable = [z for z in s.zones if self.world.can_launch(z)]
        if missing <= 0 or not usable:
            if missing > 0 and not s.retrying:
                s.retrying = True
                self.sim.after(60.0, self._retry, s)
            return
        counts = Counter(n.az for n in s.nodes)
        started = []
        for _ in range(missing):
            az = min(usable, key=lambda z: (counts[z], z))
            self.seq += 1
            node = Node(f"{s.id}/replacement-{self.seq}", az, "starting")
            s.nodes.append(node)
            counts[az] += 1
            started.append(node)
            took = self.sim.draw(f"apprunner-start/{node.id}", figures.APPRUNNER_START_SECONDS)
            self.sim.after(took, self._started, s, node)
        zones = sorted({n.az for n in started})
        self.sim.log("apprunner.replace", s.address, f"starting {len(started)} instance{'s' if len(started) != 1 else ''}"
                     f" in {', '.join(zones)} for those lost with their AZ", len(started), azs=zones)

    def _started(self, s: Runner, node: Node) -> None:
        if node.state != "starting":
            return
        node.state = "running"
        self.world.dirty = True
        if s.running() == s.wanted:
            self.sim.log("apprunner.available", s.address, f"all {s.wanted} instances running again", s.wanted)
