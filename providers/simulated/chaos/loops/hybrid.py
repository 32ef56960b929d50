"""Transit Gateway attachments, Site-to-Site VPN and Direct Connect during a run (notes
§24.8–§24.10):

- A VPC attachment has a transit gateway interface in each of its subnets' AZs. Losing an AZ
  takes that interface; the attachment keeps carrying traffic through the others (only the
  resources in the lost AZ, which are down anyway, lose the hub).
- A VPN connection has two tunnels whose AWS ends are in two AZs. When the tunnel carrying
  traffic goes (its AZ, or a fault on `ADDRESS/tunnel-1`), the customer gateway's dead-peer
  detection notices after `DPD_TIMEOUT_SECONDS` and traffic moves to the other tunnel. A fault
  on the customer gateway takes both.
- Direct Connect: a connection's loss (a fault on it) takes its virtual interfaces down; the BGP
  sessions over them expire after `BGP_HOLD_SECONDS`, and the routes on-premises fall back to
  the next path to the same AWS gateway: another DX connection, else a VPN connection to it
  (notes §24.9.5: "Site-to-Site VPN as a backup connection if the DX connection goes down"). The
  run reports the failover's time and path; when the line is back, traffic returns to it.
- Which path an AWS gateway uses is the order `reach` follows (stdlib/reach/hybrid.py): a
  transit gateway prefers a static VPN's routes, then Direct Connect, then a BGP VPN; a virtual
  private gateway Direct Connect, then a static VPN, then a BGP VPN. So a static VPN on a
  transit gateway carries the traffic and Direct Connect is its backup.

Services: each attachment ("traffic through the transit gateway", interfaces up), each VPN
connection ("tunnels up"), and each AWS gateway reached from on-premises ("on-premises
connectivity", the paths up), which is what a DX failure measures.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides
from archform.stdlib.reach.hybrid import TGW_ORDER, VGW_ORDER

from ..measure import Service
from ..world import Loop

# AWS's default dead-peer-detection timeout for a VPN tunnel (DPDTimeoutSeconds, 30 s)
DPD_TIMEOUT_SECONDS = 30.0
# AWS Direct Connect's BGP hold time without BFD (90 s): routes over a dead line are withdrawn then
BGP_HOLD_SECONDS = 90.0


class Part:
    __slots__ = ("id", "name", "az", "broken")

    def __init__(self, id, name, az):
        self.id, self.name, self.az, self.broken = id, name, az, 0


class Vpn:
    def __init__(self, rec, tunnels: list[Part]):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.cgw = rec.attrs.get("customer_gateway")
        self.gateway = rec.attrs.get("vpn_gateway") or rec.attrs.get("transit_gateway")
        self.way: str | None = "vpn bgp"  # or "vpn static"; None: no static route sends it anything
        self.tunnels = tunnels
        self.active = tunnels[0] if tunnels else None  # the tunnel carrying traffic
        self.switching = False


class Line:
    def __init__(self, rec):
        self.id, self.address, self.region = rec.id, rec.address, rec.region
        self.broken = 0
        self.vifs: list["Vif"] = []


class Vif:
    """A virtual interface: one BGP session over its line, to the gateways it reaches."""

    def __init__(self, rec, line: Line, gateways: list[str]):
        self.id, self.address, self.line, self.gateways = rec.id, rec.address, line, gateways
        self.vlan = rec.attrs.get("vlan")
        self.broken = 0


class Gateway:
    """An AWS gateway (virtual private or transit) as on-premises sees it: the path in use."""

    def __init__(self, id, address, region, transit: bool):
        self.id, self.address, self.region = id, address, region
        self.order = TGW_ORDER if transit else VGW_ORDER  # which way AWS prefers for the same prefixes
        self.vifs: list[Vif] = []
        self.vpns: list[Vpn] = []
        self.path: str | None = None  # "dx:<id>", "vpn:<id>" or None (unreachable)
        self.since = 0.0


@provides("failures", "transit_gateway_attachment", "vpn_connection", "customer_gateway", "dx_connection",
          "dx_virtual_interface")
class Hybrid(Loop):
    name = "hybrid"

    def __init__(self, world):
        super().__init__(world)
        self.attachments: list[tuple] = []  # (record, [interface Part])
        self.vpns: dict[str, Vpn] = {}
        self.lines: dict[str, Line] = {}
        self.gateways: dict[str, Gateway] = {}
        self.cgw_broken: dict[str, int] = {}
        self.vifs: dict[str, Vif] = {}

    # --- loading ------------------------------------------------------------------------------------

    def load(self):
        w = self.world
        for rec in w.of_kind("transit_gateway_attachment"):
            if not rec.attrs.get("vpn"):
                parts = [Part(e.id, e.az, e.az) for e in w.owned_of(rec.id, "tgw_eni")]
                self.attachments.append((rec, parts))
        # a static VPN on a transit gateway carries what the hub's route tables send to its attachment
        attachment_of = {a.attrs["vpn"]: a.id for a in w.of_kind("transit_gateway_attachment") if a.attrs.get("vpn")}
        routed = {r.get("attachment") for t in w.of_kind("transit_gateway_route_table") for r in t.attrs.get("route") or []}
        for rec in w.of_kind("vpn_connection"):
            tunnels = [Part(t.id, t.attrs.get("name") or t.id, t.az) for t in w.owned_of(rec.id, "vpn_tunnel")]
            self.vpns[rec.id] = Vpn(rec, tunnels)
            if rec.attrs.get("routing") == "static":
                static = attachment_of.get(rec.id) in routed if rec.attrs.get("transit_gateway") else \
                    bool(rec.attrs.get("static_routes"))
                self.vpns[rec.id].way = "vpn static" if static else None
            self._gateway(rec.attrs.get("vpn_gateway") or rec.attrs.get("transit_gateway")).vpns.append(self.vpns[rec.id])
        for rec in w.of_kind("dx_connection"):
            self.lines[rec.id] = Line(rec)
        for rec in w.of_kind("dx_virtual_interface"):
            line = self.lines.get(rec.attrs.get("connection"))
            if line is None:
                continue
            vif = Vif(rec, line, self._reached(rec))
            line.vifs.append(vif)
            self.vifs[rec.id] = vif
            for gw in vif.gateways:
                self._gateway(gw).vifs.append(vif)
        for g in self.gateways.values():
            g.path = self._best(g)

    def _reached(self, vif) -> list[str]:
        if vif.attrs.get("vpn_gateway"):
            return [vif.attrs["vpn_gateway"]]
        dxgw = self.world.records.get(vif.attrs.get("dx_gateway") or "")
        if dxgw is None:
            return []
        return list(dxgw.attrs.get("vpn_gateways") or []) + list(dxgw.attrs.get("transit_gateways") or [])

    def _gateway(self, id: str) -> Gateway:
        if id not in self.gateways:
            rec = self.world.records.get(id)
            self.gateways[id] = Gateway(id, rec.address if rec is not None else id, rec.region if rec else None,
                                        rec is not None and rec.kind == "transit_gateway")
        return self.gateways[id]

    def services(self) -> Iterable[Service]:
        for rec, parts in self.attachments:
            yield Service(rec.address, "transit_gateway_attachment", rec.region, "traffic through the transit gateway",
                          "interfaces", float(len(parts)), lambda p=parts, r=rec: self._attachment(r, p))
        for vpn in self.vpns.values():
            yield Service(vpn.address, "vpn_connection", vpn.region, "traffic over the VPN", "tunnels up",
                          float(len(vpn.tunnels)), lambda v=vpn: self._vpn_value(v))
        for g in sorted(self.gateways.values(), key=lambda g: g.address):
            if g.vifs:
                yield Service(f"{g.address}#on-premises", self.world.records[g.id].kind if g.id in self.world.records
                              else "vpn_gateway", g.region, "on-premises connectivity", "paths up",
                              float(len(g.vifs) + len(g.vpns)), lambda g=g: self._gateway_value(g))

    # --- what is up ----------------------------------------------------------------------------------

    def _part_up(self, p: Part) -> bool:
        return not p.broken and self.world.zone_up(p.az)

    def _attachment(self, rec, parts) -> tuple[float, float]:
        up = sum(1 for p in parts if self._part_up(p))
        return (1.0 if up and self.world.region_up(rec.region) else 0.0), float(up)

    def _tunnels_up(self, vpn: Vpn) -> list[Part]:
        if self.cgw_broken.get(vpn.cgw) or not self.world.region_up(vpn.region):
            return []
        return [t for t in vpn.tunnels if self._part_up(t)]

    def _vpn_carries(self, vpn: Vpn) -> bool:
        return not vpn.switching and vpn.active is not None and vpn.active in self._tunnels_up(vpn)

    def _vpn_value(self, vpn: Vpn) -> tuple[float, float]:
        return (1.0 if self._vpn_carries(vpn) else 0.0), float(len(self._tunnels_up(vpn)))

    def _vif_up(self, vif: Vif) -> bool:
        return not vif.broken and not vif.line.broken

    def _gateway_value(self, g: Gateway) -> tuple[float, float]:
        paths = sum(1 for vif in g.vifs if self._vif_up(vif)) + \
            sum(1 for v in g.vpns if v.way is not None and self._tunnels_up(v))
        if g.path is None:
            return 0.0, float(paths)
        kind, _, id = g.path.partition(":")
        ok = self._vif_up(self.vifs[id]) if kind == "dx" else self._vpn_carries(self.vpns[id])
        return (1.0 if ok else 0.0), float(paths)

    def _best(self, g: Gateway) -> str | None:
        """The live path AWS prefers for the same prefixes (the gateway's order; the first
        declared among equals), or None."""
        live = [("dx:" + vif.id) for vif in g.vifs if self._vif_up(vif)]
        live += [("vpn:" + v.id) for v in g.vpns if v.way is not None and self._tunnels_up(v)]
        return min(live, key=lambda path: self._rank(g, path), default=None)

    def _rank(self, g: Gateway, path: str) -> int:
        kind, _, id = path.partition(":")
        return g.order["dx" if kind == "dx" else self.vpns[id].way]

    # --- faults ------------------------------------------------------------------------------------

    def parts(self, rec) -> list[str]:
        vpn = self.vpns.get(rec.id)
        return [t.name for t in vpn.tunnels] if vpn is not None else []

    def fail_part(self, rec, part, up) -> bool:
        step = -1 if up else 1
        why = "the fault ended" if up else "a fault"
        if rec.id in self.vpns:
            vpn = self.vpns[rec.id]
            tunnel = next((t for t in vpn.tunnels if t.name == part), None) if part else None
            for t in [tunnel] if tunnel else vpn.tunnels:
                t.broken += step
            self._review_vpn(vpn, why)
        elif rec.kind == "customer_gateway":
            self.cgw_broken[rec.id] = self.cgw_broken.get(rec.id, 0) + step
            for vpn in self.vpns.values():
                if vpn.cgw == rec.id:
                    self._review_vpn(vpn, f"{why} on customer gateway {rec.address}")
        elif rec.id in self.lines:
            line = self.lines[rec.id]
            line.broken += step
            self.sim.log("dx.up" if line.broken == 0 else "dx.down", line.address,
                         f"the Direct Connect line is {'back' if line.broken == 0 else 'down'} ({why})")
            self._review_gateways({g for vif in line.vifs for g in vif.gateways}, why)
        elif rec.id in self.vifs:
            vif = self.vifs[rec.id]
            vif.broken += step
            self.sim.log("dx.up" if vif.broken == 0 else "dx.down", vif.address,
                         f"the virtual interface (VLAN {vif.vlan}) is {'back' if vif.broken == 0 else 'down'} ({why})")
            self._review_gateways(set(vif.gateways), why)
        elif any(rec.id == r.id for r, _ in self.attachments):
            parts = next(p for r, p in self.attachments if r.id == rec.id)
            for p in parts:
                p.broken += step
            self._log_attachment(rec, parts, why)
        else:
            return False
        self.world.dirty = True
        return True

    def zone_changed(self, az: str, up: bool):
        why = f"its AZ {az} {'is back' if up else 'is down'}"
        for rec, parts in self.attachments:
            if any(p.az == az for p in parts):
                self._log_attachment(rec, parts, why)
        for vpn in self.vpns.values():
            if any(t.az == az for t in vpn.tunnels):
                self._review_vpn(vpn, f"a tunnel's AZ {az} {'is back' if up else 'is down'}")

    def region_changed(self, region: str, up: bool):
        for vpn in self.vpns.values():
            if vpn.region == region:
                self._review_vpn(vpn, f"region {region} {'is back' if up else 'is down'}")

    # --- reactions ---------------------------------------------------------------------------------

    def _log_attachment(self, rec, parts, why: str) -> None:
        self.world.dirty = True
        up = [p.az for p in parts if self._part_up(p)]
        down = [p.az for p in parts if not self._part_up(p)]
        if up and down:
            self.sim.log("tgw.interface_down", rec.address, f"the transit gateway interface in {', '.join(down)} is "
                         f"down ({why}); the attachment keeps serving through {', '.join(up)}", azs=down)
        elif not up:
            self.sim.log("tgw.attachment_down", rec.address, f"every transit gateway interface of the attachment is "
                         f"down ({why})", azs=down)
        else:
            self.sim.log("tgw.attachment_up", rec.address, f"interfaces in {', '.join(up)} all serve ({why})")

    def _review_vpn(self, vpn: Vpn, why: str) -> None:
        self.world.dirty = True
        live = self._tunnels_up(vpn)
        if vpn.active in live or vpn.switching:
            self._review_gateways({vpn.gateway}, why)
            return
        if not live:
            self.sim.log("vpn.down", vpn.address, f"both tunnels are down ({why})")
            self._review_gateways({vpn.gateway}, why)
            return
        old, new = vpn.active, live[0]
        vpn.switching = True
        self.sim.log("vpn.tunnel_down", vpn.address, f"{old.name if old else 'the tunnel'} ({old.az if old else '-'}) "
                     f"is down ({why}): dead-peer detection moves traffic to {new.name} ({new.az}) after "
                     f"{DPD_TIMEOUT_SECONDS:.0f}s", source=old.az if old else None, target=new.az)
        self.sim.after(DPD_TIMEOUT_SECONDS, self._switched, vpn, old, new)
        self._review_gateways({vpn.gateway}, why)

    def _switched(self, vpn: Vpn, old: Part | None, new: Part) -> None:
        vpn.switching = False
        self.world.dirty = True
        if not self._part_up(new):
            vpn.active = None
            self._review_vpn(vpn, "the other tunnel is down too")
            return
        vpn.active = new
        self.sim.log("vpn.tunnel_failover", vpn.address, f"traffic flows over {new.name} in {new.az} after "
                     f"{DPD_TIMEOUT_SECONDS:.0f}s", seconds=DPD_TIMEOUT_SECONDS)
        self.world.ledger.failed_over(self.sim.now, vpn.address, "VPN tunnel", old.name if old else None, new.name)
        self._review_gateways({vpn.gateway}, "the VPN tunnel failed over")

    def _review_gateways(self, ids, why: str) -> None:
        for id in sorted(i for i in ids if i in self.gateways):
            g = self.gateways[id]
            if not g.vifs:
                continue
            best = self._best(g)
            if best == g.path:
                continue
            current_ok = g.path is not None and self._gateway_value(g)[0] == 1.0
            if current_ok and best is not None and self._rank(g, best) >= self._rank(g, g.path):
                continue  # the path in use still carries traffic; one no better coming back changes nothing
            # a dead path is noticed when its BGP session expires (DX) or dead-peer detection fires (VPN)
            delay = 0.0 if current_ok or g.path is None else \
                BGP_HOLD_SECONDS if g.path.startswith("dx:") else DPD_TIMEOUT_SECONDS
            self.sim.after(delay, self._rerouted, g, g.path, best, delay, why, not current_ok)

    def _rerouted(self, g: Gateway, old: str | None, new: str | None, delay: float, why: str,
                  failed: bool = True) -> None:
        if g.path != old:
            return
        new = self._best(g)
        if new == old:
            return
        g.path = new
        self.world.dirty = True
        if new is None:
            self.sim.log("hybrid.unreachable", g.address, f"on-premises has no path left to {g.address} ({why})")
            return
        kind, _, id = new.partition(":")
        path = self._describe(g, kind, id)
        if failed and old and old.startswith("dx:") and kind == "vpn":
            self.sim.log("dx.failover_to_vpn", g.address, f"BGP over the Direct Connect line timed out after "
                         f"{delay:.0f}s: on-premises reaches {g.address} over the backup VPN ({path})",
                         seconds=delay, path=path)
            self.world.ledger.failed_over(self.sim.now, g.address, "on-premises path", self._name(old),
                                          self.vpns[id].address)
        else:
            self.sim.log("hybrid.path", g.address, f"on-premises reaches {g.address} over {path}" +
                         (f" after {delay:.0f}s" if delay else ""), seconds=delay, path=path)
            if old:
                self.world.ledger.failed_over(self.sim.now, g.address, "on-premises path", self._name(old),
                                              self._name(new))

    def _name(self, path: str) -> str:
        """What the failovers section calls a path: the DX line, or the VPN connection."""
        kind, _, id = path.partition(":")
        return self.vifs[id].line.address if kind == "dx" else self.vpns[id].address

    def _describe(self, g: Gateway, kind: str, id: str) -> str:
        if kind == "dx":
            vif = self.vifs[id]
            return f"Direct Connect {vif.line.address} (VLAN {vif.vlan})"
        vpn = self.vpns[id]
        tunnel = vpn.active if vpn.active is not None else (self._tunnels_up(vpn) or [None])[0]
        where = f", {tunnel.name} in {tunnel.az}" if tunnel is not None else ""
        cgw = self.world.records.get(vpn.cgw or "")
        return f"customer gateway {cgw.address if cgw else vpn.cgw} → VPN {vpn.address}{where} → {g.address}"
