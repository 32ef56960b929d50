"""What each kind supports beyond the language, registered by the layers that provide it.

The language owns a kind's model (`stdlib/kinds/`). Everything else a kind can do is a facet
that another layer provides and registers here against the kind's name:

    @provides("failures", "autoscaling_group")      # providers/simulated/chaos/loops/asg.py
    class Asg(Loop): ...

    register("cloudformation", "vpc", vpc_mapper)   # providers/cloudformation/mapping/

This module imports nothing above the catalogue: the registry fills as the providers and views
are imported. `archform kinds --matrix` imports them all and shows the table; a test walks
every kind × facet and names what is missing (tests/stdlib/test_facets.py).
"""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")

# facet → what a kind that has it gets (the matrix's legend)
FACETS: dict[str, str] = {
    "modeled": "the modeled cloud gives it behaviour of its own (ids, endpoints, AWS's refusals), "
               "not only storage",
    "failures": "chaos runs model how it fails and how it recovers",
    "cloudformation": "`archform cfn` maps it to AWS::* resources",
    "diagram": "diagrams draw it in its category's style",
}

_REGISTRY: dict[str, dict[str, object]] = {facet: {} for facet in FACETS}


def _name(kind) -> str:
    return kind if isinstance(kind, str) else kind.kind_name()


def register(facet: str, kind, implementation: object) -> None:
    """Record that `implementation` provides `facet` for `kind` (a name or a Kind class)."""
    if facet not in _REGISTRY:
        raise ValueError(f"unknown facet '{facet}': one of {', '.join(FACETS)}")
    name = _name(kind)
    known = _REGISTRY[facet].get(name)
    if known is not None and known is not implementation:
        raise ValueError(f"{name} has two {facet} implementations: {known!r} and {implementation!r}")
    _REGISTRY[facet][name] = implementation


def provides(facet: str, *kinds) -> Callable[[T], T]:
    """A decorator: the class or function provides `facet` for these kinds."""
    def mark(implementation: T) -> T:
        for kind in kinds:
            register(facet, kind, implementation)
        return implementation
    return mark


def provided(facet: str) -> dict[str, object]:
    """kind name → what provides `facet` for it (as registered so far)."""
    return dict(_REGISTRY[facet])


def matrix(kinds) -> list[tuple[str, dict[str, bool]]]:
    """(kind, {facet: provided}) for each kind, in the order given."""
    return [(k, {facet: k in _REGISTRY[facet] for facet in FACETS}) for k in kinds]
