"""An apply's progress on standard error, as Terraform users expect it and a little better.

Each finished operation is one line with a counter and how long it took:

    [ 3/57] primary.orders: created after 4.2s [id=primary-orders-sb3xngev]

On a terminal the action is coloured and, below the finished lines, one live line names what is
still running with its elapsed time (`running: primary.orders 12s, primary.cache 3s`), redrawn
every half second. Into a file or a pipe (CI logs) there is no live line and no colour, and the
lines are written together at most every 0.1 s — one write instead of one per resource, which
cost 60 ms per 1,000 resources. When the apply ends, `summary()` names the slowest operations.
"""

from __future__ import annotations

import sys
import threading
import time

_COLOUR = {"created": "\x1b[32m", "updated": "\x1b[33m", "destroyed": "\x1b[31m", "failed": "\x1b[31m",
           "moved": "\x1b[36m"}
_RESET, _CLEAR = "\x1b[0m", "\r\x1b[K"
SLOWEST = 3  # operations named by the summary
RUNNING_SHOWN = 3  # operations named by the live line before "and N more"


def _seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(int(s), 60)
    return f"{m}m{s:02d}s"


class Progress:
    """The `progress(event, address, detail)` callback of `apply_plan`; events are `total`,
    `start`, `done`, `error` and `skipped`."""

    INTERVAL = 0.1  # seconds between writes into a file or pipe
    TICK = 0.5  # seconds between redraws of the live line

    def __init__(self, stream=None, tty: bool | None = None, clock=time.monotonic):
        self.err = stream or sys.stderr
        self.tty = self.err.isatty() if tty is None else tty
        self.clock = clock
        self.lock = threading.Lock()
        self.pending: list[str] = []
        self.last = clock()
        self.total = 0
        self.finished = 0
        self.running: dict[str, float] = {}  # address → when it started
        self.took: list[tuple[float, str, str]] = []  # (seconds, address, what it did)
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __call__(self, event: str, address: str, detail: str):
        now = self.clock()
        with self.lock:
            if event == "total":
                self.total = int(detail)
                return
            if event == "start":
                self.running[address] = now
                if self.tty:
                    self._start_ticker()
                    self._write()
                return
            started = self.running.pop(address, None)
            self.finished += 1
            self.pending.append(self._line(event, address, detail, None if started is None else now - started))
            if self.tty or event == "error" or now - self.last >= self.INTERVAL:
                self._write()

    def _line(self, event: str, address: str, detail: str, seconds: float | None) -> str:
        width = len(str(self.total)) if self.total else 1
        count = f"[{str(self.finished).rjust(width)}/{self.total}] " if self.total else ""
        if event == "error":
            word, rest = "failed", f": {detail}"
        else:
            word, _, rest = detail.partition(" ")
            rest = f" {rest}" if rest else ""
        if seconds is not None and event == "done":
            self.took.append((seconds, address, word))
            rest = f" after {_seconds(seconds)}{rest}"
        if self.tty and word in _COLOUR:
            word = f"{_COLOUR[word]}{word}{_RESET}"
        return f"{count}{address}: {word}{rest}\n"

    def _live(self) -> str:
        if not self.running:
            return ""
        now = self.clock()
        items = sorted(self.running.items(), key=lambda kv: kv[1])
        named = ", ".join(f"{a} {_seconds(now - t)}" for a, t in items[:RUNNING_SHOWN])
        more = f" and {len(items) - RUNNING_SHOWN} more" if len(items) > RUNNING_SHOWN else ""
        return f"running: {named}{more}"

    def _write(self):
        text = "".join(self.pending)
        self.pending.clear()
        if self.tty:
            text = _CLEAR + text + self._live()
        if text:
            self.err.write(text)
        self.err.flush()
        self.last = self.clock()

    def _start_ticker(self):
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="archform-progress", daemon=True)
            self._ticker.start()

    def _tick(self):
        while not self._stop.wait(self.TICK):
            with self.lock:
                if self.running:
                    self._write()

    def flush(self):
        """Write what is waiting and end the live line (call when the apply ends, however)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self.lock:
            self.running.clear()
            self._write()

    def summary(self) -> str:
        """`Slowest: primary.orders created after 8m12s, ...`, or "" for a short apply."""
        if len(self.took) < 2:
            return ""
        slow = sorted(self.took, key=lambda t: (-t[0], t[1]))[:SLOWEST]
        return "Slowest: " + ", ".join(f"{a} {w} after {_seconds(s)}" for s, a, w in slow)
