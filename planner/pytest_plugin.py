"""archform's pytest plugin: plans of your `.arch` files as values to snapshot-test.

Registered through the `pytest11` entry point, so installing archform is enough. Fixtures:

- `archform_plan(path, state=None, params=None, destroy=False, *, targets=(), replace=(),
  refresh=True) -> PlanResult` plans `path` against `state`: by default a fresh, empty state
  and modeled cloud in a temporary folder (so the plan shows everything as created); or an
  `ArchformState` (from `archform_apply` or `archform_state`), or the path of a state
  database (its modeled cloud is the `cloud.db` next to it, as archform keeps them in
  `.archform/`).
- `archform_apply(path, state=None, params=None, destroy=False) -> ArchformState` applies
  `path` (a fresh state and cloud by default) and returns the state, to plan an edit against.
- `archform_state(state=None, cloud=None) -> ArchformState` names a state: a fresh one, or
  existing files.

A `PlanResult` holds the plan as `archform plan` prints it (`.text`), one line per resource
(`.summary`, as `--summary`), the JSON plan (`.json`, a dict; `.json_text`), the counts
(`.counts`), `.has_changes` and the diagnostics (`.diagnostics`, rendered). Everything is
deterministic: no colour, no clock, the state's random lineage replaced by `<lineage>`,
file names relative to pytest's rootdir, and applies run one operation at a time so the
modeled cloud hands out the same ids on every run.

Relative paths (`.arch` files, state databases) are taken from pytest's rootdir. A
configuration with errors gives a result with `.errored` set whose text and JSON carry the
diagnostics (so a snapshot shows them); `archform_apply` raises `ArchformError` instead, since
a test cannot go on from there, and so does either fixture on a state another command has
locked. Planning only reads the state (holding its lock meanwhile, as `archform plan` does).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import pytest

LINEAGE_PLACEHOLDER = "<lineage>"


class ArchformError(Exception):
    """The configuration has errors, or an apply failed: the message says what and where."""


@dataclass(frozen=True)
class ArchformState:
    """Where a state lives: archform's state database and the modeled cloud it describes."""

    state: Path
    cloud: Path
    workspace: str = "default"

    def resources(self) -> dict[str, str]:
        """Recorded address → provider id."""
        store = _open_store(self)
        try:
            return {a: r.id for a, r in sorted(store.read(unsealed=False).resources.items())}
        finally:
            store.close()

    def outputs(self) -> dict:
        """The outputs recorded by the last apply (name → value)."""
        store = _open_store(self)
        try:
            return {k: v.get("value") for k, v in sorted(store.read().outputs.items())}
        finally:
            store.close()


@dataclass(frozen=True)
class PlanResult:
    text: str                      # the plan as `archform plan` prints it
    summary: str                   # one line per resource, as `archform plan --summary`
    json: dict                     # as `archform plan --format json`, lineage replaced
    counts: dict = field(default_factory=dict)  # {"add": …, "change": …, "replace": …, "destroy": …}
    has_changes: bool = False
    diagnostics: tuple[str, ...] = ()           # warnings (and errors), rendered without colour
    errored: bool = False

    @property
    def json_text(self) -> str:
        return json.dumps(self.json, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- the work ----------------------------------------------------------------------------------

@contextmanager
def _working_directory(path: Path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _open_store(where: ArchformState):
    from archform.planner.state import open_state
    return open_state(where.state, where.workspace)


@contextmanager
def _session(where: ArchformState, command: str):
    """State store and modeled cloud, with the state's lock held (as the CLI holds it)."""
    from archform.planner.session import LockRefused, open_session
    with open_session(where.state, where.workspace, str(where.cloud), lazy=False) as session:
        try:
            session.lock(command, notify=None)
        except LockRefused as e:
            raise ArchformError(f"{e.locked}; if that command is gone, run: {e.unlock_command}") from None
        yield session.store, session.provider


def _params(params: Mapping[str, object] | None) -> dict[str, str]:
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items()}


def _resolve(path: Path, params, root: Path):
    from archform.dsl.diagnostics import render
    from archform.dsl.resolve import resolve
    allow = [p for p in os.environ.get("ARCHFORM_ALLOW_PATH", "").split(os.pathsep) if p]  # as the CLI
    with _working_directory(root):  # file names in diagnostics and plans: relative to the rootdir
        desired, diags = resolve(path, _params(params), allow=allow)
    return desired, diags, tuple(render(d) for d in diags)


def _stable_json(plan, diags=()) -> dict:
    from archform.dsl.diagnostics import sort_diagnostics, to_json
    from archform.planner import render
    doc = json.loads(render.json_text(plan))
    if diags:  # as the command line's: the warnings, when there are some
        doc["diagnostics"] = [to_json(d) for d in sort_diagnostics(diags)]
    if isinstance(doc.get("prior_state"), dict) and "lineage" in doc["prior_state"]:
        doc["prior_state"]["lineage"] = LINEAGE_PLACEHOLDER
    return doc


def _errored(diagnostics: tuple[str, ...]) -> PlanResult:
    text = "\n\n".join(diagnostics) + "\n"
    return PlanResult(text=text, summary=text, json={"errored": True, "diagnostics": list(diagnostics)},
                      diagnostics=diagnostics, errored=True)


def plan(path, where: ArchformState, root: Path, params=None, destroy: bool = False,
         targets: Sequence[str] = (), replace: Sequence[str] = (), refresh: bool = True) -> PlanResult:
    """Plan `path` against the state `where` (nothing is written to it)."""
    from archform.dsl.diagnostics import render as render_diag
    from archform.planner import render
    from archform.planner.planning import PlanRequest, make_plan
    desired, diags, rendered = _resolve(Path(path), params, root)
    if desired is None or any(d.is_error for d in diags):
        return _errored(rendered)
    with _session(where, "plan") as (store, cloud):
        the_plan, plan_diags = make_plan(desired, store.read(), cloud,
                                         PlanRequest(tuple(targets), tuple(replace), destroy, refresh))
    rendered += tuple(render_diag(d) for d in plan_diags)
    if the_plan is None or the_plan.errored:
        return _errored(rendered)
    return PlanResult(text=render.text(the_plan), summary=render.text(the_plan, summary=True),
                      json=_stable_json(the_plan, [*diags, *plan_diags]), counts=the_plan.summary.json(),
                      has_changes=the_plan.has_changes, diagnostics=rendered)


def apply(path, where: ArchformState, root: Path, params=None, destroy: bool = False) -> ArchformState:
    """Apply `path` to the state `where`, one operation at a time; raise ArchformError on failure."""
    from archform.dsl.diagnostics import render
    from archform.planner.apply import apply_plan
    from archform.planner.planning import PlanRequest, make_plan, persist_reconcile, reconcile
    desired, diags, rendered = _resolve(Path(path), params, root)
    if desired is None or any(d.is_error for d in diags):
        raise ArchformError(f"{path} has errors:\n\n" + "\n\n".join(rendered))
    with _session(where, "destroy" if destroy else "apply") as (store, cloud):
        snapshot = store.read()
        if snapshot.pending:
            persist_reconcile(store, reconcile(snapshot, cloud))
        the_plan, plan_diags = make_plan(desired, store.read(), cloud, PlanRequest(destroy=destroy))
        if the_plan is None or the_plan.errored:
            raise ArchformError(f"cannot plan {path}:\n\n" + "\n\n".join(render(d) for d in plan_diags))
        if the_plan.has_changes:
            result = apply_plan(the_plan, store, cloud, parallelism=1)
            if result.failed:
                raise ArchformError(f"applying {path} failed:\n" + "\n".join(
                    f"  {r.address}: {r.action} failed: {r.error}" for r in result.failed))
    return where


# --- fixtures ----------------------------------------------------------------------------------

def _rootdir(request) -> Path:
    return Path(request.config.rootpath)


def _where(state, cloud, workspace, tmp_path_factory, root: Path) -> ArchformState:
    if isinstance(state, ArchformState):
        return state
    if state is None:
        folder = tmp_path_factory.mktemp("archform")
        return ArchformState(folder / "state.db", _source(cloud, root) if cloud else folder / "cloud.db", workspace)
    state = _source(state, root)
    return ArchformState(state, _source(cloud, root) if cloud else state.with_name("cloud.db"), workspace)


def _source(path, root: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else root / p


@pytest.fixture
def archform_state(request, tmp_path_factory):
    """`archform_state(state=None, cloud=None, workspace="default") -> ArchformState`: a fresh
    state and modeled cloud in a temporary folder, or the existing files named."""
    root = _rootdir(request)

    def make(state=None, cloud=None, workspace: str = "default") -> ArchformState:
        return _where(state, cloud, workspace, tmp_path_factory, root)
    return make


@pytest.fixture
def archform_plan(request, tmp_path_factory):
    """`archform_plan(path, state=None, params=None, destroy=False, *, targets=(), replace=(),
    refresh=True) -> PlanResult`; `state`: None (fresh), an ArchformState, or a state file."""
    root = _rootdir(request)

    def make(path, state=None, params: Mapping[str, object] | None = None, destroy: bool = False, *,
             cloud=None, workspace: str = "default", targets: Sequence[str] = (), replace: Sequence[str] = (),
             refresh: bool = True) -> PlanResult:
        where = _where(state, cloud, workspace, tmp_path_factory, root)
        return plan(_source(path, root), where, root, params, destroy, targets, replace, refresh)
    return make


@pytest.fixture
def archform_apply(request, tmp_path_factory):
    """`archform_apply(path, state=None, params=None, destroy=False) -> ArchformState`: apply,
    then plan an edit against the returned state."""
    root = _rootdir(request)

    def make(path, state=None, params: Mapping[str, object] | None = None, destroy: bool = False, *,
             cloud=None, workspace: str = "default") -> ArchformState:
        where = _where(state, cloud, workspace, tmp_path_factory, root)
        return apply(_source(path, root), where, root, params, destroy)
    return make
