"""The one place archform reads the wall clock: to say since when a lock is held.
Nothing tests snapshot depends on it."""

from __future__ import annotations

import datetime


def now_text() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
