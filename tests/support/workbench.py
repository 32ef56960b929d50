"""A planner test bench: a real SQLite state and a real modeled cloud in a temporary folder.

    bench = Workbench(tmp_path)
    plan = bench.plan(text)          # resolve + plan against the bench's state
    bench.apply(text)                # plan and apply
    bench.plan(text).summary.empty   # → True
"""

from __future__ import annotations

import json
from pathlib import Path

from archform.dsl.resolve import resolve_text
from archform.planner import render
from archform.planner.apply import apply_plan
from archform.planner.planning import PlanRequest, make_plan, persist_reconcile, reconcile
from archform.planner.state import StateStore
from archform.providers import open_provider


class ConfigError(Exception):
    pass


class Workbench:
    def __init__(self, folder: Path, workspace: str = "default"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store = StateStore(self.folder / "state.db", workspace)
        self.cloud = open_provider("simulated", cloud=str(self.folder / "cloud.db"))

    def close(self):
        self.store.close()
        self.cloud.close()

    def desired(self, text: str, file: str = "main.arch", modules: dict | None = None, params=None):
        desired, diags = resolve_text(text, file, params, modules)
        errors = [d for d in diags if d.is_error]
        if errors or desired is None:
            raise ConfigError("; ".join(d.summary for d in errors))
        return desired

    def plan(self, text: str | None, *, destroy=False, targets=(), replace=(), refresh=True, modules=None,
             file: str = "main.arch"):
        desired = self.desired(text, file, modules) if text is not None else None
        snapshot = self.store.read()
        plan, diags = make_plan(desired, snapshot, self.cloud, PlanRequest(tuple(targets), tuple(replace), destroy,
                                                                           refresh))
        plan.diagnostics = diags
        return plan

    def apply(self, text: str | None, **kw):
        plan = self.plan(text, **kw)
        errors = [d for d in plan.diagnostics if d.is_error]
        if errors:
            raise ConfigError("; ".join(d.summary for d in errors))
        snapshot = self.store.read()
        if snapshot.pending:
            persist_reconcile(self.store, reconcile(snapshot, self.cloud))
        result = apply_plan(plan, self.store, self.cloud)
        return plan, result


def stable_json(plan) -> str:
    """The JSON plan with the state lineage (random per state) replaced."""
    doc = render.to_json(plan)
    doc["prior_state"]["lineage"] = "<lineage>"
    return json.dumps(doc, indent=2, sort_keys=True)
