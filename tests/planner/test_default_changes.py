"""A catalogue default that changes (issue 14's safe defaults: encryption at rest on by default)
shows in `plan` against an existing state as a planned change, never silently: the state holds
the values the old default gave, and the plan compares them with the new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from archform.planner import render
from archform.planner.changes import Action
from workbench import Workbench

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def bench(tmp_path):
    b = Workbench(tmp_path)
    yield b
    b.close()


def test_a_new_default_shows_as_a_planned_change(bench):
    """ha_web applied when Aurora was unencrypted by default (the old default, written out as
    the state holds it): planning the file that leaves it to the default replaces the cluster,
    and says why."""
    text = (EXAMPLES / "ha_web.arch").read_text()
    assert "    encrypted        = true\n" in text
    old_default = text.replace("    encrypted        = true\n", "    encrypted        = false\n")
    _, result = bench.apply(old_default)
    assert not result.failed
    plan = bench.plan(text.replace("    encrypted        = true\n", ""))  # the default decides
    changed = {c.address for c in plan.changes}
    assert "primary.orders" in changed
    shown = render.text(plan)
    assert "encrypted" in shown and "primary.orders" in shown
    assert not plan.summary.empty
