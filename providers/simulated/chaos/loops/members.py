"""Faults on one member of a resource (`--fail ADDRESS[/PART]`) that outlive a failover: the
fault ends on the member it hit, whatever role that member has taken since (the standby that
was promoted is not the one to mend)."""

from __future__ import annotations

from typing import Callable, TypeVar

M = TypeVar("M")


def hit_member(faulted: dict, key, up: bool, pick: Callable[[], M | None]) -> M | None:
    """At a fault's start, `pick()` (the member named by the part, or the active one), remembered
    under `key`; at its end, the member that start hit."""
    if up:
        hit = faulted.get(key) or []
        return hit.pop() if hit else None
    member = pick()
    if member is not None:
        faulted.setdefault(key, []).append(member)
    return member
