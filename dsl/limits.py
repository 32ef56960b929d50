"""How much a configuration may ask of archform, and the meter that holds one evaluation to it.

A file written by a careless generator or a hostile hand must end in a diagnostic, never in a
machine out of memory or a run that does not end. Each limit below becomes an error on the
expression that crossed it (file:line:col, underlined), saying how to raise the limit for a
real need:

    ARCHFORM_LIMITS="string=4MiB,steps=50000000" archform validate big.arch

| name      | default    | what                                                                 |
|-----------|------------|----------------------------------------------------------------------|
| string    | 1 MiB      | characters in one string                                             |
| list      | 100,000    | elements of one list, entries of one map                             |
| value     | 1,000,000  | size of one value, nested: elements, entries and characters / 16     |
| values    | 2,000,000  | the same, made by computation in all: loops, functions and strings   |
|           |            | built with `${}` (what a configuration writes literally is free)     |
| steps     | 5,000,000  | evaluation steps: expressions evaluated, loop iterations             |
| instances | 50,000     | resources and module instances made by `for` and by modules, in all  |
|           |            | (what the root file declares block by block is free)                 |
| range     | 10,000     | elements one `range()` makes                                         |
| file      | 1 MiB      | bytes `file()` reads                                                 |
| source    | 64 MiB     | bytes of one `.arch` file                                            |
| nesting   | 100        | brackets open at once in the source (and prefix operators, `? :`,    |
|           |            | `.name`/`[key]` chains as long); lists and maps inside each other    |
| chain     | 2,000      | names waiting on each other: a let using a let declared after it,    |
|           |            | using another... (resources, outputs and module instances alike)     |

`values` and `instances` bound the memory a small file can make archform use (about 100 bytes
an element, a few KB an instance); `steps` bounds the time (a few seconds at the default);
`value` bounds what one attribute or output can grow to when written out. A configuration
written out in full — a generated file of 200,000 resources — meets none of them. Long operator chains (`1 + 1 + …`, `a && b && …`) are not
nesting: they are evaluated in a loop, whatever their length. The size of a value is counted
when it is made, from the sizes of its parts, so a value shared many times over (`[a, a]`,
doubled forty times) is measured as what it would become when written out, without being
written out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields

from .diagnostics import EvalError, Span, error
from .values import Interpolated

_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "kb": 10**3, "mb": 10**6, "gb": 10**9,
          "kib": 2**10, "mib": 2**20, "gib": 2**30}


@dataclass(frozen=True)
class Limits:
    string: int = 2**20
    list: int = 100_000
    value: int = 1_000_000
    values: int = 2_000_000
    steps: int = 5_000_000
    instances: int = 50_000
    range: int = 10_000
    file: int = 2**20
    source: int = 64 * 2**20
    nesting: int = 100
    chain: int = 2_000

    @classmethod
    def parse(cls, text: str) -> "Limits":
        """`name=value,name=value` (values may carry k, M, G, KiB, MiB, GiB); ValueError says
        what is wrong."""
        names = [f.name for f in fields(cls)]
        given = {}
        for item in filter(None, (x.strip() for x in text.replace(";", ",").split(","))):
            name, eq, raw = item.partition("=")
            name = name.strip()
            if not eq or name not in names:
                from .suggest import did_you_mean
                hint = did_you_mean(name, names) if name else ""
                raise ValueError(f"'{item}' is not name=value with a known limit"
                                 + (f" ({hint})" if hint else f"; limits: {', '.join(names)}"))
            m = re.fullmatch(r"\s*([0-9][0-9_]*)\s*([A-Za-z]*)\s*", raw)
            if not m or m.group(2).lower() not in _UNITS:
                raise ValueError(f"'{item}': the value is a whole number, optionally with k, M, G, KiB, MiB or GiB")
            value = int(m.group(1)) * _UNITS[m.group(2).lower()]
            if value < 1:
                raise ValueError(f"'{item}': a limit is at least 1")
            given[name] = value
        return cls(**given)

    @classmethod
    def from_environment(cls) -> "Limits":
        """The limits `ARCHFORM_LIMITS` sets (the defaults for the rest); ValueError when it is
        malformed."""
        text = os.environ.get("ARCHFORM_LIMITS", "")
        if not text.strip():
            return cls()
        try:
            return cls.parse(text)
        except ValueError as e:
            raise ValueError(f"ARCHFORM_LIMITS: {e}") from None

    def key(self) -> str:
        """A stable text of every limit, for cache keys."""
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def exceeded(limits: Limits, name: str, summary: str, span: Span | None):
    """The diagnostic for crossing limit `name`: what happened, and how to allow it."""
    limit = getattr(limits, name)
    if name in ("nesting", "chain"):
        help_ = ("name an inner part with a `let`" if name == "nesting" else
                 "declare what is used before what uses it")
        help_ += f", or raise the limit: ARCHFORM_LIMITS=\"{name}={limit * 2}\""
    else:
        help_ = f"if this is intended, raise the limit: ARCHFORM_LIMITS=\"{name}={limit * 4}\""
    return error(summary, span, code="limit", help=help_)


_SMALL = 64  # containers smaller than this are measured by walking them; larger ones are remembered
_CHARS = 16  # characters counted as one element


class Meter:
    """What one resolution has used so far — evaluation steps, values made by computation —
    and the sizes of the large values it made (by identity, each kept alive with its size, so
    an id is never reused while it is known)."""

    __slots__ = ("limits", "steps", "max_steps", "made_total", "instances", "stopped", "_sizes")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps = 0
        self.max_steps = limits.steps
        self.made_total = 0
        self.instances = 0
        self.stopped = False  # a budget (steps, values, instances) ran out: evaluation has stopped
        self._sizes: dict[int, tuple[object, int, int]] = {}

    def _stop(self, name: str, summary: str, span: Span | None):
        """Running out of a budget stops the whole evaluation: reported once, where it
        happened; whatever is evaluated after fails silently."""
        self.max_steps = -1  # every evaluation step now ends here
        if self.stopped:
            raise EvalError(None)
        self.stopped = True
        raise EvalError(exceeded(self.limits, name, summary, span))

    # -- time ------------------------------------------------------------------------------
    def charge(self, n: int, span: Span | None):
        """Count `n` steps; crossing the limit raises EvalError."""
        self.steps += n
        if self.steps > self.max_steps:
            self._stop("steps", f"evaluation stopped here after {self.limits.steps:,} steps, the limit: a loop, "
                       "module or list is far larger than intended", span)

    # -- memory ----------------------------------------------------------------------------
    def instance(self, span: Span | None):
        """Count one resource or module instance made by `for` or by a module."""
        self.instances += 1
        if self.instances > self.limits.instances:
            self._stop("instances", f"`for` loops and modules make more than {self.limits.instances:,} instances "
                       "here, the limit", span)

    def spend(self, n: int, span: Span | None):
        """Count `n` elements made by computation; crossing the limit raises EvalError."""
        self.made_total += n
        if self.made_total > self.limits.values:
            self._stop("values", f"evaluation stopped here: loops, functions and strings have made more than "
                       f"{self.limits.values:,} values, the limit", span)

    def string(self, text: str, span: Span | None, computed: bool = True) -> str:
        """Check a string (made by computation unless `computed` is False); returns it."""
        if len(text) > self.limits.string:
            self.too_long(len(text), span)
        if computed:
            self.spend(len(text) // _CHARS, span)
        return text

    def too_long(self, length: int, span: Span | None):
        """Raise for a string of `length` characters (over the limit), before it is made."""
        raise EvalError(exceeded(self.limits, "string", f"this string is {length:,} characters long; the limit "
                                 f"is {self.limits.string:,}", span))

    def made(self, value, span: Span | None, computed: bool = True):
        """Check a list or map just made — by computation unless `computed` is False (a list
        written in the source) — for its length, nested size and depth; returns it."""
        n = len(value)
        if n > self.limits.list:
            what = f"this map has {n:,} entries" if type(value) is dict else f"this list has {n:,} elements"
            raise EvalError(exceeded(self.limits, "list", f"{what}; the limit is {self.limits.list:,}", span))
        if computed:
            self.spend(n, span)
        if n:
            self.measure(value, span)
        return value

    def measure(self, value, span: Span | None) -> tuple[int, int]:
        """(size, depth) of a value: 1 per scalar, element and entry, 1 per 16 characters of
        a string; depth counts lists and maps inside each other. Over a limit raises
        EvalError."""
        t = type(value)
        if t is str:
            return len(value) // _CHARS + 1, 0
        if not isinstance(value, (list, tuple, dict)):
            if t is Interpolated:
                return sum(len(p) // _CHARS if type(p) is str else 1 for p in value.parts) + 1, 0
            return 1, 0
        known = self._sizes.get(id(value))
        if known is not None:
            return known[1], known[2]
        size, depth = 1, 0
        limits = self.limits
        for child in (value.values() if isinstance(value, dict) else value):
            s, d = self.measure(child, span)
            size += s
            if d > depth:
                depth = d
            if size > limits.value:
                raise EvalError(exceeded(limits, "value", f"this value is larger than the limit of {limits.value:,} "
                                         "(elements, entries, and characters by 16, nested)", span))
        depth += 1
        if depth > limits.nesting:
            raise EvalError(exceeded(limits, "nesting", f"this value nests lists and maps more than {limits.nesting} "
                                     "levels deep", span))
        if size >= _SMALL:
            self._sizes[id(value)] = (value, size, depth)
        return size, depth

    def forget(self):
        self._sizes = {}
