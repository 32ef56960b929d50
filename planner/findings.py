"""`archform check`'s findings placed in the source, suppressed where the author says why, and
written as text, JSON or SARIF 2.1.0 (what GitHub code scanning reads).

A suppression is a comment naming rule ids and a reason:

    # archform:ignore AF-SEC-004 "public by design: the site's assets"
    s3_bucket site { block_public_access = false }

It covers the findings on the line it ends (a trailing comment) or on the next line of code, and,
placed just above a resource's block, every finding about that resource. A suppression without
a reason is refused (it is a diagnostic, and suppresses nothing); one that suppresses nothing is
reported, so stale ones do not pile up. Pure: the caller resolves and prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from archform.dsl.diagnostics import Diagnostic, Span, render, warning
from archform.dsl.parser import comments
from archform.stdlib.checks import SEVERITIES, Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"high": "error", "medium": "warning", "low": "note"}
_ID = r'[A-Z0-9-]+(?::[\w.-]+)?'  # a rule's id, or a check block's: ARCH-CHECK:buckets-encrypted
_IGNORE = re.compile(r'^(?:#|//|/\*)\s*archform:ignore\s+(?P<ids>' + _ID + r'(?:\s*,\s*' + _ID + r')*)'
                     r'(?:\s+"(?P<reason>[^"]*)")?')


@dataclass(frozen=True)
class Suppression:
    ids: tuple[str, ...]
    reason: str
    span: Span  # the comment
    line: int  # the line of code it covers


@dataclass(frozen=True)
class Located:
    finding: Finding
    span: Span | None
    suppressed: Suppression | None = None


def suppressions(sources) -> tuple[list[Suppression], list[Diagnostic]]:
    """The `archform:ignore` comments of these sources, and a diagnostic for each without a reason."""
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    for source in sorted(sources, key=lambda s: s.file):
        for c in comments(source):
            m = _IGNORE.match(c.text)
            if m is None:
                continue
            if not (m.group("reason") or "").strip():
                problems.append(warning("a suppression needs a reason, in double quotes", c.span,
                                        help=f'{c.text.split()[0]} archform:ignore {m.group("ids")} "why it is fine"'))
                continue
            ids = tuple(i.strip() for i in m.group("ids").split(","))
            found.append(Suppression(ids, m.group("reason").strip(), c.span, _covered_line(source, c.span)))
    return found, problems


def _covered_line(source, span: Span) -> int:
    """A trailing comment covers its own line; a comment on a line of its own, the next line of code."""
    line = span.start_line
    if (source.line(line) or "")[:span.start_col - 1].strip():
        return line
    n = span.end_line + 1
    while True:
        text = source.line(n)
        if text is None:
            return n
        stripped = text.strip()
        if stripped and not stripped.startswith(("#", "//")):
            return n
        n += 1


def suppression_id(rule_id: str) -> str:
    """How a suppression names a rule: its id, with a check block's spaces written as `-`
    (`ARCH-CHECK:buckets encrypted` is suppressed as `ARCH-CHECK:buckets-encrypted`)."""
    return re.sub(r"\s+", "-", rule_id.strip())


def locate(findings: list[Finding], span_of, header_of, sups: list[Suppression],
           placed: dict | None = None, regions: dict | None = None) -> tuple[list[Located], list]:
    """Each finding with its span and the suppression that covers it; and the unused suppressions.
    `placed`: spans known already, by the finding's id() (a check block's findings); `regions`:
    the `region "..." as alias` span of each region, where a finding about a region (address "",
    path ("region", name)) is placed — or, another account-level finding, at the first region."""
    placed = placed or {}
    regions = regions or {}
    first = min(regions.values(), key=lambda s: (s.file, s.start_pos), default=None)
    by_place: dict[tuple[str, int], list[Suppression]] = {}
    for s in sups:
        by_place.setdefault((s.span.file, s.line), []).append(s)
    used: set[int] = set()
    out = []
    for f in findings:
        if id(f) in placed:
            span = placed[id(f)]
        elif not f.address:
            span = regions.get(f.path[1], first) if f.path[:1] == ("region",) and len(f.path) > 1 else first
        else:
            span = span_of(f.address, f.path)
        header = header_of(f.address) if f.address else None
        covering = None
        for where in (span, header):
            if where is None:
                continue
            for s in by_place.get((where.file, where.start_line), []):
                if suppression_id(f.rule.id) in s.ids:
                    covering = s
                    break
            if covering is not None:
                break
        if covering is not None:
            used.add(id(covering))
        out.append(Located(f, span, covering))
    return out, [s for s in sups if id(s) not in used]


def policy_findings(failures) -> tuple[list[Finding], dict]:
    """The failed `check` blocks of a configuration (dsl/policy.CheckFailure) as findings, each
    rule named `ARCH-CHECK:<name>`; and where each is, by the finding's id()."""
    found, placed = [], {}
    for x in failures:
        at = f" at {x.check_at}" if x.check_at else ""
        rule = Rule(x.id, x.severity, "policy", f'check "{x.name}"', f"a check block{at}",
                    f'make its assert hold, or suppress it with a reason: '
                    f'# archform:ignore {suppression_id(x.id)} "why it is fine"')
        f = Finding(rule, x.address, (), x.message)
        found.append(f)
        placed[id(f)] = x.span
    return found, placed


@dataclass
class Checked:
    """The findings of one configuration: placed (and suppressed where its comments say why),
    the suppressions that matched nothing, suppressions refused, and plugins that failed."""
    located: list[Located]
    unused: list[Suppression]
    problems: list[Diagnostic]
    broken: list[str]


def check(desired, index) -> Checked:
    """Every rule of `archform check` over a resolved configuration and its span index (what
    `archform check` and the HTML report show alike)."""
    from archform.dsl.check import build_graph
    from archform.stdlib import checks
    sources = {s.source for spans in index.spans.values() for s in spans.values()}
    sources |= {s.source for s in index.headers.values()}
    sups, problems = suppressions(sources)
    evaluation = checks.evaluate(build_graph(desired))
    policy, placed = policy_findings(index.check_failures)
    located, unused = locate(sorted(evaluation.findings + policy, key=lambda f: f.sort_key()),
                             index.span_of, index.headers.get, sups, placed, index.regions)
    return Checked(located, unused, problems, list(evaluation.broken))


def counts(located: list[Located]) -> dict[str, int]:
    live = [x for x in located if x.suppressed is None]
    return {sev: sum(1 for x in live if x.finding.rule.severity == sev) for sev in SEVERITIES}


def fails(located: list[Located], threshold: str) -> bool:
    """Whether a finding not suppressed is at `threshold` or above (`none`: never)."""
    if threshold == "none":
        return False
    worst = SEVERITIES[: SEVERITIES.index(threshold) + 1]
    return any(x.suppressed is None and x.finding.rule.severity in worst for x in located)


# --- text --------------------------------------------------------------------------------------

def text(located: list[Located], unused: list[Suppression], colour: bool = False) -> str:
    parts = []
    for x in located:
        if x.suppressed is not None:
            continue
        f, rule = x.finding, x.finding.rule
        extra = f"checked by Checkov as {', '.join(rule.checkov)}; " if rule.checkov else ""
        d = warning(_said(f), x.span, detail=f"{rule.title} — {extra}from {rule.source}",
                    help=rule.fix)
        shown = render(d, colour)
        parts.append(shown.replace("warning", f"{rule.severity}[{rule.id}]", 1))
    for s in unused:
        d = warning(f"this suppression of {', '.join(s.ids)} suppresses nothing", s.span,
                    help="remove it: the finding it was for is gone")
        parts.append(render(d, colour))
    c = counts(located)
    hidden = sum(1 for x in located if x.suppressed is not None)
    line = ", ".join(f"{c[s]} {s}" for s in SEVERITIES)
    parts.append(f"{sum(c.values())} finding{'s' if sum(c.values()) != 1 else ''}: {line}"
                 + (f"; {hidden} suppressed with a reason" if hidden else "")
                 + (f"; {len(unused)} unused suppression{'s' if len(unused) != 1 else ''}" if unused else ""))
    return "\n\n".join(parts) + "\n"


def _said(f: Finding) -> str:
    return f"{f.address}: {f.message}" if f.address else f.message


# --- JSON ---------------------------------------------------------------------------------------

def _where(span: Span | None) -> dict | None:
    if span is None:
        return None
    return {"file": span.file, "line": span.start_line, "column": span.start_col,
            "end_line": span.end_line, "end_column": span.end_col}


def rule_json(rule: Rule) -> dict:
    return {"id": rule.id, "severity": rule.severity, "category": rule.category, "title": rule.title,
            "source": rule.source, "fix": rule.fix, "checkov": list(rule.checkov)}


def to_json(located: list[Located], unused: list[Suppression]) -> dict:
    return {
        "format": "archform-check", "version": 1,
        "findings": [{"rule": x.finding.rule.id, "severity": x.finding.rule.severity, "address": x.finding.address,
                      "path": [str(p) for p in x.finding.path], "message": x.finding.message,
                      "location": _where(x.span),
                      "suppressed": None if x.suppressed is None else {"reason": x.suppressed.reason,
                                                                       "at": _where(x.suppressed.span)}}
                     for x in located],
        "unused_suppressions": [{"rules": list(s.ids), "reason": s.reason, "at": _where(s.span)} for s in unused],
        "counts": counts(located),
    }


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------

def sarif(located: list[Located], rules: list[Rule], version: str) -> dict:
    """One run of the tool `archform`, its rules with their help, a result per finding
    (suppressed ones carry their justification, as code scanning shows them)."""
    rules = list(rules) + sorted({x.finding.rule for x in located if x.finding.rule.id not in
                                  {r.id for r in rules}}, key=lambda r: r.id)  # check blocks' rules
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    prints = [x.finding.fingerprint() for x in located]
    twice = {p for p in prints if prints.count(p) > 1}  # a plugin's findings without a key: the message tells apart
    for x, fp in zip(located, prints):
        f = x.finding
        result = {
            "ruleId": f.rule.id, "ruleIndex": index[f.rule.id], "level": SARIF_LEVEL[f.rule.severity],
            "message": {"text": _said(f)},
            "partialFingerprints": {"archformAddress/v1": f"{fp}:{f.message}" if fp in twice else fp},
        }
        if x.span is not None:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(x.span.file)},
                "region": {"startLine": x.span.start_line, "startColumn": x.span.start_col,
                           "endLine": x.span.end_line, "endColumn": x.span.end_col}}}]
        if x.suppressed is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": x.suppressed.reason}]
        results.append(result)
    driver = {
        "name": "archform", "version": version, "informationUri": "https://github.com/archform/archform",
        "rules": [{
            "id": r.id, "name": re.sub(r"[^A-Za-z0-9]+", "", r.title.title()),
            "shortDescription": {"text": r.title}, "fullDescription": {"text": f"{r.title} ({r.source})"},
            "help": {"text": r.fix},
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
            "properties": {"category": r.category, "severity": r.severity, "checkov": list(r.checkov),
                           "tags": [r.category]},
        } for r in rules],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def _uri(path: str) -> str:
    """A relative path as it is (code scanning resolves it against the checkout), an absolute one
    as a file: URI."""
    p = PurePath(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()
