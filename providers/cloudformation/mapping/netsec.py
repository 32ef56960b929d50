"""Network Firewall, Shield Advanced and GuardDuty: `AWS::NetworkFirewall::RuleGroup`,
`::FirewallPolicy` and `::Firewall`, `AWS::Shield::Protection`, `AWS::GuardDuty::Detector`.

- A stateful 5-tuple rule is a `StatefulRules` entry with a `sid` of its position (Suricata
  requires one per rule); a stateless rule a `StatelessRules` entry with its priority and
  `aws:pass`, `aws:drop` or `aws:forward_to_sfe`. A domain list is a `RulesSourceList`, a
  Suricata string `RulesString`.
- CloudFormation names the policy's stateless groups with a priority: their order, 10 apart.
- Deletion and subnet change protection are written explicitly on (AWS's default is off).
- A route to a firewall (mapping/network.py) is a `VpcEndpointId`: the id after the colon of
  the firewall's `EndpointIds` entry ("AZ:vpce-…") at the position of the route table's AZ
  among the firewall's subnets. CloudFormation returns `EndpointIds` in the order of the
  `SubnetMappings`; the mapping writes them in the order of `subnets`.
"""

from __future__ import annotations

import re

from archform.stdlib.netsec_facts import FEATURES, FREQUENCIES

from ..intrinsics import Att, arn, select, split, sub
from ..units import seconds
from .common import getatt

_PROTOCOL = {"tcp": 6, "udp": 17, "icmp": 1}
_STATELESS = {"pass": "aws:pass", "drop": "aws:drop", "forward": "aws:forward_to_sfe"}


def _name(r) -> str:
    return r.val("name") or re.sub(r"[^A-Za-z0-9-]+", "-", r.address).strip("-")[:128]


def _address(value) -> str:
    return "ANY" if value in (None, "0.0.0.0/0", "internet") else str(value)


def _stateful(r, i: int, rule: dict) -> dict:
    port = rule.get("port")
    return {"Action": (rule.get("action") or "drop").upper(),
            "Header": {"Protocol": (rule.get("protocol") or "ip").upper(), "Source": _address(rule.get("source")),
                       "SourcePort": "ANY", "Direction": "FORWARD",
                       "Destination": _address(rule.get("destination")),
                       "DestinationPort": "ANY" if port is None else str(port)},
            "RuleOptions": [{"Keyword": "sid", "Settings": [str(i + 1)]}]}


def _stateless(rule: dict) -> dict:
    match: dict = {"Sources": [{"AddressDefinition": str(rule.get("source") or "0.0.0.0/0").replace("internet",
                                                                                                     "0.0.0.0/0")}],
                   "Destinations": [{"AddressDefinition": str(rule.get("destination") or "0.0.0.0/0")
                                     .replace("internet", "0.0.0.0/0")}]}
    protocol = _PROTOCOL.get(rule.get("protocol") or "ip")
    if protocol is not None:
        match["Protocols"] = [protocol]
    if rule.get("port") is not None:
        match["DestinationPorts"] = [{"FromPort": rule["port"], "ToPort": rule["port"]}]
    return {"Priority": rule["priority"],
            "RuleDefinition": {"Actions": [_STATELESS[rule.get("action") or "drop"]], "MatchAttributes": match}}


def firewall_rule_group(r):
    kind = r.raw("type") or "stateful"
    rules = r.peek("rule") or []
    if kind == "stateless":
        source = {"StatelessRulesAndCustomActions": {"StatelessRules": [_stateless(x) for x in rules]}}
    elif r.peek("domains"):
        source = {"RulesSourceList": {"Targets": r.val("domains"), "TargetTypes": r.val("domain_protocols"),
                                      "GeneratedRulesType": "ALLOWLIST" if r.raw("domain_action") == "allow"
                                      else "DENYLIST"}}
    elif r.peek("suricata"):
        source = {"RulesString": r.val("suricata")}
    else:
        source = {"StatefulRules": [_stateful(r, i, x) for i, x in enumerate(rules)]}
    r.part("AWS::NetworkFirewall::RuleGroup", {
        "RuleGroupName": _name(r),
        "Description": r.val("description"),
        "Type": kind.upper(),
        "Capacity": r.val("capacity"),
        "RuleGroup": {"RulesSource": source},
        "Tags": r.tags(),
    })


def firewall_policy(r):
    policy = {
        "StatelessDefaultActions": [_STATELESS[r.raw("stateless_default_action") or "forward"]],
        "StatelessFragmentDefaultActions": [_STATELESS[r.raw("stateless_fragment_default_action") or "forward"]],
        "StatelessRuleGroupReferences": [{"ResourceArn": a, "Priority": 10 * (i + 1)}
                                         for i, a in enumerate(r.refs("stateless_rule_groups", export="arn"))] or None,
        "StatefulRuleGroupReferences": [{"ResourceArn": a}
                                        for a in r.refs("stateful_rule_groups", export="arn")] or None,
    }
    r.part("AWS::NetworkFirewall::FirewallPolicy", {
        "FirewallPolicyName": _name(r),
        "Description": r.val("description"),
        "FirewallPolicy": policy,
        "Tags": r.tags(),
    })


def network_firewall(r):
    r.part("AWS::NetworkFirewall::Firewall", {
        "FirewallName": _name(r),
        "Description": r.val("description"),
        "VpcId": r.ref("vpc"),
        "SubnetMappings": [{"SubnetId": s} for s in r.refs("subnets")],
        "FirewallPolicyArn": r.ref("firewall_policy", export="arn"),
        "DeleteProtection": r.peek("deletion_protection") is not False,
        "SubnetChangeProtection": r.peek("subnet_change_protection") is not False,
        "FirewallPolicyChangeProtection": r.val("policy_change_protection") or None,
        "Tags": r.tags(),
    })
    if r.peek("kms_key"):
        r.warn("CloudFormation's AWS::NetworkFirewall::Firewall takes no customer key: the firewall is encrypted "
               "with an AWS-owned key", ("kms_key",), help="set the key with UpdateFirewallEncryptionConfiguration")


def endpoint_id(ctx, firewall: str, az: str):
    """The firewall's endpoint in `az`, for a route: the id in its `EndpointIds` at that AZ's place."""
    subnets = [s.address for s in ctx.source(firewall).model.subnets]
    zones = [ctx.source(s).model.az for s in subnets]
    index = zones.index(az) if az in zones else 0
    return select(1, split(":", select(index, Att(firewall, "", "EndpointIds"))))


def shield_protection(r):
    target = r.target("resource")
    kind = r.ctx.kind(target)
    if kind == "elastic_ip":
        resource = arn("ec2", sub("eip-allocation/", Att(target, "", "AllocationId")))
    else:
        resource = r.ctx.out(target, "arn", r)
    check = r.ref("health_check")
    r.part("AWS::Shield::Protection", {
        "Name": _name(r),
        "ResourceArn": resource,
        "HealthCheckArns": [arn("route53", sub("healthcheck/", check), region=False, account=False)] if check else None,
        "Tags": r.tags(),
    })


def guardduty_detector(r):
    freq = int(seconds(r.raw("finding_publishing_frequency") or "6h"))
    r.part("AWS::GuardDuty::Detector", {
        "Enable": r.peek("enable") is not False,
        "FindingPublishingFrequency": FREQUENCIES.get(freq, "SIX_HOURS"),
        "Features": [{"Name": name, "Status": "DISABLED" if r.peek(attr) is False else "ENABLED"}
                     for attr, name in FEATURES.items()],
        "Tags": r.tags(),
    })


MAPPERS = {"firewall_rule_group": firewall_rule_group, "firewall_policy": firewall_policy,
           "network_firewall": network_firewall, "shield_protection": shield_protection,
           "guardduty_detector": guardduty_detector}

TYPES = {
    "firewall_rule_group": ["AWS::NetworkFirewall::RuleGroup"],
    "firewall_policy": ["AWS::NetworkFirewall::FirewallPolicy"],
    "network_firewall": ["AWS::NetworkFirewall::Firewall"],
    "shield_protection": ["AWS::Shield::Protection"],
    "guardduty_detector": ["AWS::GuardDuty::Detector"],
}

EXPORTS = {
    "firewall_rule_group": {"id": getatt("RuleGroupArn"), "arn": getatt("RuleGroupArn")},
    "firewall_policy": {"id": getatt("FirewallPolicyArn"), "arn": getatt("FirewallPolicyArn")},
    "network_firewall": {"id": getatt("FirewallArn"), "arn": getatt("FirewallArn"),
                         "endpoint_ids": getatt("EndpointIds")},
    "shield_protection": {"id": getatt("ProtectionArn"), "arn": getatt("ProtectionArn")},
    "guardduty_detector": {"id": getatt("Id")},
}
