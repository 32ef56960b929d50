"""The discrete-event core: a virtual clock, a priority queue of events, seeded randomness and
the timeline.

Nothing sleeps: `run(until)` pops the earliest event, moves the clock to its time and calls
it. Events at the same time run in the order they were scheduled (a sequence number breaks
ties), so a run is a pure function of the architecture, the faults and the seed.

Randomness comes from named streams (`rng("rds-failover")`), each seeded from the run's seed
and its name, so adding a stream elsewhere does not change the draws of another.

After the events of one instant have run, the `after_instant` hooks run once (the engine
measures the services there), so a burst of same-time events is measured once.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Entry:
    """One line of the timeline."""

    t: float
    event: str  # dotted: "fault.start", "instance.terminated", "route53.record_flipped", …
    subject: str  # an address, an id, a domain ("az:us-east-1a")
    detail: str = ""
    count: int = 1  # how many subjects this line stands for (a fleet's instances at once)
    data: dict = field(default_factory=dict)  # machine-readable extras (from/to AZ, ids, …)


class Simulation:
    def __init__(self, seed: int = 0):
        self.seed = seed
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable, tuple]] = []
        self._seq = 0
        self._streams: dict[str, random.Random] = {}
        self.processed = 0
        self.timeline: list[Entry] = []
        self.after_instant: list[Callable[[float], None]] = []

    # --- scheduling -----------------------------------------------------------------------------

    def at(self, t: float, fn: Callable, *args: Any) -> None:
        """Run `fn(*args)` at virtual time `t` (never before now)."""
        self._seq += 1
        heapq.heappush(self._queue, (max(t, self.now), self._seq, fn, args))

    def after(self, delay: float, fn: Callable, *args: Any) -> None:
        self.at(self.now + delay, fn, *args)

    def run(self, until: float) -> None:
        queue = self._queue
        pop = heapq.heappop
        hooks = self.after_instant
        while queue and queue[0][0] <= until:
            t = queue[0][0]
            self.now = t
            while queue and queue[0][0] == t:
                _, _, fn, args = pop(queue)
                fn(*args)
                self.processed += 1
            for hook in hooks:
                hook(t)
        self.now = until

    # --- randomness --------------------------------------------------------------------------------

    def rng(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            digest = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            stream = self._streams[name] = random.Random(int.from_bytes(digest[:8], "big"))
        return stream

    def draw(self, name: str, bounds: tuple[float, float]) -> float:
        """A duration from a range of figures.py, rounded to 0.1 s so reports read cleanly."""
        low, high = bounds
        return round(self.rng(name).uniform(low, high), 1)

    # --- the timeline --------------------------------------------------------------------------------

    def log(self, event: str, subject: str, detail: str = "", count: int = 1, **data) -> None:
        self.timeline.append(Entry(self.now, event, subject, detail, count, data))
