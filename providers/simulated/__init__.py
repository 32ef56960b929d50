"""The modeled cloud: a simulated AWS that keeps its resources in its own SQLite store.

- `store.py` — the database (one transaction per operation, WAL, safe across threads and a
  killed process) and its records.
- `ids.py`, `addressing.py`, `endpoints.py` — AWS-shaped ids, ARNs and names from a seeded
  counter; private addresses from subnets (the five reserved skipped) and public ones from
  the documentation ranges; DNS names, endpoints and hosted-zone ids.
- `attributes.py` — what the catalogue says: reference sites, defaults, `force_new`.
- `operation.py` — one operation in progress (reference checks, owned records, addresses).
- `behaviours/` — what each kind does and refuses, one module per service family.
- `provider.py` — `SimulatedCloud`, the `Provider` interface.
- `console.py` — changes behind archform's back (the `archform sim` commands).
"""

from __future__ import annotations


def open_cloud(path=None, **options):
    """The modeled cloud at `path` (default `$ARCHFORM_CLOUD` or `.archform/cloud.db`)."""
    from .provider import SimulatedCloud
    return SimulatedCloud(path, **options)


def __getattr__(name):
    if name == "SimulatedCloud":
        from .provider import SimulatedCloud
        return SimulatedCloud
    raise AttributeError(name)
