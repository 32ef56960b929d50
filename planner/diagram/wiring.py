"""What each kind sends traffic to, or watches, or is used by: one function per kind, registered
against the kind (`@wires("load_balancer")`), which `edges.connect` looks up for each resource.

A function is given the resource's address, its item and the `Wiring` of the scene being
connected: `add(tail, head, kind, label)` draws a line, `traffic_port(tail, head, port)` adds a
port to the traffic line between two resources (the ports are joined into one label), and
`served` collects what something else sends traffic to (users are drawn only to what nothing
serves). The families with longer rules (messaging, events, hybrid links, containers,
operations) register their functions from `edges.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .nesting import endpoint_node
from .scene import Item, ref, refs


@dataclass
class Wiring:
    items: dict[str, Item]
    add: Callable[..., None]
    traffic_port: Callable[[str, str, object], None]
    served: set[str]


WIRES: dict[str, Callable[[str, Item, Wiring], None]] = {}


def wires(*kinds: str):
    """Register the function that draws the lines of these kinds (one function per kind)."""
    def register(fn):
        for kind in kinds:
            assert kind not in WIRES, f"{kind} is wired twice"
            WIRES[kind] = fn
        return fn
    return register


@wires("dns_record")
def _record(a, it, w: Wiring):
    at = it.attrs
    target = ref(at.get("alias"))
    if target:
        if at.get("failover") == "secondary":
            w.add(a, target, "failover", "secondary")
        else:
            w.add(a, target, "traffic", "primary" if at.get("failover") == "primary" else "")
        w.served.add(target)
    hc = ref(at.get("health_check"))
    if hc:
        w.add(hc, a, "uses")


@wires("cloudfront")
def _distribution(a, it, w: Wiring):
    for origin in it.attrs.get("origin") or []:
        target = ref(origin.get("target"))
        if target:
            w.add(a, target, "traffic", origin.get("access") or "")
            w.served.add(target)


@wires("global_accelerator")
def _accelerator(a, it, w: Wiring):
    for ep in it.attrs.get("endpoint") or []:
        target = ref(ep.get("target"))
        if target:
            w.add(a, target, "traffic")
            w.served.add(target)


@wires("load_balancer")
def _load_balancer(a, it, w: Wiring):
    for lst in it.attrs.get("listener") or []:
        targets = refs(lst.get("forward")) + [ref(r.get("forward")) for r in lst.get("rule") or []]
        for tg in targets:
            if tg:
                w.traffic_port(a, tg, lst.get("port"))
                w.served.add(tg)


@wires("autoscaling_group")
def _fleet(a, it, w: Wiring):
    for tg in refs(it.attrs.get("target_groups")):
        port = w.items[tg].attrs.get("port") if tg in w.items else None
        w.traffic_port(tg, a, port)
        w.served.add(a)


@wires("target_group")
def _target_group(a, it, w: Wiring):
    at = it.attrs
    for t in at.get("targets") or []:
        target = ref(t.get("target") if isinstance(t, dict) else t)
        if target:
            w.traffic_port(a, target, at.get("port"))
            w.served.add(target)


@wires("health_check")
def _health_check(a, it, w: Wiring):
    at = it.attrs
    target = ref(at.get("target"))
    if target:
        w.add(a, target, "monitors", at.get("path") or "")
    for child in refs(at.get("child_checks")):
        w.add(a, child, "uses")
    if ref(at.get("alarm")):
        w.add(a, ref(at.get("alarm")), "monitors", "alarm")


@wires("waf_web_acl")
def _web_acl(a, it, w: Wiring):
    """The firewall filters what reaches each protected resource."""
    distributions = [c for c, other in sorted(w.items.items())
                     if other.kind == "cloudfront" and ref(other.attrs.get("web_acl")) == a]
    for target in refs(it.attrs.get("resources")) + distributions:
        w.add(a, target, "monitors", "WAF")


@wires("network_firewall")
def _network_firewall(a, it, w: Wiring):
    """Its policy → it → its endpoints in their subnets."""
    at = it.attrs
    for s in refs(at.get("subnets")):
        subnet = w.items.get(s)
        if subnet is not None:
            w.add(a, endpoint_node(a, subnet.attrs.get("az")), "uses", "endpoint")
    if ref(at.get("firewall_policy")):
        w.add(ref(at.get("firewall_policy")), a, "uses")


@wires("firewall_policy")
def _firewall_policy(a, it, w: Wiring):
    for group in refs(it.attrs.get("stateless_rule_groups")) + refs(it.attrs.get("stateful_rule_groups")):
        w.add(group, a, "uses")


@wires("shield_protection")
def _shield(a, it, w: Wiring):
    if ref(it.attrs.get("resource")):
        w.add(a, ref(it.attrs.get("resource")), "monitors", "Shield Advanced")


@wires("cloudwatch_alarm")
def _alarm(a, it, w: Wiring):
    at = it.attrs
    scale = at.get("scale")
    if isinstance(scale, dict) and ref(scale.get("group")):
        w.add(a, ref(scale.get("group")), "uses", f"scales ({scale.get('policy')})")
    for topic in refs(at.get("alarm_actions")) + refs(at.get("ok_actions")):
        w.add(a, topic, "messaging", "notifies")
