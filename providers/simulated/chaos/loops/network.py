"""NAT gateways, Network Firewall endpoints and the way out to the internet (notes §24.3.2,
§24.13, facts "Networking and storage").

A NAT gateway lives in one AZ and is redundant only inside it: when its AZ fails it goes, and
every private subnet whose route table sends 0.0.0.0/0 through it loses its egress — in
whatever AZ the subnet is. One NAT gateway per AZ is the resilient design. A subnet routed to
an internet gateway keeps egress while its region runs.

A Network Firewall has an endpoint in each of its subnets' AZs, and each endpoint is, like a
NAT gateway, one AZ's: losing the AZ loses that endpoint, and the subnets routed through it
lose egress. Traffic the endpoint passes leaves by its own subnet's default route, so the
endpoint's egress is also that route's (an internet gateway, or a NAT gateway that may be
down). A fault on the firewall takes every endpoint (`ADDRESS`) or one (`ADDRESS/us-east-1a`).

One service per subnet with a default route: "egress", 1 while its NAT gateway or firewall
endpoint (and what is behind it), or internet gateway, and the subnet's own AZ run.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from ..measure import Service
from ..world import Loop


class Nat:
    __slots__ = ("id", "address", "az", "broken", "up", "subnet")

    def __init__(self, id, address, az):
        self.id, self.address, self.az, self.broken, self.up = id, address, az, 0, True
        self.subnet = None


def endpoint_key(firewall_id: str, az) -> str:
    return f"{firewall_id}@{az}"


@provides("failures", "nat_gateway", "network_firewall")
class Network(Loop):
    name = "network"

    def __init__(self, world):
        super().__init__(world)
        self.nats: dict[str, Nat] = {}  # NAT gateways and firewall endpoints (endpoint_key), each of one AZ
        self.firewalls: dict[str, list[Nat]] = {}  # firewall id → its endpoints
        self.routes: list[tuple] = []  # (subnet record, target id)
        self.exits: dict[str, str] = {}  # firewall endpoint key → its subnet's default route target

    def load(self):
        w = self.world
        for rec in w.of_kind("nat_gateway"):
            self.nats[rec.id] = Nat(rec.id, rec.address, rec.az)
        for rec in w.of_kind("network_firewall"):
            for az, e in sorted((rec.outputs.get("endpoints") or {}).items()):
                ep = Nat(endpoint_key(rec.id, az), f"{rec.address}/{az}", az)
                ep.subnet = e.get("subnet")
                self.nats[ep.id] = ep
                self.firewalls.setdefault(rec.id, []).append(ep)
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
                    target = default
                    if target in self.firewalls:  # the firewall's endpoint in the subnet's AZ
                        target = endpoint_key(default, subnet.attrs.get("az"))
                    self.routes.append((subnet, target))
        for subnet, target in self.routes:
            for ep in self.nats.values():
                if ep.subnet == subnet.id:
                    self.exits[ep.id] = target
        self.routes.sort(key=lambda r: r[0].address or r[0].id)

    def services(self) -> Iterable[Service]:
        for subnet, target in self.routes:
            yield Service(subnet.address or subnet.id, "subnet", subnet.region,
                          f"egress to the internet via {self._via(target)}", "routes", 1.0,
                          lambda s=subnet, t=target: self._egress(s, t))

    def _via(self, target: str) -> str:
        through = self.world.records.get(target)
        if through is not None and through.kind == "nat_gateway":
            return "NAT gateway"
        if target in self.nats:
            return f"Network Firewall endpoint {self.nats[target].address}"
        return "internet gateway"

    def _egress(self, subnet, target) -> tuple[float, float]:
        if not self.world.zone_up(subnet.attrs.get("az")):
            return 0.0, 0.0
        return (1.0, 1.0) if self._out(subnet.region, target, 0) else (0.0, 0.0)

    def _out(self, region, target, depth: int) -> bool:
        """Whether traffic handed to `target` reaches the internet: a NAT gateway or firewall
        endpoint up (and, for an endpoint, what its own subnet routes to), else the region."""
        nat = self.nats.get(target)
        if nat is None:
            return self.world.region_up(region)
        if not nat.up or depth > 4:
            return False
        if nat.subnet is None:  # a NAT gateway
            return True
        exit_ = self.exits.get(target)  # a firewall endpoint passes traffic on by its subnet's route
        return exit_ is not None and self._out(region, exit_, depth + 1)

    def zone_changed(self, az: str, up: bool):
        for nat in self.nats.values():
            if nat.az == az:
                self._set(nat, up and not nat.broken, f"its AZ {az} {'is back' if up else 'is down'}")

    def parts(self, rec) -> list[str]:
        return [ep.az for ep in self.firewalls.get(rec.id, [])]

    def fail_part(self, rec, part, up) -> bool:
        if rec.id in self.firewalls:
            targets = [ep for ep in self.firewalls[rec.id] if part in (None, ep.az)]
        elif rec.id in self.nats:
            targets = [self.nats[rec.id]]
        else:
            return False
        for nat in targets:
            nat.broken += -1 if up else 1
            self._set(nat, nat.broken == 0 and self.world.zone_up(nat.az), "a fault" if not up else "the fault ended")
        return True

    def _set(self, nat: Nat, up: bool, why: str) -> None:
        if nat.up == up:
            return
        nat.up = up
        self.world.dirty = True
        firewall = nat.subnet is not None
        users = [s for s, t in self.routes if t == nat.id]
        others = sorted(s.address or s.id for s in users if s.attrs.get("az") != nat.az or firewall)
        if firewall and not up:
            self.sim.log("firewall.endpoint.down", nat.address, f"the firewall endpoint in {nat.az} is down ({why})",
                         azs=[nat.az])
            if others:
                self.sim.log("egress.lost", nat.address, f"{len(others)} subnet{'s' if len(others) != 1 else ''} "
                             f"{'route' if len(others) != 1 else 'routes'} through it and lost internet egress: "
                             f"{', '.join(others)}", len(others),
                             subnets=others)
        elif firewall:
            self.sim.log("firewall.endpoint.up", nat.address, f"the firewall endpoint in {nat.az} is back ({why})",
                         azs=[nat.az])
            if others:
                self.sim.log("egress.restored", nat.address, f"egress restored for {', '.join(others)}", len(others),
                             subnets=others)
        elif not up:
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
