"""The edge: CloudFront distributions and Global Accelerator (notes §12).

A distribution has `origin NAME { target = ..., access = ... }` blocks: an S3 bucket reached
through origin access control (oac), a load balancer or instance reached over the internet
(public) or inside its VPC (vpc_origin), or any public HTTP server by domain name. Requests go
to `default_origin` unless a `behavior NAME { path = "/api/*", origin = api }` block matches.
Its certificate must be in us-east-1 (rule `cloudfront_certificate_region`).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds.dns import Domain, WildcardDomain
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, DurationRange, IntRange, OneOf, Percent, PortRange, Ref, Str, Tags,
                                   Validated, dur, validator_of)

ORIGIN_KINDS = ("s3_bucket", "load_balancer", "instance")
VIEWER_PROTOCOL = Choice("allow_all", "redirect_to_https", "https_only", what="viewer protocol policy")


def _label(x):
    """The label of another block of this resource, written bare (`origin = api`) or quoted."""
    if isinstance(x, v.Word):
        return x.text
    return validator_of(Str)(x)


Label = Validated(_label, word=True)
OriginTarget = OneOf(Ref[ORIGIN_KINDS], Domain,
                     what="an s3_bucket, a load_balancer, an instance or a domain name")


# --- CloudFront -----------------------------------------------------------------------------

class Origin(Block):
    name: Str
    target: OriginTarget
    access: Choice("oac", "public", "vpc_origin", what="origin access") = None
    path: Str = None
    # the host name CloudFront connects to, for a load balancer reached over HTTPS: a name its
    # listener's certificate covers (no certificate covers the elb.amazonaws.com name)
    domain: Domain = None


class Behavior(Block):
    """A cache behavior: requests whose path matches go to an origin."""

    name: Str
    path: Str
    origin: Label
    viewer_protocol: VIEWER_PROTOCOL = None
    default_ttl: DurationRange("0s", what="default_ttl") = None


class GeoRestriction(Block):
    """Allow or block viewers by country (notes §12.3)."""

    type: Choice("allow", "block", what="geo restriction type",
                 aliases={"allowlist": "allow", "whitelist": "allow", "blocklist": "block", "blacklist": "block"})
    countries: list[Str]


class CloudFront(Kind):
    """A CloudFront distribution: a CDN caching at edge locations in front of origins (notes §12)."""

    kind: Literal["cloudfront"] = "cloudfront"
    title: ClassVar[str] = "CloudFront distribution"
    family: ClassVar[str] = "edge"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "domain_name": "string",
                                         "zone_id": "string"}

    origin: list[Origin] = []
    default_origin: Label = None
    behavior: list[Behavior] = Field(default_factory=list)
    aliases: list[WildcardDomain] = Field(default_factory=list)
    certificate: Ref["certificate"] = None
    web_acl: Ref["waf_web_acl"] = None  # a CLOUDFRONT-scope WAF web ACL (us-east-1; rule waf_cloudfront_scope)
    price_class: Choice("all", "200", "100", what="price class",
                        aliases={"priceclass_all": "all", "priceclass_200": "200", "priceclass_100": "100"}) = "all"
    geo_restriction: GeoRestriction = None
    viewer_protocol: VIEWER_PROTOCOL = "redirect_to_https"  # safe default (AWS's API: allow_all)
    min_ttl: DurationRange("0s", what="min_ttl") = dur("0s")
    default_ttl: DurationRange("0s", what="default_ttl") = dur("1d")
    max_ttl: DurationRange("0s", what="max_ttl") = dur("365d")
    default_root_object: Str = None
    ipv6: Bool = True
    enabled: Bool = True
    tags: Tags = Field(default_factory=dict)

    def default_origin_name(self) -> str | None:
        if self.default_origin is not None:
            return self.default_origin
        return self.origin[0].name if len(self.origin) == 1 else None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._origins(graph)
        yield from self._routing()
        yield from self._aliases(graph)
        yield from self._ttls()
        if self.geo_restriction is not None:
            yield from self._geo()

    def _origins(self, graph: Graph) -> Iterable[Issue]:
        if not self.origin:
            yield Issue("a distribution needs an origin: origin NAME { target = ... }", ())
        if len(self.origin) > 25:
            yield Issue(f"a distribution has at most 25 origins, got {len(self.origin)}", ("origin",))
        names: set = set()
        for i, origin in enumerate(self.origin):
            if origin.name in names:
                yield Issue(f"two origins are named '{origin.name}'", ("origin", i))
            names.add(origin.name)
            yield from _origin_access(origin, graph, ("origin", i))

    def _routing(self) -> Iterable[Issue]:
        names = [o.name for o in self.origin]
        if self.default_origin is None and len(self.origin) > 1:
            yield Issue("with several origins, name the one requests go to by default: default_origin = NAME",
                        ("default_origin",), help="origins: " + ", ".join(names))
        if self.default_origin is not None and self.default_origin not in names:
            yield Issue(f"default_origin '{self.default_origin}' is not an origin of this distribution",
                        ("default_origin",), help=did_you_mean(self.default_origin, names))
        paths: set = set()
        for i, b in enumerate(self.behavior):
            if b.origin not in names:
                yield Issue(f"behavior '{b.name}' sends requests to '{b.origin}', which is not an origin of this "
                            f"distribution", ("behavior", i, "origin"), help=did_you_mean(b.origin, names))
            if b.path in paths:
                yield Issue(f"two behaviors match the path {b.path!r}", ("behavior", i, "path"))
            paths.add(b.path)

    def _aliases(self, graph: Graph) -> Iterable[Issue]:
        if self.aliases and self.certificate is None:
            yield Issue("alternate domain names (aliases) need a certificate that covers them", ("certificate",),
                        help="certificate = an ACM certificate in us-east-1 for " + ", ".join(map(str, self.aliases)))
        cert = deref(graph, self.certificate) if self.certificate is not None else None
        for i, alias in enumerate(self.aliases):
            if cert is not None and isinstance(alias, str) and not cert.model.covers(alias):
                yield Issue(f"certificate '{cert.address}' does not cover the alias {alias}", ("aliases", i),
                            related=(Related(cert.address, ("domain",), "certificate names"),))
        if len(set(self.aliases)) != len(self.aliases):
            yield Issue("an alias is listed twice", ("aliases",))

    def _ttls(self) -> Iterable[Issue]:
        lo, mid, hi = self.min_ttl, self.default_ttl, self.max_ttl
        if all(isinstance(d, v.Duration) for d in (lo, mid, hi)) and not lo.seconds <= mid.seconds <= hi.seconds:
            yield Issue(f"TTLs go min_ttl ≤ default_ttl ≤ max_ttl, got {lo}, {mid}, {hi}", ("default_ttl",))

    def _geo(self) -> Iterable[Issue]:
        geo = self.geo_restriction
        if not geo.countries:
            yield Issue("a geo restriction lists the countries it allows or blocks", ("geo_restriction", "countries"))
        for i, c in enumerate(geo.countries):
            if isinstance(c, str) and not re.fullmatch(r"[A-Z]{2}", c):
                yield Issue(f"a country is a two-letter ISO 3166 code such as \"DE\", got {c!r}",
                            ("geo_restriction", "countries", i))


def effective_access(origin: Origin, graph: Graph) -> str:
    """How CloudFront reaches an origin when `access` is not written."""
    if origin.access is not None:
        return origin.access
    target = origin.target
    if isinstance(target, v.ResourceRef):
        view = deref(graph, target)
        if target.kind == "s3_bucket":
            return "public" if view is not None and view.get("website") is not None else "oac"
        if target.kind == "load_balancer" and view is not None and view.get("internal") is True:
            return "vpc_origin"
    return "public"


def _https_origin(origin: Origin, view, graph: Graph, path: tuple, related) -> Iterable[Issue]:
    """CloudFront reaches a load balancer with an HTTPS listener over HTTPS, and checks that the
    listener's certificate covers the name it connects to: never the elb.amazonaws.com name."""
    listeners = [lst for lst in view.model.listener if lst.protocol == "HTTPS"]
    if not listeners:
        return  # reached over HTTP
    if origin.domain is None:
        yield Issue(f"CloudFront reaches '{view.address}' over HTTPS by its elb.amazonaws.com name, which no "
                    f"certificate covers: every request would fail with 502", path + ("target",), related=related,
                    help="set domain = a name the listener's certificate covers (with a DNS record for the load "
                         "balancer)")
        return
    certs = [deref(graph, ref) for lst in listeners for ref in [lst.certificate, *lst.sni_certificates]
             if ref is not None]
    if not any(c is not None and c.model.covers(origin.domain) for c in certs):
        yield Issue(f"no certificate of the HTTPS listeners of '{view.address}' covers {origin.domain}",
                    path + ("domain",), related=related)


def _origin_access(origin: Origin, graph: Graph, path: tuple) -> Iterable[Issue]:
    access = effective_access(origin, graph)
    target = origin.target
    kind = target.kind if isinstance(target, v.ResourceRef) else "domain"
    view = deref(graph, target) if isinstance(target, v.ResourceRef) else None
    apath = path + ("access",)
    if access == "oac" and kind != "s3_bucket":
        yield Issue("origin access control (oac) secures S3 bucket origins; reach a load balancer or instance "
                    "with vpc_origin or public", apath)
    if access == "vpc_origin" and kind not in ("load_balancer", "instance"):
        yield Issue("a VPC origin is a load balancer or an instance in a VPC (notes §12.2)", apath)
    if view is None:
        return
    related = (Related(view.address, (), f"{kind} declared here"),)
    if kind == "s3_bucket":
        website = view.get("website") is not None
        if access == "oac" and website:
            yield Issue(f"'{view.address}' is served as a website, a custom origin: origin access control does not "
                        f"apply to website endpoints", apath, related=related,
                        help="use access = public, or remove the bucket's website block to keep it private with oac")
        if access == "public" and view.get("block_public_access") is True:
            yield Issue(f"bucket '{view.address}' blocks public access, so CloudFront would get 403 errors",
                        apath, related=related, help="use access = oac to keep the bucket private")
    if kind == "load_balancer":
        if view.get("type") == "gateway":
            yield Issue("a gateway load balancer routes IP packets to appliances; it cannot be a CloudFront origin",
                        path + ("target",), related=related)
        internal = view.get("internal") is True
        if access == "public" and internal:
            yield Issue(f"CloudFront cannot reach internal load balancer '{view.address}' over the internet",
                        apath, related=related, help="use access = vpc_origin (notes §12.2)")
        if access == "public" and not internal:
            yield from _https_origin(origin, view, graph, path, related)
        if access == "vpc_origin" and not internal:
            yield Issue(f"a VPC origin is an internal load balancer; '{view.address}' is internet-facing", apath,
                        related=related, help="set internal = true on it, or use access = public")


# --- Global Accelerator ------------------------------------------------------------------------

class AcceleratorEndpoint(Block):
    """An endpoint and its weight in its region's endpoint group (`endpoints = [web]` works too)."""

    name: Str = None  # the label of an `endpoint NAME { }` block
    target: Ref["load_balancer", "elastic_ip", "instance"]
    weight: IntRange(0, 255, what="endpoint weight") = 128
    client_ip_preservation: Bool = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data):
        return {"target": data} if isinstance(data, v.ResourceRef) else data


class GlobalAccelerator(Kind):
    """Two anycast IPs at the edge, routing over the AWS network to endpoints (notes §12.6)."""

    kind: Literal["global_accelerator"] = "global_accelerator"
    noun: ClassVar[str] = "Global Accelerator"
    title: ClassVar[str] = "Global Accelerator"
    family: ClassVar[str] = "edge"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "dns_name": "string", "ips": "list",
                                         "dual_stack_dns_name": "string"}

    endpoints: list[AcceleratorEndpoint] = Field(default_factory=list, alias="endpoint")
    protocol: Choice("TCP", "UDP", what="accelerator protocol") = "TCP"
    ports: list[PortRange] = [v.PortRange(80, 80), v.PortRange(443, 443)]
    traffic_dial: dict[str, Percent] = Field(default_factory=dict)
    client_affinity: Choice("none", "source_ip", what="client affinity") = "none"
    ip_address_type: Choice("ipv4", "dual_stack", what="IP address type") = "ipv4"
    enabled: Bool = True
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.endpoints:
            yield Issue("an accelerator without endpoints routes traffic nowhere", ("endpoint",), severity="warning")
        per_region: dict = {}
        seen: set = set()
        for i, ep in enumerate(self.endpoints):
            path = ("endpoint", i)
            if ep.target.address in seen:
                yield Issue(f"'{ep.target.address}' is an endpoint twice", path)
            seen.add(ep.target.address)
            view = deref(graph, ep.target)
            if view is None:
                continue
            per_region.setdefault(view.region, []).append(view.address)
            if ep.target.kind == "load_balancer" and view.get("type") == "gateway":
                yield Issue("Global Accelerator works with application and network load balancers, Elastic IPs and "
                            "instances, not a gateway load balancer (notes §12.6.2)", path + ("target",),
                            related=(Related(view.address, ("type",), "gateway here"),))
        for region, addresses in sorted(per_region.items(), key=lambda kv: str(kv[0])):
            if len(addresses) > 10:
                yield Issue(f"an endpoint group (one per region) holds at most 10 endpoints; {region} has "
                            f"{len(addresses)}", ("endpoint",))
        for region in sorted(self.traffic_dial):
            if region not in per_region:
                yield Issue(f"traffic_dial names {region}, where the accelerator has no endpoint",
                            ("traffic_dial", region),
                            help="regions with endpoints: " + ", ".join(sorted(map(str, per_region))))
