"""Network kinds: gateways, routes, NACLs, security groups, Elastic IPs, peering, endpoints."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view, w

REGION = "us-east-1"
MY_RULES = {"same_region", "elastic_ip_association", "elastic_ip_limit", "internet_gateway_per_vpc", "network_acl_association",
            "route_table_association", "subnet_overlap", "vpc_limit"}


def net(text: str) -> v.Cidr:
    return v.Cidr(ipaddress.ip_network(text))


def n(x) -> Fraction:
    return Fraction(x)


def problems(views: list[View], severity: str | None = None) -> list[tuple[str, str]]:
    """(address, message) of every issue: each resource's own check, then the rules."""
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += [(me.address, i) for i in me.model.check(me, graph)]
    for rule in rules():
        if rule.__name__ not in MY_RULES:
            continue  # other families' rules have their own tests
        found += [(i.address, i) for i in rule(graph)]
    return [(a, i.message) for a, i in found if severity is None or i.severity == severity]


def messages(views, severity=None) -> list[str]:
    return [m for _, m in problems(views, severity)]


def base(vpc="main", cidr="10.0.0.0/16", region=REGION) -> list[View]:
    """A VPC with a public subnet in a and private subnets in a and b."""
    return [
        view(vpc, "vpc", {"cidr": net(cidr)}, region),
        view(f"{vpc}_pub_a", "subnet", {"vpc": ref(vpc, "vpc"), "cidr": net(cidr.replace(".0.0/16", ".1.0/24")),
                                        "az": w("a"), "public": True}, region),
        view(f"{vpc}_priv_a", "subnet", {"vpc": ref(vpc, "vpc"), "cidr": net(cidr.replace(".0.0/16", ".2.0/24")),
                                         "az": w("a")}, region),
        view(f"{vpc}_priv_b", "subnet", {"vpc": ref(vpc, "vpc"), "cidr": net(cidr.replace(".0.0/16", ".3.0/24")),
                                         "az": w("b")}, region),
    ]


def igw(address="igw", vpc="main") -> View:
    return view(address, "internet_gateway", {"vpc": ref(vpc, "vpc")})


# --- internet gateway ---------------------------------------------------------------------------

def test_one_internet_gateway_per_vpc():
    assert messages(base() + [igw()]) == []
    found = problems(base() + [igw("igw1"), igw("igw2")])
    assert found == [("igw2", "a VPC can have only one internet gateway; 'main' already has 'igw1'")]


def test_internet_gateway_of_a_vpc_in_another_region():
    views = base(region="eu-west-1") + [igw()]
    assert messages(views) == ["VPC 'main' is in eu-west-1, but this resource is declared in us-east-1"]


# --- NAT gateway ----------------------------------------------------------------------------------

def test_nat_gateway_in_public_subnet_is_fine():
    views = base() + [igw(), view("nat", "nat_gateway", {"subnet": ref("main_pub_a", "subnet")})]
    assert messages(views) == []


def test_public_nat_gateway_in_private_subnet_warns():
    views = base() + [igw(), view("nat", "nat_gateway", {"subnet": ref("main_priv_a", "subnet")})]
    assert problems(views, "warning") == [
        ("nat", "a public NAT gateway belongs in a public subnet; 'main_priv_a' is private (public = false, "
                "the default)")]
    assert problems(views, "error") == []


def test_private_nat_gateway_in_private_subnet_is_fine_but_takes_no_elastic_ip():
    ok = view("nat", "nat_gateway", {"subnet": ref("main_priv_a", "subnet"), "connectivity": w("private")})
    assert messages(base() + [ok]) == []
    bad = view("nat", "nat_gateway", {"subnet": ref("main_priv_a", "subnet"), "connectivity": w("private"),
                                      "elastic_ip": ref("eip", "elastic_ip")})
    assert "a private NAT gateway has no public address" in messages(base() + [bad, view("eip", "elastic_ip", {})])[0]


def test_public_nat_gateway_needs_an_internet_gateway():
    views = base() + [view("nat", "nat_gateway", {"subnet": ref("main_pub_a", "subnet")})]
    assert messages(views) == ["a public NAT gateway needs an internet gateway on its VPC; 'main' has none"]


def test_nat_connectivity_is_an_enum():
    with pytest.raises(ValidationError, match="'publik' is not a valid NAT connectivity"):
        build("nat_gateway", {"subnet": ref("s", "subnet"), "connectivity": w("publik")})


# --- route tables ---------------------------------------------------------------------------------

def route(dest, target):
    return {"destination": dest, "target": target}


def test_public_route_table_is_fine_and_accepts_the_word_internet():
    views = base() + [igw(), view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "subnets": [ref("main_pub_a", "subnet")],
        "route": [route(w("internet"), ref("igw", "internet_gateway"))]})]
    assert messages(views) == []
    assert str(views[-1].model.route[0].destination) == "0.0.0.0/0"


def test_route_target_in_another_vpc_is_an_error():
    views = base() + base("other", "10.1.0.0/16") + [igw("igw2", "other"), view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "route": [route(net("0.0.0.0/0"), ref("igw2", "internet_gateway"))]})]
    assert messages(views) == [
        "a route target must be in the route table's VPC; internet_gateway 'igw2' is in 'other', this table in 'main'"]


def test_route_target_of_the_wrong_kind_is_rejected():
    with pytest.raises(ValidationError, match="expected a reference to an internet_gateway or nat_gateway"):
        build("route_table", {"vpc": ref("main", "vpc"), "route": [route(net("0.0.0.0/0"), ref("db", "rds"))]})


def test_subnet_associated_with_two_route_tables():
    tables = [view(name, "route_table", {"vpc": ref("main", "vpc"), "subnets": [ref("main_priv_a", "subnet")]})
              for name in ("rt_a", "rt_b")]
    assert problems(base() + tables) == [
        ("rt_b", "a subnet is associated with one route table; 'main_priv_a' is already associated with 'rt_a'")]


def test_route_table_subnet_of_another_vpc():
    views = base() + base("other", "10.1.0.0/16") + [view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "subnets": [ref("other_priv_a", "subnet")]})]
    assert messages(views) == ["subnet 'other_priv_a' belongs to VPC 'other', but this route table belongs to 'main'"]


def test_duplicate_destinations():
    views = base() + [igw(), view("rt", "route_table", {"vpc": ref("main", "vpc"), "route": [
        route(net("0.0.0.0/0"), ref("igw", "internet_gateway")),
        route(w("internet"), ref("igw", "internet_gateway"))]})]
    assert messages(views) == ["two routes for 0.0.0.0/0 in one route table"]


def nat_setup():
    return base() + [igw(), view("nat", "nat_gateway", {"subnet": ref("main_pub_a", "subnet")})]


def test_nat_gateway_cannot_serve_its_own_subnet():
    views = nat_setup() + [view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "subnets": [ref("main_pub_a", "subnet")],
        "route": [route(w("internet"), ref("nat", "nat_gateway"))]})]
    assert problems(views, "error") == [("rt", "NAT gateway 'nat' cannot be used from its own subnet 'main_pub_a', "
                                               "which this route table sends through it")]


def test_nat_gateway_in_another_az_warns():
    views = nat_setup() + [view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "subnets": [ref("main_priv_a", "subnet"), ref("main_priv_b", "subnet")],
        "route": [route(w("internet"), ref("nat", "nat_gateway"))]})]
    assert problems(views) == [("rt", "subnet 'main_priv_b' in us-east-1b reaches the internet through NAT gateway "
                                      "'nat' in us-east-1a: if us-east-1a fails, it loses internet access")]


def test_private_subnet_routed_to_internet_gateway_warns():
    views = base() + [igw(), view("rt", "route_table", {
        "vpc": ref("main", "vpc"), "subnets": [ref("main_priv_a", "subnet")],
        "route": [route(w("internet"), ref("igw", "internet_gateway"))]})]
    assert problems(views, "warning")[0][1].startswith("subnet 'main_priv_a' has public = false, but this route table")


# --- VPC peering ------------------------------------------------------------------------------------

def peering_setup(cidr_b="10.1.0.0/16"):
    return base() + base("b", cidr_b) + [view("ab", "vpc_peering", {"vpc": ref("main", "vpc"),
                                                                     "peer_vpc": ref("b", "vpc")})]


def test_peering_with_overlapping_cidrs_is_an_error():
    assert messages(peering_setup()) == []
    assert messages(peering_setup("10.0.0.0/16")) == [
        "peered VPCs cannot have overlapping CIDR blocks: 10.0.0.0/16 of 'main' overlaps 10.0.0.0/16 of 'b'"]


def test_route_through_peering_of_other_vpcs_is_an_error():
    views = peering_setup() + base("c", "10.2.0.0/16") + [view("rt", "route_table", {
        "vpc": ref("c", "vpc"), "route": [route(net("10.0.0.0/16"), ref("ab", "vpc_peering"))]})]
    assert messages(views) == ["VPC peering 'ab' connects 'main' and 'b', not this route table's VPC 'c'"]


def test_peering_is_not_transitive():
    ok = view("rt", "route_table", {"vpc": ref("main", "vpc"),
                                    "route": [route(net("10.1.0.0/16"), ref("ab", "vpc_peering"))]})
    assert messages(peering_setup() + [ok]) == []
    far = view("rt", "route_table", {"vpc": ref("main", "vpc"),
                                     "route": [route(net("10.2.0.0/16"), ref("ab", "vpc_peering"))]})
    assert messages(peering_setup() + [far]) == [
        "VPC peering is not transitive: the route to 10.2.0.0/16 through 'ab' only reaches 'b' (10.1.0.0/16)"]


# --- network ACLs -------------------------------------------------------------------------------------

def nacl_rule(number, **extra):
    return {"rule": n(number), "cidr": w("internet"), "ports": v.PortRange(443, 443), **extra}


def test_network_acl_accepts_distinct_rule_numbers():
    views = base() + [view("acl", "network_acl", {
        "vpc": ref("main", "vpc"), "subnets": [ref("main_pub_a", "subnet")],
        "ingress": [nacl_rule(100), nacl_rule(200, action=w("deny"), cidr=net("203.0.113.0/24"))],
        "egress": [nacl_rule(100, ports=v.PortRange(1024, 65535))]})]
    assert messages(views) == []


def test_network_acl_duplicate_rule_numbers():
    views = base() + [view("acl", "network_acl", {
        "vpc": ref("main", "vpc"), "ingress": [nacl_rule(100), nacl_rule(100, action=w("deny"))],
        "egress": [nacl_rule(100)]})]
    assert messages(views) == ["rule number 100 is used twice in this network ACL's ingress rules"]


@pytest.mark.parametrize("number", [0, 32767])
def test_network_acl_rule_number_range(number):
    with pytest.raises(ValidationError, match=f"a network ACL rule number must be between 1 and 32766, got {number}"):
        build("network_acl", {"vpc": ref("main", "vpc"), "ingress": [nacl_rule(number)]})


def test_network_acl_is_stateless():
    views = base() + [view("acl", "network_acl", {"vpc": ref("main", "vpc"), "ingress": [nacl_rule(100)]})]
    assert problems(views, "warning") == [
        ("acl", "this network ACL allows traffic in but none out; NACLs are stateless, so replies are denied")]


def test_subnet_associated_with_two_network_acls():
    acls = [view(name, "network_acl", {"vpc": ref("main", "vpc"), "subnets": [ref("main_pub_a", "subnet")]})
            for name in ("acl1", "acl2")]
    assert problems(base() + acls) == [
        ("acl2", "a subnet is associated with one network ACL; 'main_pub_a' is already associated with 'acl1'")]


def test_nacl_ports_must_fit_the_protocol():
    with pytest.raises(ValidationError, match="protocol all has no ports"):
        build("network_acl", {"vpc": ref("main", "vpc"), "ingress": [nacl_rule(100, protocol=w("all"))]})
    with pytest.raises(ValidationError, match="a udp rule needs ports"):
        build("network_acl", {"vpc": ref("main", "vpc"),
                              "ingress": [{"rule": n(100), "protocol": w("udp"), "cidr": w("internet")}]})


# --- security groups -------------------------------------------------------------------------------

def sg(address, vpc="main", ingress=(), egress=None, region=REGION) -> View:
    attrs = {"vpc": ref(vpc, "vpc"), "ingress": list(ingress)}
    if egress is not None:
        attrs["egress"] = egress
    return view(address, "security_group", attrs, region)


def test_security_group_defaults_and_sources():
    web = sg("web", ingress=[{"port": n(443), "from": w("internet")}])
    app = sg("app", ingress=[{"ports": v.PortRange(8000, 8080), "from": ref("web", "security_group")},
                             {"port": n(22), "from": v.Ip(ipaddress.ip_address("192.0.2.7"))}])
    assert messages(base() + [web, app]) == []
    rule = web.model.ingress[0]
    assert (rule.protocol, rule.port, str(rule.from_)) == ("tcp", 443, "0.0.0.0/0")
    assert str(app.model.ingress[1].from_) == "192.0.2.7/32"
    assert [(e.protocol, str(e.to)) for e in web.model.egress] == [("all", "0.0.0.0/0")]  # AWS default: all out
    assert web.model.model_dump(mode="json", by_alias=True)["ingress"][0]["from"] == "0.0.0.0/0"


def test_security_group_rule_referencing_a_group_of_another_vpc():
    views = base() + base("other", "10.1.0.0/16") + [
        sg("far", "other"), sg("web", ingress=[{"port": n(443), "from": ref("far", "security_group")}])]
    assert messages(views) == [
        "a security group rule can only reference groups of its own VPC; 'far' belongs to VPC 'other', "
        "this group to 'main'"]


def test_security_group_source_must_be_cidr_internet_or_group():
    with pytest.raises(ValidationError, match="expected a CIDR block, internet or a security_group, got alb 'lb'"):
        build("security_group", {"vpc": ref("main", "vpc"), "ingress": [{"port": n(443), "from": ref("lb", "alb")}]})
    with pytest.raises(ValidationError, match="invalid CIDR block 'everywhere'"):
        build("security_group", {"vpc": ref("main", "vpc"), "ingress": [{"port": n(443), "from": "everywhere"}]})


def test_security_group_ports_must_fit_the_protocol():
    with pytest.raises(ValidationError, match="a tcp rule needs ports"):
        build("security_group", {"vpc": ref("main", "vpc"), "ingress": [{"from": w("internet")}]})
    with pytest.raises(ValidationError, match="write either port or ports"):
        build("security_group", {"vpc": ref("main", "vpc"), "ingress": [
            {"port": n(80), "ports": v.PortRange(80, 81), "from": w("internet")}]})
    ok = build("security_group", {"vpc": ref("main", "vpc"), "ingress": [{"protocol": w("icmp"), "from": w("internet")}]})
    assert ok.ingress[0].port_range is None


def test_ssh_open_to_the_internet_warns():
    views = base() + [sg("bastion", ingress=[{"port": n(22), "from": w("internet")}])]
    assert problems(views, "warning") == [("bastion", "ingress rule opens SSH (port 22) to the whole internet")]


# --- Elastic IPs ----------------------------------------------------------------------------------

def test_at_most_five_elastic_ips_per_region():
    five = [view(f"eip{i}", "elastic_ip", {}) for i in range(5)]
    elsewhere = [view(f"eu{i}", "elastic_ip", {}, "eu-west-1") for i in range(3)]
    assert messages(five + elsewhere) == []
    found = problems(five + elsewhere + [view("eip5", "elastic_ip", {})])
    assert [a for a, _ in found] == ["eip5"]
    assert found[0][1].startswith("an account has at most 5 Elastic IP addresses per region; 6 are allocated "
                                  "in us-east-1: 'eip0', ")


def test_public_nat_gateway_without_elastic_ip_counts_toward_the_limit():
    five = [view(f"eip{i}", "elastic_ip", {}) for i in range(5)]
    views = nat_setup() + five
    assert [a for a, _ in problems(views)] == ["nat"]


def test_elastic_ip_used_twice():
    views = nat_setup()[:-1] + [
        view("eip", "elastic_ip", {}),
        view("nat1", "nat_gateway", {"subnet": ref("main_pub_a", "subnet"), "elastic_ip": ref("eip", "elastic_ip")}),
        view("nat2", "nat_gateway", {"subnet": ref("main_pub_a", "subnet"), "elastic_ip": ref("eip", "elastic_ip")})]
    assert problems(views) == [
        ("nat2", "an Elastic IP is associated with one resource at a time; 'eip' is already used by 'nat1'")]


# --- VPC endpoints, egress-only gateways ----------------------------------------------------------

def test_gateway_endpoint_only_for_s3_and_dynamodb():
    ok = view("s3", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "s3", "type": w("gateway")})
    assert messages(base() + [ok]) == []
    bad = view("sqs", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "sqs", "type": w("gateway")})
    assert messages(base() + [bad]) == ["gateway endpoints exist only for s3 and dynamodb, not 'sqs'"]


def test_an_endpoint_is_for_a_service_of_its_own_region():
    subnets = [ref("main_priv_a", "subnet")]
    own = view("sqs", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "com.amazonaws.us-east-1.sqs",
                                       "subnets": subnets})
    assert messages(base() + [own]) == []
    far = view("sqs", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "com.amazonaws.us-west-2.sqs",
                                       "subnets": subnets})
    assert messages(base() + [far], "error") == [
        "an interface endpoint for sqs is for its own region (us-east-1), not us-west-2: AWS reaches sqs across "
        "regions through no endpoint (cross-region PrivateLink takes ecr.api, ecr.dkr, ecs, kinesis-firehose, "
        "kinesisanalytics, kinesisanalytics-fips, kms, kms-fips, lambda, s3)"]
    # cross-region PrivateLink (AWS, November 2024) serves a few services: a warning naming both regions
    kms = view("kms", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "com.amazonaws.us-west-2.kms",
                                       "subnets": subnets})
    assert messages(base() + [kms], "error") == []
    assert [m for m in messages(base() + [kms], "warning") if "cross-region" in m] == [
        "an interface endpoint in us-east-1 for kms in us-west-2 is cross-region PrivateLink (AWS, since November "
        "2024): both us-east-1 and us-west-2 must offer it, and the service region be enabled for the account"]
    gateway = view("s3", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "com.amazonaws.us-west-2.s3",
                                          "type": w("gateway")})
    assert messages(base() + [gateway]) == [
        "a gateway endpoint serves its own region's s3 only: the service is in us-west-2, the endpoint's VPC in "
        "us-east-1"]


def test_interface_endpoint_needs_subnets():
    bad = view("sqs", "vpc_endpoint", {"vpc": ref("main", "vpc"), "service": "sqs"})
    assert messages(base() + [bad]) == ["an interface endpoint needs subnets to place its network interfaces in"]


def test_egress_only_gateway_on_ipv4_only_vpc_warns():
    views = base() + [view("eigw", "egress_only_internet_gateway", {"vpc": ref("main", "vpc")})]
    assert problems(views, "warning") == [
        ("eigw", "an egress-only internet gateway carries IPv6 only, but VPC 'main' has ipv6 = false")]


def test_every_network_kind_round_trips_through_the_catalogue_adapter():
    model = build("security_group", {"vpc": ref("main", "vpc"), "ingress": [{"port": n(443), "from": w("internet")}]})
    assert catalogue.adapter().validate_python({"kind": "security_group", "vpc": ref("main", "vpc")}).vpc == \
        model.vpc


def test_more_than_five_vpcs_per_region_is_an_error_as_the_apply_would_fail():
    """It was a warning, and the apply then failed with VpcLimitExceeded; a raised quota is
    declared with `service_quota` (tests/stdlib/test_quotas.py)."""
    vpcs = [view(f"v{i}", "vpc", {"cidr": net(f"10.{i}.0.0/16")}) for i in range(6)]
    assert messages(vpcs[:5]) == []
    assert problems(vpcs, "error") == [("v5", "an account has at most 5 VPCs per region by default; 6 are declared "
                                              "in us-east-1")]


# --- network interfaces ----------------------------------------------------------------------------

def instance_in(address, subnet):
    return view(address, "instance", {"ami": "ami-1", "instance_type": w("t3.micro"), "subnet": ref(subnet, "subnet")})


def test_network_interface_is_bound_to_its_az():
    eni = view("eni", "network_interface", {"subnet": ref("main_priv_a", "subnet"), "instance": ref("a", "instance")})
    assert messages(base() + [instance_in("a", "main_pub_a"), eni]) == []
    moved = view("eni", "network_interface", {"subnet": ref("main_priv_a", "subnet"), "instance": ref("b", "instance")})
    assert messages(base() + [instance_in("b", "main_priv_b"), moved]) == [
        "a network interface is bound to its AZ: this one is in us-east-1a, instance 'b' in us-east-1b"]


def test_network_interface_security_groups_share_its_vpc():
    eni = view("eni", "network_interface", {"subnet": ref("main_priv_a", "subnet"),
                                            "security_groups": [ref("far", "security_group")]})
    assert messages(base() + base("other", "10.1.0.0/16") + [sg("far", "other"), eni]) == [
        "a security group is locked to its VPC: 'far' belongs to VPC 'other', but subnet 'main_priv_a' is in VPC 'main'"]


def test_security_group_source_written_as_an_id():
    web = sg("web")
    app = sg("app", ingress=[{"port": n(80), "from": v.Unknown("web", "id", "string", "security_group")}])
    assert app.model.ingress[0].from_ == ref("web", "security_group")
    assert messages(base() + [web, app]) == []


def test_route_to_a_nat_instance_needs_source_dest_check_off():
    nat = view("nat_box", "instance", {"ami": "ami-1", "instance_type": w("t3.micro"),
                                       "subnet": ref("main_pub_a", "subnet"), "source_dest_check": False})
    rt = view("rt", "route_table", {"vpc": ref("main", "vpc"), "subnets": [ref("main_priv_a", "subnet")],
                                    "route": [route(w("internet"), ref("nat_box", "instance"))]})
    assert messages(base() + [nat, rt]) == []
    checked = view("nat_box", "instance", {"ami": "ami-1", "instance_type": w("t3.micro"),
                                           "subnet": ref("main_pub_a", "subnet")})
    assert messages(base() + [checked, rt]) == [
        "instance 'nat_box' forwards traffic for others only with source_dest_check = false"]
