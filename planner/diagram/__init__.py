"""Diagrams and reports of architectures: `archform diagram` and `archform report`.

The desired resource graph becomes a scene (`scene.py`): a strict tree of frames — Region >
VPC > Availability Zone > Subnet, global services outside the regions (`nesting.py`) — with
nodes drawn as AWS Architecture Icons (`icons.py`) with their labels (`labels.py`), what a
spread resource runs in each AZ (`members.py`), and the edges an architect reads: traffic,
replication, DR pairs (`edges.py`); route tables, security groups and CIDRs only with
`network` (`detail.py`). Overlays annotate a scene: the planned action of
each resource (`overlays.plan`), a failure and what failed over where (`overlays.chaos`), every
instance of a group (`overlays.instances`), hosts and racks (`overlays.physical`). `dot.py`
writes DOT (laid out by `hints.py` and `align.py`) and runs Graphviz; `drawio.py` writes the
same scene, laid out by Graphviz, as an editable diagrams.net file with AWS shapes
(`aws_shapes.py`); `report.py` puts a diagram, the plan, the checks and a chaos run's timeline
and capacity chart (`charts.py`) into one self-contained HTML file.

Every step is a function of values; nothing reads the clock, and output is sorted. The
package is given what it draws: the commands (`planner/cli/diagram.py`) make the plan, run
the chaos rehearsal, read placements and write the files.
"""

from __future__ import annotations

from .scene import Item, Scene


def items_of(desired) -> dict[str, Item]:
    """The resources of a Desired graph as the diagram reads them, without their secrets: an
    attribute that is a secret, or was made from one (`tags = { Name = "vpc-${pw}" }` of a
    sensitive `pw`), is left out, so no label, tooltip or report quotes it."""
    out = {}
    for a, r in sorted(desired.resources.items()):
        secret = desired.sensitive_attrs(a)
        attrs = {k: v for k, v in r.attrs.items() if k not in secret} if secret else r.attrs
        out[a] = Item(a, r.kind, r.region, attrs)
    return out


def build_scene(items: dict[str, Item], *, title: str = "", legend: bool = True, members: bool = True,
                fleets: bool = True, network: bool = False, keep: frozenset[str] = frozenset()) -> Scene:
    """Frames, nodes and edges for these resources (no overlay); with `members`, what a spread
    resource runs in each AZ (`members.py`: a database's instances, a fleet's per-AZ count
    unless `fleets` is off); with `network`, route tables, security groups and CIDR labels
    (`detail.py`; `keep` names resources shown whatever `network` says)."""
    from . import edges, nesting
    from . import members as member_nodes
    from .detail import hide_network
    from .legend import base_legend
    dr_regions = _dr_primaries(items)
    scene = nesting.build(items, dr_regions)
    edges.connect(scene)
    if members:
        member_nodes.add(scene, fleets=fleets)
    if not network:
        hide_network(scene, keep)
    scene.title = title
    if legend:
        scene.legend = base_legend(scene)
    return scene


def diagram(desired, *, title: str = "", plan=None, chaos: dict | None = None, placements=None,
            hosts: dict | None = None, instances: bool = False, legend: bool = True, reach=None,
            network: bool = False, full: bool = False) -> Scene:
    """The scene of an architecture, with the overlays asked for: `plan` (a Plan against the
    current state), `chaos` (an `archform-chaos` report), `placements` (rows of
    `archform sim placement`, with `hosts`), `instances` (every instance of each group), `reach`
    (an answer of `archform reach`: the flow and the rule that blocks it; the resource whose
    rule blocks it is drawn even without `network`), `network` (route tables, security groups
    and CIDR labels). A scene of more than `condense.LIMIT` nodes is condensed to each VPC's
    resources by kind (Graphviz would take minutes, and the picture be unreadable), unless
    `full`."""
    from . import overlays
    from .condense import LIMIT, condense
    items = items_of(desired)
    if plan is not None:
        items = overlays.plan_items(items, plan)
    keep = frozenset()
    blocked = getattr(getattr(reach, "shown", None), "blocked_at", None) if reach is not None else None
    if blocked is not None and getattr(blocked, "at", None) is not None:
        keep = frozenset({blocked.at.address})
    # --physical draws each instance on its host, --instances each of a fleet's instances
    scene = build_scene(items, title=title, legend=legend, members=placements is None, fleets=not instances,
                        network=network, keep=keep)
    if placements is not None:
        overlays.physical(scene, placements, hosts)
    elif instances:
        overlays.instances(scene)
    if plan is not None:
        overlays.plan(scene, plan)
    if chaos is not None:
        overlays.chaos(scene, chaos)
    if reach is not None:
        overlays.reach(scene, reach)
    if not legend:
        scene.legend = []
    if not full and len(scene.nodes) > LIMIT:
        scene = condense(scene)
    return scene


def _dr_primaries(items: dict[str, Item]) -> list[str]:
    from .nesting import region_aliases
    alias_of = {a: r for r, names in region_aliases(items).items() for a in names}
    out = []
    for it in items.values():
        if it.kind == "dr_plan" and isinstance(it.attrs.get("primary"), str):
            region = alias_of.get(it.attrs["primary"], it.attrs["primary"])
            if region not in out:
                out.append(region)
    return sorted(out)


__all__ = ["Item", "Scene", "build_scene", "diagram", "items_of"]
