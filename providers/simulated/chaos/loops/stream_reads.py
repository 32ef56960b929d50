"""The read side of a Kinesis stream during a run (notes §14.3: "Each shard allows for 1 MB/s in
and 2 MB/s out"), for the stream workloads of `loops/workload.py`.

A stream's readers are the Lambda event source mappings and Firehose delivery streams whose
source it is. Each reads every record the stream takes in, oldest first, as fast as it may:

- standard readers share each shard's 2 MB/s and its 5 GetRecords calls a second (a call returns
  up to 10,000 records);
- a mapping with enhanced fan-out (`fan_out = true`) has 2 MB/s per shard of its own, pushed to
  it, and makes no calls;
- a Lambda mapping with a workload `per_message` processes at most `parallelization_factor`
  batches per shard at once (within the function's reserved concurrency), each record taking
  `per_message`;
- a reader whose function, delivery stream or region does not answer reads nothing.

What a reader has not read waits in the stream: its iterator age (Lambda's IteratorAge metric)
is the age of the oldest record it has not read. It grows while the reader takes less than is
written, and the timeline says when it begins to and when the reader has caught up. A record
older than the stream's retention expires unread: that is data lost.
"""

from __future__ import annotations

from collections import deque

from .. import figures, units


class Reader:
    """One reader of a stream: what it has not read yet (cohorts of [written at, records])."""

    def __init__(self, rec, world, per_record: float | None):
        a = rec.attrs
        self.rec, self.address = rec, rec.address
        self.lambda_ = rec.kind == "lambda_event_source"
        self.fan_out = bool(a.get("fan_out")) if self.lambda_ else False
        self.parallel = float(a.get("parallelization_factor") or 1)
        function = world.records.get(a.get("function") or "") if self.lambda_ else None
        reserved = function.attrs.get("reserved_concurrency") if function is not None else None
        self.reserved = float(reserved) if reserved is not None else None
        self.per_record = per_record if self.lambda_ else None
        self.unread: deque = deque()
        self.read = self.expired = 0.0
        self.rate = 0.0  # records a second it read in the last tick
        self.bound = ""  # what held it back in the last tick
        self.peak = (0.0, 0.0)  # (iterator age, at)
        self.behind_since: float | None = None
        self.said_expired = False

    def backlog(self) -> float:
        return sum(c[1] for c in self.unread)

    def age(self, now: float) -> float:
        """The iterator age: how old the oldest record it has not read is."""
        return now - self.unread[0][0] if self.unread else 0.0

    def limit(self, shards: float, record_bytes: float, sharing: int) -> tuple[float, str]:
        """Records a second this reader can read now, from `shards` shared by `sharing` standard
        readers, and what sets that."""
        out_bytes = shards * figures.KINESIS_SHARD_OUT_BYTES
        if self.fan_out:
            found = [(out_bytes / record_bytes, f"its enhanced fan-out's {out_bytes / 1e6:g} MB/s")]
        else:
            n = max(1, sharing)
            calls = shards * figures.KINESIS_SHARD_READS / n
            found = [(out_bytes / n / record_bytes,
                      f"its share of the {shards:g} shards' {out_bytes / 1e6:g} MB/s out, with {n - 1} other readers"
                      if n > 1 else f"the {shards:g} shards' {out_bytes / 1e6:g} MB/s out"),
                     (calls * figures.KINESIS_RECORDS_PER_CALL, f"its share of the shards' {calls:g} reads a second")]
        if self.per_record is not None:
            batches = shards * self.parallel
            if self.reserved is not None:
                batches = min(batches, self.reserved)
            found.append((batches / self.per_record, f"{batches:g} batch{'es' if batches != 1 else ''} at once of "
                          f"{_short(self.per_record)} a record"))
        return min(found, key=lambda x: x[0])


def _short(seconds: float) -> str:
    return f"{seconds * 1000:g} ms" if seconds < 1 else units.span(seconds)


def readers_of(world, stream, per_record: float | None) -> list[Reader]:
    kinds = ("lambda_event_source", "firehose")
    return [Reader(rec, world, per_record) for kind in kinds for rec in world.of_kind(kind)
            if rec.attrs.get("source") == stream.id and rec.attrs.get("enabled") is not False]


def read(intake, sim, world, now: float, dt: float, written: float):
    """Each reader of `intake`'s stream: the records written this tick join what it has not read,
    and it reads what its limit allows, oldest first."""
    if not intake.readers:
        return
    up = world.region_up(intake.stream.region)
    retention = units.seconds((intake.stream.attrs or {}).get("retention"), 86400.0)
    sharing = sum(1 for r in intake.readers if not r.fan_out)
    for r in intake.readers:
        if written > 0:
            r.unread.append([now, written])
        answers = up and world.serverless.capacity(r.rec.id) > 0
        limit, r.bound = (r.limit(intake.shards, intake.record_bytes, sharing) if answers
                          else (0.0, "it does not answer"))
        room = limit * dt
        taken = 0.0
        while r.unread and taken < room - 1e-9:
            cohort = r.unread[0]
            n = min(cohort[1], room - taken)
            cohort[1] -= n
            taken += n
            if cohort[1] <= 1e-9:
                r.unread.popleft()
        r.read += taken
        r.rate = taken / dt
        _expire(r, sim, now, retention, intake)
        _watch(r, sim, now, intake, written / dt if dt else 0.0)


def _expire(r: Reader, sim, now: float, retention: float, intake):
    while r.unread and now - r.unread[0][0] > retention:
        r.expired += r.unread.popleft()[1]
        if not r.said_expired:
            r.said_expired = True
            sim.log("kinesis.expired", r.address, f"records of {intake.stream.address} older than its retention "
                    f"({units.span(retention)}) expire before this reader reads them: they are lost")


def _watch(r: Reader, sim, now: float, intake, writing: float):
    """Log the iterator age starting to grow (more unread than a tick writes) and the reader
    catching up (nothing left unread)."""
    age = r.age(now)
    if age > r.peak[0]:
        r.peak = (age, now)
    if r.behind_since is None and age > figures.WORKLOAD_TICK_SECONDS:
        r.behind_since = r.unread[0][0]
        sim.log("kinesis.iterator_age", r.address, f"reads {r.rate:,.0f} records/s of the {writing:,.0f}/s written to "
                f"{intake.stream.address} ({r.bound}): its iterator age grows, {units.span(age)} now")
    elif r.behind_since is not None and not r.unread:
        sim.log("kinesis.caught_up", r.address, f"has read everything written to {intake.stream.address}: iterator "
                f"age 0, after {units.span(now - r.behind_since)} behind (at most {units.span(r.peak[0])})")
        r.behind_since = None


def report(r: Reader, now: float) -> dict:
    age = r.age(now)
    peak = max(r.peak, (age, now))
    return {"address": r.address, "fan_out": r.fan_out, "read": round(r.read), "unread_at_end": round(r.backlog()),
            "iterator_age_at_end_seconds": round(age, 1), "iterator_age_peak_seconds": round(peak[0], 1),
            "iterator_age_peak_at": round(peak[1], 1), "expired": round(r.expired)}
