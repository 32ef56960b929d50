"""Route 53 during a run: health checks and the answers of records (notes §8.3–8.4, facts).

Health checks. 15 checkers (notes §8.4), spread over the check's regions, each probe the
target every `interval` (30 s standard or 10 s fast) at its own offset. A checker calls the
target unhealthy after `failure_threshold` (default 3) failed probes in a row, healthy after as
many passed ones. The check is healthy while more than 18% of the checkers that run call it
healthy — so it flips within interval × threshold of a total failure, and a partial failure
(a target answering one request in ten) is still judged unhealthy. A probe succeeds with the
probability that the target answers a request (a load balancer's served fraction), drawn from
the run's seeded stream. Checkers in a failed region stop reporting. A calculated check is
healthy while `min_healthy` of its children are.

Answers. A record set answers by its routing policy among its healthy records: failover
(primary while healthy, else secondary), weighted (by weight), latency (each region's clients
get the nearest healthy region), multivalue, geolocation; when none is healthy Route 53
answers as if all were. An alias with evaluate_target_health follows its target's health (a
load balancer with no answering node or no healthy target is unhealthy), re-evaluated every
`ALIAS_TARGET_SECONDS`. Clients see a new answer one TTL later.
"""

from __future__ import annotations

import math
from typing import Iterable

from archform.stdlib.facets import provides
from archform.stdlib.kinds.health_checks import CHECKER_REGIONS
from archform.stdlib.regions import REGIONS

from .. import figures, units
from ..measure import Service
from ..world import Loop


class Checker:
    __slots__ = ("region", "ok", "bad", "healthy")

    def __init__(self, region):
        self.region, self.ok, self.bad, self.healthy = region, 0, 0, True


class Check:
    def __init__(self, rec):
        a = rec.attrs
        self.id, self.address, self.rec = rec.id, rec.address or rec.id, rec
        self.type = a.get("type") or "http"
        self.target = a.get("target")
        self.interval = units.seconds(a.get("interval"), 30.0)
        self.threshold = int(a.get("failure_threshold") or 3)
        self.invert = bool(a.get("invert"))
        regions = list(a.get("regions") or []) or list(CHECKER_REGIONS)
        self.checkers = [Checker(regions[i % len(regions)]) for i in range(figures.CHECKERS)]
        self.children: list["Check"] = []
        self.min_healthy = a.get("min_healthy")
        self.healthy = True
        self.alarm_healthy = True  # a cloudwatch_alarm check: what its alarm's state says
        self.parents: list["Check"] = []


class Rec:
    __slots__ = ("rec", "address", "endpoint", "weight", "failover", "latency", "check", "evaluate", "ttl", "geo")

    def __init__(self, rec):
        a = rec.attrs
        self.rec, self.address = rec, rec.address or rec.id
        self.endpoint = a.get("alias") or (tuple(a.get("values") or ()) or None)
        self.weight = a.get("weight")
        self.failover = a.get("failover")
        self.latency = a.get("latency_region")
        self.check: Check | None = None
        self.evaluate = bool(a.get("alias")) and bool(a.get("evaluate_target_health"))
        self.ttl = figures.ALIAS_TTL_SECONDS if a.get("alias") else (units.seconds(a.get("ttl"), 300.0) or 0.0)
        self.geo = a.get("geolocation")


class RecordSet:
    def __init__(self, name: str, rtype: str, records: list[Rec]):
        self.name, self.type, self.records = name, rtype, records
        self.policy = _policy(records[0])
        self.answer: list[tuple[Rec, float]] = []
        self.seen: list[tuple[Rec, float]] = []
        self.demand = 0.0


def _policy(r: Rec) -> str:
    a = r.rec.attrs
    for attr, policy in (("weight", "weighted"), ("latency_region", "latency"), ("failover", "failover"),
                         ("geolocation", "geolocation"), ("geoproximity", "latency"), ("multivalue", "multivalue")):
        if a.get(attr) not in (None, False):
            return policy
    return "simple"


def _distance(a: str | None, b: str | None) -> float:
    ra, rb = REGIONS.get(a or ""), REGIONS.get(b or "")
    if ra is None or rb is None:
        return 0.0 if a == b else 1e9
    return math.hypot(ra.lat - rb.lat, (ra.lon - rb.lon) * math.cos(math.radians((ra.lat + rb.lat) / 2)))


@provides("failures", "health_check", "dns_record")
class Route53(Loop):
    name = "route53"

    def __init__(self, world):
        super().__init__(world)
        self.checks: dict[str, Check] = {}
        self.sets: list[RecordSet] = []
        self.by_record: dict[str, RecordSet] = {}
        self._targets: dict[str, str | None] = {}  # a check's target → the record it names

    # --- loading -----------------------------------------------------------------------------------

    def load(self):
        w = self.world
        for rec in w.of_kind("health_check"):
            self.checks[rec.id] = Check(rec)
        for c in self.checks.values():
            for child in c.rec.attrs.get("children") or []:
                if child in self.checks:
                    c.children.append(self.checks[child])
                    self.checks[child].parents.append(c)
        groups: dict[tuple, list[Rec]] = {}
        for rec in w.of_kind("dns_record"):
            r = Rec(rec)
            r.check = self.checks.get(rec.attrs.get("health_check") or "")
            groups.setdefault((rec.attrs.get("zone"), rec.name or rec.id, rec.attrs.get("type") or "A"), []).append(r)
        for (_, name, rtype), records in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            rs = RecordSet(name, rtype, sorted(records, key=lambda r: r.address))
            self.sets.append(rs)
            for r in records:
                self.by_record[r.rec.id] = rs
        for rs in self.sets:
            rs.answer = rs.seen = self._answer(rs)

    def start(self):
        for c in self.checks.values():
            if c.type in ("http", "https", "tcp"):
                rng = self.sim.rng(f"checker-phase/{c.id}")
                for checker in c.checkers:
                    self.sim.at(round(rng.uniform(0, c.interval), 1), self._probe, c, checker)
        if any(r.evaluate for rs in self.sets for r in rs.records):
            self.sim.at(round(self.sim.rng("alias-phase").uniform(0, figures.ALIAS_TARGET_SECONDS), 1), self._alias_tick)

    def services(self) -> Iterable[Service]:
        for rs in self.sets:
            yield Service(rs.name, "dns_record", None, f"{rs.type} answers reaching a serving endpoint "
                          f"({rs.policy} routing)", "healthy records", float(len(rs.records)),
                          lambda rs=rs: (self.served(rs), float(sum(1 for r in rs.records if self._healthy(r)))),
                          records=tuple(r.address for r in rs.records))

    # --- health checks -------------------------------------------------------------------------------

    def _probe(self, c: Check, checker: Checker) -> None:
        self.sim.after(c.interval, self._probe, c, checker)
        if not self.world.region_up(checker.region):
            return
        p = self._target_answers(c.target)
        ok = p >= 1.0 or (p > 0.0 and self.sim.rng(f"probe/{c.id}").random() < p)
        if ok:
            checker.ok, checker.bad = checker.ok + 1, 0
            if not checker.healthy and checker.ok >= c.threshold:
                checker.healthy = True
                self._evaluate(c)
        else:
            checker.bad, checker.ok = checker.bad + 1, 0
            if checker.healthy and checker.bad >= c.threshold:
                checker.healthy = False
                self._evaluate(c)

    def _target_answers(self, target) -> float:
        """The probability that a request to the target is answered."""
        if not isinstance(target, str):
            return 1.0
        found = self._targets.get(target, False)
        if found is False:  # what a target names is fixed for the run: looked up once
            w = self.world
            rec = w.records.get(target)
            if rec is None:
                rec = next((r for r in w.records.values()
                            if r.owner is None and r.outputs.get("dns_name") == target), None)
            found = self._targets[target] = rec.id if rec is not None else None
        return 1.0 if found is None else self.endpoint_served(found)

    def alarm_changed(self, alarm: str, region: str | None, state: str) -> None:
        """A CloudWatch alarm (its id) changed state (`alarms.py`): checks of type cloudwatch_alarm
        on it are unhealthy in ALARM, healthy in OK, and as `insufficient_data` says without data."""
        for c in self.checks.values():
            a = c.rec.attrs
            if c.type != "cloudwatch_alarm" or a.get("alarm") != alarm or (a.get("alarm_region") or region) != region:
                continue
            if state == "INSUFFICIENT_DATA":
                mode = a.get("insufficient_data") or "last_known_status"
                if mode == "last_known_status":
                    continue
                c.alarm_healthy = mode == "healthy"
            else:
                c.alarm_healthy = state == "OK"
            self._evaluate(c)

    def _evaluate(self, c: Check) -> None:
        if c.type == "cloudwatch_alarm":
            healthy = c.alarm_healthy
        elif c.type == "calculated":
            need = c.min_healthy if c.min_healthy is not None else len(c.children)
            healthy = sum(1 for child in c.children if child.healthy) >= need
        else:
            live = [k for k in c.checkers if self.world.region_up(k.region)]
            share = sum(1 for k in live if k.healthy) / len(live) if live else 0.0
            healthy = share > figures.HEALTHY_ABOVE
            if c.invert:
                healthy = not healthy
        if healthy == c.healthy:
            return
        c.healthy = healthy
        # said as decided: of the checkers that run (those of a failed region report nothing)
        live = [k for k in c.checkers if self.world.region_up(k.region)]
        reporting = sum(1 for k in live if k.healthy)
        silent = len(c.checkers) - len(live)
        self.sim.log("route53.health_check_" + ("healthy" if healthy else "unhealthy"), c.address,
                     f"{reporting} of {len(live)} checkers see it healthy"
                     + (f" ({silent} more in failed regions report nothing)" if silent else "")
                     + f" (healthy above 18%; {c.threshold} probes {c.interval:g}s apart decide each checker)"
                     if c.type not in ("calculated", "cloudwatch_alarm") else
                     "its children changed" if c.type == "calculated" else f"its alarm {c.rec.attrs.get('alarm')} "
                     f"is {'OK' if healthy else 'in ALARM'}", healthy=healthy)
        self.world.dirty = True
        for parent in c.parents:
            self._evaluate(parent)
        self._reanswer()

    def _alias_tick(self) -> None:
        self.sim.after(figures.ALIAS_TARGET_SECONDS, self._alias_tick)
        self._reanswer()

    # --- answers -------------------------------------------------------------------------------------------

    def _healthy(self, r: Rec) -> bool:
        if r.check is not None:
            return r.check.healthy
        if r.evaluate and isinstance(r.endpoint, str):
            return self.endpoint_healthy(r.endpoint)
        return True

    def endpoint_healthy(self, id: str) -> bool:
        w = self.world
        lb = w.elb.by_id.get(id)
        if lb is not None:
            return lb.healthy()
        rs = self.by_record.get(id)
        if rs is not None:
            return any(self._healthy(r) for r in rs.records)
        rec = w.records.get(id)
        if rec is not None and rec.kind == "s3_bucket":
            return w.storage.available(id)
        return True

    def endpoint_served(self, id) -> float:
        w = self.world
        if not isinstance(id, str):
            return 1.0  # literal values: outside the modeled cloud
        lb = w.elb.by_id.get(id)
        if lb is not None:
            return w.elb.served(lb)
        rs = self.by_record.get(id)
        if rs is not None:
            return self.served(rs)
        rec = w.records.get(id)
        if rec is None:
            return 1.0
        if rec.kind == "instance":
            inst = w.ec2.instances.get(id)
            return 1.0 if inst is not None and inst.alive else 0.0
        if rec.kind == "s3_bucket":
            return 1.0 if w.storage.available(id) else 0.0
        if rec.kind == "global_accelerator":
            ends = [e.get("target") for e in rec.attrs.get("endpoint") or [] if isinstance(e, dict)]
            values = [self.endpoint_served(e) for e in ends if e]
            return max(values) if values else 1.0
        return 1.0

    def _answer(self, rs: RecordSet) -> list[tuple[Rec, float]]:
        records = rs.records
        healthy = [r for r in records if self._healthy(r)]
        if rs.policy == "failover":
            primary = next((r for r in records if r.failover == "primary"), None)
            secondary = next((r for r in records if r.failover == "secondary"), None)
            if primary is not None and primary in healthy:
                return [(primary, 1.0)]
            if secondary is not None and secondary in healthy:
                return [(secondary, 1.0)]
            return [(primary or secondary or records[0], 1.0)]
        if rs.policy == "weighted":
            pool = [r for r in healthy if (r.weight or 0) > 0] or [r for r in records if (r.weight or 0) > 0] or records
            total = sum(r.weight or 0 for r in pool)
            return [(r, (r.weight or 0) / total if total else 1 / len(pool)) for r in pool]
        if rs.policy == "latency":
            regions = sorted({r.latency or r.rec.region for r in records} - {None}) or [None]
            shares: dict[int, float] = {}
            for client in regions:
                pool = healthy or records
                best = min(pool, key=lambda r: (_distance(client, r.latency), r.address))
                shares[id(best)] = shares.get(id(best), 0.0) + 1 / len(regions)
            return [(r, shares[id(r)]) for r in records if id(r) in shares]
        if rs.policy == "geolocation":
            default = next((r for r in records if (r.geo or {}).get("default")), None)
            out: dict[int, float] = {}
            for r in records:
                chosen = r if r in healthy else (default if default is not None and default in healthy else r)
                out[id(chosen)] = out.get(id(chosen), 0.0) + 1 / len(records)
            return [(r, out[id(r)]) for r in records if id(r) in out]
        pool = healthy or records
        return [(r, 1 / len(pool)) for r in pool]

    def _reanswer(self) -> None:
        for rs in self.sets:
            new = self._answer(rs)
            if [(r.address, round(s, 6)) for r, s in new] == [(r.address, round(s, 6)) for r, s in rs.answer]:
                continue
            old = rs.answer
            rs.answer = new
            shown = ", ".join(f"{self.world.address_of(r.endpoint) if isinstance(r.endpoint, str) else r.address}"
                              + (f" ({s:.0%})" if s < 0.999 else "") for r, s in new)
            before = ", ".join(self.world.address_of(r.endpoint) if isinstance(r.endpoint, str) else r.address
                               for r, _ in old)
            ttl = max((r.ttl for r, _ in old + new), default=0.0)
            self.sim.log("route53.record_flipped", rs.name, f"{rs.policy} answer now {shown} (was {before}); "
                         f"clients follow within the {ttl:g}s TTL",
                         source=before, target=shown, records=[r.address for r, _ in new])
            self.world.ledger.failed_over(self.sim.now, rs.name, "dns", before, shown)
            self.world.dirty = True
            self.sim.after(ttl, self._seen, rs, new)

    def _seen(self, rs: RecordSet, answer: list) -> None:
        if rs.answer is answer:
            rs.seen = answer
            self.world.dirty = True

    def served(self, rs: RecordSet) -> float:
        return sum(share * self.endpoint_served(r.endpoint) for r, share in rs.seen)

    def region_changed(self, region: str, up: bool):
        for c in self.checks.values():
            if any(k.region == region for k in c.checkers):
                self._evaluate(c)
