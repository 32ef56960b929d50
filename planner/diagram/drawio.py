"""A scene as an editable diagrams.net (draw.io) file: `archform diagram PATH -o x.drawio`.

The file is uncompressed `mxfile` XML holding one `mxGraphModel`: every frame is a container
cell (an AWS group from diagrams.net's AWS 2024 library where it has one: Region, VPC, subnet,
AWS Cloud), every node an AWS icon (`mxgraph.aws4.*`, chosen in `aws_shapes.py`) with its name
under it, every edge an edge cell between the cells it joins. Positions are Graphviz's: the
DOT that `dot.py` writes for the same scene is laid out by `dot -Tjson` and each cluster's box
and node's centre is read from it, so the file shows the picture the SVG does and an architect
finishes it by hand.

What the file leaves out: the invisible layout helpers, the legend (diagrams.net has its own
library panel), and the small anchor nodes that carry a VPC's, subnet's or hosted zone's
address (the frame is the resource: its label carries the CIDR, and an edge to an anchor ends
at its frame).
The text is deterministic: cells in tree order then edges in scene order, coordinates rounded,
no timestamp.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html import escape

from .aws_shapes import group_of, shape_of
from .scene import Edge, Frame, Node, Scene
from .styles import ACTIONS, CATEGORIES, CHAOS, EDGES

ICON = 40          # a node's icon, in points: the size the SVG draws it at (`dot.icon_label`)
MINOR_ICON = 26
POINTS = [(0, 0), (0.25, 0), (0.5, 0), (0.75, 0), (1, 0), (1, 0.25), (1, 0.5), (1, 0.75), (1, 1), (0.75, 1),
          (0.5, 1), (0.25, 1), (0, 1), (0, 0.75), (0, 0.5), (0, 0.25)]


def layout_of(json_text: str | bytes) -> dict:
    """Graphviz's layout (`dot -Tjson`) as {"bb": (w, h), "frames": {id: (x1, y1, x2, y2)},
    "nodes": {id: (x, y, w, h)}}, in points with y growing downwards as in draw.io."""
    data = json.loads(json_text)
    _, _, width, height = (float(v) for v in data["bb"].split(","))
    frames: dict[str, tuple[float, float, float, float]] = {}
    nodes: dict[str, tuple[float, float, float, float]] = {}
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if "bb" in obj and name.startswith("cluster_"):
            x1, y1, x2, y2 = (float(v) for v in obj["bb"].split(","))
            frames[name] = (x1, height - y2, x2, height - y1)
        elif "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(",")[:2])
            nodes[name] = (x, height - y, float(obj.get("width", 0.5)) * 72, float(obj.get("height", 0.5)) * 72)
    return {"bb": (width, height), "frames": frames, "nodes": nodes}


def _style(d: dict) -> str:
    return "".join(f"{k}={v};" if v is not None else f"{k};" for k, v in d.items())


def _num(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else str(r)


def _colour(state: str | None) -> str | None:
    if state in ACTIONS and state != "no-op":
        return ACTIONS[state][0]
    if state in CHAOS:
        return CHAOS[state][0]
    return None


def frame_style(f: Frame) -> str:
    icon, stroke, fill, font, dashed = group_of(f.kind, f.public)
    d: dict = {}
    if icon:
        d["points"] = "[" + ",".join(f"[{x},{y}]" for x, y in POINTS) + "]"
        d["outlineConnect"] = "0"
        d["gradientColor"] = "none"
    d.update({"html": "1", "whiteSpace": "wrap", "fontSize": "12", "fontStyle": "0", "container": "1",
              "pointerEvents": "0", "collapsible": "0", "recursiveResize": "0"})
    if icon:
        d["shape"] = "mxgraph.aws4.group"
        d["grIcon"] = f"mxgraph.aws4.{icon}"
        if f.kind == "subnet":
            d["grStroke"] = "0"
    colour = _colour(f.state)
    d.update({"strokeColor": colour or stroke, "fillColor": fill, "verticalAlign": "top",
              "align": "left" if icon else "center", "spacingLeft": "30" if icon else "0",
              "fontColor": colour or font, "dashed": "1" if dashed or f.state == "failed" else "0"})
    if colour:
        d["strokeWidth"] = "2"
    return _style(d)


def node_style(n: Node, attrs: dict | None) -> str:
    form, name = shape_of(n.kind, attrs)
    fill = CATEGORIES.get(n.category, CATEGORIES["other"])[0]
    d: dict = {"sketch": "0", "outlineConnect": "0", "fontColor": "#232F3E", "gradientColor": "none",
               "fillColor": fill, "strokeColor": "#ffffff" if form == "resIcon" else "none", "dashed": "0",
               "verticalLabelPosition": "bottom", "verticalAlign": "top", "align": "center", "html": "1",
               "fontSize": "10" if n.minor else "11", "fontStyle": "0", "aspect": "fixed"}
    if form == "resIcon":
        d["shape"] = "mxgraph.aws4.resourceIcon"
        d["resIcon"] = f"mxgraph.aws4.{name}"
    else:
        d["pointerEvents"] = "1"
        d["shape"] = f"mxgraph.aws4.{name}"
    colour = _colour(n.state)
    if colour:
        d["fontColor"] = colour
        if n.state in ("delete", "failed"):
            d["opacity"] = "50"
    return _style(d)


def node_label(n: Node) -> str:
    prefix = ACTIONS[n.state][2] + " " if n.state in ACTIONS and ACTIONS[n.state][2] else ""
    parts = [f"<b>{escape(prefix + n.title)}</b>"] + [escape(line) for line in n.lines]
    if n.note:
        parts.append(f"<i>{escape(n.note)}</i>")
    return "<br>".join(parts)


def edge_style(e: Edge) -> str:
    attrs = EDGES.get(e.kind, EDGES["uses"])
    d = {"edgeStyle": "orthogonalEdgeStyle", "rounded": "1", "html": "1", "endArrow": "block", "endFill": "1",
         "strokeColor": attrs.get("color", "#545B64"), "strokeWidth": attrs.get("penwidth", "1"),
         "fontSize": "9", "fontColor": attrs.get("fontcolor", "#232F3E")}
    style = attrs.get("style", "")
    if "dashed" in style or "dotted" in style:
        d["dashed"] = "1"
        if "dotted" in style:
            d["dashPattern"] = "1 3"
    if attrs.get("arrowhead") == "none":
        d["endArrow"] = "none"
    if attrs.get("dir") == "both":
        d["startArrow"] = "oval"
        d["startFill"] = "1"
    return _style(d)


def to_drawio(scene: Scene, layout: dict) -> str:
    """The diagrams.net file of a scene laid out by Graphviz (`layout_of` of `dot -Tjson` run on
    `to_dot(scene)`)."""
    frames, nodes = scene.children()
    width, height = layout["bb"]
    root = ET.Element("root")
    ET.SubElement(root, "mxCell", id="0")
    ET.SubElement(root, "mxCell", id="1", parent="0")
    origin: dict[str, tuple[float, float]] = {"1": (0.0, 0.0)}
    # a VPC's or subnet's CIDR, which the SVG shows on the small anchor node, goes on its frame
    # (with --network: `detail.py`)
    cidr = {n.frame: n.lines[-1] for n in scene.nodes.values()
            if n.anchor and n.frame and n.kind in ("vpc", "subnet") and n.lines and scene.network}
    cell_of: dict[str, str] = {}           # node id → the cell an edge to it joins

    def geometry(cell: ET.Element, x: float, y: float, w: float, h: float, parent: str):
        ox, oy = origin[parent]
        ET.SubElement(cell, "mxGeometry", x=_num(x - ox), y=_num(y - oy), width=_num(w), height=_num(h),
                      **{"as": "geometry"})

    def emit(parent_frame: str | None, parent_cell: str):
        for n in nodes.get(parent_frame, []):
            if n.anchor:
                if parent_frame is not None:
                    cell_of[n.id] = parent_frame
                continue
            box = layout["nodes"].get(n.id)
            if box is None:
                continue
            cx, cy, bw, bh = box
            size = MINOR_ICON if n.minor else ICON
            attrs = scene.items[n.address].attrs if n.address in scene.items else None
            cell = ET.SubElement(root, "mxCell", id=n.id, value=node_label(n), style=node_style(n, attrs),
                                 vertex="1", parent=parent_cell)
            geometry(cell, cx - size / 2, cy - bh / 2, size, size, parent_cell)
            cell_of[n.id] = n.id
        for f in frames.get(parent_frame, []):
            box = layout["frames"].get(f.id)
            if box is None:
                continue
            x1, y1, x2, y2 = box
            label = escape(f.label)
            if f.state in ACTIONS and f.state != "no-op":
                label = f"{escape(ACTIONS[f.state][2])} {label}"
            if f.id in cidr:
                label += f" · {escape(cidr[f.id])}"
            if f.note:
                label += f"<br>{escape(f.note)}"
            cell = ET.SubElement(root, "mxCell", id=f.id, value=label, style=frame_style(f), vertex="1",
                                 parent=parent_cell)
            geometry(cell, x1, y1, x2 - x1, y2 - y1, parent_cell)
            origin[f.id] = (x1, y1)
            emit(f.id, f.id)

    if scene.title:
        title = ET.SubElement(root, "mxCell", id="~title", value=f"<b>{escape(scene.title)}</b>",
                              style="text;html=1;align=left;verticalAlign=top;fontSize=16;fontColor=#232F3E;",
                              vertex="1", parent="1")
        geometry(title, 8, 8, 400, 24, "1")
    emit(None, "1")
    for i, e in enumerate(sorted(scene.edges, key=Edge.key)):
        source = e.ltail if e.ltail in origin else cell_of.get(e.tail)
        target = e.lhead if e.lhead in origin else cell_of.get(e.head)
        if source is None or target is None or source == target:
            continue
        cell = ET.SubElement(root, "mxCell", id=f"~edge{i}", value=escape(e.label), style=edge_style(e), edge="1",
                             parent="1", source=source, target=target)
        ET.SubElement(cell, "mxGeometry", relative="1", **{"as": "geometry"})
    model = ET.Element("mxGraphModel", dx="0", dy="0", grid="1", gridSize="10", guides="1", tooltips="1",
                       connect="1", arrows="1", fold="1", page="1", pageScale="1",
                       pageWidth=_num(max(width, 850)), pageHeight=_num(max(height, 1100)), math="0", shadow="0")
    model.append(root)
    mxfile = ET.Element("mxfile", host="archform", type="device")
    diagram = ET.SubElement(mxfile, "diagram", id="archform", name=scene.title or "archform")
    diagram.append(model)
    ET.indent(mxfile, space="  ")
    return ET.tostring(mxfile, encoding="unicode") + "\n"
