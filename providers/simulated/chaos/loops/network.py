"""NAT gateways and the way out to the internet (notes §24.3.2, facts "Networking and storage").

A NAT gateway lives in one AZ and is redundant only inside it: when its AZ fails it goes, and
every private subnet whose route table sends 0.0.0.0/0 through it loses its egress — in
whatever AZ the subnet is. One NAT gateway per AZ is the resilient design. A subnet routed to
an internet gateway keeps egress while its region runs.

One service per subnet with a default route: "egress", 1 while its NAT gateway (or internet
gateway) and the subnet's own AZ run.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from ..measure import Service
from ..world import Loop


class Nat:
    __slots__ = ("id", "address", "az", "broken", "up")

    def __init__(self, id, address, az):
        self.id, self.address, self.az, self.broken, self.up = id, address, az, 0, True


@provides("failures", "nat_gateway")
class Network(Loop):
    name = "network"

    def __init__(self, world):
        super().__init__(world)
        self.nats: dict[str, Nat] = {}
        self.routes: list[tuple] = []  # (subnet record, target id)

    def load(self):
        w = self.world
        for rec in w.of_kind("nat_gateway"):
            self.nats[rec.id] = Nat(rec.id, rec.address, rec.az)
        seen = set()
        for rt in w.records.values():
            if rt.kind != "route_table":
                continue
            default = next((r.get("target") for r in rt.attrs.get("route") or []
                            if r.get("destination") in ("0.0.0.0/0", "internet")), None)
            if default is None:
                continue
            for sid in rt.attrs.get("subnets") or []:
                subnet = w.records.get(sid)
                if subnet is not None and sid not in seen:
                    seen.add(sid)
                    self.routes.append((subnet, default))
        self.routes.sort(key=lambda r: r[0].address or r[0].id)

    def services(self) -> Iterable[Service]:
        for subnet, target in self.routes:
            through = self.world.records.get(target)
            via = "NAT gateway" if through is not None and through.kind == "nat_gateway" else "internet gateway"
            yield Service(subnet.address or subnet.id, "subnet", subnet.region, f"egress to the internet via {via}",
                          "routes", 1.0, lambda s=subnet, t=target: self._egress(s, t))

    def _egress(self, subnet, target) -> tuple[float, float]:
        if not self.world.zone_up(subnet.attrs.get("az")):
            return 0.0, 0.0
        nat = self.nats.get(target)
        if nat is not None:
            ok = nat.up
        else:
            ok = self.world.region_up(subnet.region)
        return (1.0, 1.0) if ok else (0.0, 0.0)

    def zone_changed(self, az: str, up: bool):
        for nat in self.nats.values():
            if nat.az == az:
                self._set(nat, up and not nat.broken, f"its AZ {az} {'is back' if up else 'is down'}")

    def fail_part(self, rec, part, up) -> bool:
        nat = self.nats.get(rec.id)
        if nat is None:
            return False
        nat.broken += -1 if up else 1
        self._set(nat, nat.broken == 0 and self.world.zone_up(nat.az), "a fault" if not up else "the fault ended")
        return True

    def _set(self, nat: Nat, up: bool, why: str) -> None:
        if nat.up == up:
            return
        nat.up = up
        self.world.dirty = True
        users = [s for s, t in self.routes if t == nat.id]
        others = sorted(s.address or s.id for s in users if s.attrs.get("az") != nat.az)
        if not up:
            self.sim.log("nat.down", nat.address, f"down ({why})", azs=[nat.az])
            if others:
                self.sim.log("egress.lost", nat.address, f"{len(others)} subnet{'s' if len(others) != 1 else ''} in "
                             f"other AZs route through it and lost internet egress: {', '.join(others)}",
                             len(others), subnets=others)
        else:
            self.sim.log("nat.up", nat.address, f"back ({why})", azs=[nat.az])
            if others:
                self.sim.log("egress.restored", nat.address, f"egress restored for {', '.join(others)}", len(others),
                             subnets=others)
