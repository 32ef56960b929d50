"""Transit Gateway, Site-to-Site VPN and Direct Connect in the modeled cloud (notes §24.8–§24.10):
ids as AWS spells them (`tgw-`, `tgw-attach-`, `tgw-rtb-`, `cgw-`, `vgw-`, `vpn-`, `dxcon-`,
`dxvif-`, a DX gateway's UUID) and what their APIs refuse.

- A transit gateway's VPC attachment places a network interface (an owned `tgw_eni` record) in
  each of its subnets, one per AZ; the chaos run takes an interface with its AZ.
- A VPN connection has two tunnels (owned `vpn_tunnel` records) whose AWS ends have public
  addresses in two different AZs of the region.
- A virtual private gateway attaches to one VPC that has none; a VPN attachment names a VPN
  connection ending on its transit gateway; an attachment is associated with one route table.
- A virtual interface's VLAN is free on its connection.
"""

from __future__ import annotations

import ipaddress

from archform.providers.base import Conflict

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, in_use, require, users_of
from .common import one_subnet_per_az, subnets_vpc, sync_subnet_nodes


class TransitGateway(Behaviour):
    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available",
                "association_default_route_table": f"tgw-rtb-{rec.id[4:]}"
                if rec.attrs.get("default_route_table_association", True) else None}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("transit_gateway_attachment", "transit_gateway_route_table", "vpn_connection"))
        if users:
            raise in_use(rec, users, code="IncorrectState", what=" (attachments and route tables still use it)")


class TransitGatewayAttachment(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        tgw = op.the(at["transit_gateway"])
        if at.get("vpn"):
            vpn = op.the(at["vpn"])
            require(vpn.attrs.get("transit_gateway") == tgw.id, f"VPN connection {vpn.id} does not end on transit "
                    f"gateway {tgw.id}", "InvalidTransitGatewayAttachmentID.NotFound")
            return
        subnets = at.get("subnets") or []
        require(bool(at.get("vpc")) and bool(subnets), "A VPC attachment needs a VPC and at least one subnet",
                "MissingParameter")
        require(subnets_vpc(op, subnets, "transit gateway attachment") == at["vpc"],
                f"The subnets are not in VPC {at['vpc']}", "InvalidSubnetID.NotFound")
        one_subnet_per_az(op, subnets, "Only one subnet per Availability Zone", "DuplicateSubnetsInSameZone")
        for other, path in op.tx.referrers(tgw.id, "transit_gateway_attachment"):
            if other.id != rec.id and other.attrs.get("vpc") == at["vpc"]:
                raise Conflict(f"VPC {at['vpc']} is already attached to transit gateway {tgw.id} by {other.id}",
                               code="DuplicateTransitGatewayAttachment")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, None)

    def update(self, op: Op, rec: Record, old: Record | None):
        if not rec.attrs.get("vpn"):
            sync_subnet_nodes(op, rec, "tgw_eni", "interface", rec.attrs.get("subnets") or [])

    def outputs(self, op: Op, rec: Record) -> dict:
        enis = op.tx.owned(rec.id, "tgw_eni")
        return {"arn": self.arn(rec), "state": "available", "resource_type": "vpn" if rec.attrs.get("vpn") else "vpc",
                "interfaces": {e.az: e.id for e in enis}}


class TransitGatewayRouteTable(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        tgw = op.the(at["transit_gateway"])
        for field in ("associations", "propagations"):
            for aid in at.get(field) or []:
                require(op.the(aid).attrs.get("transit_gateway") == tgw.id, f"Transit gateway attachment {aid} is "
                        f"not of transit gateway {tgw.id}", "InvalidTransitGatewayAttachmentID.NotFound")
        if at.get("associations") and tgw.attrs.get("default_route_table_association", True):
            raise Conflict(f"Transit gateway attachment {at['associations'][0]} is already associated with the default "
                           f"route table of {tgw.id}", code="Resource.AlreadyAssociated")
        for aid in at.get("associations") or []:
            for other, path in op.tx.referrers(aid, "transit_gateway_route_table"):
                if other.id != rec.id and path.startswith("associations"):
                    raise Conflict(f"Transit gateway attachment {aid} is already associated with {other.id}",
                                   code="Resource.AlreadyAssociated")
        seen = set()
        for route in at.get("route") or []:
            dest = route.get("destination")
            if dest in seen:
                raise Conflict(f"Route {dest} already exists in transit gateway route table", code="RouteAlreadyExists")
            seen.add(dest)
            require(bool(route.get("attachment")) != bool(route.get("blackhole")),
                    "Specify either a transit gateway attachment or blackhole", "InvalidParameterCombination")

    def arn(self, rec: Record) -> str:
        return ids.ec2_arn(rec.kind, rec.region, rec.id)


class CustomerGateway(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        ip = ipaddress.ip_address(rec.attrs["ip_address"])
        require(ip.version == 4 and not (ip.is_private and not _documentation(ip)) and not ip.is_multicast,
                f"The customer gateway IP address '{ip}' is not a public IPv4 address", "InvalidParameterValue")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available", "type": "ipsec.1"}


def _documentation(ip) -> bool:
    return any(ip in ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


class VpnGateway(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs.get("vpc")
        if vpc:
            for other, path in op.tx.referrers(vpc, "vpn_gateway"):
                if other.id != rec.id and path == "vpc":
                    raise Conflict(f"VPC {vpc} already has virtual private gateway {other.id} attached",
                                   code="Resource.AlreadyAssociated")
        for rt in rec.attrs.get("propagate_to") or []:
            require(op.the(rt).attrs.get("vpc") == vpc, f"Route table {rt} and virtual private gateway "
                    f"{rec.id or '(new)'} belong to different networks", "Gateway.NotAttached")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available", "type": "ipsec.1",
                "attachment": "attached" if rec.attrs.get("vpc") else "detached"}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("vpn_connection", "dx_virtual_interface", "route_table"))
        if users:
            raise in_use(rec, users, code="IncorrectState", what=" (VPN connections, virtual interfaces or routes)")


class VpnConnection(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        require(bool(at.get("vpn_gateway")) != bool(at.get("transit_gateway")), "Specify either a VpnGatewayId or a "
                "TransitGatewayId", "InvalidParameterCombination")
        cidrs = [ipaddress.ip_network(c) for c in at.get("inside_cidrs") or []]
        require(len(cidrs) <= 2 and len(at.get("preshared_keys") or []) <= 2, "A VPN connection has two tunnels",
                "InvalidParameterValue")
        for c in cidrs:
            require(c.prefixlen == 30 and c.subnet_of(ipaddress.ip_network("169.254.0.0/16")),
                    f"The tunnel inside CIDR {c} is not a /30 of 169.254.0.0/16", "InvalidParameterValue")
        require(len(set(cidrs)) == len(cidrs), "The tunnel inside CIDRs must be unique", "InvalidParameterValue")
        if at.get("routing") == "bgp":
            gw = op.the(at.get("vpn_gateway") or at.get("transit_gateway"))
            require(op.the(at["customer_gateway"]).attrs.get("bgp_asn") != gw.attrs.get("amazon_side_asn"),
                    "The customer gateway's BGP ASN must differ from the Amazon side ASN", "InvalidParameterValue")

    def create(self, op: Op, rec: Record):
        """Two tunnels, their AWS ends in two different AZs of the region, each with a public
        address and an inside /30 (AWS picks one where the connection names none)."""
        zones = op.zones(rec.region) or [None, None]
        cidrs = list(rec.attrs.get("inside_cidrs") or [])
        n = rec.seq or 0
        while len(cidrs) < 2:
            cidrs.append(f"169.254.{10 + (n * 2 + len(cidrs)) % 240}.{4 * (n % 60)}/30")
        for i in range(2):
            tunnel = op.add_owned(rec, "vpn_tunnel", "tunnel", {"name": f"tunnel-{i + 1}", "inside_cidr": cidrs[i]},
                                  az=zones[i % len(zones)])
            tunnel.outputs["outside_ip"] = op.public_ip(tunnel.id, rec.region)
            op.tx.save(tunnel)

    def outputs(self, op: Op, rec: Record) -> dict:
        tunnels = op.tx.owned(rec.id, "vpn_tunnel")
        return {"arn": self.arn(rec), "state": "available", "tunnel_addresses": [t.outputs["outside_ip"] for t in tunnels],
                "tunnel_zones": [t.az for t in tunnels], "category": "VPN"}


class DxConnection(Behaviour):
    service = "directconnect"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        given = rec.attrs.get("connection_id")
        rec.id = given if given else "dxcon-" + ids.base36(op.seed, n, 8, "dxcon")
        require(op.tx.get(rec.id) is None, f"Connection {rec.id} is already in use", "DirectConnectClientException")

    def arn(self, rec: Record) -> str:
        return ids.arn("directconnect", rec.region, f"dxcon/{rec.id}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available", "location": rec.attrs.get("location"),
                "bandwidth": rec.attrs.get("bandwidth")}


class DxGateway(Behaviour):
    service = "directconnect"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.uuid(op.seed, n, "dxgw")

    def arn(self, rec: Record) -> str:
        return ids.arn("directconnect", None, f"dx-gateway/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        for vgw in rec.attrs.get("vpn_gateways") or []:
            require(bool(op.the(vgw).attrs.get("vpc")), f"Virtual private gateway {vgw} is not attached to a VPC",
                    "DirectConnectClientException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available"}


class DxVirtualInterface(Behaviour):
    service = "directconnect"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = "dxvif-" + ids.base36(op.seed, n, 8, "dxvif")

    def arn(self, rec: Record) -> str:
        return ids.arn("directconnect", rec.region, f"dxvif/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        conn = at["connection"]
        for other, path in op.tx.referrers(conn, "dx_virtual_interface"):
            if other.id != rec.id and other.attrs.get("vlan") == at.get("vlan"):
                raise Conflict(f"VLAN {at.get('vlan')} is already in use on connection {conn} by {other.id}",
                               code="DirectConnectClientException")
        if at.get("type") == "transit":
            require(bool(at.get("dx_gateway")), "A transit virtual interface needs a Direct Connect gateway",
                    "DirectConnectClientException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"arn": self.arn(rec), "state": "available", "vlan": rec.attrs.get("vlan")}


BEHAVIOURS = {
    "transit_gateway": TransitGateway(), "transit_gateway_attachment": TransitGatewayAttachment(),
    "transit_gateway_route_table": TransitGatewayRouteTable(), "customer_gateway": CustomerGateway(),
    "vpn_gateway": VpnGateway(), "vpn_connection": VpnConnection(), "dx_connection": DxConnection(),
    "dx_gateway": DxGateway(), "dx_virtual_interface": DxVirtualInterface(),
}
