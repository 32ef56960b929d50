"""AWS WAF (notes §23.6): web ACLs of layer-7 rules in front of an Application Load Balancer, an
API Gateway REST API's stage, a Cognito user pool or a CloudFront distribution (§23.6.1), and the
IP sets their rules match.

AWS's rules, each a diagnostic here:

- A web ACL is `REGIONAL` (for ALBs, API Gateway and Cognito, in their region) or `CLOUDFRONT`; a
  CloudFront ACL is global, made in us-east-1 (§23.6.2: "Web ACL is regional except for
  CloudFront"), and a distribution names it with `web_acl`.
- WAF works at layer 7: an ALB, not a Network or Gateway Load Balancer (§23.6.2); a REST API's
  stage, not an HTTP or WebSocket API.
- Each rule is one of: an AWS managed rule group (`managed = "AWSManagedRulesCommonRuleSet"`),
  a rate-based rule (`rate_limit`, requests per client IP in `window`; at least 10, AWS's
  minimum), an IP set match (`ip_set`, an IP set of the ACL's scope, as §26.3 blocks an
  address) or a geo match (`countries`). Priorities are unique.
- The rules' capacity (WCUs: a managed group's published capacity, 2 for a rate rule, 1 for
  an IP set or geo match) is at most 1,500 per ACL (AWS's default web ACL capacity).
- An IP set holds CIDRs of one IP version, never /0, at most 10,000 of them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.security_facts import (CLOUDFRONT_REGION, MANAGED_GROUPS, MAX_CAPACITY, MIN_RATE_LIMIT,
                                            RATE_WINDOWS)
from archform.stdlib.types import Cidr, Choice, DurationRange, Int, IntRange, Ref, Str, Tags, dur

MAX_ADDRESSES = 10_000
RULE_KINDS = ("managed", "rate_limit", "ip_set", "countries")
_NAME = re.compile(r"^[\w-]{1,128}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

Scope = Choice("REGIONAL", "CLOUDFRONT", what="WAF scope")


class WafRule(Block):
    """`rule NAME { priority = 1, … }`: one of `managed`, `rate_limit`, `ip_set`, `countries`.
    `action` (block, allow, count) is for the rules of this ACL; a managed group's own actions
    apply unless `override = count` (to watch it before it blocks)."""

    name: Str
    priority: IntRange(0, None, what="rule priority")
    managed: Choice(*MANAGED_GROUPS, what="AWS managed rule group") = None
    rate_limit: Int | None = None
    window: DurationRange("1m", "10m", what="rate window") = dur("5m")
    ip_set: Ref["waf_ip_set"] = None
    countries: list[Str] = Field(default_factory=list)
    action: Choice("block", "allow", "count", what="rule action") = "block"
    override: Choice("none", "count", what="managed group override") = "none"

    def statement(self) -> str | None:
        found = [k for k in RULE_KINDS if getattr(self, k) not in (None, [])]
        return found[0] if len(found) == 1 else None

    def capacity(self) -> int:
        kind = self.statement()
        if kind == "managed":
            return MANAGED_GROUPS.get(self.managed, 0)
        return {"rate_limit": 2, "ip_set": 1, "countries": 1}.get(kind or "", 0)


class WafWebAcl(Kind):
    """A WAF web ACL (notes §23.6): `rule NAME { … }` blocks in priority order, then
    `default_action`. `REGIONAL` (the default) protects the ALBs, REST APIs and Cognito user
    pools in `resources` (notes §23.6.1); `CLOUDFRONT` (declared in us-east-1) protects the
    distributions whose `web_acl` names it. Its rules' capacity is at most 1,500 WCUs."""

    kind: Literal["waf_web_acl"] = "waf_web_acl"
    title: ClassVar[str] = "WAF web ACL"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "capacity": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "scope"})

    name: Str | None = None
    description: Str | None = None
    acl_scope: Scope = Field("REGIONAL", alias="scope")  # `scope` is a Kind ClassVar
    default_action: Choice("allow", "block", what="default action") = "allow"
    rule: list[WafRule] = Field(default_factory=list)
    resources: list[Ref["load_balancer", "api_gateway", "cognito_user_pool"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def capacity(self) -> int:
        return sum(r.capacity() for r in self.rule)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a web ACL's name is 1–128 letters, digits, '_' and '-', got '{self.name}'", ("name",))
        if self.acl_scope == "CLOUDFRONT" and me.region not in (None, CLOUDFRONT_REGION):
            yield Issue(f"a CLOUDFRONT web ACL is global and made in {CLOUDFRONT_REGION}; this one is declared in "
                        f"{me.region} (notes §23.6.2)", ("scope",),
                        help=f"declare it in a region \"{CLOUDFRONT_REGION}\" block")
        priorities: dict[int, str] = {}
        for i, rule in enumerate(self.rule):
            yield from self._rule_issues(rule, ("rule", i), graph)
            if isinstance(rule.priority, int):
                if rule.priority in priorities:
                    yield Issue(f"rules '{priorities[rule.priority]}' and '{rule.name}' have priority {rule.priority}; "
                                "each rule's priority is unique", ("rule", i, "priority"))
                priorities[rule.priority] = rule.name
        total = self.capacity()
        if total > MAX_CAPACITY:
            shown = ", ".join(f"{r.name} {r.capacity()}" for r in self.rule if r.capacity())
            yield Issue(f"the rules need {total:,} WCUs; a web ACL holds at most {MAX_CAPACITY:,} ({shown})", ("rule",),
                        help="drop a rule group, or split the protection across resources")
        for i, ref in enumerate(self.resources):
            yield from self._resource_issues(deref(graph, ref), ("resources", i))

    def _rule_issues(self, rule: WafRule, path: tuple, graph: Graph) -> Iterable[Issue]:
        found = [k for k in RULE_KINDS if getattr(rule, k) not in (None, [])]
        if len(found) != 1:
            what = "none" if not found else " and ".join(found)
            yield Issue(f"a rule has one of managed, rate_limit, ip_set or countries; rule '{rule.name}' has {what}",
                        path)
            return
        kind = found[0]
        if kind == "rate_limit" and isinstance(rule.rate_limit, int) and rule.rate_limit < MIN_RATE_LIMIT:
            yield Issue(f"a rate-based rule's limit is at least {MIN_RATE_LIMIT} requests per window, got "
                        f"{rule.rate_limit}", path + ("rate_limit",))
        if kind == "rate_limit" and isinstance(rule.window, v.Duration) and rule.window.seconds not in RATE_WINDOWS:
            yield Issue(f"a rate-based rule counts over {', '.join(RATE_WINDOWS.values())}, got {rule.window}",
                        path + ("window",))
        if kind == "managed" and rule.action != "block":
            yield Issue("a managed rule group keeps its own actions; watch it with override = count",
                        path + ("action",), help="override = count")
        if kind != "managed" and rule.override != "none":
            yield Issue("override is for managed rule groups; this rule has an action", path + ("override",))
        for j, code in enumerate(rule.countries):
            if isinstance(code, str) and not _COUNTRY.match(code):
                yield Issue(f"a country is a two-letter ISO 3166 code such as \"KP\", got '{code}'",
                            path + ("countries", j))
        ip_set = deref(graph, rule.ip_set) if kind == "ip_set" else None
        if ip_set is not None and ip_set.model.acl_scope != self.acl_scope:
            yield Issue(f"'{ip_set.address}' is a {ip_set.model.acl_scope} IP set; a {self.acl_scope} web ACL uses "
                        "IP sets of its own scope", path + ("ip_set",),
                        related=(Related(ip_set.address, ("scope",), "its scope"),))

    def _resource_issues(self, res: View | None, path: tuple) -> Iterable[Issue]:
        if res is None:
            return
        related = (Related(res.address, (), "the resource"),)
        if self.acl_scope == "CLOUDFRONT":
            yield Issue("a CLOUDFRONT web ACL protects distributions: set web_acl on the cloudfront block", path,
                        related=related)
        elif res.kind == "load_balancer" and res.model.type != "application":
            yield Issue(f"WAF works at layer 7: it protects Application Load Balancers, and '{res.address}' is a "
                        f"{res.model.type} load balancer (notes §23.6.2)", path, related=related,
                        help="put an ALB in front, or Global Accelerator with an ALB for fixed IPs")
        elif res.kind == "api_gateway" and res.model.protocol != "rest":
            yield Issue(f"WAF protects REST APIs' stages; '{res.address}' is a {res.model.protocol} API", path,
                        related=related)


class WafIpSet(Kind):
    """A WAF IP set: CIDRs (`addresses = [203.0.113.7/32]`) that a web ACL's `ip_set` rule
    blocks or allows (notes §26.3: block an address at the ALB). Of one scope and IP version."""

    kind: Literal["waf_ip_set"] = "waf_ip_set"
    title: ClassVar[str] = "WAF IP set"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "scope", "ip_version"})

    name: Str | None = None
    description: Str | None = None
    acl_scope: Scope = Field("REGIONAL", alias="scope")  # `scope` is a Kind ClassVar
    ip_version: Choice("IPV4", "IPV6", what="IP version") = "IPV4"
    addresses: list[Cidr] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"an IP set's name is 1–128 letters, digits, '_' and '-', got '{self.name}'", ("name",))
        if self.acl_scope == "CLOUDFRONT" and me.region not in (None, CLOUDFRONT_REGION):
            yield Issue(f"a CLOUDFRONT IP set is made in {CLOUDFRONT_REGION}; this one is declared in {me.region}",
                        ("scope",))
        if len(self.addresses) > MAX_ADDRESSES:
            yield Issue(f"an IP set holds at most {MAX_ADDRESSES:,} addresses, got {len(self.addresses):,}",
                        ("addresses",))
        want = 4 if self.ip_version == "IPV4" else 6
        for i, cidr in enumerate(self.addresses):
            net = getattr(cidr, "network", None)
            if not isinstance(net, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
                continue
            if net.version != want:
                yield Issue(f"{net} is an IPv{net.version} range in an {self.ip_version} set", ("addresses", i),
                            help=f"ip_version = IPV{net.version}, or a set of its own")
            elif net.prefixlen == 0:
                yield Issue(f"WAF IP sets take any range but /0, got {net}", ("addresses", i))
