"""Route 53: hosted zones, records with every routing policy, health checks (notes §8).

A record is its own resource (`record www { ... }` inside a `dns_zone` declares a `dns_record`
whose `zone` is filled in by the resolver and whose `name` defaults to the label). Its routing
policy is chosen by which policy attribute it sets — `weight`, `latency_region`, `failover`,
`geolocation { }`, `geoproximity { }`, `ip_based { }`, `multivalue = true` — none means simple.
Records of one name and type form a record set; the rules in `stdlib/rules/dns_*.py` check
the set as a whole (one policy, failover pairs, unique set identifiers, CNAME exclusivity).

Domain-name helpers (`normalize_domain`, `domain_problem`, `covers`) live here and are used by
certificates and CloudFront too.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, Cidr, DurationRange, IntRange, Ip, Number, OneOf, Ref, Region, Str,
                                   Tags, Validated, fail, validator_of)

# --- domain names --------------------------------------------------------------------------

_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalize_domain(name: str) -> str:
    """Lower case, without the trailing dot: "WWW.Example.com." → "www.example.com"."""
    return name.strip().lower().rstrip(".")


def domain_problem(name: str, wildcard: bool = False) -> str | None:
    """Why `name` is not a valid domain name (None when it is). `*.` is allowed leftmost when
    `wildcard` is set."""
    text = normalize_domain(name)
    if not text:
        return "a domain name cannot be empty"
    if len(text) > 253:
        return f"a domain name has at most 253 characters, '{text}' has {len(text)}"
    labels = text.split(".")
    for i, label in enumerate(labels):
        if label == "*" and wildcard and i == 0:
            continue
        if label == "*":
            return f"'{text}': a wildcard '*' may only be the leftmost label"
        if not label:
            return f"'{text}' has an empty label (two dots in a row)"
        if len(label) > 63:
            return f"'{text}': each label has at most 63 characters, '{label}' has {len(label)}"
        if not _LABEL.match(label):
            return (f"'{text}': labels use letters, digits and hyphens, and do not start or end with a "
                    f"hyphen ('{label}')")
    return None


def covers(pattern: str, host: str) -> bool:
    """Whether a certificate name covers a host name: exact, or `*.x` for exactly one label more."""
    pattern, host = normalize_domain(pattern), normalize_domain(host)
    if pattern == host:
        return True
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


def _domain_type(wildcard: bool):
    def check(x):
        text = validator_of(Str)(x)
        if isinstance(text, str):
            problem = domain_problem(text, wildcard=wildcard)
            if problem:
                raise fail(problem)
            return normalize_domain(text)
        return text

    return Validated(check)


Domain = _domain_type(wildcard=False)
WildcardDomain = _domain_type(wildcard=True)  # certificate names, CloudFront aliases: `*.example.com`


# --- zones ---------------------------------------------------------------------------------

class DnsZone(Kind):
    """A Route 53 hosted zone: public (internet) or private (associated VPCs) — notes §8.2.2."""

    kind: Literal["dns_zone"] = "dns_zone"
    noun: ClassVar[str] = "Route 53 hosted zone"
    title: ClassVar[str] = "Route 53 hosted zone"
    family: ClassVar[str] = "dns"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "zone_id": "string",
                                         "name_servers": "list"}
    force_new: ClassVar[frozenset[str]] = frozenset({"domain", "private"})
    children: ClassVar[dict[str, str]] = {"record": "dns_record"}

    domain: Domain
    private: Bool = False
    vpcs: list[Ref["vpc"]] = Field(default_factory=list)
    comment: Str = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.private and not self.vpcs:
            yield Issue("a private hosted zone must be associated with at least one VPC", ("vpcs",),
                        help="add vpcs = [main] — private zones answer only inside their VPCs")
        if not self.private and self.vpcs:
            yield Issue("a public hosted zone is not associated with VPCs; only private zones are", ("vpcs",),
                        help="set private = true, or remove vpcs")
        for i, ref in enumerate(self.vpcs if self.private else ()):
            vpc = deref(graph, ref)
            if vpc is None:
                continue
            for attr in ("enable_dns_support", "enable_dns_hostnames"):
                if vpc.get(attr, True) is False:
                    yield Issue(f"a private hosted zone needs {attr} = true on VPC '{vpc.address}'",
                                ("vpcs", i), related=(Related(vpc.address, (attr,), "turned off here"),))


# --- health checks -----------------------------------------------------------------------




# --- records -------------------------------------------------------------------------------

CONTINENTS = ("AF", "AN", "AS", "EU", "OC", "NA", "SA")
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR")
# Valid alias targets (notes §8.2.5). The last three are kinds the catalogue may grow.
ALIAS_TARGETS = ("load_balancer", "cloudfront", "s3_bucket", "global_accelerator", "dns_record",
                 "api_gateway", "vpc_endpoint", "beanstalk_environment")
ALIAS_TARGETS_TEXT = ("ELB load balancers, CloudFront distributions, API Gateway, Elastic Beanstalk "
                      "environments, S3 website buckets, VPC interface endpoints, Global Accelerator and "
                      "records of the same hosted zone")


class GeoLocation(Block):
    continent: Choice(*CONTINENTS, what="continent code") = None
    country: Str = None
    subdivision: Str = None
    default: Bool = False


class GeoProximity(Block):
    region: Region = None
    latitude: Number = None
    longitude: Number = None
    bias: IntRange(-99, 99, what="geoproximity bias") = 0


class IpBased(Block):
    collection: Str
    location: Str
    cidrs: list[Cidr] = Field(default_factory=list)


_NAME_EXPORTS = ("dns_name", "domain_name", "website_endpoint", "public_dns", "private_dns", "fqdn")


def _alias(x):
    """A reference to the alias target, or a domain name. `web.dns_name` means `web` (and an
    instance's `public_dns` means the instance, which the record's check then rejects)."""
    if isinstance(x, v.Unknown) and x.attr in _NAME_EXPORTS and x.kind:
        return v.ResourceRef(x.address, x.kind)
    return _ALIAS_VALUE(x)


_ALIAS_VALUE = validator_of(OneOf(Ref["*"], Str, what="a resource or a domain name"))
Alias = Validated(_alias)
RecordValue = OneOf(Str, Ip, what="a record value")

POLICY_ATTRS = {"weight": "weighted", "latency_region": "latency", "failover": "failover",
                "geolocation": "geolocation", "geoproximity": "geoproximity", "ip_based": "ip_based",
                "multivalue": "multivalue"}


class DnsRecord(Kind):
    """A Route 53 record set (notes §8.2): values with a TTL, or an alias to an AWS resource."""

    kind: Literal["dns_record"] = "dns_record"
    noun: ClassVar[str] = "Route 53 record"
    title: ClassVar[str] = "Route 53 record"
    family: ClassVar[str] = "dns"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "fqdn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"zone", "name", "type", "set_id"})
    parent: ClassVar[str | None] = "zone"

    zone: Ref["dns_zone"]
    name: Str = None  # default: the record's label (`record www { }` is www); "@" or "" for the apex
    type: Choice(*RECORD_TYPES, what="record type") = "A"
    values: list[RecordValue] = Field(default_factory=list)
    ttl: DurationRange("0s", "2147483647s", what="ttl") = None
    alias: Alias = None
    alias_zone_id: Str = None
    evaluate_target_health: Bool = None
    set_id: Str = None
    weight: IntRange(0, 255, what="weight") = None
    latency_region: Region = None
    failover: Choice("primary", "secondary", what="failover role") = None
    geolocation: GeoLocation = None
    geoproximity: GeoProximity = None
    ip_based: IpBased = None
    multivalue: Bool = False
    health_check: Ref["health_check"] = None

    @model_validator(mode="before")
    @classmethod
    def _target_health_default(cls, data):
        """An alias evaluates its target's health by default, except CloudFront's, which cannot."""
        if isinstance(data, dict) and data.get("alias") is not None and "evaluate_target_health" not in data:
            kind = getattr(data["alias"], "kind", "")
            return {**data, "evaluate_target_health": bool(kind) and kind != "cloudfront"}
        return data

    # --- derived ---------------------------------------------------------------------------

    def policies(self) -> list[str]:
        """The routing policies this record sets (normally one; none means simple)."""
        return [p for a, p in POLICY_ATTRS.items() if getattr(self, a) not in (None, False)]

    @property
    def routing_policy(self) -> str:
        found = self.policies()
        return found[0] if found else "simple"

    def fqdn(self, zone_domain: str, label: str = "") -> str | None:
        """The full name in a zone, or None when an absolute name lies outside it (or is unknown).
        `label` is the record's label, the name when none is written."""
        raw = self.name if self.name is not None else label
        if not isinstance(raw, str):
            return None
        raw = raw.strip()
        if raw in ("@", ""):
            return zone_domain
        name = normalize_domain(raw)
        if name == zone_domain or name.endswith("." + zone_domain):
            return name
        if raw.endswith("."):
            return None
        return f"{name}.{zone_domain}"

    @property
    def target_health(self) -> bool:
        """Whether the alias evaluates its target's health (default on, off for CloudFront)."""
        return self.alias is not None and self.evaluate_target_health is True

    # --- checks ----------------------------------------------------------------------------

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        zone = deref(graph, self.zone)
        fqdn = None
        if zone is not None and isinstance(zone.model.domain, str) and not v.is_unknown(self.name):
            fqdn = self.fqdn(zone.model.domain, label_of(me.address))
            yield from self._name(zone, fqdn)
        yield from self._policy(me)
        yield from self._content()
        if self.alias is not None:
            yield from self._alias_target(me, graph, fqdn)
        else:
            yield from self._values()

    def _name(self, zone: View, fqdn: str | None) -> Iterable[Issue]:
        domain = zone.model.domain
        if fqdn is None:
            yield Issue(f"record name '{self.name}' is not inside the zone {domain}", ("name",),
                        related=(Related(zone.address, ("domain",), "zone declared here"),),
                        help=f"write a name relative to the zone (\"www\"), or one ending in {domain}")
            return
        problem = domain_problem(fqdn, wildcard=True)
        if problem:
            yield Issue(problem, ("name",))
        if fqdn == domain and self.type == "CNAME":
            yield Issue(f"a CNAME record cannot be at the zone apex ({domain})", ("type",),
                        related=(Related(zone.address, ("domain",), "zone apex"),),
                        help="use an alias record (type A or AAAA) for the apex (notes §8.2.5)")
        if fqdn == domain and self.type == "NS":
            yield Issue(f"the NS record at the apex of {domain} is created and managed by Route 53", ("type",))

    def _policy(self, me: View) -> Iterable[Issue]:
        found = self.policies()
        if len(found) > 1:
            yield Issue(f"a record has one routing policy, this one sets {' and '.join(found)}",
                        (next(a for a, p in POLICY_ATTRS.items() if p == found[1]),),
                        help="split it into records of the same name, one per policy value")
        if self.health_check is not None and not found:
            yield Issue("a simple record cannot use a health check (notes §8.3)", ("health_check",),
                        help="use failover, weighted, latency, geolocation or multivalue routing with health checks")
        if not found and self.set_id is not None:
            yield Issue("set_id identifies records of a weighted, latency, failover, geolocation, geoproximity, "
                        "ip_based or multivalue set; a simple record has none", ("set_id",))
        if isinstance(self.set_id, str) and not (1 <= len(self.set_id) <= 128):
            yield Issue("set_id has between 1 and 128 characters", ("set_id",))
        if self.failover == "primary" and self.health_check is None and not (self.alias is not None and self.target_health):
            yield Issue("a primary failover record without a health check is always considered healthy, so it "
                        "never fails over", ("failover",), severity="warning",
                        help="add health_check = ..., or alias a resource with evaluate_target_health = true")
        yield from self._geo()

    def _geo(self) -> Iterable[Issue]:
        g = self.geolocation
        if g is not None:
            chosen = [n for n in ("continent", "country") if getattr(g, n) is not None] + (["default"] if g.default else [])
            if len(chosen) != 1:
                yield Issue("a geolocation record names exactly one of continent, country or default = true"
                            + (f", this one sets {' and '.join(chosen)}" if chosen else ""), ("geolocation",))
            if isinstance(g.country, str) and not (g.country == "*" or re.fullmatch(r"[A-Z]{2}", g.country)):
                yield Issue(f"a country is a two-letter ISO 3166 code such as \"DE\", got {g.country!r}",
                            ("geolocation", "country"))
            if g.subdivision is not None and g.country not in ("US", "UA"):
                yield Issue("subdivisions exist for the United States (country = \"US\") and Ukraine (\"UA\")",
                            ("geolocation", "subdivision"))
        p = self.geoproximity
        if p is not None:
            has_coords = p.latitude is not None or p.longitude is not None
            if (p.region is None) == (not has_coords):
                yield Issue("a geoproximity record is located by an AWS region, or by latitude and longitude "
                            "(not both)", ("geoproximity",))
            if has_coords and (p.latitude is None or p.longitude is None):
                yield Issue("geoproximity needs both latitude and longitude", ("geoproximity",))
            if isinstance(p.latitude, (int, float)) and not -90 <= p.latitude <= 90:
                yield Issue(f"latitude is between -90 and 90, got {p.latitude}", ("geoproximity", "latitude"))
            if isinstance(p.longitude, (int, float)) and not -180 <= p.longitude <= 180:
                yield Issue(f"longitude is between -180 and 180, got {p.longitude}", ("geoproximity", "longitude"))

    def _content(self) -> Iterable[Issue]:
        if self.alias is not None and self.values:
            yield Issue("a record has either values or an alias, not both", ("values",))
        if self.alias is None and not self.values:
            yield Issue(f"{article(self.type)} record needs values, or an alias to an AWS resource", ("values",))
        if self.alias is None and self.ttl is None:
            yield Issue("ttl is mandatory for all records except alias records (notes §8.2.4)", ("ttl",),
                        help="e.g. ttl = 300s")
        if self.alias is not None and self.ttl is not None:
            yield Issue("AWS sets the TTL of an alias record; remove ttl (notes §8.2.5)", ("ttl",))
        if self.alias is None:
            for attr in ("alias_zone_id", "evaluate_target_health"):
                if getattr(self, attr) is not None:
                    yield Issue(f"{attr} only applies to alias records", (attr,))

    def _values(self) -> Iterable[Issue]:
        if self.type == "CNAME" and len(self.values) > 1:
            yield Issue(f"a CNAME record has exactly one value, got {len(self.values)}", ("values",))
        for i, value in enumerate(self.values):
            if not isinstance(value, (str, v.Ip)):
                continue
            problem = _value_problem(self.type, str(value))
            if problem:
                yield Issue(problem, ("values", i))

    def _alias_target(self, me: View, graph: Graph, fqdn: str | None) -> Iterable[Issue]:
        t = self.alias
        if self.type not in ("A", "AAAA") and getattr(t, "kind", "") != "dns_record":
            yield Issue(f"an alias record is of type A or AAAA, not {self.type} (notes §8.2.5)", ("type",))
        if isinstance(t, v.ResourceRef):
            if t.kind not in ALIAS_TARGETS:
                what = "an EC2 instance" if t.kind == "instance" else f"a {t.kind}"
                yield Issue(f"an alias record cannot point at {what}; valid alias targets are {ALIAS_TARGETS_TEXT}",
                            ("alias",), help="for an instance, use an A record with its Elastic IP and a ttl")
                return
            if t.kind == "cloudfront" and self.evaluate_target_health is True:
                yield Issue("an alias to a CloudFront distribution cannot evaluate target health", 
                            ("evaluate_target_health",))
            target = deref(graph, t)
            if target is not None:
                yield from _ALIAS_CHECKS.get(t.kind, _no_check)(self, me, target, fqdn)
        elif isinstance(t, str):
            if "compute.amazonaws.com" in t or "compute-1.amazonaws.com" in t or t.startswith("ec2-"):
                yield Issue(f"an alias record cannot point at an EC2 DNS name ({t}); valid alias targets are "
                            f"{ALIAS_TARGETS_TEXT}", ("alias",),
                            help="use a CNAME (not at the apex) or an A record with the instance's Elastic IP")
            elif self.alias_zone_id is None:
                yield Issue("an alias to a domain name needs alias_zone_id: the hosted zone ID of the target",
                            ("alias_zone_id",), help="or refer to the resource itself, e.g. alias = web")


def _no_check(record, me, target, fqdn):
    return ()


def _alias_s3(record: DnsRecord, me: View, bucket: View, fqdn: str | None) -> Iterable[Issue]:
    related = (Related(bucket.address, (), "bucket declared here"),)
    if bucket.get("website") is None:
        yield Issue(f"an alias can point at an S3 website, not a bucket: '{bucket.address}' has no website block",
                    ("alias",), related=related, help="add website { index = \"index.html\" } to the bucket")
    name = bucket.get("bucket")
    if fqdn and isinstance(name, str) and name != fqdn:
        yield Issue(f"an alias to an S3 website needs the bucket to be named like the record: '{fqdn}', "
                    f"not '{name}'", ("alias",), related=(Related(bucket.address, ("bucket",), "named here"),))
    if fqdn and name is None:
        yield Issue(f"an alias to an S3 website needs the bucket to be named like the record: set "
                    f"bucket = \"{fqdn}\" on '{bucket.address}'", ("alias",), related=related)


def _alias_record(record: DnsRecord, me: View, target: View, fqdn: str | None) -> Iterable[Issue]:
    if target.address == me.address:
        yield Issue("an alias record cannot point at itself", ("alias",))
    elif getattr(target.model.zone, "address", None) != getattr(record.zone, "address", None):
        yield Issue(f"an alias can point at a record of the same hosted zone only; '{target.address}' is in "
                    f"another zone", ("alias",), related=(Related(target.address, ("zone",), "its zone"),))
    elif target.model.type != record.type:
        yield Issue(f"an alias to another record has that record's type ({target.model.type}), not {record.type}",
                    ("type",), related=(Related(target.address, ("type",), "its type"),))


def _alias_cloudfront(record: DnsRecord, me: View, dist: View, fqdn: str | None) -> Iterable[Issue]:
    aliases = [normalize_domain(a) for a in dist.get("aliases", []) if isinstance(a, str)]
    if fqdn and fqdn not in aliases:
        yield Issue(f"CloudFront distribution '{dist.address}' does not list {fqdn} in its aliases, so it "
                    f"rejects requests for it", ("alias",),
                    related=(Related(dist.address, ("aliases",), "aliases declared here"),),
                    help=f"add \"{fqdn}\" to the distribution's aliases (with a certificate that covers it)")


def _alias_lb(record: DnsRecord, me: View, lb: View, fqdn: str | None) -> Iterable[Issue]:
    if lb.get("type") == "gateway":
        yield Issue(f"a gateway load balancer has no DNS name to alias ('{lb.address}')", ("alias",),
                    related=(Related(lb.address, ("type",), "gateway here"),))


_ALIAS_CHECKS = {"s3_bucket": _alias_s3, "dns_record": _alias_record, "cloudfront": _alias_cloudfront,
                 "load_balancer": _alias_lb}


def article(word: str) -> str:
    """The indefinite article and the word, for acronyms read letter by letter: "an A", "a TXT"."""
    return f"{'an' if word[0].upper() in 'AEFHILMNORSX' else 'a'} {word}"


def _value_problem(rtype: str, value: str) -> str | None:
    """Why a value does not fit a record type (None when it does)."""
    if rtype in ("A", "AAAA"):
        version = 4 if rtype == "A" else 6
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            return f"an {rtype} record's value is an IPv{version} address, got {value!r}" + (
                " (to point at a name, use CNAME or an alias)" if not value[:1].isdigit() else "")
        if ip.version != version:
            return f"an {rtype} record holds IPv{version} addresses, {value} is IPv{ip.version}"
        return None
    if rtype in ("CNAME", "NS", "PTR"):
        return domain_problem(value, wildcard=False)
    if rtype == "MX":
        m = re.fullmatch(r"(\d+)\s+(\S+)", value)
        if not m or int(m.group(1)) > 65535:
            return f"an MX value is a priority and a mail server, e.g. \"10 mail.example.com\", got {value!r}"
        return domain_problem(m.group(2))
    if rtype == "SRV":
        m = re.fullmatch(r"(\d+)\s+(\d+)\s+(\d+)\s+(\S+)", value)
        if not m or max(int(m.group(i)) for i in (1, 2, 3)) > 65535:
            return f"an SRV value is \"priority weight port target\", e.g. \"1 10 5269 xmpp.example.com\", got {value!r}"
        return None
    if rtype == "CAA":
        if not re.fullmatch(r"\d+\s+(issue|issuewild|iodef)\s+\"[^\"]*\"", value):
            return f"a CAA value is 'flags tag \"value\"', e.g. '0 issue \"amazon.com\"', got {value!r}"
        return None
    if rtype == "TXT" and len(value) > 4000:
        return "a TXT value has at most 4000 characters"
    return None


# --- helpers for the record-set rules ------------------------------------------------------

def label_of(address: str) -> str:
    """The label a resource was declared with: `shop.www` → www, `shop.www["a"]` → www."""
    return re.sub(r"\[.*\]$", "", address).rsplit(".", 1)[-1]


def record_set_key(view: View, graph: Graph) -> tuple[str, str, str] | None:
    """(zone address, fully qualified name, type) of a record, or None when it cannot be known."""
    zone = deref(graph, view.model.zone)
    if zone is None or not isinstance(zone.model.domain, str):
        return None
    fqdn = view.model.fqdn(zone.model.domain, label_of(view.address))
    return (zone.address, fqdn, view.model.type) if fqdn else None


def set_identifier(view: View) -> str:
    """A record's set identifier: `set_id`, or its address when none is written."""
    return view.model.set_id if isinstance(view.model.set_id, str) else view.address
