"""Elastic Load Balancing: load balancers with their listeners, listener rules and extra
certificates, and target groups.

A listener (or rule) that forwards straight to an Auto Scaling group, an instance or a list of
instances gets a target group of its own, with the listener's port and protocol; the Auto
Scaling group registers with it (`TargetGroupARNs`), instances are its targets. Rules without
a `priority` are numbered after the highest one written, in the order they appear.
"""

from __future__ import annotations

from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt


# HTTPS and TLS listeners without an ssl_policy: TLS 1.3 and 1.2 only (AWS's API default,
# ELBSecurityPolicy-2016-08, still accepts TLS 1.0 and 1.1)
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def _listener_suffix(listener: dict) -> str:
    return "Listener" + camel(str(listener["name"]))


def forwarding_parts(r):
    """(part suffix, forward) for every listener and listener rule of a load balancer."""
    found = []
    for listener in r.raw("listener") or []:
        base = _listener_suffix(listener)
        for suffix, holder in [(base, listener)] + [(base + "Rule" + camel(str(rule["name"])), rule)
                                                    for rule in listener.get("rule") or []]:
            if holder.get("forward") is not None:
                found.append((suffix, holder.get("forward")))
    return found


def implicit_target_groups(r):
    """(suffix, holder) for every listener or rule whose `forward` is not a target group."""
    found = []
    for listener in r.raw("listener") or []:
        base = _listener_suffix(listener)
        for suffix, holder in [(base, listener)] + [(base + "Rule" + camel(str(rule["name"])), rule)
                                                    for rule in listener.get("rule") or []]:
            fwd = holder.get("forward")
            if fwd is None:
                continue
            if type(fwd) is list or r.ctx.kind(fwd.get("$ref")) != "target_group":
                found.append((suffix + "Targets", holder))
    return found


def _vpc(r):
    subnets = r.targets("subnets")
    return r.ctx.out(r.ctx.source(subnets[0]).target("vpc"), "id", r) if subnets else None


def _action(r, holder: dict, path: tuple, suffix: str, listener: dict) -> dict:
    fwd = holder.get("forward")
    if fwd is not None:
        if type(fwd) is dict and r.ctx.kind(fwd.get("$ref")) == "target_group":
            return {"Type": "forward", "TargetGroupArn": r.ref(*path, "forward")}
        _implicit_group(r, holder, path, suffix + "Targets", listener)
        return {"Type": "forward", "TargetGroupArn": r.att(suffix + "Targets")}
    red = holder.get("redirect") or {}
    port = red.get("port") or {"HTTP": 80, "HTTPS": 443}[red.get("protocol", "HTTPS")]
    return {"Type": "redirect", "RedirectConfig": {
        "Protocol": red.get("protocol"),
        "Port": str(port),
        "Host": r.val(*path, "redirect", "host"),
        "Path": r.val(*path, "redirect", "path"),
        "StatusCode": f"HTTP_{red.get('status', '301')}",
    }}


def _implicit_group(r, holder: dict, path: tuple, suffix: str, listener: dict):
    fwd = holder.get("forward")
    protocol = listener.get("protocol")
    targets = None
    if type(fwd) is list or r.ctx.kind(fwd.get("$ref")) == "instance":
        count = len(fwd) if type(fwd) is list else 1
        refs = r.refs(*path, "forward") if type(fwd) is list else [r.ref(*path, "forward")]
        targets = [{"Id": x} for x in refs[:count]]
    r.part("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "VpcId": _vpc(r),
        "Port": listener.get("port") if protocol != "GENEVE" else 6081,
        "Protocol": protocol,
        "TargetType": "instance",
        "Targets": targets,
        "Tags": r.tags(),
    }, suffix=suffix)


def _conditions(r, rule: dict, path: tuple) -> list:
    out = []
    if rule.get("path"):
        out.append({"Field": "path-pattern", "PathPatternConfig": {"Values": r.val(*path, "path")}})
    if rule.get("host"):
        out.append({"Field": "host-header", "HostHeaderConfig": {"Values": r.val(*path, "host")}})
    for name in sorted(rule.get("header") or {}):
        out.append({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": name,
                                                                 "Values": [r.val(*path, "header", name)]}})
    if rule.get("query"):
        out.append({"Field": "query-string", "QueryStringConfig": {"Values": [
            {"Key": k, "Value": r.val(*path, "query", k)} for k in sorted(rule["query"])]}})
    return out


def load_balancer(r):
    lb_type = r.raw("type")
    attributes = []
    if r.raw("deletion_protection"):
        attributes.append({"Key": "deletion_protection.enabled", "Value": "true"})
    if lb_type == "application":  # requests with malformed headers are dropped, not forwarded
        attributes.append({"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"})
    if lb_type != "application" and r.raw("cross_zone"):
        attributes.append({"Key": "load_balancing.cross_zone.enabled", "Value": "true"})
    r.part("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "Type": lb_type,
        "Scheme": ("internal" if r.raw("internal") else "internet-facing") if lb_type != "gateway" else None,
        "Subnets": r.refs("subnets"),
        "SecurityGroups": r.refs("security_groups") if lb_type != "gateway" else None,
        "LoadBalancerAttributes": attributes or None,
        "Tags": r.tags(),
    }, depends=r.ctx.public_ip_attachment(r, not r.raw("internal") and lb_type != "gateway",
                                          r.targets("subnets")))
    for i, listener in enumerate(r.raw("listener") or []):
        path = ("listener", i)
        suffix = _listener_suffix(listener)
        protocol = listener.get("protocol")
        cert = r.ref(*path, "certificate")
        r.part("AWS::ElasticLoadBalancingV2::Listener", {
            "LoadBalancerArn": r.att(),
            "Port": r.val(*path, "port") if lb_type != "gateway" else None,
            "Protocol": protocol if lb_type != "gateway" else None,
            "Certificates": [{"CertificateArn": cert}] if cert is not None else None,
            "SslPolicy": r.val(*path, "ssl_policy") or (TLS_POLICY if protocol in ("HTTPS", "TLS") else None),
            "DefaultActions": [_action(r, listener, path, suffix, listener)],
        }, suffix=suffix)
        sni = r.refs(*path, "sni_certificates")
        if sni:
            r.part("AWS::ElasticLoadBalancingV2::ListenerCertificate", {
                "ListenerArn": r.att(suffix), "Certificates": [{"CertificateArn": c} for c in sni],
            }, suffix=suffix + "Certificates")
        rules = listener.get("rule") or []
        highest = max([x.get("priority") or 0 for x in rules] + [0])
        for j, rule in enumerate(rules):
            rpath = path + ("rule", j)
            priority = rule.get("priority")
            if priority is None:
                highest += 1
                priority = highest
            rsuffix = suffix + "Rule" + camel(str(rule["name"]))
            r.part("AWS::ElasticLoadBalancingV2::ListenerRule", {
                "ListenerArn": r.att(suffix),
                "Priority": priority,
                "Conditions": _conditions(r, rule, rpath),
                "Actions": [_action(r, rule, rpath, rsuffix, listener)],
            }, suffix=rsuffix)


def target_group(r):
    hc = r.raw("health_check") or {}
    hp = ("health_check",)
    sticky = r.raw("stickiness")
    attributes = [{"Key": "deregistration_delay.timeout_seconds",
                   "Value": str(seconds(r.get("deregistration_delay")))}]
    if sticky:
        kind = sticky.get("type")
        attributes.append({"Key": "stickiness.enabled", "Value": "true" if sticky.get("enabled") else "false"})
        attributes.append({"Key": "stickiness.type", "Value": kind})
        duration = str(seconds(r.get("stickiness", "duration")))
        if kind == "lb_cookie":
            attributes.append({"Key": "stickiness.lb_cookie.duration_seconds", "Value": duration})
        elif kind == "app_cookie":
            attributes.append({"Key": "stickiness.app_cookie.cookie_name", "Value": sticky.get("cookie_name")})
            attributes.append({"Key": "stickiness.app_cookie.duration_seconds", "Value": duration})
    if r.raw("cross_zone") is not None:
        attributes.append({"Key": "load_balancing.cross_zone.enabled",
                           "Value": "true" if r.raw("cross_zone") else "false"})
    lam = r.raw("target_type") == "lambda"
    port = hc.get("port")
    targets = []
    for i, t in enumerate(r.raw("targets") or []):
        address = r.target("targets", i)
        if address and r.ctx.kind(address) == "load_balancer":
            targets.append({"Id": r.ref("targets", i, export="arn"), "Port": r.val("port")})
        else:
            targets.append({"Id": r.val("targets", i)})
    r.part("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "VpcId": r.ref("vpc") if not lam else None,
        "Port": r.val("port"),
        "Protocol": r.val("protocol"),
        "TargetType": r.val("target_type"),
        "HealthCheckEnabled": r.val(*hp, "enabled"),
        "HealthCheckPath": r.val(*hp, "path"),
        "HealthCheckPort": "traffic-port" if port == "traffic_port" else r.text(*hp, "port"),
        "HealthCheckProtocol": r.val(*hp, "protocol"),
        "HealthCheckIntervalSeconds": seconds(r.get(*hp, "interval")),
        "HealthCheckTimeoutSeconds": seconds(r.get(*hp, "timeout")) if hc.get("timeout") else None,
        "HealthyThresholdCount": r.val(*hp, "healthy_threshold"),
        "UnhealthyThresholdCount": r.val(*hp, "unhealthy_threshold"),
        "Matcher": {"HttpCode": r.val(*hp, "matcher")} if hc.get("matcher") else None,
        "TargetGroupAttributes": attributes if not lam else None,
        "Targets": targets or None,
        "Tags": r.tags(),
    })


MAPPERS = {"load_balancer": load_balancer, "target_group": target_group}

TYPES = {
    "load_balancer": ["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
                      "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::ListenerCertificate",
                      "AWS::ElasticLoadBalancingV2::TargetGroup"],
    "target_group": ["AWS::ElasticLoadBalancingV2::TargetGroup"],
}

EXPORTS = {
    "load_balancer": {"id": REF, "arn": REF, "dns_name": getatt("DNSName"), "zone_id": getatt("CanonicalHostedZoneID")},
    "target_group": {"id": REF, "arn": REF},
}
