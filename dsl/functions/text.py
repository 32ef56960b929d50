"""Functions over strings, and conversions between values (to strings, numbers, units, JSON),
and `file()`."""

from __future__ import annotations

import json
import re
from fractions import Fraction

from .. import values as v
from .args import FunctionError, Unknowable, _arity, _int, _list, _str


_FORMAT = re.compile(r"%(-?\d*)([sdvq%])")


def format_(args, ctx):
    _arity("format", args, 1, -1)
    fmt = _str(args[0], 0, "format")
    rest = list(args[1:])
    pos = 0

    def repl(m):
        nonlocal pos
        width, verb = m.group(1), m.group(2)
        if verb == "%":
            return "%"
        if pos >= len(rest):
            raise FunctionError(f"format(): the format has more verbs than the {len(rest)} values given", 0)
        x = rest[pos]
        pos += 1
        if v.is_unknown(x):
            raise Unknowable()
        if verb == "d":
            text = str(_int(x, pos, "format"))
        elif verb == "q":
            text = json.dumps(display(x))
        else:
            text = display(x)
        if width:
            w = int(width) if len(width) <= 6 else 10**6
            if abs(w) > 1000:
                raise FunctionError(f"format(): a width of {abs(w)} is more than the limit of 1000", 0)
            text = text.ljust(-w) if w < 0 else (text.zfill(w) if width.startswith("0") else text.rjust(w))
        return text

    out = _FORMAT.sub(repl, fmt)
    if pos < len(rest):
        raise FunctionError(f"format(): {len(rest)} values given but the format uses {pos}", len(args) - 1)
    return out


def join(args, ctx):
    _arity("join", args, 2)
    sep = _str(args[0], 0, "join")
    xs = _list(args[1], 1, "join")
    if any(v.is_unknown(x) for x in xs):
        raise Unknowable()
    parts = [display(x) for x in xs]
    _fits(ctx, len(sep) * max(0, len(parts) - 1) + sum(map(len, parts)), "join")
    return sep.join(parts)


def split(args, ctx):
    _arity("split", args, 2)
    sep = _str(args[0], 0, "split")
    if not sep:
        raise FunctionError("split(): the separator is empty", 0, help="split(\",\", text) splits at each comma")
    return _str(args[1], 1, "split").split(sep)


def _fits(ctx, length: int, fn: str):
    """A string of `length` characters is about to be made: refuse it before it is, when it
    would be over the string limit."""
    limit = ctx.meter.limits.string
    if length > limit:
        raise FunctionError(f"{fn}(): the result would be {length:,} characters long; the limit is {limit:,}",
                            help=f'if this is intended, raise the limit: ARCHFORM_LIMITS="string={limit * 4}"')


def _strfn(name, f):
    def fn(args, ctx):
        _arity(name, args, 1)
        return f(_str(args[0], 0, name))
    return fn


def replace(args, ctx):
    _arity("replace", args, 3)
    s, old, new = _str(args[0], 0, "replace"), _str(args[1], 1, "replace"), _str(args[2], 2, "replace")
    if len(new) > len(old):
        times = s.count(old) if old else len(s) + 1
        _fits(ctx, len(s) + times * (len(new) - len(old)), "replace")
    return s.replace(old, new)


def substr(args, ctx):
    _arity("substr", args, 3)
    s = _str(args[0], 0, "substr")
    off = _int(args[1], 1, "substr")
    n = _int(args[2], 2, "substr")
    return s[off:] if n < 0 else s[off:off + n]


def startswith(args, ctx):
    _arity("startswith", args, 2)
    return _str(args[0], 0, "startswith").startswith(_str(args[1], 1, "startswith"))


def endswith(args, ctx):
    _arity("endswith", args, 2)
    return _str(args[0], 0, "endswith").endswith(_str(args[1], 1, "endswith"))


def tostring(args, ctx):
    _arity("tostring", args, 1)
    if v.is_unknown(args[0]):
        raise Unknowable()
    return display(args[0])


def tonumber(args, ctx):
    _arity("tonumber", args, 1)
    x = args[0]
    if isinstance(x, Fraction):
        return x
    try:
        return Fraction(_str(x, 0, "tonumber"))
    except (ValueError, ZeroDivisionError):
        raise FunctionError(f"tonumber(): '{x}' is not a number", 0)


def tobool(args, ctx):
    _arity("tobool", args, 1)
    x = args[0]
    if isinstance(x, bool):
        return x
    s = _str(x, 0, "tobool")
    if s in ("true", "false"):
        return s == "true"
    raise FunctionError(f"tobool(): '{s}' is not true or false", 0)


def coalesce(args, ctx):
    for x in args:
        if x is not None and x != "":
            return x
    raise FunctionError("coalesce(): every argument is null or empty")


def _unit(name, cls, attr, unit_value, label):
    def fn(args, ctx):
        _arity(name, args, 1)
        x = args[0]
        if v.is_unknown(x):
            raise Unknowable()
        if not isinstance(x, cls):
            raise FunctionError(f"{name}() expects a {label}, got {v.type_name(x)}", 0)
        return getattr(x, attr) / unit_value
    return fn


def jsonencode(args, ctx):
    _arity("jsonencode", args, 1)
    if _contains_unknown(args[0]):
        raise Unknowable()
    return json.dumps(v.to_json(args[0]), sort_keys=True, separators=(",", ":"))


def _contains_unknown(x) -> bool:
    if v.is_unknown(x):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_unknown(y) for y in x)
    if isinstance(x, dict):
        return any(_contains_unknown(y) for y in x.values())
    return False


def file_(args, ctx):
    """The text of a file beside the configuration (ctx.read_file bounds and confines it)."""
    _arity("file", args, 1)
    path = _str(args[0], 0, "file")
    if not path or "\0" in path:
        raise FunctionError("file(): the path is empty or holds a NUL character", 0)
    return ctx.read_file(path)


def display(x) -> str:
    """How a value reads inside a string."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, Fraction):
        n = v.normalize_number(x)
        return str(n)
    if x is None:
        return ""
    if isinstance(x, (str,)):
        return x
    if isinstance(x, (v.Duration, v.Size, v.Percent, v.Cidr, v.Ip, v.Word, v.PortRange)):
        return str(x)
    raise FunctionError(f"a {v.type_name(x)} cannot be written inside a string")


def nonsensitive(args, env):
    """nonsensitive(x): x, no longer treated as a secret (for a value derived from a secret that
    reveals nothing, such as its length). The resolver stops following secrets through it."""
    _arity("nonsensitive", args, 1)
    return args[0]
