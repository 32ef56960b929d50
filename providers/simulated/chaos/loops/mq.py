"""Amazon MQ brokers during a run (the broker's instances are owned `mq_instance` records, each
in one AZ):

- single instance: the broker stops with its AZ and serves again once the AZ is back and the
  broker has restarted (`RESTART_AFTER_ZONE_SECONDS`); its messages are on durable storage.
- ActiveMQ active/standby: when the active broker's AZ goes, the standby in the other AZ takes
  over (`MQ_FAILOVER_SECONDS`) from the shared storage; clients using the failover URL
  reconnect to it. With both AZs down the broker stops.
- RabbitMQ cluster: three nodes over three AZs; it serves while a majority (two) is up, so
  one AZ's loss leaves it serving with two nodes.

The service measures whether the broker accepts connections.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures
from ..measure import Service
from ..world import Loop
from .members import hit_member

SERVING, FAILING_OVER, DOWN = "serving", "failing over", "down"


class Node:
    __slots__ = ("id", "name", "role", "az", "broken")

    def __init__(self, id, name, role, az):
        self.id, self.name, self.role, self.az, self.broken = id, name, role, az, 0


class Broker:
    def __init__(self, rec, nodes: list[Node]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.mode = rec.attrs.get("deployment") or "single_instance"
        self.nodes = nodes
        self.state = SERVING


@provides("failures", "mq_broker")
class Brokers(Loop):
    name = "mq"

    def __init__(self, world):
        super().__init__(world)
        self._faulted: dict[tuple, list] = {}  # what each fault on a part hit at its start
        self.brokers: list[Broker] = []
        self.by_id: dict[str, Broker] = {}

    def load(self):
        w = self.world
        for rec in w.of_kind("mq_broker"):
            nodes = [Node(m.id, m.attrs.get("name") or m.id, m.role, m.az) for m in w.owned_of(rec.id, "mq_instance")]
            b = Broker(rec, nodes)
            self.brokers.append(b)
            self.by_id[b.id] = b

    def services(self) -> Iterable[Service]:
        for b in self.brokers:
            yield Service(b.address, "mq_broker", b.region, "connections accepted", "broker instances",
                          float(len(b.nodes)), lambda b=b: self._value(b))

    def _up(self, n: Node) -> bool:
        return not n.broken and self.world.zone_up(n.az)

    def _value(self, b: Broker) -> tuple[float, float]:
        up = sum(1 for n in b.nodes if self._up(n))
        return (1.0 if self.serving(b) else 0.0), float(up)

    def serving(self, b: Broker) -> bool:
        if b.mode == "cluster":
            return 2 * sum(1 for n in b.nodes if self._up(n)) > len(b.nodes)
        active = self._active(b)
        return b.state == SERVING and active is not None and self._up(active)

    def _active(self, b: Broker) -> Node | None:
        return next((n for n in b.nodes if n.role in ("active", "node")), None)

    # --- faults ----------------------------------------------------------------------------------------

    def zone_changed(self, az: str, up: bool):
        for b in self.brokers:
            if any(n.az == az for n in b.nodes):
                self._review(b, f"its AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        b = self.by_id.get(rec.id)
        return [n.name for n in b.nodes] if b is not None else []

    def fail_part(self, rec, part, up) -> bool:
        b = self.by_id.get(rec.id)
        if b is None:
            return False
        node = hit_member(self._faulted, (rec.id, part), up,
                          lambda: next((n for n in b.nodes if n.name == part), None) if part else self._active(b))
        if node is not None:
            node.broken += -1 if up else 1
            self._review(b, "a fault on the instance" if not up else "the fault ended")
        return True

    def _review(self, b: Broker, why: str) -> None:
        self.world.dirty = True
        if b.mode == "cluster":
            self._review_cluster(b, why)
            return
        active = self._active(b)
        if active is None:
            return
        standby = next((n for n in b.nodes if n.role == "standby" and self._up(n)), None)
        if b.state == SERVING and not self._up(active):
            if standby is not None:
                b.state = FAILING_OVER
                took = self.sim.draw(f"mq-failover/{b.id}", figures.MQ_FAILOVER_SECONDS)
                self.sim.log("mq.failover_started", b.address, f"the active broker {active.name} in {active.az} is "
                             f"down ({why}): the standby {standby.name} in {standby.az} takes over; clients on the "
                             "failover URL reconnect to it", source=active.az, target=standby.az)
                self.sim.after(took, self._failed_over, b, active, standby, took)
            else:
                b.state = DOWN
                self.sim.log("mq.down", b.address, f"the broker {active.name} in {active.az} is down ({why})" +
                             (": a single-instance broker has no standby" if b.mode == "single_instance" else
                              " and its standby is down too"))
        elif b.state == DOWN:
            back = active if self._up(active) else standby
            if back is not None:
                self.sim.after(figures.RESTART_AFTER_ZONE_SECONDS, self._restarted, b, back)

    def _failed_over(self, b: Broker, old: Node, new: Node, took: float) -> None:
        old.role, new.role = "standby", "active"
        b.state = SERVING
        self.world.dirty = True
        self.sim.log("mq.failover_complete", b.address, f"{new.name} in {new.az} is the active broker after "
                     f"{took:.1f}s, with the messages on the shared storage", source=old.az, target=new.az,
                     seconds=took)
        self.world.ledger.failed_over(self.sim.now, b.address, "active broker", old.az, new.az)
        if not self._up(new):
            self._review(b, "the new active broker is down too")

    def _restarted(self, b: Broker, node: Node) -> None:
        if b.state != DOWN or not self._up(node):
            return
        active = self._active(b)
        if active is not node:
            active.role, node.role = "standby", "active"
        b.state = SERVING
        self.world.dirty = True
        self.sim.log("mq.available", b.address, f"the broker serves again from {node.name} in {node.az}, with the "
                     "messages it had stored")

    def _review_cluster(self, b: Broker, why: str) -> None:
        up = sum(1 for n in b.nodes if self._up(n))
        serving = 2 * up > len(b.nodes)
        if serving and b.state == DOWN:
            b.state = SERVING
            self.sim.log("mq.available", b.address, f"a majority of the cluster's nodes is up again ({up} of "
                         f"{len(b.nodes)}, {why})")
        elif not serving and b.state == SERVING:
            b.state = DOWN
            self.sim.log("mq.down", b.address, f"only {up} of the cluster's {len(b.nodes)} nodes are up ({why}): "
                         "without a majority the cluster stops accepting messages")
        else:
            self.sim.log("mq.cluster_node", b.address, f"{up} of the cluster's {len(b.nodes)} nodes are up ({why}); "
                         + ("it keeps serving" if serving else "it is still down"))
