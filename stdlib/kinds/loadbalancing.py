"""Elastic Load Balancing: load balancers with their listeners, and target groups (notes §6.2–6.3).

A load balancer is application (layer 7: HTTP, HTTPS), network (layer 4: TCP, UDP, TLS) or
gateway (layer 3: GENEVE on 6081). Each `listener NAME { ... }` block takes a port and a
protocol — both may be left out when the label or the port says them (`listener https`,
`port = 443` on an ALB) — and one default action: `forward` to a target group, an Auto Scaling
group or a list of instances, or (ALB) `redirect`. ALB listeners may carry `rule NAME { ... }`
blocks routing by path, host, header or query string.
"""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from archform.dsl import values as v
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, DurationRange, IntRange, Ip, ListOf, OneOf, Port, Ref, Str, Tags,
                                   dur)

LB_TYPES = ("application", "network", "gateway")
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "TLS", "TCP_UDP", "GENEVE")
PROTOCOLS_OF = {"application": ("HTTP", "HTTPS"), "network": ("TCP", "UDP", "TLS", "TCP_UDP"),
                "gateway": ("GENEVE",)}
DEFAULT_PORT = {"HTTP": 80, "HTTPS": 443, "GENEVE": 6081}
SECURE = ("HTTPS", "TLS")
# which target-group protocols a listener protocol can forward to
FORWARDS_TO = {"HTTP": ("HTTP", "HTTPS"), "HTTPS": ("HTTP", "HTTPS"), "TCP": ("TCP", "TCP_UDP"),
               "TLS": ("TCP", "TLS"), "UDP": ("UDP", "TCP_UDP"), "TCP_UDP": ("TCP_UDP",), "GENEVE": ("GENEVE",)}
RESERVED_COOKIES = ("AWSALB", "AWSALBAPP", "AWSALBTG")

Forward = OneOf(Ref["target_group", "autoscaling_group", "instance"], ListOf(Ref["instance"]),
                what="a target_group, an autoscaling_group or a list of instances")


def _one_or_many(x):
    return x if isinstance(x, (list, tuple)) else [x]


# --- listeners -------------------------------------------------------------------------------

class Redirect(Block):
    """An ALB redirect (`redirect = https` is short for `redirect { protocol = HTTPS }`)."""

    protocol: Choice("HTTP", "HTTPS", what="redirect protocol") = "HTTPS"
    port: Port = None
    host: Str = None
    path: Str = None
    status: Choice("301", "302", what="redirect status") = "301"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        return {"protocol": data} if isinstance(data, (str, v.Word)) else data

    @property
    def effective_port(self):
        return self.port if self.port is not None else DEFAULT_PORT[self.protocol]


class ListenerRule(Block):
    """An ALB listener rule: conditions on the request, and where matching requests go."""

    name: Str
    priority: IntRange(1, 50000, what="rule priority") = None
    path: list[Str] = Field(default_factory=list)
    host: list[Str] = Field(default_factory=list)
    header: dict[str, Str] = Field(default_factory=dict)
    query: dict[str, Str] = Field(default_factory=dict)
    forward: Forward = None
    redirect: Redirect = None

    @field_validator("path", "host", mode="before")
    @classmethod
    def _list(cls, x):
        return _one_or_many(x)


class Listener(Block):
    name: Str
    port: Port = None
    protocol: Choice(*PROTOCOLS, what="listener protocol") = None
    certificate: Ref["certificate"] = None
    sni_certificates: list[Ref["certificate"]] = Field(default_factory=list)
    ssl_policy: Str = None
    forward: Forward = None
    redirect: Redirect = None
    rule: list[ListenerRule] = Field(default_factory=list, validation_alias=AliasChoices("rule", "rules"))


def _fill_listener(listener: dict, lb_type: str) -> dict:
    """Protocol and port a listener leaves out: from its label, its port, or the type."""
    filled = dict(listener)
    if "protocol" not in filled:
        label = str(filled.get("name", "")).upper()
        if label in PROTOCOLS_OF[lb_type]:
            filled["protocol"] = label
        elif lb_type == "application":
            filled["protocol"] = "HTTPS" if filled.get("port") == 443 else "HTTP"
        else:
            filled["protocol"] = {"network": "TCP", "gateway": "GENEVE"}[lb_type]
    protocol = str(filled["protocol"]).upper()
    if "port" not in filled and protocol in DEFAULT_PORT:
        filled["port"] = DEFAULT_PORT[protocol]
    return filled


# --- load balancers --------------------------------------------------------------------------

class LoadBalancer(Kind):
    """An Elastic Load Balancer in one region, spread over subnets of one VPC (notes §6.2)."""

    kind: Literal["load_balancer"] = "load_balancer"
    noun: ClassVar[str] = "load balancer"
    title: ClassVar[str] = "Elastic Load Balancer"
    family: ClassVar[str] = "loadbalancing"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "dns_name": "string",
                                         "zone_id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"type", "internal"})

    type: Choice(*LB_TYPES, what="load balancer type") = "application"
    internal: Bool = False
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    cross_zone: Bool = None  # default by type: on for application, off for network and gateway
    listener: list[Listener] = Field(default_factory=list)
    deletion_protection: Bool = False
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        """Defaults that depend on the type: cross_zone (on for ALB, off for NLB and GWLB, notes
        §6.2.7) and each listener's protocol and port."""
        if not isinstance(data, dict):
            return data
        lb_type = str(data.get("type", "application")).lower()
        if lb_type not in PROTOCOLS_OF:
            return data
        if "cross_zone" not in data:
            data = {**data, "cross_zone": lb_type == "application"}
        if "listener" in data:
            items = data["listener"]
            filled = [_fill_listener(x, lb_type) if isinstance(x, dict) else x for x in _one_or_many(items)]
            data = {**data, "listener": filled if isinstance(items, (list, tuple)) else filled[0]}
        return data

    @property
    def cross_zone_enabled(self) -> bool:
        """On by default for ALB (always, notes §6.2.7), off for NLB and GWLB."""
        return self.cross_zone if self.cross_zone is not None else self.type == "application"

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.type == "gateway" and self.security_groups:
            yield Issue("a gateway load balancer has no security groups", ("security_groups",),
                        help="control traffic with the appliances' own security groups")
        if self.type == "application" and self.cross_zone is False:
            yield Issue("cross-zone load balancing is always on for an application load balancer",
                        ("cross_zone",), help="turn it off per target group instead: cross_zone = false there")
        yield from self._subnets(me, graph)
        yield from self._listeners(me, graph)

    def _subnets(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a load balancer needs subnets to place its nodes in", ("subnets",))
            return
        zones: dict[str, str] = {}
        vpcs: dict[str, str] = {}
        for i, ref in enumerate(self.subnets):
            s = deref(graph, ref)
            if s is None:
                continue
            az = s.get("az")
            if az in zones:
                yield Issue(f"a load balancer takes one subnet per Availability Zone; '{s.address}' and "
                            f"'{zones[az]}' are both in {az}", ("subnets", i),
                            related=(Related(zones[az], ("az",), f"also in {az}"),))
            zones.setdefault(az, s.address)
            vpc = getattr(s.get("vpc"), "address", None)
            if vpc:
                vpcs.setdefault(vpc, s.address)
            if not self.internal and self.type != "gateway" and s.get("public") is False:
                yield Issue(f"an internet-facing load balancer in private subnet '{s.address}' cannot be reached "
                            f"from the internet", ("subnets", i), severity="warning",
                            help="use public subnets, or set internal = true")
        if len(vpcs) > 1:
            yield Issue(f"a load balancer's subnets are all in one VPC, these are in {len(vpcs)}: "
                        + ", ".join(sorted(vpcs)), ("subnets",))
        if self.type == "application" and 0 < len(zones) < 2:
            yield Issue("an application load balancer needs subnets in at least two Availability Zones",
                        ("subnets",), help="add a subnet of another AZ")

    def vpc_address(self, graph: Graph) -> str | None:
        for ref in self.subnets:
            s = deref(graph, ref)
            if s is not None and isinstance(s.get("vpc"), v.ResourceRef):
                return s.get("vpc").address
        return None

    def _listeners(self, me: View, graph: Graph) -> Iterable[Issue]:
        ports: dict = {}
        for i, listener in enumerate(self.listener):
            path = ("listener", i)
            if listener.port in ports:
                yield Issue(f"listeners '{ports[listener.port]}' and '{listener.name}' both use port {listener.port}; "
                            f"a port has one listener", path + ("port",))
            ports.setdefault(listener.port, listener.name)
            yield from self._listener(me, graph, listener, path)

    def _listener(self, me: View, graph: Graph, listener: Listener, path: tuple) -> Iterable[Issue]:
        allowed = PROTOCOLS_OF[self.type]
        protocol = listener.protocol
        if protocol not in allowed:
            yield Issue(f"{_a(self.type)} load balancer listens on {' or '.join(allowed)}, not {protocol}",
                        path + ("protocol",))
        if listener.port is None:
            yield Issue(f"listener '{listener.name}' needs a port", path + ("port",))
        if self.type == "gateway" and listener.port not in (None, 6081):
            yield Issue(f"a gateway load balancer uses GENEVE on port 6081, not {listener.port}", path + ("port",))
        if protocol in allowed:
            yield from self._tls(me, graph, listener, path)
        yield from _action(listener, path, "listener")
        if listener.forward is not None:
            yield from self._forward(me, graph, listener.forward, protocol, path + ("forward",))
        yield from self._redirect(listener, listener.redirect, path)
        if listener.rule and self.type != "application":
            yield Issue("listener rules route HTTP requests; only application load balancers have them",
                        path + ("rule",))
        priorities: dict = {}
        for j, rule in enumerate(listener.rule):
            rpath = path + ("rule", j)
            if rule.priority is not None and rule.priority in priorities:
                yield Issue(f"rules '{priorities[rule.priority]}' and '{rule.name}' of listener '{listener.name}' "
                            f"share priority {rule.priority}", rpath + ("priority",))
            priorities.setdefault(rule.priority, rule.name)
            if not (rule.path or rule.host or rule.header or rule.query):
                yield Issue(f"rule '{rule.name}' needs a condition: path, host, header or query", rpath)
            yield from _action(rule, rpath, "rule")
            if rule.forward is not None:
                yield from self._forward(me, graph, rule.forward, protocol, rpath + ("forward",))
            yield from self._redirect(listener, rule.redirect, rpath)

    def _tls(self, me: View, graph: Graph, listener: Listener, path: tuple) -> Iterable[Issue]:
        if listener.protocol in SECURE and listener.certificate is None:
            yield Issue(f"{_a(listener.protocol)} listener needs a certificate (notes §6.3)", path + ("certificate",),
                        help="certificate = an ACM certificate in this region")
        if listener.protocol not in SECURE:
            for attr in ("certificate", "sni_certificates", "ssl_policy"):
                if getattr(listener, attr) not in (None, []):
                    yield Issue(f"{attr} belongs to HTTPS and TLS listeners, not {listener.protocol}", path + (attr,))
        for attr, refs in (("certificate", [listener.certificate]), ("sni_certificates", listener.sni_certificates)):
            for ref in refs:
                cert = deref(graph, ref)
                if cert is not None and me.region and cert.region and cert.region != me.region:
                    yield Issue(f"ACM certificates are regional: '{cert.address}' is in {cert.region}, the load "
                                f"balancer in {me.region}", path + (attr,),
                                related=(Related(cert.address, (), f"certificate in {cert.region}"),),
                                help=f"request a certificate in {me.region}")

    def _forward(self, me: View, graph: Graph, forward, protocol: str, path: tuple) -> Iterable[Issue]:
        if not isinstance(forward, v.ResourceRef) or forward.kind != "target_group":
            return
        tg = deref(graph, forward)
        if tg is None:
            return
        related = (Related(tg.address, (), "target group declared here"),)
        m = tg.model
        if m.target_type == "lambda" and self.type != "application":
            yield Issue("only an application load balancer can forward to a Lambda target group", path,
                        related=related)
        elif m.target_type == "alb" and self.type != "network":
            yield Issue("only a network load balancer can forward to a target group of application load balancers",
                        path, related=related)
        elif isinstance(m.protocol, str) and protocol in FORWARDS_TO and m.protocol not in FORWARDS_TO[protocol]:
            yield Issue(f"{_a(protocol)} listener cannot forward to {m.protocol} target group '{tg.address}'", path,
                        related=(Related(tg.address, ("protocol",), f"{m.protocol} here"),),
                        help=f"use a target group of protocol {' or '.join(FORWARDS_TO[protocol])}")
        mine = self.vpc_address(graph)
        theirs = getattr(m.vpc, "address", None)
        if mine and theirs and mine != theirs:
            yield Issue(f"target group '{tg.address}' is in VPC '{theirs}', the load balancer in '{mine}'", path,
                        related=(Related(tg.address, ("vpc",), "its VPC"),))

    def _redirect(self, listener: Listener, redirect: Redirect | None, path: tuple) -> Iterable[Issue]:
        if redirect is None:
            return
        if self.type != "application":
            yield Issue("only application load balancers redirect", path + ("redirect",))
        elif (redirect.protocol == listener.protocol and redirect.effective_port == listener.port
              and redirect.host is None and redirect.path is None):
            yield Issue(f"this redirect sends {listener.protocol} port {listener.port} to itself, a loop",
                        path + ("redirect",), help="redirect = https sends HTTP on 80 to HTTPS on 443")


def _a(word: str) -> str:
    """The indefinite article and the word: "an HTTPS", "a TCP", "an application"."""
    spelled = word.isupper() or word in ("http", "https", "tcp", "udp", "tls")  # read letter by letter
    an = word[0].upper() in "AEFHILMNORSX" if spelled else word[0].lower() in "aeiou"
    return f"{'an' if an else 'a'} {word}"


def _action(block, path: tuple, what: str) -> Iterable[Issue]:
    chosen = [a for a in ("forward", "redirect") if getattr(block, a) is not None]
    if not chosen:
        yield Issue(f"{what} '{block.name}' needs an action: forward or redirect", path)
    elif len(chosen) > 1:
        yield Issue(f"{what} '{block.name}' has one action: forward or redirect, not both", path + ("redirect",))


# --- target groups ---------------------------------------------------------------------------

class TargetHealthCheck(Block):
    """How the load balancer probes targets (notes §6.2.1: a port and a route, 200 when healthy)."""

    path: Str = None
    port: OneOf(Port, Choice("traffic_port"), what="a port or traffic_port") = "traffic_port"
    protocol: Choice("HTTP", "HTTPS", "TCP", what="health check protocol") = None
    interval: DurationRange("5s", "300s", what="health check interval") = dur("30s")
    timeout: DurationRange("2s", "120s", what="health check timeout") = None
    healthy_threshold: IntRange(2, 10, what="healthy_threshold") = 5
    unhealthy_threshold: IntRange(2, 10, what="unhealthy_threshold") = 2
    matcher: Str = None
    enabled: Bool = True


class Stickiness(Block):
    """Sticky sessions (notes §6.2.6): a load-balancer cookie, an application cookie, or the
    client's IP address (network load balancers)."""

    type: Choice("lb_cookie", "app_cookie", "source_ip", what="stickiness type") = "lb_cookie"
    duration: DurationRange("1s", "7d", what="stickiness duration") = dur("1d")
    cookie_name: Str = None
    enabled: Bool = True


Target = OneOf(Ref["instance", "load_balancer"], Ip, what="an instance, a load balancer or an IP address")


class TargetGroup(Kind):
    """Targets a load balancer forwards to, with their health check (notes §6.2.3–6.2.8)."""

    kind: Literal["target_group"] = "target_group"
    title: ClassVar[str] = "Target group"
    family: ClassVar[str] = "loadbalancing"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "port", "protocol", "target_type"})

    vpc: Ref["vpc"] = None
    port: Port = None
    protocol: Choice(*PROTOCOLS, what="target group protocol") = None
    target_type: Choice("instance", "ip", "lambda", "alb", what="target type") = "instance"
    health_check: TargetHealthCheck = Field(default_factory=TargetHealthCheck)
    deregistration_delay: DurationRange("0s", "3600s", what="deregistration_delay") = dur("300s")
    stickiness: Stickiness = None
    cross_zone: Bool = None
    targets: list[Target] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    @property
    def health_protocol(self) -> str:
        if self.health_check.protocol is not None:
            return self.health_check.protocol
        return self.protocol if self.protocol in ("HTTP", "HTTPS") else "TCP"

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.target_type == "lambda":
            for attr in ("vpc", "port", "protocol"):
                if getattr(self, attr) is not None:
                    yield Issue(f"a Lambda target group has no {attr}", (attr,))
        else:
            for attr in ("vpc", "port", "protocol"):
                if getattr(self, attr) is None:
                    yield Issue(f"a target group of {self.target_type} targets needs {attr}", (attr,))
        if self.protocol == "GENEVE" and self.port not in (None, 6081):
            yield Issue(f"a GENEVE target group uses port 6081, not {self.port}", ("port",))
        if self.target_type == "alb" and self.protocol not in (None, "TCP"):
            yield Issue(f"a target group of application load balancers uses TCP, not {self.protocol}", ("protocol",))
        yield from self._health()
        yield from self._stickiness()
        yield from self._targets(graph)

    def _health(self) -> Iterable[Issue]:
        hc = self.health_check
        http = self.health_protocol in ("HTTP", "HTTPS")
        if not http:
            for attr in ("path", "matcher"):
                if getattr(hc, attr) is not None:
                    yield Issue(f"{_a(self.health_protocol)} health check has no {attr}; it only opens a connection",
                                ("health_check", attr))
        if isinstance(hc.path, str) and not hc.path.startswith("/"):
            yield Issue(f"a health check path starts with '/', got {hc.path!r}", ("health_check", "path"))
        if (isinstance(hc.timeout, v.Duration) and isinstance(hc.interval, v.Duration)
                and hc.timeout.seconds >= hc.interval.seconds):
            yield Issue(f"the health check timeout ({hc.timeout}) must be shorter than its interval ({hc.interval})",
                        ("health_check", "timeout"))

    def _stickiness(self) -> Iterable[Issue]:
        s = self.stickiness
        if s is None:
            return
        if s.type in ("lb_cookie", "app_cookie") and self.protocol not in (None, "HTTP", "HTTPS"):
            yield Issue(f"cookie stickiness needs an HTTP or HTTPS target group (an ALB's); for {self.protocol} use "
                        f"type = source_ip", ("stickiness", "type"))
        if s.type == "source_ip" and self.protocol in ("HTTP", "HTTPS"):
            yield Issue("source_ip stickiness is for network load balancers; an ALB uses cookies",
                        ("stickiness", "type"))
        if s.type == "app_cookie" and s.cookie_name is None:
            yield Issue("app_cookie stickiness needs cookie_name: the cookie your application sets",
                        ("stickiness", "cookie_name"))
        if s.type != "app_cookie" and s.cookie_name is not None:
            yield Issue("only app_cookie stickiness takes a cookie_name (the load balancer's own cookie is AWSALB)",
                        ("stickiness", "cookie_name"))
        if s.cookie_name in RESERVED_COOKIES:
            yield Issue(f"the cookie name {s.cookie_name} is reserved by the load balancer (AWSALB, AWSALBAPP, "
                        f"AWSALBTG)", ("stickiness", "cookie_name"))

    def _targets(self, graph: Graph) -> Iterable[Issue]:
        want = {"instance": "instance", "alb": "load_balancer"}.get(self.target_type)
        for i, t in enumerate(self.targets):
            if isinstance(t, v.ResourceRef) and t.kind != want:
                yield Issue(f"a target group of {self.target_type} targets cannot hold {t.kind} '{t.address}'",
                            ("targets", i))
            elif isinstance(t, v.Ip) and self.target_type != "ip":
                yield Issue(f"an IP address target needs target_type = ip, this group's is {self.target_type}",
                            ("targets", i))
            elif isinstance(t, v.Ip) and t.address.is_global:
                yield Issue(f"IP targets are private addresses (of the VPC or peered networks), not {t}", ("targets", i))
            elif isinstance(t, v.ResourceRef) and t.kind == "load_balancer":
                lb = deref(graph, t)
                if lb is not None and lb.get("type") != "application":
                    yield Issue(f"an alb target group holds application load balancers; '{lb.address}' is "
                                f"{lb.get('type')}", ("targets", i))
        if self.target_type == "alb" and len(self.targets) > 1:
            yield Issue("a target group of application load balancers holds one load balancer", ("targets",))
