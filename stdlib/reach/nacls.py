"""Network ACLs: stateless, numbered rules at a subnet's edge (notes §24.4).

Rules are read lowest number first and the first that matches decides; nothing matching meets
the final `*` rule, which denies. A subnet associated with no ACL uses its VPC's default ACL,
which allows everything (§24.4.2). Being stateless, an ACL judges the reply as a flow of its
own: back to the client's ephemeral ports, 1024-65535 (§24.4.3), so every port of that range
must be allowed. Traffic between two interfaces of one subnet crosses no ACL.

A rule about a block of addresses matches the other end when it allows every address the end
may have; a deny matches when it could hit any of them (no address is declared, so the walk
answers for the worst address of the subnet).
"""

from __future__ import annotations

from archform.stdlib.schema import Related, View

from .flow import BLOCK, EPHEMERAL, PASS, Hop
from .index import Network


def _ports(rule) -> tuple[int, int]:
    r = rule.ports
    return (r.low, r.high) if r is not None and rule.protocol in ("tcp", "udp") else (0, 65535)


def _matches(rule, protocol: str, low: int, high: int, peer) -> bool:
    if rule.protocol not in ("all", protocol):
        return False
    if protocol in ("tcp", "udp"):
        a, b = _ports(rule)
        if not (a <= low and high <= b):
            return False
    block = getattr(rule.cidr, "network", None)
    if block is None or block.version != peer.version:
        return False
    return peer.subnet_of(block) if rule.action == "allow" else peer.overlaps(block)


def _segments(rules, low: int, high: int):
    """[low, high] cut where a rule's port range starts or ends, so one rule decides each piece."""
    cuts = {low, high + 1}
    for rule in rules:
        a, b = _ports(rule)
        cuts.update(c for c in (a, b + 1) if low < c <= high)
    edges = sorted(cuts)
    return list(zip(edges, [e - 1 for e in edges[1:]]))


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def check(net: Network, subnet: str, direction: str, peer, protocol: str, ports: tuple[int, int] | None,
          reply: bool = False) -> Hop:
    """The hop for `subnet`'s ACL on traffic in (`ingress`) from or out (`egress`) to `peer`."""
    word = "inbound" if direction == "ingress" else "outbound"
    step = f"network ACL {word}" + (" (reply)" if reply else "")
    way = "from" if direction == "ingress" else "to"
    acl: View | None = net.nacl_of.get(subnet)
    what = protocol if ports is None else f"{protocol} {_span(*ports)}"
    if acl is None:
        return Hop(step, PASS, f"subnet '{subnet}' uses its VPC's default network ACL, which allows all traffic "
                               "(notes §24.4.2)", Related(subnet, (), "no network_acl lists this subnet"))
    rules = sorted(((r.rule, i, r) for i, r in enumerate(getattr(acl.model, direction)) if isinstance(r.rule, int)),
                   key=lambda t: t[:2])
    low, high = ports if ports is not None else (0, 0)
    pieces = _segments([r for _, _, r in rules], low, high) if ports is not None else [(0, 0)]
    allowed_by = []
    for a, b in pieces:
        decided = next(((n, i, r) for n, i, r in rules if _matches(r, protocol, a, b, peer)), None)
        piece = protocol if ports is None else f"{protocol} {_span(a, b)}"
        if decided is None:
            return Hop(step, BLOCK, f"no {direction} rule of network ACL '{acl.address}' allows {piece} {way} {peer}: "
                                    "the final * rule denies it" + (_hint(direction) if reply else ""),
                       Related(acl.address, (direction,), f"{direction} rules"))
        number, i, rule = decided
        if rule.action == "deny":
            return Hop(step, BLOCK, f"network ACL '{acl.address}' rule {number} denies {piece} {way} {peer}"
                                    + (_hint(direction) if reply else ""),
                       Related(acl.address, (direction, i), f"rule {number}"))
        allowed_by.append((number, i))
    numbers = ", ".join(str(n) for n in dict.fromkeys(n for n, _ in allowed_by))
    rule_word = "rules" if "," in numbers else "rule"
    return Hop(step, PASS, f"network ACL '{acl.address}' {rule_word} {numbers} allow{'' if ',' in numbers else 's'} "
                           f"{what} {way} {peer}",
               Related(acl.address, (direction, allowed_by[0][1]), f"rule {allowed_by[0][0]}"))


def _hint(direction: str) -> str:
    return (f" — NACLs are stateless: the reply needs its own {direction} rule for the ephemeral ports "
            f"{EPHEMERAL[0]}-{EPHEMERAL[1]} (notes §24.4.3)")
