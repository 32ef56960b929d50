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


# --- CloudFormation ------------------------------------------------------------------------------

def _template(tmp_path, text: str) -> tuple[dict, str]:
    import json
    from archform.providers.cloudformation import generate
    source = tmp_path / "hybrid.arch"
    source.write_text(text)
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    (template,) = [b for _, b in result.templates]
    return template, json.dumps(template)


def _of(template: dict, rtype: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == rtype]


def test_a_literal_preshared_key_becomes_a_noecho_parameter_never_written(tmp_path):
    template, text = _template(tmp_path, LIMITS["psk_short"].replace('"Abc_1"', '"Literal_tunnel_key_1"'))
    assert "Literal_tunnel_key_1" not in text and "Abcdefgh_12345" not in text
    (vpn,) = _of(template, "AWS::EC2::VPNConnection")
    first, second = vpn["Properties"]["VpnTunnelOptionsSpecifications"]
    assert first["TunnelInsideCidr"] == "169.254.10.0/30"
    assert template["Parameters"][first["PreSharedKey"]["Ref"]]["NoEcho"] is True
    assert template["Parameters"][second["PreSharedKey"]["Ref"]]["NoEcho"] is True
    assert vpn["Properties"]["TransitGatewayId"] == {"Ref": "EastHub"}


def test_the_hub_its_tables_and_the_vpn_attachment_parameter(tmp_path):
    template, _ = _template(tmp_path, case())
    (hub,) = _of(template, "AWS::EC2::TransitGateway")
    assert hub["Properties"]["DefaultRouteTableAssociation"] == "disable"
    assert hub["Properties"]["AutoAcceptSharedAttachments"] == "disable"
    assert len(_of(template, "AWS::EC2::TransitGatewayVpcAttachment")) == 2
    associations = _of(template, "AWS::EC2::TransitGatewayRouteTableAssociation")
    ids = [a["Properties"]["TransitGatewayAttachmentId"] for a in associations]
    assert {"Ref": "EastVpnAttId"} in ids  # made by the VPN connection: a parameter
    assert "Default" not in template["Parameters"]["EastVpnAttId"]
    (blackhole,) = _of(template, "AWS::EC2::TransitGatewayRoute")
    assert blackhole["Properties"]["Blackhole"] is True
    (route,) = [r for r in _of(template, "AWS::EC2::Route") if "TransitGatewayId" in r["Properties"]]
    assert route["DependsOn"] == "EastAppAtt"  # a route to a hub waits for the VPC's attachment


def test_direct_connect_a_new_line_or_an_existing_one_as_a_parameter(tmp_path):
    template, _ = _template(tmp_path, case())
    (line,) = _of(template, "AWS::DirectConnect::Connection")
    assert line["Properties"] == {"ConnectionName": "east-line", "Location": "EqDC2", "Bandwidth": "10Gbps"}
    (vif,) = _of(template, "AWS::DirectConnect::TransitVirtualInterface")
    assert vif["Properties"]["Vlan"] == 101 and vif["Properties"]["BgpPeers"][0]["Asn"] == "65010"
    template, _ = _template(tmp_path, case('    bandwidth = "10Gbps"',
                                           '    bandwidth = "10Gbps"\n    connection_id = "dxcon-ffabc123"'))
    assert _of(template, "AWS::DirectConnect::Connection") == []
    (param,) = [p for p in template["Parameters"].values() if p.get("Default") == "dxcon-ffabc123"]
    assert "ordered outside CloudFormation" in param["Description"]


def test_a_vgw_is_attached_and_propagates_to_its_route_tables(tmp_path):
    template, _ = _template(tmp_path, case(extra=VGW))
    (attach,) = [r for r in _of(template, "AWS::EC2::VPCGatewayAttachment") if "VpnGatewayId" in r["Properties"]]
    assert attach["Properties"]["VpcId"] == {"Ref": "EastAppVpc"}
    (prop,) = _of(template, "AWS::EC2::VPNGatewayRoutePropagation")
    assert prop["Properties"]["RouteTableIds"] == [{"Ref": "EastAppRt"}]
    (static,) = _of(template, "AWS::EC2::VPNConnectionRoute")
    assert static["Properties"]["DestinationCidrBlock"] == "192.168.0.0/16"


# --- the modeled cloud ---------------------------------------------------------------------------

def _cloud(tmp_path):
    from archform.providers.simulated import SimulatedCloud
    return SimulatedCloud(tmp_path / "cloud.db")


def test_the_modeled_cloud_gives_two_tunnels_in_two_azs_and_refuses_what_aws_refuses(tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parents[1] / "providers"))
    from conftest import Builder
    from archform.providers.base import Conflict, InvalidParameter
    cloud = _cloud(tmp_path)
    try:
        b = Builder(cloud)
        r = b.ref
        b.add("main", "vpc", cidr="10.0.0.0/16")
        b.add("a", "subnet", vpc=r("main"), cidr="10.0.1.0/28", az="us-east-1a")
        b.add("a2", "subnet", vpc=r("main"), cidr="10.0.2.0/28", az="us-east-1a")
        b.add("hub", "transit_gateway")
        with pytest.raises(InvalidParameter) as refused:
            b.add("att", "transit_gateway_attachment", transit_gateway=r("hub"), vpc=r("main"), subnets=[r("a"), r("a2")])
        assert refused.value.code == "DuplicateSubnetsInSameZone"
        att = b.add("att", "transit_gateway_attachment", transit_gateway=r("hub"), vpc=r("main"), subnets=[r("a")])
        assert att.id.startswith("tgw-attach-") and att.outputs["interfaces"].keys() == {"us-east-1a"}
        b.add("office", "customer_gateway", ip_address="203.0.113.10", bgp_asn=65010)
        vpn = b.add("vpn", "vpn_connection", customer_gateway=r("office"), transit_gateway=r("hub"))
        assert vpn.id.startswith("vpn-") and len(vpn.outputs["tunnel_addresses"]) == 2
        assert vpn.outputs["tunnel_zones"] == ["us-east-1a", "us-east-1b"]
        b.add("vgw", "vpn_gateway", vpc=r("main"))
        with pytest.raises(Conflict) as taken:
            b.add("vgw2", "vpn_gateway", vpc=r("main"))
        assert taken.value.code == "Resource.AlreadyAssociated"
        b.add("line", "dx_connection", location="EqDC2")
        b.add("vif", "dx_virtual_interface", connection=r("line"), vlan=100, vpn_gateway=r("vgw"))
        with pytest.raises(Conflict):
            b.add("vif2", "dx_virtual_interface", connection=r("line"), vlan=100, vpn_gateway=r("vgw"))
    finally:
        cloud.close()
