"""The report's charts, as inline SVG written by hand (no library, no script, nothing fetched):

- `capacity_chart(report)`: small multiples, one row per service whose capacity or service
  changed (DR plans first), each a step line of its capacity over virtual time on its own
  scale, with the faults shaded across every row and failovers as dashed markers;
- `timeline_chart(report)`: the failure's events on the same time axis, one lane per family
  (faults, compute, Auto Scaling, load balancing, data, network, DNS, queues and serverless,
  DR), each event a dot
  whose tooltip is the engine's sentence, failovers and fault starts labelled.

Both are deterministic: numbers rounded, everything sorted as the report sorts it.
"""

from __future__ import annotations

from html import escape

from archform.providers.simulated.chaos.report import unit_for

FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
WIDTH = 960
LEFT = 250          # room for the row labels
RIGHT = 24
ROW = 46
MAX_ROWS = 16

LANES = [
    ("fault", "Faults", ("fault.",)),
    ("compute", "Compute", ("instance.", "spot.", "capacity.", "ecs.")),
    ("asg", "Auto Scaling", ("asg.",)),
    ("lb", "Load balancing", ("lb.", "target.")),
    ("data", "Data", ("rds.", "aurora.", "cache.", "storage.", "documentdb.", "neptune.", "rds_proxy.", "msk.")),
    ("network", "Network", ("nat.", "egress.")),
    ("dns", "DNS", ("route53.",)),
    ("messaging", "Queues and serverless", ("queue.", "lambda.", "api.", "sns.", "kinesis.", "sqs_queue.", "sns_topic.",
                                            "lambda_function.", "lambda_event_source.", "api_gateway.")),
    ("dr", "DR", ("dr.",)),
]
COLOURS = {"fault": "#D13212", "compute": "#ED7100", "asg": "#ED7100", "lb": "#7D3CD8", "data": "#C925D1",
           "network": "#0972D3", "dns": "#8C4FFF", "messaging": "#B0084D", "dr": "#E7157B"}
LABELLED = ("fault.start", "route53.record_flipped", "aurora.global_promoted", "aurora.failover_complete",
            "rds.failover_complete", "rds.promoted", "dr.runbook_started", "dr.dns_switched", "dr.restored",
            "cache.failover_complete", "queue.backlog", "queue.drained", "documentdb.failover_complete",
            "neptune.failover_complete", "rds_proxy.clients_moved", "msk.recovered", "ecs.steady_state")


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _clock(t: float) -> str:
    t = float(t)
    h, rest = divmod(int(round(t)), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _x(t: float, duration: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (max(0.0, min(float(t), duration)) / duration if duration else 0.0)


def _ticks(duration: float) -> list[float]:
    steps = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400]
    step = next((s for s in steps if duration / s <= 10), steps[-1])
    out, t = [], 0.0
    while t <= duration + 1e-9:
        out.append(t)
        t += step
    return out


def _axis(duration: float, top: float, bottom: float) -> list[str]:
    out = []
    for t in _ticks(duration):
        x = _x(t, duration)
        out.append(f'<line x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="#E9EBED"/>')
        out.append(f'<text x="{_f(x)}" y="{_f(bottom + 14)}" text-anchor="middle" font-size="10" '
                   f'fill="#545B64">{_clock(t)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{_f(bottom)}" x2="{WIDTH - RIGHT}" y2="{_f(bottom)}" stroke="#879196"/>')
    return out


def _faults(report: dict, duration: float, top: float, bottom: float) -> list[str]:
    out = []
    for f in report.get("faults", []):
        x0 = _x(f.get("start") or 0.0, duration)
        x1 = _x(duration if f.get("end") is None else f["end"], duration)
        out.append(f'<rect class="fault" x="{_f(x0)}" y="{_f(top)}" width="{_f(max(1.0, x1 - x0))}" '
                   f'height="{_f(bottom - top)}" fill="#D13212" fill-opacity="0.07">'
                   f'<title>{escape(f.get("domain", ""))} from {_clock(f.get("start") or 0)}</title></rect>')
        out.append(f'<line x1="{_f(x0)}" y1="{_f(top)}" x2="{_f(x0)}" y2="{_f(bottom)}" stroke="#D13212" '
                   f'stroke-width="1.5"/>')
    for fo in report.get("failovers", []):
        x = _x(fo.get("t") or 0.0, duration)
        out.append(f'<line x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="#1D8102" '
                   f'stroke-dasharray="4 3"><title>{escape(fo.get("at", ""))} {escape(str(fo.get("resource")))}: '
                   f'{escape(str(fo.get("what")))} {escape(str(fo.get("from")))} → {escape(str(fo.get("to")))}</title></line>')
    return out


def chart_services(report: dict) -> list[dict]:
    """The services worth a row (at most MAX_ROWS): DR plans, then those whose capacity or
    service changed, in the order traffic meets them (DNS, load balancers, fleets, data); not
    subnets, which are where services live."""
    rows = []
    for s in report.get("services", []):
        series = s.get("series") or []
        changed = any(c != s.get("nominal_capacity") or p < 1.0 for _, p, c in series)
        if s.get("kind") == "dr_plan" or (changed and s.get("kind") != "subnet"):
            rows.append(s)
    rows.sort(key=lambda s: (ORDER.index(s.get("kind")) if s.get("kind") in ORDER else len(ORDER) - 1,))
    return rows[:MAX_ROWS]


ORDER = ["dr_plan", "dns_record", "cloudfront", "global_accelerator", "load_balancer", "autoscaling_group",
         "instance", "aurora", "rds", "elasticache", "dynamodb_table", "s3_bucket", "efs", "ebs_volume",
         "nat_gateway", "other", "subnet"]


def capacity_chart(report: dict) -> str:
    duration = float(report.get("duration_seconds") or 0.0) or 1.0
    services = chart_services(report)
    top = 10.0
    height = top + max(1, len(services)) * ROW + 30
    bottom = height - 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="capacity-chart" class="chart" role="img" '
           f'viewBox="0 0 {WIDTH} {_f(height)}" width="{WIDTH}" height="{_f(height)}" font-family="{escape(FONT)}">',
           '<title>Capacity over time, per service</title>',
           f'<rect x="0" y="0" width="{WIDTH}" height="{_f(height)}" fill="#FFFFFF"/>']
    out += _axis(duration, top, bottom)
    out += _faults(report, duration, top, bottom)
    if not services:
        out.append(f'<text x="{LEFT}" y="{_f(top + ROW / 2)}" font-size="12" fill="#545B64">No service lost '
                   f'capacity.</text>')
    for i, s in enumerate(services):
        y0 = top + i * ROW
        series = s.get("series") or [[0.0, 1.0, s.get("nominal_capacity") or 0.0]]
        peak = max([c for _, _, c in series] + [s.get("nominal_capacity") or 0.0, 1e-9])
        base, span = y0 + ROW - 8, ROW - 16

        def y(c, base=base, span=span, peak=peak):
            return base - span * (c / peak)
        points = []
        last = None
        for t, _, c in series:
            x = _x(t, duration)
            if last is not None:
                points.append(f"{_f(x)},{_f(y(last))}")
            points.append(f"{_f(x)},{_f(y(c))}")
            last = c
        points.append(f"{_f(_x(duration, duration))},{_f(y(last))}")
        colour = "#E7157B" if s.get("kind") == "dr_plan" else "#0972D3"
        name = s["address"] + (f" ({s['facet']})" if s.get("facet") else "")
        unit = s.get("capacity_unit") or ""
        low = min(c for _, _, c in series)
        end = series[-1][2]
        served = s.get("served_fraction")
        out.append(f'<g class="service-row" data-service="{escape(name)}">')
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{_f(y0)}" width="{LEFT - 6}" height="{ROW}" fill="#F8F9FA"/>')
        shown = name if len(name) <= 34 else name[:33] + "…"  # cut where it shows, the whole name in the title
        out.append(f'<text x="8" y="{_f(y0 + 18)}" font-size="12" font-weight="600" fill="#16191F">'
                   f'<title>{escape(name)}</title>{escape(shown)}</text>')
        # the numbers in the room the label column has: the capacity line, then what was served (it
        # was cut at 46 characters, "served 95.3" without its %)
        nominal = s.get("nominal_capacity") or 0
        detail = f"{_f(nominal)} {unit_for(unit, nominal)} → min {_f(low)}, end {_f(end)}"
        if served is not None:
            detail += f" · {served * 100:.1f}% served" if len(detail) <= 30 else f" · {served * 100:.0f}%"
        out.append(f'<text x="8" y="{_f(y0 + 33)}" font-size="10" fill="#545B64">{escape(detail)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{_f(base)}" x2="{WIDTH - RIGHT}" y2="{_f(base)}" stroke="#D5DBDB"/>')
        area = points + [f"{_f(_x(duration, duration))},{_f(base)}", f"{_f(_x(series[0][0], duration))},{_f(base)}"]
        out.append(f'<polygon points="{" ".join(area)}" fill="{colour}" fill-opacity="0.12"/>')
        out.append(f'<polyline class="capacity" points="{" ".join(points)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"><title>{escape(name)}: capacity in {escape(unit)}</title></polyline>')
        out.append(f'<text x="{WIDTH - RIGHT + 2}" y="{_f(y(peak) + 4)}" font-size="9" fill="#879196">'
                   f'{_f(peak)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _lane(event: str) -> str:
    for key, _, prefixes in LANES:
        if event.startswith(prefixes):
            return key
    return "compute"


def timeline_chart(report: dict) -> str:
    duration = float(report.get("duration_seconds") or 0.0) or 1.0
    events = report.get("timeline", [])
    used = [lane for lane in LANES if any(_lane(e["event"]) == lane[0] for e in events)] or LANES[:1]
    lane_h = 34
    top = 10.0
    height = top + len(used) * lane_h + 34
    bottom = height - 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="timeline-chart" class="chart" role="img" '
           f'viewBox="0 0 {WIDTH} {_f(height)}" width="{WIDTH}" height="{_f(height)}" font-family="{escape(FONT)}">',
           '<title>Failure timeline</title>',
           f'<rect x="0" y="0" width="{WIDTH}" height="{_f(height)}" fill="#FFFFFF"/>']
    out += _axis(duration, top, bottom)
    out += _faults(report, duration, top, bottom)
    index = {key: i for i, (key, _, _) in enumerate(used)}
    for key, label, _ in used:
        y = top + index[key] * lane_h + lane_h / 2
        out.append(f'<text x="8" y="{_f(y + 4)}" font-size="12" fill="#16191F">{escape(label)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{_f(y)}" x2="{WIDTH - RIGHT}" y2="{_f(y)}" stroke="#E9EBED"/>')
    labelled_at: dict[str, float] = {}
    for e in events:
        key = _lane(e["event"])
        if key not in index:
            continue
        x = _x(e["t"], duration)
        y = top + index[key] * lane_h + lane_h / 2
        colour = COLOURS.get(key, "#545B64")
        tip = f'{e.get("at", "")} {e["event"]} {e.get("subject", "")}: {e.get("detail", "")}'
        out.append(f'<circle class="event" cx="{_f(x)}" cy="{_f(y)}" r="4" fill="{colour}" fill-opacity="0.85">'
                   f'<title>{escape(tip)}</title></circle>')
        if e["event"] in LABELLED and x - labelled_at.get(key, -1e9) > 110:
            labelled_at[key] = x
            text = f'{e["event"].split(".", 1)[1].replace("_", " ")} {str(e.get("subject", ""))[:22]}'
            out.append(f'<text x="{_f(x + 6)}" y="{_f(y - 7)}" font-size="9" fill="{colour}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
