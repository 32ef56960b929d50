"""AWS Architecture Icons in the SVG and PNG diagrams: every kind has an icon file that ships
with the package (and only icons that are used ship), the SVG of an example draws them
embedded once each (self-contained, the same bytes every time), and a kind whose icon is
missing falls back to its category's shape."""

from __future__ import annotations

import re
import shutil
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from archform.dsl.resolve import resolve
from archform.planner.diagram import build_scene, icons, items_of
from archform.planner.diagram.dot import node_attrs, render, to_dot
from archform.planner.diagram.icons import ICON_DIR, icon_of, used_files
from archform.stdlib import catalogue

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make system-deps)")


def scene_of(name: str):
    desired, diags = resolve(ROOT / "examples" / f"{name}.arch")
    assert desired is not None and not [d for d in diags if d.is_error]
    return build_scene(items_of(desired), title=f"{name}.arch")


@pytest.mark.parametrize("kind", sorted(catalogue.kinds()))
def test_every_kind_has_an_icon_file(kind):
    name = icon_of(kind)
    assert name is not None, f"{kind} has no icon: add it to planner/diagram/icons.py ICONS"
    data = (ICON_DIR / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", name


def test_only_the_icons_used_ship_with_their_notice():
    shipped = {p.name for p in ICON_DIR.glob("*.png")}
    assert shipped == used_files()
    notice = (ICON_DIR / "NOTICE.md").read_text()
    assert "AWS Architecture Icons" in notice and "diagrams" in notice and "architecture diagrams" in notice
    # the wheel takes them: package-data covers every file of the folder
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = config["archform.planner.diagram"]
    for p in ICON_DIR.iterdir():
        rel = f"icons/{p.name}"
        assert any(fnmatch(rel, pat) for pat in patterns), f"{rel} is not in package-data"


def test_a_load_balancer_and_a_subnet_by_their_type():
    assert icon_of("load_balancer", {"type": "network"}) == "network-elb-network-load-balancer.png"
    assert icon_of("subnet", {"public": True}) == "network-public-subnet.png"
    assert icon_of("subnet", {"public": False}) == "network-private-subnet.png"


def test_a_missing_icon_falls_back_to_the_category_shape(monkeypatch):
    scene = scene_of("ha_web")
    orders = scene.nodes["primary.orders"]
    assert node_attrs(orders)["shape"] == "plain"
    monkeypatch.delitem(icons.ICONS, "aurora")
    d = node_attrs(orders)
    assert d["shape"] == "cylinder" and "IMG" not in d["label"]


@needs_dot
def test_the_svg_of_an_example_draws_its_icons_embedded():
    scene = scene_of("ha_web")
    svg = render(to_dot(scene), "svg").decode("utf-8")
    used = set(re.findall(r'<use xlink:href="#icon-([a-z0-9-]+)"', svg))
    assert {"database-aurora", "network-elb-application-load-balancer", "compute-ec2-auto-scaling",
            "network-nat-gateway", "general-users"} <= used
    symbols = re.findall(r'<symbol id="icon-([a-z0-9-]+)" viewBox="0 0 96 96"><image width="96" height="96" '
                         r'xlink:href="data:image/png;base64,', svg)
    assert sorted(symbols) == sorted(used)                 # each icon embedded once, every one used
    assert not re.search(r'xlink:href="[^"#d][^"]*\.png"', svg)   # no reference to a file
    # one icon per drawn resource (every non-anchor node of the scene uses one), and one per
    # category row of the legend: the icon it stands for, not a colour square no icon has
    drawn = [n for n in scene.nodes.values() if not n.anchor and n.kind != "placeholder"]
    categories = [row for row in scene.legend if row[0].startswith("icon:")]
    assert len(categories) == 6
    assert svg.count("<use xlink:href=") == len(drawn) + len(categories)
    assert render(to_dot(scene), "svg") == render(to_dot(scene), "svg")


@needs_dot
def test_the_png_draws_with_the_icons():
    png = render(to_dot(scene_of("serverless_api")), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
