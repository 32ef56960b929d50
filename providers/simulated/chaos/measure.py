"""What the run measures: per service, the fraction of requests it served and its capacity,
as step functions of virtual time; the data lost; what failed over where.

A service is anything users depend on (a load balancer's answers, a DNS name, a database's
writes, a subnet's way out to the internet…). Its loop gives it a `sample()` returning
(served fraction 0–1, capacity in its own unit). The engine samples after every instant in
which something observable changed (`World.dirty`), and keeps a point only when the value
moved, so the series are exact step functions at event resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Service:
    key: str  # the address (plus a part: "primary.orders:writes")
    kind: str  # the catalogue kind behind it
    region: str | None
    measure: str  # what "served" means: "requests answered", "writes accepted", "egress"…
    unit: str  # what capacity counts: "healthy targets", "instances", "writable copies"…
    nominal: float  # capacity when nothing is wrong: what the first sample (t = 0) finds
    sample: Callable[[], tuple[float, float]]
    points: list = field(default_factory=list)  # [t, served, capacity], a point where either changed
    records: tuple = ()  # a DNS name: the addresses of its records

    def record(self, t: float):
        served, capacity = self.sample()
        served = round(min(1.0, max(0.0, served)), 6)
        capacity = round(capacity, 3)
        if not self.points:
            self.nominal = capacity
        if self.points and self.points[-1][1] == served and self.points[-1][2] == capacity:
            return
        if self.points and self.points[-1][0] == t:
            self.points[-1] = [t, served, capacity]
            if len(self.points) > 1 and self.points[-2][1:] == self.points[-1][1:]:
                self.points.pop()
            return
        self.points.append([t, served, capacity])

    def value_at(self, t: float) -> tuple[float, float]:
        found = (1.0, self.nominal)
        for p in self.points:
            if p[0] > t:
                break
            found = (p[1], p[2])
        return found

    def summary(self, duration: float) -> dict:
        """Served fraction over the run (time-weighted), time below full service, time at zero."""
        served_area = degraded = outage = 0.0
        pts = self.points or [[0.0, 1.0, self.nominal]]
        for i, (t, served, _) in enumerate(pts):
            end = pts[i + 1][0] if i + 1 < len(pts) else duration
            width = max(0.0, min(end, duration) - t)
            served_area += served * width
            if served < 0.999:
                degraded += width
            if served <= 0.0:
                outage += width
        return {"served_fraction": round(served_area / duration, 6) if duration else 1.0,
                "degraded_seconds": round(degraded, 1), "outage_seconds": round(outage, 1),
                "min_served": min(p[1] for p in pts), "min_capacity": min(p[2] for p in pts)}


@dataclass
class Loss:
    t: float
    resource: str
    what: str
    seconds: float | None = None  # writes lost, as a window of time (the RPO view)
    fraction: float | None = None  # share of the data lost (a cache shard, an instance store)
    gigabytes: float | None = None
    fault: str | None = None


@dataclass
class Failover:
    t: float
    resource: str
    what: str  # "writer", "primary", "dns", "region", …
    source: str | None  # an AZ or region
    target: str | None
    fault: str | None = None


class Ledger:
    """Data lost and failovers, attributed to the fault that caused them."""

    def __init__(self):
        self.losses: list[Loss] = []
        self.failovers: list[Failover] = []
        self.current_fault: str | None = None

    def lost(self, t: float, resource: str, what: str, *, seconds=None, fraction=None, gigabytes=None):
        self.losses.append(Loss(t, resource, what, seconds, fraction, gigabytes, self.current_fault))

    def failed_over(self, t: float, resource: str, what: str, source, target):
        self.failovers.append(Failover(t, resource, what, source, target, self.current_fault))
