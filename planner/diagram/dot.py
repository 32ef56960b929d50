"""A scene as DOT text, and DOT rendered by Graphviz's `dot`.

The text is deterministic (frames, nodes and edges sorted; no clock), so it is snapshot-tested
as it is. Ranks run top to bottom, as AWS's reference diagrams read. Layout choices that stay
fast at a thousand resources: `newrank` (global ranks, so frames side by side line up) with
the tiers of subnets stacked inside each AZ by invisible edges (`hints.py`) and `rank=same`
rows (`align.py`: each tier on one line in every AZ and region, a spread resource beside its
members), so a VPC reads as AZ columns in zone order and tier rows (its AZ frames in an
invisible band, `cluster_azs_…`, whose zone root sets where dot's ordering starts); a low
`mclimit`, so dot's crossing minimisation keeps the zone order it starts from; spline edges (never
`splines=ortho`, whose router is quadratic and unusable above a few thousand nodes); edges that
only annotate (uses, replication, DR pairs, monitors, failovers of a chaos run, members) do not constrain the ranks. Every
node and frame carries an `id` (its address, or `cluster_…`), so the SVG can be searched and
styled.
"""

from __future__ import annotations

from html import escape

from .align import rows, zone_roots
from .hints import layout_hints
from .icons import ICON_DIR, embed_svg_images, icon_of
from .scene import Edge, Frame, Node, Scene
from .styles import ACTIONS, CATEGORIES, CHAOS, EDGES, FONT, FRAMES

# edges that annotate rather than order: they take no part in ranking
UNCONSTRAINED = {"uses", "replication", "dr", "monitors", "chaos", "member"}


def q(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def h(s) -> str:
    return escape(str(s), quote=True)


def _attrs(d: dict) -> str:
    return " ".join(f"{k}={v if v.startswith('<') and v.endswith('>') else q(v)}" for k, v in d.items())


def node_label(n: Node) -> str:
    size = 9 if n.minor else 11
    sub = 8 if n.minor else 9
    prefix = ""
    if n.state in ACTIONS and ACTIONS[n.state][2]:
        prefix = ACTIONS[n.state][2] + " "
    parts = [f'<FONT POINT-SIZE="{size}"><B>{h(prefix + n.title)}</B></FONT>']
    for line in n.lines:
        parts.append(f'<FONT POINT-SIZE="{sub}" COLOR="#414D5C">{h(line)}</FONT>')
    if n.note:
        colour = (CHAOS.get(n.state) or ACTIONS.get(n.state) or ("#D13212",))[0]
        parts.append(f'<FONT POINT-SIZE="{sub}" COLOR="{colour}"><B>{h(n.note)}</B></FONT>')
    return "<" + "<BR/>".join(parts) + ">"


def icon_label(n: Node, icon: str, colour: str, fill: str, bordered: bool, dashed: bool) -> str:
    """An AWS icon with the node's name and lines under it; a plan or chaos state draws a
    coloured frame around both."""
    size = 26 if n.minor else 40
    title = 9 if n.minor else 11
    sub = 8 if n.minor else 9
    prefix = ACTIONS[n.state][2] + " " if n.state in ACTIONS and ACTIONS[n.state][2] else ""
    name_colour = "#687078" if n.state == "no-op" else "#16191F"
    frame = (f' BORDER="{"2" if bordered else "0"}" COLOR="{colour}" BGCOLOR="{fill}" STYLE="rounded{",dashed" if dashed else ""}"'
             if bordered else ' BORDER="0"')
    rows = [f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{size}" HEIGHT="{size}"><IMG SRC="{icon}" SCALE="TRUE"/></TD></TR>',
            f'<TR><TD><FONT POINT-SIZE="{title}" COLOR="{name_colour}"><B>{h(prefix + n.title)}</B></FONT></TD></TR>']
    for line in n.lines:
        rows.append(f'<TR><TD><FONT POINT-SIZE="{sub}" COLOR="#414D5C">{h(line)}</FONT></TD></TR>')
    if n.note:
        note = (CHAOS.get(n.state) or ACTIONS.get(n.state) or ("#D13212",))[0]
        rows.append(f'<TR><TD><FONT POINT-SIZE="{sub}" COLOR="{note}"><B>{h(n.note)}</B></FONT></TD></TR>')
    return f'<<TABLE{frame} CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def node_attrs(n: Node, attrs: dict | None = None, network: bool = True) -> dict:
    """A node's DOT attributes: an AWS icon with its name under it (`icons.py`), or, for a kind
    without an icon file, a shape filled in its category's colour (`styles.CATEGORIES`). A VPC's
    or subnet's anchor says its CIDR with `network` (`detail.py`), else nothing."""
    if n.anchor:
        if n.kind in ("vpc", "subnet"):
            text = n.lines[-1] if network and n.lines else ""
        else:
            text = n.title
        if not text:
            return {"id": n.id, "shape": "plaintext", "label": "", "tooltip": n.tooltip or n.id, "width": "0.1",
                    "height": "0.1", "margin": "0"}
        d = {"id": n.id, "shape": "plaintext", "label": f'<<FONT POINT-SIZE="8" COLOR="#545B64">{h(text)}</FONT>>',
             "tooltip": n.tooltip or n.id, "width": "0.3", "height": "0.2", "margin": "0.02"}
        if n.state in ACTIONS and n.state != "no-op" and text:
            colour = ACTIONS[n.state][0]
            d["label"] = f'<<FONT POINT-SIZE="8" COLOR="{colour}"><B>{h(ACTIONS[n.state][2] + " " + text)}</B></FONT>>'
        return d
    colour, fill, shape, style, _ = CATEGORIES.get(n.category, CATEGORIES["other"])
    styles = ["filled"] + ([style] if style else [])
    penwidth = "1" if n.minor else "1.5"
    fontcolor = "#16191F"
    if n.state in ACTIONS:
        colour, fill = ACTIONS[n.state][0], ACTIONS[n.state][1]
        if n.state == "delete":
            styles.append("dashed")
        if n.state == "no-op":
            fontcolor = "#687078"
        else:
            penwidth = "2.2"
    elif n.state in CHAOS:
        colour, fill = CHAOS[n.state][0], CHAOS[n.state][1]
        penwidth = "2.4"
        if n.state == "failed":
            styles.append("dashed")
    icon = icon_of(n.kind, attrs) if n.kind != "placeholder" else None
    if icon and (ICON_DIR / icon).is_file():
        bordered = n.state in CHAOS or (n.state in ACTIONS and n.state != "no-op")
        return {"id": n.id, "shape": "plain", "color": colour, "tooltip": n.tooltip or n.id,
                "label": icon_label(n, icon, colour, fill, bordered, "dashed" in styles)}
    d = {"id": n.id, "label": node_label(n), "shape": shape, "style": ",".join(styles), "color": colour,
         "fillcolor": fill, "penwidth": penwidth, "fontcolor": fontcolor, "tooltip": n.tooltip or n.id}
    if n.minor:
        d["margin"] = "0.06,0.03"
    if n.kind == "users":
        d.update({"shape": "box", "style": "rounded,filled", "color": "#232F3E", "fillcolor": "#FFFFFF"})
    if n.kind == "placeholder":
        d.update({"shape": "plaintext", "style": "solid"})
    return d


def frame_attrs(f: Frame) -> dict:
    key = f"subnet_{'public' if f.public else 'private'}" if f.kind == "subnet" else f.kind
    d = dict(FRAMES.get(key, FRAMES["dc"]))
    label = f.label
    colour = None
    if f.state in ACTIONS and f.state != "no-op":
        colour = ACTIONS[f.state][0]
        label = f"{ACTIONS[f.state][2]} {label}"
    elif f.state in CHAOS:
        colour = CHAOS[f.state][0]
        d["penwidth"] = "3"
        d["fillcolor"] = CHAOS[f.state][1]
        d["style"] = "filled," + ("dashed" if f.state == "failed" else "solid")
    if colour:
        d["color"] = colour
        d["fontcolor"] = colour
    text = f"<B>{h(label)}</B>"
    if f.note:
        text += f'<BR/><FONT POINT-SIZE="10">{h(f.note)}</FONT>'
    size = {"region": 14, "vpc": 13, "global": 13}.get(f.kind, 11)
    d.update({"id": f.id, "label": f"<{text}>", "labeljust": "l", "fontsize": str(size), "margin": "10"})
    return d


def edge_attrs(e: Edge) -> dict:
    d = dict(EDGES.get(e.kind, EDGES["uses"]))
    if e.label:
        # xlabel, not label: an edge label is a virtual node in dot's ranking, and with clusters
        # those trip its old "trouble in init_rank" bug; external labels are placed afterwards
        d["xlabel"] = e.label
        d["fontsize"] = "10" if e.kind in ("dr", "chaos") else "8"
    if e.ltail:
        d["ltail"] = e.ltail
    if e.lhead:
        d["lhead"] = e.lhead
    if e.kind in UNCONSTRAINED:
        d["constraint"] = "false"
    if e.kind == "failover" and e.label:
        d["fontcolor"] = "#545B64"
    return d


def legend_label(scene: Scene) -> str:
    rows = ['<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>']
    for swatch, colour, text in scene.legend:
        if swatch == "edge-solid":
            mark = f'<FONT COLOR="{colour}"><B>───▶</B></FONT>'
        elif swatch == "edge-dashed":
            mark = f'<FONT COLOR="{colour}"><B>- - ▶</B></FONT>'
        elif swatch.startswith("icon:"):  # a category: the icon the diagram draws for it
            mark = f'<IMG SRC="{icon_of(swatch[5:])}" SCALE="TRUE"/>'
            rows.append(f'<TR><TD FIXEDSIZE="TRUE" WIDTH="16" HEIGHT="16">{mark}</TD><TD ALIGN="LEFT">'
                        f'<FONT POINT-SIZE="9">{h(text)}</FONT></TD></TR>')
            continue
        else:
            mark = f'<FONT COLOR="{colour}">■</FONT>'
        rows.append(f'<TR><TD ALIGN="CENTER">{mark}</TD><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{h(text)}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2">' + "".join(rows) + "</TABLE>>"


def to_dot(scene: Scene) -> str:
    frames, nodes = scene.children()
    big = len(scene.nodes) > 400
    out = ["digraph archform {"]
    graph = {"compound": "true", "newrank": "true", "rankdir": "TB", "fontname": FONT, "fontsize": "12",
             "nodesep": "0.25", "ranksep": "0.45", "splines": "spline", "pad": "0.3", "outputorder": "edgesfirst",
             "bgcolor": "white", "labelloc": "t", "labeljust": "l", "id": "archform-diagram",
             "forcelabels": "true", "mclimit": "0.1"}
    if big:
        graph.update({"nodesep": "0.2", "ranksep": "0.35", "remincross": "false"})
    if scene.title:
        lines = [f'<FONT POINT-SIZE="16"><B>{h(scene.title)}</B></FONT>']
        lines += [f'<FONT POINT-SIZE="10" COLOR="#414D5C">{h(n)}</FONT>' for n in scene.notes]
        graph["label"] = "<" + "<BR ALIGN=\"LEFT\"/>".join(lines) + '<BR ALIGN="LEFT"/>>'
    out.append(f"  graph [{_attrs(graph)}];")
    out.append(f"  node [{_attrs({'fontname': FONT, 'fontsize': '10', 'margin': '0.1,0.05'})}];")
    out.append(f"  edge [{_attrs({'fontname': FONT, 'fontsize': '8'})}];")

    roots = zone_roots(scene)
    for root, _, _ in roots:             # first: where dot's initial ordering starts (`align.py`)
        out.append(f"  {q(root)};")
    root_in = {vpc: root for root, vpc, _ in roots}

    def frame(f, depth: int):
        pad = "  " * depth
        out.append(f"{pad}subgraph {q(f.id)} {{")
        out.append(f"{pad}  graph [{_attrs(frame_attrs(f))}];")
        emit(f.id, depth + 1)
        out.append(f"{pad}}}")

    def emit(parent: str | None, depth: int):
        pad = "  " * depth
        for n in nodes.get(parent, []):
            item = scene.items.get(n.address) if n.address else None
            out.append(f"{pad}{q(n.id)} [{_attrs(node_attrs(n, item.attrs if item else None, scene.network))}];")
        children = frames.get(parent, [])
        if parent in root_in:        # a VPC's AZ frames in a band of their own, its zone root first
            out.append(f"{pad}subgraph {q('cluster_azs_' + parent[len('cluster_'):])} {{")
            out.append(f"{pad}  graph [style=invis label=\"\" margin=\"0\"];")
            out.append(f"{pad}  {q(root_in[parent])} [shape=point style=invis width=0 height=0 label=\"\"];")
            for f in children:
                if f.kind == "az":
                    frame(f, depth + 1)
            out.append(f"{pad}}}")
            children = [f for f in children if f.kind != "az"]
        for f in children:
            frame(f, depth)

    emit(None, 1)
    if scene.legend:
        out.append(f"  \"~legend\" [{_attrs({'id': '~legend', 'shape': 'box', 'style': 'rounded', 'color': '#AAB7B8', 'label': legend_label(scene)})}];")
    extra, hints = layout_hints(scene)
    for node_id, frame in extra:
        out.append(f"  {q(node_id)} [shape=point style=invis width=0 height=0 label=\"\"];")
    for a, b, weight in hints:
        out.append(f"  {q(a)} -> {q(b)} [style=invis weight={weight}];")
    for root, _, firsts in roots:
        for n in firsts:
            out.append(f"  {q(root)} -> {q(n)} [style=invis weight=0];")
    for row in rows(scene):
        out.append("  {rank=same; " + " ".join(q(n) + ";" for n in row) + "}")
        for a, b in zip(row, row[1:]):
            out.append(f"  {q(a)} -> {q(b)} [style=invis];")
    for e in sorted(scene.edges, key=Edge.key):
        out.append(f"  {q(e.tail)} -> {q(e.head)} [{_attrs(edge_attrs(e))}];")
    out.append("}")
    return "\n".join(out) + "\n"


def with_imagepath(dot_text: str) -> str:
    """The DOT with `imagepath` set to the folder of the AWS icons, so Graphviz finds them: added
    when the DOT is rendered or written for a user to render, not by `to_dot`, whose text names
    no folder of this machine (it is snapshot-tested as it is)."""
    header = "digraph archform {\n"
    if not dot_text.startswith(header) or dot_text.startswith(header + "  imagepath="):
        return dot_text
    return header + f"  imagepath={q(str(ICON_DIR))};\n" + dot_text[len(header):]


class RenderError(Exception):
    pass


def render(dot_text: str, fmt: str) -> bytes:
    """Lay out and draw DOT with Graphviz's `dot` (svg, png, pdf, json…). The AWS icons are
    found by name in `icons/` (`imagepath`, set here so the DOT names no folder of this
    machine); an SVG gets them embedded (`icons.embed_svg_images`)."""
    import graphviz
    dot_text = with_imagepath(dot_text)
    try:
        data = graphviz.pipe("dot", fmt, dot_text.encode("utf-8"), quiet=True)
        if fmt == "svg":
            data = embed_svg_images(data.decode("utf-8")).encode("utf-8")
        return data
    except graphviz.ExecutableNotFound as e:
        raise RenderError("Graphviz's `dot` is not installed (on Debian or Ubuntu: apt-get install graphviz)") from e
    except graphviz.CalledProcessError as e:
        raise RenderError(f"dot failed: {(e.stderr or b'').decode(errors='replace').strip()}") from e
