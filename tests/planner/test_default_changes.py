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


def _without(value, name: str):
    if isinstance(value, dict):
        return {k: _without(x, name) for k, x in value.items() if k != name}
    if isinstance(value, list):
        return [_without(x, name) for x in value]
    return value


def test_an_optional_attribute_added_since_plans_nothing(bench):
    """A state written before the catalogue grew an optional attribute inside a block
    (`root_volume.device_name`) holds no key for it; the configuration's value is unset too.
    That is no change: upgrading archform must not plan an update of every instance."""
    from dataclasses import replace

    from archform.planner.diff import diff
    text = (EXAMPLES / "ha_ec2_eip.arch").read_text()
    _, result = bench.apply(text)
    assert not result.failed
    snapshot = bench.store.read()
    assert any("device_name" in str(r.config) for r in snapshot.resources.values())
    older = replace(snapshot, resources={a: replace(r, config=_without(r.config, "device_name"),
                                                   applied=_without(r.applied, "device_name"))
                                         for a, r in snapshot.resources.items()})
    assert not any("device_name" in str(r.config) for r in older.resources.values())
    found = diff(bench.desired(text), older)
    assert [c.address for c in found.changes if c.action is not Action.NOOP] == []
    # a value written where the state has none is still a change
    written = text.replace("      user_data       =", "      root_volume {\n        device_name = \"/dev/sda1\"\n"
                                                      "      }\n      user_data       =", 1)
    assert written != text
    found = diff(bench.desired(written), older)
    assert [c.address for c in found.changes if c.action is not Action.NOOP] == ["ireland.server_group"]


def test_a_plan_that_deletes_a_deletion_protected_resource_is_refused(bench):
    """AWS refuses to delete a table (database, load balancer, user pool) whose deletion protection
    is on: the plan says so, instead of the apply failing half-way through."""
    text = '''region "us-east-1" as east {
  dynamodb_table orders {
    hash_key            = "id"
    deletion_protection = true
  }
}
'''
    _, result = bench.apply(text)
    assert not result.failed
    plan = bench.plan(text.replace('hash_key            = "id"', 'hash_key            = "order_id"'))
    (problem,) = [d for d in plan.diagnostics if d.is_error]
    assert "east.orders has deletion protection on" in problem.summary and "replace" in problem.summary
    assert problem.span is not None  # underlined where the table is declared
    _, result = bench.apply(text.replace("deletion_protection = true", "deletion_protection = false"))
    assert not result.failed
    assert not [d for d in bench.plan(None, destroy=True).diagnostics if d.is_error]
