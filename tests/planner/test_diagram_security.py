"""Security and operations in a diagram: a WAF web ACL to the ALB and API it filters, an alarm
to the group it scales and the topic it notifies, a health check to the alarm it follows, and
the detail lines of keys, ACLs, alarms and log groups."""

from __future__ import annotations

from pathlib import Path

from archform.dsl.resolve import resolve
from archform.planner.diagram import build_scene, items_of
from archform.planner.diagram.dot import to_dot

PROVIDERS = Path(__file__).resolve().parents[1] / "providers"


def scene_of(path: Path):
    desired, diags = resolve(path)
    assert desired is not None, diags
    return build_scene(items_of(desired))


def test_every_kind_draws_the_firewall_alarms_and_keys():
    scene = scene_of(PROVIDERS / "test_cloudformation_cases" / "every_kind.arch")
    edges = {(e.tail, e.head): (e.kind, e.label) for e in scene.edges}
    assert edges[("primary.shop_acl", "primary.web")] == ("monitors", "WAF")
    assert edges[("primary.shop_acl", "primary.shop_api")] == ("monitors", "WAF")
    assert edges[("primary.fleet_cpu", "primary.app_fleet")] == ("uses", "scales (burst)")
    assert edges[("primary.app_errors", "primary.alerts")] == ("messaging", "notifies")
    text = to_dot(scene)
    for line in ("REGIONAL, 4 rules, default allow", "CPUUtilization p99 &gt;= 90", "kept 90d", "symmetric"):
        assert line in text, line


def test_a_health_check_points_at_the_alarm_it_follows():
    scene = scene_of(PROVIDERS / "chaos_cases" / "alarms.arch")
    edges = {(e.tail, e.head): (e.kind, e.label) for e in scene.edges}
    assert edges[("fleet_check", "primary.fleet_hot")] == ("monitors", "alarm")


def test_iam_users_groups_profiles_and_boundaries_are_drawn():
    scene = scene_of(Path(__file__).resolve().parents[1] / "stdlib" / "iam_cases" / "policies.arch")
    edges = {(e.tail, e.head) for e in scene.edges}
    assert ("reader_role", "reader_profile") in edges  # the role the profile holds
    assert ("analyst", "analysts") in edges            # a member of the group
    assert ("boundary", "worker_role") in edges and ("boundary", "analyst") in edges  # the cap on each
    text = to_dot(scene)
    assert "1 member" in text
