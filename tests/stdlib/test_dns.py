"""DNS kinds: hosted zones, records and their routing policies, health checks (notes §8)."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.kinds.dns import covers, domain_problem
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


ZONE = ref("shop", "dns_zone")


def zone(**attrs) -> View:
    return view("shop", "dns_zone", {"domain": "shop.example.com", **attrs}, None)


def record(label: str, **attrs) -> View:
    return view(f"shop.{label}", "dns_record", {"zone": ZONE, **attrs}, None)


def lb(address="primary.web", internal=False, region=REGION) -> View:
    return view(address, "load_balancer", {"type": w("application"), "internal": internal,
                                           "subnets": [ref("primary.a", "subnet"), ref("primary.b", "subnet")]},
                region)


# --- domain helpers ----------------------------------------------------------------------

def test_domain_names():
    assert domain_problem("shop.example.com") is None
    assert "253" in domain_problem("a." * 130 + "com")
    assert "hyphen" in domain_problem("-bad.example.com")
    assert "wildcard" in domain_problem("*.example.com")
    assert domain_problem("*.example.com", wildcard=True) is None


def test_certificate_name_coverage():
    assert covers("*.example.com", "www.example.com")
    assert not covers("*.example.com", "a.b.example.com")
    assert not covers("*.example.com", "example.com")
    assert covers("Example.com.", "example.com")


# --- zones ---------------------------------------------------------------------------------

def test_zone_normalizes_its_domain_and_rejects_bad_ones():
    assert zone(domain="Shop.Example.com.").model.domain == "shop.example.com"
    with pytest.raises(ValidationError, match="empty label"):
        zone(domain="shop..example.com")


def test_private_zone_needs_vpcs_and_public_zone_has_none():
    assert "a private hosted zone must be associated with at least one VPC" in messages([zone(private=True)])
    assert any("a public hosted zone is not associated" in m
               for m in messages([zone(vpcs=[ref("primary.main", "vpc")])]))
    assert messages([zone()]) == []


def test_zone_declares_records_as_children():
    assert catalogue.get("dns_zone").children == {"record": "dns_record"}
    assert catalogue.get("dns_record").parent == "zone"


# --- record content ------------------------------------------------------------------------

def test_plain_record_needs_ttl():
    assert any("ttl is mandatory" in m for m in messages([zone(), record("www", values=["192.0.2.1"])]))
    assert messages([zone(), record("www", values=["192.0.2.1"], ttl=secs(300))]) == []


def test_alias_record_has_no_ttl():
    views = [zone(), lb(), record("www", alias=ref("primary.web", "load_balancer"), ttl=secs(60))]
    assert any("AWS sets the TTL of an alias record" in m for m in messages(views))


def test_values_must_fit_the_type():
    msgs = messages([zone(), record("www", values=["www.example.org"], ttl=secs(60))])
    assert any("an A record's value is an IPv4 address" in m for m in msgs)
    msgs = messages([zone(), record("v6", type=w("AAAA"), values=["192.0.2.1"], ttl=secs(60))])
    assert any("holds IPv6 addresses" in m for m in msgs)
    msgs = messages([zone(), record("mail", type=w("mx"), values=["mail.example.com"], ttl=secs(60))])
    assert any("an MX value is a priority and a mail server" in m for m in msgs)
    assert messages([zone(), record("mail", type=w("MX"), values=["10 mail.example.com"], ttl=secs(60))]) == []


def test_ip_values_from_the_language_are_accepted():
    ip = v.Ip(ipaddress.ip_address("192.0.2.7"))
    assert messages([zone(), record("www", values=[ip], ttl=secs(60))]) == []


def test_record_name_defaults_to_its_label():
    from archform.stdlib.kinds.dns import label_of
    assert label_of('shop.www["eu"]') == "www"
    msgs = messages([zone(), record("www", type=w("CNAME"), values=["a.example.org"], ttl=secs(60)),
                     record("www_txt", name="www.shop.example.com", type=w("TXT"), values=["x"], ttl=secs(60))])
    assert any("a CNAME is the only record at its name" in m for m in msgs)


def test_record_outside_the_zone():
    msgs = messages([zone(), record("x", name="www.other.org.", values=["192.0.2.1"], ttl=secs(60))])
    assert any("is not inside the zone shop.example.com" in m for m in msgs)


def test_cname_at_apex_is_an_error():
    msgs = messages([zone(), record("apex", name="@", type=w("CNAME"), values=["a.example.org"], ttl=secs(60))])
    assert any("a CNAME record cannot be at the zone apex" in m for m in msgs)
    assert messages([zone(), record("www", type=w("CNAME"), values=["a.example.org"], ttl=secs(60))]) == []


def test_cname_excludes_other_records_at_the_same_name():
    views = [zone(), record("www", type=w("CNAME"), values=["a.example.org"], ttl=secs(60)),
             record("www_txt", name="www", type=w("TXT"), values=["hello"], ttl=secs(60))]
    assert any("a CNAME is the only record at its name" in m for m in messages(views))


# --- alias targets -----------------------------------------------------------------------

def test_alias_to_a_load_balancer_is_fine():
    assert messages([zone(), lb(), record("apex", name="@", alias=ref("primary.web", "load_balancer"))]) == []


def test_alias_via_dns_name_means_the_resource():
    r = record("www", alias=v.Unknown("primary.web", "dns_name", "string", "load_balancer"))
    assert r.model.alias == ref("primary.web", "load_balancer")


def test_alias_to_an_instance_is_an_error():
    views = [zone(), record("www", alias=ref("primary.box", "instance"))]
    msgs = messages(views)
    assert any("an alias record cannot point at an EC2 instance; valid alias targets are" in m for m in msgs)


def test_alias_to_an_instance_dns_export_is_an_error():
    msgs = messages([zone(), record("www", alias=v.Unknown("primary.box", "public_dns", "string", "instance"))])
    assert any("an alias record cannot point at an EC2 instance" in m for m in msgs)


def test_alias_to_an_ec2_dns_name_is_an_error():
    msgs = messages([zone(), record("www", alias="ec2-3-80-1-2.compute-1.amazonaws.com", alias_zone_id="Z1")])
    assert any("cannot point at an EC2 DNS name" in m for m in msgs)


def test_alias_to_a_domain_needs_its_zone_id():
    msgs = messages([zone(), record("api", alias="d-abc.execute-api.us-east-1.amazonaws.com")])
    assert any("needs alias_zone_id" in m for m in msgs)


def test_alias_to_a_bucket_needs_a_website_named_like_the_record():
    bucket = view("site", "s3_bucket", {"bucket": "www.shop.example.com"})
    msgs = messages([zone(), bucket, record("www", alias=ref("site", "s3_bucket"))])
    assert any("an alias can point at an S3 website, not a bucket" in m for m in msgs)
    website = view("site", "s3_bucket", {"bucket": "www.shop.example.com", "website": {"index": "index.html"},
                                         "block_public_access": False})
    assert messages([zone(), website, record("www", alias=ref("site", "s3_bucket"))]) == []
    misnamed = view("site", "s3_bucket", {"bucket": "site-bucket", "website": {}, "block_public_access": False})
    msgs = messages([zone(), misnamed, record("www", alias=ref("site", "s3_bucket"))])
    assert any("needs the bucket to be named like the record" in m for m in msgs)


def test_alias_type_must_be_a_or_aaaa():
    msgs = messages([zone(), lb(), record("www", type=w("TXT"), alias=ref("primary.web", "load_balancer"))])
    assert any("an alias record is of type A or AAAA" in m for m in msgs)


def test_alias_to_a_record_of_another_zone():
    other = view("other", "dns_zone", {"domain": "other.example.com"}, None)
    target = view("other.x", "dns_record", {"zone": ref("other", "dns_zone"), "name": "x",
                                                    "values": ["192.0.2.1"], "ttl": secs(60)}, None)
    msgs = messages([zone(), other, target, record("www", alias=ref("other.x", "dns_record"))])
    assert any("a record of the same hosted zone only" in m for m in msgs)


def test_alias_to_cloudfront_needs_the_name_in_its_aliases():
    dist = view("cdn", "cloudfront", {"origin": [{"name": "site", "target": "origin.example.org"}]}, None)
    msgs = messages([zone(), dist, record("www", alias=ref("cdn", "cloudfront"))])
    assert any("does not list www.shop.example.com in its aliases" in m for m in msgs)
    assert not build("dns_record", {"zone": ZONE, "name": "www", "alias": ref("cdn", "cloudfront")},
                     None).target_health


# --- routing policies ----------------------------------------------------------------------

def hc(address="hc", **attrs) -> View:
    return view(address, "health_check", {"target": "www.example.org", **attrs}, None)


def test_simple_record_cannot_have_a_health_check():
    msgs = messages([zone(), hc(), record("www", values=["192.0.2.1"], ttl=secs(60),
                                          health_check=ref("hc", "health_check"))])
    assert "a simple record cannot use a health check (notes §8.3)" in msgs


def test_one_record_one_policy():
    msgs = messages([zone(), record("www", values=["192.0.2.1"], ttl=secs(60), weight=Fraction(10),
                                    failover=w("primary"))])
    assert any("a record has one routing policy, this one sets weighted and failover" in m for m in msgs)


def test_weight_range():
    with pytest.raises(ValidationError, match="weight must be between 0 and 255"):
        record("www", values=["192.0.2.1"], ttl=secs(60), weight=Fraction(300))


def test_same_name_and_type_with_different_policies():
    views = [zone(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60), weight=Fraction(1)),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60), latency_region="eu-west-1")]
    assert any("mix routing policies" in m for m in messages(views))


def test_two_simple_records_of_one_name():
    views = [zone(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60)),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60))]
    assert any("a simple record set is one record" in m for m in messages(views))


def test_weighted_set_ids_are_unique():
    views = [zone(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60), weight=Fraction(1), set_id="x"),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60), weight=Fraction(3), set_id="x")]
    assert any("set_id 'x' is used twice" in m for m in messages(views))
    views[2] = record("b", name="www", values=["192.0.2.2"], ttl=secs(60), weight=Fraction(3))
    assert messages(views) == []


def failover_pair(primary_role="primary", secondary_role="secondary"):
    return [zone(), hc(), lb(), lb("standby.web", region="eu-west-1"),
            record("p", name="www", alias=ref("primary.web", "load_balancer"), failover=w(primary_role),
                   health_check=ref("hc", "health_check")),
            record("s", name="www", alias=ref("standby.web", "load_balancer"), failover=w(secondary_role))]


def test_failover_pair_is_fine():
    assert messages(failover_pair()) == []


def test_failover_needs_one_primary_and_one_secondary():
    msgs = messages(failover_pair(secondary_role="primary"))
    assert any("need exactly one primary and one secondary, found 2 primary and 0 secondary" in m for m in msgs)


def test_failover_primary_without_health_warns():
    views = [zone(), record("p", name="www", values=["192.0.2.1"], ttl=secs(60), failover=w("primary")),
             record("s", name="www", values=["192.0.2.2"], ttl=secs(60), failover=w("secondary"))]
    assert any("never fails over" in m for m in messages(views, "warning"))


def test_latency_regions_are_distinct():
    views = [zone(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60), latency_region="us-east-1"),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60), latency_region="us-east-1")]
    assert any("answer for region us-east-1" in m for m in messages(views))
    with pytest.raises(ValidationError, match="not an AWS region"):
        record("c", values=["192.0.2.1"], ttl=secs(60), latency_region="us-east-9")


def test_geolocation_needs_one_location_and_a_default():
    views = [zone(), record("de", name="www", values=["192.0.2.1"], ttl=secs(60), geolocation={"country": "DE"}),
             record("eu", name="www", values=["192.0.2.2"], ttl=secs(60), geolocation={"continent": w("EU")})]
    assert any("have no default record" in m for m in messages(views, "warning"))
    views.append(record("any", name="www", values=["192.0.2.3"], ttl=secs(60), geolocation={"default": True}))
    assert messages(views) == []
    msgs = messages([zone(), record("x", values=["192.0.2.1"], ttl=secs(60),
                                    geolocation={"country": "DE", "continent": w("EU")})])
    assert any("names exactly one of continent, country or default" in m for m in msgs)
    msgs = messages([zone(), record("x", values=["192.0.2.1"], ttl=secs(60),
                                    geolocation={"country": "Germany"})])
    assert any("two-letter ISO 3166 code" in m for m in msgs)


def test_geoproximity_by_region_or_coordinates():
    ok = record("x", values=["192.0.2.1"], ttl=secs(60), geoproximity={"region": "eu-west-1", "bias": Fraction(-20)})
    assert messages([zone(), ok]) == []
    both = record("y", values=["192.0.2.1"], ttl=secs(60),
                  geoproximity={"region": "eu-west-1", "latitude": Fraction(1), "longitude": Fraction(2)})
    assert any("by an AWS region, or by latitude and longitude" in m for m in messages([zone(), both]))
    with pytest.raises(ValidationError, match="bias must be between -99 and 99"):
        record("z", values=["192.0.2.1"], ttl=secs(60), geoproximity={"region": "eu-west-1", "bias": Fraction(100)})


def test_ip_based_locations_are_distinct():
    views = [zone(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60),
                            ip_based={"collection": "corp", "location": "office"}),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60),
                    ip_based={"collection": "corp", "location": "office"})]
    assert any("answer for location 'office'" in m for m in messages(views))


def test_multivalue_with_health_checks():
    views = [zone(), hc(), record("a", name="www", values=["192.0.2.1"], ttl=secs(60), multivalue=True,
                                  health_check=ref("hc", "health_check")),
             record("b", name="www", values=["192.0.2.2"], ttl=secs(60), multivalue=True)]
    assert messages(views) == []


# --- health checks -----------------------------------------------------------------------

def test_health_check_defaults():
    m = hc().model
    assert (str(m.interval), m.failure_threshold, m.effective_port) == ("30s", 3, 80)


def test_health_check_interval_is_10s_or_30s():
    assert str(hc(interval=secs(10)).model.interval) == "10s"
    with pytest.raises(ValidationError, match="30s \\(standard\\) or 10s \\(fast\\)"):
        hc(interval=secs(20))


def test_failure_threshold_range():
    with pytest.raises(ValidationError, match="failure_threshold must be between 1 and 10"):
        hc(failure_threshold=Fraction(11))


def test_health_check_cannot_reach_private_things():
    msgs = messages([lb(internal=True), hc(target=ref("primary.web", "load_balancer"))])
    assert any("cannot reach internal load balancer" in m for m in msgs)
    msgs = messages([hc(target=v.Ip(ipaddress.ip_address("10.0.0.5")))])
    assert any("cannot reach the private address 10.0.0.5" in m for m in msgs)


def test_tcp_health_check_needs_a_port_and_no_path():
    msgs = messages([hc(type=w("tcp"), path="/health")])
    assert "a tcp health check needs a port" in msgs
    assert any("a tcp health check only opens a connection" in m for m in msgs)


def test_calculated_health_check():
    children = [ref("a", "health_check"), ref("b", "health_check")]
    views = [hc("a"), hc("b"), view("all", "health_check", {"type": w("calculated"), "children": children,
                                                           "min_healthy": Fraction(1)}, None)]
    assert messages(views) == []
    bad = view("all", "health_check", {"type": w("calculated"), "children": children, "min_healthy": Fraction(3)},
               None)
    assert any("min_healthy must be between 0 and the number of children (2)" in m
               for m in messages([hc("a"), hc("b"), bad]))
    assert any("a calculated health check needs children" in m
               for m in messages([view("c", "health_check", {"type": w("calculated")}, None)]))


def test_health_check_regions():
    msgs = messages([hc(regions=["us-east-1", "eu-west-1"])])
    assert any("needs at least 3" in m for m in msgs)
    msgs = messages([hc(regions=["us-east-1", "eu-west-1", "eu-central-1"])])
    assert any("no health checkers in eu-central-1" in m for m in msgs)


def test_cloudwatch_alarm_health_check():
    assert messages([view("alarm", "health_check", {"type": w("cloudwatch_alarm"), "alarm": "db-down"}, None)]) == []
    msgs = messages([view("alarm", "health_check", {"type": w("cloudwatch_alarm")}, None)])
    assert any("needs alarm" in m for m in msgs)
