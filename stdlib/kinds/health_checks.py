"""Route 53 health checks: endpoint (HTTP, HTTPS, TCP) and calculated checks, checked from
several regions (notes §13.4)."""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.dns import Domain, article
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, Choice, DurationRange, Int, IntRange, Ip, OneOf, Port, Ref, Region, Str,
                                   Tags, Validated, dur, fail, validator_of)


# The regions Route 53 health checkers run from (Route 53 API, HealthCheckRegion).
CHECKER_REGIONS = ("us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
                   "ap-northeast-1", "sa-east-1")


HEALTH_TARGET_KINDS = ("load_balancer", "instance", "elastic_ip", "cloudfront", "global_accelerator")


def _interval(x):
    d = validator_of(DurationRange())(x)
    if isinstance(d, v.Duration) and d.seconds not in (10, 30):
        raise fail(f"a health check interval is 30s (standard) or 10s (fast), got {d}")
    return d


Interval = Validated(_interval)
HealthTarget = OneOf(Ref["*"], Ip, Domain, what="a resource, an IP address or a domain name")


class HealthCheck(Kind):
    """A Route 53 health check (notes §8.4): an endpoint, other checks, or a CloudWatch alarm.

    About 15 checkers probe the endpoint; it is healthy when more than 18% of them see it healthy
    (behaviour of the modeled cloud, not configuration)."""

    kind: Literal["health_check"] = "health_check"
    noun: ClassVar[str] = "Route 53 health check"
    title: ClassVar[str] = "Route 53 health check"
    family: ClassVar[str] = "dns"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"type", "interval"})

    type: Choice("http", "https", "tcp", "calculated", "cloudwatch_alarm", what="health check type") = "http"
    target: HealthTarget = None
    path: Str = None
    port: Port = None
    search_string: Str = None
    interval: Interval = dur("30s")
    failure_threshold: IntRange(1, 10, what="failure_threshold") = 3
    regions: list[Region] = Field(default_factory=list)
    child_checks: list[Ref["health_check"]] = Field(default_factory=list, alias="children")  # `children` is a Kind ClassVar
    min_healthy: Int = None
    alarm: OneOf(Ref["cloudwatch_alarm"], Str, what="a CloudWatch alarm: a cloudwatch_alarm, or an alarm's name") = None
    alarm_region: Region = None
    insufficient_data: Choice("healthy", "unhealthy", "last_known_status", what="insufficient-data status") = \
        "last_known_status"
    invert: Bool = False
    tags: Tags = Field(default_factory=dict)

    @property
    def effective_port(self):
        if self.port is not None:
            return self.port
        return {"http": 80, "https": 443}.get(self.type)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._shape()
        yield from self._target(graph)
        if self.regions:
            for i, r in enumerate(self.regions):
                if isinstance(r, str) and r not in CHECKER_REGIONS:
                    yield Issue(f"Route 53 has no health checkers in {r}", ("regions", i),
                                help="checker regions: " + ", ".join(CHECKER_REGIONS))
            if len(set(self.regions)) < 3:
                yield Issue(f"a health check that names its regions needs at least 3, got {len(set(self.regions))}",
                            ("regions",), help="or leave regions out to use all checker regions")
        for i, child in enumerate(self.child_checks):
            if child.address == me.address:
                yield Issue("a calculated health check cannot monitor itself", ("children", i))
        alarm = deref(graph, self.alarm) if self.type == "cloudwatch_alarm" else None
        if alarm is not None and self.alarm_region is not None and alarm.region != self.alarm_region:
            yield Issue(f"alarm '{alarm.address}' is in {alarm.region}, not {self.alarm_region}", ("alarm_region",),
                        related=(Related(alarm.address, (), "the alarm"),),
                        help="remove alarm_region: the alarm's region is known")

    def _shape(self) -> Iterable[Issue]:
        endpoint = self.type in ("http", "https", "tcp")
        if endpoint and self.target is None:
            yield Issue(f"{article(self.type)} health check needs a target: a resource, an IP address or a domain name",
                        ("target",))
        if not endpoint:
            for attr in ("target", "path", "port", "search_string"):
                if getattr(self, attr) is not None:
                    yield Issue(f"{attr} belongs to endpoint health checks, not to a {self.type} one", (attr,))
        if self.type == "tcp":
            if self.port is None:
                yield Issue("a tcp health check needs a port", ("port",))
            for attr in ("path", "search_string"):
                if getattr(self, attr) is not None:
                    yield Issue(f"a tcp health check only opens a connection; {attr} needs type http or https",
                                (attr,))
        if self.path is not None and isinstance(self.path, str) and not self.path.startswith("/"):
            yield Issue(f"a health check path starts with '/', got {self.path!r}", ("path",))
        if self.search_string is not None and isinstance(self.search_string, str) and len(self.search_string) > 255:
            yield Issue("search_string has at most 255 characters (it is looked for in the first 5120 bytes "
                        "of the response)", ("search_string",))
        if self.type == "calculated":
            if not self.child_checks:
                yield Issue("a calculated health check needs children: the health checks it combines",
                            ("children",))
            if len(self.child_checks) > 256:
                yield Issue(f"a calculated health check combines at most 256 children, got {len(self.child_checks)}",
                            ("children",))
            if isinstance(self.min_healthy, int) and not (0 <= self.min_healthy <= len(self.child_checks)):
                yield Issue(f"min_healthy must be between 0 and the number of children ({len(self.child_checks)}), "
                            f"got {self.min_healthy}", ("min_healthy",))
        else:
            for attr, shown in (("child_checks", "children"), ("min_healthy", "min_healthy")):
                if getattr(self, attr) not in (None, []):
                    yield Issue(f"{shown} belongs to calculated health checks (type = calculated)", (shown,))
        if self.type == "cloudwatch_alarm":
            if self.alarm is None:
                yield Issue("a cloudwatch_alarm health check needs alarm: the name of the CloudWatch alarm",
                            ("alarm",))

        elif self.alarm is not None or self.alarm_region is not None:
            yield Issue("alarm belongs to health checks of type cloudwatch_alarm", ("alarm",))

    def _target(self, graph: Graph) -> Iterable[Issue]:
        t = self.target
        if isinstance(t, v.ResourceRef):
            if t.kind not in HEALTH_TARGET_KINDS:
                yield Issue(f"a health check probes an endpoint; a {t.kind} is not one", ("target",),
                            help="targets: " + ", ".join(HEALTH_TARGET_KINDS) + ", an IP address or a domain name")
                return
            view = deref(graph, t)
            if view is not None and t.kind == "load_balancer" and view.get("internal") is True:
                yield Issue(f"Route 53 health checkers run outside your VPCs and cannot reach internal load "
                            f"balancer '{view.address}'", ("target",),
                            related=(Related(view.address, ("internal",), "internal here"),),
                            help="for a private resource, use type = cloudwatch_alarm (notes §8.4)")
        elif isinstance(t, v.Ip) and t.address.is_private:
            yield Issue(f"Route 53 health checkers run on the internet and cannot reach the private address {t}",
                        ("target",), help="for a private resource, use type = cloudwatch_alarm (notes §8.4)")
