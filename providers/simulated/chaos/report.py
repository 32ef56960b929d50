"""The report of a run: a JSON document (format `archform-chaos`, version 1, documented in
providers/simulated/chaos/README.md) and its text rendering.

DR plans are judged as AWS Resilience Hub judges a resiliency policy (facts): for each fault —
each disruption, typed software, hardware, az or region — the achieved RTO (from the fault's
start until the plan's service is back to serving ≥ 99% and stays so) and the achieved RPO
(the longest window of writes lost to it), each against the plan's targets: met or breached.
Everything here is sorted and rounded, and nothing reads the clock, so the same seed gives the
same report.
"""

from __future__ import annotations

from archform.dsl.citations import plain

from . import units

FORMAT, VERSION = "archform-chaos", 1
RECOVERED = 0.99  # a service serving at least this share of its requests has recovered
DISRUPTION_NAMES = {"software": "Software", "hardware": "Hardware", "az": "AZ", "region": "Region"}


def _r(x, digits: int = 1):
    return None if x is None else round(float(x), digits)


def services_listed(doc: dict) -> tuple[list[dict], str]:
    """The services a reader's tables list (subnets are where services live, not services: the
    report keeps their series for the charts and diagrams), and one line on the subnets."""
    listed = [s for s in doc["services"] if s["kind"] != "subnet"]
    subnets = [s for s in doc["services"] if s["kind"] == "subnet"]
    if not subnets:
        return listed, ""
    cut = sorted(s["address"] for s in subnets if s["outage_seconds"])
    if not cut:
        return listed, f"Subnets: all {len(subnets)} kept their routes."
    named = ", ".join(cut[:6]) + (f" and {len(cut) - 6} more" if len(cut) > 6 else "")
    return listed, f"Subnets: {len(cut)} of {len(subnets)} were down at some point of the run: {named}."


def build(run) -> dict:
    sim, w = run.sim, run.world
    duration = run.duration
    services = []
    for s in sorted(w.services, key=lambda s: (s.kind != "dr_plan", s.key)):
        summary = s.summary(duration)
        address, _, facet = s.key.partition("#")
        services.append({
            "address": address, "facet": facet or None, "kind": s.kind, "region": s.region, "measure": s.measure,
            "records": list(s.records), "capacity_unit": s.unit, "nominal_capacity": _r(s.nominal, 3), **summary,
            "series": [[_r(t), p, c] for t, p, c in s.points]})
    faults = [{"id": f.id, "domain": f.domain, "kind": f.kind, "target": f.target, "part": f.part,
               "disruption_type": f.disruption, "start": _r(f.start), "end": _r(f.end), "affected": f.affected}
              for f in run.faults]
    timeline = [{"t": _r(e.t), "at": units.clock(e.t), "event": e.event, "subject": e.subject, "detail": plain(e.detail),
                 "count": e.count, **{k: v for k, v in sorted(e.data.items())}} for e in sim.timeline]
    failovers = [{"t": _r(f.t), "at": units.clock(f.t), "resource": f.resource, "what": plain(f.what),
                  "from": f.source, "to": f.target, "fault": f.fault} for f in w.ledger.failovers]
    losses = [{"t": _r(x.t), "at": units.clock(x.t), "resource": x.resource, "what": plain(x.what),
               "seconds": _r(x.seconds), "fraction": _r(x.fraction, 4), "gigabytes": _r(x.gigabytes), "fault": x.fault}
              for x in w.ledger.losses]
    plans = [_plan(run, plan, services, losses) for plan in w.dr.plans]
    breached = any(a["status"] == "PolicyBreached" for p in plans for a in p["assessments"])
    unmeasured = any(a["status"] == "NotMeasured" for p in plans for a in p["assessments"])
    return {
        "format": FORMAT, "format_version": VERSION, "architecture": getattr(run, "architecture", None),
        "seed": sim.seed, "duration_seconds": _r(duration), "faults": faults, "timeline": timeline,
        "services": services, "queues": w.workload.report(), "topics": w.workload.topics(),
        "streams": w.workload.streams(),
        "failovers": failovers, "data_loss": losses,
        "dr_plans": plans,
        "summary": {"events": sim.processed, "timeline_entries": len(timeline),
                    "compliance": "NoPolicy" if not plans else "PolicyBreached" if breached else
                    "NotMeasured" if unmeasured else "PolicyMet",
                    "targets_met": not breached, "exit_code": 3 if breached else 0},
    }


def _plan(run, plan, services: list[dict], losses: list[dict]) -> dict:
    series = next(s["series"] for s in services if s["kind"] == "dr_plan" and s["address"] == plan.address)
    stores = {s.rec.address for s in plan.stores}
    starts = sorted(f.start for f in run.faults)
    assessments = []
    for f in run.faults:
        later = [t for t in starts if t > f.start]
        window_end = later[0] if later else run.duration
        rto, recovered = _rto(series, f.start, window_end)
        lost = [x["seconds"] for x in losses if x["fault"] == f.id and x["resource"] in stores and x["seconds"] is not None]
        rpo = max(lost, default=0.0)
        rto_met = recovered and rto <= plan.rto
        rpo_met = rpo <= plan.rpo
        # not back when the run (or the next fault) ended, but the RTO had not run out yet: the run
        # cannot say whether it would have been met
        unmeasured = not recovered and window_end - f.start < plan.rto
        rpo_known = bool(lost) or not unmeasured  # what a failover not yet made would lose is not known
        status = "PolicyBreached" if not rpo_met or not (rto_met or unmeasured) else \
            "NotMeasured" if unmeasured else "PolicyMet"
        assessments.append({
            "fault": f.id, "domain": f.domain, "disruption_type": f.disruption,
            "achieved_rto_seconds": _r(rto) if recovered else None, "recovered": recovered,
            "achieved_rpo_seconds": _r(rpo) if rpo_known else None, "rto_met": None if unmeasured else rto_met,
            "rpo_met": rpo_met if rpo_known else None, "observed_seconds": _r(window_end - f.start),
            "status": status})
    return {"address": plan.address, "strategy": plan.strategy, "primary_region": plan.primary,
            "secondary_region": plan.secondary,
            "policy": {"rto_seconds": _r(plan.rto), "rpo_seconds": _r(plan.rpo)},
            "data_stores": [{"address": s.rec.address, "replication": s.how}
                            for s in sorted(plan.stores, key=lambda s: s.rec.address)],
            "runbook_started": _r(plan.started_at), "assessments": assessments}


def _rto(series: list, start: float, end: float) -> tuple[float, bool]:
    """Seconds from `start` until the service is back to ≥ RECOVERED for good (before `end`)."""
    value = 1.0
    for t, served, _ in series:
        if t > start:
            break
        value = served
    down_at = start if value < RECOVERED else None
    back_at = None
    for t, served, _ in series:
        if t <= start or t >= end:
            continue
        if served < RECOVERED:
            if down_at is None:
                down_at = t
            back_at = None
        elif down_at is not None and back_at is None:
            back_at = t
    if down_at is None:
        return 0.0, True
    if back_at is None:
        return end - start, False
    return back_at - start, True


# --- text -----------------------------------------------------------------------------------------------

def render_text(doc: dict) -> str:
    out = []
    s = doc["summary"]
    out.append(f"archform chaos: {doc['architecture'] or '(applied cloud)'} — seed {doc['seed']}, "
               f"{units.span(doc['duration_seconds'])} of virtual time, {s['events']} events")
    out.append("")
    out.append("Faults")
    for f in doc["faults"]:
        until = "the end" if f["end"] is None else units.clock(f["end"])
        n = len(f["affected"].get("instances", []))
        held = f", {n} instance{'s' if n != 1 else ''}" if n else ""
        out.append(f"  {f['id']}  {f['domain']}  {units.clock(f['start'])} → {until}  "
                   f"({DISRUPTION_NAMES[f['disruption_type']]}{held})")
    out.append("")
    out.append("Timeline")
    width = max((len(e["event"]) for e in doc["timeline"]), default=10)
    for e in doc["timeline"]:
        out.append(f"  {e['at']}  {e['event'].ljust(width)}  {e['subject']}: {e['detail']}")
    out.append("")
    out.append("Services (served: share of requests over the run; capacity: nominal, then each change)")
    rows = []
    listed, subnets = services_listed(doc)
    for svc in listed:
        name = svc["address"] + (f" ({svc['facet']})" if svc["facet"] else "")
        steps = [(t, c) for i, (t, _, c) in enumerate(svc["series"])
                 if c != (svc["series"][i - 1][2] if i else svc["nominal_capacity"])]
        changes = " ".join(f"{_num(c)}@{units.clock(t)}" for t, c in steps[:8])
        more = " …" if len(steps) > 8 else ""
        rows.append((name, svc["kind"], f"{svc['served_fraction'] * 100:.2f}%",
                     f"down {units.span(svc['outage_seconds'])}" if svc["outage_seconds"] else "",
                     f"{_num(svc['nominal_capacity'])} {unit_for(svc['capacity_unit'], svc['nominal_capacity'])}"
                     + (f" → {changes}{more}" if changes else "")))
    out.extend(_columns(rows))
    if subnets:
        out.append(f"  {subnets}")
    out.append("")
    if doc.get("topics"):
        out.append("Topics (published, delivered per subscription, lost with nobody to deliver to)")
        for t in doc["topics"]:
            delivered = ", ".join(f"{name} {n:,}" for name, n in t["delivered"].items()) or "no subscription"
            extra = "".join(f", {t[k]:,} {k}" for k in ("lost", "refused") if t[k])
            out.append(f"  {t['address']} → {t['topic']}  {t['rate_per_second']:g}/s, {t['published']:,} published"
                       f"{extra}; delivered: {delivered}")
        out.append("")
    if doc.get("streams"):
        out.append("Streams (records taken in; refused for throughput: producers retry)")
        for st in doc["streams"]:
            out.append(f"  {st['address']} → {st['stream']}  {st['rate_per_second']:g}/s of {st['record_bytes']:,} "
                       f"bytes, {st['accepted']:,} taken in, {st['throttled']:,} throttled"
                       + (f", {st['refused']:,} refused" if st["refused"] else "")
                       + f"; {st['shards_at_end']:g} shards' worth at the end")
            out.extend(_reader_lines(st.get("readers") or []))
        out.append("")
    if doc.get("queues"):
        out.append("Queues (depth: messages visible; a backlog: more waiting than arrives in a tick)")
        out.extend(_queue_lines(doc["queues"]))
        out.append("")
    out.append("Failovers")
    out.extend(f"  {f['at']}  {f['resource']}  {f['what']}: {f['from']} → {f['to']}" for f in doc["failovers"])
    if not doc["failovers"]:
        out.append("  none")
    out.append("")
    out.append("Data lost")
    for x in doc["data_loss"]:
        amount = (f"{units.span(x['seconds'])} of writes" if x["seconds"] is not None else
                  f"{x['fraction']:.0%} of its data" if x["fraction"] is not None else "data")
        if x["gigabytes"]:
            amount += f" ({_num(x['gigabytes'])} GB)"
        out.append(f"  {x['at']}  {x['resource']}  {amount}: {x['what']}")
    if not doc["data_loss"]:
        out.append("  none")
    if doc["dr_plans"]:
        out.append("")
        out.append("DR plans (per disruption: achieved RTO and RPO against the policy, as Resilience Hub reports)")
        for p in doc["dr_plans"]:
            pol = p["policy"]
            out.append(f"  {p['address']}  {p['strategy']} {p['primary_region']} → {p['secondary_region']}  "
                       f"targets: RTO {units.span(pol['rto_seconds'])}, RPO {units.span(pol['rpo_seconds'])}")
            for a in p["assessments"]:
                rto = units.span(a["achieved_rto_seconds"]) if a["recovered"] else "not recovered"
                judged = "met" if a["rto_met"] else "breached" if a["rto_met"] is False else \
                    f"not measured: watched {units.span(a['observed_seconds'])}, less than the target"
                out.append(f"    {DISRUPTION_NAMES[a['disruption_type']]:<8} {a['fault']} {a['domain']}:  "
                           f"RTO {rto} ({judged}), "
                           + (f"RPO {units.span(a['achieved_rpo_seconds'])} ({'met' if a['rpo_met'] else 'breached'})"
                              if a["rpo_met"] is not None else "RPO not measured (no failover yet)") +
                           f"  → {a['status']}")
    out.append("")
    if s["compliance"] == "NoPolicy":
        out.append("Result: no DR plan to judge (exit 0)")
    elif s["compliance"] == "NotMeasured":
        out.append("Result: no DR target breached, but an RTO was not measured: the run ended before the target "
                   "had passed; give a longer --duration (exit 0)")
    elif s["targets_met"]:
        out.append("Result: every DR target met (exit 0)")
    else:
        out.append("Result: a DR target was breached (exit 3)")
    return "\n".join(out) + "\n"


def unit_for(unit: str, n: float) -> str:
    """`1 instance`, `1 storage copy`, `1 subnet AZ`: the unit's last word in the singular for one."""
    if n != 1 or not unit.endswith("s"):
        return unit
    head, _, last = unit.rpartition(" ")
    one = last[:-3] + "y" if last.endswith("ies") else last[:-1]
    return f"{head} {one}" if head else one


def _reader_lines(readers: list[dict]) -> list[str]:
    """A stream's readers: what each read and how far behind it fell (its iterator age)."""
    out = []
    for r in readers:
        how = " (enhanced fan-out)" if r["fan_out"] else ""
        behind = (f"iterator age at most {units.span(r['iterator_age_peak_seconds'])} (at "
                  f"{units.clock(r['iterator_age_peak_at'])}), {units.span(r['iterator_age_at_end_seconds'])} at the end"
                  if r["iterator_age_peak_seconds"] else "kept up throughout")
        lost = f"; {r['expired']:,} expired unread" if r["expired"] else ""
        out.append(f"    read by {r['address']}{how}: {r['read']:,} read, {behind}{lost}")
    return out


def _queue_lines(queues: list[dict]) -> list[str]:
    out = []
    for q in queues:
        extra = [f"{q[k]:,} {label}" for k, label in (("dead_lettered", "dead-lettered"), ("refused", "refused"),
                                                      ("throttled", "throttled")) if q[k]]
        out.append(f"  {q['address']} → {q['queue']}  {q['rate_per_second']:g}/s, {q['processed']:,} processed"
                   + (", " + ", ".join(extra) if extra else "") + f"; depth at the end {q['depth_at_end']:,}")
        for b in q["backlogs"]:
            back = (f"back to steady at {units.clock(b['back_at'])} ({units.span(b['seconds'])} after it began)"
                    if b["back_at"] is not None else "not drained by the end of the run")
            out.append(f"    backlog from {units.clock(b['rose_at'])}: peak {b['peak_depth']:,} messages at "
                       f"{units.clock(b['peak_at'])} (oldest {units.span(b['oldest_at_peak'])}), {back}")
        if not q["backlogs"]:
            out.append("    no backlog: the consumers kept up throughout")
    return out


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def _columns(rows: list[tuple]) -> list[str]:
    if not rows:
        return ["  none"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(wd) for c, wd in zip(r, widths)).rstrip() for r in rows]
