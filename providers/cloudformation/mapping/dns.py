"""Route 53: hosted zones, record sets with every routing policy, health checks, and the CIDR
collections of IP-based routing (one per zone and collection name, gathered from its records).

An alias record's target is written as AWS expects it: a load balancer's DNS name and
canonical hosted zone, CloudFront's and Global Accelerator's fixed hosted zones, an S3
website endpoint and its region's hosted zone, or another record of the same zone.
"""

from __future__ import annotations

from archform.stdlib.kinds.dns import label_of, set_identifier

from ..intrinsics import Att, sub, select, split
from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt

CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
ACCELERATOR_ZONE = "Z2BJ6XQ5FK7U4H"
# Hosted zones of the S3 website endpoints (AWS General Reference, "Amazon S3 website endpoints").
S3_WEBSITE_ZONES = {
    "us-east-1": "Z3AQBSTGFYJSTF", "us-east-2": "Z2O1EMRO9K5GLX", "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M", "ca-central-1": "Z1QDHH18159H29", "sa-east-1": "Z7KQH4QJS55SO",
    "eu-west-1": "Z1BKCTXD74EZPE", "eu-west-2": "Z3GKZC51ZF0DB4", "eu-west-3": "Z3R1K369G5AVDG",
    "eu-central-1": "Z21DNDUVLTQW6Q", "eu-north-1": "Z3BAZG2TWCNX0D", "eu-south-1": "Z30OZKI7KPW7MI",
    "ap-south-1": "Z11RGJOFQNVJUP", "ap-northeast-1": "Z2M4EHUR26P7ZW", "ap-northeast-2": "Z3W03O7B5YMIYP",
    "ap-northeast-3": "Z2YQB5RD63NC85", "ap-southeast-1": "Z3O0J2DXBE1FTB", "ap-southeast-2": "Z1WCIGYICN2BYD",
    "ap-east-1": "ZNB98KWMFR0R6", "me-south-1": "Z1MPMWCPA7YB62", "af-south-1": "Z83WF9RJE8B12",
}


def dns_zone(r):
    private = bool(r.raw("private"))
    comment = r.val("comment")
    r.part("AWS::Route53::HostedZone", {
        "Name": r.val("domain"),
        "HostedZoneConfig": {"Comment": comment} if comment is not None else None,
        "VPCs": [{"VPCId": r.ref("vpcs", i), "VPCRegion": r.ctx.region(v)}
                 for i, v in enumerate(r.targets("vpcs"))] if private else None,
        "HostedZoneTags": r.tags(),
    })
    collections: dict[str, dict[str, list]] = {}
    for record in r.ctx.referrers(r.address):
        src = r.ctx.source(record)
        if src.kind != "dns_record" or src.target("zone") != r.address or not src.raw("ip_based"):
            continue
        block = src.raw("ip_based")
        locations = collections.setdefault(block["collection"], {})
        if block["location"] != "*":  # the default location is implicit in every collection
            locations.setdefault(block["location"], []).extend(block.get("cidrs") or [])
    for name in sorted(collections):
        locations = collections[name]
        r.part("AWS::Route53::CidrCollection", {
            "Name": name,
            "Locations": [{"LocationName": loc, "CidrList": sorted(set(locations[loc]))} for loc in sorted(locations)],
        }, suffix="Collection" + camel(name))


def zone_domain(r, zone: str):
    """The zone's domain as CloudFormation writes it (a parameter when the domain is one)."""
    return r.ctx.source(zone).val("domain")


def record_name(r):
    """The record's full name: relative names joined to the zone's domain."""
    zone = r.target("zone")
    domain = zone_domain(r, zone)
    raw = r.peek("name")
    label = label_of(r.address) if raw is None else raw.strip()
    if label in ("@", ""):
        return domain
    literal = r.ctx.source(zone).peek("domain")
    text = label.rstrip(".").lower()
    if text == literal:
        return domain
    if text.endswith("." + literal):
        return sub(text[: -len(literal)], domain)
    named = r.val("name") if raw is not None else label
    return sub(named, ".", domain)


def _alias_target(r):
    target = r.target("alias")
    evaluate = bool(r.raw("evaluate_target_health"))
    if target is None:
        return {"DNSName": r.val("alias"), "HostedZoneId": r.val("alias_zone_id"), "EvaluateTargetHealth": evaluate}
    kind = r.ctx.kind(target)
    if kind == "load_balancer":
        dns, zone = Att(target, "", "DNSName"), Att(target, "", "CanonicalHostedZoneID")
    elif kind == "cloudfront":
        dns, zone = Att(target, "", "DomainName"), CLOUDFRONT_ZONE
    elif kind == "global_accelerator":
        dns, zone = Att(target, "", "DnsName"), ACCELERATOR_ZONE
    elif kind == "s3_bucket":
        region = r.ctx.region(target)
        dns = select(1, split("//", Att(target, "", "WebsiteURL")))
        zone = S3_WEBSITE_ZONES.get(region)
        if zone is None:
            r.error(f"the hosted zone of S3 website endpoints in {region} is not known to archform")
    elif kind == "dns_record":
        dns, zone = record_name(r.ctx.source(target)), r.ref("zone")
    elif kind == "api_gateway":
        from .apigateway import alias_target
        dns, zone = alias_target(r.ctx.source(target))
    elif kind == "vpc_endpoint":
        dns = r.ctx.out(target, "dns_name", r)
        zone = select(0, split(":", select(0, Att(target, "", "DnsEntries"))))
    else:
        r.error(f"an alias to a {kind} cannot be written in CloudFormation")
        return None
    return {"DNSName": dns, "HostedZoneId": zone, "EvaluateTargetHealth": evaluate}


def _values(r) -> list:
    rtype = r.raw("type")
    out = []
    for i, value in enumerate(r.raw("values") or []):
        v = r.val("values", i)
        if rtype == "TXT" and isinstance(value, str) and not value.startswith('"'):
            v = sub('"', v, '"')  # Route 53 wants TXT values quoted
        out.append(v)
    return out


def dns_record(r):
    policy = r.model.routing_policy
    geo = r.raw("geolocation")
    prox = r.raw("geoproximity")
    ttl = r.raw("ttl")
    alias = r.peek("alias") is not None
    ip_based = r.raw("ip_based")
    r.part("AWS::Route53::RecordSet", {
        "HostedZoneId": r.ref("zone"),
        "Name": record_name(r),
        "Type": r.val("type"),
        "TTL": str(seconds(r.get("ttl"))) if ttl is not None else None,
        "ResourceRecords": _values(r) if not alias else None,
        "AliasTarget": _alias_target(r) if alias else None,
        "SetIdentifier": (r.val("set_id") if r.peek("set_id") is not None else set_identifier(r))
        if policy != "simple" else None,
        "Weight": r.val("weight"),
        "Region": r.val("latency_region"),
        "Failover": r.get("failover").upper() if r.raw("failover") else None,
        "GeoLocation": {
            "ContinentCode": r.val("geolocation", "continent"),
            "CountryCode": "*" if geo.get("default") else r.val("geolocation", "country"),
            "SubdivisionCode": r.val("geolocation", "subdivision"),
        } if geo else None,
        "GeoProximityLocation": {
            "AWSRegion": r.val("geoproximity", "region"),
            "Coordinates": {"Latitude": str(prox["latitude"]), "Longitude": str(prox["longitude"])}
            if prox.get("latitude") is not None else None,
            "Bias": prox.get("bias") or None,
        } if prox else None,
        "CidrRoutingConfig": {"CollectionId": Att(r.target("zone"), "Collection" + camel(ip_based["collection"]), "Id"),
                              "LocationName": ip_based["location"]} if ip_based else None,
        "MultiValueAnswer": True if r.raw("multivalue") else None,
        "HealthCheckId": r.ref("health_check"),
    })


_HEALTH_TYPES = {"http": "HTTP", "https": "HTTPS", "tcp": "TCP", "calculated": "CALCULATED",
                 "cloudwatch_alarm": "CLOUDWATCH_METRIC"}
_INSUFFICIENT = {"healthy": "Healthy", "unhealthy": "Unhealthy", "last_known_status": "LastKnownStatus"}


def _health_target(r) -> dict:
    target = r.raw("target")
    if target is None:
        return {}
    address = r.target("target")
    if address is None:
        text = str(target)
        if text.replace(".", "").isdigit() or ":" in text:
            return {"IPAddress": r.val("target")}
        return {"FullyQualifiedDomainName": r.val("target")}
    kind = r.ctx.kind(address)
    if kind == "load_balancer":
        return {"FullyQualifiedDomainName": Att(address, "", "DNSName")}
    if kind == "instance":
        return {"IPAddress": Att(address, "", "PublicIp")}
    if kind == "elastic_ip":
        return {"IPAddress": Att(address, "", "PublicIp")}
    if kind == "cloudfront":
        return {"FullyQualifiedDomainName": Att(address, "", "DomainName")}
    if kind == "global_accelerator":
        return {"FullyQualifiedDomainName": Att(address, "", "DnsName")}
    r.error(f"a health check of a {kind} cannot be written in CloudFormation")
    return {}


def health_check(r):
    kind = r.raw("type")
    endpoint = kind in ("http", "https", "tcp")
    search = r.raw("search_string")
    htype = _HEALTH_TYPES[kind]
    if search is not None and kind in ("http", "https"):
        htype += "_STR_MATCH"
    alarm = r.raw("alarm")
    config = {
        "Type": htype,
        **(_health_target(r) if endpoint else {}),
        "Port": r.val("port") if endpoint and r.peek("port") is not None else None,
        "ResourcePath": r.val("path"),
        "SearchString": r.val("search_string"),
        "RequestInterval": seconds(r.get("interval")) if endpoint else None,
        "FailureThreshold": r.val("failure_threshold") if endpoint else None,
        "Regions": r.val("regions") or None,
        "ChildHealthChecks": r.refs("children") if kind == "calculated" else None,
        "HealthThreshold": r.val("min_healthy") if kind == "calculated" else None,
        "AlarmIdentifier": {"Name": r.val("alarm"), "Region": r.val("alarm_region") or r.ctx.region(
            r.target("alarm") or r.address)}
        if alarm is not None else None,
        "InsufficientDataHealthStatus": _INSUFFICIENT[r.get("insufficient_data")]
        if kind == "cloudwatch_alarm" else None,
        "Inverted": True if r.raw("invert") else None,
    }
    r.part("AWS::Route53::HealthCheck", {"HealthCheckConfig": config, "HealthCheckTags": r.tags()})


def _zone_arn(src):
    from ..intrinsics import PARTITION
    return sub("arn:", PARTITION, ":route53:::hostedzone/", Att(src.address))


MAPPERS = {"dns_zone": dns_zone, "dns_record": dns_record, "health_check": health_check}

TYPES = {
    "dns_zone": ["AWS::Route53::HostedZone", "AWS::Route53::CidrCollection"],
    "dns_record": ["AWS::Route53::RecordSet"],
    "health_check": ["AWS::Route53::HealthCheck"],
}

EXPORTS = {
    "dns_zone": {"id": REF, "zone_id": REF, "arn": _zone_arn, "name_servers": getatt("NameServers")},
    "dns_record": {"id": REF, "fqdn": record_name},
    "health_check": {"id": getatt("HealthCheckId")},
}
