"""Canonical values of the language (`30s`, `20GiB`, `40%`, `1024..65535`) read back as the
numbers CloudFormation properties take."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from archform.dsl.values import DURATION_UNITS, SIZE_UNITS

_QUANTITY = re.compile(r"^(-?[0-9.]+)([A-Za-z%]+)$")
GIB = 2 ** 30


def _split(text: str) -> tuple[Fraction, str]:
    m = _QUANTITY.match(text)
    if not m:
        raise ValueError(f"not a quantity: {text!r}")
    return Fraction(m.group(1)), m.group(2)


@lru_cache(maxsize=1024)
def seconds(text) -> int:
    """`5m` → 300 (rounded down to whole seconds)."""
    if text is None:
        return None
    amount, unit = _split(text)
    return int(amount * DURATION_UNITS[unit])


def days(text) -> int:
    return None if text is None else seconds(text) // 86400


def size_bytes(text) -> Fraction:
    amount, unit = _split(text)
    return amount * SIZE_UNITS[unit]


@lru_cache(maxsize=1024)
def gib(text) -> int:
    """A size in whole GiB, rounded up (EBS and RDS sizes are whole GiB)."""
    if text is None:
        return None
    b = size_bytes(text)
    whole = b // GIB
    return int(whole if whole * GIB == b else whole + 1)


def percent(text) -> float:
    amount, unit = _split(text)
    if unit != "%":
        raise ValueError(f"not a percentage: {text!r}")
    return int(amount) if amount.denominator == 1 else float(amount)


def number(x):
    """A level written as a plain number, a percentage (40%) or a size (bytes)."""
    if isinstance(x, (int, float)):
        return x
    amount, unit = _split(x)
    if unit == "%":
        value = amount
    elif unit in SIZE_UNITS:
        value = amount * SIZE_UNITS[unit]
    else:
        raise ValueError(f"not a number: {x!r}")
    return int(value) if value.denominator == 1 else float(value)


def port_range(value) -> tuple[int, int] | None:
    """`443` → (443, 443); `"1024..65535"` → (1024, 65535); None → None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value, value
    low, _, high = str(value).partition("..")
    return int(low), int(high or low)
