"""Language values at the resolver's edges: keys of `for` instances, model values back into the
language, evaluated values into what pydantic validates, plain data for outputs."""

from __future__ import annotations
from fractions import Fraction

from pydantic import BaseModel

from . import ast
from . import values as v
from .diagnostics import Span
from .evaluate import EvalError, fail
from .scopes import ModuleRef, RegionRef, Replicated


def format_key(key: str) -> str:
    """How a key appears in an address: bare when simple, quoted otherwise."""
    if key and all(c.isalnum() or c in "-_./:" for c in key):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def key_of(item) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, v.Word):
        return item.text
    if isinstance(item, bool):
        return None
    if isinstance(item, Fraction):
        return str(v.normalize_number(item))
    if isinstance(item, (v.Cidr, v.Ip, v.Duration, v.Size, v.Percent)):
        return str(item)
    if isinstance(item, v.ResourceRef):
        tail = item.address.rsplit(".", 1)[-1]
        return tail
    return None


def to_value(x):
    """A validated model attribute back as a language value."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(x).limit_denominator(10**9)
    if isinstance(x, BaseModel):
        return {k: to_value(getattr(x, k)) for k in type(x).model_fields}
    if isinstance(x, (list, tuple)):
        return [to_value(i) for i in x]
    if isinstance(x, dict):
        return {k: to_value(i) for k, i in x.items()}
    return x


def materialize(val, span):
    """An attribute's value as plain data: a replicated resource becomes the list of its
    instances; a module instance is not data."""
    if isinstance(val, Replicated):
        return val.as_list()
    if isinstance(val, ModuleRef):
        raise fail(f"{val.describe()} is a module, not a value", span,
                   help="use one of its outputs: name.output")
    if isinstance(val, RegionRef):
        raise fail(f"{val.describe()} is a region scope, not a value", span)
    if isinstance(val, list):
        return [materialize(x, span) for x in val]
    if isinstance(val, dict):
        return {k: materialize(x, span) for k, x in val.items()}
    return val


def plain(val):
    if isinstance(val, Replicated):
        return val.as_map()
    if isinstance(val, ModuleRef):
        raise TypeError
    if isinstance(val, list):
        return [plain(x) for x in val]
    if isinstance(val, dict):
        return {k: plain(x) for k, x in val.items()}
    return val


def refs_in(val):
    if isinstance(val, v.ResourceRef):
        yield val.address
    elif isinstance(val, (list, tuple)):
        for x in val:
            yield from refs_in(x)
    elif isinstance(val, dict):
        for x in val.values():
            yield from refs_in(x)


def json_or_none(val):
    """A language value as plain data, or None when it holds what cannot be shown (a reference)."""
    try:
        return v.to_json(plain(val))
    except (TypeError, ValueError, EvalError):
        return None


def dotted(expr) -> str | None:
    if type(expr) is ast.Var:
        return expr.name
    if type(expr) is ast.GetAttr:
        head = dotted(expr.obj)
        return None if head is None else f"{head}.{expr.name}"
    return None


def names_in(expr) -> list[tuple[str, Span]] | None:
    items = expr.items if type(expr) is ast.ListExpr else [expr]
    out = []
    for it in items:
        if type(it) is ast.Var:
            out.append((it.name, it.span))
        elif type(it) is ast.Str and all(isinstance(p, str) for p in it.parts):
            out.append(("".join(it.parts), it.span))
        else:
            return None
    return out
