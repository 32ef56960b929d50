"""The function library: pure functions over language values.

Each function takes its evaluated arguments and returns a value, or raises `FunctionError`
with a message (and the index of the offending argument) that becomes a diagnostic.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from fractions import Fraction
from typing import Callable

from . import values as v


class FunctionError(Exception):
    def __init__(self, message: str, arg: int | None = None, help: str = ""):
        super().__init__(message)
        self.message = message
        self.arg = arg
        self.help = help


class Unknowable(Exception):
    """An argument is known only after apply; the result is unknown too."""


def _num(x, i, fn) -> Fraction:
    if isinstance(x, Fraction) and not isinstance(x, bool):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return Fraction(x)
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"{fn}() expects a number as argument {i + 1}, got {v.type_name(x)}", i)


def _int(x, i, fn) -> int:
    n = _num(x, i, fn)
    if n.denominator != 1:
        raise FunctionError(f"{fn}() expects a whole number as argument {i + 1}, got {float(n)}", i)
    return n.numerator


def _str(x, i, fn) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, v.Word):
        return x.text
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"{fn}() expects a string as argument {i + 1}, got {v.type_name(x)}", i)


def _list(x, i, fn) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    if hasattr(x, "as_list"):
        return x.as_list()
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"{fn}() expects a list as argument {i + 1}, got {v.type_name(x)}", i)


def _map(x, i, fn) -> dict:
    if isinstance(x, dict):
        return x
    if hasattr(x, "as_map"):
        return x.as_map()
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"{fn}() expects a map as argument {i + 1}, got {v.type_name(x)}", i)


def _cidr(x, i, fn):
    if isinstance(x, v.Cidr):
        return x.network
    if isinstance(x, str):
        try:
            return ipaddress.ip_network(x, strict=True)
        except ValueError as e:
            raise FunctionError(f"{fn}(): {e}", i)
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"{fn}() expects a CIDR block as argument {i + 1}, got {v.type_name(x)}", i)


def _arity(fn, args, lo, hi=None):
    hi = lo if hi is None else hi
    if not (lo <= len(args) <= (hi if hi >= 0 else len(args))):
        want = f"{lo}" if lo == hi else (f"at least {lo}" if hi < 0 else f"{lo} to {hi}")
        raise FunctionError(f"{fn}() takes {want} argument{'s' if want != '1' else ''}, got {len(args)}")


# --- network --------------------------------------------------------------------------------

def cidrsubnet(args, ctx):
    _arity("cidrsubnet", args, 3)
    net = _cidr(args[0], 0, "cidrsubnet")
    newbits = _int(args[1], 1, "cidrsubnet")
    netnum = _int(args[2], 2, "cidrsubnet")
    new_prefix = net.prefixlen + newbits
    if newbits < 0 or new_prefix > net.max_prefixlen:
        raise FunctionError(f"cidrsubnet(): cannot add {newbits} bits to /{net.prefixlen} "
                            f"(at most {net.max_prefixlen - net.prefixlen})", 1)
    if not (0 <= netnum < 2 ** newbits):
        raise FunctionError(f"cidrsubnet(): {net} has {2 ** newbits} subnets of /{new_prefix} "
                            f"(numbered 0 to {2 ** newbits - 1}); {netnum} is out of range", 2)
    size = 2 ** (net.max_prefixlen - new_prefix)
    base = int(net.network_address) + netnum * size
    return v.Cidr(ipaddress.ip_network((base, new_prefix)))


def cidrsubnets(args, ctx):
    _arity("cidrsubnets", args, 1, -1)
    net = _cidr(args[0], 0, "cidrsubnets")
    out = []
    cursor = int(net.network_address)
    end = int(net.broadcast_address)
    for i, b in enumerate(args[1:], start=1):
        newbits = _int(b, i, "cidrsubnets")
        prefix = net.prefixlen + newbits
        if newbits < 0 or prefix > net.max_prefixlen:
            raise FunctionError(f"cidrsubnets(): cannot add {newbits} bits to /{net.prefixlen}", i)
        size = 2 ** (net.max_prefixlen - prefix)
        cursor = (cursor + size - 1) // size * size
        if cursor + size - 1 > end:
            raise FunctionError(f"cidrsubnets(): not enough room in {net} for a /{prefix}", i)
        out.append(v.Cidr(ipaddress.ip_network((cursor, prefix))))
        cursor += size
    return out


def cidrhost(args, ctx):
    _arity("cidrhost", args, 2)
    net = _cidr(args[0], 0, "cidrhost")
    n = _int(args[1], 1, "cidrhost")
    if n < 0:
        n += net.num_addresses
    if not (0 <= n < net.num_addresses):
        raise FunctionError(f"cidrhost(): {net} has {net.num_addresses} addresses; host {n} is out of range", 1)
    return v.Ip(net.network_address + n)


def cidrnetmask(args, ctx):
    _arity("cidrnetmask", args, 1)
    return str(_cidr(args[0], 0, "cidrnetmask").netmask)


def cidrcontains(args, ctx):
    _arity("cidrcontains", args, 2)
    net = _cidr(args[0], 0, "cidrcontains")
    other = args[1]
    if isinstance(other, v.Ip):
        return other.address in net
    return _cidr(other, 1, "cidrcontains").subnet_of(net)


def zones(args, ctx):
    """The Availability Zones of the current region (or of the region named), first `n` of them."""
    from archform.stdlib.regions import REGIONS
    _arity("zones", args, 0, 2)
    region = ctx.region
    n = None
    for i, a in enumerate(args):
        if isinstance(a, (str, v.Word)):
            region = str(a)
        else:
            n = _int(a, i, "zones")
    if region is None:
        raise FunctionError("zones() outside a region block needs the region name: zones(\"us-east-1\")")
    info = REGIONS.get(region)
    if info is None:
        raise FunctionError(f"zones(): unknown region '{region}'")
    if n is not None and n > info.azs:
        raise FunctionError(f"{region} has {info.azs} Availability Zones; cannot take {n}",
                            help=f"use at most zones({info.azs})")
    return info.zones[:n] if n is not None else info.zones


# --- collections ----------------------------------------------------------------------------

def length(args, ctx):
    _arity("length", args, 1)
    x = args[0]
    if isinstance(x, (str, list, tuple, dict)):
        return Fraction(len(x))
    if hasattr(x, "as_list"):
        return Fraction(len(x.as_list()))
    if v.is_unknown(x):
        raise Unknowable()
    raise FunctionError(f"length() expects a list, map or string, got {v.type_name(x)}", 0)


def concat(args, ctx):
    out = []
    for i, a in enumerate(args):
        out.extend(_list(a, i, "concat"))
    return out


def flatten(args, ctx):
    _arity("flatten", args, 1)

    def walk(xs):
        for x in xs:
            if isinstance(x, (list, tuple)):
                yield from walk(x)
            else:
                yield x
    return list(walk(_list(args[0], 0, "flatten")))


def distinct(args, ctx):
    """The list without repeats, first occurrences kept in order. Values that can be hashed are
    found in a set (a list of 100,000 takes no 10^10 comparisons); others are compared."""
    _arity("distinct", args, 1)
    out, seen, others = [], set(), []
    for x in _list(args[0], 0, "distinct"):
        try:
            key = (type(x), x)
            if key in seen:
                continue
            seen.add(key)
        except TypeError:  # a list or a map
            if x in others:
                continue
            others.append(x)
        out.append(x)
    return out


def reverse(args, ctx):
    _arity("reverse", args, 1)
    return list(reversed(_list(args[0], 0, "reverse")))


def sort(args, ctx):
    _arity("sort", args, 1)
    xs = _list(args[0], 0, "sort")
    try:
        return sorted(xs, key=_order_key)
    except TypeError:
        raise FunctionError("sort() needs a list of values of one type", 0)


def _order_key(x):
    if isinstance(x, v.Duration):
        return x.seconds
    if isinstance(x, v.Size):
        return x.bytes
    if isinstance(x, v.Percent):
        return x.value
    if isinstance(x, v.Word):
        return x.text
    if isinstance(x, (v.Cidr, v.Ip)):
        return str(x)
    return x


def first(args, ctx):
    _arity("first", args, 1)
    xs = _list(args[0], 0, "first")
    if not xs:
        raise FunctionError("first() of an empty list", 0)
    return xs[0]


def last(args, ctx):
    _arity("last", args, 1)
    xs = _list(args[0], 0, "last")
    if not xs:
        raise FunctionError("last() of an empty list", 0)
    return xs[-1]


def slice_(args, ctx):
    _arity("slice", args, 3)
    xs = _list(args[0], 0, "slice")
    return xs[_int(args[1], 1, "slice"):_int(args[2], 2, "slice")]


def keys(args, ctx):
    _arity("keys", args, 1)
    return sorted(_map(args[0], 0, "keys"))


def values_(args, ctx):
    _arity("values", args, 1)
    m = _map(args[0], 0, "values")
    return [m[k] for k in sorted(m)]


def lookup(args, ctx):
    _arity("lookup", args, 2, 3)
    m = _map(args[0], 0, "lookup")
    key = _str(args[1], 1, "lookup")
    if key in m:
        return m[key]
    if len(args) == 3:
        return args[2]
    from .suggest import did_you_mean
    raise FunctionError(f"lookup(): no key '{key}' in the map (keys: {', '.join(sorted(m)) or 'none'})", 1,
                        help=did_you_mean(key, m) or "pass a default as the third argument")


def merge(args, ctx):
    out = {}
    for i, a in enumerate(args):
        out.update(_map(a, i, "merge"))
    return out


def zipmap(args, ctx):
    _arity("zipmap", args, 2)
    ks = [_str(k, 0, "zipmap") for k in _list(args[0], 0, "zipmap")]
    vs = _list(args[1], 1, "zipmap")
    if len(ks) != len(vs):
        raise FunctionError(f"zipmap(): {len(ks)} keys but {len(vs)} values", 1)
    return dict(zip(ks, vs))


def contains(args, ctx):
    _arity("contains", args, 2)
    x = args[0]
    if isinstance(x, dict):
        return _str(args[1], 1, "contains") in x
    if isinstance(x, str):
        return _str(args[1], 1, "contains") in x
    return args[1] in _list(x, 0, "contains")


def index(args, ctx):
    _arity("index", args, 2)
    xs = _list(args[0], 0, "index")
    if args[1] not in xs:
        raise FunctionError("index(): the value is not in the list", 1)
    return Fraction(xs.index(args[1]))


def range_(args, ctx):
    _arity("range", args, 1, 3)
    ns = [_num(a, i, "range") for i, a in enumerate(args)]
    if len(ns) == 1:
        start, stop, step = Fraction(0), ns[0], Fraction(1)
    elif len(ns) == 2:
        start, stop, step = ns[0], ns[1], Fraction(1)
    else:
        start, stop, step = ns
    if step == 0:
        raise FunctionError("range(): the step cannot be 0", 2)
    count = math.ceil((stop - start) / step)
    limit = ctx.meter.limits.range
    if count > limit:
        raise FunctionError(f"range(): {count:,} elements, over the limit of {limit:,}",
                            help=f'if this is intended, raise the limit: ARCHFORM_LIMITS="range={limit * 4}"')
    return [start + i * step for i in range(max(0, count))]


def sum_(args, ctx):
    _arity("sum", args, 1)
    xs = _list(args[0], 0, "sum")
    if not xs:
        return Fraction(0)
    total = xs[0]
    from .evaluate import arith
    for x in xs[1:]:
        total = arith("+", total, x)
    return total


def _extreme(name, pick):
    def fn(args, ctx):
        xs = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if not xs:
            raise FunctionError(f"{name}() needs at least one value")
        kinds = {type(x) for x in xs}
        if any(v.is_unknown(x) for x in xs):
            raise Unknowable()
        if len(kinds) != 1 or not kinds <= {Fraction, v.Duration, v.Size, v.Percent}:
            raise FunctionError(f"{name}() compares values of one type (numbers, durations, sizes or percentages), "
                                f"got {', '.join(sorted({v.type_name(x) for x in xs}))}")
        return pick(xs, key=_order_key)
    return fn


def abs_(args, ctx):
    _arity("abs", args, 1)
    return abs(_num(args[0], 0, "abs"))


def ceil(args, ctx):
    _arity("ceil", args, 1)
    return Fraction(math.ceil(_num(args[0], 0, "ceil")))


def floor(args, ctx):
    _arity("floor", args, 1)
    return Fraction(math.floor(_num(args[0], 0, "floor")))


# --- strings --------------------------------------------------------------------------------

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


# --- conversions ----------------------------------------------------------------------------

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


FUNCTIONS: dict[str, Callable] = {
    "cidrsubnet": cidrsubnet, "cidrsubnets": cidrsubnets, "cidrhost": cidrhost,
    "cidrnetmask": cidrnetmask, "cidrcontains": cidrcontains, "zones": zones,
    "length": length, "first": first, "last": last, "slice": slice_, "concat": concat, "flatten": flatten, "distinct": distinct,
    "reverse": reverse, "sort": sort, "keys": keys, "values": values_, "lookup": lookup,
    "merge": merge, "zipmap": zipmap, "contains": contains, "index": index, "range": range_,
    "sum": sum_, "min": _extreme("min", min), "max": _extreme("max", max), "abs": abs_,
    "ceil": ceil, "floor": floor,
    "format": format_, "join": join, "split": split, "upper": _strfn("upper", str.upper),
    "lower": _strfn("lower", str.lower), "title": _strfn("title", str.title),
    "trim": _strfn("trim", str.strip), "replace": replace, "substr": substr,
    "startswith": startswith, "endswith": endswith,
    "tostring": tostring, "tonumber": tonumber, "tobool": tobool, "coalesce": coalesce,
    "seconds": _unit("seconds", v.Duration, "seconds", 1, "duration"),
    "minutes": _unit("minutes", v.Duration, "seconds", 60, "duration"),
    "hours": _unit("hours", v.Duration, "seconds", 3600, "duration"),
    "days": _unit("days", v.Duration, "seconds", 86400, "duration"),
    "bytes": _unit("bytes", v.Size, "bytes", 1, "size"),
    "gib": _unit("gib", v.Size, "bytes", 2**30, "size"),
    "gb": _unit("gb", v.Size, "bytes", 10**9, "size"),
    "jsonencode": jsonencode, "file": file_, "nonsensitive": nonsensitive,
}
