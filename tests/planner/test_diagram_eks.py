"""EKS and App Runner in diagrams: the cluster, its node groups and Fargate profile drawn with
what matters (Kubernetes version and endpoint, nodes × type and spot, namespaces and pods), the
control plane managing them; a node group's nodes in its subnets with `--instances`, as an Auto
Scaling group's; an App Runner service with its source, size and VPC connector."""

from __future__ import annotations

from pathlib import Path

from archform.dsl.resolve import resolve
from archform.planner.diagram import build_scene, diagram, items_of

ROOT = Path(__file__).resolve().parents[2]


def _desired(path: Path):
    desired, diags = resolve(path)
    assert desired is not None and not [d for d in diags if d.is_error]
    return desired


def test_the_cluster_node_groups_and_profile_say_what_they_are():
    scene = build_scene(items_of(_desired(ROOT / "examples" / "eks_cluster.arch")))
    assert scene.nodes["primary.platform"].lines[:2] == ["EKS cluster", "Kubernetes 1.35, private endpoint"]
    assert "6 (min 3, max 12) × m6i.large" in scene.nodes["primary.general"].lines
    assert "3 (min 0, max 20) × m5.xlarge +2, spot" in scene.nodes["primary.batch"].lines
    assert {"namespaces web", "6 pods"} <= set(scene.nodes["primary.web"].lines)
    managed = {(e.tail, e.head) for e in scene.edges if e.kind == "manages"}
    assert managed == {("primary.platform", a) for a in ("primary.general", "primary.batch", "primary.web")}


def test_a_node_groups_nodes_are_drawn_in_its_subnets_with_instances():
    scene = diagram(_desired(ROOT / "examples" / "eks_cluster.arch"), instances=True)
    nodes = sorted(n for n in scene.nodes if n.startswith("primary.general/"))
    assert len(nodes) == 6
    assert {scene.nodes[n].frame for n in nodes} == {f"cluster_subnet_primary.net.private[us-west-2{z}]"
                                                      for z in "abc"}
    assert all("m6i.large" in scene.nodes[n].lines for n in nodes)


def test_an_app_runner_service_shows_its_source_size_and_connector():
    scene = build_scene(items_of(_desired(ROOT / "tests" / "providers" / "chaos_cases" / "apprunner.arch")))
    assert scene.nodes["primary.api"].lines == ["App Runner service", "image, 1 vCPU, 3–25 instances",
                                                "egress through a VPC connector"]
    assert scene.nodes["primary.site"].lines == ["App Runner service", "image, 1 vCPU, 3–25 instances"]
