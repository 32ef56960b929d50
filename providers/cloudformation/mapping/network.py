"""Networking: VPCs and their CIDR blocks, subnets, gateways, routes, network ACLs, security
groups, Elastic IPs, peering, endpoints and network interfaces.

Routes to an internet gateway, Elastic IPs on instances and public NAT gateways wait for the
gateway's attachment to the VPC (`DependsOn`): no reference says so, and AWS refuses them
before it. Security group rules that name another group are their own resources, so groups
that allow each other (or themselves) do not form a cycle; rules with CIDR blocks stay inline.
"""

from __future__ import annotations

import ipaddress

from ..intrinsics import REGION, Att, sub
from ..logical_ids import camel
from ..units import port_range
from .common import REF, arn_export, getatt, ipv6, suffixes, unique

INTERNET = ("0.0.0.0/0", "::/0")


def vpc(r):
    r.part("AWS::EC2::VPC", {
        "CidrBlock": r.val("cidr"),
        "EnableDnsSupport": r.val("enable_dns_support"),
        "EnableDnsHostnames": r.val("enable_dns_hostnames"),
        "InstanceTenancy": r.val("instance_tenancy") if r.raw("instance_tenancy") != "default" else None,
        "Tags": r.tags(),
    })
    for i, block in enumerate(r.peek("secondary_cidrs") or []):
        r.part("AWS::EC2::VPCCidrBlock", {"VpcId": r.att(), "CidrBlock": r.val("secondary_cidrs", i)},
               suffix="Cidr" + camel(block))
    if r.raw("ipv6"):
        r.part("AWS::EC2::VPCCidrBlock", {"VpcId": r.att(), "AmazonProvidedIpv6CidrBlock": True}, suffix="Ipv6")


def _secondary_block(r, vpc_address: str | None, cidr) -> Att | None:
    """The VPC's secondary CIDR block a subnet lies in (the subnet must wait for it)."""
    if vpc_address is None or not isinstance(cidr, str) or ipv6(cidr):
        return None
    vpc_src = r.ctx.source(vpc_address)
    net = ipaddress.ip_network(cidr)
    primary = vpc_src.peek("cidr")
    if isinstance(primary, str) and net.subnet_of(ipaddress.ip_network(primary)):
        return None
    for block in vpc_src.peek("secondary_cidrs") or []:
        if net.version == 4 and net.subnet_of(ipaddress.ip_network(block)):
            return Att(vpc_address, "Cidr" + camel(block))
    return None


def subnet(r):
    cidr = r.peek("cidr")
    r.part("AWS::EC2::Subnet", {
        "VpcId": r.ref("vpc"),
        "CidrBlock": r.val("cidr") if not ipv6(cidr) else None,
        "Ipv6CidrBlock": r.val("cidr") if ipv6(cidr) else None,
        "AvailabilityZone": r.val("az"),
        "MapPublicIpOnLaunch": True if r.raw("map_public_ip") else None,
        "Tags": r.tags(),
    }, depends=[_secondary_block(r, r.target("vpc"), cidr)])


def internet_gateway(r):
    r.part("AWS::EC2::InternetGateway", {"Tags": r.tags()})
    r.part("AWS::EC2::VPCGatewayAttachment", {"VpcId": r.ref("vpc"), "InternetGatewayId": r.att()},
           suffix="Attachment")


def egress_only_internet_gateway(r):
    r.part("AWS::EC2::EgressOnlyInternetGateway", {"VpcId": r.ref("vpc"), "Tags": r.tags()})


def elastic_ip(r):
    instance = r.target("instance")
    eni = r.target("network_interface")
    depends = [r.ctx.igw_attachment(r.ctx.vpc_of(instance or eni))]
    r.part("AWS::EC2::EIP", {
        "Domain": "vpc",
        "InstanceId": r.ref("instance"),
        "Tags": r.tags(),
    }, depends=depends)
    if eni:
        r.part("AWS::EC2::EIPAssociation", {
            "AllocationId": r.att("", "AllocationId"),
            "NetworkInterfaceId": r.ref("network_interface"),
        }, suffix="Association")


def nat_gateway(r):
    public = r.raw("connectivity") == "public"
    allocation = r.ref("elastic_ip", export="allocation_id")
    depends = []
    if public:
        depends.append(r.ctx.igw_attachment(r.ctx.vpc_of(r.target("subnet"))))
        if allocation is None:
            r.part("AWS::EC2::EIP", {"Domain": "vpc", "Tags": r.tags()}, suffix="Eip", depends=depends)
            allocation = r.att("Eip", "AllocationId")
    r.part("AWS::EC2::NatGateway", {
        "SubnetId": r.ref("subnet"),
        "AllocationId": allocation if public else None,
        "ConnectivityType": "private" if not public else None,
        "Tags": r.tags(),
    }, depends=depends)


def _nat_public_ip(src):
    if src.raw("connectivity") != "public":
        return None
    eip = src.target("elastic_ip")
    return Att(eip, "", "PublicIp") if eip else Att(src.address, "Eip", "PublicIp")


_ROUTE_TARGET = {"internet_gateway": "GatewayId", "nat_gateway": "NatGatewayId", "instance": "InstanceId",
                 "vpc_peering": "VpcPeeringConnectionId", "network_interface": "NetworkInterfaceId",
                 "egress_only_internet_gateway": "EgressOnlyInternetGatewayId",
                 "transit_gateway": "TransitGatewayId", "vpn_gateway": "GatewayId",
                 "network_firewall": "VpcEndpointId"}


def _route_suffix(destination: str) -> str:
    if destination == "0.0.0.0/0":
        return "RouteInternet"
    if destination == "::/0":
        return "RouteInternetIpv6"
    return "Route" + camel(destination.replace(":", " "))


def route_table(r):
    r.part("AWS::EC2::RouteTable", {"VpcId": r.ref("vpc"), "Tags": r.tags()})
    for i, route in enumerate(r.raw("route") or []):
        destination = route.get("destination")
        target = r.target("route", i, "target")
        kind = r.ctx.kind(target)
        field = _ROUTE_TARGET.get(kind)
        if field is None:
            r.error(f"a route to a {kind} cannot be written in CloudFormation", ("route", i))
            continue
        depends = [r.ctx.igw_attachment(r.ctx.vpc_of(target))] if kind == "internet_gateway" else []
        if kind in ("transit_gateway", "vpn_gateway"):
            from .hybrid import route_depends
            depends = route_depends(r.ctx, r.address, target)
        value = r.ref("route", i, "target")
        if kind == "network_firewall":  # the firewall's endpoint in the AZ of this table's subnets
            from .netsec import endpoint_id
            zones = [r.ctx.source(s).model.az for s in r.targets("subnets")]
            value = endpoint_id(r.ctx, target, zones[0] if zones else None)
        r.part("AWS::EC2::Route", {
            "RouteTableId": r.att(),
            "DestinationIpv6CidrBlock" if ipv6(destination) else "DestinationCidrBlock": r.val("route", i, "destination"),
            field: value,
        }, suffix=_route_suffix(destination), depends=depends)
    _associations(r, "AWS::EC2::SubnetRouteTableAssociation", "RouteTableId")


def _associations(r, type_: str, field: str):
    subnets = r.targets("subnets")
    names = suffixes(subnets, "Association")
    for i, s in enumerate(subnets):
        r.part(type_, {field: r.att(), "SubnetId": r.ref("subnets", i)}, suffix=names[s])


_PROTOCOL_NUMBER = {"tcp": 6, "udp": 17, "icmp": 1, "all": -1}


def network_acl(r):
    r.part("AWS::EC2::NetworkAcl", {"VpcId": r.ref("vpc"), "Tags": r.tags()})
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(r.raw(direction) or []):
            protocol = rule.get("protocol")
            ports = port_range(rule.get("ports"))
            cidr = rule.get("cidr")
            r.part("AWS::EC2::NetworkAclEntry", {
                "NetworkAclId": r.att(),
                "RuleNumber": r.val(direction, i, "rule"),
                "RuleAction": rule.get("action"),
                "Egress": direction == "egress",
                "Protocol": _PROTOCOL_NUMBER[protocol],
                "Ipv6CidrBlock" if ipv6(cidr) else "CidrBlock": r.val(direction, i, "cidr"),
                "PortRange": {"From": ports[0], "To": ports[1]} if ports and protocol in ("tcp", "udp") else None,
                "Icmp": {"Code": -1, "Type": -1} if protocol == "icmp" else None,
            }, suffix=f"{direction.capitalize()}{rule.get('rule')}")
    _associations(r, "AWS::EC2::SubnetNetworkAclAssociation", "NetworkAclId")


# --- security groups ------------------------------------------------------------------------

def _rule_ports(rule: dict) -> dict:
    protocol = rule.get("protocol")
    if protocol == "all":
        return {"IpProtocol": "-1"}
    if protocol == "icmp":
        return {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}
    low, high = port_range(rule.get("port") if rule.get("port") is not None else rule.get("ports"))
    return {"IpProtocol": protocol, "FromPort": low, "ToPort": high}


def _is_default_egress(rules: list) -> bool:
    return (len(rules) == 1 and rules[0].get("protocol") == "all" and rules[0].get("to") in INTERNET[:1]
            and not rules[0].get("description"))


def _rule_suffix(direction: str, rule: dict, peer: str, own: str) -> str:
    """`IngressTcp8080FromAlbSg`-like names (TCP is left out: it is the usual protocol)."""
    protocol = rule.get("protocol")
    ports = ""
    if protocol not in ("all", "icmp"):
        low, high = port_range(rule.get("port") if rule.get("port") is not None else rule.get("ports"))
        ports = str(low) if low == high else f"{low}To{high}"
    proto = "" if protocol == "tcp" else protocol.capitalize()
    name = "Self" if peer == own else camel(peer.rsplit(".", 1)[-1])
    word = "From" if direction == "ingress" else "To"
    return f"{direction.capitalize()}{proto}{ports}{word}{name}"


def _description(r, direction: str, i: int, peer):
    """The rule's `description`, or one that says what it allows (`tcp 443 from 0.0.0.0/0`,
    `tcp 5432 from primary.app_sg`, `tcp 22 from ${AdminCidr}` for a parameter's CIDR): a
    reviewer reads every rule's purpose in the console."""
    written = r.val(direction, i, "description")
    if written:
        return written
    rule = _written_fields(r, direction, i)
    protocol = rule.get("protocol")
    ports = ""
    if protocol not in ("all", "icmp"):
        low, high = port_range(rule.get("port") if rule.get("port") is not None else rule.get("ports"))
        ports = f" {low}" if low == high else f" {low}-{high}"
    what = "all traffic" if protocol == "all" else f"{protocol}{ports}"
    return sub(f"{what} {'from' if direction == 'ingress' else 'to'} ", peer)


def _written_fields(r, direction: str, i: int) -> dict:
    """The protocol and ports of a rule, as written (a parameter in them is fixed); its peer is
    read on its own, so a CIDR parameter stays a parameter."""
    return {k: r.raw(direction, i, k) for k in ("protocol", "port", "ports")}


def security_group(r):
    inline: dict[str, list] = {"ingress": [], "egress": []}
    separate: list[tuple[str, int, str]] = []
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        # the rules' shape (how many, to what); egress as written, whether it is AWS's default
        rules = r.peek(direction) or [] if direction == "ingress" else r.raw(direction) or []
        if direction == "egress" and _is_default_egress(rules):
            continue
        for i, rule in enumerate(rules):
            peer = r.peek(direction, i, peer_key)
            if type(peer) is dict:
                separate.append((direction, i, peer["$ref"]))
                continue
            entry = _rule_ports(_written_fields(r, direction, i))
            cidr = r.val(direction, i, peer_key)
            entry["CidrIpv6" if ipv6(peer) else "CidrIp"] = cidr
            entry["Description"] = _description(r, direction, i, cidr)
            inline[direction].append(entry)
    egress_written = not _is_default_egress(r.raw("egress") or [])
    if egress_written and not inline["egress"]:
        # Only rules to other groups (or none): remove AWS's default allow-all egress rule,
        # which CloudFormation keeps unless the group has an inline egress rule.
        inline["egress"].append({"IpProtocol": "-1", "CidrIp": "127.0.0.1/32",
                                 "Description": "No egress except the rules below"})
    r.part("AWS::EC2::SecurityGroup", {
        "GroupDescription": r.val("description"),
        "VpcId": r.ref("vpc"),
        "SecurityGroupIngress": inline["ingress"],
        "SecurityGroupEgress": inline["egress"] if egress_written else None,
        "Tags": r.tags(),
    })
    names = unique([_rule_suffix(d, r.raw(d, i), peer, r.address) for d, i, peer in separate])
    for (direction, i, peer), suffix in zip(separate, names):
        rule = r.raw(direction, i)
        props = {"GroupId": r.att("", "GroupId"), **_rule_ports(rule)}
        key = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
        props[key] = r.ref(direction, i, "from" if direction == "ingress" else "to")
        props["Description"] = _description(r, direction, i, "itself" if peer == r.address else peer)
        r.part("AWS::EC2::SecurityGroupIngress" if direction == "ingress" else "AWS::EC2::SecurityGroupEgress",
               props, suffix=suffix)


def vpc_peering(r):
    peer = r.target("peer_vpc")
    peer_region = r.ctx.region(peer) if peer else None
    r.part("AWS::EC2::VPCPeeringConnection", {
        "VpcId": r.ref("vpc"),
        "PeerVpcId": r.ref("peer_vpc"),
        "PeerRegion": peer_region if peer_region and peer_region != r.ctx.region(r.address) else None,
        "Tags": r.tags(),
    })


def vpc_endpoint(r):
    service = r.raw("service")
    gateway = r.raw("type") == "gateway"
    name = r.val("service") if isinstance(service, str) and "." in service else sub("com.amazonaws.", REGION, ".",
                                                                                       r.val("service"))
    r.part("AWS::EC2::VPCEndpoint", {
        "VpcId": r.ref("vpc"),
        "ServiceName": name,
        "VpcEndpointType": "Gateway" if gateway else "Interface",
        "RouteTableIds": r.refs("route_tables") if gateway else None,
        "SubnetIds": r.refs("subnets") if not gateway else None,
        "SecurityGroupIds": r.refs("security_groups") if not gateway else None,
        "PrivateDnsEnabled": r.val("private_dns") if not gateway else None,
        "Tags": r.tags(),
    })


def network_interface(r):
    count = r.raw("secondary_private_ips") or 0
    r.part("AWS::EC2::NetworkInterface", {
        "SubnetId": r.ref("subnet"),
        "GroupSet": r.refs("security_groups"),
        "SecondaryPrivateIpAddressCount": r.val("secondary_private_ips") if count else None,
        "SourceDestCheck": False if r.raw("source_dest_check") is False else None,
        "Description": r.val("description"),
        "Tags": r.tags(),
    })
    if r.target("instance"):
        r.part("AWS::EC2::NetworkInterfaceAttachment", {
            "NetworkInterfaceId": r.att(),
            "InstanceId": r.ref("instance"),
            "DeviceIndex": r.text("device_index"),
        }, suffix="Attachment")


def _endpoint_dns(src):
    from ..intrinsics import select, split
    return select(1, split(":", select(0, Att(src.address, "", "DnsEntries"))))


def _nat_az(src):
    subnet = src.target("subnet")
    return Att(subnet, "", "AvailabilityZone") if subnet else None


MAPPERS = {
    "vpc": vpc, "subnet": subnet, "internet_gateway": internet_gateway,
    "egress_only_internet_gateway": egress_only_internet_gateway, "elastic_ip": elastic_ip,
    "nat_gateway": nat_gateway, "route_table": route_table, "network_acl": network_acl,
    "security_group": security_group, "vpc_peering": vpc_peering, "vpc_endpoint": vpc_endpoint,
    "network_interface": network_interface,
}

TYPES = {
    "vpc": ["AWS::EC2::VPC", "AWS::EC2::VPCCidrBlock"],
    "subnet": ["AWS::EC2::Subnet"],
    "internet_gateway": ["AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment"],
    "egress_only_internet_gateway": ["AWS::EC2::EgressOnlyInternetGateway"],
    "elastic_ip": ["AWS::EC2::EIP", "AWS::EC2::EIPAssociation"],
    "nat_gateway": ["AWS::EC2::NatGateway", "AWS::EC2::EIP"],
    "route_table": ["AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation"],
    "network_acl": ["AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation"],
    "security_group": ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"],
    "vpc_peering": ["AWS::EC2::VPCPeeringConnection"],
    "vpc_endpoint": ["AWS::EC2::VPCEndpoint"],
    "network_interface": ["AWS::EC2::NetworkInterface", "AWS::EC2::NetworkInterfaceAttachment"],
}

EXPORTS = {
    "vpc": {"id": REF, "arn": arn_export("ec2", "vpc/"), "default_security_group": getatt("DefaultSecurityGroup"),
            "main_route_table": None},
    "subnet": {"id": REF, "arn": arn_export("ec2", "subnet/"), "available_ips": None},
    "internet_gateway": {"id": REF, "arn": arn_export("ec2", "internet-gateway/")},
    "egress_only_internet_gateway": {"id": REF},
    "elastic_ip": {"id": getatt("AllocationId"), "allocation_id": getatt("AllocationId"),
                   "public_ip": getatt("PublicIp"), "public_dns": None},
    "nat_gateway": {"id": REF, "public_ip": _nat_public_ip, "private_ip": None, "az": _nat_az},
    "route_table": {"id": REF, "arn": arn_export("ec2", "route-table/")},
    "network_acl": {"id": REF, "arn": arn_export("ec2", "network-acl/")},
    "security_group": {"id": getatt("GroupId"), "arn": arn_export("ec2", "security-group/", attr="GroupId"),
                       "name": None},
    "vpc_peering": {"id": REF},
    "vpc_endpoint": {"id": REF, "dns_name": _endpoint_dns, "prefix_list": None},
    "network_interface": {"id": REF, "private_ip": getatt("PrimaryPrivateIpAddress"), "mac_address": None},
}
