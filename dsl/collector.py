"""Python's cycle collector, paused while a stage builds many small objects and frees almost
none (parsing, resolving, loading a cache, generating templates): a collection then only costs
time. The previous setting comes back afterwards, nested pauses included."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
