"""How much network detail a diagram shows: by default what an architect reads a design for
(tiers, services, traffic), with `--network` also what carries the packets between them.

Hidden by default, shown with `--network`:
- route tables (and their associations with subnets, drawn as edges from the table);
- security groups and network ACLs (with `--network` a security group sits beside what it
  protects: `hints.py`);
- the CIDR labels of VPCs and subnets (their frames still carry their names; the small anchor
  node that holds the address stays, unlabelled, so every VPC and subnet is findable).

Traffic that ran through a hidden node still joins what it joined: an edge into a hidden node
and one out of it of the same kind become one edge (its label the outgoing one's); an edge
to a frame's border (a DR pair's regions) drawn to a hidden node inside it is drawn to another.
`hide_network` only changes the scene it is given.
"""

from __future__ import annotations

from .scene import Edge, Scene

# the kinds `--network` adds
NETWORK_KINDS = frozenset({"route_table", "security_group", "network_acl"})
# edges that carry something from one end to the other, bridged across a hidden node
CARRYING = {"traffic", "failover", "messaging", "replication"}


def hide_network(scene: Scene, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Drop the network detail from a built scene (the nodes of `NETWORK_KINDS` but those in
    `keep`, and the CIDR labels), bridging the edges that crossed them."""
    scene.network = False
    hidden = {n.id for n in scene.nodes.values()
              if n.kind in NETWORK_KINDS and not n.anchor and n.id not in keep and n.address not in keep}
    if not hidden:
        return
    edges = list(scene.edges)
    # an edge to a frame's border was drawn to a node inside it: if that node goes, to another
    framed = [e for e in edges if (e.tail in hidden and e.ltail) or (e.head in hidden and e.lhead)]
    edges = [e for e in edges if e not in framed]
    for h in sorted(hidden):
        into = [e for e in edges if e.head == h and e.kind in CARRYING]
        out = [e for e in edges if e.tail == h and e.kind in CARRYING]
        bridged = [Edge(a.tail, b.head, a.kind, b.label or a.label, a.ltail, b.lhead)
                   for a in into for b in out if b.kind == a.kind and a.tail != b.head]
        edges = [e for e in edges if h not in (e.tail, e.head)] + bridged
    seen: set[tuple] = set()
    kept: list[Edge] = []
    for e in sorted(edges, key=Edge.key):
        key = (e.tail, e.head, e.kind, e.ltail, e.lhead)
        if key not in seen:
            seen.add(key)
            kept.append(e)
    scene.edges = kept
    for h in hidden:
        del scene.nodes[h]
    reps = scene.representatives()
    for e in framed:
        tail = reps.get(e.ltail) if e.tail in hidden else e.tail
        head = reps.get(e.lhead) if e.head in hidden else e.head
        if tail and head:
            scene.edges.append(Edge(tail, head, e.kind, e.label, e.ltail, e.lhead, e.state))
    scene.edges.sort(key=Edge.key)
