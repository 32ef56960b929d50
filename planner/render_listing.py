"""What a plan lists for a resource it creates or destroys, and the instances of one `for` that
are planned alike, shown once.

A created resource lists the attributes its author wrote (a value, or a reference known after
apply); the attributes left at their defaults and those known only after apply (ids, ARNs) are
counted on its closing line. A destroyed resource lists what is set. `verbose` lists everything.

Architectures repeat themselves per Availability Zone: three subnets, three route tables, three
NAT gateways, written once with `for`. When the instances of one block are created (or
destroyed) with the same attributes listed, the plan shows them as one entry, `name[*]`, with
the values they share written once and the ones that differ side by side (`"10.0.1.0/24" |
"10.0.2.0/24"`, in the order of their keys) — a third of the lines, and easier to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from .changes import Action, Change
from .render_values import WIDTH, Style, block_lines, is_format, is_ref, pruned, unset, value_text
from .secrets import SHOWN

INDENT = "      "
KEYS_SHOWN = 8  # keys named in a group's headline before "and N more"


@dataclass(frozen=True)
class Row:
    name: str
    value: object
    unknown: bool  # known after apply
    secret: bool


@dataclass(frozen=True)
class Listing:
    rows: tuple[Row, ...]
    note: str  # what the closing line says was left out, plain text ("" for nothing)


def listing(c: Change, verbose: bool) -> Listing:
    """The rows a created or destroyed resource shows."""
    unknown = set(c.after_unknown)
    secret = set(c.sensitive)
    if c.action is Action.CREATE:
        values = c.after or {}
        names = sorted(set(values) | unknown)
        written = set(c.written)
        shown = names if verbose else [n for n in names if n in values and n in written and not unset(values[n])]
        computed = len([n for n in names if n not in values and n not in shown])
        note = _note(computed, len(names) - len(shown) - computed, "at their defaults")
    else:
        values = c.before or {}
        unknown = set()
        shown = sorted(values) if verbose else [n for n in sorted(values) if not unset(values[n])]
        note = _note(0, len(values) - len(shown), "unset")
    rows = []
    written = set(c.written)
    for name in shown:
        value = values.get(name)
        hide = name in secret and value is not None
        if not verbose and name in values:
            value = pruned(value)
            if c.action is Action.CREATE:
                value = as_written(value, name, written)
        rows.append(Row(name, value, name in unknown, hide))
    return Listing(tuple(rows), note)


def as_written(value, path: str, written: set[str]):
    """`value` with only what the author wrote inside its blocks (`launch { instance_type = ... }`
    lists instance_type, not the block's defaults). A plan saved before nested paths were kept
    names none below a block: then the block shows whole."""
    prefix = path + "."
    if not any(w.startswith(prefix) for w in written):
        return value
    if isinstance(value, list):
        return [as_written(x, path, written) for x in value]
    if isinstance(value, dict) and not is_ref(value) and not is_format(value):
        return {k: as_written(x, prefix + k, written) for k, x in value.items() if prefix + k in written}
    return value


def _note(computed: int, others: int, what: str) -> str:
    parts = ([f"{computed} known after apply"] if computed else []) + ([f"{others} {what}"] if others else [])
    return f"({', '.join(parts)}: --verbose)" if parts else ""


def body_lines(listing: Listing, sign: str, style: Style) -> list[str]:
    """The attribute lines of one resource's listing."""
    width = max((len(r.name) for r in listing.rows), default=0)
    lines = []
    for r in listing.rows:
        if r.secret:
            lines.append(f"{INDENT}{style(sign, sign)} {r.name.ljust(width)} = {SHOWN}")
        elif r.value is None and r.unknown:
            lines.append(f"{INDENT}{style(sign, sign)} {r.name.ljust(width)} = (known after apply)")
        else:
            lines.extend(block_lines(r.name.ljust(width), r.value, INDENT, sign, style, r.unknown))
    return lines


def closing_line(listing: Listing, style: Style) -> str:
    return "    }" + (style("dim", f"  {listing.note}") if listing.note else "")


ONE_LINE_MOST = 3  # attributes a resource may list and still be written on one line


def one_line(head: str, listing: Listing, style: Style) -> str | None:
    """`+ vpc "primary.vpc" { cidr = "10.0.0.0/16", tags = { Name = "x" } }` when a short listing
    fits the width: most resources of a plan list one to three attributes. None otherwise."""
    if len(listing.rows) > ONE_LINE_MOST:
        return None
    parts = []
    for r in listing.rows:
        text = SHOWN if r.secret else "(known after apply)" if r.value is None and r.unknown else \
            value_text(r.value, r.unknown)
        parts.append(f"{r.name} = {text}")
    inner = " " + ", ".join(parts) + " " if parts else ""
    plain = f"{head}{inner}}}"
    if len(plain) > WIDTH + 3:
        return None
    return f"{head}{inner}}}" + (style("dim", f"  {listing.note}") if listing.note else "")


# --- instances planned alike ----------------------------------------------------------------------

def grouped(changes: list[Change], verbose: bool) -> list[Change | list[Change]]:
    """The changes in order, with the instances of one block that are created (or destroyed)
    alike gathered into a list at the place of the first. Not with `verbose`."""
    if verbose:
        return list(changes)
    members: dict[tuple, list[Change]] = {}
    for c in changes:
        key = _group_key(c)
        if key is not None:
            members.setdefault(key, []).append(c)
    out: list[Change | list[Change]] = []
    placed = set()
    for c in changes:
        key = _group_key(c)
        group = members.get(key) if key is not None else None
        if group is None or len(group) < 2:
            out.append(c)
        elif key not in placed:
            placed.add(key)
            out.append(group)
    return out


def _base(c: Change) -> str | None:
    suffix = f"[{c.key}]"
    return c.address[:-len(suffix)] if c.key is not None and c.address.endswith(suffix) else None


def _group_key(c: Change):
    base = _base(c)
    if base is None or c.action not in (Action.CREATE, Action.DELETE) or c.deposed or c.previous_address:
        return None
    shape = listing(c, False)
    return base, c.kind, c.action, tuple((r.name, r.unknown, r.secret) for r in shape.rows), shape.note


def group_lines(group: list[Change], style: Style, headline: str) -> list[str]:
    first = group[0]
    keys = [c.key or "" for c in group]
    named = ", ".join(keys[:KEYS_SHOWN]) + (f" and {len(keys) - KEYS_SHOWN} more" if len(keys) > KEYS_SHOWN else "")
    address = f"{_base(first)}[*]"
    sign = first.symbol
    lines = [style("bold", f"  # {address} {headline} ({len(group)}: {named})"),
             f"{style(sign, sign.rjust(3))} {first.kind} \"{address}\" {{"]
    listings = [listing(c, False) for c in group]
    width = max((len(r.name) for r in listings[0].rows), default=0)
    for i, row in enumerate(listings[0].rows):
        column = [ls.rows[i] for ls in listings]
        if all(r.value == row.value for r in column) or row.secret:
            lines.extend(body_lines(Listing((Row(row.name.ljust(width), row.value, row.unknown, row.secret),), ""),
                                    sign, style))
            continue
        texts = [value_text(r.value, r.unknown) for r in column]
        side_by_side = " | ".join(texts)
        head = f"{INDENT}{style(sign, sign)} {row.name.ljust(width)} ="
        if len(head) + len(side_by_side) < WIDTH and len(texts) <= KEYS_SHOWN:
            lines.append(f"{head} {side_by_side}")
            continue
        lines.append(head)
        key_width = max(len(k) for k in keys) + 2
        lines.extend(f"{INDENT}      {f'[{k}]'.ljust(key_width)} = {t}" for k, t in zip(keys, texts))
    lines.append(closing_line(listings[0], style).replace("  (", "  (each: ", 1))
    return lines
