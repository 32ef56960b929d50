"""Functions over lists, maps and numbers."""

from __future__ import annotations

import math
from fractions import Fraction

from .. import values as v
from .args import FunctionError, Unknowable, _arity, _int, _list, _map, _num, _str


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
    from ..suggest import did_you_mean
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
    from ..evaluate import arith
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


def alltrue(args, ctx):
    """Whether every item of a list is true (an empty list: true), as Terraform's alltrue."""
    _arity("alltrue", args, 1)
    return _truths("alltrue", args[0]).count(False) == 0


def anytrue(args, ctx):
    """Whether any item of a list is true (an empty list: false), as Terraform's anytrue."""
    _arity("anytrue", args, 1)
    return True in _truths("anytrue", args[0])


def _truths(fn, x) -> list[bool]:
    items = _list(x, 0, fn)
    for item in items:
        if v.is_unknown(item):
            raise Unknowable()
        if not isinstance(item, bool):
            raise FunctionError(f"{fn}() expects a list of true or false, got an item that is {v.type_name(item)}", 0)
    return items


def resources(args, ctx):
    """`resources("s3_bucket")`: the resources of that kind declared in this file (in this region,
    when called inside a region block), by address; each reads as its attributes do
    (`b.encryption`). Only `check` blocks and lifecycle conditions may call it."""
    _arity("resources", args, 1)
    return ctx.resources_of(_str(args[0], 0, "resources"))
