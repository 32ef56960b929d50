"""The edge: CloudFront distributions (with their origin access controls, VPC origins and
cache policies) and Global Accelerator (accelerator, listener, one endpoint group per region).

An S3 origin reached through origin access control stays private: the bucket's own mapping
writes the bucket policy that lets this distribution read it (a bucket has one policy).
The TTLs a distribution or a behavior sets live in a cache policy of its own.
"""

from __future__ import annotations

from ..intrinsics import ACCOUNT, PARTITION, STACK_NAME, Att, select, split, sub
from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt

_VIEWER = {"allow_all": "allow-all", "redirect_to_https": "redirect-to-https", "https_only": "https-only"}
_PRICE = {"all": "PriceClass_All", "200": "PriceClass_200", "100": "PriceClass_100"}
_GEO = {"allow": "whitelist", "block": "blacklist"}


def effective_access(r, i: int) -> str:
    """How CloudFront reaches origin `i` when `access` is not written (as the catalogue says)."""
    origin = r.raw("origin", i)
    if origin.get("access"):
        return origin["access"]
    target = r.target("origin", i, "target")
    kind = r.ctx.kind(target) if target else None
    if kind == "s3_bucket":
        return "public" if r.ctx.source(target).peek("website") is not None else "oac"
    if kind == "load_balancer" and r.ctx.source(target).raw("internal"):
        return "vpc_origin"
    return "public"


def oac_origins(ctx, bucket: str) -> list[str]:
    """The distributions that read `bucket` through origin access control."""
    found = []
    for d in ctx.referrers(bucket):
        if ctx.kind(d) != "cloudfront":
            continue
        src = ctx.source(d)
        for i, origin in enumerate(src.raw("origin") or []):
            if src.target("origin", i, "target") == bucket and effective_access(src, i) == "oac":
                found.append(d)
                break
    return found


def _cache_policy(r, suffix: str, default_ttl: int, comment: str):
    r.part("AWS::CloudFront::CachePolicy", {"CachePolicyConfig": {
        "Name": _policy_name(r, suffix),
        "Comment": comment,
        "MinTTL": seconds(r.get("min_ttl")),
        "DefaultTTL": default_ttl,
        "MaxTTL": seconds(r.get("max_ttl")),
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True,
            "EnableAcceptEncodingBrotli": True,
            "CookiesConfig": {"CookieBehavior": "none"},
            "HeadersConfig": {"HeaderBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"},
        },
    }}, suffix=suffix)
    return r.att(suffix)


def _policy_name(r, suffix: str):
    """Cache policy and origin access control names are unique in an account: the stack name
    keeps those of two deployments apart."""
    return sub(STACK_NAME, "-", camel(r.address) + suffix)


def _origin(r, i: int, origin: dict) -> dict:
    target = r.target("origin", i, "target")
    kind = r.ctx.kind(target) if target else None
    access = effective_access(r, i)
    out = {"Id": origin["name"], "OriginPath": r.val("origin", i, "path")}
    if kind == "s3_bucket" and access == "oac":
        suffix = "Oac" + camel(origin["name"])
        r.part("AWS::CloudFront::OriginAccessControl", {"OriginAccessControlConfig": {
            "Name": _policy_name(r, suffix),
            "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always",
            "SigningProtocol": "sigv4",
        }}, suffix=suffix)
        out.update({"DomainName": Att(target, "", "RegionalDomainName"),
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": r.att(suffix, "Id")})
        return out
    if kind == "s3_bucket":  # a website endpoint is a custom origin, HTTP only
        out.update({"DomainName": select(1, split("//", Att(target, "", "WebsiteURL"))),
                    "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}})
        return out
    if access == "vpc_origin":
        suffix = "VpcOrigin" + camel(origin["name"])
        r.part("AWS::CloudFront::VpcOrigin", {"VpcOriginEndpointConfig": {
            "Arn": r.ref("origin", i, "target", export="arn"),
            "Name": _policy_name(r, suffix),
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
        }}, suffix=suffix)
        domain = Att(target, "", "DNSName") if kind == "load_balancer" else Att(target, "", "PrivateDnsName")
        out.update({"DomainName": domain, "VpcOriginConfig": {"VpcOriginId": r.att(suffix, "Id")}})
        return out
    protocol = "https-only"
    if kind == "load_balancer":  # the name its certificate covers (checked), else its own
        domain = r.val("origin", i, "domain") or Att(target, "", "DNSName")
        listeners = r.ctx.source(target).raw("listener") or []
        if not any(lst.get("protocol") == "HTTPS" for lst in listeners):
            protocol = "http-only"
    elif kind == "instance":
        domain = Att(target, "", "PublicDnsName")
    else:
        domain = r.val("origin", i, "target")
    out.update({"DomainName": domain, "CustomOriginConfig": {"OriginProtocolPolicy": protocol}})
    return out


def cloudfront(r):
    origins = [_origin(r, i, o) for i, o in enumerate(r.raw("origin") or [])]
    default_origin = r.model.default_origin_name()
    viewer = _VIEWER[r.get("viewer_protocol")]
    cache = _cache_policy(r, "CachePolicy", seconds(r.get("default_ttl")), f"TTLs of {r.address}")
    behaviors = []
    for i, b in enumerate(r.raw("behavior") or []):
        policy = cache
        if b.get("default_ttl") is not None:
            policy = _cache_policy(r, "CachePolicy" + camel(b["name"]), seconds(r.get("behavior", i, "default_ttl")),
                                   f"TTLs of {r.address} behavior {b['name']}")
        behaviors.append({
            "PathPattern": r.val("behavior", i, "path"),
            "TargetOriginId": b["origin"],
            "ViewerProtocolPolicy": _VIEWER[r.get("behavior", i, "viewer_protocol")] if b.get("viewer_protocol")
            else viewer,
            "CachePolicyId": policy,
            "Compress": True,
        })
    cert = r.target("certificate")
    geo = r.raw("geo_restriction")
    config = {
        "Enabled": r.val("enabled"),
        "Comment": r.address,
        "Aliases": r.val("aliases") or None,
        "DefaultRootObject": r.val("default_root_object"),
        "HttpVersion": "http2",
        "IPV6Enabled": r.val("ipv6"),
        "PriceClass": _PRICE[r.get("price_class")],
        "Origins": origins,
        "DefaultCacheBehavior": {"TargetOriginId": default_origin, "ViewerProtocolPolicy": viewer,
                                 "CachePolicyId": cache, "Compress": True},
        "CacheBehaviors": behaviors or None,
        "ViewerCertificate": {"AcmCertificateArn": r.ref("certificate"), "SslSupportMethod": "sni-only",
                              "MinimumProtocolVersion": "TLSv1.2_2021"} if cert else
        {"CloudFrontDefaultCertificate": True},
        "Restrictions": {"GeoRestriction": {"RestrictionType": _GEO[geo["type"]],
                                            "Locations": r.val("geo_restriction", "countries")}} if geo else None,
        "WebACLId": r.ref("web_acl", export="arn"),  # a CLOUDFRONT web ACL: WebACLId takes its ARN
    }
    r.part("AWS::CloudFront::Distribution", {"DistributionConfig": config, "Tags": r.tags()})


def distribution_arn(address: str):
    return sub("arn:", PARTITION, ":cloudfront::", ACCOUNT, ":distribution/", Att(address))


# --- Global Accelerator ---------------------------------------------------------------------------

def global_accelerator(r):
    r.part("AWS::GlobalAccelerator::Accelerator", {
        "Name": _accelerator_name(r),
        "Enabled": r.val("enabled"),
        "IpAddressType": "DUAL_STACK" if r.raw("ip_address_type") == "dual_stack" else "IPV4",
        "Tags": r.tags(),
    })
    ranges = []
    for i, p in enumerate(r.raw("ports") or []):
        from ..units import port_range
        low, high = port_range(p)
        ranges.append({"FromPort": low, "ToPort": high})
    r.part("AWS::GlobalAccelerator::Listener", {
        "AcceleratorArn": r.att(),
        "Protocol": r.val("protocol"),
        "PortRanges": ranges,
        "ClientAffinity": "SOURCE_IP" if r.raw("client_affinity") == "source_ip" else "NONE",
    }, suffix="Listener")
    groups: dict[str, list] = {}
    for i, ep in enumerate(r.raw("endpoint") or []):
        target = r.target("endpoint", i, "target")
        kind = r.ctx.kind(target)
        export = {"load_balancer": "arn", "elastic_ip": "allocation_id", "instance": "id"}[kind]
        groups.setdefault(r.ctx.region(target), []).append({
            "EndpointId": r.ref("endpoint", i, "target", export=export),
            "Weight": r.val("endpoint", i, "weight"),
            "ClientIPPreservationEnabled": r.val("endpoint", i, "client_ip_preservation"),
        })
    dial = r.raw("traffic_dial") or {}
    for region in sorted(groups):
        r.part("AWS::GlobalAccelerator::EndpointGroup", {
            "ListenerArn": r.att("Listener"),
            "EndpointGroupRegion": region,
            "EndpointConfigurations": groups[region],
            "TrafficDialPercentage": _dial(r, region) if region in dial else None,
        }, suffix="Endpoints" + camel(region))


def _dial(r, region: str):
    from ..units import percent
    return percent(r.get("traffic_dial", region))


def _accelerator_name(r):
    """Accelerator names: letters, digits and hyphens, at most 64 characters."""
    text = "".join(c if c.isalnum() else "-" for c in r.address).strip("-")
    return text[:64]


MAPPERS = {"cloudfront": cloudfront, "global_accelerator": global_accelerator}

TYPES = {
    "cloudfront": ["AWS::CloudFront::Distribution", "AWS::CloudFront::CachePolicy",
                   "AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::VpcOrigin"],
    "global_accelerator": ["AWS::GlobalAccelerator::Accelerator", "AWS::GlobalAccelerator::Listener",
                           "AWS::GlobalAccelerator::EndpointGroup"],
}

EXPORTS = {
    "cloudfront": {"id": REF, "arn": lambda src: distribution_arn(src.address), "domain_name": getatt("DomainName"),
                   "zone_id": lambda src: "Z2FDTNDATAQYW2"},
    "global_accelerator": {"id": REF, "arn": REF, "dns_name": getatt("DnsName"), "ips": getatt("Ipv4Addresses"),
                           "dual_stack_dns_name": getatt("DualStackDnsName")},
}
