"""The legend: the service categories and edge kinds a diagram uses, and what an overlay's
colours mean. Rows are (swatch, colour, text); only what appears in the scene is listed."""

from __future__ import annotations

from collections import Counter

from .scene import Scene
from .styles import ACTIONS, CATEGORIES, CATEGORY_ORDER, CHAOS, EDGE_LEGEND, EDGES


def base_legend(scene: Scene) -> list[tuple[str, str, str]]:
    """A row per category the scene draws — its swatch the icon of the kind it draws most of that
    category (`icon:KIND`: the icons carry AWS's colours; a colour square matched none of them) —
    then a row per kind of edge it draws."""
    from .icons import icon_of
    drawn: dict[str, Counter] = {}
    for n in scene.nodes.values():
        if not n.anchor and n.kind not in ("users", "placeholder"):  # a resource's own node before its members'
            drawn.setdefault(n.category, Counter())[n.kind] += 1 if n.minor else 1000
    rows = []
    for c in CATEGORY_ORDER:
        if c in drawn:
            kind = min(drawn[c], key=lambda k: (-drawn[c][k], k))
            rows.append((f"icon:{kind}" if icon_of(kind) else "box", CATEGORIES[c][0], CATEGORIES[c][4]))
    kinds = {e.kind for e in scene.edges}
    for kind, text in EDGE_LEGEND:
        if kind in kinds:
            style = "edge-dashed" if "dashed" in EDGES[kind].get("style", "") else "edge-solid"
            rows.append((style, EDGES[kind]["color"], text))
    return rows


def plan_legend(counts: dict[str, int]) -> list[tuple[str, str, str]]:
    return [("box", ACTIONS[a][0], f"{ACTIONS[a][3]} ({counts.get(a, 0)})") for a in ACTIONS]


def chaos_legend(states: set[str], failovers: bool) -> list[tuple[str, str, str]]:
    rows = [("box", CHAOS[s][0], CHAOS[s][2]) for s in CHAOS if s in states]
    if failovers:
        rows.append(("edge-solid", EDGES["chaos"]["color"], "failover (when, and what moved)"))
    return rows
