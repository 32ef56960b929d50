"""Transit Gateway, Site-to-Site VPN and Direct Connect in CloudFormation.

- `transit_gateway` → `AWS::EC2::TransitGateway` (its enable/disable options written out);
  a VPC attachment → `AWS::EC2::TransitGatewayVpcAttachment`. A VPN attachment is not a resource
  of its own: AWS makes it when the `AWS::EC2::VPNConnection` names the transit gateway, and
  CloudFormation returns no attribute with its id, so a template that associates or routes to it
  takes the id as a parameter (given once the VPN exists).
- `transit_gateway_route_table` → `AWS::EC2::TransitGatewayRouteTable` with an
  `…RouteTableAssociation`, `…RouteTablePropagation` and `TransitGatewayRoute` per entry.
- `vpn_gateway` → `AWS::EC2::VPNGateway`, its `VPCGatewayAttachment` and a
  `VPNGatewayRoutePropagation` for `propagate_to`; `vpn_connection` → `AWS::EC2::VPNConnection`
  (a static VPN's routes as `VPNConnectionRoute`s), each pre-shared key a NoEcho parameter.
- `dx_connection`: ordering a line takes over a month (notes §24.9.1), so a connection with
  `connection_id` is the existing line, taken as a parameter defaulting to that id; one without
  is `AWS::DirectConnect::Connection`, which requests a new dedicated line at the location (AWS
  then sends the Letter of Authorization for the cross-connect). `dx_gateway` →
  `AWS::DirectConnect::DirectConnectGateway` and a `DirectConnectGatewayAssociation` per gateway;
  `dx_virtual_interface` → `AWS::DirectConnect::PrivateVirtualInterface` or `…Transit…`.
"""

from __future__ import annotations

import re

from ..intrinsics import Att, arn, sub
from ..logical_ids import camel
from .common import REF, getatt, suffixes


def _flag(r, name: str) -> str:
    return "enable" if r.raw(name) else "disable"


def transit_gateway(r):
    r.part("AWS::EC2::TransitGateway", {
        "AmazonSideAsn": r.val("amazon_side_asn"),
        "DefaultRouteTableAssociation": _flag(r, "default_route_table_association"),
        "DefaultRouteTablePropagation": _flag(r, "default_route_table_propagation"),
        "DnsSupport": _flag(r, "dns_support"),
        "VpnEcmpSupport": _flag(r, "vpn_ecmp"),
        "AutoAcceptSharedAttachments": _flag(r, "auto_accept_shared_attachments"),
        "MulticastSupport": _flag(r, "multicast"),
        "Description": r.val("description"),
        "Tags": r.tags(),
    })


def transit_gateway_attachment(r):
    if r.target("vpn") is not None:
        return  # made by the VPN connection; its id is a parameter (see _attachment_id)
    r.part("AWS::EC2::TransitGatewayVpcAttachment", {
        "TransitGatewayId": r.ref("transit_gateway"),
        "VpcId": r.ref("vpc"),
        "SubnetIds": r.refs("subnets"),
        "Options": {"DnsSupport": _flag(r, "dns_support"), "ApplianceModeSupport": _flag(r, "appliance_mode"),
                    "Ipv6Support": _flag(r, "ipv6")},
        "Tags": r.tags(),
    })


def _attachment_id(src):
    if src.target("vpn") is None:
        return Att(src.address, "", None)
    vpn = src.target("vpn")
    return src.ctx.synthetic_param(f"tgw-vpn-attachment:{src.address}", camel(src.address.replace(".", "_")) + "Id",
                                   "String", None, f"Transit gateway attachment id of VPN connection {vpn} (AWS "
                                   "makes it with the connection; CloudFormation returns no attribute for it)")


def transit_gateway_route_table(r):
    r.part("AWS::EC2::TransitGatewayRouteTable", {"TransitGatewayId": r.ref("transit_gateway"), "Tags": r.tags()})
    for field, type_, prefix in (("associations", "AWS::EC2::TransitGatewayRouteTableAssociation", "Association"),
                                 ("propagations", "AWS::EC2::TransitGatewayRouteTablePropagation", "Propagation")):
        targets = r.targets(field)
        names = suffixes(targets, prefix)
        for i, a in enumerate(targets):
            r.part(type_, {"TransitGatewayRouteTableId": r.att(), "TransitGatewayAttachmentId": r.ref(field, i)},
                   suffix=names[a])
    for i, route in enumerate(r.raw("route") or []):
        r.part("AWS::EC2::TransitGatewayRoute", {
            "TransitGatewayRouteTableId": r.att(),
            "DestinationCidrBlock": r.val("route", i, "destination"),
            "TransitGatewayAttachmentId": r.ref("route", i, "attachment"),
            "Blackhole": True if route.get("blackhole") else None,
        }, suffix="Route" + camel(re.sub(r"[^0-9]", "_", str(route.get("destination")))))


def customer_gateway(r):
    asn = r.raw("bgp_asn")
    big = isinstance(asn, int) and asn > 2147483647
    r.part("AWS::EC2::CustomerGateway", {
        "Type": "ipsec.1",
        "IpAddress": r.val("ip_address"),
        "BgpAsn": None if big else r.val("bgp_asn"),
        "BgpAsnExtended": r.val("bgp_asn") if big else None,
        "DeviceName": r.val("device_name"),
        "Tags": r.tags(),
    })


def vpn_gateway(r):
    r.part("AWS::EC2::VPNGateway", {"Type": "ipsec.1", "AmazonSideAsn": r.val("amazon_side_asn"), "Tags": r.tags()})
    if r.target("vpc") is not None:
        r.part("AWS::EC2::VPCGatewayAttachment", {"VpcId": r.ref("vpc"), "VpnGatewayId": r.att()},
               suffix="Attachment")
    if r.targets("propagate_to"):
        r.part("AWS::EC2::VPNGatewayRoutePropagation", {"RouteTableIds": r.refs("propagate_to"), "VpnGatewayId": r.att()},
               suffix="Propagation", depends=[r.att("Attachment")] if r.target("vpc") is not None else None)


def _psk(r, i: int):
    value = r.val("preshared_keys", i)
    if value is None or not isinstance(value, str):
        return value  # from a root param: the pipeline makes that parameter NoEcho
    return r.ctx.synthetic_param(f"secret:{r.address}:preshared_keys.{i}",
                                 camel(r.address.replace(".", "_")) + f"Tunnel{i + 1}Psk", "String", None,
                                 f"Pre-shared key of tunnel {i + 1} of {r.address} (given at deploy time)",
                                 no_echo=True)


def vpn_connection(r):
    cidrs, keys = r.peek("inside_cidrs") or [], r.peek("preshared_keys") or []
    tunnels = [{"TunnelInsideCidr": r.val("inside_cidrs", i) if i < len(cidrs) else None,
                "PreSharedKey": _psk(r, i) if i < len(keys) else None} for i in range(max(len(cidrs), len(keys)))]
    vgw = r.target("vpn_gateway")
    r.part("AWS::EC2::VPNConnection", {
        "Type": "ipsec.1",
        "CustomerGatewayId": r.ref("customer_gateway"),
        "VpnGatewayId": r.ref("vpn_gateway"),
        "TransitGatewayId": r.ref("transit_gateway"),
        "StaticRoutesOnly": r.raw("routing") == "static",
        "EnableAcceleration": True if r.raw("acceleration") else None,
        "VpnTunnelOptionsSpecifications": tunnels or None,
        "Tags": r.tags(),
    }, depends=[Att(vgw, "Attachment")] if vgw and r.ctx.source(vgw).target("vpc") else None)
    if vgw is None:
        return
    for i, route in enumerate(r.raw("static_routes") or []):
        r.part("AWS::EC2::VPNConnectionRoute", {"VpnConnectionId": r.att(),
                                                "DestinationCidrBlock": r.val("static_routes", i)},
               suffix="Route" + camel(re.sub(r"[^0-9]", "_", str(route))))


def route_depends(ctx, route_table: str, target: str) -> list:
    """What a VPC route to a transit gateway or a virtual private gateway waits for: the
    attachment of the gateway to the route table's VPC (no reference says so)."""
    kind = ctx.kind(target)
    if kind == "vpn_gateway":
        return [Att(target, "Attachment")] if ctx.source(target).target("vpc") else []
    vpc = ctx.source(route_table).target("vpc")
    return [Att(a, "") for a in ctx.of_kind("transit_gateway_attachment")
            if ctx.source(a).target("transit_gateway") == target and ctx.source(a).target("vpc") == vpc]


def _name(address: str, limit: int = 100) -> str:
    return re.sub(r"[^\w \-,/]", "-", address)[:limit]


def dx_connection(r):
    if r.raw("connection_id"):
        return  # an existing line: its id is a parameter (see _connection_id)
    r.part("AWS::DirectConnect::Connection", {
        "ConnectionName": _name(r.address, 200),
        "Location": r.val("location"),
        "Bandwidth": r.val("bandwidth"),
        "ProviderName": r.val("provider"),
        "RequestMACSec": True if r.raw("macsec") else None,
        "Tags": r.tags(),
    })


def _connection_id(src):
    given = src.peek("connection_id")
    if not given:
        return Att(src.address, "", "ConnectionId")
    return src.ctx.synthetic_param(f"dx-connection:{src.address}", camel(src.address.replace(".", "_")) + "Id",
                                   "String", given, f"Id of the existing Direct Connect connection {src.address} "
                                   "(ordered outside CloudFormation)")


def _connection_arn(src):
    if not src.peek("connection_id"):
        return Att(src.address, "", "ConnectionArn")
    return arn("directconnect", sub("dxcon/", _connection_id(src)))


def dx_gateway(r):
    r.part("AWS::DirectConnect::DirectConnectGateway", {
        "DirectConnectGatewayName": _name(r.address),
        "AmazonSideAsn": r.text("amazon_side_asn"),
        "Tags": r.tags(),
    })
    for field in ("vpn_gateways", "transit_gateways"):
        targets = r.targets(field)
        names = suffixes(targets, "Association")
        for i, g in enumerate(targets):
            r.part("AWS::DirectConnect::DirectConnectGatewayAssociation", {
                "DirectConnectGatewayId": r.att("", "DirectConnectGatewayId"),
                "AssociatedGatewayId": r.ref(field, i),
                "AllowedPrefixesToDirectConnectGateway": r.val("allowed_prefixes") or None
                if field == "transit_gateways" else None,
            }, suffix=names[g])


def dx_virtual_interface(r):
    transit = r.raw("type") == "transit"
    key = r.val("bgp_auth_key")
    if isinstance(key, str):
        key = r.ctx.synthetic_param(f"secret:{r.address}:bgp_auth_key", camel(r.address.replace(".", "_")) + "BgpKey",
                                    "String", None, f"BGP authentication key of {r.address} (given at deploy time)",
                                    no_echo=True)
    r.part("AWS::DirectConnect::TransitVirtualInterface" if transit else "AWS::DirectConnect::PrivateVirtualInterface", {
        "VirtualInterfaceName": _name(r.address),
        "ConnectionId": r.ref("connection"),
        "Vlan": r.val("vlan"),
        "Mtu": r.val("mtu"),
        "DirectConnectGatewayId": r.ref("dx_gateway"),
        "VirtualGatewayId": None if transit else r.ref("vpn_gateway"),
        "BgpPeers": [{"AddressFamily": "ipv4", "Asn": r.text("bgp_asn"), "AuthKey": key,
                      "AmazonAddress": r.val("amazon_address"), "CustomerAddress": r.val("customer_address")}],
        "Tags": r.tags(),
    })


MAPPERS = {
    "transit_gateway": transit_gateway, "transit_gateway_attachment": transit_gateway_attachment,
    "transit_gateway_route_table": transit_gateway_route_table, "customer_gateway": customer_gateway,
    "vpn_gateway": vpn_gateway, "vpn_connection": vpn_connection, "dx_connection": dx_connection,
    "dx_gateway": dx_gateway, "dx_virtual_interface": dx_virtual_interface,
}

TYPES = {
    "transit_gateway": ["AWS::EC2::TransitGateway"],
    "transit_gateway_attachment": ["AWS::EC2::TransitGatewayVpcAttachment"],
    "transit_gateway_route_table": ["AWS::EC2::TransitGatewayRouteTable", "AWS::EC2::TransitGatewayRouteTableAssociation",
                                    "AWS::EC2::TransitGatewayRouteTablePropagation", "AWS::EC2::TransitGatewayRoute"],
    "customer_gateway": ["AWS::EC2::CustomerGateway"],
    "vpn_gateway": ["AWS::EC2::VPNGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::VPNGatewayRoutePropagation"],
    "vpn_connection": ["AWS::EC2::VPNConnection", "AWS::EC2::VPNConnectionRoute"],
    "dx_connection": ["AWS::DirectConnect::Connection"],
    "dx_gateway": ["AWS::DirectConnect::DirectConnectGateway", "AWS::DirectConnect::DirectConnectGatewayAssociation"],
    "dx_virtual_interface": ["AWS::DirectConnect::PrivateVirtualInterface",
                             "AWS::DirectConnect::TransitVirtualInterface"],
}


def _ec2_arn(kind: str):
    def build(src):
        return arn("ec2", sub(f"{kind}/", Att(src.address, "", None)))
    return build


EXPORTS = {
    "transit_gateway": {"id": REF, "arn": getatt("TransitGatewayArn")},
    "transit_gateway_attachment": {"id": _attachment_id},
    "transit_gateway_route_table": {"id": REF},
    "customer_gateway": {"id": REF, "arn": _ec2_arn("customer-gateway")},
    "vpn_gateway": {"id": REF, "arn": _ec2_arn("vpn-gateway")},
    "vpn_connection": {"id": REF, "arn": _ec2_arn("vpn-connection"), "tunnel_addresses": None},
    "dx_connection": {"id": _connection_id, "arn": _connection_arn},
    "dx_gateway": {"id": getatt("DirectConnectGatewayId"), "arn": getatt("DirectConnectGatewayArn")},
    "dx_virtual_interface": {"id": getatt("VirtualInterfaceId"), "arn": getatt("VirtualInterfaceArn")},
}
