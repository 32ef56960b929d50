"""The function library: pure functions over language values.

Each function takes its evaluated arguments and returns a value, or raises `FunctionError`
with a message (and the index of the offending argument) that becomes a diagnostic. One module
per family: `network`, `collections`, `text` (strings and conversions); `args` holds what they
share.
"""

from __future__ import annotations

from typing import Callable

from .. import values as v
from .args import FunctionError, Unknowable
from .collections import (_extreme, abs_, alltrue, anytrue, resources, ceil, concat, contains, distinct, first, flatten, floor, index, keys, last,
                          length, lookup, merge, range_, reverse, slice_, sort, sum_, values_, zipmap)
from .network import cidrcontains, cidrhost, cidrnetmask, cidrsubnet, cidrsubnets, zones
from .text import (_strfn, _unit, coalesce, display, endswith, file_, format_, join, jsonencode, nonsensitive, replace,
                   split, startswith, substr, tobool, tonumber, tostring)

__all__ = ["FUNCTIONS", "FunctionError", "Unknowable", "display"]

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
    "alltrue": alltrue, "anytrue": anytrue, "resources": resources,
}
