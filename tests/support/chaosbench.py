"""Chaos runs for tests: apply an architecture to a fresh modeled cloud and run faults on it.

    doc = chaos("aurora_quorum.arch", "az:us-east-1a", at=60, duration=1200)
    events(doc, "aurora.failover_complete")   # the timeline entries of one kind
    service(doc, "primary.orders")            # one service's summary and series
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from archform.planner.rehearsal import fresh_cloud
from archform.providers.simulated.chaos import run
from archform.providers.simulated.chaos.faults import FaultSpec

CASES = Path(__file__).resolve().parents[1] / "providers" / "chaos_cases"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def chaos(arch: str, *fails, at: float = 60.0, duration: float = 1800.0, seed: int = 0, params=None,
          lengths: dict | None = None) -> dict:
    """Faults are domains (all at `at`, until the end unless `lengths[domain]` says how long),
    or FaultSpecs."""
    path = CASES / arch if (CASES / arch).exists() else EXAMPLES / arch
    specs = [f if isinstance(f, FaultSpec) else FaultSpec(f, at, (lengths or {}).get(f)) for f in fails]
    with tempfile.TemporaryDirectory() as folder:
        cloud, problems = fresh_cloud(path, params or {}, seed, folder)
        assert cloud is not None, problems
        try:
            return run(cloud.store, specs, seed=seed, duration=duration, architecture=path.name)
        finally:
            cloud.close()


def events(doc: dict, event: str, subject: str | None = None) -> list[dict]:
    return [e for e in doc["timeline"] if e["event"] == event and (subject is None or e["subject"] == subject)]


def service(doc: dict, address: str, facet: str | None = None) -> dict:
    return next(s for s in doc["services"] if s["address"] == address and s["facet"] == facet)


def value_at(svc: dict, t: float) -> tuple[float, float]:
    """(served, capacity) of a service at virtual time t."""
    found = (1.0, svc["nominal_capacity"])
    for p in svc["series"]:
        if p[0] > t:
            break
        found = (p[1], p[2])
    return found
