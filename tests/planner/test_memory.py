"""The command line runs without Python's cycle collector (planner/cli/): whatever a
command builds must be freed by reference counting alone, or a plan of 50,000 resources
keeps its whole parse tree and resolver alive into apply (hundreds of MB). These tests
resolve, plan and apply the examples, drop the results, and count what only the cycle
collector could have freed."""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import pytest

from archform.dsl.resolve import resolve
from archform.planner.apply import apply_plan
from archform.planner.planning import make_plan
from archform.planner.state import StateStore
from archform.providers.simulated.provider import SimulatedCloud

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.arch"))


def _cyclic_garbage(work) -> Counter:
    """What only the cycle collector would free after `work()`, counted by type."""
    work()  # the first run creates what stays for the process (caches, lazily built classes)
    gc.collect()
    gc.disable()
    try:
        work()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = Counter(type(o).__qualname__ + (":" + o.__qualname__ if hasattr(o, "__code__") else "") for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_resolution_leaves_no_cycles(path):
    def work():
        desired, diags = resolve(path)
        assert desired is not None and len(desired.resources) > 3
    garbage = _cyclic_garbage(work)
    assert sum(garbage.values()) < 50, garbage.most_common(8)  # was every group, instance, scope, AST node


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_plan_and_apply_leave_no_cycles(path, tmp_path):
    runs = iter(range(10))

    def work():
        n = next(runs)
        store = StateStore(tmp_path / f"state{n}.db")
        provider = SimulatedCloud(tmp_path / f"cloud{n}.db")
        desired, _ = resolve(path)
        plan, _ = make_plan(desired, store.read(), provider)
        result = apply_plan(plan, store, provider)
        assert not result.failed
        again, _ = make_plan(desired, store.read(), provider)
        assert not again.has_changes
        store.close()
        provider.close()
    garbage = _cyclic_garbage(work)
    assert sum(garbage.values()) < 50, garbage.most_common(8)
