"""WAF: a web ACL is one `AWS::WAFv2::WebACL` with an `AWS::WAFv2::WebACLAssociation` per ALB or
REST API stage it protects (a distribution names a CLOUDFRONT ACL in its own `WebACLId`); an IP
set is one `AWS::WAFv2::IPSet`.

WAF's actions are empty objects (`Block: {}`, `OverrideAction: {None: {}}`), which the
pruning of unset properties would drop: they are set after the part is made.
CloudFormation requires a `VisibilityConfig` on the ACL and on each rule: CloudWatch metrics
and sampled requests are on, each named after the ACL and its rule (what a reviewer looks for
when a rule blocks too much).
"""

from __future__ import annotations

import re

from archform.stdlib.security_facts import RATE_WINDOWS

from ..intrinsics import PARTITION, REGION, Att, sub
from ..logical_ids import camel
from ..units import seconds
from ..parts import prune
from .common import getatt

_ACTION = {"block": "Block", "allow": "Allow", "count": "Count"}


def _metric(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)[:128]


def _visibility(name: str) -> dict:
    return {"CloudWatchMetricsEnabled": True, "SampledRequestsEnabled": True, "MetricName": _metric(name)}


def _rule(r, i: int, rule: dict) -> dict:
    p = ("rule", i)
    out = {"Name": rule["name"], "Priority": rule["priority"],
           "VisibilityConfig": _visibility(f"{r.address}-{rule['name']}")}
    if rule.get("managed"):
        out["Statement"] = {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": rule["managed"]}}
        return {**prune(out), "OverrideAction": {"Count": {}} if rule.get("override") == "count" else {"None": {}}}
    if rule.get("rate_limit") is not None:
        window = int(seconds(rule.get("window") or "5m"))
        out["Statement"] = {"RateBasedStatement": {
            "Limit": r.val(*p, "rate_limit"), "AggregateKeyType": "IP",
            "EvaluationWindowSec": window if window in RATE_WINDOWS and window != 300 else None}}
    elif rule.get("ip_set"):
        out["Statement"] = {"IPSetReferenceStatement": {"Arn": r.ref(*p, "ip_set", export="arn")}}
    else:
        out["Statement"] = {"GeoMatchStatement": {"CountryCodes": r.val(*p, "countries")}}
    return {**prune(out), "Action": {_ACTION[rule.get("action") or "block"]: {}}}


def waf_web_acl(r):
    scope = r.raw("scope") or "REGIONAL"
    acl = r.part("AWS::WAFv2::WebACL", {
        "Name": r.val("name"),
        "Description": r.val("description"),
        "Scope": scope,
        "VisibilityConfig": _visibility(r.address),
        "Tags": r.tags(),
    })
    acl.props["DefaultAction"] = {"Block": {}} if r.raw("default_action") == "block" else {"Allow": {}}
    rules = [_rule(r, i, rule) for i, rule in enumerate(r.peek("rule") or [])]
    if rules:
        acl.props["Rules"] = rules
    for target in r.targets("resources"):
        suffix = "Association" + camel(target.rsplit(".", 1)[-1])
        if r.ctx.kind(target) == "api_gateway":
            stage = r.ctx.source(target).model.stage_name
            arn = sub("arn:", PARTITION, ":apigateway:", REGION, "::/restapis/", Att(target), "/stages/" + stage)
            r.part("AWS::WAFv2::WebACLAssociation", {"ResourceArn": arn, "WebACLArn": r.att("", "Arn")},
                   suffix=suffix, depends=[Att(target, "Stage")])
        else:
            r.part("AWS::WAFv2::WebACLAssociation", {"ResourceArn": r.ctx.out(target, "arn", r),
                                                     "WebACLArn": r.att("", "Arn")}, suffix=suffix)


def waf_ip_set(r):
    r.part("AWS::WAFv2::IPSet", {
        "Name": r.val("name"),
        "Description": r.val("description"),
        "Scope": r.raw("scope") or "REGIONAL",
        "IPAddressVersion": r.raw("ip_version") or "IPV4",
        "Addresses": r.val("addresses") or [],
        "Tags": r.tags(),
    })


MAPPERS = {"waf_web_acl": waf_web_acl, "waf_ip_set": waf_ip_set}

TYPES = {
    "waf_web_acl": ["AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"],
    "waf_ip_set": ["AWS::WAFv2::IPSet"],
}

EXPORTS = {
    "waf_web_acl": {"id": getatt("Arn"), "arn": getatt("Arn"), "capacity": getatt("Capacity")},
    "waf_ip_set": {"id": getatt("Arn"), "arn": getatt("Arn")},
}
