"""A network ACL judges a range of ports (a reply's ephemeral ports) and a block of addresses by
cutting them where rules start and end; property: that answer is the one address-by-address,
port-by-port first-match evaluation gives — allowed only when, for every address and port, the
lowest-numbered matching rule allows it."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

from hypothesis import given, strategies as st

from archform.dsl import values as v
from archform.stdlib.reach import nacls

PEER = ipaddress.ip_network("10.0.2.0/24")
BLOCKS = [ipaddress.ip_network(b) for b in ("10.0.0.0/16", "10.0.2.0/24", "10.0.2.0/25", "192.168.0.0/16")]

rule = st.builds(
    lambda n, action, low, width, block: SimpleNamespace(rule=n, action=action, protocol="tcp",
                                                         ports=v.PortRange(low, low + width), cidr=v.Cidr(block)),
    st.integers(1, 300), st.sampled_from(["allow", "deny"]), st.integers(990, 1110), st.integers(0, 60),
    st.sampled_from(BLOCKS))


# one address of each class the blocks draw in PEER: 10.0.2.0/25 and the rest of it
ADDRESSES = [ipaddress.ip_network("10.0.2.1/32"), ipaddress.ip_network("10.0.2.200/32")]


def brute_force(rules, low: int, high: int) -> bool:
    ordered = sorted(enumerate(rules), key=lambda t: (t[1].rule, t[0]))
    for address in ADDRESSES:
        for port in range(low, high + 1):
            first = next((r for _, r in ordered if nacls._matches(r, "tcp", port, port, address)), None)
            if first is None or first.action == "deny":
                return False
    return True


@given(st.lists(rule, max_size=6))
def test_a_port_range_is_judged_as_every_port_would_be(rules):
    acl = SimpleNamespace(address="acl", model=SimpleNamespace(egress=rules, ingress=[]))
    net = SimpleNamespace(nacl_of={"s": acl})
    hop = nacls.check(net, "s", "egress", PEER, "tcp", (1000, 1100), reply=True)
    assert (hop.verdict == "pass") is brute_force(rules, 1000, 1100), hop.text
