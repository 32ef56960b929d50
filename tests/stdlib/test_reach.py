"""The reachability engine (issue 18): a table of flows, one small architecture per rule it
knows — stateful security groups, stateless network ACLs read by rule number, ephemeral-port
replies, longest-prefix routes, peering (not transitive, never between overlapping blocks),
NAT one way, gateway endpoints, public addresses, load balancers and their targets — each with
its expected answer, and its hops kept as a snapshot."""

from __future__ import annotations

import pytest

from archform.dsl.check import build_graph
from archform.dsl.resolve import resolve_text
from archform.stdlib.reach import Flow, Network, trace

# One VPC: a public subnet (10.0.1.0/24) routed to an internet gateway, a private one
# (10.0.2.0/24) routed to a NAT gateway in the public subnet, a second private one
# (10.0.3.0/24) on the same route table; `client` in private, `server` in private2.
BASE = '''
region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  internet_gateway igw { vpc = main }
  subnet public   { vpc = main, cidr = 10.0.1.0/24, az = a, public = true }
  subnet private  { vpc = main, cidr = 10.0.2.0/24, az = a }
  subnet private2 { vpc = main, cidr = 10.0.3.0/24, az = b }
  nat_gateway nat { subnet = public }
  route_table public_rt {
    vpc = main
    subnets = [public]
    route { destination = 0.0.0.0/0, target = igw }
  }
  route_table private_rt {
    vpc = main
    subnets = [private, private2]
    route { destination = 0.0.0.0/0, target = nat }
  }
  security_group client_sg {
    vpc = main
    egress { port = 80, to = 10.0.0.0/16 }
  }
  security_group server_sg {
    vpc = main
    ingress { port = 80, from = client_sg }
  }
  instance client { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [client_sg] }
  instance server { ami = "ami-1", instance_type = t3.micro, subnet = private2, security_groups = [server_sg] }
  %s
}
'''

# A NACL on private2 (the server's subnet) with the given rules.
NACL = '''network_acl server_acl {
    vpc = main
    subnets = [private2]
    %s
  }'''

PEERED = '''
region "us-east-1" as east {
  vpc a { cidr = 10.1.0.0/16 }
  vpc b { cidr = 10.2.0.0/16 }
  vpc c { cidr = %s }
  subnet sa { vpc = a, cidr = 10.1.1.0/24, az = a }
  subnet sb { vpc = b, cidr = 10.2.1.0/24, az = a }
  subnet sc { vpc = c, cidr = %s, az = a }
  vpc_peering ab { vpc = a, peer_vpc = b }
  vpc_peering bc { vpc = b, peer_vpc = c }
  route_table rta {
    vpc = a
    subnets = [sa]
    route { destination = 10.2.0.0/16, target = ab }
    route { destination = %s, target = ab }
  }
  route_table rtb {
    vpc = b
    subnets = [sb]
    route { destination = 10.1.0.0/16, target = ab }
    route { destination = 10.3.0.0/16, target = bc }
  }
  route_table rtc {
    vpc = c
    subnets = [sc]
    route { destination = 10.2.0.0/16, target = bc }
  }
  security_group open_a {
    vpc = a
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  security_group open_b {
    vpc = b
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  security_group open_c {
    vpc = c
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  instance ia { ami = "ami-1", instance_type = t3.micro, subnet = sa, security_groups = [open_a] }
  instance ib { ami = "ami-1", instance_type = t3.micro, subnet = sb, security_groups = [open_b] }
  instance ic { ami = "ami-1", instance_type = t3.micro, subnet = sc, security_groups = [open_c] }
}
'''

LB = '''
  security_group lb_sg {
    vpc = main
    ingress { port = 80, from = internet }
    ingress { port = 443, from = internet }
  }
  subnet public_b { vpc = main, cidr = 10.0.4.0/24, az = b, public = true }
  route_table public_rt_b {
    vpc = main
    subnets = [public_b]
    route { destination = 0.0.0.0/0, target = igw }
  }
  security_group app_sg {
    vpc = main
    ingress { port = 8080, from = lb_sg }
  }
  target_group app { vpc = main, port = %s, protocol = HTTP }
  load_balancer web {
    subnets = [public, public_b]
    security_groups = [lb_sg]
    listener http { port = 80, forward = app }
  }
  autoscaling_group fleet {
    subnets = [private, private2]
    min = 2
    max = 4
    target_groups = [app]
    launch { ami = "ami-1", instance_type = t3.micro, security_groups = [app_sg] }
  }
'''

# Two VPCs with the same block, peered anyway (validate reports it as an error; the walk, asked
# regardless, refuses the crossing too).
OVERLAP = '''
region "us-east-1" as east {
  vpc a { cidr = 10.1.0.0/16 }
  vpc c { cidr = 10.1.0.0/16 }
  subnet sa { vpc = a, cidr = 10.1.1.0/24, az = a }
  subnet sc { vpc = c, cidr = 10.1.5.0/24, az = a }
  vpc_peering ac { vpc = a, peer_vpc = c }
  route_table rta {
    vpc = a
    subnets = [sa]
    route { destination = 10.1.5.0/24, target = ac }
  }
  security_group open_c {
    vpc = c
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  instance ia { ami = "ami-1", instance_type = t3.micro, subnet = sa }
  instance ic { ami = "ami-1", instance_type = t3.micro, subnet = sc, security_groups = [open_c] }
}
'''

LAMBDA_LB = '''
  security_group lb_sg {
    vpc = main
    ingress { port = 80, from = internet }
  }
  subnet public_b { vpc = main, cidr = 10.0.4.0/24, az = b, public = true }
  route_table public_rt_b {
    vpc = main
    subnets = [public_b]
    route { destination = 0.0.0.0/0, target = igw }
  }
  target_group fn { target_type = lambda }
  load_balancer web {
    subnets = [public, public_b]
    security_groups = [lb_sg]
    listener http { port = 80, forward = fn }
  }
'''

peered = lambda c_cidr="10.3.0.0/16", c_subnet="10.3.1.0/24": PEERED % (c_cidr, c_subnet, c_cidr)

# An interface endpoint (service, private_dns) in the private subnet, and a worker there.
ENDPOINT = '''security_group ep_sg {
    vpc = main
    ingress { port = 443, from = 10.0.0.0/16 }
  }
  vpc_endpoint ep { vpc = main, service = "%s", subnets = [private], security_groups = [ep_sg], private_dns = %s }
  security_group out_sg { vpc = main }
  instance worker { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [out_sg] }'''

# A bastion with a public address, SSH admitted from an office's block.
BASTION = BASE % '''security_group bastion_sg {
    vpc = main
    ingress { port = 22, from = %s }
  }
  instance bastion {
    ami = "ami-1"
    instance_type = t3.micro
    subnet = public
    associate_public_ip = true
    security_groups = [bastion_sg]
  }'''

# The bastion open to all, its subnet's ACL denying SSH from 5.6.7.0/24 only (rule 100) and
# allowing everything else (rule 200).
OPEN_NACL_BASTION = (BASTION % "0.0.0.0/0").replace("  instance bastion {", '''network_acl public_acl {
    vpc = main
    subnets = [public]
    ingress { rule = 200, protocol = all, cidr = 0.0.0.0/0 }
    ingress { rule = 100, action = deny, cidr = 5.6.7.0/24, ports = 22 }
    egress  { rule = 100, cidr = 0.0.0.0/0, ports = 1024..65535 }
  }
  instance bastion {''')

#          name: (architecture, source, destination, protocol, port, reachable)
FLOWS = {
    "sg_stateful_reply": (BASE % "", "east.client", "east.server", "tcp", 80, True),
    "sg_ingress_blocks_port": (BASE % "", "east.client", "east.server", "tcp", 8080, False),
    "sg_egress_blocks": (BASE % "", "east.server", "east.client", "tcp", 80, False),
    "nacl_lowest_number_wins_deny": (BASE % (NACL % '''
    ingress { rule = 200, action = allow, ports = 0..65535, cidr = 10.0.0.0/16 }
    ingress { rule = 100, action = deny, ports = 80..80, cidr = 10.0.2.0/24 }
    egress  { rule = 100, action = allow, ports = 1024..65535, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, False),
    "nacl_lowest_number_wins_allow": (BASE % (NACL % '''
    ingress { rule = 200, action = deny, ports = 80..80, cidr = 10.0.2.0/24 }
    ingress { rule = 100, action = allow, ports = 0..65535, cidr = 10.0.0.0/16 }
    egress  { rule = 100, action = allow, ports = 1024..65535, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, True),
    "nacl_reply_needs_ephemeral_ports": (BASE % (NACL % '''
    ingress { rule = 100, action = allow, ports = 80..80, cidr = 10.0.0.0/16 }
    egress  { rule = 100, action = allow, ports = 80..80, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, False),
    "nacl_reply_partly_denied": (BASE % (NACL % '''
    ingress { rule = 100, action = allow, ports = 80..80, cidr = 10.0.0.0/16 }
    egress  { rule = 100, action = allow, ports = 32768..65535, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, False),
    # Linux's ephemeral ports only: the reply reaches Linux clients, not Windows' nor a load balancer's
    "nacl_reply_to_linux_ephemeral_ports_only": (BASE % (NACL % '''
    ingress { rule = 100, action = allow, ports = 80..80, cidr = 10.0.0.0/16 }
    egress  { rule = 100, action = allow, ports = 32768..60999, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, False),
    "nacl_unmatched_is_denied": (BASE % (NACL % '''
    egress  { rule = 100, action = allow, ports = 1024..65535, cidr = 10.0.0.0/16 }'''),
        "east.client", "east.server", "tcp", 80, False),
    "nacl_not_crossed_inside_a_subnet": (BASE % (NACL % "") + "", "east.server", "10.0.3.7", "icmp", None, True),
    "nat_lets_private_out": (BASE % "", "east.server", "internet", "tcp", 443, True),
    "nat_admits_nothing_in": (BASE % '''instance exposed {
    ami = "ami-1"
    instance_type = t3.micro
    subnet = private
    associate_public_ip = true
    security_groups = [server_sg]
  }''', "internet", "east.exposed", "tcp", 80, False),
    "public_ip_needed": (BASE % '''security_group web_sg {
    vpc = main
    ingress { port = 80, from = internet }
  }
  instance web { ami = "ami-1", instance_type = t3.micro, subnet = public, security_groups = [web_sg] }''',
        "internet", "east.web", "tcp", 80, False),
    "public_ip_given": (BASE % '''security_group web_sg {
    vpc = main
    ingress { port = 80, from = internet }
  }
  instance web {
    ami = "ami-1"
    instance_type = t3.micro
    subnet = public
    associate_public_ip = true
    security_groups = [web_sg]
  }''', "internet", "east.web", "tcp", 80, True),
    "private_without_public_ip_cannot_use_igw": (BASE % '''instance lonely {
    ami = "ami-1"
    instance_type = t3.micro
    subnet = public
  }''', "east.lonely", "internet", "tcp", 443, False),
    "gateway_endpoint_to_s3": (BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % '''
  vpc_endpoint s3 { vpc = main, service = "s3", type = gateway, route_tables = [private_rt] }
  security_group out_sg { vpc = main }
  instance worker { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [out_sg] }
  s3_bucket data { bucket = "reach-test-data" }''', "east.worker", "east.data", "tcp", 443, True),
    # a gateway endpoint serves its own region's prefix list only
    "gateway_endpoint_not_to_another_regions_s3": (
        BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % '''
  vpc_endpoint s3 { vpc = main, service = "s3", type = gateway, route_tables = [private_rt] }
  security_group out_sg { vpc = main }
  instance worker { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [out_sg] }''',
        "east.worker", "s3.us-west-2.amazonaws.com", "tcp", 443, False),
    "gateway_endpoint_not_to_a_bucket_of_another_region": (
        BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % '''
  vpc_endpoint s3 { vpc = main, service = "com.amazonaws.us-east-1.s3", type = gateway, route_tables = [private_rt] }
  security_group out_sg { vpc = main }
  instance worker { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [out_sg] }'''
        + '''
region "us-west-2" as west {
  s3_bucket far { bucket = "reach-test-far" }
}''', "east.worker", "west.far", "tcp", 443, False),
    # an interface endpoint named as validate accepts it ("sqs": its own region's) takes the
    # service's name by private DNS; with private_dns = false the name stays public, and says so
    "interface_endpoint_by_its_short_service_name": (
        BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % ENDPOINT % ("sqs", "true"),
        "east.worker", "sqs.us-east-1.amazonaws.com", "tcp", 443, True),
    "interface_endpoint_not_for_another_regions_service": (
        BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % ENDPOINT % ("sqs", "true"),
        "east.worker", "sqs.us-west-2.amazonaws.com", "tcp", 443, False),
    "interface_endpoint_without_private_dns": (
        BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % ENDPOINT % ("kms", "false"),
        "east.worker", "kms.us-east-1.amazonaws.com", "tcp", 443, False),
    "no_route_to_s3_without_endpoint": (BASE.replace("route { destination = 0.0.0.0/0, target = nat }", "") % '''
  security_group out_sg { vpc = main }
  instance worker { ami = "ami-1", instance_type = t3.micro, subnet = private, security_groups = [out_sg] }
  s3_bucket data { bucket = "reach-test-data" }''', "east.worker", "east.data", "tcp", 443, False),
    "peering_direct": (peered(), "east.ia", "east.ib", "tcp", 22, True),
    "peering_not_transitive": (peered(), "east.ia", "east.ic", "tcp", 22, False),
    "peering_with_a_return_route": (peered(), "east.ib", "east.ic", "tcp", 22, True),
    "peering_without_a_return_route": (peered().replace("route { destination = 10.2.0.0/16, target = bc }", ""),
                                       "east.ib", "east.ic", "tcp", 22, False),
    "nacl_crossed_between_subnets": (BASE % (NACL % ""), "east.server", "10.0.2.7", "icmp", None, False),
    "peering_overlapping_blocks": (OVERLAP, "east.ia", "east.ic", "tcp", 22, False),
    "longest_prefix_wins": (peered().replace("route { destination = 10.2.0.0/16, target = ab }",
                                             "route { destination = 10.0.0.0/8, target = ab }\n"
                                             "    route { destination = 10.2.1.0/24, target = ab }"),
                            "east.ia", "east.ib", "tcp", 22, True),
    "lb_targets_on_their_port": (BASE % (LB % "8080"), "internet", "east.web", "tcp", 80, True),
    "lb_target_port_not_admitted": (BASE % (LB % "9090"), "internet", "east.web", "tcp", 80, False),
    "lb_lambda_target": (BASE % LAMBDA_LB, "internet", "east.web", "tcp", 80, True),
    "lb_no_listener": (BASE % (LB % "8080"), "internet", "east.web", "tcp", 443, False),
    # a documentation range (TEST-NET-3, RFC 5737) is a public address, as AWS's docs use it
    "documentation_range_comes_over_the_internet": (BASTION % "203.0.113.0/24", "203.0.113.5", "east.bastion",
                                                    "tcp", 22, True),
    # a CIDR source stands for every address of it: the hop names the part a rule denies, and
    # what becomes of the rest
    "nacl_denies_part_of_a_cidr_source": (OPEN_NACL_BASTION, "5.6.0.0/16", "east.bastion", "tcp", 22, False),
    "nacl_allows_a_cidr_source_beside_the_denied_part": (OPEN_NACL_BASTION, "5.6.8.0/24", "east.bastion", "tcp",
                                                          22, True),
    "rfc1918_outside_every_vpc_is_on_premises": (BASTION % "192.168.0.0/16", "192.168.1.5", "east.bastion",
                                                 "tcp", 22, False),
}


def answer_of(text, src, dst, protocol, port):
    desired, diags = resolve_text(text)
    errors = [d.summary for d in diags if d.is_error]
    assert desired is not None and (not errors or text is OVERLAP), errors
    return trace(Network(build_graph(desired)), src, dst, Flow(protocol, port))


def rendered(answer) -> str:
    lines = [f"{'yes' if answer.reachable else 'no'}: {sum(p.reachable for p in answer.paths)} of "
             f"{len(answer.paths)} paths"]
    for n, hop in enumerate(answer.shown.hops, 1):
        at = f"  @ {hop.at.address} {'.'.join(str(p) for p in hop.at.path)}".rstrip() if hop.at else ""
        lines.append(f"{n:>2} {hop.verdict:<5} {hop.step}: {hop.text}{at}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", sorted(FLOWS))
def test_flow(case, snapshot):
    text, src, dst, protocol, port, expected = FLOWS[case]
    answer = answer_of(text, src, dst, protocol, port)
    assert answer.reachable is expected, rendered(answer)
    assert rendered(answer) == snapshot


def test_a_blocked_flow_names_the_rule_that_blocks_it():
    text, src, dst, protocol, port, _ = FLOWS["nacl_lowest_number_wins_deny"]
    hop = answer_of(text, src, dst, protocol, port).shown.blocked_at
    assert (hop.at.address, hop.at.path) == ("east.server_acl", ("ingress", 1))  # rule 100, written second


def test_a_resource_in_several_subnets_is_asked_from_each():
    text, src, dst, protocol, port, _ = FLOWS["lb_targets_on_their_port"]
    answer = answer_of(text, src, dst, protocol, port)
    # 2 load balancer nodes × 2 subnets of the fleet (cross-zone on for an ALB)
    assert len(answer.paths) == 4 and answer.reachable


def test_unknown_names_are_a_problem_not_a_crash():
    answer = answer_of(BASE % "", "east.nope", "internet", "tcp", 80)
    assert answer.problem == "no resource 'east.nope' in this architecture" and not answer.reachable


@pytest.mark.parametrize("address, public", [
    ("203.0.113.5/32", True), ("198.51.100.0/24", True), ("192.0.2.1/32", True), ("198.18.0.1/32", True),
    ("8.8.8.8/32", True), ("0.0.0.0/0", True), ("2001:db8::1/128", True),
    ("10.1.2.3/32", False), ("172.16.0.0/12", False), ("192.168.1.10/32", False), ("100.64.0.9/32", False),
    ("169.254.10.1/32", False), ("fd00::1/128", False),
])
def test_which_addresses_outside_every_vpc_are_on_the_internet(address, public):
    import ipaddress
    from archform.stdlib.reach.flow import on_the_internet
    assert on_the_internet(ipaddress.ip_network(address)) is public
