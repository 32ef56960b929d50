"""Load balancers, listeners and target groups (notes §6.2–6.3)."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, secs, view, w

REGION = "us-east-1"


def n(x) -> Fraction:
    return Fraction(x)


def messages(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    for rule in rules():
        found += list(rule(graph))
    return [i.message for i in found if severity is None or i.severity == severity]


def network() -> list[View]:
    vpc = {"cidr": v.Cidr(ipaddress.ip_network("10.0.0.0/16"))}
    return [view("main", "vpc", vpc),
            view("pub_a", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.1.0/24", "az": w("a"), "public": True}),
            view("pub_b", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.2.0/24", "az": w("b"), "public": True}),
            view("priv_a", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.3.0/24", "az": w("a")})]


PUBLIC = [ref("pub_a", "subnet"), ref("pub_b", "subnet")]
TG = ref("app", "target_group")


def tg(**attrs) -> View:
    base = {"vpc": ref("main", "vpc"), "port": n(8080), "protocol": w("HTTP")}
    return view("app", "target_group", {**base, **attrs})


def served_tg() -> View:
    """A target group with a target, so the load balancer in front of it serves something."""
    return tg(target_type=w("ip"), targets=[v.Ip(ipaddress.ip_address("10.0.3.10"))])


def cert(region=REGION) -> View:
    return view("cert", "certificate", {"domain": "shop.example.com"}, region)


def alb(*listeners, **attrs) -> View:
    return view("web", "load_balancer", {"type": w("application"), "subnets": PUBLIC, "listener": list(listeners),
                                         **attrs})


def test_a_correct_alb():
    views = network() + [served_tg(), cert(),
                         alb({"name": "https", "certificate": ref("cert", "certificate"), "forward": TG},
                             {"name": "http", "redirect": w("https")})]
    assert messages(views) == []


def test_listener_protocol_and_port_come_from_label_or_port():
    lb = alb({"name": "web", "port": n(443), "forward": TG}, {"name": "http", "forward": TG}).model
    assert [(x.protocol, x.port) for x in lb.listener] == [("HTTPS", 443), ("HTTP", 80)]
    nlb = view("n", "load_balancer", {"type": w("network"), "subnets": PUBLIC,
                                      "listener": [{"name": "db", "port": n(5432), "forward": TG}]}).model
    assert nlb.listener[0].protocol == "TCP"
    gw = view("g", "load_balancer", {"type": w("gateway"), "subnets": PUBLIC,
                                     "listener": [{"name": "fw", "forward": TG}]}).model
    assert (gw.listener[0].protocol, gw.listener[0].port) == ("GENEVE", 6081)


def test_protocol_must_fit_the_type():
    views = network() + [tg(), alb({"name": "x", "port": n(53), "protocol": w("udp"), "forward": TG})]
    assert any("an application load balancer listens on HTTP or HTTPS, not UDP" in m for m in messages(views))
    nlb = view("n", "load_balancer", {"type": w("network"), "subnets": PUBLIC,
                                      "listener": [{"name": "x", "port": n(80), "protocol": w("HTTP"),
                                                    "forward": TG}]})
    assert any("a network load balancer listens on TCP or UDP or TLS or TCP_UDP, not HTTP" in m
               for m in messages(network() + [tg(protocol=w("TCP")), nlb]))


def test_gateway_uses_geneve_on_6081_and_has_no_security_groups():
    gw = view("g", "load_balancer", {"type": w("gateway"), "subnets": PUBLIC,
                                     "security_groups": [ref("sg", "security_group")],
                                     "listener": [{"name": "fw", "port": n(443), "forward": TG}]})
    msgs = messages(network() + [tg(protocol=w("GENEVE"), port=n(6081)), gw])
    assert "a gateway load balancer has no security groups" in msgs
    assert "a gateway load balancer uses GENEVE on port 6081, not 443" in msgs


def test_https_needs_a_certificate_in_the_same_region():
    views = network() + [tg(), alb({"name": "https", "forward": TG})]
    assert "an HTTPS listener needs a certificate (notes §6.3)" in messages(views)
    views = network() + [tg(), cert("eu-west-1"),
                         alb({"name": "https", "certificate": ref("cert", "certificate"), "forward": TG})]
    assert any("ACM certificates are regional" in m for m in messages(views))


def test_certificate_on_plain_http_is_an_error():
    views = network() + [tg(), cert(), alb({"name": "http", "certificate": ref("cert", "certificate"),
                                            "forward": TG})]
    assert "certificate belongs to HTTPS and TLS listeners, not HTTP" in messages(views)


def test_listener_needs_exactly_one_action():
    assert "listener 'http' needs an action: forward or redirect" in messages(network() + [alb({"name": "http"})])
    msgs = messages(network() + [tg(), alb({"name": "http", "forward": TG, "redirect": w("https")})])
    assert "listener 'http' has one action: forward or redirect, not both" in msgs


def test_redirect_loop():
    msgs = messages(network() + [alb({"name": "http", "redirect": {"protocol": w("http")}})])
    assert any("to itself, a loop" in m for m in msgs)


def test_duplicate_listener_ports():
    msgs = messages(network() + [tg(), alb({"name": "a", "port": n(80), "forward": TG},
                                           {"name": "b", "port": n(80), "forward": TG})])
    assert any("both use port 80" in m for m in msgs)


def test_forward_must_match_protocols():
    views = network() + [tg(protocol=w("TCP")), alb({"name": "http", "forward": TG})]
    assert any("an HTTP listener cannot forward to TCP target group" in m for m in messages(views))


def test_forward_accepts_groups_and_instances_only():
    lb = alb({"name": "http", "forward": [ref("i1", "instance"), ref("i2", "instance")]})
    assert len(lb.model.listener[0].forward) == 2
    with pytest.raises(ValidationError, match="expected a target_group, an autoscaling_group or a list of instances"):
        alb({"name": "http", "forward": ref("main", "vpc")})


def test_alb_needs_two_zones_and_one_subnet_per_zone():
    views = network() + [tg(), view("web", "load_balancer", {"subnets": [ref("pub_a", "subnet")],
                                                              "listener": [{"name": "http", "forward": TG}]})]
    assert any("at least two Availability Zones" in m for m in messages(views))
    views = network() + [tg(), view("web", "load_balancer",
                                    {"subnets": [ref("pub_a", "subnet"), ref("priv_a", "subnet"), ref("pub_b", "subnet")],
                                     "listener": [{"name": "http", "forward": TG}]})]
    msgs = messages(views)
    assert any("one subnet per Availability Zone" in m for m in msgs)
    assert any("internet-facing load balancer in private subnet" in m for m in msgs)


def test_cross_zone_defaults_per_type():
    assert alb().model.cross_zone is True
    nlb = view("n", "load_balancer", {"type": w("network"), "subnets": PUBLIC}).model
    assert nlb.cross_zone is False and nlb.cross_zone_enabled is False
    assert view("n", "load_balancer", {"type": w("network"), "subnets": PUBLIC, "cross_zone": True}).model.cross_zone
    msgs = messages(network() + [alb(cross_zone=False)])
    assert any("cross-zone load balancing is always on for an application load balancer" in m for m in msgs)


def test_rules_need_conditions_and_only_on_alb():
    rule = {"name": "api", "priority": n(10), "forward": TG}
    msgs = messages(network() + [tg(), alb({"name": "http", "forward": TG, "rule": [rule]})])
    assert "rule 'api' needs a condition: path, host, header or query" in msgs
    rule["path"] = "/api/*"
    assert messages(network() + [served_tg(), alb({"name": "http", "forward": TG, "rules": [rule]})]) == []


# --- target groups -----------------------------------------------------------------------

def test_target_group_defaults():
    m = tg().model
    assert (str(m.deregistration_delay), str(m.health_check.interval), m.target_type) == ("5m", "30s", "instance")


def test_deregistration_delay_range():
    assert str(tg(deregistration_delay=secs(0)).model.deregistration_delay) == "0s"
    with pytest.raises(ValidationError, match="deregistration_delay must be between 0s and 3600s"):
        tg(deregistration_delay=secs(3601))


def test_lambda_target_group_has_no_port():
    msgs = messages([view("fn", "target_group", {"target_type": w("lambda"), "port": n(80)})])
    assert "a Lambda target group has no port" in msgs
    msgs = messages([view("x", "target_group", {"port": n(80)})])
    assert "a target group of instance targets needs vpc" in msgs


def test_stickiness_cookie_rules():
    msgs = messages([tg(stickiness={"type": w("app_cookie"), "cookie_name": "AWSALBAPP"})])
    assert any("is reserved by the load balancer" in m for m in msgs)
    msgs = messages([tg(stickiness={"type": w("app_cookie")})])
    assert any("app_cookie stickiness needs cookie_name" in m for m in msgs)
    msgs = messages([tg(protocol=w("TCP"), stickiness={"type": w("lb_cookie")})])
    assert any("cookie stickiness needs an HTTP or HTTPS target group" in m for m in msgs)
    assert messages([tg(stickiness={"type": w("app_cookie"), "cookie_name": "SESSION"})]) == []


def test_health_check_timeout_shorter_than_interval():
    msgs = messages([tg(health_check={"interval": secs(10), "timeout": secs(10)})])
    assert any("must be shorter than its interval" in m for m in msgs)
    msgs = messages([tg(protocol=w("TCP"), health_check={"path": "/health"})])
    assert any("a TCP health check has no path" in m for m in msgs)


def test_alb_target_group_behind_nlb_only():
    views = network() + [alb(), view("alb_tg", "target_group", {"vpc": ref("main", "vpc"), "port": n(80),
                                                                "protocol": w("TCP"), "target_type": w("alb"),
                                                                "targets": [ref("web", "load_balancer")]})]
    assert messages(views) == []
    views.append(view("other", "load_balancer", {"type": w("application"), "subnets": PUBLIC,
                                                 "listener": [{"name": "http",
                                                               "forward": ref("alb_tg", "target_group")}]}))
    assert any("only a network load balancer can forward to a target group of application load balancers" in m
               for m in messages(views))


def test_ip_targets_are_private():
    ip = v.Ip(ipaddress.ip_address("8.8.8.8"))
    msgs = messages([tg(target_type=w("ip"), targets=[ip])])
    assert any("IP targets are private addresses" in m for m in msgs)
