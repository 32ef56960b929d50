"""Room for deep recursion: run a function on a thread with a large stack.

Resolution follows references by recursion: a `let` that uses a `let` declared after it, a
resource whose attribute reads another's, a module output read through three modules. Such
chains are bounded by the `chain` limit (limits.py) and expressions by `nesting`, but a chain
of 2,000 takes some 15,000 Python frames, far beyond the interpreter's default of 1,000 and
more than the main thread's 8 MB C stack would safely hold. So `call_deep` runs the function
on a thread of its own with a 128 MB stack (address space only: pages are used as the
recursion reaches them; a chain of 2,000 used less than 16 MB) and the interpreter's recursion limit raised to match for the
duration; a RecursionError is then an orderly exception, never a crash. Where no such thread
can be started the function runs here, with the usual limit.
"""

from __future__ import annotations

import sys
import threading

STACK_BYTES = 128 * 2**20
RECURSION_LIMIT = 60_000  # frames; at most a few KB of C stack each

_inside = threading.local()


def call_deep(fn, *args, **kwargs):
    """fn(*args, **kwargs), on a thread with a deep stack; its result or its exception."""
    if getattr(_inside, "deep", False):  # already on one (a resolution inside a resolution)
        return fn(*args, **kwargs)
    outcome: dict = {}

    def run():
        _inside.deep = True
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as e:  # handed to the caller as it is
            outcome["error"] = e

    old_limit = sys.getrecursionlimit()
    try:
        old_size = threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):
        return fn(*args, **kwargs)
    try:
        worker = threading.Thread(target=run, name="archform-deep", daemon=True)
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        try:
            worker.start()
        except RuntimeError:  # no room for the stack (a low address-space limit)
            sys.setrecursionlimit(old_limit)
            return fn(*args, **kwargs)
    finally:
        threading.stack_size(old_size)
    try:
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
