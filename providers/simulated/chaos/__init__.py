"""The failure engine of the modeled cloud: break an applied architecture on purpose and
measure what it survives.

A discrete-event simulation on a virtual clock (nothing sleeps): `events.py` is the clock, the
queue, the seeded random streams and the timeline. `world.py` loads what the modeled cloud
holds (records, hosts, placements) and propagates faults; `loops/` hold one control loop per
service family — EC2 instances on hosts, load-balancer target health, Auto Scaling, RDS,
Aurora, ElastiCache, NAT and egress, storage, Route 53, DR runbooks — each reacting on its own
clock with the timings of `figures.py`. `traffic.py` routes the load, `measure.py` keeps each
service's served fraction and capacity over time and the data lost, `faults.py` parses and
applies `--fail` domains, `report.py` writes the report (providers/simulated/chaos/README.md) and `engine.py` runs
it all.
"""

from __future__ import annotations


def run(store, specs, seed: int = 0, duration: float = 3600.0, architecture: str | None = None, reach=None) -> dict:
    from .engine import run as _run
    return _run(store, specs, seed, duration, architecture, reach)
