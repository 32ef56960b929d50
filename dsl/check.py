"""Checks: each kind's own rules, then the cross-resource rules, as diagnostics.

Rules speak in attribute paths (`("cidr",)`, `("ingress", 0, "port")`); this module turns a
path into the span of the text that set it, or the block's header when the value is a
default nobody wrote.
"""

from __future__ import annotations

from typing import Callable

from archform.stdlib.rules import rules_for
from archform.stdlib.schema import Issue, View, ViewGraph

from .desired import Desired
from .diagnostics import Diagnostic, Label, Span, caller_labels, error, warning


def build_graph(desired: Desired) -> ViewGraph:
    return ViewGraph(View(r.address, r.kind, r.region, r.model, r.written, r.attrs)
                     for r in desired.resources.values())


class SpanIndex:
    """Where each resource's attributes were written: address → {attribute path → span}, and
    its block's header. What resolution hands to the checks (and, later, to an editor)."""

    def __init__(self, spans: dict[str, dict[tuple, Span]], headers: dict[str, Span], symbols=None,
                 check_failures=(), callers=None, regions: dict[str, Span] | None = None):
        self.spans, self.headers = spans, headers
        # address → the module instances it is declared in, innermost first: (address, call's span)
        self.callers: dict[str, tuple] = callers or {}
        self.regions = regions or {}  # region name -> the first `region "..." as alias` that opens it
        self.symbols = symbols  # the resolution's SymbolTable (dsl/symbols.py), when kept
        self.check_failures = list(check_failures)  # the `check` blocks that failed (dsl/policy.CheckFailure)

    def span_of(self, address: str, path: tuple) -> Span | None:
        """The text that set `path` (or the nearest enclosing value, else the block's header)."""
        spans = self.spans.get(address)
        if spans is None:
            return None
        p = tuple(path)
        while p:
            s = spans.get(p)
            if s is not None:
                return s
            p = p[:-1]
        return self.headers.get(address)


def run_checks(desired: Desired, index: SpanIndex) -> list[Diagnostic]:
    return check_graph(build_graph(desired), index.span_of, index.callers)


def check_graph(graph: ViewGraph, span_of: Callable[[str, tuple], Span | None],
                callers: dict | None = None) -> list[Diagnostic]:
    """Each kind's checks and the rules, as diagnostics. A diagnostic in a module's file also
    points at each module instance it is declared in (`callers`): where the fix may go, and
    which of several uses it is."""
    callers = callers or {}
    out: list[Diagnostic] = []
    for view in graph.all():
        try:
            issues = list(view.model.check(view, graph))
        except Exception as e:  # a bug in a check must not hide the user's other problems
            out.append(error(f"internal error while checking {view.address}: {type(e).__name__}: {e}",
                             span_of(view.address, ()),
                             help="please report this; the other checks still ran"))
            continue
        for issue in issues:
            out.append(_diagnostic(issue, view.address, span_of, callers))
    for rule in rules_for({v.kind for v in graph.all()}):
        try:
            issues = list(rule(graph))
        except Exception as e:
            out.append(error(f"internal error in rule {rule.__name__}: {type(e).__name__}: {e}",
                             help="please report this; the other checks still ran"))
            continue
        for issue in issues:
            out.append(_diagnostic(issue, issue.address, span_of, callers))
    return out


def _diagnostic(issue: Issue, address: str, span_of, callers: dict) -> Diagnostic:
    span = span_of(address, issue.path) if address else None
    labels = []
    for rel in issue.related:
        s = span_of(rel.address, rel.path)
        if s is not None and s != span:
            labels.append(Label(s, rel.label or rel.address))
    labels += caller_labels(span, callers.get(address, ()))
    where = f"{address}: " if address else ""
    make = warning if issue.severity == "warning" else error
    return make(f"{where}{issue.message}", span, detail=issue.detail, help=issue.help, labels=labels)
