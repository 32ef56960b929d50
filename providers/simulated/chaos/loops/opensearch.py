"""OpenSearch domains during a run (notes §19.3; the domain's nodes are owned `opensearch_node`
records, each in one AZ: `data`, `standby` (Multi-AZ with standby) and dedicated `master`s).

- Without zone awareness every data node is in one AZ: the domain is lost with it (red), and
  serves again `RESTART_AFTER_ZONE_SECONDS` after the AZ returns.
- Zone-aware, without standby: the nodes of the surviving AZs keep serving searches; primary
  shards on the lost nodes are replaced by their replicas and the replicas re-created, so the
  domain is yellow (`OPENSEARCH_RECOVERY_SECONDS`) on fewer nodes, then green.
- Multi-AZ with standby: the standby zone's nodes are promoted when an active zone goes, with
  no loss of availability (the domain stays green).
- Dedicated masters: the domain needs a majority of them; losing that (two of three masters
  placed in one AZ of a two-AZ domain) stops it (red) until they return.

The service measures whether the domain answers searches; its capacity is the data nodes up.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop

GREEN, YELLOW, RED = "green", "yellow", "red"


class Node:
    __slots__ = ("name", "role", "az", "broken")

    def __init__(self, name, role, az):
        self.name, self.role, self.az, self.broken = name, role, az, 0


class Domain:
    def __init__(self, rec, nodes: list[Node]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.zones = rec.attrs.get("zones") or 1
        self.nodes = nodes
        self.health = GREEN

    def of(self, *roles: str) -> list[Node]:
        return [n for n in self.nodes if n.role in roles]


@provides("failures", "opensearch_domain")
class OpenSearch(Loop):
    name = "opensearch"

    def __init__(self, world):
        super().__init__(world)
        self.domains: list[Domain] = []
        self.by_id: dict[str, Domain] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("opensearch_domain"):
            nodes = [Node(n.attrs.get("name") or n.id, n.role, n.az) for n in w.owned_of(rec.id, "opensearch_node")]
            d = Domain(rec, nodes)
            self.domains.append(d)
            self.by_id[d.id] = d

    def services(self) -> Iterable[Service]:
        for d in self.domains:
            yield Service(d.address, "opensearch_domain", d.region, "searches answered", "data nodes",
                          float(len(d.of("data"))), lambda d=d: self._value(d))

    def _up(self, n: Node) -> bool:
        return not n.broken and self.world.zone_up(n.az)

    def _value(self, d: Domain) -> tuple[float, float]:
        up = float(sum(1 for n in d.of("data") if self._up(n)))
        return (0.0 if d.health == RED else 1.0), up

    def _quorum(self, d: Domain) -> bool:
        masters = d.of("master")
        return not masters or 2 * sum(1 for m in masters if self._up(m)) > len(masters)

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for d in self.domains:
            if any(n.az == az for n in d.nodes):
                self._review(d, f"its AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        d = self.by_id.get(rec.id)
        return [n.name for n in d.nodes] if d is not None else []

    def fail_part(self, rec, part, up) -> bool:
        d = self.by_id.get(rec.id)
        if d is None:
            return False
        targets = [n for n in d.nodes if n.name == part] if part else d.nodes
        for n in targets:
            n.broken += -1 if up else 1
        self._review(d, "a fault on the domain" if not up else "the fault ended")
        return True

    def _review(self, d: Domain, why: str) -> None:
        self.world.dirty = True
        self._promote_standby(d, why)
        data_up = [n for n in d.of("data") if self._up(n)]
        lost = [n for n in d.of("data") if not self._up(n)]
        if not data_up or not self._quorum(d):
            if d.health != RED:
                d.health = RED
                reason = ("no majority of its dedicated masters is up" if data_up else
                          "every data node is down" + (": without zone awareness they share one AZ"
                                                       if d.zones == 1 else ""))
                self.sim.log("opensearch.red", d.address, f"red: {reason} ({why}); searches fail")
            return
        if d.health == RED:
            self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._recovered, d, "its nodes are back")
            return
        if lost and d.health == GREEN:
            d.health = YELLOW
            took = self.sim.draw(f"opensearch-recovery/{d.id}", figures.OPENSEARCH_RECOVERY_SECONDS)
            self.sim.log("opensearch.yellow", d.address, f"yellow: {len(lost)} of {len(d.of('data'))} data nodes are "
                         f"down ({why}); replicas take over their primary shards and are re-created on the "
                         f"{len(data_up)} left, which keep answering searches")
            self.sim.after(took, self._recovered, d, f"replica shards re-created on the surviving nodes after "
                           f"{took:.0f}s")

    def _promote_standby(self, d: Domain, why: str) -> None:
        """Multi-AZ with standby: the standby zone's nodes replace an active zone's that are down."""
        down = [n for n in d.of("data") if not self._up(n)]
        standby = [n for n in d.of("standby") if self._up(n)]
        if not down or not standby:
            return
        zones = sorted({n.az for n in down})
        for old, new in zip(down, standby):
            old.role, new.role = "standby", "data"
        self.sim.log("opensearch.standby_promoted", d.address, f"the standby nodes in {standby[0].az} take over from "
                     f"{', '.join(zones)} ({why}), with no loss of availability", source=zones[0],
                     target=standby[0].az)
        self.world.ledger.failed_over(self.sim.now, d.address, "standby zone", zones[0], standby[0].az)

    def _recovered(self, d: Domain, how: str) -> None:
        if d.health == GREEN or not self._quorum(d) or not any(self._up(n) for n in d.of("data")):
            return
        d.health = GREEN
        self.world.dirty = True
        self.sim.log("opensearch.green", d.address, f"green: {how}")
