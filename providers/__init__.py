"""Where plans go. A provider implements the small interface of `providers.base`; the planner
opens one by name and knows nothing else about it."""

from __future__ import annotations


def open_provider(name: str = "simulated", **options):
    """The provider called `name`, opened with its options (e.g. `cloud=` for the modeled cloud)."""
    if name == "simulated":
        from archform.providers.simulated import open_cloud
        return open_cloud(options.get("cloud"))
    raise ValueError(f"unknown provider '{name}' (available: simulated)")
