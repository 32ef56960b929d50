"""Network ACLs: stateless, numbered rules at a subnet's edge (notes §24.4).

Rules are read lowest number first and the first that matches decides; nothing matching meets
the final `*` rule, which denies. A subnet associated with no ACL uses its VPC's default ACL,
which allows everything (§24.4.2). Being stateless, an ACL judges the reply as a flow of its
own: back to the client's ephemeral ports, 1024-65535 (§24.4.3), so every port of that range
must be allowed; a reply let through on only part of it is blocked, and the hop says which
clients the part serves (Linux 32768-60999, Windows 49152-65535; NAT gateways, load balancers
and Lambda use all of 1024-65535). Traffic between two interfaces of one subnet crosses no ACL.

The other end is a block of addresses (an interface stands for any address of its subnet, and
a CIDR given to `reach` for every address of it), and the flow gets through only when it does
for every address: the block is cut where the rules' blocks start and end, each part is judged
by its own first matching rule, and a hop that blocks names the part that is blocked, the rule
that blocks it, and what becomes of the rest — as the security groups do, whose rules admit a
block only when it holds every address of the end.
"""

from __future__ import annotations

import ipaddress

from archform.stdlib.schema import Related, View

from .flow import BLOCK, CLIENT_PORTS, EPHEMERAL, PASS, Hop
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
    return peer.subnet_of(block)  # `peer` is a part that each rule's block holds whole or not at all


def _parts(blocks, peer) -> list:
    """`peer` cut so that every block holds each part whole or not at all."""
    inner = [b for b in blocks if b.version == peer.version and b != peer and b.subnet_of(peer)]
    if not inner:
        return [peer]
    out = []
    for half in peer.subnets(prefixlen_diff=1):
        out.extend(_parts([b for b in inner if b.overlaps(half)], half))
    return out


def _joined(parts) -> str:
    return ", ".join(str(n) for n in ipaddress.collapse_addresses(parts))


def _decision(decided) -> str:
    if decided is None:
        return "denied by the final * rule"
    number, _, rule = decided
    return f"{'allowed' if rule.action == 'allow' else 'denied'} by rule {number}"


def _where(peer, judged: list, chosen) -> tuple[str, str]:
    """`peer`, or the part of it `chosen` decides, and what the other rules make of the rest."""
    mine = [part for part, d in judged if d == chosen]
    if len(mine) == len(judged):
        return str(peer), ""
    rest: dict[str, list] = {}
    for part, d in judged:
        if d != chosen:
            rest.setdefault(_decision(d), []).append(part)
    told = "; ".join(f"{_joined(parts)} {what}" if len(rest) > 1 else what for what, parts in rest.items())
    return f"{_joined(mine)}, part of {peer}", f" (the rest of {peer}: {told})"


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
    """The hop for `subnet`'s ACL on traffic in (`ingress`) from or out (`egress`) to `peer`; for
    a reply blocked on part of the ephemeral ports, which clients it still reaches."""
    hop = _check(net, subnet, direction, peer, protocol, ports, reply)
    if not reply or ports is None or hop.verdict != BLOCK:
        return hop
    works = [who for who, span in CLIENT_PORTS
             if _check(net, subnet, direction, peer, protocol, span, reply).verdict == PASS]
    if not works:
        return hop
    fails = [f"{who} ({_span(*span)})" for who, span in CLIENT_PORTS if who not in works]
    shown = " and ".join(f"{who} ({_span(*span)})" for who, span in CLIENT_PORTS if who in works)
    return Hop(hop.step, hop.verdict, f"{hop.text}. As written, the reply does reach {shown}, not {' or '.join(fails)}: "
                                      "the client's operating system picks the port, and reach asks for any client's "
                                      f"({EPHEMERAL[0]}-{EPHEMERAL[1]})", hop.at)


def _check(net: Network, subnet: str, direction: str, peer, protocol: str, ports: tuple[int, int] | None,
           reply: bool = False) -> Hop:
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
    parts = _parts([r.cidr.network for _, _, r in rules if getattr(r.cidr, "network", None) is not None], peer)
    allowed_by = []
    for a, b in pieces:
        judged = [(part, next(((n, i, r) for n, i, r in rules if _matches(r, protocol, a, b, part)), None))
                  for part in parts]
        piece = protocol if ports is None else f"{protocol} {_span(a, b)}"
        chosen = next((d for _, d in judged if d is None or d[2].action == "deny"), False)
        if chosen is None:
            where, rest = _where(peer, judged, None)
            return Hop(step, BLOCK, f"no {direction} rule of network ACL '{acl.address}' allows {piece} {way} {where}: "
                                    "the final * rule denies it" + rest + (_hint(direction) if reply else ""),
                       Related(acl.address, (direction,), f"{direction} rules"))
        if chosen:
            number, i, rule = chosen
            where, rest = _where(peer, judged, chosen)
            return Hop(step, BLOCK, f"network ACL '{acl.address}' rule {number} denies {piece} {way} {where}"
                                    + rest + (_hint(direction) if reply else ""),
                       Related(acl.address, (direction, i), f"rule {number}"))
        allowed_by.extend((n, i) for _, (n, i, _) in judged)
    numbers = ", ".join(str(n) for n in dict.fromkeys(n for n, _ in allowed_by))
    rule_word = "rules" if "," in numbers else "rule"
    return Hop(step, PASS, f"network ACL '{acl.address}' {rule_word} {numbers} allow{'' if ',' in numbers else 's'} "
                           f"{what} {way} {peer}",
               Related(acl.address, (direction, allowed_by[0][1]), f"rule {allowed_by[0][0]}"))


def _hint(direction: str) -> str:
    return (f" — NACLs are stateless: the reply needs its own {direction} rule for the ephemeral ports "
            f"{EPHEMERAL[0]}-{EPHEMERAL[1]} (notes §24.4.3)")
