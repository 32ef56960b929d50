"""Overlays: what a plan, a failure or a fleet's instances add to a built scene.

- `plan_items` / `plan`: every resource coloured by its planned action (create, update,
  replace, delete, no change), with what changes; resources the plan deletes are drawn too,
  where they were (dashed).
- `chaos`: the failed domain (a region, an AZ, a host, a rack, a resource) in red, what it hit
  and what lost capacity, and each failover as a bold edge from where it was to where it went,
  with the virtual time it happened; DR plans carry their measured RTO and RPO.
- `instances`: every instance of each Auto Scaling group, in its subnet (spread over the
  group's AZs as Auto Scaling balances them).

Each takes values (a plan, a chaos report as its JSON document) and changes only the scene.
"""

from __future__ import annotations

import re

from archform.providers.simulated.chaos.report import unit_for

from .legend import chaos_legend, plan_legend
from .nesting import region_frame
from .scene import Edge, Frame, Item, Node, Scene, ref, refs
from .styles import ACTIONS, kind_info

# a chaos run's compliance, as the diagram's note and the report's headline say it
VERDICTS = {"PolicyMet": "every DR target met", "PolicyBreached": "a DR target was breached",
            "NoPolicy": "no DR plan to judge"}

# --- plan --------------------------------------------------------------------------------------


def plan_items(items: dict[str, Item], plan) -> dict[str, Item]:
    """The desired items with their planned actions, plus the resources the plan deletes."""
    out = dict(items)
    for c in plan.changes:
        action = c.action.value
        if c.object_address in out:
            it = out[c.object_address]
            out[c.object_address] = Item(it.address, it.kind, it.region, it.attrs, action, tuple(c.changed))
        elif action == "delete" and not getattr(c, "deposed", False):
            before = {k: v for k, v in (c.before or {}).items() if k not in set(c.sensitive)}  # no secret shown
            out[c.address] = Item(c.address, c.kind, c.region, before, "delete")
    for a, it in out.items():
        if it.action is None:
            out[a] = Item(it.address, it.kind, it.region, it.attrs, "no-op")
    return dict(sorted(out.items()))


def plan(scene: Scene, the_plan) -> None:
    """Colour the scene by action; a note says what changes."""
    counts: dict[str, int] = {}
    replace_paths = {c.object_address: c.replace_paths for c in the_plan.changes}
    for address, it in scene.items.items():
        action = it.action or "no-op"
        counts[action] = counts.get(action, 0) + 1
        node = scene.nodes.get(address)
        if node is None:
            continue
        node.state = action
        if action == "update" and it.changed:
            node.note = "~ " + ", ".join(it.changed[:3]) + (" …" if len(it.changed) > 3 else "")
        elif action == "replace":
            forced = sorted({p[0] for p in replace_paths.get(address, ()) if p})
            node.note = "replace: " + (", ".join(forced[:3]) if forced else "requested")
        elif action == "delete":
            node.note = "will be destroyed"
        node.tooltip = f"{address} ({it.kind}): {action}"
        frame = scene.frame_of.get(address)
        if frame is not None:
            scene.frames[frame].state = action
    for node in scene.nodes.values():                  # a resource's members (members.py) share its action
        if node.address and node.id != node.address and node.address in scene.items and node.kind != "instance":
            node.state = scene.items[node.address].action or "no-op"
    s = the_plan.summary
    scene.notes.append(s.line())
    scene.legend = plan_legend(counts) + [r for r in scene.legend if r[0] != "box" and not r[0].startswith("icon:")]


# --- chaos -------------------------------------------------------------------------------------

def _addresses(text) -> list[str]:
    """'standby.web (50%), primary.web' → the addresses named."""
    if not isinstance(text, str):
        return []
    return [re.sub(r"\s*\(\d+%\)$", "", part.strip()) for part in text.split(",") if part.strip()]


def _az_frames(scene: Scene, az: str) -> list[str]:
    return sorted(f.id for f in scene.frames.values() if f.kind == "az" and f.label.endswith(" " + az))


def chaos(scene: Scene, report: dict) -> None:
    """Mark the failure the report ran and what it did (`report` is an `archform-chaos` document)."""
    reps = scene.representatives()
    failed_frames: set[str] = set()
    states: set[str] = set()
    for fault in report.get("faults", []):
        kind, target = fault.get("kind"), fault.get("target")
        frames: list[str] = []
        if kind == "region":
            frames = [region_frame(target)] if region_frame(target) in scene.frames else []
        elif kind in ("az", "az-power-interruption"):
            frames = _az_frames(scene, target)
        elif kind in ("host", "rack", "dc"):
            frames = sorted(f.id for f in scene.frames.values() if f.kind == kind and f.address == target)
        when = _clock(fault.get("start"))
        until = "" if fault.get("end") is None else f" until {_clock(fault['end'])}"
        for f in frames:
            scene.frames[f].state = "failed"
            scene.frames[f].note = f"FAILED at {when}{until} ({fault.get('domain')})"
            failed_frames.add(f)
            states.add("failed")
        if kind == "resource" and target in scene.nodes:
            node = scene.nodes[target]
            node.state = "failed"
            node.note = f"failed at {when}" + (f" ({fault['part']})" if fault.get("part") else "")
            states.add("failed")
        for instance in (fault.get("affected") or {}).get("instances", []):
            if instance in scene.nodes:
                scene.nodes[instance].state = "failed"
                scene.nodes[instance].note = f"stopped at {when}"
                states.add("failed")
        for address in (fault.get("affected") or {}).get("resources", []):
            node = scene.nodes.get(address)
            if node is None or node.state == "failed":
                continue
            inside = any(f in failed_frames for f in scene.ancestors(node.frame))
            own = scene.frame_of.get(address)
            if inside or (own and own in failed_frames):
                node.state = "failed"
                states.add("failed")
            else:
                node.state = "impaired"
                node.note = node.note or f"hit at {when}"
                states.add("impaired")
    # what a spread resource runs in a failed AZ (a database's writer, a fleet's instances there)
    for node in scene.nodes.values():
        if node.minor and node.state is None and any(f in failed_frames for f in scene.ancestors(node.frame)):
            node.state = "failed"
            states.add("failed")
    # capacity lost somewhere in the run
    for svc in report.get("services", []):
        node = scene.nodes.get(svc.get("address"))
        if node is None or node.state == "failed":
            continue
        nominal = svc.get("nominal_capacity") or 0
        low = min((c for _, _, c in svc.get("series", [])), default=nominal)
        if nominal and low < nominal:
            node.state = "impaired" if _plain(node) else node.state
            states.add(node.state)
            unit = svc.get("capacity_unit") or ""
            worst = f"{_num(low)}/{_num(nominal)} {unit_for(unit, nominal)} at worst"
            node.note = f"{node.note}; {worst}" if node.note.startswith("hit at") else node.note or worst
    # failovers: from where to where; several between the same two places (two databases' AZ
    # failovers) are one edge with a line each, naming what moved, not edges drawn over each other
    moves: dict[tuple, list[str]] = {}
    for fo in report.get("failovers", []):
        label = f"{fo.get('at', '')} {fo.get('what', '')}".strip()
        resource = fo.get("resource")
        pairs = _failover_ends(scene, fo, reps)
        for (tail, ltail), (head, lhead) in pairs:
            if tail and head and (tail != head or ltail or lhead):
                whose = scene.nodes[resource].title if (ltail or lhead) and resource in scene.nodes else ""
                moves.setdefault((tail, head, ltail, lhead), []).append(
                    f"{fo.get('at', '')} {whose}: {fo.get('what', '')}" if whose else label)
                node = scene.nodes.get(head)
                if node is not None and node.state not in ("failed",) and not lhead:
                    node.state = "took_over"
                    node.note = f"took over at {fo.get('at', '')}"
                    states.add("took_over")
        if resource in scene.nodes and not pairs:
            node = scene.nodes[resource]
            node.note = f"{fo.get('what')}: {fo.get('from')} → {fo.get('to')} at {fo.get('at')}"
    for (tail, head, ltail, lhead), lines in moves.items():
        scene.add_edge(Edge(tail, head, "chaos", "\n".join(lines), ltail, lhead))
    # DR plans: measured against their targets
    for p in report.get("dr_plans", []):
        node = scene.nodes.get(p.get("address"))
        if node is None:
            continue
        parts = []
        for a in p.get("assessments", []):
            rto = "not recovered" if not a.get("recovered") else f"RTO {_span(a.get('achieved_rto_seconds'))}"
            parts.append(f"{rto}, RPO {_span(a.get('achieved_rpo_seconds'))}: "
                         f"{'met' if a.get('status') == 'PolicyMet' else 'BREACHED'}")
        node.note = "; ".join(parts)
        breached = any(a.get("status") != "PolicyMet" for a in p.get("assessments", []))
        node.state = "failed" if breached else "took_over"
        states.add(node.state)
    summary = report.get("summary", {})
    domains = ", ".join(f.get("domain", "") for f in report.get("faults", []))
    verdict = VERDICTS.get(summary.get("compliance"), "")
    scene.notes.append(f"Chaos: {domains} (seed {report.get('seed')}, "
                       f"{_span(report.get('duration_seconds'))} of virtual time) — {verdict}")
    scene.legend = chaos_legend(states, bool(report.get("failovers"))) + scene.legend


def _reach_end(scene: Scene, end: str) -> str:
    """The node an end of a `reach` flow is drawn at: a resource's; the internet's users for
    `internet` (added when the diagram has none); else a node of its own for an address outside
    every VPC (`203.0.113.5`, an on-premises host)."""
    if end in scene.nodes:
        return end
    if end == "internet":
        from .edges import USERS
        if USERS not in scene.nodes:
            scene.add_node(Node(USERS, None, "users", "Users", ["internet"], "other", minor=False,
                                tooltip="Users on the internet"))
        return USERS
    node = f"~address:{end}"
    if node not in scene.nodes:
        scene.add_node(Node(node, None, "host", end, ["outside every VPC"], "other", minor=False,
                            tooltip=f"{end}: an address outside every VPC"))
    return node


def reach(scene: Scene, answer) -> None:
    """Draw a `reach` answer (`stdlib.reach.Answer`): the flow as an edge from its source to its
    destination, green when every path gets through, dashed red when one is blocked; the ends
    marked, and the resource whose rule blocks the path shown marked red with the rule's step."""
    path = answer.shown
    states: set[str] = set()
    ends = [_reach_end(scene, answer.source), _reach_end(scene, answer.destination)]
    for address in ends:
        node = scene.nodes.get(address)
        if node is not None and node.state is None:
            node.state = "reach_end"
            states.add("reach_end")
    blocked = path.blocked_at if path is not None else None
    word = "yes" if answer.reachable else "no"
    label = f"{answer.flow}: {word}"
    if blocked is not None and blocked.at is not None:
        label += f" (blocked at {blocked.step})"
        node = scene.nodes.get(blocked.at.address) or scene.nodes.get(scene.frame_of.get(blocked.at.address, ""))
        if node is not None:
            node.state = "reach_blocks"
            node.note = f"blocks: {blocked.step}"
            states.add("reach_blocks")
        else:
            frame = scene.frames.get(scene.frame_of.get(blocked.at.address, ""))
            if frame is not None:
                frame.state, frame.note = "failed", f"blocks: {blocked.step} ({blocked.at.address})"
    tail, head = (scene.nodes.get(a) for a in ends)
    if tail is not None and head is not None:
        scene.add_edge(Edge(tail.id, head.id, "reach_yes" if answer.reachable else "reach_no", label))
    reached = sum(p.reachable for p in answer.paths)
    scene.notes.append(f"Reach: {answer.source} → {answer.destination} on {answer.flow}: {word}, {reached} of "
                       f"{len(answer.paths)} paths get through"
                       + (f"; blocked at {blocked.step} by {blocked.at.address}" if blocked and blocked.at else ""))
    edge = ("edge-solid", "#1D8102", "the flow gets through") if answer.reachable else \
        ("edge-dashed", "#D13212", "the flow is blocked")
    scene.legend = chaos_legend(states, False) + [edge] + scene.legend


def _plain(node: Node) -> bool:
    """No chaos state yet (a plan's colour gives way to the failure's)."""
    return node.state is None or node.state in ACTIONS


def _failover_ends(scene: Scene, fo: dict, reps: dict[str, str]) -> list[tuple[tuple, tuple]]:
    """The (tail, ltail), (head, lhead) ends of a failover edge: addresses, regions or AZs."""
    resource = fo.get("resource")
    sources, targets = _addresses(fo.get("from")), _addresses(fo.get("to"))
    if all(s in scene.nodes for s in sources) and all(t in scene.nodes for t in targets) and sources and targets:
        return [((s, None), (t, None)) for s in sources for t in targets if s != t]
    source, target = fo.get("from"), fo.get("to")
    if isinstance(source, str) and isinstance(target, str) and region_frame(target) in scene.frames:
        tail = resource if resource in scene.nodes else reps.get(region_frame(source))
        # a replica in the target region takes over: point at it
        for e in scene.edges:
            if e.kind == "replication" and e.tail == resource and scene.items.get(e.head) \
                    and scene.items[e.head].region == target:
                return [((tail, None), (e.head, None))]
        head = reps.get(region_frame(target))
        return [((tail, None), (head, region_frame(target)))] if tail and head else []
    if resource in scene.nodes and isinstance(source, str) and isinstance(target, str):
        node = scene.nodes[resource]
        vpc = scene.enclosing(node.frame, "vpc")
        a = [f for f in _az_frames(scene, source) if vpc is None or vpc in scene.ancestors(f)]
        b = [f for f in _az_frames(scene, target) if vpc is None or vpc in scene.ancestors(f)]
        if a and b and reps.get(a[0]) and reps.get(b[0]):
            return [((reps[a[0]], a[0]), (reps[b[0]], b[0]))]
    return []


def _clock(t) -> str:
    from archform.providers.simulated.chaos.units import clock
    return "the end" if t is None else clock(float(t))


def _span(seconds) -> str:
    if seconds is None:
        return "-"
    s = float(seconds)
    if s < 60:
        return f"{s:g}s"
    m, sec = divmod(s, 60)
    if m < 60:
        return f"{int(m)}m{int(round(sec)):02d}s"
    h, m = divmod(m, 60)
    return f"{int(h)}h{int(m):02d}m"


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


# --- instances ---------------------------------------------------------------------------------

def instances(scene: Scene) -> None:
    """Each Auto Scaling group's (and EKS node group's, Beanstalk environment's) desired instances
    as nodes in its subnets, balanced across AZs (one per AZ in turn, AZs in name order), managed
    by the group's node."""
    for address, it in sorted(scene.items.items()):
        if it.kind not in ("autoscaling_group", "eks_node_group", "beanstalk_environment") or \
                address not in scene.nodes:
            continue
        subnets = [s for s in refs(it.attrs.get("subnets")) if s in scene.frame_of]
        if not subnets:
            continue
        subnets.sort(key=lambda s: (str(scene.items[s].attrs.get("az")), s))
        desired = it.attrs.get("desired")
        count = int(desired if desired is not None else it.attrs.get("min") or 0)
        launch = it.attrs.get("launch") if isinstance(it.attrs.get("launch"), dict) else {}
        itype = launch.get("instance_type") or (it.attrs.get("instance_types") or [None])[0] or \
            it.attrs.get("instance_type")
        lt = ref(it.attrs.get("launch_template"))
        if itype is None and lt in scene.items:
            itype = scene.items[lt].attrs.get("instance_type")
        category = kind_info("instance")[0]
        for i in range(count):
            subnet = subnets[i % len(subnets)]
            nid = f"{address}/instance-{i + 1}"
            az = scene.items[subnet].attrs.get("az")
            scene.add_node(Node(nid, scene.frame_of[subnet], "instance", f"instance {i + 1} of {count}",
                                [str(itype or "instance"), str(az or "")], category, address, minor=True,
                                tooltip=f"{address}: instance {i + 1} of {count} in {subnet}"))
            scene.add_edge(Edge(address, nid, "manages"))


# --- physical ----------------------------------------------------------------------------------

def physical(scene: Scene, placements: list[dict], hosts: dict[str, dict] | None = None) -> None:
    """Hosts and racks per AZ: each instance (from `archform sim placement`'s rows) on its host,
    in its rack and data centre, inside the subnet it runs in (in its AZ's frame; the AZ frame
    itself where the subnet is not known); placement groups and partitions on the instance."""
    hosts = hosts or {}
    shown = [p for p in placements if p["address"] in scene.nodes and p.get("az")]
    if shown:
        counts = [len({p.get(k) for p in shown if p.get(k)}) for k in ("host", "rack", "data_centre", "az")]
        names = ("host", "rack", "data centre", "AZ")
        scene.notes.append(f"Physical: {len(shown)} instance{'s' if len(shown) != 1 else ''} on " + ", ".join(
            f"{n} {name}{'s' if n != 1 else ''}" for n, name in zip(counts, names)))
    else:
        scene.notes.append("Physical: no instances (nothing of it is applied yet)")
    for p in sorted(placements, key=lambda p: (p["address"], p["instance"])):
        address = p["address"]
        node = scene.nodes.get(address)
        az = p.get("az")
        if node is None or not az:
            continue
        vpc = _vpc_of(scene, address)
        candidates = [f for f in _az_frames(scene, az) if vpc is None or vpc in scene.ancestors(f)]
        if candidates:
            az_id = candidates[0]
        else:
            region = scene.items[address].region if address in scene.items else None
            parent = vpc or (region_frame(region) if region and region_frame(region) in scene.frames else None)
            az_id = f"cluster_az_{(vpc or region or '')}_{az}"
            scene.add_frame(Frame(az_id, "az", f"Availability Zone {az}", parent, order=(3, az)))
        parent = _subnet_in(scene, address, az) or az_id
        for kind, name, label in (("dc", p.get("data_centre"), "Data centre"), ("rack", p.get("rack"), "Rack"),
                                  ("host", p.get("host"), "Host")):
            if not name:
                continue
            fid = f"cluster_{kind}_{parent}_{name}"
            text = f"{label} {name}"
            if kind == "host" and name in hosts:
                h = hosts[name]
                text += f" · {h.get('family')} · {h.get('used_vcpus')}/{h.get('vcpus')} vCPU"
            scene.add_frame(Frame(fid, kind, text, parent, name, order=(6, name)))
            parent = fid
        lines = [str(p.get("instance_type") or "")]
        if p.get("placement_group"):
            group = p["placement_group"]
            alias = group.split(".", 1)[1] if "." in group else group
            lines.append(f"group {alias}" + ("" if p.get("partition") is None else f" · partition {p['partition'] + 1}"))
        title = p["instance"]
        scene.add_node(Node(p["instance"], parent, "instance", title, lines, "compute", address, minor=True,
                            tooltip=f"{p['instance']} of {address} on {p.get('host')}"))
        scene.add_edge(Edge(address, p["instance"], "manages"))


def _subnet_in(scene: Scene, address: str, az: str) -> str | None:
    """The frame of the subnet an instance of `address` runs in, in `az`: an instance's subnet,
    or the first listed subnet of that AZ of a group's (as `members.py` places them)."""
    it = scene.items.get(address)
    if it is None:
        return None
    for s in refs(it.attrs.get("subnet")) + refs(it.attrs.get("subnets")):
        sub = scene.items.get(s)
        if sub is not None and sub.attrs.get("az") == az and s in scene.frame_of:
            return scene.frame_of[s]
    return None


def _vpc_of(scene: Scene, address: str) -> str | None:
    it = scene.items.get(address)
    node = scene.nodes.get(address)
    if node is not None and (vpc := scene.enclosing(node.frame, "vpc")):
        return vpc
    if it is not None:
        for s in refs(it.attrs.get("subnets")) + refs(it.attrs.get("subnet")):
            frame = scene.frame_of.get(s)
            if frame and (vpc := scene.enclosing(frame, "vpc")):
                return vpc
    return None
