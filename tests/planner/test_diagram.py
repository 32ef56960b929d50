"""Diagrams: the DOT of every example (snapshots), each laid out by the real `dot` into SVG that
holds every resource and the frames it should; the strict nesting; the overlays (plan, chaos,
instances, physical); the command line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.dsl.resolve import resolve, resolve_text
from archform.planner.cli import main
from archform.planner.diagram import build_scene, diagram, items_of
from archform.planner.diagram.detail import NETWORK_KINDS
from archform.planner.diagram.dot import to_dot, with_imagepath
from workbench import Workbench

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SVG = "{http://www.w3.org/2000/svg}"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.arch"))

# per example: the frames its diagram must have (kind → how many), beyond one per VPC/subnet
EXPECTED = {
    "dr_warm_standby": {"global": 1, "region": 2, "vpc": 2, "az": 6, "subnet": 18, "zone": 1},
    "ha_ec2_eip": {"global": 1, "region": 1, "vpc": 1, "az": 2, "subnet": 2},
    "ha_web": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 9, "zone": 1},
    "fan_out": {"global": 1, "region": 1},
    "queue_workers": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 3},
    "serverless_api": {"global": 1, "region": 1},
    "serverless_queue_worker": {"global": 1, "region": 1},
    "static_site": {"global": 1, "region": 1, "zone": 1},
    "stream_pipeline": {"global": 1, "region": 1},
    "analytics": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 3},
    "eks_cluster": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 9},
    "beanstalk_web": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 9},
    "mq_broker": {"region": 1, "vpc": 1, "az": 2, "subnet": 4},
    "hybrid_network": {"global": 1, "region": 1, "vpc": 3, "az": 6, "subnet": 8, "dc": 1},
    "backup_restore": {"global": 1, "region": 2},
    "fargate_service": {"global": 1, "region": 1, "vpc": 1, "az": 3, "subnet": 9, "zone": 1},
    "secure_data_tier": {"region": 2, "vpc": 2, "az": 6, "subnet": 18},
}

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (make system-deps)")


def desired_of(name: str):
    desired, diags = resolve(EXAMPLES / f"{name}.arch")
    assert desired is not None and not [d for d in diags if d.is_error]
    return desired


def layout(dot_text: str) -> tuple[ET.Element, str]:
    """The real dot's SVG of this DOT, parsed, and what dot said on stderr."""
    proc = subprocess.run(["dot", "-Tsvg"], input=with_imagepath(dot_text).encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return ET.fromstring(proc.stdout), proc.stderr.decode()


def svg_groups(root: ET.Element, cls: str) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") == cls}


def test_every_example_has_expectations():
    assert NAMES == sorted(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_example_dot_snapshot(name, snapshot):
    scene = build_scene(items_of(desired_of(name)), title=f"{name}.arch")
    assert to_dot(scene) == snapshot


@needs_dot
@pytest.mark.parametrize("name", NAMES)
def test_example_renders_every_resource_and_frame(name):
    desired = desired_of(name)
    scene = build_scene(items_of(desired), title=f"{name}.arch")
    root, stderr = layout(to_dot(scene))
    assert stderr.strip() == "", stderr            # no warning: every compound edge found its frame
    nodes = svg_groups(root, "node")
    clusters = svg_groups(root, "cluster")
    detail = {a for a, r in desired.resources.items() if r.kind in NETWORK_KINDS}
    assert set(desired.resources) - detail <= set(nodes)    # every resource is a node, by its address,
    assert not detail & set(nodes)                          # but route tables and security groups: --network
    kinds: dict[str, int] = {}
    for f in scene.frames.values():
        assert f.id in clusters, f.id              # every frame is drawn
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    assert kinds == EXPECTED[name]
    # every VPC and subnet is a frame holding the node that carries its address
    for address, r in desired.resources.items():
        if r.kind in ("vpc", "subnet", "dns_zone"):
            frame = scene.frame_of[address]
            assert scene.nodes[address].frame == frame
            assert clusters[frame] is not None
    # the title and legend are there
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert f"{name}.arch" in texts and "Legend" in texts


@pytest.mark.parametrize("name", NAMES)
def test_nesting_is_a_strict_tree(name):
    """Region > VPC > AZ > Subnet; global resources never inside a region; a node's region is its frame's,
    but for the customer's own equipment (a customer gateway), drawn on premises outside every region."""
    desired = desired_of(name)
    scene = build_scene(items_of(desired), network=True)
    order = {"global": 0, "region": 0, "vpc": 1, "az": 2, "subnet": 3, "zone": 1}
    for f in scene.frames.values():
        if f.parent is not None:
            parent = scene.frames[f.parent]
            assert order[parent.kind] < order[f.kind], (parent.id, f.id)
            if f.kind == "subnet":
                assert parent.kind == "az"
            if f.kind == "az":
                assert parent.kind == "vpc"
    for address, r in desired.resources.items():
        path = [scene.frames[f] for f in scene.ancestors(scene.nodes[address].frame)]
        regions = [f for f in path if f.kind == "region"]
        if r.kind == "customer_gateway":
            assert [f.id for f in path] == ["cluster_on_premises"], address
        elif r.region is None:
            assert not regions and path[-1].kind == "global", address
        else:
            assert regions and regions[0].id == f"cluster_region_{r.region}", address


def test_dot_is_deterministic():
    first = to_dot(build_scene(items_of(desired_of("dr_warm_standby")), title="x"))
    second = to_dot(build_scene(items_of(desired_of("dr_warm_standby")), title="x"))
    assert first == second


def test_edges_traffic_replication_and_dr_pairs():
    scene = build_scene(items_of(desired_of("dr_warm_standby")))
    by_kind: dict[str, set] = {}
    for e in scene.edges:
        by_kind.setdefault(e.kind, set()).add((e.tail, e.head, e.ltail, e.lhead))
    traffic = {(t, h) for t, h, _, _ in by_kind["traffic"]}
    # DNS → load balancer → target group → fleet → database, in each region
    for region in ("primary", "standby"):
        assert (f"{region}.web", f"{region}.app") in traffic
        assert (f"{region}.app", f"{region}.web_fleet") in traffic
        assert (f"{region}.web_fleet", f"{region}.orders") in traffic
    assert ("shop.www_primary", "primary.web") in traffic
    assert ("shop.www_standby", "standby.web") in {(t, h) for t, h, _, _ in by_kind["failover"]}
    assert ("~users", "shop", None, "cluster_zone_shop") in by_kind["traffic"]   # users reach the zone's frame
    # replication across regions, dashed
    assert ("primary.orders", "standby.orders", None, None) in by_kind["replication"]
    # the DR pair joins the region frames
    (dr,) = by_kind["dr"]
    assert dr[2:] == ("cluster_region_us-east-1", "cluster_region_eu-west-1")
    text = to_dot(scene)
    assert 'ltail="cluster_region_us-east-1" lhead="cluster_region_eu-west-1"' in text
    assert 'style="dashed"' in re.search(r'"primary.orders" -> "standby.orders" \[[^\]]*\]', text).group(0)


def test_static_site_edge_chain():
    scene = build_scene(items_of(desired_of("static_site")))
    traffic = {(e.tail, e.head) for e in scene.edges if e.kind == "traffic"}
    assert {("docs.www", "cdn"), ("cdn", "edge.content")} <= traffic
    assert scene.nodes["cdn"].frame == "cluster_global"            # CloudFront is global
    assert scene.nodes["edge.content"].frame == "cluster_region_us-east-1"


def test_categories_have_their_own_colour_and_shape():
    from archform.planner.diagram.styles import CATEGORIES, KINDS
    from archform.stdlib import catalogue
    assert set(catalogue.INDEX) <= set(KINDS)                   # every kind has a category
    colours = [c[0] for c in CATEGORIES.values()]
    shapes = [c[2] for k, c in CATEGORIES.items() if k != "other"]
    assert len(set(colours)) == len(colours)
    assert len(set(shapes)) == len(shapes)
    text = to_dot(build_scene(items_of(desired_of("ha_web"))))
    # nodes are AWS icons with the name under them; a kind's category shape and colour draw it
    # only where its icon is missing (and the legend's swatches)
    assert re.search(r'"primary.orders" \[[^\]]*shape="plain"[^\]]*IMG SRC="database-aurora.png"', text)
    assert re.search(r'"primary.web" \[[^\]]*IMG SRC="network-elb-application-load-balancer.png"', text)


def test_asg_is_one_node_with_its_capacity_and_one_per_az_unless_instances():
    desired = desired_of("ha_web")
    scene = build_scene(items_of(desired))
    fleet = scene.nodes["primary.web_fleet"]
    assert "3 (min 3, max 12) × m5.large" in fleet.lines
    per_az = {n: scene.nodes[n] for n in scene.nodes if n.startswith("primary.web_fleet/")}
    assert sorted(per_az) == [f"primary.web_fleet/us-east-1{z}" for z in "abc"]
    assert {n.title for n in per_az.values()} == {"1 × m5.large"}
    assert {n.frame for n in per_az.values()} == {f"cluster_subnet_primary.net.private[us-east-1{z}]" for z in "abc"}
    scene = diagram(desired, instances=True)
    members = sorted(n for n in scene.nodes if n.startswith("primary.web_fleet/"))
    assert members == [f"primary.web_fleet/instance-{i}" for i in (1, 2, 3)]
    subnets = {scene.nodes[m].frame for m in members}
    assert subnets == {f"cluster_subnet_primary.net.private[us-east-1{z}]" for z in "abc"}   # one per AZ
    assert {(e.tail, e.head) for e in scene.edges if e.kind == "manages"} == {("primary.web_fleet", m) for m in members}


# --- plan ---------------------------------------------------------------------------------------

def test_plan_overlay_colours_by_action(tmp_path, snapshot):
    text = (EXAMPLES / "ha_web.arch").read_text()
    bench = Workbench(tmp_path)
    try:
        bench.apply(text)
        edited = (text.replace("desired                   = 3", "desired                   = 5")
                      .replace("record apex {", "record root {")
                      .replace("engine           = aurora-postgresql", "engine           = aurora-mysql"))
        plan = bench.plan(edited)
        desired = bench.desired(edited)
    finally:
        bench.close()
    scene = diagram(desired, plan=plan, title="ha_web.arch")
    states = {a: n.state for a, n in scene.nodes.items() if n.address}
    assert states["primary.web_fleet"] == "update" and "desired" in scene.nodes["primary.web_fleet"].note
    assert states["shop.root"] == "create"
    assert states["shop.apex"] == "delete"                 # drawn where it was, though no longer configured
    assert scene.nodes["shop.apex"].frame == "cluster_zone_shop"
    assert states["primary.orders"] == "replace" and "engine" in scene.nodes["primary.orders"].note
    assert states["primary.web"] == "no-op"
    # members share their resource's action: the cluster's instances are replaced with it
    assert scene.nodes["primary.orders/writer-1"].state == "replace"
    assert scene.nodes["primary.web_fleet/us-east-1a"].state == "update"
    assert "Plan: 1 to add, 1 to change, 1 to replace, 1 to destroy." in scene.notes
    dot_text = to_dot(scene)
    assert re.search(r'"primary.web_fleet" \[[^\]]*TABLE BORDER="2" COLOR="#0972D3"', dot_text)   # update: blue
    assert re.search(r'"shop.apex" \[[^\]]*COLOR="#D13212" BGCOLOR="#FDECEA" STYLE="rounded,dashed"', dot_text)  # delete
    assert re.search(r'"primary.web" \[[^\]]*TABLE BORDER="0"', dot_text)      # no change: no frame
    assert dot_text == snapshot


# --- chaos --------------------------------------------------------------------------------------

@needs_dot
def test_chaos_shows_the_failed_region_and_failovers(in_tmp):
    result = CliRunner().invoke(main, ["diagram", str(EXAMPLES / "dr_warm_standby.arch"), "--chaos", "region:us-east-1",
                                       "-o", "dr.dot"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (in_tmp / "dr.dot").read_text()
    region = re.search(r'subgraph "cluster_region_us-east-1" \{\n\s*graph \[([^\n]*)\]', text).group(1)
    assert 'color="#D13212"' in region and "FAILED at 00:01:00.0" in region
    chaos_edges = re.findall(r'"([^"]+)" -> "([^"]+)" \[[^\]]*color="#D13212" penwidth="2.6"[^\]]*xlabel="([^"]*)"',
                             text)
    pairs = {(t, h) for t, h, _ in chaos_edges}
    assert ("primary.web", "standby.web") in pairs            # DNS failed over to the standby's load balancer
    assert ("primary.orders", "standby.orders") in pairs      # the global database was promoted there
    assert any("global database" in label for _, _, label in chaos_edges)
    assert "took over at" in text and "every DR target met" in text
    root, stderr = layout(text)
    assert "cluster_region_us-east-1" in svg_groups(root, "cluster")


def test_chaos_overlay_of_an_az_marks_the_az_and_the_writer_move():
    desired = desired_of("ha_web")
    report = {
        "faults": [{"id": "f1", "domain": "az:us-east-1a", "kind": "az", "target": "us-east-1a", "part": None,
                    "start": 60.0, "end": None, "disruption_type": "az",
                    "affected": {"resources": ["primary.net.private[us-east-1a]", "primary.web_fleet"],
                                 "instances": []}}],
        "services": [{"address": "primary.web_fleet", "facet": None, "kind": "autoscaling_group",
                      "capacity_unit": "instances", "nominal_capacity": 3.0, "series": [[0.0, 1.0, 3.0],
                                                                                        [60.0, 0.67, 2.0]]}],
        "failovers": [{"t": 88.1, "at": "00:01:28.1", "resource": "primary.orders", "what": "writer",
                       "from": "us-east-1a", "to": "us-east-1b", "fault": "f1"},
                      {"t": 95.0, "at": "00:01:35.0", "resource": "primary.web", "what": "load balancer node",
                       "from": "us-east-1a", "to": "us-east-1b", "fault": "f1"}],
        "dr_plans": [], "seed": 0, "duration_seconds": 600.0, "summary": {"compliance": "NoPolicy"},
    }
    scene = diagram(desired, chaos=report)
    az = scene.frames["cluster_az_primary.net.vpc_us-east-1a"]
    assert az.state == "failed"
    assert scene.nodes["primary.net.private[us-east-1a]"].state == "failed"     # inside the failed AZ
    assert scene.nodes["primary.web_fleet"].state == "impaired"                 # spans AZs: lost a third
    assert scene.nodes["primary.web_fleet"].note == "hit at 00:01:00.0; 2/3 instances at worst"
    # what the spread resources ran in the failed AZ is failed with it (the writer stayed unmarked)
    inside = {n.id: n.state for n in scene.nodes.values() if n.minor and n.frame.endswith("[us-east-1a]")}
    assert inside and set(inside.values()) == {"failed"}, inside
    assert all(n.state != "failed" for n in scene.nodes.values() if n.minor and n.frame.endswith("[us-east-1b]"))
    # two failovers between the same AZs: one edge, a line each naming what moved (two edges drew
    # over each other, their labels apart from them)
    (edge,) = [e for e in scene.edges if e.kind == "chaos"]
    assert (edge.ltail, edge.lhead) == ("cluster_az_primary.net.vpc_us-east-1a", "cluster_az_primary.net.vpc_us-east-1b")
    assert edge.label == "00:01:28.1 orders: writer\n00:01:35.0 web: load balancer node"


# --- physical -----------------------------------------------------------------------------------

SPREAD = """
region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
  }
  subnet app for az in ["a", "b"] {
    vpc  = main
    cidr = cidrsubnet(main.cidr, 8, index(["a", "b"], az))
    az   = az
  }
  placement_group spread {
    strategy = spread
  }
  autoscaling_group fleet {
    subnets = app
    min     = 4
    max     = 4
    desired = 4
    launch {
      ami             = "ami-0a1b2c3d4e5f60718"
      instance_type   = m5.large
      placement_group = spread
    }
  }
}
"""


@needs_dot
def test_physical_shows_hosts_and_racks_per_az(in_tmp):
    (in_tmp / "spread.arch").write_text(SPREAD)
    result = CliRunner().invoke(main, ["diagram", "spread.arch", "--physical", "-o", "spread.dot"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (in_tmp / "spread.dot").read_text()
    root, stderr = layout(text)
    assert stderr.strip() == ""
    clusters = svg_groups(root, "cluster")
    racks = [c for c in clusters if c.startswith("cluster_rack_")]
    hosts = [c for c in clusters if c.startswith("cluster_host_")]
    instances = [n for n in svg_groups(root, "node") if n.startswith("i-")]
    assert len(instances) == 4
    assert len(racks) == 4 and len(hosts) == 4               # spread: every instance on its own rack
    for az in ("us-east-1a", "us-east-1b"):
        assert sum(1 for r in racks if f"_{az}" in r) == 2   # two per AZ, inside that AZ's frame
    assert text.count("group spread") == 4
    assert "Physical: 4 instances on 4 hosts, 4 racks, 2 data centres, 2 AZs" in text


# --- the command line ---------------------------------------------------------------------------

@needs_dot
def test_cli_formats(in_tmp):
    runner = CliRunner()
    web = str(EXAMPLES / "ha_web.arch")
    for out, magic in (("web.svg", b"<?xml"), ("web.png", b"\x89PNG"), ("web.dot", b"digraph archform")):
        result = runner.invoke(main, ["diagram", web, "-o", out], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert (in_tmp / out).read_bytes().startswith(magic)
    result = runner.invoke(main, ["diagram", web])                     # no -o: DOT on stdout
    assert result.exit_code == 0 and result.output.startswith("digraph archform")
    result = runner.invoke(main, ["diagram", web, "-o", "web.bmpx"])
    assert result.exit_code == 1 and "cannot tell the format" in result.output


def test_cli_reports_configuration_errors_without_a_traceback(in_tmp):
    (in_tmp / "bad.arch").write_text('region "us-east-1" as p {\n  vpc v { cidr = 10.0.0.0/8 }\n}\n')
    result = CliRunner().invoke(main, ["diagram", "bad.arch", "-o", "bad.svg"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "error" in result.output
    assert not (in_tmp / "bad.svg").exists()


def test_cli_plan_needs_no_state_file(in_tmp):
    result = CliRunner().invoke(main, ["diagram", str(EXAMPLES / "static_site.arch"), "--plan", "-o", "s.dot"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy." in (in_tmp / "s.dot").read_text()
    assert not (in_tmp / ".archform").exists()                         # looking creates nothing


def test_help_stays_light():
    """`archform --help` does not import Graphviz, jinja2 or the diagram package."""
    code = ("import sys; from archform.planner.cli import main\n"
            "import click.testing; click.testing.CliRunner().invoke(main, ['--help'])\n"
            "bad = [m for m in ('graphviz', 'jinja2', 'archform.planner.diagram') if m in sys.modules]\n"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


@needs_dot
def test_a_hundred_resources_lay_out_cleanly():
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from bench_diagram import architecture
    desired, diags = resolve_text(architecture(100))
    assert desired is not None and not [d for d in diags if d.is_error]
    assert 90 <= len(desired.resources) <= 120
    text = to_dot(build_scene(items_of(desired), title="estate"))
    assert "ortho" not in text
    root, stderr = layout(text)
    assert stderr.strip() == ""
    detail = {a for a, r in desired.resources.items() if r.kind in NETWORK_KINDS}
    assert set(desired.resources) - detail <= set(svg_groups(root, "node"))


# --- members where they live --------------------------------------------------------------------

def test_database_members_sit_in_their_azs_data_subnets():
    scene = build_scene(items_of(desired_of("ha_web")))
    members = {n.id: n for n in scene.nodes.values() if n.id.startswith("primary.orders/")}
    # 3 instances of Aurora: the writer in the first AZ, replicas round robin (as the modeled cloud places them)
    assert {m: n.frame for m, n in members.items()} == {
        "primary.orders/writer-1": "cluster_subnet_primary.net.data[us-east-1a]",
        "primary.orders/reader-2": "cluster_subnet_primary.net.data[us-east-1b]",
        "primary.orders/reader-3": "cluster_subnet_primary.net.data[us-east-1c]"}
    assert members["primary.orders/writer-1"].title == "orders writer"
    assert all(n.address == "primary.orders" and n.kind == "aurora_instance" for n in members.values())
    edges = {(e.tail, e.head) for e in scene.edges if e.kind == "member"}
    assert {("primary.orders", m) for m in members} <= edges
    # the cluster keeps its place on the traffic path
    assert ("primary.web_fleet", "primary.orders") in {(e.tail, e.head) for e in scene.edges if e.kind == "traffic"}


def test_member_roles_follow_the_modeled_cloud():
    from archform.planner.diagram.members import roles
    assert roles("rds", {"multi_az": True}) == ["primary", "standby"]
    assert roles("rds", {"deployment": "cluster"}) == ["writer", "reader", "reader"]
    assert roles("rds", {}) == ["primary"]
    assert roles("elasticache", {"engine": "redis", "shards": 2, "replicas_per_shard": 1}) == \
        ["primary", "replica", "primary", "replica"]
    assert roles("elasticache", {"engine": "memcached", "nodes": 3}) == ["node"] * 3
    assert roles("aurora", {"instances": 2}) == ["writer", "reader"]


def test_fleet_counts_per_az_add_up():
    text = (EXAMPLES / "ha_web.arch").read_text().replace("desired                   = 3",
                                                          "desired                   = 5")
    desired, diags = resolve_text(text, EXAMPLES / "ha_web.arch")
    assert desired is not None
    scene = build_scene(items_of(desired))
    counts = {n.lines[0]: n.title for n in scene.nodes.values() if n.id.startswith("primary.web_fleet/")}
    assert counts == {"us-east-1a": "2 × m5.large", "us-east-1b": "2 × m5.large", "us-east-1c": "1 × m5.large"}


def test_a_load_balancer_repeats_in_its_public_subnets():
    scene = build_scene(items_of(desired_of("ha_web")))
    nodes = {n.id: n for n in scene.nodes.values() if n.id.startswith("primary.web/")}
    assert {i: n.frame for i, n in nodes.items()} == {
        f"primary.web/us-east-1{z}": f"cluster_subnet_primary.net.public[us-east-1{z}]" for z in "abc"}
    assert scene.nodes["primary.web"].frame == "cluster_vpc_primary.net.vpc"     # the balancer itself spans them


# --- less clutter, zone order, regions side by side (issue 19) --------------------------------

def test_network_detail_is_hidden_unless_asked_for():
    desired = desired_of("ha_web")
    plain = build_scene(items_of(desired))
    kinds = {n.kind for n in plain.nodes.values()}
    assert not kinds & {"security_group", "route_table"}
    traffic = {(e.tail, e.head) for e in plain.edges if e.kind == "traffic"}
    assert {("primary.web", "primary.app"), ("primary.app", "primary.web_fleet"),
            ("primary.web_fleet", "primary.orders")} <= traffic          # the path is whole without them
    text = to_dot(plain)
    assert "10.0.1.0/24" not in text and "10.0.0.0/16" not in text        # no CIDR labels
    network = build_scene(items_of(desired), network=True)
    assert {"primary.alb_sg", "primary.db_sg", "primary.net.public_routes"} <= set(network.nodes)
    text = to_dot(network)
    assert "10.0.1.0/24" in text
    # a security group sits beside what it protects
    assert '"primary.db_sg" -> "primary.orders" [style=invis' in text


def test_traffic_through_a_hidden_node_still_joins_its_ends():
    from archform.planner.diagram.detail import hide_network
    from archform.planner.diagram.scene import Edge, Node, Scene
    scene = Scene()
    for nid, kind in (("web", "load_balancer"), ("sg", "security_group"), ("fleet", "autoscaling_group"),
                      ("rt", "route_table")):
        scene.add_node(Node(nid, None, kind, nid, address=nid))
    scene.edges = [Edge("web", "sg", "traffic", ":443"), Edge("sg", "fleet", "traffic", ":8080"),
                   Edge("rt", "fleet", "uses")]
    hide_network(scene)
    assert set(scene.nodes) == {"web", "fleet"}
    assert [(e.tail, e.head, e.kind, e.label) for e in scene.edges] == [("web", "fleet", "traffic", ":8080")]
    assert scene.network is False


def test_the_cli_network_flag_draws_security_groups(in_tmp):
    web = str(EXAMPLES / "ha_web.arch")
    plain = CliRunner().invoke(main, ["diagram", web], catch_exceptions=False).output
    network = CliRunner().invoke(main, ["diagram", web, "--network"], catch_exceptions=False).output
    assert '"primary.alb_sg" [' not in plain and '"primary.alb_sg" [' in network


def _boxes(root: ET.Element, cls: str) -> dict[str, tuple[float, float, float, float]]:
    """id → (x1, y1, x2, y2) of each SVG group's polygon (frames) or its whole drawing (nodes)."""
    out = {}
    for gid, g in svg_groups(root, cls).items():
        xs, ys = [], []
        for el in g.iter():
            if el.tag == f"{SVG}polygon":
                for pt in el.get("points").split():
                    x, y = pt.split(",")
                    xs.append(float(x))
                    ys.append(float(y))
            elif el.tag in (f"{SVG}image", f"{SVG}text") and el.get("x"):
                xs.append(float(el.get("x")))
                ys.append(float(el.get("y")))
        if xs:
            out[gid] = (min(xs), min(ys), max(xs), max(ys))
    return out


ZONED = [n for n in NAMES if EXPECTED[n].get("az", 0) > 1]


@needs_dot
@pytest.mark.parametrize("network", [False, True], ids=["default", "network"])
@pytest.mark.parametrize("name", ZONED)
def test_az_frames_read_in_zone_order_and_tiers_line_up(name, network):
    scene = build_scene(items_of(desired_of(name)), title=f"{name}.arch", network=network)
    root, _ = layout(to_dot(scene))
    frames = _boxes(root, "cluster")
    for vpc in (f.id for f in scene.frames.values() if f.kind == "vpc"):
        azs = sorted((f for f in scene.frames.values() if f.kind == "az" and f.parent == vpc),
                     key=lambda f: f.label)
        lefts = [frames[f.id][0] for f in azs]
        assert lefts == sorted(lefts), [f.label for f in azs]            # a, b, c from the left
    # one tier's subnets start on one line, in every AZ (and region: `net.public` in both)
    tops: dict[str, set[int]] = {}
    for f in scene.frames.values():
        if f.kind == "subnet" and "[" in f.address:
            tier = re.sub(r"\[[^\]]*\]$", "", f.address).split(".", 1)[-1]
            tops.setdefault(tier, set()).add(round(frames[f.id][1] / 8))
    assert all(len(t) == 1 for t in tops.values()), tops


@needs_dot
@pytest.mark.parametrize("name", ["dr_warm_standby", "secure_data_tier"])
def test_regions_side_by_side_with_straight_replication(name):
    scene = build_scene(items_of(desired_of(name)), title=f"{name}.arch")
    text = to_dot(scene)
    root, _ = layout(text)
    frames = _boxes(root, "cluster")
    east, west = frames["cluster_region_us-east-1"], frames["cluster_region_eu-west-1"]
    assert east[2] < west[0]                                  # side by side, the primary on the left
    assert abs(east[1] - west[1]) < 40                        # tops aligned
    # the global database's replica is drawn in the secondary region, level with its primary
    assert scene.nodes["standby.orders"].frame.startswith("cluster_vpc_standby")
    edge = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"
                and (g.findtext(f"{SVG}title") or "") == "primary.orders&#45;&gt;standby.orders"
                or (g.findtext(f"{SVG}title") or "") == "primary.orders->standby.orders")
    path = edge.find(f"{SVG}path").get("d")
    ys = [float(y) for y in re.findall(r"[-\d.]+,([-\d.]+)", path)]
    assert max(ys) - min(ys) < 6, path                        # straight across


@needs_dot
def test_the_same_input_draws_the_same_picture():
    from archform.planner.diagram.dot import render
    text = to_dot(build_scene(items_of(desired_of("dr_warm_standby")), title="x"))
    assert render(text, "svg") == render(text, "svg")
    assert text == to_dot(build_scene(items_of(desired_of("dr_warm_standby")), title="x"))


def test_physical_hosts_sit_in_the_subnets_they_run_in():
    from archform.planner.diagram import overlays
    desired, _ = resolve_text(SPREAD)
    scene = build_scene(items_of(desired), members=False)
    rows = [{"address": "primary.fleet", "instance": f"i-{z}", "instance_type": "m5.large", "az": f"us-east-1{z}",
             "data_centre": f"us-east-1{z}-dc1", "rack": f"r-{z}", "host": f"h-{z}"} for z in "ab"]
    overlays.physical(scene, rows)
    for z in "ab":
        path = scene.ancestors(scene.nodes[f"i-{z}"].frame)
        assert [scene.frames[f].kind for f in path] == ["host", "rack", "dc", "subnet", "az", "vpc", "region"]
        assert f"cluster_subnet_primary.app[{z}]" in path


def test_a_function_draws_what_its_environment_tells_it_to_call():
    """serverless_api: the functions' table floated unconnected (`environment = { TABLE =
    orders.name }` drew nothing); each function now has a traffic edge to it, named by the
    variable."""
    scene = build_scene(items_of(desired_of("serverless_api")))
    calls = {(e.tail, e.head, e.label) for e in scene.edges if e.kind == "traffic" and e.head == "primary.orders"}
    assert calls == {("primary.read_orders", "primary.orders", "TABLE"), ("primary.write_orders", "primary.orders", "TABLE")}


def test_an_ecs_service_draws_its_tasks_in_the_azs_they_run_in():
    """fargate_service: the private subnets were empty, the service's three tasks drawn nowhere
    (an Auto Scaling group's instances were); one node per AZ with its count, as the modeled
    cloud spreads them."""
    scene = build_scene(items_of(desired_of("fargate_service")))
    tasks = {n.frame: n.title for n in scene.nodes.values() if n.kind == "ecs_tasks"}
    assert tasks == {f"cluster_subnet_primary.net.private[us-east-1{z}]": "1 task" for z in "abc"}


def test_a_direct_connect_line_is_drawn_from_on_premises():
    """hybrid_network: nothing joined on-premises to the Direct Connect line (only the VPN was
    drawn from the customer gateway)."""
    scene = build_scene(items_of(desired_of("hybrid_network")))
    (line,) = [e for e in scene.edges if e.head == "primary.line" and e.kind == "traffic"]
    assert (line.tail, line.ltail, line.label) == ("primary.office", "cluster_on_premises", "cross-connect at EqDC2")


def test_a_diagram_of_thousands_is_condensed_to_each_vpcs_resources_by_kind(monkeypatch):
    """A 10,000-resource estate's diagram was still in Graphviz after ten minutes (and its report
    too). Past `condense.LIMIT` nodes each VPC keeps one node per kind with its count, the AZ and
    subnet frames go, the edges join the groups; `full` draws every resource anyway."""
    from archform.planner.diagram import condense as condensing
    from archform.planner.diagram import diagram
    desired = desired_of("ha_web")
    full = diagram(desired)
    monkeypatch.setattr(condensing, "LIMIT", 10)
    small = diagram(desired)
    assert {f.kind for f in small.frames.values()} == {"global", "region", "vpc", "zone"}
    assert len(small.nodes) < len(full.nodes)
    by_title = {n.title: n for n in small.nodes.values()}
    assert by_title["9 × Subnet"].frame == "cluster_vpc_primary.net.vpc"  # three tiers in three AZs
    assert by_title["3 × NAT gateway"].lines == ["net.nat_gw[us-east-1a], net.nat_gw[us-east-1b], net.nat_gw[us-east-1c]"]
    assert all(e.tail in small.nodes and e.head in small.nodes for e in small.edges)
    assert len({(e.tail, e.head, e.kind, e.ltail, e.lhead) for e in small.edges}) == len(small.edges)
    assert not [e for e in small.edges if e.kind == "member"]
    assert small.notes[-1].startswith(f"{len(full.nodes):,} nodes: drawn as each VPC's resources by kind")
    assert len(diagram(desired, full=True).nodes) == len(full.nodes)
    from archform.planner.diagram.dot import render
    render(to_dot(small), "svg")  # it lays out
