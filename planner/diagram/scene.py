"""The scene: what a diagram shows, before any DOT is written.

A scene is a strict tree of frames (`Frame`: global, region, VPC, AZ, subnet, hosted zone, and
for `--physical` data centre, rack and host) holding nodes (`Node`), plus edges (`Edge`)
between nodes; an edge may end at a frame's border (`lhead`/`ltail`). Every resource of the
architecture is exactly one node: a resource drawn as a frame (a VPC, a subnet, a hosted zone)
is also the small node inside it that carries its address, so every address is findable in the
rendered SVG. Overlays (plan, chaos, physical, instances) annotate a built scene; `dot.py`
turns it into DOT. Everything is kept in dicts keyed by id and emitted sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    """One resource as the diagram reads it: address, kind, region and canonical attributes."""

    address: str
    kind: str
    region: str | None
    attrs: dict
    action: str | None = None       # with --plan: create, update, replace, delete, no-op
    changed: tuple[str, ...] = ()   # with --plan: the attributes that change


@dataclass
class Frame:
    id: str                          # the DOT cluster name: always starts with "cluster_"
    kind: str                        # global, region, vpc, az, subnet, zone, dc, rack, host, legend
    label: str
    parent: str | None = None
    address: str | None = None       # the resource drawn as this frame; for dc/rack/host, its name
    public: bool = False             # subnets: public or private
    state: str | None = None         # overlays: create/update/replace/delete/no-op, failed
    note: str = ""                   # a line added by an overlay ("failed at 00:01:00")
    order: tuple = ()                # sort key among siblings


@dataclass
class Node:
    id: str                          # the resource address, or a synthetic id ("~users")
    frame: str | None                # the frame it sits in (None: the top of the diagram)
    kind: str                        # the resource kind, or users / instance / host / anchor kinds
    title: str
    lines: list[str] = field(default_factory=list)
    category: str = "other"
    address: str | None = None       # the resource it stands for
    anchor: bool = False             # stands for the frame around it (VPC, subnet, hosted zone)
    minor: bool = False              # drawn small (security groups, route tables, policies…)
    state: str | None = None         # overlays: a plan action, failed, took_over
    note: str = ""
    tooltip: str = ""


@dataclass
class Edge:
    tail: str
    head: str
    kind: str                        # traffic, replication, dr, failover, uses, monitors, manages, member, chaos
    label: str = ""
    ltail: str | None = None         # the frame the edge leaves from (compound edge)
    lhead: str | None = None         # the frame the edge ends at
    state: str | None = None

    def key(self) -> tuple:
        return (EDGE_ORDER.get(self.kind, 99), self.tail, self.head, self.ltail or "", self.lhead or "", self.label)


EDGE_ORDER = {"traffic": 0, "failover": 1, "replication": 2, "dr": 3, "chaos": 4, "reach_yes": 4, "reach_no": 4,
              "monitors": 5, "manages": 6, "uses": 7, "member": 8}


@dataclass
class Scene:
    frames: dict[str, Frame] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    frame_of: dict[str, str] = field(default_factory=dict)    # address → the frame a frame-resource is drawn as
    title: str = ""
    legend: list[tuple[str, str, str]] = field(default_factory=list)   # (swatch kind, colour, text) rows
    notes: list[str] = field(default_factory=list)             # lines under the title
    network: bool = True        # route tables, security groups, CIDR labels shown (`detail.py`)

    def add_frame(self, frame: Frame) -> Frame:
        return self.frames.setdefault(frame.id, frame)

    def add_node(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def add_edge(self, edge: Edge) -> None:
        self.edges.append(edge)

    def children(self) -> tuple[dict[str | None, list[Frame]], dict[str | None, list[Node]]]:
        """Frames and nodes by parent frame id, each list sorted."""
        frames: dict[str | None, list[Frame]] = {}
        for f in self.frames.values():
            frames.setdefault(f.parent, []).append(f)
        for v in frames.values():
            v.sort(key=lambda f: (f.order, f.id))
        nodes: dict[str | None, list[Node]] = {}
        for n in self.nodes.values():
            nodes.setdefault(n.frame, []).append(n)
        for v in nodes.values():
            v.sort(key=lambda n: (not n.anchor, n.id))
        return frames, nodes

    def ancestors(self, frame_id: str | None) -> list[str]:
        out = []
        while frame_id is not None:
            out.append(frame_id)
            frame_id = self.frames[frame_id].parent
        return out

    def enclosing(self, frame_id: str | None, kind: str) -> str | None:
        """The nearest frame of `kind` holding `frame_id` (itself included), or None."""
        for f in self.ancestors(frame_id):
            if self.frames[f].kind == kind:
                return f
        return None

    def representatives(self) -> dict[str, str]:
        """For each frame, the node an edge to its border is drawn to: its own anchor, else the
        first node (by id) anywhere inside it."""
        out: dict[str, str] = {}
        anchored: set[str] = set()
        for n in sorted(self.nodes.values(), key=lambda n: n.id):
            if n.frame is None:
                continue
            if n.anchor and n.frame not in anchored:
                out[n.frame] = n.id
                anchored.add(n.frame)
            for f in self.ancestors(n.frame):
                if f not in out:
                    out[f] = n.id
        return out


# --- references in canonical attributes ---------------------------------------------------------

def ref(value) -> str | None:
    """The address a canonical reference points at (`{"$ref": address}`), else None."""
    if isinstance(value, dict) and isinstance(value.get("$ref"), str):
        return value["$ref"]
    return None


def refs(value) -> list[str]:
    """The addresses a value refers to, a list of references or one reference."""
    if isinstance(value, list):
        return [a for a in (ref(v) for v in value) if a]
    a = ref(value)
    return [a] if a else []
