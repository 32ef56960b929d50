"""The check pack of `archform check`: security, reliability and cost rules over the resolved
architecture, before anything exists.

A rule is a function of the typed graph (the view the catalogue's own checks receive) that
yields `(address, path, message)` for each place it finds — or `(address, path, message, key)`,
`key` naming what it found on that resource in words that do not shift when the file changes
(`ingress:tcp:22-22:0.0.0.0/0:22`), for the SARIF fingerprint. A finding about the account or a
region rather than one resource has the address "" and the path `("region", name)`; `@rule` gives it a stable id
(`AF-SEC-001`…), a severity (high, medium, low), where the advice comes from (the notes' section
or AWS's guidance), the Checkov ids that check the same thing in a CloudFormation template (so a
team's suppressions map across), and the fix. One module per category: `security`,
`reliability`, `cost`. Pure: no I/O, and the same graph always gives the same findings, sorted.

Organisations add their own rules as a plugin: a Python package that declares an entry point in
the group `archform.rules` naming a module whose functions are decorated with the same `@rule`
(their ids must not start with `AF-`, which is archform's). They receive the same typed view the
built-in rules receive. A plugin that cannot be loaded, or a rule that raises, is reported (by
`evaluate`) and the other rules still run.
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
    address: str  # "" for a finding about the account or a region (path ("region", name))
    path: tuple
    message: str
    key: str = ""  # what was found on the resource, stable as the file changes (the fingerprint); "" the path

    def fingerprint(self) -> str:
        """Rule, resource (or `account`) and what was found: the same finding keeps it when other
        resources, rules or statements are added around it."""
        return f"{self.rule.id}:{self.address or 'account'}:{self.key or '.'.join(map(str, self.path))}"

    def sort_key(self):
        return (self.address, self.rule.id, tuple(str(p) for p in self.path), self.message)


RULES: dict[str, Rule] = {}


CATEGORIES = {"SEC": "security", "REL": "reliability", "COST": "cost"}


class RuleError(ValueError):
    """A rule declared wrongly (a plugin's mistake, told to its author)."""


def rule(id: str, severity: str, title: str, source: str, fix: str, checkov: tuple[str, ...] = (),
         category: str | None = None):
    """Register the decorated function as rule `id` (`AF-SEC-…`, `AF-REL-…`, `AF-COST-…` for
    archform's; a plugin's as it likes, `ACME-SEC-001`). The category is the id's middle part
    unless given."""
    if severity not in SEVERITIES:
        raise RuleError(f"rule {id}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    parts = id.split("-")
    kind = category or CATEGORIES.get(parts[1] if len(parts) > 2 else "", "custom")

    def register(fn: Callable[..., Iterable[tuple[str, tuple, str]]]):
        if id in RULES:
            raise RuleError(f"rule {id} is registered twice")
        RULES[id] = Rule(id, severity, kind, title, source, fix, tuple(checkov), fn)
        return fn
    return register


@dataclass(frozen=True)
class Evaluation:
    findings: list[Finding]
    broken: list[str]  # rules or plugins that failed, each a sentence for the user


def evaluate(graph) -> Evaluation:
    """Every finding of every rule (archform's and the plugins'), sorted by resource then rule."""
    broken = _load()
    found = []
    for r in RULES.values():
        try:
            found += [Finding(r, got[0], tuple(got[1]), got[2], str(got[3]) if len(got) > 3 else "")
                      for got in r.fn(graph)]
        except Exception as e:  # a plugin's bug must not hide the other rules' findings
            broken.append(f"rule {r.id} failed: {type(e).__name__}: {e}")
    return Evaluation(sorted(found, key=Finding.sort_key), broken)


def run(graph) -> list[Finding]:
    return evaluate(graph).findings


def rules() -> list[Rule]:
    _load()
    return sorted(RULES.values(), key=lambda r: r.id)


def evaluate_plugins() -> list[str]:
    """What went wrong loading the plugins (nothing: an empty list)."""
    return _load()


_PLUGINS: list[str] | None = None  # what loading the plugins said, once per process


def _load() -> list[str]:
    """Register archform's rules and the plugins' (once); what went wrong with the plugins."""
    global _PLUGINS
    from . import access, cost, reliability, security  # noqa: F401  # registering is importing
    if _PLUGINS is None:
        _PLUGINS = _load_plugins()
    return list(_PLUGINS)


def _load_plugins() -> list[str]:
    from importlib.metadata import entry_points
    problems = []
    for ep in sorted(entry_points(group="archform.rules"), key=lambda e: e.name):
        before = set(RULES)
        try:
            ep.load()
        except Exception as e:
            problems.append(f"rule plugin '{ep.name}' ({ep.value}) could not be loaded: {type(e).__name__}: {e}")
            continue
        for taken in sorted(i for i in set(RULES) - before if i.startswith("AF-")):
            del RULES[taken]
            problems.append(f"rule plugin '{ep.name}': the id {taken} is archform's (AF-…); give it your own prefix")
    return problems
