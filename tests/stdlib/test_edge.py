"""CloudFront distributions and Global Accelerator (notes §12)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, secs, view, w

REGION = "us-east-1"


def messages(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    for rule in rules():
        found += list(rule(graph))
    return [i.message for i in found if severity is None or i.severity == severity]


SUBNETS = [ref("a", "subnet"), ref("b", "subnet")]


def cdn(*origins, **attrs) -> View:
    return view("cdn", "cloudfront", {"origin": list(origins), **attrs}, None)


def site(**attrs) -> View:
    return view("site", "s3_bucket", attrs)


def lb(internal=False, type="application", address="web", region=REGION) -> View:
    return view(address, "load_balancer", {"type": w(type), "internal": internal, "subnets": SUBNETS}, region)


def cert(region=REGION, domain="*.example.com") -> View:
    return view("cert", "certificate", {"domain": domain}, region)


# --- CloudFront ----------------------------------------------------------------------------

def test_private_bucket_behind_oac():
    views = [site(), cdn({"name": "s3", "target": ref("site", "s3_bucket")})]
    assert messages(views) == []


def test_public_access_to_a_blocked_bucket():
    views = [site(), cdn({"name": "s3", "target": ref("site", "s3_bucket"), "access": w("public")})]
    assert any("blocks public access, so CloudFront would get 403 errors" in m for m in messages(views))


def test_oac_does_not_apply_to_website_buckets():
    views = [site(website={}, block_public_access=False),
             cdn({"name": "s3", "target": ref("site", "s3_bucket"), "access": w("oac")})]
    assert any("origin access control does not apply to website endpoints" in m for m in messages(views))


def test_oac_is_for_buckets_only():
    views = [lb(), cdn({"name": "app", "target": ref("web", "load_balancer"), "access": w("oac")})]
    assert any("origin access control (oac) secures S3 bucket origins" in m for m in messages(views))


def test_internal_load_balancer_needs_a_vpc_origin():
    views = [lb(internal=True), cdn({"name": "app", "target": ref("web", "load_balancer"), "access": w("public")})]
    assert any("cannot reach internal load balancer 'web' over the internet" in m for m in messages(views))
    views = [lb(internal=True), cdn({"name": "app", "target": ref("web", "load_balancer")})]
    assert messages(views) == []
    views = [lb(), cdn({"name": "app", "target": ref("web", "load_balancer"), "access": w("vpc_origin")})]
    assert any("a VPC origin is an internal load balancer" in m for m in messages(views))


def test_origin_targets():
    assert cdn({"name": "x", "target": "Origin.Example.org"}).model.origin[0].target == "origin.example.org"
    with pytest.raises(ValidationError, match="expected an s3_bucket, a load_balancer, an instance or a domain name"):
        cdn({"name": "x", "target": ref("main", "vpc")})


def test_several_origins_need_a_default_and_behaviors_name_origins():
    origins = [{"name": "s3", "target": ref("site", "s3_bucket")}, {"name": "api", "target": ref("web", "load_balancer")}]
    msgs = messages([site(), lb(), cdn(*origins)])
    assert any("name the one requests go to by default" in m for m in msgs)
    ok = cdn(*origins, default_origin=w("s3"), behavior=[{"name": "api", "path": "/api/*", "origin": w("api")}])
    assert messages([site(), lb(), ok]) == []
    bad = cdn(*origins, default_origin=w("s3"), behavior=[{"name": "api", "path": "/api/*", "origin": w("apii")}])
    assert any("which is not an origin of this distribution" in m for m in messages([site(), lb(), bad]))


def test_aliases_need_a_covering_certificate_from_us_east_1():
    origin = {"name": "s3", "target": ref("site", "s3_bucket")}
    msgs = messages([site(), cdn(origin, aliases=["www.example.com"])])
    assert "alternate domain names (aliases) need a certificate that covers them" in msgs
    views = [site(), cert(), cdn(origin, aliases=["www.example.com"], certificate=ref("cert", "certificate"))]
    assert messages(views) == []
    views = [site(), cert(), cdn(origin, aliases=["example.com"], certificate=ref("cert", "certificate"))]
    assert any("does not cover the alias example.com" in m for m in messages(views))
    views = [site(), cert("eu-west-1"), cdn(origin, aliases=["www.example.com"],
                                            certificate=ref("cert", "certificate"))]
    assert any("CloudFront uses ACM certificates from us-east-1 only" in m for m in messages(views))


def test_price_class():
    origin = {"name": "s3", "target": ref("site", "s3_bucket")}
    assert cdn(origin).model.price_class == "all"
    assert cdn(origin, price_class=Fraction(100)).model.price_class == "100"
    assert cdn(origin, price_class="PriceClass_200").model.price_class == "200"
    with pytest.raises(ValidationError, match="not a valid price class"):
        cdn(origin, price_class=Fraction(300))


def test_geo_restriction_countries():
    origin = {"name": "s3", "target": ref("site", "s3_bucket")}
    ok = cdn(origin, geo_restriction={"type": w("block"), "countries": ["KP", "IR"]})
    assert messages([site(), ok]) == []
    bad = cdn(origin, geo_restriction={"type": w("allowlist"), "countries": ["France"]})
    assert bad.model.geo_restriction.type == "allow"
    assert any("two-letter ISO 3166 code" in m for m in messages([site(), bad]))


def test_ttl_order():
    origin = {"name": "s3", "target": ref("site", "s3_bucket")}
    msgs = messages([site(), cdn(origin, default_ttl=secs(10), min_ttl=secs(60))])
    assert any("min_ttl ≤ default_ttl ≤ max_ttl" in m for m in msgs)


def test_gateway_load_balancer_is_no_origin():
    views = [lb(type="gateway"), cdn({"name": "x", "target": ref("web", "load_balancer")})]
    assert any("cannot be a CloudFront origin" in m for m in messages(views))


# --- Global Accelerator --------------------------------------------------------------------

def ga(**attrs) -> View:
    return view("ga", "global_accelerator", attrs, None)


def test_accelerator_endpoints_as_references_or_blocks():
    m = ga(endpoints=[ref("web", "load_balancer")]).model
    assert (m.endpoints[0].target.address, m.endpoints[0].weight) == ("web", 128)
    m = ga(endpoint=[{"name": "eu", "target": ref("eu", "load_balancer"), "weight": Fraction(10)}]).model
    assert m.endpoints[0].weight == 10
    with pytest.raises(ValidationError, match="endpoint weight must be between 0 and 255"):
        ga(endpoints=[{"target": ref("web", "load_balancer"), "weight": Fraction(256)}])


def test_accelerator_endpoint_kinds():
    views = [lb(), lb(type="gateway", address="fw"),
             ga(endpoints=[ref("web", "load_balancer"), ref("fw", "load_balancer")])]
    msgs = messages(views)
    assert any("not a gateway load balancer" in m for m in msgs)
    with pytest.raises(ValidationError, match="expected a reference to a load_balancer or elastic_ip or instance"):
        ga(endpoints=[ref("site", "s3_bucket")])


def test_traffic_dial_regions_have_endpoints():
    views = [lb(), lb(address="eu", region="eu-west-1"),
             ga(endpoints=[ref("web", "load_balancer"), ref("eu", "load_balancer")],
                traffic_dial={"eu-west-1": v.Percent(Fraction(0))})]
    assert messages(views) == []
    views[-1] = ga(endpoints=[ref("web", "load_balancer")], traffic_dial={"ap-south-1": v.Percent(Fraction(50))})
    assert any("traffic_dial names ap-south-1, where the accelerator has no endpoint" in m for m in messages(views))


def test_accelerator_without_endpoints_warns():
    assert any("routes traffic nowhere" in m for m in messages([ga()], "warning"))
