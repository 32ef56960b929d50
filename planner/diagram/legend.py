"""The legend: the service categories and edge kinds a diagram uses, and what an overlay's
colours mean. Rows are (swatch, colour, text); only what appears in the scene is listed."""

from __future__ import annotations

from .scene import Scene
from .styles import ACTIONS, CATEGORIES, CATEGORY_ORDER, CHAOS, EDGE_LEGEND, EDGES


def base_legend(scene: Scene) -> list[tuple[str, str, str]]:
    used = {n.category for n in scene.nodes.values() if not n.anchor and n.kind not in ("users", "placeholder")}
    rows = [("box", CATEGORIES[c][0], CATEGORIES[c][4]) for c in CATEGORY_ORDER if c in used]
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
