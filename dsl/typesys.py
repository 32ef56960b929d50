"""Types of `param`s: checking a value against `string`, `list(subnet)`, `one_of(a, b)`…"""

from __future__ import annotations

from fractions import Fraction

from . import ast
from . import values as v

SCALARS = {"string", "number", "bool", "duration", "size", "percent", "cidr", "ip", "port", "any"}
CONSTRUCTORS = {"list": 1, "map": 1, "one_of": -1, "ref": -1}


def type_problems(t: ast.TypeExpr, kinds: set[str]) -> list[tuple[str, ast.TypeExpr]]:
    """Mistakes in a type expression itself: (message, where)."""
    out = []
    if t.args or t.name in CONSTRUCTORS:
        arity = CONSTRUCTORS.get(t.name)
        if arity is None:
            out.append((f"'{t.name}' takes no arguments", t))
        elif arity == 1 and len(t.args) != 1:
            out.append((f"{t.name}(T) takes one type", t))
        elif t.name == "one_of":
            if not t.args or any(a.args for a in t.args):
                out.append(("one_of(...) lists words: one_of(small, medium, large)", t))
            return out
        elif t.name == "ref":
            for a in t.args:
                if a.name not in kinds:
                    out.append((f"unknown resource kind '{a.name}'", a))
            return out
        for a in t.args:
            out.extend(type_problems(a, kinds))
        return out
    if t.name not in SCALARS and t.name not in kinds:
        out.append((f"unknown type '{t.name}'", t))
    return out


def conform(value, t: ast.TypeExpr, kinds: set[str]):
    """(value converted to the type, None) or (None, what is wrong)."""
    name = t.name
    if v.is_unknown(value):
        return value, None
    if value is None:
        return None, None
    if name == "any":
        return value, None
    if name == "string":
        if isinstance(value, str):
            return value, None
        if isinstance(value, (v.Word, v.Cidr, v.Ip)):
            return str(value), None
        return None, f"expected a string, got {v.type_name(value)}"
    if name == "number":
        if isinstance(value, Fraction) and not isinstance(value, bool):
            return value, None
        return None, f"expected a number, got {v.type_name(value)}"
    if name == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"expected true or false, got {v.type_name(value)}"
    simple = {"duration": v.Duration, "size": v.Size, "percent": v.Percent, "cidr": v.Cidr, "ip": v.Ip}
    if name in simple:
        if isinstance(value, simple[name]):
            return value, None
        return None, f"expected a {name}, got {v.type_name(value)}"
    if name == "port":
        if isinstance(value, Fraction) and value.denominator == 1 and 0 <= value <= 65535:
            return value, None
        if isinstance(value, v.PortRange):
            return value, None
        return None, f"expected a port (0-65535), got {v.type_name(value)}"
    if name == "one_of":
        words = [a.name for a in t.args]
        text = value.text if isinstance(value, v.Word) else value if isinstance(value, str) else None
        if text is not None and text in words:
            return v.Word(text), None
        from .suggest import did_you_mean
        hint = did_you_mean(str(text), words) if text is not None else ""
        return None, f"expected one of {', '.join(words)}, got {v.type_name(value)} {text!r}" + (f"; {hint}" if hint else "")
    if name == "list":
        items = value.as_list() if hasattr(value, "as_list") else value
        if not isinstance(items, (list, tuple)):
            return None, f"expected a list, got {v.type_name(value)}"
        out = []
        for i, item in enumerate(items):
            conv, problem = conform(item, t.args[0], kinds)
            if problem:
                return None, f"element {i + 1}: {problem}"
            out.append(conv)
        return out, None
    if name == "map":
        if not isinstance(value, dict):
            return None, f"expected a map, got {v.type_name(value)}"
        entries: dict = {}
        for k, item in value.items():
            conv, problem = conform(item, t.args[0], kinds)
            if problem:
                return None, f"key '{k}': {problem}"
            entries[k] = conv
        return entries, None
    wanted = [a.name for a in t.args] if name == "ref" else [name]
    if isinstance(value, v.ResourceRef):
        if value.kind in wanted or not wanted:  # a bare `ref` takes a resource of any kind
            return value, None
        return None, f"expected a {' or '.join(wanted)}, got {value.kind} '{value.address}'"
    return None, f"expected a reference to a {' or '.join(wanted) or 'resource'}, got {v.type_name(value)}"
