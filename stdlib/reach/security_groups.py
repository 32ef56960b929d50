"""Security groups: stateful allow-lists on each network interface (notes §3.4, §24.4.1).

A flow leaves an interface when one egress rule of one of its groups allows it, and enters when
one ingress rule does; a rule names the other end by CIDR block (every address of that end
must be inside it) or by security group (the other end's interface must wear it). Being
stateful, a group lets the reply of an allowed flow back without looking at its rules.
An interface with no group declared gets its VPC's default group, which admits only other
members of that default group and lets everything out.
"""

from __future__ import annotations

from archform.dsl import values as v
from archform.stdlib.schema import Related

from .flow import BLOCK, PASS, Endpoint, Flow, Hop
from .index import Network


def covers(rule, flow: Flow) -> bool:
    """Whether a rule's protocol and ports take the flow."""
    if rule.protocol == "all":
        return True
    if rule.protocol != flow.protocol:
        return False
    return flow.port is None or rule.covers(flow.port)


def names(peer, other: Endpoint) -> bool:
    """Whether a rule's `from`/`to` is the other end."""
    if isinstance(peer, v.ResourceRef):
        return peer.address in other.groups
    if isinstance(peer, v.Cidr):
        return other.network.version == peer.network.version and other.network.subnet_of(peer.network)
    return False


def _peer_text(peer) -> str:
    return f"security group '{peer.address}'" if isinstance(peer, v.ResourceRef) else str(peer)


def _other_text(other: Endpoint) -> str:
    worn = f" (wearing {', '.join(repr(g) for g in other.groups)})" if other.groups else ""
    return f"{other.describe()}{worn}"


def check(net: Network, me: Endpoint, other: Endpoint, flow: Flow, direction: str) -> Hop | None:
    """The hop for `me`'s groups on a flow going out to (`egress`) or in from (`ingress`) `other`;
    None when `me` is a bare address or a service, with no security group to pass."""
    step = f"security group {direction}"
    way = "to" if direction == "egress" else "from"
    if me.default_group:
        return _default_group(me, other, flow, direction, step, way)
    if not me.groups:
        return None
    for group in me.groups:
        view = net.get(group)
        if view is None:
            continue
        for i, rule in enumerate(getattr(view.model, direction)):
            if covers(rule, flow) and names(rule.peer, other):
                return Hop(step, PASS, f"security group '{group}' allows {flow} {way} {_peer_text(rule.peer)}",
                           Related(group, (direction, i), f"{direction} rule"))
    shown = ", ".join(repr(g) for g in me.groups)
    text = f"no {direction} rule of security group {shown} allows {flow} {way} {_other_text(other)}"
    near = _near_miss(net, me, other, direction)
    if near is not None:
        group, i, rule = near
        ports = "all ports" if rule.port_range is None else f"port {rule.port_range}"
        return Hop(step, BLOCK, f"{text}; its rule for {_peer_text(rule.peer)} admits {rule.protocol} {ports} only",
                   Related(group, (direction, i), f"{rule.protocol} {ports} only"))
    return Hop(step, BLOCK, text, Related(me.groups[0], (direction,), f"{direction} rules"))


def _near_miss(net: Network, me: Endpoint, other: Endpoint, direction: str):
    """The rule that names the other end but not this flow's port or protocol, if one does: the
    rule the author most likely meant."""
    for group in me.groups:
        view = net.get(group)
        for i, rule in enumerate(getattr(view.model, direction) if view is not None else ()):
            if names(rule.peer, other) and not (isinstance(rule.peer, v.Cidr) and rule.peer.network.prefixlen == 0):
                return group, i, rule
    return None


def _default_group(me: Endpoint, other: Endpoint, flow: Flow, direction: str, step: str, way: str) -> Hop:
    at = Related(me.name, (), "no security_groups declared")
    if direction == "egress":
        return Hop(step, PASS, f"'{me.name}' declares no security group: the VPC's default group allows all traffic out",
                   at)
    if other.default_group and other.vpc == me.vpc:
        return Hop(step, PASS, f"both ends wear the VPC's default security group, which admits its own members", at)
    return Hop(step, BLOCK, f"'{me.name}' declares no security group: the VPC's default group admits only its own "
                            f"members, not {flow} from {other.describe()}", at)


def reply() -> Hop:
    return Hop("security group reply", PASS, "security groups are stateful: the reply of an allowed flow is allowed "
                                             "(notes §24.4.1)")
