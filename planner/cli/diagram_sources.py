"""Where `archform diagram` and `report` get their overlays from: a plan against a state, and a modeled cloud to fail or
to read placements from.

A plan is made as `archform plan` makes it (refreshing from the modeled cloud — `--cloud`, else
`$ARCHFORM_CLOUD`, else `.archform/cloud.db` — under the state's lock); with no state file yet
it is planned against an empty state in a temporary folder, so looking at a diagram never
creates `.archform/`. Chaos runs and placements use a
fresh modeled cloud in a temporary folder, the architecture applied to it with ids seeded by
`seed` (as `archform chaos` does), or — for placements — the cloud of an existing state.
Nothing here prints: problems are raised as `SourceError` with the message to show. The
diagram package only draws what these give it.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .options import CHAOS_DURATION


class SourceError(Exception):
    def __init__(self, message: str, diagnostics=None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


def make_plan(desired, state_path: str | None, workspace: str = "default", cloud_path: str | None = None):
    """The plan from the state at `state_path` (if it exists) to `desired`."""
    from archform.providers.simulated.store import default_path
    from ..planning import PlanRequest, make_plan as _make_plan
    from ..session import LockRefused, open_session
    with _maybe_temporary(state_path) as (state, cloud):
        cloud = cloud or cloud_path or default_path()
        with open_session(state, workspace, cloud, lazy=False) as session:
            try:
                session.lock("diagram", notify=None)
            except LockRefused as e:
                raise SourceError(f"{e.locked}; wait for the other archform command to finish") from e.locked
            plan, diags = _make_plan(desired, session.store.read(), session.provider, PlanRequest())
    errors = [d for d in diags if d.is_error]
    if plan is None or plan.errored or errors:
        raise SourceError("the plan could not be made", errors)
    return plan


@contextmanager
def _maybe_temporary(state_path):
    from ..state import exists
    if state_path and exists(state_path):
        yield state_path, None
        return
    with tempfile.TemporaryDirectory(prefix="archform-diagram-") as folder:
        yield str(Path(folder) / "state.db"), str(Path(folder) / "cloud.db")


@contextmanager
def fresh_cloud(desired, seed: int):
    """The resolved architecture applied to a new modeled cloud in a temporary folder:
    yields (cloud, address → provider id)."""
    from ..rehearsal import apply_fresh
    from ..state import StateStore
    with tempfile.TemporaryDirectory(prefix="archform-diagram-") as folder:
        cloud, problems = apply_fresh(desired, seed, folder)
        if cloud is None:
            diags = [p for p in problems if not isinstance(p, str)]
            text = "; ".join(p for p in problems if isinstance(p, str))
            raise SourceError(text or "the architecture has errors", diags)
        store = StateStore(f"{folder}/state.db")
        try:
            ids = {a: r.id for a, r in store.read(unsealed=False).resources.items() if r.id}
        finally:
            store.close()
        try:
            yield cloud, ids
        finally:
            cloud.close()


@contextmanager
def applied_cloud(state_path: str, workspace: str, cloud_path: str | None):
    """The modeled cloud an existing state was applied to: yields (cloud, address → id)."""
    from archform.providers.simulated import SimulatedCloud
    from archform.providers.simulated.store import default_path
    from ..state import exists, open_state
    where = cloud_path or default_path()
    if not exists(state_path) or not os.path.exists(where):
        raise SourceError(f"nothing applied: no state at {state_path} or no modeled cloud at {where}")
    store = open_state(state_path, workspace)
    try:
        ids = {a: r.id for a, r in store.read(unsealed=False).resources.items() if r.id}
    finally:
        store.close()
    cloud = SimulatedCloud(where)
    try:
        yield cloud, ids
    finally:
        cloud.close()


def chaos_report(cloud, path, fails, ats=(), fors=(), duration: str = CHAOS_DURATION, seed: int = 0) -> dict:
    """Run `archform chaos` on `cloud` (its faults paired with --at/--for as that command
    pairs them) and return the report document."""
    from archform.providers.simulated.chaos import run
    from archform.providers.simulated.chaos.faults import FaultError
    from archform.providers.simulated.chaos.units import parse
    from ..rehearsal import fault_specs
    try:
        specs = fault_specs(fails, ats, fors)
        length = parse(duration)
        return run(cloud.store, specs, seed=seed, duration=length, architecture=str(path))
    except (FaultError, ValueError) as e:
        raise SourceError(str(e)) from e


def placements(cloud, ids: dict[str, str], desired) -> tuple[list[dict], dict[str, dict]]:
    """Where the instances of the architecture's instances and Auto Scaling groups run, and the
    hosts they run on (id → family, vCPUs, vCPUs used)."""
    from archform.providers.simulated import console
    wanted = {a: ids[a] for a, r in desired.resources.items()
              if r.kind in ("instance", "autoscaling_group", "eks_node_group", "beanstalk_environment",
                            "batch_compute_environment") and a in ids}
    rows = console.placements(cloud, wanted)
    host_ids = sorted({p["host"] for p in rows if p.get("host")})
    hosts: dict[str, dict] = {}
    with cloud.store.reading() as tx:
        # placement groups by the address the architecture gives them, not the cloud's name
        named = {}
        for a, r in desired.resources.items():
            rec = tx.get(ids[a]) if r.kind == "placement_group" and a in ids else None
            if rec is not None:
                named[rec.name] = a
        rows = [{**p, "placement_group": named.get(p.get("placement_group"), p.get("placement_group"))} for p in rows]
        if host_ids:
            marks = ",".join("?" * len(host_ids))
            for hid, family, vcpus, used in tx.conn.execute(
                    f"SELECT id, family, vcpus, used_vcpus FROM hosts WHERE id IN ({marks})", tuple(host_ids)):
                hosts[hid] = {"family": family, "vcpus": vcpus, "used_vcpus": used}
    return rows, hosts
