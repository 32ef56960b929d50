"""Layout hints: invisible nodes and edges that make dot draw an architecture the way people
draw it, computed from the scene alone (so the DOT stays deterministic).

- Tiers: inside each AZ, a subnet's address node comes first and the tiers follow one another
  (public, then private, then data: tiers ordered by their lowest CIDR), so a VPC reads as AZ
  columns and tier rows, lined up with the traffic beside them (load balancer by the public
  tier, fleet by the private tier, database by the data tier).
- Spans: what is spread over several subnets without members of its own (an EFS file system,
  a Fargate service) comes just before their address nodes, so the traffic lines up with the
  tiers it runs in (a resource with members stands on their rank: `align.py`).
- Partners: a security group sits beside what it protects; a minor resource that only
  annotates another (a certificate, an Elastic IP, a route table) beside it.
- Packing: what is left unconnected in a frame is laid in rows of a few, not one column.
- Regions stand side by side as dot lays ranks top to bottom, their tiers on one rank
  (`align.py`).

Only plain edges, which dot may reverse to break a cycle. The `rank=same` rows are
`align.py`'s, and hold no two nodes these hints rank one before the other (with `newrank`,
whose ranking takes them together), so traffic that loops back (a security group letting the
fleet call the load balancer) cannot make contradictory constraints.
"""

from __future__ import annotations

import math
import re

from .edges import security_group_members
from .scene import Scene

# edges that order the layout (the others only annotate; see dot.UNCONSTRAINED)
ORDERING = {"traffic", "failover", "manages"}


def layout_hints(scene: Scene) -> tuple[list[tuple[str, str | None]], list[tuple[str, str, int]]]:
    """(invisible nodes as (id, frame), invisible edges as (tail, head, weight))."""
    hints: list[tuple[str, str, int]] = [(a, b, 4) for a, b in tiers(scene)]
    hints.extend((a, b, 1) for a, b in spans(scene))
    ordered: set[str] = set()
    for e in scene.edges:
        if e.kind in ORDERING:
            ordered.update((e.tail, e.head))
    for a, b, _ in hints:
        ordered.update((a, b))
    top = {n.id: _top(scene, n.frame) for n in scene.nodes.values()}

    # partners
    members = security_group_members(scene)
    uses: dict[str, list] = {}
    for e in sorted((e for e in scene.edges if e.kind == "uses"), key=lambda e: (e.tail, e.head)):
        uses.setdefault(e.tail, []).append(e)
        uses.setdefault(e.head, []).append(e)
    for n in sorted(scene.nodes.values(), key=lambda n: n.id):
        if n.id in ordered or n.anchor or n.frame is None:
            continue
        partner = None
        if n.kind == "security_group":
            partner = next((m for m in members.get(n.id, []) if m in scene.nodes and top[m] == top[n.id]), None)
            if partner:
                hints.append((n.id, partner, 1))
        if partner is None:
            for e in sorted(uses.get(n.id, []), key=lambda e: (e.tail, e.head)):
                other = e.head if e.tail == n.id else e.tail if e.head == n.id else None
                if other is None or other not in scene.nodes or top[other] != top[n.id] or other == n.id:
                    continue
                partner = other
                hints.append((e.tail, e.head, 1))
                break
        if partner:
            ordered.update((n.id, partner))

    # packing
    loose: dict[str, list[str]] = {}
    for n in sorted(scene.nodes.values(), key=lambda n: n.id):
        if n.id not in ordered and not n.anchor and n.frame is not None:
            loose.setdefault(n.frame, []).append(n.id)
    for frame, ids in sorted(loose.items()):
        if len(ids) < 4:
            continue
        width = max(2, min(6, math.ceil(math.sqrt(len(ids)))))
        for start in range(0, len(ids), width):
            row = ids[start:start + width]
            hints.extend((a, b, 1) for a, b in zip(row, row[1:]))

    extra: list[tuple[str, str | None]] = []
    return extra, hints


def _top(scene: Scene, frame: str | None) -> str | None:
    path = scene.ancestors(frame)
    return path[-1] if path else None


def tiers(scene: Scene) -> list[tuple[str, str]]:
    """From each subnet's address node to what else it holds, and from everything in one
    tier's subnet to the next tier's subnet in the same AZ (a tier: the subnets of one name
    across AZs, `net.public[…]`)."""
    tier_of: dict[str, tuple[str, str]] = {}
    first: dict[tuple[str, str], tuple] = {}
    for f in scene.frames.values():
        if f.kind != "subnet" or not f.address or f.address not in scene.nodes:
            continue
        vpc = scene.enclosing(f.id, "vpc") or scene.enclosing(f.id, "region") or ""
        key = (vpc, re.sub(r"\[[^\]]*\]$", "", f.address))
        tier_of[f.address] = key
        first[key] = min(first.get(key, f.order), f.order)
    hints: list[tuple[str, str]] = []
    _, nodes = scene.children()
    held = {a: [n.id for n in nodes.get(scene.frame_of[a], [])] for a in tier_of}
    for a, inside in sorted(held.items()):
        hints.extend((a, n) for n in inside if n != a)
    by_az: dict[str, list[tuple[tuple, str]]] = {}
    for a, key in tier_of.items():
        parent = scene.frames[scene.frame_of[a]].parent
        by_az.setdefault(parent or "", []).append((first[key], a))
    for az, subnets in sorted(by_az.items()):
        subnets.sort()
        for (ra, a), (rb, b) in zip(subnets, subnets[1:]):
            if ra != rb:
                hints.extend((n, b) for n in held[a])
    return hints


def spans(scene: Scene) -> list[tuple[str, str]]:
    from .align import aligned
    from .scene import refs
    out = []
    beside = aligned(scene)        # drawn on its members' rank (`align.py`)
    for n in sorted(scene.nodes.values(), key=lambda n: n.id):
        it = scene.items.get(n.id)
        if it is None or n.anchor or n.minor or n.id in beside:
            continue
        subnets = [s for s in refs(it.attrs.get("subnets")) if s in scene.frame_of and s in scene.nodes]
        if len(subnets) > 1:
            out.extend((n.id, s) for s in subnets)
    return out
