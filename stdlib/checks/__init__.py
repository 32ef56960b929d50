"""The check pack of `archform check`: security, reliability and cost rules over the resolved
architecture, before anything exists.

A rule is a function of the typed graph (the view the catalogue's own checks receive) that
yields `(address, path, message)` for each place it finds; `@rule` gives it a stable id
(`AF-SEC-001`…), a severity (high, medium, low), where the advice comes from (the notes' section
or AWS's guidance), the Checkov ids that check the same thing in a CloudFormation template (so a
team's suppressions map across), and the fix. One module per category: `security`,
`reliability`, `cost`. Pure: no I/O, and the same graph always gives the same findings, sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

SEVERITIES = ("high", "medium", "low")  # a threshold includes the ones before it


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    category: str  # security | reliability | cost
    title: str
    source: str  # the notes' section or AWS's guidance it comes from
    fix: str
    checkov: tuple[str, ...] = ()
    fn: Callable = field(default=lambda graph: (), compare=False, repr=False)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    address: str
    path: tuple
    message: str

    def sort_key(self):
        return (self.address, self.rule.id, tuple(str(p) for p in self.path), self.message)


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, title: str, source: str, fix: str, checkov: tuple[str, ...] = ()):
    """Register the decorated function as rule `id` (`AF-SEC-…`, `AF-REL-…`, `AF-COST-…`)."""
    assert severity in SEVERITIES, severity
    category = {"SEC": "security", "REL": "reliability", "COST": "cost"}[id.split("-")[1]]

    def register(fn: Callable[..., Iterable[tuple[str, tuple, str]]]):
        assert id not in RULES, f"rule {id} is registered twice"
        RULES[id] = Rule(id, severity, category, title, source, fix, tuple(checkov), fn)
        return fn
    return register


def run(graph) -> list[Finding]:
    """Every finding of every rule, sorted by resource then rule."""
    _load()
    found = [Finding(r, address, tuple(path), message)
             for r in RULES.values() for address, path, message in r.fn(graph)]
    return sorted(found, key=Finding.sort_key)


def rules() -> list[Rule]:
    _load()
    return sorted(RULES.values(), key=lambda r: r.id)


def _load():
    from . import cost, reliability, security  # noqa: F401  # registering is importing
