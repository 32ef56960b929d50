"""What a Network Firewall does to a flow (notes §24.13): its policy's stateless rule groups
first, rule by rule in priority order (pass, drop, or forward to the stateful engine), then the
stateless default action for a flow no rule matched, then the stateful groups' 5-tuple rules in
order (drop and reject stop the flow, pass lets it on, alert only logs). A domain list or
Suricata rules string is not evaluated: the walk knows addresses and ports, not host names or
payloads, and says so.

The walk (walk.py) finds the firewall's endpoint in the source's AZ, asks `inspect`, and sends
what passes on by the endpoint's subnet's own route.
"""

from __future__ import annotations

from archform.stdlib.schema import Related, View, deref

from .flow import BLOCK, NOTE, PASS, Endpoint, Flow, Hop

STEP = "network firewall"


def endpoint_subnet(net, firewall: View, az) -> str | None:
    """The subnet holding the firewall's endpoint in `az`."""
    return firewall.model.endpoint_azs(net.graph).get(az)


def inspect(net, firewall: View, flow: Flow, src: Endpoint, dst: Endpoint) -> list[Hop]:
    """The firewall's verdict on `flow` from `src` to `dst`, with notes on rules it cannot see."""
    policy = deref(net.graph, firewall.model.firewall_policy)
    if policy is None:
        return [Hop(STEP, PASS, f"firewall '{firewall.address}' has no policy of this design to apply",
                    Related(firewall.address, ("firewall_policy",)))]
    verdict = _stateless(net, policy, flow, src, dst)
    if verdict is not None:
        return [verdict]
    return _stateful(net, policy, flow, src, dst)


def _matches(rule, flow: Flow, src: Endpoint, dst: Endpoint) -> bool:
    return rule.matches(flow.protocol, src.network, dst.network, flow.port)


def _stateless(net, policy: View, flow: Flow, src: Endpoint, dst: Endpoint) -> Hop | None:
    for ref in policy.model.stateless_rule_groups:
        group = deref(net.graph, ref)
        if group is None:
            continue
        ordered = sorted(enumerate(group.model.rule), key=lambda p: p[1].priority or 0)
        for i, rule in ordered:
            if not _matches(rule, flow, src, dst):
                continue
            at = Related(group.address, ("rule", i), "stateless rule")
            if rule.action == "drop":
                return Hop(STEP, BLOCK, f"stateless rule '{rule.name}' of '{group.address}' drops {flow}", at)
            if rule.action == "pass":
                return Hop(STEP, PASS, f"stateless rule '{rule.name}' of '{group.address}' passes {flow}", at)
            return None  # forward: to the stateful engine
    action = policy.model.stateless_default_action
    at = Related(policy.address, ("stateless_default_action",), "default action")
    if action == "drop":
        return Hop(STEP, BLOCK, f"no stateless rule matches {flow}, and policy '{policy.address}' drops what none "
                                "matches", at)
    if action == "pass":
        return Hop(STEP, PASS, f"no stateless rule matches {flow}; policy '{policy.address}' passes it without "
                               "stateful inspection", at)
    return None


def _stateful(net, policy: View, flow: Flow, src: Endpoint, dst: Endpoint) -> list[Hop]:
    notes = []
    for ref in policy.model.stateful_rule_groups:
        group = deref(net.graph, ref)
        if group is None:
            continue
        for i, rule in enumerate(group.model.rule):
            if not _matches(rule, flow, src, dst):
                continue
            at = Related(group.address, ("rule", i), "stateful rule")
            if rule.action in ("drop", "reject"):
                return notes + [Hop(STEP, BLOCK, f"stateful rule '{rule.name}' of '{group.address}' "
                                                 f"{rule.action}s {flow}", at)]
            if rule.action == "pass":
                return notes + [Hop(STEP, PASS, f"stateful rule '{rule.name}' of '{group.address}' passes {flow}",
                                    at)]
        if group.model.domains or group.model.suricata:
            what = "domain list" if group.model.domains else "Suricata rules"
            notes.append(Hop(STEP, NOTE, f"the {what} of '{group.address}' matches host names or payloads, which "
                                         "the walk does not know: not evaluated", Related(group.address)))
    return notes + [Hop(STEP, PASS, f"no rule of policy '{policy.address}' drops {flow}", Related(policy.address))]
