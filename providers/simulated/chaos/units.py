"""Durations as the catalogue stores them ("30s", "5m", "1w") and as reports print them."""

from __future__ import annotations

import re
from fractions import Fraction

from archform.dsl.values import DURATION_UNITS

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")


def seconds(value, default: float | None = None) -> float | None:
    """A stored duration in seconds: "30s" → 30.0, 5 → 5.0; `default` when absent or unreadable."""
    if value is None:
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.match(str(value))
    if not m or m.group(2) not in DURATION_UNITS:
        return default
    return float(Fraction(m.group(1)) * DURATION_UNITS[m.group(2)])


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


def size_bytes(value, default: float | None = None) -> float | None:
    """A stored size in bytes: "1KiB" → 1024.0, "512B" → 512.0; `default` when absent or unreadable."""
    from archform.dsl.values import SIZE_UNITS
    m = _SIZE.match(str(value)) if value is not None else None
    if not m or m.group(2) not in SIZE_UNITS:
        return default
    return float(Fraction(m.group(1)) * SIZE_UNITS[m.group(2)])


def fraction(value, default: float = 0.0) -> float:
    """A stored percentage as a fraction: "1%" → 0.01, 0.5 → 0.5; `default` when absent or unreadable."""
    if value is None:
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(Fraction(text[:-1])) / 100 if text.endswith("%") else float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return default


def parse(text: str) -> float:
    """A duration typed on the command line ("90s", "5m", "1h", "1.5h"); a bare number is seconds."""
    value = seconds(text.strip() + ("s" if text.strip().replace(".", "", 1).isdigit() else ""))
    if value is None or value < 0:
        raise ValueError(f"'{text}' is not a duration (write 90s, 5m, 1h)")
    return value


def clock(t: float) -> str:
    """A virtual time as HH:MM:SS.s from the start of the run: 75.5 → "00:01:15.5"."""
    tenths = int(round(t * 10))
    s, tenth = divmod(tenths, 10)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{tenth}"


def span(t: float | None) -> str:
    """A length of time for people: 0s, 42.5s, 2m 5s, 1h 3m."""
    if t is None:
        return "—"
    if t < 60:
        return f"{t:.1f}s".replace(".0s", "s")
    m, s = divmod(int(round(t)), 60)
    if m < 60:
        return f"{m}m {s}s" if s else f"{m}m"
    h, m = divmod(m, 60)
    return f"{h}h {m}m" if m else f"{h}h"
