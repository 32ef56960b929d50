"""Transit Gateway, Site-to-Site VPN and Direct Connect (notes §24.8–§24.10): each of AWS's
rules is one diagnostic at the text at fault (its rendering kept as a snapshot); a hub with
VPC and VPN attachments, a VPN with two tunnels and a DX connection backed by the VPN validate
clean; routing through a transit gateway is transitive as far as its route tables go."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''sensitive param vpn_psk: string = "Abcdefgh_12345"

region "us-east-1" as east {
  vpc hub_vpc {
    cidr = 10.0.0.0/16
  }

  vpc app_vpc {
    cidr = 10.1.0.0/16
  }

  subnet hub_a {
    vpc  = hub_vpc
    cidr = 10.0.1.0/28
    az   = a
  }

  subnet hub_b {
    vpc  = hub_vpc
    cidr = 10.0.2.0/28
    az   = b
  }

  subnet app_a {
    vpc  = app_vpc
    cidr = 10.1.1.0/28
    az   = a
  }

  subnet app_b {
    vpc  = app_vpc
    cidr = 10.1.2.0/28
    az   = b
  }

  route_table app_rt {
    vpc     = app_vpc
    subnets = [app_a, app_b]

    route {
      destination = 10.0.0.0/8
      target      = hub
    }
  }

  transit_gateway hub {
    default_route_table_association = false
  }

  transit_gateway_attachment hub_att {
    transit_gateway = hub
    vpc             = hub_vpc
    subnets         = [hub_a, hub_b]
  }

  transit_gateway_attachment app_att {
    transit_gateway = hub
    vpc             = app_vpc
    subnets         = [app_a, app_b]
  }

  transit_gateway_attachment vpn_att {
    transit_gateway = hub
    vpn             = onprem_vpn
  }

  transit_gateway_route_table spokes {
    transit_gateway = hub
    associations    = [app_att, hub_att, vpn_att]
    propagations    = [app_att, hub_att, vpn_att]

    route {
      destination = 10.99.0.0/16
      blackhole   = true
    }
  }

  customer_gateway office {
    ip_address = 203.0.113.10
    bgp_asn    = 65010
  }

  vpn_connection onprem_vpn {
    customer_gateway = office
    transit_gateway  = hub

    inside_cidrs     = [169.254.10.0/30, 169.254.11.0/30]
    preshared_keys   = [vpn_psk, vpn_psk]
  }

  dx_connection line {
    location  = "EqDC2"
    bandwidth = "10Gbps"
  }

  dx_virtual_interface transit_vif {
    connection = line
    type       = transit
    vlan       = 101
    bgp_asn    = 65010
    dx_gateway = dxgw
    mtu        = 8500
  }
%s
}

dx_gateway dxgw {
  transit_gateways = [east.hub]
  allowed_prefixes = [10.0.0.0/8]
}
'''


def diagnose(text: str):
    desired, diags = resolve_text(text, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def case(old: str = "", new: str = "", extra: str = "") -> str:
    text = BASE % extra
    if old:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_the_hub_validates_with_safe_defaults():
    desired, found = diagnose(case())
    assert found == []
    hub = desired.resources["east.hub"].model
    assert hub.amazon_side_asn == 64512 and hub.auto_accept_shared_attachments is False and hub.vpn_ecmp is True
    assert "preshared_keys" in desired.resources["east.onprem_vpn"].sensitive


VGW = '''
  vpn_gateway vgw {
    vpc          = app_vpc
    propagate_to = [app_rt]
  }

  vpn_connection office_vpn {
    customer_gateway = office
    vpn_gateway      = vgw
    routing          = static
    static_routes    = [192.168.0.0/16]
  }
'''

FIRST_KEY = "[vpn_psk, vpn_psk]"

LIMITS = {
    # transit gateway
    "tgw_public_asn": case("    default_route_table_association = false\n",
                           "    default_route_table_association = false\n    amazon_side_asn = 7224\n"),
    "tgw_default_association": case("    default_route_table_association = false\n", ""),
    "attachment_two_subnets_one_az": case("    subnets         = [hub_a, hub_b]",
                                          "    subnets         = [hub_a, hub_b, hub_a2]",
                                          "\n  subnet hub_a2 {\n    vpc  = hub_vpc\n    cidr = 10.0.3.0/28\n    az   = a\n  }"),
    "attachment_subnet_of_other_vpc": case("    subnets         = [hub_a, hub_b]", "    subnets         = [hub_a, app_b]"),
    "attachment_without_subnets": case("    vpc             = hub_vpc\n    subnets         = [hub_a, hub_b]\n",
                                       "    vpc             = hub_vpc\n"),
    "attachment_vpc_and_vpn": case("    vpn             = onprem_vpn\n",
                                   "    vpn             = onprem_vpn\n    vpc             = hub_vpc\n"),
    "attachment_overlapping_vpcs": case("    cidr = 10.1.0.0/16", "    cidr = 10.0.0.0/16").replace(
        "10.1.1.0/28", "10.0.9.0/28").replace("10.1.2.0/28", "10.0.10.0/28"),
    "vpn_attachment_of_other_gateway": case("    vpn             = onprem_vpn", "    vpn             = office_vpn", VGW),
    "route_table_associated_twice": case("", "", "\n  transit_gateway_route_table other {\n    transit_gateway = hub\n"
                                         "    associations    = [app_att]\n  }"),
    "route_table_attachment_of_other_tgw": case("", "", "\n  transit_gateway hub2 {\n  }\n\n"
                                                "  transit_gateway_route_table other {\n    transit_gateway = hub2\n"
                                                "    propagations    = [app_att]\n  }"),
    "tgw_route_target_and_blackhole": case("      blackhole   = true\n",
                                           "      blackhole   = true\n      attachment  = app_att\n"),
    "tgw_route_duplicate": case("      blackhole   = true\n    }\n",
                                "      blackhole   = true\n    }\n\n    route {\n      destination = 10.99.0.0/16\n"
                                "      attachment  = app_att\n    }\n"),
    "vpc_route_to_unattached_tgw": case("      target      = hub\n", "      target      = hub2\n",
                                        "\n  transit_gateway hub2 {\n  }"),
    # VPN
    "cgw_private_address": case("203.0.113.10", "192.168.1.10"),
    "cgw_reserved_asn": case("    bgp_asn    = 65010\n  }", "    bgp_asn    = 7224\n  }"),
    "cgw_asn_range": case("    bgp_asn    = 65010\n  }", "    bgp_asn    = 0\n  }"),
    "vpn_two_ends": case("    transit_gateway  = hub\n", "    transit_gateway  = hub\n    vpn_gateway      = vgw\n", VGW),
    "vpn_same_asn": case("    bgp_asn    = 65010\n  }", "    bgp_asn    = 64512\n  }"),
    "vpn_static_without_routes": case("", "", VGW.replace("    static_routes    = [192.168.0.0/16]\n", "")),
    "vpn_static_routes_on_tgw": case("    transit_gateway  = hub\n",
                                     "    transit_gateway  = hub\n    routing          = static\n"
                                     "    static_routes    = [192.168.0.0/16]\n"),
    "vpn_bgp_static_routes": case("    transit_gateway  = hub\n",
                                  "    transit_gateway  = hub\n    static_routes    = [192.168.0.0/16]\n"),
    "tunnel_inside_not_30": case("169.254.10.0/30", "169.254.10.0/29"),
    "tunnel_inside_outside_link_local": case("169.254.10.0/30", "10.10.10.0/30"),
    "tunnel_inside_reserved": case("169.254.10.0/30", "169.254.169.252/30"),
    "tunnel_inside_same": case("169.254.11.0/30", "169.254.10.0/30"),
    "tunnel_three": case("169.254.11.0/30]", "169.254.11.0/30, 169.254.12.0/30]"),
    "psk_short": case(FIRST_KEY, FIRST_KEY.replace("vpn_psk,", '"Abc_1",')),
    "psk_characters": case(FIRST_KEY, FIRST_KEY.replace("vpn_psk,", '"Abcdefgh-12345",')),
    "psk_leading_zero": case(FIRST_KEY, FIRST_KEY.replace("vpn_psk,", '"0bcdefgh_12345",')),
    "acceleration_on_vgw": case("", "", VGW.replace("    routing          = static\n",
                                                    "    acceleration     = true\n    routing          = static\n")),
    "vgw_second_on_vpc": case("", "", VGW + "\n  vpn_gateway vgw2 {\n    vpc = app_vpc\n  }"),
    "vgw_propagates_to_other_vpc": case("", "", VGW + "\n  route_table hub_rt {\n    vpc = hub_vpc\n  }").replace(
        "propagate_to = [app_rt]", "propagate_to = [hub_rt]"),
    "vgw_private_asn": case("", "", VGW.replace("    vpc          = app_vpc\n",
                                                "    vpc          = app_vpc\n    amazon_side_asn = 100\n")),
    # Direct Connect
    "dx_bandwidth": case('    bandwidth = "10Gbps"', '    bandwidth = "3Gbps"'),
    "dx_hosted_bandwidth": case('    bandwidth = "10Gbps"', '    bandwidth = "400Gbps"\n    type      = hosted'),
    "dx_connection_id": case('    bandwidth = "10Gbps"', '    bandwidth = "10Gbps"\n    connection_id = "dxcon-XY"'),
    "dx_location": case('"EqDC2"', '"Equinix DC2"'),
    "dx_macsec_1g": case('    bandwidth = "10Gbps"', '    bandwidth = "1Gbps"\n    macsec    = true'),
    "dx_hosted_two_vifs": case('    bandwidth = "10Gbps"', '    bandwidth = "1Gbps"\n    type      = hosted', VGW +
                               "\n  dx_virtual_interface private_vif {\n    connection  = line\n    vlan        = 102\n"
                               "    vpn_gateway = vgw\n  }"),
    "vif_vlan": case("    vlan       = 101", "    vlan       = 4095"),
    "vif_vlan_taken": case("", "", VGW + "\n  dx_virtual_interface private_vif {\n    connection  = line\n"
                                         "    vlan        = 101\n    vpn_gateway = vgw\n  }"),
    "vif_transit_without_dxgw": case("    dx_gateway = dxgw\n", ""),
    "vif_private_two_ends": case("", "", VGW + "\n  dx_virtual_interface private_vif {\n    connection  = line\n"
                                               "    vlan        = 102\n    vpn_gateway = vgw\n    dx_gateway  = dxgw\n  }"),
    "vif_mtu": case("    mtu        = 8500", "    mtu        = 9001"),
    "vif_one_address": case("    mtu        = 8500", "    mtu        = 8500\n    amazon_address = 169.254.100.1/29"),
    "vif_auth_key": case("    mtu        = 8500", '    mtu        = 8500\n    bgp_auth_key = "abc"'),
    "dxgw_private_asn": case("  allowed_prefixes = [10.0.0.0/8]\n",
                             "  allowed_prefixes = [10.0.0.0/8]\n  amazon_side_asn  = 7224\n"),
    "dxgw_tgw_without_prefixes": case("  allowed_prefixes = [10.0.0.0/8]\n", ""),
    "dxgw_overlapping_vpcs": case("  transit_gateways = [east.hub]\n  allowed_prefixes = [10.0.0.0/8]\n",
                                  "  vpn_gateways = [east.vgw, east.vgw2]\n",
                                  VGW + "\n  vpc other {\n    cidr = 10.1.0.0/20\n  }\n\n"
                                        "  vpn_gateway vgw2 {\n    vpc = other\n  }"),
}


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(name, snapshot):
    _, found = diagnose(LIMITS[name])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


WARNINGS = {
    "attachment_leaves_an_az_out": case("    subnets         = [hub_a, hub_b]", "    subnets         = [hub_a]"),
    "hub_drops_the_destination": case("    propagations    = [app_att, hub_att, vpn_att]", "    propagations    = [app_att]"),
    "vgw_without_propagation": case("", "", VGW.replace("    propagate_to = [app_rt]\n", "")),
    "dx_without_backup": case("    transit_gateway  = hub\n", "    vpn_gateway      = vgw\n",
                              VGW.replace("  vpn_connection office_vpn", "  vpn_connection spare").replace(
                                  "    vpn_gateway      = vgw\n", "    vpn_gateway      = vgw\n")).replace(
        "    vpn             = onprem_vpn\n", "    vpn             = onprem_vpn\n", 1),
}


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_each_warning(name, snapshot):
    _, found = diagnose(WARNINGS[name])
    assert [d for d in found if d.is_error] == [] or name == "dx_without_backup", [d.summary for d in found]
    warnings = [d for d in found if not d.is_error]
    assert len(warnings) == 1, [d.summary for d in found]
    assert render(warnings[0]) == snapshot


def test_a_preshared_key_is_never_quoted_in_a_diagnostic():
    _, found = diagnose(LIMITS["psk_characters"])
    assert found and all("Abcdefgh" not in d.summary + d.help for d in found)


def test_routing_through_the_hub_is_transitive_as_far_as_its_tables_go():
    from archform.stdlib.kinds.transit import reachable
    from archform.dsl.check import build_graph
    desired, _ = diagnose(case())
    graph = build_graph(desired)
    app = graph.get("east.app_att")
    reach = {str(n) for n in reachable(graph, app)}
    assert {"10.0.0.0/16", "10.1.0.0/16", "0.0.0.0/0"} <= reach
