"""The draw.io export (`archform diagram PATH -o x.drawio`): a shape of diagrams.net's AWS 2024
library for every kind, every name checked against the library's own list (extracted from its
sidebar source, tests/planner/data/drawio_aws4_library.txt), and for every example a file that
parses as diagrams.net reads it (unique ids, parents that exist, edges between cells that
exist), with frames as AWS groups, every resource drawn, children inside their frames, the same
bytes on every run, and a snapshot."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.dsl.resolve import resolve
from archform.planner.cli import main
from archform.planner.diagram import build_scene, items_of
from archform.planner.diagram.aws_shapes import GROUPS, LOAD_BALANCERS, SHAPES, shape_of
from archform.planner.diagram.dot import render, to_dot
from archform.planner.diagram.drawio import layout_of, to_drawio
from archform.stdlib import catalogue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.arch"))
LIBRARY = Path(__file__).parent / "data" / "drawio_aws4_library.txt"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make system-deps)")


def library() -> dict[str, set[str]]:
    """form (resIcon, shape, grIcon) → the names diagrams.net's AWS 2024 library offers."""
    out: dict[str, set[str]] = {"resIcon": set(), "shape": set(), "grIcon": set()}
    for line in LIBRARY.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            form, name = line.split()
            out[form].add(name)
    return out


def drawio_of(name: str) -> tuple[str, object]:
    desired, diags = resolve(EXAMPLES / f"{name}.arch")
    assert desired is not None and not [d for d in diags if d.is_error]
    scene = build_scene(items_of(desired), title=f"{name}.arch")
    return to_drawio(scene, layout_of(render(to_dot(scene), "json"))), scene


def style_names(style: str) -> list[tuple[str, str]]:
    """The (form, name) pairs of the mxgraph.aws4 names a style uses."""
    out = []
    for key, name in re.findall(r"(shape|resIcon|grIcon)=mxgraph\.aws4\.([A-Za-z0-9_]+)", style):
        out.append(("shape" if key == "shape" else key, name))
    return out


def test_the_library_list_is_the_real_one():
    lib = library()
    # a few names the sidebar source holds, and the size of what was extracted
    assert {"aurora", "rds", "s3", "lambda", "vpc", "elastic_load_balancing"} <= lib["resIcon"]
    assert {"nat_gateway", "internet_gateway", "application_load_balancer", "group", "resourceIcon"} <= lib["shape"]
    assert {"group_region", "group_vpc2", "group_security_group"} <= lib["grIcon"]
    assert len(lib["resIcon"]) > 250 and len(lib["shape"]) > 400


@pytest.mark.parametrize("kind", sorted(catalogue.kinds()))
def test_every_kind_has_an_aws_shape(kind):
    assert kind in SHAPES, f"{kind} has no draw.io shape: add it to planner/diagram/aws_shapes.py SHAPES"


def test_every_mapped_name_is_in_the_library():
    lib = library()
    missing = [f"{kind}: {form} {name}" for kind, (form, name) in sorted(SHAPES.items()) if name not in lib[form]]
    missing += [f"load balancer {t}: {name}" for t, name in LOAD_BALANCERS.items() if name not in lib["shape"]]
    missing += [f"frame {k}: {icon}" for k, (icon, *_) in GROUPS.items() if icon and icon not in lib["grIcon"]]
    assert missing == []


def test_a_load_balancer_is_drawn_by_its_type():
    assert shape_of("load_balancer", {"type": "network"}) == ("shape", "network_load_balancer")
    assert shape_of("load_balancer", {"type": "application"}) == ("shape", "application_load_balancer")
    assert shape_of("load_balancer", {}) == ("shape", "application_load_balancer")


@needs_dot
@pytest.mark.parametrize("name", NAMES)
def test_example_drawio_is_a_valid_diagrams_net_file(name):
    text, scene = drawio_of(name)
    root = ET.fromstring(text)
    assert root.tag == "mxfile"
    model = root.find("diagram/mxGraphModel")
    assert model is not None, "uncompressed: the model is inside <diagram>"
    cells = model.findall("root/mxCell")
    ids = [c.get("id") for c in cells]
    assert len(ids) == len(set(ids)), "cell ids are unique"
    by_id = {c.get("id"): c for c in cells}
    assert by_id["0"].get("parent") is None and by_id["1"].get("parent") == "0"
    lib = library()
    for c in cells[2:]:
        assert c.get("parent") in by_id, f"{c.get('id')}: parent {c.get('parent')} does not exist"
        assert (c.get("vertex") == "1") != (c.get("edge") == "1"), c.get("id")
        assert c.find("mxGeometry") is not None, c.get("id")
        for form, shape in style_names(c.get("style", "")):
            assert shape in lib[form], f"{c.get('id')}: mxgraph.aws4.{shape} is not in diagrams.net's AWS library"
        if c.get("edge") == "1":
            for end in ("source", "target"):
                assert by_id.get(c.get(end)) is not None and by_id[c.get(end)].get("vertex") == "1", \
                    f"{c.get('id')}: {end} {c.get(end)} is not a vertex"
    # every resource is drawn: as an AWS icon, or (VPC, subnet, hosted zone) as the frame it is
    for n in scene.nodes.values():
        if n.address is None:
            continue
        if n.anchor:
            assert n.frame in by_id, n.id
        else:
            assert n.id in by_id and "mxgraph.aws4." in by_id[n.id].get("style"), n.id
    # frames are containers, AWS groups where the library has one
    for f in scene.frames.values():
        style = by_id[f.id].get("style")
        assert "container=1" in style
        if f.kind in ("region", "vpc", "subnet"):
            assert "shape=mxgraph.aws4.group;" in style, f.id
        if f.kind == "subnet":                           # the frame is the subnet: its CIDR only with --network
            assert bool(re.search(r" · [0-9a-f:.]+/\d+$", by_id[f.id].get("value"))) == scene.network, f.id
    # edges: each of the scene's edges between drawn cells is there
    assert len([c for c in cells if c.get("edge") == "1"]) > 0
    # children sit inside their frame (geometry is relative to the parent)
    for c in cells[2:]:
        parent = by_id[c.get("parent")]
        if c.get("vertex") != "1" or parent.get("id") == "1":
            continue
        g, pg = c.find("mxGeometry"), parent.find("mxGeometry")
        x, y, w = float(g.get("x")), float(g.get("y")), float(g.get("width"))
        assert -1 <= x and x + w <= float(pg.get("width")) + 1, c.get("id")
        assert -1 <= y <= float(pg.get("height")) + 1, c.get("id")


@needs_dot
def test_drawio_is_deterministic():
    assert drawio_of("dr_warm_standby")[0] == drawio_of("dr_warm_standby")[0]


@needs_dot
@pytest.mark.parametrize("name", NAMES)
def test_example_drawio_snapshot(name, snapshot):
    assert drawio_of(name)[0] == snapshot


@needs_dot
def test_cli_writes_drawio(in_tmp):
    result = CliRunner().invoke(main, ["diagram", str(EXAMPLES / "ha_web.arch"), "-o", "web.drawio"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "drawio" in result.output
    root = ET.fromstring((in_tmp / "web.drawio").read_text())
    styles = [c.get("style", "") for c in root.iter("mxCell")]
    assert any("resIcon=mxgraph.aws4.aurora" in s or "grIcon=mxgraph.aws4.group_vpc2" in s for s in styles)
    result = CliRunner().invoke(main, ["diagram", str(EXAMPLES / "ha_web.arch"), "--format", "drawio"])
    assert result.exit_code == 0 and result.output.startswith("<mxfile")
