"""RDS Proxies during a run (notes §7.1.6). A proxy has a node in each AZ of its subnets and
serves while one of them is up and its target database accepts writes. When the target fails
over, the proxy holds its clients' connections and moves them to the new writer without
waiting for DNS: "it reduces failover time by up to 66%" — its clients wait a third of the
failover (`RDS_PROXY_FAILOVER_CUT`) that clients of the writer endpoint wait. The proxy's
service ("connections served") beside its database's shows the difference."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop

FAILING_OVER = "failing over"


class Proxy:
    def __init__(self, rec, target, nodes: list):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.target = target  # the target's record
        self.nodes = nodes  # [az, broken]
        self.moved = False  # clients already on the new writer while the target fails over


@provides("failures", "rds_proxy")
class Proxies(Loop):
    name = "proxies"

    def __init__(self, world):
        super().__init__(world)
        self.proxies: list[Proxy] = []
        self.by_id: dict[str, Proxy] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("rds_proxy"):
            target = w.records.get(rec.attrs.get("target") or "")
            p = Proxy(rec, target, [[m.az, 0] for m in w.owned_of(rec.id, "rds_proxy_node")])
            self.proxies.append(p)
            self.by_id[p.id] = p

    def services(self) -> Iterable[Service]:
        for p in self.proxies:
            yield Service(p.address, "rds_proxy", p.region, "connections served", "proxy nodes", float(len(p.nodes)),
                          lambda p=p: (1.0 if self.serving(p) else 0.0, float(len(self._live(p)))))

    def _live(self, p: Proxy) -> list:
        return [n for n in p.nodes if not n[1] and self.world.zone_up(n[0])]

    def _database(self, p: Proxy):
        """(the target's loop, its object there), or (None, None)."""
        if p.target is None:
            return None, None
        loop = self.world.aurora if p.target.kind == "aurora" else self.world.rds
        return loop, loop.by_id.get(p.target.id)

    def _target_writes(self, p: Proxy) -> bool:
        loop, db = self._database(p)
        if db is None:
            return False
        return loop.writable(db) if p.target.kind == "aurora" else loop.serves(db)

    def serving(self, p: Proxy) -> bool:
        if not self._live(p):
            return False
        _, db = self._database(p)
        return self._target_writes(p) or (p.moved and db is not None and db.state == FAILING_OVER)

    # --- faults ----------------------------------------------------------------------------------------

    def failover_started(self, target_id: str, took: float) -> None:
        """The target's writer is being replaced, taking `took` seconds for clients of its endpoint."""
        for p in self.proxies:
            if p.target is not None and p.target.id == target_id and self._live(p):
                p.moved = False
                wait = took * (1 - figures.RDS_PROXY_FAILOVER_CUT)
                self.sim.after(wait, self._moved, p, wait, took)

    def _moved(self, p: Proxy, wait: float, took: float) -> None:
        _, db = self._database(p)
        if db is None or db.state != FAILING_OVER or not self._live(p):
            return
        p.moved = True
        self.world.dirty = True
        self.sim.log("rds_proxy.clients_moved", p.address, f"its clients reach {p.target.address}'s new writer after "
                     f"{wait:.1f}s, {took - wait:.1f}s before the writer endpoint follows it (RDS Proxy cuts failover "
                     f"time by up to 66%; notes §7.1.6)", seconds=wait)

    def zone_changed(self, az: str, up: bool):
        for p in self.proxies:
            if any(n[0] == az for n in p.nodes):
                self._review(p, f"AZ {az} {'is back' if up else 'is down'}")

    def fail_part(self, rec, part, up) -> bool:
        p = self.by_id.get(rec.id)
        if p is None:
            return False
        for n in p.nodes:
            if part is None or n[0] == part:
                n[1] += -1 if up else 1
        self._review(p, "a fault" if not up else "the fault ended")
        return True

    def parts(self, rec) -> list[str]:
        p = self.by_id.get(rec.id)
        return [n[0] for n in p.nodes] if p is not None else []

    def _review(self, p: Proxy, why: str) -> None:
        self.world.dirty = True
        live = len(self._live(p))
        if live == 0:
            self.sim.log("rds_proxy.down", p.address, f"no proxy node is up ({why}): its clients cannot connect")
        else:
            self.sim.log("rds_proxy.nodes", p.address, f"{live} of its {len(p.nodes)} nodes are up ({why}); it keeps "
                         "serving from them")
