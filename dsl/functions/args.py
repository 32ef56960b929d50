"""What every function of the library shares: its errors and the checks of its arguments."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

from .. import values as v


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
