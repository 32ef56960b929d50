"""Typed values of the language: numbers with units, network literals, enum words, references.

Values are immutable and hashable. Quantities compare by magnitude (`1h == 60m`,
`1GiB == 1024MiB`, `1GB != 1GiB`) and print in a canonical form, which is what state and plans
store, so writing `60m` after `1h` is not a change.
"""

from __future__ import annotations

import ipaddress
from .record import record
from fractions import Fraction
from functools import lru_cache

DURATION_UNITS = {"ms": Fraction(1, 1000), "s": Fraction(1), "m": Fraction(60), "min": Fraction(60),
                  "h": Fraction(3600), "d": Fraction(86400), "w": Fraction(604800)}
_DURATION_CANON = [("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]

SIZE_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15,
              "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}
_SIZE_CANON = [("PiB", 2**50), ("PB", 10**15), ("TiB", 2**40), ("TB", 10**12), ("GiB", 2**30),
               ("GB", 10**9), ("MiB", 2**20), ("MB", 10**6), ("KiB", 2**10), ("KB", 10**3), ("B", 1)]

UNIT_NAMES = sorted(list(DURATION_UNITS) + list(SIZE_UNITS) + ["%"])


def _num(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    return format(float(x), "g")


@lru_cache(maxsize=4096)
def _duration_text(s: Fraction) -> str:
    if s == 0:
        return "0s"
    for unit, size in _DURATION_CANON:
        if s % size == 0:
            return f"{_num(s / size)}{unit}"
    return f"{_num(s * 1000)}ms"


@lru_cache(maxsize=4096)
def _size_text(b: Fraction) -> str:
    if b == 0:
        return "0B"
    for unit, size in _SIZE_CANON:
        if b % size == 0:
            return f"{_num(b / size)}{unit}"
    return f"{_num(b)}B"


@record
class Duration:
    seconds: Fraction

    @classmethod
    def of(cls, amount, unit: str) -> "Duration":
        return cls(Fraction(amount) * DURATION_UNITS[unit])

    def __str__(self) -> str:
        return _duration_text(self.seconds)

    @property
    def total_seconds(self) -> float:
        return float(self.seconds)


@record
class Size:
    bytes: Fraction

    @classmethod
    def of(cls, amount, unit: str) -> "Size":
        return cls(Fraction(amount) * SIZE_UNITS[unit])

    def __str__(self) -> str:
        return _size_text(self.bytes)

    def in_unit(self, unit: str) -> float:
        return float(self.bytes / SIZE_UNITS[unit])


@record
class Percent:
    value: Fraction

    def __str__(self) -> str:
        return f"{_num(self.value)}%"


@record
class Cidr:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    def __str__(self) -> str:
        return str(self.network)


@record
class Ip:
    address: ipaddress.IPv4Address | ipaddress.IPv6Address

    def __str__(self) -> str:
        return str(self.address)


@record
class PortRange:
    low: int
    high: int

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}..{self.high}"


@record
class Word:
    """A bare enum word: `m5.large`, `gp3`, `aurora-postgresql`, `per_zone`."""

    text: str

    def __str__(self) -> str:
        return self.text


@record
class ResourceRef:
    """A reference to a whole resource (`vpc = main`)."""

    address: str
    kind: str

    def __str__(self) -> str:
        return self.address


@record
class Unknown:
    """A value known only after apply: an attribute a resource exports (`web.dns_name`)."""

    address: str
    attr: str
    type: str = "string"
    kind: str = ""  # the kind of the resource the value comes from

    def __str__(self) -> str:
        return f"{self.address}.{self.attr}"


@record
class Interpolated:
    """A string built from known text and unknown values: `"${web.dns_name}/health"`."""

    parts: tuple  # str | Unknown

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else "${" + str(p) + "}" for p in self.parts)


class _Invalid:
    """A literal the lexer already reported as broken (`10.0.0.300/16`): using it is silent."""

    def __repr__(self):
        return "INVALID"

    def __reduce__(self):  # one of it, also in a parse read back from the cache
        return "INVALID"


INVALID = _Invalid()


def type_name(v) -> str:
    """The language's name for a value's type, as diagnostics print it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float, Fraction)):
        return "number"
    if isinstance(v, (str, Interpolated)):
        return "string"
    if isinstance(v, Duration):
        return "duration"
    if isinstance(v, Size):
        return "size"
    if isinstance(v, Percent):
        return "percent"
    if isinstance(v, Cidr):
        return "cidr"
    if isinstance(v, Ip):
        return "ip"
    if isinstance(v, PortRange):
        return "port range"
    if isinstance(v, Word):
        return "word"
    if isinstance(v, ResourceRef):
        return v.kind
    if isinstance(v, Unknown):
        return v.type
    if isinstance(v, (list, tuple)):
        return "list"
    if isinstance(v, dict):
        return "map"
    return type(v).__name__


def is_unknown(v) -> bool:
    return isinstance(v, (Unknown, Interpolated))


def normalize_number(x):
    """Numbers are Fractions internally; print integers as int and others as float."""
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else float(x)
    return x


def to_json(v):
    """The canonical JSON form of a value: what resolved graphs, state and plans carry."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, Fraction):
        return normalize_number(v)
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, (Duration, Size, Percent, Cidr, Ip, Word)):
        return str(v)
    if isinstance(v, PortRange):
        return v.low if v.low == v.high else str(v)
    if isinstance(v, ResourceRef):
        return {"$ref": v.address}
    if isinstance(v, Unknown):
        return {"$ref": v.address, "attr": v.attr}
    if isinstance(v, Interpolated):
        return {"$format": [to_json(p) for p in v.parts]}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))}
    raise TypeError(f"not a language value: {v!r}")
