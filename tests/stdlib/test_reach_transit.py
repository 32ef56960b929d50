"""Reachability through a transit gateway (notes §24.10): transitive, unlike peering — VPC A
reaches VPC C through the hub as far as the route table of A's attachment takes it, from AZs
the attachments have a subnet in, with a route back; on-premises ranges leave over the hub's
VPN. Each flow's hops are kept as a snapshot."""

from __future__ import annotations

import pytest

from archform.dsl.check import build_graph
from archform.dsl.resolve import resolve_text
from archform.stdlib.reach import Flow, Network, trace

HUB = '''
region "us-east-1" as east {
  vpc a { cidr = 10.1.0.0/16 }
  vpc b { cidr = 10.2.0.0/16 }
  vpc c { cidr = 10.3.0.0/16 }
  subnet sa  { vpc = a, cidr = 10.1.1.0/24, az = a }
  subnet sa2 { vpc = a, cidr = 10.1.2.0/24, az = b }
  subnet sb  { vpc = b, cidr = 10.2.1.0/24, az = a }
  subnet sc  { vpc = c, cidr = 10.3.1.0/24, az = a }
  transit_gateway hub { %s }
  transit_gateway_attachment att_a { transit_gateway = hub, vpc = a, subnets = [%s] }
  transit_gateway_attachment att_b { transit_gateway = hub, vpc = b, subnets = [sb] }
  transit_gateway_attachment att_c { transit_gateway = hub, vpc = c, subnets = [sc] }
  route_table rta {
    vpc = a
    subnets = [sa, sa2]
    route { destination = 10.0.0.0/8, target = hub }
    route { destination = 192.168.0.0/16, target = hub }
  }
  route_table rtc {
    vpc = c
    subnets = [sc]
    route { destination = 10.0.0.0/8, target = hub }
  }
  security_group open_a {
    vpc = a
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  security_group open_c {
    vpc = c
    ingress { protocol = all, from = 10.0.0.0/8 }
  }
  instance ia  { ami = "ami-1", instance_type = t3.micro, subnet = sa, security_groups = [open_a] }
  instance ia2 { ami = "ami-1", instance_type = t3.micro, subnet = sa2, security_groups = [open_a] }
  instance ic  { ami = "ami-1", instance_type = t3.micro, subnet = sc, security_groups = [open_c] }
  customer_gateway office { ip_address = 203.0.113.10, bgp_asn = 65010 }
  vpn_connection vpn { customer_gateway = office, transit_gateway = hub }
  %s
}
'''

SEGMENTED = '''transit_gateway_route_table spokes {
    transit_gateway = hub
    associations    = [att_a, att_c]
    propagations    = [att_b]
  }'''

hub = lambda options="", subnets="sa, sa2", extra="": HUB % (options, subnets, extra)

# Two route tables of one hub: `from_a` (att_a's) propagates VPC c and holds ROUTE; `from_c`
# (att_c's) propagates BACK.
TABLES = '''transit_gateway_route_table from_a {
    transit_gateway = hub
    associations    = [att_a]
    propagations    = [att_c]
    %s
  }
  transit_gateway_route_table from_c {
    transit_gateway = hub
    associations    = [att_c]
    propagations    = [%s]
  }'''
OWN = "default_route_table_association = false\n    default_route_table_propagation = false"
tables = lambda route="", back="att_a": hub(OWN, extra=TABLES % (route, back))

#          name: (architecture, source, destination, reachable)
FLOWS = {
    "transitive_through_the_hub": (hub(), "east.ia", "east.ic", True),
    "segmented_by_route_tables": (hub("default_route_table_association = false", extra=SEGMENTED),
                                  "east.ia", "east.ic", False),
    "source_az_without_an_attachment_subnet": (hub(subnets="sa"), "east.ia2", "east.ic", False),
    "on_premises_over_the_vpn": (hub(), "east.ia", "192.168.1.10", True),
    "own_tables_propagating_both_ways": (tables(), "east.ia", "east.ic", True),
    # the longest prefix wins, and for equal prefixes a static route (a blackhole too) beats a
    # propagated one (AWS's route evaluation order); a blackhole drops what it takes
    "blackhole_more_specific_than_the_propagated_route": (
        tables("route { destination = 10.3.1.0/24, blackhole = true }"), "east.ia", "east.ic", False),
    "blackhole_equal_to_the_propagated_route": (
        tables("route { destination = 10.3.0.0/16, blackhole = true }"), "east.ia", "east.ic", False),
    "blackhole_elsewhere_leaves_the_propagated_route": (
        tables("route { destination = 10.3.99.0/24, blackhole = true }"), "east.ia", "east.ic", True),
    "static_route_to_another_attachment_beats_the_propagated_route": (
        tables("route { destination = 10.3.0.0/16, attachment = att_b }"), "east.ia", "east.ic", False),
    "static_route_to_another_attachment_for_part_of_the_subnet": (
        tables("route { destination = 10.3.1.0/25, attachment = att_b }"), "east.ia", "east.ic", False),
    "static_route_instead_of_a_propagation": (
        hub(OWN, extra=TABLES.replace("propagations    = [att_c]", "") % (
            "route { destination = 10.3.0.0/16, attachment = att_c }", "att_a")), "east.ia", "east.ic", True),
    "no_route_back_in_the_destination_attachments_table": (tables(back="att_b"), "east.ia", "east.ic", False),
}


def answer_of(text, src, dst, port=443):
    desired, diags = resolve_text(text)
    assert desired is not None and not [d for d in diags if d.is_error], [d.summary for d in diags if d.is_error]
    return trace(Network(build_graph(desired)), src, dst, Flow("tcp", port))


def rendered(answer) -> str:
    lines = [f"{'yes' if answer.reachable else 'no'}: {sum(p.reachable for p in answer.paths)} of "
             f"{len(answer.paths)} paths"]
    for n, hop in enumerate(answer.shown.hops, 1):
        at = f"  @ {hop.at.address} {'.'.join(str(p) for p in hop.at.path)}".rstrip() if hop.at else ""
        lines.append(f"{n:>2} {hop.verdict:<5} {hop.step}: {hop.text}{at}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", sorted(FLOWS))
def test_flow(case, snapshot):
    text, src, dst, expected = FLOWS[case]
    answer = answer_of(text, src, dst)
    assert answer.reachable is expected, rendered(answer)
    assert rendered(answer) == snapshot


@pytest.mark.parametrize("blackhole, warned", [
    ("10.3.0.0/16", True),     # as wide as the propagated route, and static: it wins
    ("10.3.1.0/24", True),     # more specific: it wins
    ("10.3.1.0/25", False),    # inside the destination: part of it is dropped, reach says which
    ("10.3.99.0/24", False),   # elsewhere
])
def test_validate_says_a_route_into_a_transit_gateway_blackhole_is_dropped(blackhole, warned):
    """validate's transit gateway route check followed the hub's forwarding routes and ignored its
    blackholes: a VPC route to a range the hub's table blackholes was said to go on (reach was
    right: the hub drops it)."""
    extra = TABLES % (f"route {{ destination = {blackhole}, blackhole = true }}", "att_a") + '''
  route_table rta_c {
    vpc = a
    route { destination = 10.3.1.0/24, target = hub }
  }'''
    _, diags = resolve_text(hub(OWN, extra=extra), "main.arch")
    said = [d.summary for d in diags if "blackholes" in d.summary]
    assert said == ([f"east.rta_c: transit gateway route table 'east.from_a' blackholes {blackhole}, so the hub "
                     "drops what this route sends to 10.3.1.0/24"] if warned else [])
    assert not any(d.is_error for d in diags)
    if warned:  # the label is on the blackhole route, not on the table's header
        (d,) = [d for d in diags if "blackholes" in d.summary]
        assert d.labels[0].span.start_line == next(i for i, line in enumerate(hub(OWN, extra=extra).splitlines(), 1)
                                                   if "blackhole = true" in line)
