"""A diagram too large to lay out, condensed.

At thousands of resources Graphviz's `dot` takes minutes (a 10,000-resource estate did not
finish in ten), and the picture — tens of metres wide — helps nobody. Above `LIMIT` nodes the
scene is condensed: each VPC (else its region, else the global or on-premises frame, or a hosted
zone) keeps one node per kind with its count (`120 × Auto Scaling group`); the AZ and subnet
frames go, their nodes lifted into their VPC; edges join the condensed nodes, one per pair and
kind of edge (members' edges go with their members). What an overlay marked is kept: a group
takes the gravest state of its members (failed before impaired, a plan's destroy before its
create). The title says how it was drawn; `archform diagram --full` draws every resource anyway.
"""

from __future__ import annotations

from .scene import Edge, Frame, Node, Scene
from .styles import kind_info

LIMIT = 1500  # nodes: beyond, dot's layout grows from seconds to minutes

BUCKETS = ("vpc", "region", "global", "zone", "dc")  # the frames a condensed scene keeps
# a group's state: the gravest of its members'
GRAVITY = ("failed", "reach_blocks", "impaired", "delete", "replace", "took_over", "update", "create", "reach_end",
           "no-op")


def _bucket(scene: Scene, frame: str | None) -> str | None:
    for f in scene.ancestors(frame):
        if scene.frames[f].kind in BUCKETS:
            return f
    return None


def condense(scene: Scene) -> Scene:
    """The scene with one node per kind in each VPC (or region, global, on-premises frame, hosted
    zone), and the edges between those; frames other than those go."""
    out = Scene(items=scene.items, title=scene.title, legend=list(scene.legend), notes=list(scene.notes),
                network=scene.network)
    for f in scene.frames.values():
        if f.kind in BUCKETS:
            parent = _bucket(scene, f.parent)
            out.add_frame(Frame(f.id, f.kind, f.label, parent, f.address, f.public, f.state, f.note, f.order))
    group_of: dict[str, str] = {}
    members: dict[str, list[Node]] = {}
    for n in sorted(scene.nodes.values(), key=lambda n: n.id):
        bucket = _bucket(scene, n.frame)
        if n.anchor and n.frame in out.frames:  # a VPC's own node stays in its frame
            group_of[n.id] = n.id
            out.add_node(n)
            continue
        gid = f"~{bucket or 'top'}~{n.kind}"
        group_of[n.id] = gid
        members.setdefault(gid, []).append(n)
    for gid, nodes in members.items():
        first = nodes[0]
        if len(nodes) == 1:
            out.add_node(Node(gid, _bucket(scene, first.frame), first.kind, first.title, list(first.lines),
                              first.category, first.address, False, first.minor, first.state, first.note,
                              first.tooltip))
            continue
        name = kind_info(first.kind)[1] if first.address else first.kind.replace("_", " ")
        states = {n.state for n in nodes if n.state}
        state = next((s for s in GRAVITY if s in states), None)
        shown = ", ".join(n.title for n in nodes[:3]) + (f" and {len(nodes) - 3} more" if len(nodes) > 3 else "")
        out.add_node(Node(gid, _bucket(scene, first.frame), first.kind, f"{len(nodes)} × {name}", [shown],
                          first.category, None, False, first.minor, state,
                          tooltip=f"{len(nodes)} of kind {first.kind}: " + ", ".join(n.id for n in nodes[:50])))
    seen: dict[tuple, Edge] = {}
    for e in scene.edges:
        if e.kind == "member":
            continue
        tail, head = group_of.get(e.tail), group_of.get(e.head)
        if tail is None or head is None:
            continue
        ltail = e.ltail if e.ltail in out.frames else None
        lhead = e.lhead if e.lhead in out.frames else None
        if tail == head and not (ltail or lhead):
            continue
        key = (tail, head, e.kind, ltail, lhead)
        if key not in seen:
            seen[key] = Edge(tail, head, e.kind, e.label, ltail, lhead, e.state)
        elif seen[key].label != e.label:
            seen[key].label = ""  # many labels: none rather than a wall of ports
    out.edges = sorted(seen.values(), key=Edge.key)
    out.frame_of = {a: f for a, f in scene.frame_of.items() if f in out.frames}
    out.notes.append(f"{len(scene.nodes):,} nodes: drawn as each VPC's resources by kind, with their counts "
                     f"(archform diagram --full draws every one)")
    return out
