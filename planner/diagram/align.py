"""Alignment: the rows of nodes dot must put on one rank (`rank=same` groups, with invisible
edges between neighbours in the order meant), and where dot's ordering of the AZ frames
starts, so every VPC reads the same way: AZ columns in zone order, tier rows.

- Tiers: the address nodes of one tier's subnets (`net.public[…]`) in every AZ, and in every
  region where the tier has the same name (`primary.net.public`, `standby.net.public`): each
  tier starts on the same rank in every AZ, VPC and region (tiers are ordered by
  `hints.tiers`).
- Copies: what one declaration makes in each AZ (`nat_gw[us-east-1a]`, `nat_gw[us-east-1b]`…),
  on one rank.
- Members: a spread resource and what it runs in each AZ (`members.py`: a load balancer's
  nodes, a fleet's per-AZ count, a database's writer and replicas) on one rank, so the
  resource stands beside the AZ frames on its tier's row, not between two rows. It is written
  after its members in the first region (the DR primary) and before them in the others, so a
  replication edge between two regions' resources, on one rank, is straight.
- Zone roots (`zone_roots`): dot orders sibling clusters by crossing minimisation, and drops
  an invisible edge between two of them on one rank, so a row's order does not order the AZ
  frames. `dot.py` puts a VPC's AZ frames in an invisible band of their own (what else the
  VPC holds, a spread resource, an EFS file system, stands beside the band, not between two
  AZs), with an invisible node written first and an edge from it to each AZ in zone order:
  there dot's initial ordering starts, and a low `mclimit` keeps it. This steers rather than
  forces: the tests check the zone order of every example's diagram, with and without
  `--network`.

Rows never hold two nodes where one is ranked before the other by `hints.py` (a spread
resource with members has no span hints), so the constraints cannot contradict each other.
"""

from __future__ import annotations

import re

from .nesting import region_aliases
from .scene import Scene

TIER = re.compile(r"\[[^\]]*\]$")


def _az(scene: Scene, frame: str | None) -> str:
    az = scene.enclosing(frame, "az")
    return scene.frames[az].label.rsplit(" ", 1)[-1] if az else ""


def rows(scene: Scene) -> list[list[str]]:
    """The aligned rows, each in its order (first: leftmost, or topmost across the ranks)."""
    out: list[list[str]] = []
    tiers: dict[str, list[tuple[str, str, str]]] = {}
    aliases = {a for names in region_aliases(scene.items).values() for a in names}
    for f in scene.frames.values():
        if f.kind != "subnet" or not f.address or f.address not in scene.nodes:
            continue
        vpc = scene.enclosing(f.id, "vpc")
        if vpc is None or scene.enclosing(f.id, "az") is None:
            continue
        region = scene.enclosing(f.id, "region") or ""
        tiers.setdefault(_local(TIER.sub("", f.address), aliases), []).append((region, _az(scene, f.id), f.address))
    for _, subnets in sorted(tiers.items()):
        if len(subnets) > 1:
            out.append([a for _, _, a in sorted(subnets)])
    copies: dict[str, list[tuple[str, str]]] = {}   # one declaration's copies per AZ (`nat_gw[us-east-1a]`…)
    for n in scene.nodes.values():
        if n.anchor or n.address != n.id or not TIER.search(n.id) or scene.enclosing(n.frame, "az") is None:
            continue
        copies.setdefault(TIER.sub("", n.id), []).append((_az(scene, n.frame), n.id))
    for _, ns in sorted(copies.items()):
        if len(ns) > 1 and len({az for az, _ in ns}) == len(ns):
            out.append([n for _, n in sorted(ns)])
    first = _first_region(scene)
    members: dict[str, list[tuple[str, str]]] = {}
    for e in scene.edges:
        if e.kind == "member" and e.tail in scene.nodes and e.head in scene.nodes:
            members.setdefault(e.tail, []).append((_az(scene, scene.nodes[e.head].frame), e.head))
    for parent, ms in sorted(members.items()):
        ordered = [m for _, m in sorted(ms)]
        if scene.enclosing(scene.nodes[parent].frame, "region") == first:
            out.append(ordered + [parent])
        else:
            out.append([parent] + ordered)
    return out


def _local(address: str, aliases: set[str]) -> str:
    """A tier's name without its region's alias: `primary.net.public` and `standby.net.public`
    are one tier, on one rank in both regions."""
    head, _, rest = address.partition(".")
    return rest if rest and head in aliases else address


def zone_roots(scene: Scene) -> list[tuple[str, str, list[str]]]:
    """For each VPC of two AZs or more: (an invisible node's id, the VPC's frame, the first
    tier's subnet node of each AZ in zone order). Written first in the DOT with an edge to each,
    it is where dot's first ordering of the ranks starts, so the AZ frames are installed, and
    stay, in zone order."""
    subnets = [f for f in scene.frames.values() if f.kind == "subnet" and f.address in scene.nodes]
    tier_first: dict[str, tuple] = {}
    for f in subnets:
        key = TIER.sub("", f.address)
        tier_first[key] = min(tier_first.get(key, f.order), f.order)
    out = []
    for vpc in sorted(f.id for f in scene.frames.values() if f.kind == "vpc"):
        firsts = []
        for az in sorted((f for f in scene.frames.values() if f.kind == "az" and f.parent == vpc),
                         key=lambda f: (f.label.rsplit(" ", 1)[-1], f.id)):
            inside = sorted((tier_first[TIER.sub("", f.address)], f.order, f.address) for f in subnets
                            if f.parent == az.id)
            if inside:
                firsts.append(inside[0][2])
        if len(firsts) > 1:
            out.append((f"~zones:{vpc}", vpc, firsts))
    return out


def aligned(scene: Scene) -> set[str]:
    """The spread resources `rows` places beside their members."""
    return {e.tail for e in scene.edges if e.kind == "member"}


def _first_region(scene: Scene) -> str | None:
    regions = sorted((f for f in scene.frames.values() if f.kind == "region"), key=lambda f: (f.order, f.id))
    return regions[0].id if len(regions) > 1 else None
