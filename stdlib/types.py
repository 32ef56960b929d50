"""Attribute types for catalogue models: the language's values, validated by pydantic.

Each type is an `Annotated` alias with a plain validator (which accepts what the language
evaluates to and fails with a message a person can read) and a serializer to the canonical
JSON that state and plans store. Values known only after apply (`web.dns_name`) pass where
their type fits and serialize as references.

    class Subnet(Kind):
        vpc: Ref["vpc"]
        cidr: Cidr
        az: str
        map_public_ip: bool = False
"""

from __future__ import annotations

import ipaddress
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator
from pydantic_core import PydanticCustomError

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.regions import REGIONS, ZONES, az_region


class RefTo:
    """Metadata on a type that holds references: which kinds it accepts, and which of them may
    be declared in another region than the resource that refers to them (a cross-region read
    replica, a replication destination, a peer VPC); every other reference must stay in its
    region (`stdlib/rules/same_region.py`)."""

    def __init__(self, kinds: tuple[str, ...], across: tuple[str, ...] = ()):
        self.kinds = kinds
        self.across = across


class Choices:
    """Metadata on an enumerated type: the words it allows (for `archform kinds` and editors)."""

    def __init__(self, choices: tuple[str, ...]):
        self.choices = choices


class WordLike:
    """Metadata on a type whose values are written as bare words (enums, zones): a bare name
    there is the word itself, even when a resource of that name exists."""


WORD = WordLike()


def fail(message: str, help: str = "") -> PydanticCustomError:
    """The error a validator raises; `help` becomes the diagnostic's help line."""
    return PydanticCustomError("archform", "{message}", {"message": message, "help": help})


def _unknown_ok(x, want: str) -> bool:
    if isinstance(x, v.Unknown):
        return x.type in (want, "any")
    if isinstance(x, v.Interpolated):
        return want == "string"
    return False


def _ser(x):
    return v.to_json(x)


_SER = PlainSerializer(_ser, return_type=Any)


def _describe(x) -> str:
    t = v.type_name(x)
    if isinstance(x, v.ResourceRef):
        return f"a reference to {t} '{x.address}'"
    if isinstance(x, (list, tuple)):
        return "a list"
    if isinstance(x, dict):
        return "a map"
    shown = v.to_json(x)
    if isinstance(shown, (dict, list)):
        return t
    return f"{t} {shown!r}" if isinstance(shown, str) else f"{t} {shown}"


# --- scalars -----------------------------------------------------------------------------

def _string(x):
    if isinstance(x, str):
        return x
    if isinstance(x, v.Word):
        return x.text
    if _unknown_ok(x, "string"):
        return x
    if isinstance(x, (v.Cidr, v.Ip)):
        return str(x)
    raise fail(f"expected a string, got {_describe(x)}")


Str = Annotated[Any, PlainValidator(_string), _SER]


def _number(x):
    if isinstance(x, bool):
        raise fail(f"expected a number, got {_describe(x)}")
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else float(x)
    if isinstance(x, (int, float)):
        return x
    if _unknown_ok(x, "number"):
        return x
    hint = ""
    if isinstance(x, (v.Duration, v.Size, v.Percent)):
        hint = "this attribute is a plain number, without a unit"
    raise fail(f"expected a number, got {_describe(x)}", hint)


Number = Annotated[Any, PlainValidator(_number), _SER]


def _int(x):
    n = _number(x)
    if isinstance(n, float):
        raise fail(f"expected a whole number, got {n}")
    return n


Int = Annotated[Any, PlainValidator(_int), _SER]


def _bool(x):
    if isinstance(x, bool):
        return x
    if _unknown_ok(x, "bool"):
        return x
    hint = "write true or false" if isinstance(x, (str, v.Word)) and str(x).lower() in ("true", "false", "yes", "no") else ""
    raise fail(f"expected true or false, got {_describe(x)}", hint)


Bool = Annotated[Any, PlainValidator(_bool), _SER]


def IntRange(lo: int | None = None, hi: int | None = None, what: str = "value"):
    """A whole number in [lo, hi]; the message names the rule."""

    def check(x):
        n = _int(x)
        if isinstance(n, int):
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                raise fail(f"{what} must be {_range_text(lo, hi)}, got {n}")
        return n

    return Annotated[Any, PlainValidator(check), _SER]


def _range_text(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    if lo is not None:
        return f"at least {lo}"
    return f"at most {hi}"


# --- quantities ---------------------------------------------------------------------------

def _duration(x):
    if isinstance(x, v.Duration):
        return x
    if _unknown_ok(x, "duration"):
        return x
    if isinstance(x, Fraction) or (isinstance(x, int) and not isinstance(x, bool)):
        raise fail(f"expected a duration, got the plain number {v.normalize_number(x)}",
                   f"add a unit: {v.normalize_number(x)}s, {v.normalize_number(x)}m, {v.normalize_number(x)}h or {v.normalize_number(x)}d")
    raise fail(f"expected a duration such as 30s, 5m or 7d, got {_describe(x)}")


Duration = Annotated[Any, PlainValidator(_duration), _SER]


def _bounded(base, parse, cls, magnitude: str, lo: str | None, hi: str | None, what: str):
    """`base` (a quantity validator) plus bounds written as literals ("0s", "16TiB")."""
    lo_m = getattr(parse(lo), magnitude) if lo else None
    hi_m = getattr(parse(hi), magnitude) if hi else None

    def check(x):
        q = base(x)
        if isinstance(q, cls):
            m = getattr(q, magnitude)
            if (lo_m is not None and m < lo_m) or (hi_m is not None and m > hi_m):
                raise fail(f"{what} must be {_range_text(lo, hi)}, got {q}")
        return q

    return Annotated[Any, PlainValidator(check), _SER]


def DurationRange(lo: str | None = None, hi: str | None = None, what: str = "duration"):
    """A duration within bounds written as literals: DurationRange("0s", "3600s")."""
    return _bounded(_duration, _parse_duration, v.Duration, "seconds", lo, hi, what)


def _literal(text: str) -> tuple[Fraction, str]:
    import re
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]+)", text)
    return Fraction(m.group(1)), m.group(2)


def _parse_duration(text: str) -> v.Duration:
    return v.Duration.of(*_literal(text))


def _parse_size(text: str) -> v.Size:
    return v.Size.of(*_literal(text))


def _size(x):
    if isinstance(x, v.Size):
        return x
    if _unknown_ok(x, "size"):
        return x
    if isinstance(x, Fraction) or (isinstance(x, int) and not isinstance(x, bool)):
        n = v.normalize_number(x)
        raise fail(f"expected a size, got the plain number {n}", f"add a unit: {n}GiB, {n}GB, {n}MiB…")
    raise fail(f"expected a size such as 10GiB or 256KB, got {_describe(x)}")


Size = Annotated[Any, PlainValidator(_size), _SER]


def SizeRange(lo: str | None = None, hi: str | None = None, what: str = "size"):
    """A size within bounds written as literals: SizeRange("1GiB", "16TiB")."""
    return _bounded(_size, _parse_size, v.Size, "bytes", lo, hi, what)


def _percent(x):
    if isinstance(x, v.Percent):
        if not (0 <= x.value <= 100):
            raise fail(f"a percentage must be between 0% and 100%, got {x}")
        return x
    if _unknown_ok(x, "percent"):
        return x
    if isinstance(x, Fraction):
        raise fail(f"expected a percentage, got the plain number {v.normalize_number(x)}",
                   f"write it with %: {v.normalize_number(x)}%")
    raise fail(f"expected a percentage such as 40%, got {_describe(x)}")


Percent = Annotated[Any, PlainValidator(_percent), _SER]


# --- network ---------------------------------------------------------------------------

def _cidr(x):
    if isinstance(x, v.Cidr):
        return x
    if isinstance(x, str):
        try:
            return v.Cidr(ipaddress.ip_network(x, strict=True))
        except ValueError as e:
            raise fail(f"invalid CIDR block {x!r}: {e}")
    if _unknown_ok(x, "cidr") or _unknown_ok(x, "string"):
        return x
    raise fail(f"expected a CIDR block such as 10.0.0.0/16, got {_describe(x)}")


Cidr = Annotated[Any, PlainValidator(_cidr), _SER]


def _ip(x):
    if isinstance(x, v.Ip):
        return x
    if isinstance(x, str):
        try:
            return v.Ip(ipaddress.ip_address(x))
        except ValueError as e:
            raise fail(f"invalid IP address {x!r}: {e}")
    if _unknown_ok(x, "ip") or _unknown_ok(x, "string"):
        return x
    raise fail(f"expected an IP address such as 10.0.0.5, got {_describe(x)}")


Ip = Annotated[Any, PlainValidator(_ip), _SER]


def _port(x):
    n = _number(x) if not isinstance(x, v.PortRange) else None
    if isinstance(x, v.PortRange):
        if x.low == x.high:
            return x.low
        raise fail(f"expected a single port, got the range {x}")
    if not isinstance(n, int) or not (0 <= n <= 65535):
        raise fail(f"a port must be a whole number between 0 and 65535, got {n}",
                   "to write a range use low..high, e.g. 1024..65535")
    return n


Port = Annotated[Any, PlainValidator(_port), _SER]


def _port_range(x):
    if isinstance(x, v.PortRange):
        return x
    n = _port(x)
    return v.PortRange(n, n)


PortRange = Annotated[Any, PlainValidator(_port_range), _SER]


# --- enums and references ---------------------------------------------------------------

def Enum(*choices: str, what: str = "value"):
    """One of the given words, written bare (`gp3`) or quoted (`"gp3"`)."""
    allowed = set(choices)
    shown = ", ".join(choices)

    def check(x):
        if isinstance(x, v.Word):
            text = x.text
        elif isinstance(x, str):
            text = x
        elif isinstance(x, bool) and ("true" in allowed or "false" in allowed):
            text = "true" if x else "false"
        elif _unknown_ok(x, "string"):
            return x
        else:
            raise fail(f"expected one of {shown}, got {_describe(x)}")
        if text in allowed:
            return text
        hint = did_you_mean(text, choices)
        raise fail(f"'{text}' is not a valid {what}: expected one of {shown}", hint)

    return Annotated[Any, PlainValidator(check), _SER, WORD, Choices(tuple(choices))]


class _RefFactory:
    """`Ref["vpc"]` or `Ref["alb", "nlb"]`: a reference to a resource of one of these kinds, in
    the referring resource's region. `Ref.anywhere["rds"]`: one that may be in any region;
    `Ref.of("nat_gateway", "vpc_peering", across=("vpc_peering",))`: some kinds only."""

    def __init__(self, anywhere: bool = False):
        self._anywhere = anywhere

    @property
    def anywhere(self) -> "_RefFactory":
        return _RefFactory(anywhere=True)

    def __getitem__(self, kinds) -> Any:
        if isinstance(kinds, str):
            kinds = (kinds,)
        return self.of(*kinds, across=tuple(kinds) if self._anywhere else ())

    def of(self, *kinds: str, across: tuple[str, ...] = ()) -> Any:
        allowed = tuple(kinds)
        shown = " or ".join(allowed)
        article = "an" if shown[:1] in "aeiou" else "a"  # an efs, an aurora; a vpc

        def check(x):
            if isinstance(x, v.ResourceRef):
                if x.kind in allowed or "*" in allowed:
                    return x
                raise fail(f"expected a reference to {article} {shown}, got {x.kind} '{x.address}'",
                           _ref_hint(x, allowed))
            if isinstance(x, v.Unknown) and x.attr in ("id", "arn"):
                # `vpc = main.id` means the same as `vpc = main`
                if x.kind in allowed or "*" in allowed:
                    return v.ResourceRef(x.address, x.kind)
                raise fail(f"expected a reference to {article} {shown}, got the {x.attr} of {x.kind} '{x.address}'")
            if isinstance(x, (list, tuple)):
                raise fail(f"expected one {shown}, got a list of {len(x)}",
                           "pick one element, e.g. with [\"key\"]" if x else "")
            if isinstance(x, (str, v.Word)):
                raise fail(f"expected a reference to {article} {shown}, got {_describe(x)}",
                           f"refer to the resource by name without quotes, e.g. {allowed[0]} = main")
            raise fail(f"expected a reference to {article} {shown}, got {_describe(x)}")

        return Annotated[Any, PlainValidator(check), _SER, RefTo(allowed, tuple(across))]


def _ref_hint(x: v.ResourceRef, allowed) -> str:
    return ""


Ref = _RefFactory()


# --- a canonical JSON view of free-form maps -------------------------------------------------

def _tags(x):
    if not isinstance(x, dict):
        raise fail(f"expected a map of tags, got {_describe(x)}")
    out = {}
    for k, val in x.items():
        if isinstance(val, (list, dict)):
            raise fail(f"tag '{k}' must be a string, got {_describe(val)}")
        out[str(k)] = _string(val) if not isinstance(val, (Fraction, bool)) else str(v.to_json(val)).lower()
    if len(out) > 50:
        raise fail(f"at most 50 tags per resource, got {len(out)}")
    return out


Tags = Annotated[Any, PlainValidator(_tags), _SER]


def _json_doc(x):
    """A free-form document (IAM policy, bucket policy): any map or list of plain values."""
    if isinstance(x, (dict, list, tuple)):
        return x
    raise fail(f"expected a document (a map), got {_describe(x)}")


Document = Annotated[Any, PlainValidator(_json_doc), _SER]


# --- defaults written as the language writes them -------------------------------------------

def block_flag(x):
    """A block written as a flag: `url = true` is the block with its defaults, `false` none
    (for a `mode="before"` field validator of an optional block)."""
    if x is True:
        return {}
    return None if x is False else x


def dur(text: str) -> v.Duration:
    """A duration default: dur("300s")."""
    return _parse_duration(text)


def size(text: str) -> v.Size:
    """A size default: size("8GiB")."""
    return _parse_size(text)


def pct(n) -> v.Percent:
    return v.Percent(Fraction(n))


def cidr(text: str) -> v.Cidr:
    return v.Cidr(ipaddress.ip_network(text))


# --- availability zones (need the region the resource is declared in) -------------------------

def _az(x, info):
    region = (info.context or {}).get("region") if info is not None else None
    if region not in REGIONS:
        region = None  # an unknown region is reported where it is named
    if _unknown_ok(x, "string"):
        return x
    if isinstance(x, v.Word):
        x = x.text
    if not isinstance(x, str):
        raise fail(f"expected an Availability Zone such as \"us-east-1a\" (or just a), got {_describe(x)}")
    name = x
    if region and len(x) == 1 and x.isalpha():
        name = region + x
    owner = az_region(name)
    if owner is None:
        hint = did_you_mean(name, [z for r in REGIONS.values() for z in r.zones])
        raise fail(f"'{x}' is not an Availability Zone", hint)
    if region and owner != region:
        raise fail(f"Availability Zone '{name}' is in {owner}, but this resource is declared in {region}",
                   f"use a zone of {region}: {', '.join(REGIONS[region].zones)}")
    if name not in ZONES[owner]:
        zones = REGIONS[owner].zones
        raise fail(f"{owner} has {len(zones)} Availability Zones ({zones[0]}…{zones[-1]}); '{name}' does not exist")
    return name


AZ = Annotated[Any, PlainValidator(_az, json_schema_input_type=str), _SER, WORD]


# --- combinations, case-insensitive words, regions (added for the service families) ----------

def _validator_fn(t):
    """The plain validator function behind one of the Annotated types above."""
    for meta in getattr(t, "__metadata__", ()):
        if isinstance(meta, PlainValidator):
            return meta.func
    raise TypeError(f"{t!r} is not an archform attribute type")


def validator_of(t):
    """The function that validates one value for an attribute type: validator_of(Ref["vpc"])(x)."""
    return _validator_fn(t)


def Validated(func, word: bool = False, refs: tuple[str, ...] = (), across: tuple[str, ...] = ()):
    """An attribute type from a one-argument validator function (raising `fail(...)`).

    `word`: a bare name written there is a word (`db.m5.large`), as for Enum; `refs`: the
    kinds of resource it may reference (`across`: those of them that may be in another region)."""
    meta = ([WORD] if word else []) + ([RefTo(tuple(refs), tuple(across))] if refs else [])
    return Annotated[(Any, PlainValidator(func), _SER, *meta)]


def _metadata(t, cls):
    return [m for m in getattr(t, "__metadata__", ()) if isinstance(m, cls)]


def OneOf(*types, what: str):
    """The first of several attribute types that accepts the value: OneOf(Ref["s3_bucket"], Str, what=...).

    A list is validated element by element when `list` is among the types' shapes: write
    OneOf(Ref["target_group"], ListOf(Ref["instance"]), what=...)."""
    checks = [_validator_fn(t) for t in types]

    def check(x):
        specific = None  # a failure about the value's content, not its type: the one worth showing
        for c in checks:
            try:
                return c(x)
            except PydanticCustomError as e:
                if specific is None and not str((e.context or {}).get("message", "")).startswith("expected "):
                    specific = e
        raise specific or fail(f"expected {what}, got {_describe(x)}")

    kinds = tuple(k for t in types for m in _metadata(t, RefTo) for k in m.kinds)
    across = tuple(k for t in types for m in _metadata(t, RefTo) for k in m.across)
    word = not kinds and any(_metadata(t, WordLike) for t in types)
    return Validated(check, word=word, refs=kinds, across=across)


def ListOf(t):
    """A list whose elements are validated by the attribute type `t` (for use inside OneOf)."""
    inner = _validator_fn(t)

    def check(x):
        if not isinstance(x, (list, tuple)):
            raise fail(f"expected a list, got {_describe(x)}")
        return [inner(e) for e in x]

    kinds = tuple(k for m in _metadata(t, RefTo) for k in m.kinds)
    across = tuple(k for m in _metadata(t, RefTo) for k in m.across)
    return Validated(check, word=bool(_metadata(t, WordLike)) and not kinds, refs=kinds, across=across)


def Choice(*choices: str, aliases: dict[str, str] | None = None, what: str = "value"):
    """Like Enum, but case-insensitive (and `-`/`_` alike), with aliases mapping to a choice.

    Choice("HTTP", "HTTPS", what="protocol") accepts `https`; Choice("multi_site",
    aliases={"active_active": "multi_site"}) accepts `active_active` and stores `multi_site`."""
    def key(text: str) -> str:
        return text.lower().replace("-", "_")

    table = {key(c): c for c in choices}
    for alias, target in (aliases or {}).items():
        table.setdefault(key(alias), target)
    shown = ", ".join(choices)

    def check(x):
        if isinstance(x, v.Word):
            text = x.text
        elif isinstance(x, str):
            text = x
        elif isinstance(x, Fraction) and x.denominator == 1:
            text = str(x.numerator)
        elif _unknown_ok(x, "string"):
            return x
        else:
            raise fail(f"expected one of {shown}, got {_describe(x)}")
        found = table.get(key(text))
        if found is not None:
            return found
        raise fail(f"'{text}' is not a valid {what}: expected one of {shown}", did_you_mean(text, choices))

    return Annotated[Any, PlainValidator(check), _SER, WORD, Choices(tuple(choices))]


def _region(x):
    from archform.stdlib.regions import REGIONS
    if _unknown_ok(x, "string"):
        return x
    if isinstance(x, v.Word):
        x = x.text
    if not isinstance(x, str):
        raise fail(f"expected a region name such as \"us-east-1\", got {_describe(x)}")
    if x not in REGIONS:
        raise fail(f"'{x}' is not an AWS region", did_you_mean(x, REGIONS))
    return x


Region = Annotated[Any, PlainValidator(_region), _SER]
