"""Plans as text (for people) and JSON (for machines).

Text shows each resource with its action symbol (`+ ~ -/+ +/- -`); for a resource created,
what its author wrote, for one destroyed what is set, the instances of one `for` planned alike
as one entry (render_listing.py); for one changed, only the attributes that
change (`before → after`, a marker on those that force replacement, the reason); drift
found by refresh apart from the planned changes, a recap of everything that will be
destroyed, and the summary line. `summary=True` prints one line per resource. JSON follows
the field names of `terraform show -json` (`resource_changes[].change.actions`, `before`,
`after`, `after_unknown`, `replace_paths`, `action_reason`, `resource_drift`,
`output_changes`), with sorted keys and nothing that depends on the clock.
"""

from __future__ import annotations

import json

from .changes import Action, Change, Drift, Plan, PlanMode
from .references import is_format, is_ref
from .render_listing import body_lines, closing_line, group_lines, grouped, listing, one_line
from .render_values import Style, has_ref, value_text
from .secrets import SHOWN

FORMAT_VERSION = "1.0"

_HEADLINE = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be destroyed",
}


# --- text ------------------------------------------------------------------------------------

def text(plan: Plan, colour: bool = False, summary: bool = False, verbose: bool = False, warnings: int = 0) -> str:
    """The plan as a reviewer reads it. A resource created or destroyed lists the attributes that
    hold a value or are known after apply; `verbose` lists the unset ones (null, empty) too."""
    style = Style(colour)
    out: list[str] = []
    if plan.drift:
        out.append(style("bold", "Changed outside archform") + " (found by refresh; not part of the plan below):")
        out.append("")
        for d in plan.drift:
            out.extend(_drift_lines(d, style))
        out.append("")
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    moved_only = [c for c in plan.changes if c.action is Action.NOOP and c.previous_address]
    if plan.mode == PlanMode.REFRESH_ONLY:
        if not plan.drift:
            out.append("No changes. The state matches what the provider reports.")
        else:
            out.append(f"Refresh-only plan: {len(plan.drift)} resource(s) will be recorded as they are now.")
        return "\n".join(out) + "\n"
    if not changes and not moved_only and not plan.output_changes():
        out.append("No changes. Your infrastructure matches the configuration.")
        return "\n".join(out) + "\n"
    for c in moved_only:
        out.append(f"  # {c.previous_address} has moved to {c.address}")
    if moved_only:
        out.append("")
    if summary:
        width = max((len(c.object_address) for c in changes), default=0)
        for c in changes:
            sym = c.symbol
            note = ""
            if c.action is Action.REPLACE and c.replace_paths:
                note = "  (" + ", ".join(".".join(p) for p in c.replace_paths) + " forces replacement)"
            elif c.action is Action.REPLACE and c.reason:
                note = f"  ({c.reason})"
            elif c.action is Action.UPDATE and c.changed:
                note = "  (" + ", ".join(c.changed) + ")"
            out.append(f"{style(sym, sym.rjust(3))} {c.object_address.ljust(width)}  {c.kind}{note}")
    elif changes:  # (moves alone: their lines above are the whole plan)
        out.append("archform will perform the following actions:")
        out.append("")
        for entry in grouped(changes, verbose):
            if isinstance(entry, list):
                out.extend(group_lines(entry, style, _HEADLINE[entry[0].action]))
            else:
                out.extend(_change_lines(entry, style, verbose))
            out.append("")
    rows = _output_rows(plan)
    if any(action != "no-op" for action, *_ in rows.values()):
        if not summary:
            out.append("Changes to outputs:")
        for name, (action, before, after, known) in rows.items():
            if action == "no-op":
                continue
            sign = {"create": "+", "delete": "-", "update": "~"}[action]
            if name in plan.sensitive_outputs:
                out.append(f"  {style(sign, sign)} {name} = (sensitive)")
                continue
            # an output made from what the apply makes says so, as a resource's attribute does
            shown = value_text(after) if known else value_text(plan.outputs[name][1], True)
            if action == "create":
                out.append(f"  {style('+', '+')} {name} = {shown}")
            elif action == "delete":
                out.append(f"  {style('-', '-')} {name} = {value_text(before)}")
            elif known and before == after:  # what changed is how it is written
                out.append(f"  {style('~', '~')} {name} = {shown} (the same value, from a new expression)")
            else:
                out.append(f"  {style('~', '~')} {name} = {value_text(before)} → {shown}")
        out.append("")
    destroys = [c for c in changes if c.action in (Action.DELETE, Action.REPLACE)]
    if destroys and not summary and len(changes) > 1:
        out.append(style("bold", "Will destroy") + " (including the old copy of each replacement):")
        for c in destroys:
            out.append(f"  {style(c.symbol, c.symbol.rjust(3))} {c.object_address} ({c.kind})")
        out.append("")
    told = f" {warnings} warning{'s' if warnings != 1 else ''}, below." if warnings else ""
    out.append(style("bold", plan.summary.line()) + told)
    return "\n".join(out) + "\n"


def _change_lines(c: Change, style, verbose: bool = False) -> list[str]:
    if c.action is Action.REPLACE:
        how = "replaced, create before destroy" if c.create_before_destroy else "replaced"
        head = f"  # {c.object_address} must be {how}"
    else:
        head = f"  # {c.object_address} {_HEADLINE[c.action]}"
    if c.reason and c.action is not Action.CREATE:
        head += f" ({c.reason})"
    lines = [style("bold", head)]
    if c.previous_address:
        lines.append(f"  # (moved from {c.previous_address})")
    sym = c.symbol
    opening = f"{style(sym, sym.rjust(3))} {c.kind} \"{c.object_address}\" {{"
    indent = "      "
    unknown = set(c.after_unknown)
    secret = set(c.sensitive)
    if c.action in (Action.CREATE, Action.DELETE):
        shown = listing(c, verbose)
        short = None if verbose else one_line(opening, shown, style)
        if short is not None:
            return lines + [short]
        return lines + [opening] + body_lines(shown, sym.strip(), style) + [closing_line(shown, style)]
    lines.append(opening)
    before, after = c.before or {}, c.after or {}
    forcing = {p[0] for p in c.replace_paths}
    changed = sorted(c.changed)
    width = max((len(n) for n in changed), default=0)
    for name in changed:
        mark = style("-/+", " # forces replacement") if name in forcing else ""
        drift = " # changed outside archform" if name in c.drifted else ""
        b, a = before.get(name), after.get(name)
        if name in secret:
            sign = "+" if b is None else "-" if a is None else "~"
            lines.append(f"{indent}{style(sign, sign)} {name.ljust(width)} = {SHOWN}{mark}{drift}")
            continue
        if b == a and name in unknown:
            for path, sub in _ref_parts(name, a):
                lines.append(f"{indent}{style('~', '~')} {path} = {value_text(sub)} "
                             f"(known after apply: it refers to a resource being replaced){mark}")
            continue
        if isinstance(b, dict) and isinstance(a, dict) and not (is_ref(a) or is_ref(b) or is_format(a)):
            lines.append(f"{indent}{style('~', '~')} {name} {{{mark}{drift}")
            lines.extend(_dict_diff(b, a, indent + "    ", style))
            lines.append(f"{indent}  }}")
            continue
        bt = value_text(b)
        at = value_text(a, name in unknown)
        if a is None:
            lines.append(f"{indent}{style('-', '-')} {name.ljust(width)} = {bt}{mark}{drift}")
        elif b is None:
            lines.append(f"{indent}{style('+', '+')} {name.ljust(width)} = {at}{mark}{drift}")
        else:
            lines.append(f"{indent}{style('~', '~')} {name.ljust(width)} = {bt} → {at}{mark}{drift}")
    hidden = len([k for k in after if k not in c.changed])
    if hidden:
        lines.append(style("dim", f"{indent}  ({hidden} unchanged attribute{'s' if hidden != 1 else ''} hidden)"))
    lines.append("    }")
    return lines


def _ref_parts(path: str, v):
    """The parts of a value that hold references, as (dotted path, value)."""
    if isinstance(v, dict) and not (is_ref(v) or is_format(v)):
        for k in sorted(v):
            if has_ref(v[k]):
                yield from _ref_parts(f"{path}.{k}", v[k])
    else:
        yield path, v


def _dict_diff(b: dict, a: dict, indent: str, style) -> list[str]:
    lines = []
    keys = sorted(set(a) | set(b))
    width = max((len(k) for k in keys), default=0)
    for k in keys:
        if k not in b:
            lines.append(f"{indent}{style('+', '+')} {k.ljust(width)} = {value_text(a[k])}")
        elif k not in a:
            lines.append(f"{indent}{style('-', '-')} {k.ljust(width)} = {value_text(b[k])}")
        elif a[k] != b[k]:
            lines.append(f"{indent}{style('~', '~')} {k.ljust(width)} = {value_text(b[k])} → {value_text(a[k])}")
    return lines


def _drift_lines(d: Drift, style) -> list[str]:
    if d.after is None:
        return [f"  {style('-', '-')} {d.address} ({d.kind}) was deleted outside archform"]
    lines = [f"  {style('~', '~')} {d.address} ({d.kind}) changed outside archform:"]
    for name in d.changed:
        for path, old, new in _leaf_changes(name, (d.before or {}).get(name), d.after.get(name)):
            lines.append(f"      {path} = {value_text(old)} → {value_text(new)}")
    return lines


def _leaf_changes(path: str, old, new):
    """Where two values differ, down to the field: `launch.instance_type`, not the whole block."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            if old.get(k) != new.get(k):
                yield from _leaf_changes(f"{path}.{k}", old.get(k), new.get(k))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and \
            all(isinstance(x, dict) for x in old + new):
        for i, (a, b) in enumerate(zip(old, new)):
            if a != b:
                yield from _leaf_changes(f"{path}[{i}]", a, b)
    else:
        yield path, old, new


# --- JSON ------------------------------------------------------------------------------------

def to_json(plan: Plan) -> dict:
    changes = []
    for c in plan.changes:
        entry: dict = {
            "address": c.object_address,
            "previous_address": c.previous_address,
            "type": c.kind,
            "name": c.name,
            "index": c.key,
            "region": c.region,
            "change": {
                "actions": c.json_actions,
                "before": _hidden(c.before, c.sensitive),
                "after": _hidden(c.after, c.sensitive),
                "after_unknown": {k: True for k in c.after_unknown},
                "before_sensitive": {k: True for k in c.sensitive if (c.before or {}).get(k) is not None},
                "after_sensitive": {k: True for k in c.sensitive if (c.after or {}).get(k) is not None},
                "replace_paths": [list(p) for p in c.replace_paths],
            },
        }
        if c.reason:
            entry["action_reason"] = c.reason
        if c.drifted:
            entry["drifted_attributes"] = list(c.drifted)
        changes.append(entry)
    drift = [{"address": d.address, "type": d.kind,
              "change": {"actions": ["delete"] if d.after is None else ["update"], "before": d.before,
                         "after": d.after, "changed": list(d.changed)}} for d in plan.drift]
    outputs = {}
    for name, (action, before, after, known) in _output_rows(plan).items():
        outputs[name] = {"actions": [action], "before": before, "after": after, "after_unknown": not known}
        if name in plan.sensitive_outputs:
            outputs[name].update(before=None, after=None, before_sensitive=before is not None,
                                 after_sensitive=after is not None or not known)
    return {
        "format_version": FORMAT_VERSION,
        "plan_mode": plan.mode,
        "workspace": plan.workspace,
        "applyable": plan.has_changes and not plan.errored,
        "complete": True,
        "errored": plan.errored,
        "prior_state": {"lineage": plan.lineage, "serial": plan.serial},
        "configuration": _configuration(plan),
        "resource_changes": changes,
        "resource_drift": drift,
        "output_changes": outputs,
        "order": [[str(op) for op in wave] for wave in plan.order],
        "summary": plan.summary.json(),
    }


def _output_rows(plan: Plan) -> dict:
    """name -> (action, value before, value after, whether that is known now), in name order.
    An output changes when its configuration does, or when what it reads does (a replaced
    resource's id is known after apply; refreshed drift changes its value). A plan without
    values (one read from a file) compares the configurations."""
    rows = {}
    for name, (was, will) in sorted(plan.outputs.items()):
        before, after, known = plan.output_values.get(name, (was, will, True))
        if was is None and will is None:
            continue
        if was is None:
            action = "create"
        elif will is None:
            action = "delete"
        elif was != will or not known or before != after:
            action = "update"
        else:
            action = "no-op"
        rows[name] = (action, before, after, known)
    return rows


def _configuration(plan: Plan) -> dict:
    out = {"files": list(plan.files), "source_hash": plan.source_hash,
           "params": {k: (None if k in plan.sensitive_params else v) for k, v in plan.params.items()}}
    if plan.sensitive_params:
        out["sensitive_params"] = sorted(plan.sensitive_params)
    return out


def _hidden(values: dict | None, names) -> dict | None:
    """`values` without the secrets: a sensitive attribute's value is null (and marked in
    before_sensitive / after_sensitive)."""
    if values is None or not names:
        return values
    return {k: (None if k in names else v) for k, v in values.items()}


def json_text(plan: Plan) -> str:
    return json.dumps(to_json(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
