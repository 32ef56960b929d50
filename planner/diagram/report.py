"""`archform report`: one HTML page about an architecture, self-contained and offline (inline
CSS and SVG; no script, no font, nothing fetched).

Sections: a summary (resources, regions, the plan's counts, the checks, the chaos verdict);
the plan against the state (each change with its attributes and reason); the diagram, inline
SVG coloured by the plan and marked by the failure; the checks (every rule that ran, every
diagnostic, and `archform check`'s findings with their places and suppressions); and with `--chaos` the faults, the timeline and the capacity-over-time chart
(`charts.py`), failovers, data lost and each DR plan's measured RTO and RPO against its
targets. The page is rendered from `templates/report.html.j2` with jinja2 (autoescaped).
"""

from __future__ import annotations

import re
from pathlib import Path

from .overlays import VERDICTS
from .styles import ACTIONS, CATEGORIES, kind_info


def inline_svg(svg: str) -> str:
    """Graphviz's SVG made fit to sit inside HTML: no XML declaration, DOCTYPE or comments."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.strip()


def _environment():
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("archform.planner.diagram", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = number
    return env


def number(x) -> str:
    """A count as people write it: 3, not 3.0; 1,200; 1.5 stays 1.5."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def plan_rows(plan) -> list[dict]:
    rows = []
    for c in plan.changes:
        if c.action.value == "no-op":
            continue
        forced = sorted({p[0] for p in c.replace_paths if p})
        shown = ", ".join(c.changed) if c.action.value in ("update", "replace") else ""
        rows.append({"symbol": c.symbol, "address": c.object_address, "kind": c.kind, "action": c.action.value,
                     "colour": ACTIONS.get(c.action.value, ACTIONS["no-op"])[0],
                     "changed": shown, "forced": ", ".join(forced), "reason": c.reason or ""})
    return rows


def check_rows(desired, diags) -> dict:
    from archform.dsl.citations import plain
    from archform.dsl.diagnostics import render
    from archform.stdlib.rules import rules_for
    kinds = sorted({r.kind for r in desired.resources.values()})
    rules = [r.__name__ for r in rules_for(kinds)]
    items = []
    for d in diags:
        text = plain(render(d, colour=False))
        # the heading says the first line (severity: summary); the block below shows where
        items.append({"severity": "error" if d.is_error else "warning", "summary": plain(d.summary),
                      "text": text.split("\n", 1)[1] if "\n" in text else ""})
    errors = sum(1 for d in diags if d.is_error)
    return {"resources": len(desired.resources), "kinds": kinds, "rules": rules, "diagnostics": items,
            "errors": errors, "warnings": len(items) - errors}


def categories(desired) -> list[dict]:
    counts: dict[str, int] = {}
    for r in desired.resources.values():
        cat = kind_info(r.kind)[0]
        counts[cat] = counts.get(cat, 0) + 1
    return [{"name": CATEGORIES[c][4], "colour": CATEGORIES[c][0], "count": counts[c]}
            for c in CATEGORIES if c in counts]


def finding_rows(checked) -> dict:
    """`archform check`'s findings for the page: each with its rule, severity, where, and the
    reason of a suppression; the counts of those not suppressed."""
    from archform.dsl.citations import plain
    from archform.stdlib.checks import SEVERITIES
    from ..findings import counts
    rows = []
    for x in checked.located if checked is not None else []:
        f, rule = x.finding, x.finding.rule
        rows.append({"rule": rule.id, "severity": rule.severity, "title": rule.title,
                     "said": plain(f"{f.address}: {f.message}" if f.address else f.message),
                     "where": f"{x.span.file}:{x.span.start_line}:{x.span.start_col}" if x.span else "",
                     "fix": plain(rule.fix or ""), "suppressed": x.suppressed.reason if x.suppressed else None})
    c = counts(checked.located) if checked is not None else {s: 0 for s in SEVERITIES}
    return {"rows": rows, "counts": c, "live": sum(c.values()), "suppressed": sum(1 for r in rows if r["suppressed"]),
            "line": ", ".join(f"{c[s]} {s}" for s in SEVERITIES), "ran": checked is not None}


def build_report(root, desired, diags, plan, chaos: dict | None, checked=None) -> str:
    """The page for the architecture at `root` (its Desired graph and diagnostics, the plan
    against the state, a chaos report or None, and `archform check`'s findings: a
    `findings.Checked`)."""
    from . import diagram
    from .charts import capacity_chart, chart_services, timeline_chart
    from .dot import render, to_dot
    from .overlays import _span
    name = Path(root).name
    # one story per picture: the failure when there is one, else the plan when it changes
    # something that exists (a first apply creates everything: the categories tell more)
    shown_plan = plan if (chaos is None and plan is not None and plan.has_changes
                          and any(c.action.value != "create" for c in plan.changes)) else None
    scene = diagram(desired, title=name, plan=shown_plan, chaos=chaos)
    if chaos is not None and plan is not None:
        scene.notes.insert(0, plan.summary.line())
    svg = inline_svg(render(to_dot(scene), "svg").decode("utf-8"))
    regions = sorted({r.region for r in desired.resources.values() if r.region})
    context = {
        "name": name, "path": str(root), "svg": svg, "regions": regions,
        "resources": len(desired.resources), "categories": categories(desired),
        "params": sorted((k, "(sensitive)" if k in desired.sensitive_params else str(v))
                          for k, v in desired.params.items()),
        "plan": plan, "plan_line": plan.summary.line() if plan is not None else "",
        "plan_rows": plan_rows(plan) if plan is not None else [],
        "plan_counts": plan.summary.json() if plan is not None else {},
        "checks": check_rows(desired, diags), "findings": finding_rows(checked), "chaos": chaos, "span": _span,
    }
    if chaos is not None:
        from archform.providers.simulated.chaos.report import services_listed
        listed, subnets = services_listed(chaos)
        context.update({
            "services": listed, "subnets_line": subnets,
            "capacity_svg": capacity_chart(chaos), "timeline_svg": timeline_chart(chaos),
            "charted": len(chart_services(chaos)),
            "verdict": VERDICTS.get(chaos["summary"]["compliance"], ""),
        })
    return _environment().get_template("report.html.j2").render(**context)
