"""Workloads during a run: messages moving through queues and requests reaching APIs, on the
virtual clock (notes §14.1, §16.1.3, §16.3; the kind is `stdlib/kinds/workload.py`).

Every `WORKLOAD_TICK_SECONDS` each queue workload moves what the interval starting then brings
(the last interval ends with the run):

- producers send `rate` messages a second while the queue's region is up (else they are refused);
- the consumer works `slots` messages at once, each taking `per_message`: an Auto Scaling
  group's instances in service × `per_instance`, an ECS service's running tasks ×
  `per_instance` (notes §15.2.4), or a Lambda event source mapping's concurrency
  — the function's reserved concurrency or the region's account limit (1,000), the mapping's
  `max_concurrency`, and nothing while the function does not answer; what the queue would need
  beyond that is throttled;
- messages are taken oldest first; a share `error_rate` fails and becomes visible again after
  the queue's visibility timeout, until `max_receives` sends it to the dead-letter queue;
- when consumers stop mid-work (their AZ lost), the messages they held come back after the
  visibility timeout (notes §14.1.2).

The queue's depth (messages visible) and the age of its oldest message are measured each tick;
the service's capacity is the depth, so reports and charts show the backlog building and
draining. Auto Scaling groups with `metric = queue_backlog` read `visible()` (`loops/asg.py`).

A stream workload: `rate` records a second put to a Kinesis stream against its shards' intake;
its readers read what was taken in against the shards' output (`loops/stream_reads.py`), and
the report gives each reader's iterator age.

An API workload: `rate` requests a second, of which the stage's throttling accepts at most
`throttle_rate` (the rest get 429), and those whose route's function answers are served.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from typing import Iterable

from archform.stdlib.facets import provides

from .. import figures, units
from ..measure import Service
from ..world import Loop
from . import stream_reads

ACCOUNT_CONCURRENCY = 1000  # Lambda's concurrent executions per region (notes §16.1.3)


class Flow:
    """One queue workload's state: cohorts of visible messages (enqueued at, count, receives),
    messages in flight, and messages waiting out a visibility timeout."""

    def __init__(self, rec, world):
        a = rec.attrs
        self.rec, self.address, self.region = rec, rec.address, rec.region
        self.queue = world.records.get(a.get("source") or "")
        self.consumer = world.records.get(a.get("consumer") or "")
        self.rate = float(a.get("rate") or 0)  # its own producers (none when a topic feeds it)
        self.external = 0.0  # messages a topic delivered this tick
        self.inflow = self.rate  # messages a second arriving now (its producers and topics)
        self.arrived = 0.0
        self.per_message = max(0.001, units.seconds(a.get("per_message"), 0.1))
        self.per_instance = int(a.get("per_instance") or 1)
        self.error = units.fraction(a.get("error_rate"), 0.0)
        q = self.queue.attrs if self.queue is not None else {}
        self.visibility = units.seconds(q.get("visibility_timeout"), 30.0)
        redrive = q.get("redrive") or {}
        self.max_receives = int(redrive["max_receives"]) if redrive.get("dead_letter") else None
        self.dlq = world.records.get(redrive.get("dead_letter") or "")
        self.visible: deque = deque()  # [enqueued_at, count, receives]
        self.returning: list = []       # [due, enqueued_at, count, receives]
        self.in_flight = 0.0
        self.processed = self.refused = self.throttled = self.dead = 0.0
        self.keeping_up = 1.0
        self.backlog_since: float | None = None
        self.rising_since: float | None = None  # when the depth last left its steady state
        self.peak = (0.0, 0.0, 0.0)  # (depth, at, oldest age then)
        self.episodes: list[dict] = []
        self.throttling = False

    def depth(self) -> float:
        return sum(c[1] for c in self.visible)

    def oldest(self, now: float) -> float:
        return now - self.visible[0][0] if self.visible else 0.0


@provides("failures", "workload")
class Fanout:
    """A topic workload: `rate` messages a second published, delivered to each subscription (its
    `share` of them: what its filter passes), lost when the topic has nobody to deliver to."""

    def __init__(self, rec, topic):
        self.rec, self.address, self.topic = rec, rec.address, topic
        self.rate = float(rec.attrs.get("rate") or 0)
        shares = rec.attrs.get("shares") or {}
        self.subscriptions = [(s.get("name"), s.get("protocol"), s.get("target"), units.fraction(shares.get(s.get("name")), 1.0))
                              for s in topic.attrs.get("subscription") or []]
        self.published = self.lost = self.refused = 0.0
        self.delivered: dict[str, float] = {name: 0.0 for name, *_ in self.subscriptions}
        self.said_lost = False


class Intake:
    """A stream workload: `rate` records a second of `record_size`, against what the stream's
    shards take in (each 1 MB/s and 1,000 records/s; notes §14.3). An on-demand stream starts at
    4 shards' worth and doubles what it takes 15 minutes after it is first exceeded; what it
    cannot take is refused (ProvisionedThroughputExceededException) and producers must retry."""

    def __init__(self, rec, stream, world):
        a = rec.attrs
        self.rec, self.address, self.stream = rec, rec.address, stream
        self.rate = float(a.get("rate") or 0)
        self.record_bytes = max(1.0, units.size_bytes(a.get("record_size"), 1024.0))
        s = stream.attrs
        self.on_demand = (s.get("mode") or "on_demand") == "on_demand"
        self.shards = float(figures.KINESIS_ON_DEMAND_SHARDS if self.on_demand else int(s.get("shards") or 1))
        self.accepted = self.throttled = self.refused = 0.0
        self.throttling_since: float | None = None
        per_record = units.seconds(a.get("per_record"), 0.0) if a.get("per_record") else None
        self.written = 0.0  # records a second taken in during the last tick
        self.readers = stream_reads.readers_of(world, stream, per_record)

    def capacity(self) -> float:
        """Records a second the stream takes in."""
        per_shard = min(figures.KINESIS_SHARD_RECORDS, figures.KINESIS_SHARD_BYTES / self.record_bytes)
        return self.shards * per_shard


class Workloads(Loop):
    name = "workload"

    def __init__(self, world):
        super().__init__(world)
        self.flows: list[Flow] = []
        self.by_queue: dict[str, Flow] = {}
        self.apis: list = []
        self.fanouts: list[Fanout] = []
        self.intakes: list[Intake] = []

    def load(self):
        for rec in self.world.of_kind("workload"):
            source = self.world.records.get(rec.attrs.get("source") or "")
            if source is None:
                continue
            if source.kind == "sqs_queue":
                flow = Flow(rec, self.world)
                self.flows.append(flow)
                self.by_queue[source.id] = flow
            elif source.kind == "sns_topic":
                self.fanouts.append(Fanout(rec, source))
            elif source.kind == "kinesis_stream":
                self.intakes.append(Intake(rec, source, self.world))
            elif source.kind == "api_gateway":
                self.apis.append((rec, source))

    def start(self):
        if self.flows or self.fanouts or self.intakes:  # each tick moves the messages of the interval that starts with it
            self.sim.at(0.0, self._tick)
        for f in self.flows:
            cut = self._cut(f)
            if cut is not None:
                self.sim.log("workload.unreachable", f.address, f"{cut.why} — its consumers in "
                             f"{', '.join(sorted(cut.zones))} receive no message")
        for rec, api in self.apis:
            rate, limit = float(rec.attrs.get("rate") or 0), self._limit(api)
            if rate > limit:
                self.sim.log("api.throttled", rec.address, f"{rate:g} requests per second reach {api.address}, whose "
                             f"stage accepts {limit:g}: {rate - limit:g} a second get 429 Too Many Requests")

    def visible(self, queue_id: str) -> float | None:
        """Messages visible in a queue a workload feeds (None for a queue nothing feeds)."""
        flow = self.by_queue.get(queue_id)
        return None if flow is None else flow.depth()

    def services(self) -> Iterable[Service]:
        for f in self.flows:
            yield Service(f.address, "workload", f.region, "messages processed as they arrive", "messages visible",
                          0.0, lambda f=f: (f.keeping_up, f.depth()))
        for s in self.intakes:
            yield Service(s.address, "workload", s.stream.region, "records taken in", "records per second in",
                          s.capacity(), lambda s=s: ((min(1.0, s.capacity() / s.rate) if s.rate else 1.0)
                                                     if self.world.region_up(s.stream.region) else 0.0,
                                                     s.capacity()))
        for s in self.intakes:
            for r in s.readers:
                yield Service(f"{r.address}#reads", r.rec.kind, s.stream.region, "records read as they are written",
                              "seconds of iterator age", 0.0,
                              lambda s=s, r=r: (min(1.0, r.rate / s.written) if s.written else 1.0,
                                                r.age(self.sim.now)))
        for rec, api in self.apis:
            yield Service(rec.address, "workload", rec.region, "requests served", "requests per second",
                          float(rec.attrs.get("rate") or 0), lambda rec=rec, api=api: self._api(rec, api))

    # --- queues -----------------------------------------------------------------------------------

    def _tick(self):
        dt = figures.WORKLOAD_TICK_SECONDS
        now = self.sim.now
        if now >= self.world.duration:
            return
        for fan in self.fanouts:
            self._publish(fan, dt)
        for intake in self.intakes:
            self._put(intake, now, dt)
        for f in self.flows:
            self._move(f, now, dt)
        self.world.dirty = True
        self.sim.after(dt, self._tick)

    def _publish(self, fan: Fanout, dt: float):
        """A topic's messages of this tick, to every subscription that answers (notes §14.2)."""
        n = fan.rate * dt
        if not self.world.region_up(fan.topic.region):
            fan.refused += n
            return
        fan.published += n
        reached = False
        for name, protocol, target, share in fan.subscriptions:
            got = n * share
            if protocol == "sqs" and target in self.by_queue:
                self.by_queue[target].external += got
            elif protocol in ("sqs", "lambda") and target is not None and \
                    self.world.serverless.capacity(target) <= 0:
                continue  # the endpoint does not answer (SNS retries, then drops it)
            fan.delivered[name] += got
            reached = True
        if not reached:
            fan.lost += n
            if not fan.said_lost:
                fan.said_lost = True
                self.sim.log("sns.lost", fan.address, f"{fan.topic.address} has no subscription that answers: "
                             "SNS drops what is published to it")

    def _put(self, s: Intake, now: float, dt: float):
        if not self.world.region_up(s.stream.region):
            s.refused += s.rate * dt
            s.written = 0.0
            stream_reads.read(s, self.sim, self.world, now, dt, 0.0)
            return
        if s.on_demand and s.throttling_since is not None and \
                now - s.throttling_since >= figures.KINESIS_ON_DEMAND_SCALE_SECONDS:
            s.shards *= 2
            s.throttling_since = None
            self.sim.log("kinesis.scaled", s.address, f"on-demand {s.stream.address} doubles what it takes in: "
                         f"{s.capacity():,.0f} records/s")
        room = s.capacity()
        took = min(s.rate, room)
        s.accepted += took * dt
        s.throttled += (s.rate - took) * dt
        s.written = took
        stream_reads.read(s, self.sim, self.world, now, dt, took * dt)
        if s.rate <= room:
            s.throttling_since = None
        elif s.throttling_since is None:
            s.throttling_since = now
            self.sim.log("kinesis.throttled", s.address, f"{s.rate:g} records/s of {s.record_bytes:,.0f} bytes reach "
                         f"{s.stream.address}, whose {s.shards:g} shards take {room:,.0f}/s: the rest is refused "
                         "(ProvisionedThroughputExceededException) and producers retry")

    def _slots(self, f: Flow) -> tuple[float, float]:
        """(messages the consumer works at once, concurrency the queue would need beyond them)."""
        c = f.consumer
        if c is None:
            return 0.0, 0.0
        if c.kind == "autoscaling_group":
            group = self.world.asg.by_id.get(c.id)
            return (float(group.in_service() * f.per_instance) * self._reaching(f) if group is not None else 0.0), 0.0
        if c.kind == "ecs_service":
            service = self.world.ecs.by_id.get(c.id)
            return (float(service.running() * f.per_instance) * self._reaching(f) if service is not None else 0.0), 0.0
        function = self.world.records.get(c.attrs.get("function") or "")
        if function is None or self.world.serverless.capacity(function.id) <= 0 or c.attrs.get("enabled") is False:
            return 0.0, 0.0
        limit = function.attrs.get("reserved_concurrency")
        limit = float(limit) if limit is not None else float(ACCOUNT_CONCURRENCY)
        if c.attrs.get("max_concurrency"):
            limit = min(limit, float(c.attrs["max_concurrency"]))
        # Lambda adds pollers as the backlog grows: the arrivals, and the backlog worked off in a minute
        wanted = f.inflow * f.per_message + (f.depth() / 60.0) * f.per_message
        return min(limit, max(wanted, 1.0)), max(0.0, f.inflow * f.per_message - limit)

    def _cut(self, f: Flow):
        """Where the network keeps the consumers from their queue (stdlib/reach/workloads.py), if it does."""
        reach = self.world.reach
        return getattr(reach, "consumers", {}).get(f.address) if reach is not None else None

    def _reaching(self, f: Flow) -> float:
        """The share of the consumer's running workers whose network reaches the queue: those in
        an AZ whose subnet's path is blocked receive no message."""
        cut = self._cut(f)
        if cut is None:
            return 1.0
        running = [az for az, up in self._workers(f.consumer) or [] if up]
        return sum(1 for az in running if az not in cut.zones) / len(running) if running else 0.0

    def _move(self, f: Flow, now: float, dt: float):
        if not self.world.region_up(f.region):
            f.refused += f.rate * dt + f.external
            f.external = 0.0
            f.keeping_up = 0.0
            return
        due = [r for r in f.returning if r[0] <= now]
        f.returning = [r for r in f.returning if r[0] > now]
        for _, enqueued, count, receives in due:
            self._visible_again(f, enqueued, count, receives, now)
        arriving = f.rate * dt + f.external
        f.external = 0.0
        f.inflow = arriving / dt
        f.arrived += arriving
        if arriving:
            f.visible.append([now, arriving, 0])
        slots, beyond = self._slots(f)
        capacity = slots / f.per_message * dt  # messages the consumer can finish this tick
        taken = 0.0
        while f.visible and taken < capacity - 1e-9:
            cohort = f.visible[0]
            n = min(cohort[1], capacity - taken)
            taken += n
            cohort[1] -= n
            failed = n * f.error
            if failed > 1e-9:
                f.returning.append([now + f.visibility, cohort[0], failed, cohort[2] + 1])
            f.processed += n - failed
            if cohort[1] <= 1e-9:
                f.visible.popleft()
        f.in_flight = min(slots, taken / dt * f.per_message) if dt else 0.0
        f.keeping_up = 1.0 if not arriving else min(1.0, taken / arriving) if f.visible else 1.0
        f.throttled += beyond / f.per_message * dt
        if beyond > 0 and not f.throttling:
            self.sim.log("lambda.throttled", f.address, f"the arrivals need {math.ceil(beyond + slots)} concurrent "
                         f"executions, the function gets {slots:g}: the rest is throttled and waits in the queue")
        f.throttling = beyond > 0
        self._watch(f, now)

    def _visible_again(self, f: Flow, enqueued: float, count: float, receives: int, now: float):
        if f.max_receives is not None and receives >= f.max_receives:
            f.dead += count
            return
        # back in its place by age, ahead of the messages enqueued at the same time
        bisect.insort_left(f.visible, [enqueued, count, receives], key=lambda c: c[0])

    def _watch(self, f: Flow, now: float):
        """Log a backlog building (more messages waiting than a tick brings: the consumers take
        less than arrives) and the queue draining back to its steady state (nearly empty)."""
        depth, oldest = f.depth(), f.oldest(now)
        if depth > f.peak[0]:
            f.peak = (depth, now, oldest)
        arrivals = f.inflow * figures.WORKLOAD_TICK_SECONDS
        steady = max(1.0, arrivals * figures.STEADY_SHARE)
        if depth <= steady:
            f.rising_since = None
        elif f.rising_since is None:
            f.rising_since = now  # the first interval the consumers did not clear starts now
        if f.backlog_since is None and depth > max(1.0, arrivals):
            f.backlog_since = f.rising_since if f.rising_since is not None else now
            f.episode_peak = (depth, now, oldest)
            self.sim.log("queue.backlog", f.address, f"{depth:,.0f} messages wait, the oldest {units.span(oldest)}: "
                         f"the consumers take less than the {f.rate:g}/s that arrive")
        elif f.backlog_since is not None:
            if depth > f.episode_peak[0]:
                f.episode_peak = (depth, now, oldest)
            if depth <= steady:
                peak_depth, peak_at, peak_age = f.episode_peak
                f.episodes.append({"rose_at": round(f.backlog_since, 1), "peak_depth": round(peak_depth),
                                   "peak_at": round(peak_at, 1), "oldest_at_peak": round(peak_age, 1),
                                   "back_at": round(now, 1), "seconds": round(now - f.backlog_since, 1)})
                self.sim.log("queue.drained", f.address, f"back to its steady state: the backlog (peak "
                             f"{peak_depth:,.0f} messages at {units.clock(peak_at)}) drained "
                             f"{units.span(now - f.backlog_since)} after it began")
                f.backlog_since = None

    def zone_changed(self, az: str, up: bool):
        """Consumers stopped in a lost AZ held messages: they come back after the visibility timeout."""
        if up:
            return
        for f in self.flows:
            c = f.consumer
            if c is None or c.kind not in ("autoscaling_group", "ecs_service") or f.in_flight <= 0:
                continue
            members = self._workers(c)
            if members is None:
                continue
            members = [(i_az, running) for i_az, running in members if running or i_az == az]
            lost = sum(1 for i_az, _ in members if i_az == az)
            if not members or not lost:
                continue
            held = f.in_flight * lost / len(members)
            f.in_flight -= held
            f.returning.append([self.sim.now + f.visibility, self.sim.now, held, 1])
            workers = "tasks" if c.kind == "ecs_service" else "instances"
            self.sim.log("queue.in_flight_lost", f.address, f"{held:,.0f} messages in work on {workers} in {az} "
                         f"become visible again after the visibility timeout ({units.span(f.visibility)})")

    def _workers(self, c) -> list[tuple[str, bool]] | None:
        """(AZ, running) of each instance of an Auto Scaling group, or each task of an ECS service."""
        if c.kind == "ecs_service":
            service = self.world.ecs.by_id.get(c.id)
            return None if service is None else [(t.az, t.state == "running") for t in service.tasks.values()]
        group = self.world.asg.by_id.get(c.id)
        return None if group is None else [(i.az, i.id in group.running) for i in group.members.values()]

    def report(self) -> list[dict]:
        """Per queue workload: the backlogs the run built and when each drained."""
        out = []
        now = self.sim.now
        for f in self.flows:
            episodes = list(f.episodes)
            if f.backlog_since is not None:
                depth, at, age = f.episode_peak
                episodes.append({"rose_at": round(f.backlog_since, 1), "peak_depth": round(depth),
                                 "peak_at": round(at, 1), "oldest_at_peak": round(age, 1), "back_at": None,
                                 "seconds": None})
            out.append({"address": f.address, "queue": f.queue.address if f.queue else None,
                        "rate_per_second": round(f.arrived / min(now, self.world.duration), 3) if now else f.rate, "depth_at_end": round(f.depth()),
                        "oldest_at_end_seconds": round(f.oldest(now), 1), "processed": round(f.processed),
                        "dead_lettered": round(f.dead), "refused": round(f.refused),
                        "throttled": round(f.throttled), "backlogs": episodes})
        return out

    def streams(self) -> list[dict]:
        """Per stream workload: records taken in, refused for throughput, refused with the region."""
        now = self.sim.now
        return [{"address": s.address, "stream": s.stream.address, "rate_per_second": s.rate,
                 "record_bytes": round(s.record_bytes), "accepted": round(s.accepted), "throttled": round(s.throttled),
                 "refused": round(s.refused), "shards_at_end": s.shards,
                 "readers": [stream_reads.report(r, now) for r in s.readers]} for s in self.intakes]

    def topics(self) -> list[dict]:
        """Per topic workload: what was published, delivered to each subscription, and lost."""
        return [{"address": fan.address, "topic": fan.topic.address, "rate_per_second": fan.rate,
                 "published": round(fan.published), "refused": round(fan.refused), "lost": round(fan.lost),
                 "delivered": {name: round(n) for name, n in sorted(fan.delivered.items())}} for fan in self.fanouts]

    # --- APIs -------------------------------------------------------------------------------------

    def _api(self, rec, api) -> tuple[float, float]:
        rate = float(rec.attrs.get("rate") or 0)
        if not rate or not self.world.region_up(api.region):
            return (0.0 if rate else 1.0), 0.0
        accepted = min(rate, self._limit(api))
        answering = self.world.serverless.capacity(api.id)
        return accepted / rate * answering, accepted * answering

    @staticmethod
    def _limit(api) -> float:
        """Requests per second the API's stage accepts (the account's 10,000 unless it says less)."""
        stage = api.attrs.get("stage") or {}
        return float(stage.get("throttle_rate") if stage.get("throttle_rate") is not None else 10_000)
