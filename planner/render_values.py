"""How a plan's values read: literals, references known after apply, long maps and lists one
entry per line, and the colours of the action symbols."""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _quote  # json.dumps(s, ensure_ascii=False), in C

from .references import display as ref_display, is_format, is_ref

_COLOURS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m", "-/+": "\x1b[35m", "+/-": "\x1b[35m",
            "bold": "\x1b[1m", "dim": "\x1b[2m", "reset": "\x1b[0m"}



class Style:
    def __init__(self, colour: bool):
        self.on = colour

    def __call__(self, key: str, text: str) -> str:
        if not self.on:
            return text
        return f"{_COLOURS[key]}{text}{_COLOURS['reset']}"


# --- values ----------------------------------------------------------------------------------

def has_ref(v) -> bool:
    if is_ref(v) or is_format(v):
        return True
    if isinstance(v, dict):
        return any(has_ref(x) for x in v.values())
    if isinstance(v, list):
        return any(has_ref(x) for x in v)
    return False


def value_text(v, unknown: bool = False) -> str:
    t = type(v)
    if not unknown:  # scalars first: most of a plan's text (json.dumps costs 2 µs a call)
        if t is str:
            return _quote(v)
        if t is int:
            return int.__repr__(v)
        if t is bool:
            return "true" if v else "false"
    if unknown and not is_ref(v) and not is_format(v):
        if has_ref(v):
            return value_text(v) + " (known after apply)"
        return "(known after apply)"
    if is_ref(v) or is_format(v):
        text = ref_display(v)
        return f"{text} (known after apply)" if unknown else text
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        if not v:
            return "[]"
        return "[" + ", ".join(value_text(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{k} = {value_text(v[k])}" for k in sorted(v)) + " }"
    return str(v)


WIDTH = 117  # a value longer than fits a 120-column line beside its name is laid out one entry per line


def unset(v) -> bool:
    """A value a created or destroyed resource need not list: null, or an empty list or map."""
    return v is None or (type(v) in (list, dict) and not v and not is_ref(v))


def pruned(v):
    """`v` without the unset entries (null, empty) of its maps, at every depth."""
    if isinstance(v, dict) and not (is_ref(v) or is_format(v)):
        return {k: pruned(x) for k, x in v.items() if not unset(x)}
    if isinstance(v, list):
        return [pruned(x) for x in v]
    return v


def block_lines(name: str, v, indent: str, sign: str, style, unknown=False) -> list[str]:
    """`name = value`, expanding maps and lists of maps one level per line when long."""
    text = value_text(v, unknown)
    head = f"{indent}{style(sign, sign) if sign.strip() else sign} {name}"
    if len(head) + len(text) <= WIDTH or not isinstance(v, (dict, list)) or is_ref(v) or is_format(v):
        return [f"{head} = {text}"]
    lines = []
    if isinstance(v, dict):
        lines.append(f"{head} = {{")
        width = max(len(k) for k in v)
        for k in sorted(v):
            lines.extend(block_lines(k.ljust(width), v[k], indent + "    ", " ", style))
        lines.append(f"{indent}    }}")
    else:
        lines.append(f"{head} = [")
        for x in v:
            lines.append(f"{indent}      {value_text(x)},")
        lines.append(f"{indent}    ]")
    return lines
