"""Reachability to and from on-premises (notes §24.8–§24.10): a private address outside every
VPC enters over Direct Connect or a Site-to-Site VPN, crosses a transit gateway's route table
(longest prefix) to the VPC's attachment or a virtual private gateway into the VPC, and needs a
route back for the reply. With Direct Connect and a BGP VPN both carrying the prefix, the flow
takes Direct Connect (AWS's route evaluation order); the VPN is the backup. Each flow's hops are
kept as a snapshot."""

from __future__ import annotations

import pytest

from tests.stdlib.test_reach_transit import answer_of, rendered

# a hub with one spoke VPC; %(ways)s: the ways on-premises has in, %(back)s: the spoke's route home
HUB = '''
region "us-east-1" as east {
  vpc spoke { cidr = 10.1.0.0/16 }
  subnet tgw_a { vpc = spoke, cidr = 10.1.0.0/28, az = a }
  subnet app_a { vpc = spoke, cidr = 10.1.16.0/24, az = a }
  transit_gateway hub { %(hub)s }
  transit_gateway_attachment spoke_att { transit_gateway = hub, vpc = spoke, subnets = [tgw_a] }
  route_table spoke_rt {
    vpc = spoke
    subnets = [tgw_a, app_a]
    %(back)s
  }
  security_group app_sg {
    vpc = spoke
    ingress { port = 443, from = 192.168.0.0/16 }
    egress { port = 443, to = 192.168.0.0/16 }
  }
  instance app { ami = "ami-1", instance_type = t3.micro, subnet = app_a, security_groups = [app_sg] }
  customer_gateway office { ip_address = 203.0.113.10, bgp_asn = 65010 }
  %(ways)s
}
%(dxgw)s
'''

HOME = "route { destination = 192.168.0.0/16, target = hub }"
BGP_VPN = "vpn_connection vpn { customer_gateway = office, transit_gateway = hub }"
STATIC_VPN = 'vpn_connection vpn { customer_gateway = office, transit_gateway = hub, routing = static }'
LINE = ('dx_connection line { location = "EqDC2", bandwidth = "10Gbps" }\n'
        '  dx_virtual_interface vif { connection = line, type = transit, vlan = 101, bgp_asn = 65010, '
        'dx_gateway = dxgw }')


def dxgw(prefixes="10.1.0.0/16"):
    return f"dx_gateway dxgw {{ transit_gateways = [east.hub], allowed_prefixes = [{prefixes}] }}"


def hub(ways, back=HOME, dx=None, options=""):
    return HUB % {"hub": options, "back": back, "ways": ways, "dxgw": dx or ""}


# a VPC with a virtual private gateway: a static VPN and a private Direct Connect interface
VGW = '''
region "us-east-1" as east {
  vpc main { cidr = 10.9.0.0/16 }
  subnet app_a { vpc = main, cidr = 10.9.1.0/24, az = a }
  route_table rt { vpc = main, subnets = [app_a] }
  vpn_gateway vgw { vpc = main, propagate_to = [%(propagate)s] }
  security_group app_sg {
    vpc = main
    ingress { port = 22, from = 172.16.0.0/12 }
  }
  instance app { ami = "ami-1", instance_type = t3.micro, subnet = app_a, security_groups = [app_sg] }
  customer_gateway office { ip_address = 203.0.113.10, bgp_asn = 65010 }
  vpn_connection vpn {
    customer_gateway = office
    vpn_gateway = vgw
    routing = static
    static_routes = [172.16.0.0/12]
  }
  %(line)s
}
'''
PRIVATE_LINE = ('dx_connection line { location = "EqDC2" }\n'
                '  dx_virtual_interface vif { connection = line, type = private, vlan = 7, vpn_gateway = vgw }')


def vgw(propagate="rt", line=""):
    return VGW % {"propagate": propagate, "line": line}


#          name: (architecture, source, destination, port, reachable)
FLOWS = {
    "dx_preferred_over_the_bgp_vpn": (hub(f"{BGP_VPN}\n  {LINE}", dx=dxgw()), "192.168.1.10", "east.app", 443, True),
    "bgp_vpn_alone": (hub(BGP_VPN), "192.168.1.10", "east.app", 443, True),
    "dx_gateway_does_not_advertise_the_vpc_so_the_vpn_carries_it": (
        hub(f"{BGP_VPN}\n  {LINE}", dx=dxgw("10.200.0.0/16")), "192.168.1.10", "east.app", 443, True),
    "static_vpn_does_not_hold_the_address": (vgw(), "192.168.1.10", "east.app", 22, False),
    "no_route_home_for_the_reply": (hub(BGP_VPN, back=""), "192.168.1.10", "east.app", 443, False),
    "no_way_in_at_all": (hub(""), "192.168.1.10", "east.app", 443, False),
    "vpc_to_on_premises_over_dx": (hub(f"{BGP_VPN}\n  {LINE}", dx=dxgw()), "east.app", "192.168.7.7", 443, True),
    "virtual_private_gateway_static_vpn": (vgw(), "172.16.4.4", "east.app", 22, True),
    "virtual_private_gateway_prefers_dx": (vgw(line=PRIVATE_LINE), "172.16.4.4", "east.app", 22, True),
    "virtual_private_gateway_without_propagation": (vgw(propagate=""), "172.16.4.4", "east.app", 22, False),
}


@pytest.mark.parametrize("case", sorted(FLOWS))
def test_flow(case, snapshot):
    text, src, dst, port, expected = FLOWS[case]
    answer = answer_of(text, src, dst, port)
    assert answer.reachable is expected, rendered(answer)
    assert rendered(answer) == snapshot


def test_dx_is_the_way_taken_and_the_vpn_its_backup():
    answer = answer_of(hub(f"{BGP_VPN}\n  {LINE}", dx=dxgw()), "192.168.1.10", "east.app", 443)
    way = next(h for h in answer.shown.hops if h.step in ("Direct Connect", "VPN"))
    assert way.step == "Direct Connect" and way.at.address == "east.vif"
    assert "preferred over 'east.vpn'" in way.text


def test_a_static_vpn_route_wins_over_dx_on_a_transit_gateway():
    """A transit gateway ranks static routes (a static VPN's, in its route table) above Direct
    Connect gateway-propagated ones."""
    tables = """transit_gateway_attachment vpn_att { transit_gateway = hub, vpn = vpn }
  transit_gateway_route_table home {
    transit_gateway = hub
    associations = [spoke_att, vpn_att]
    propagations = [spoke_att]
    route { destination = 192.168.0.0/16, attachment = vpn_att }
  }"""
    text = hub(f"{STATIC_VPN}\n  {LINE}\n  {tables}", dx=dxgw(), options="default_route_table_association = false, "
                                                                  "default_route_table_propagation = false")
    answer = answer_of(text, "192.168.1.10", "east.app", 443)
    way = next(h for h in answer.shown.hops if h.step in ("Direct Connect", "VPN"))
    assert (way.step, way.at.address) == ("VPN", "east.vpn"), rendered(answer)
    assert "preferred over 'east.vif'" in way.text
    assert answer.reachable, rendered(answer)


def test_a_reply_aws_sends_another_way_is_called_asymmetric():
    """The Direct Connect gateway does not advertise the VPC, so on-premises sends over the VPN;
    AWS still prefers the Direct Connect routes for the reply."""
    answer = answer_of(hub(f"{BGP_VPN}\n  {LINE}", dx=dxgw("10.200.0.0/16")), "192.168.1.10", "east.app", 443)
    reply = next(h for h in answer.shown.hops if h.step == "reply")
    assert reply.at.address == "east.vif" and "asymmetric" in reply.text
