"""EventBridge and Step Functions in a diagram: bus → rule → each target (a bus of another region
too), a target's dead-letter queue, the detail lines of rules and state machines."""

from __future__ import annotations

from pathlib import Path

from archform.dsl.resolve import resolve
from archform.planner.diagram import build_scene, items_of
from archform.planner.diagram.dot import to_dot

CASE = Path(__file__).resolve().parents[1] / "providers" / "test_cloudformation_cases" / "events.arch"


def test_events_flow_from_bus_to_rule_to_targets():
    desired, diags = resolve(CASE)
    assert desired is not None, diags
    scene = build_scene(items_of(desired))
    traffic = {(e.tail, e.head): e.label for e in scene.edges if e.kind == "traffic"}
    assert traffic[("primary.orders", "primary.placed")] == "events"
    for target in ("primary.worker", "primary.jobs", "primary.flow", "ireland.orders"):
        assert traffic[("primary.placed", target)] == "matched"
    assert traffic[("primary.placed", "primary.failed")] == "dead letters"
    assert traffic[("primary.hourly", "primary.flow")] == "schedule"
    assert traffic[("ireland.orders", "ireland.forward")] == "events"
    text = to_dot(scene)
    assert "rate(1 hour), 1 target" in text and "express, 1 state" in text and "EventBridge rule" in text
