"""Making a plan: resolve the configuration, reconcile interrupted operations, refresh, diff,
order.

Reconciliation: an apply that died between a provider call and the state write leaves a
pending record. A create is looked up by its idempotency token and adopted if the provider
made it; a delete is checked and dropped if the object is gone. Refresh reads every recorded
resource from the provider: what changed or vanished outside archform is drift, reported
apart from the planned changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace as dc_replace

from archform.dsl.diagnostics import Diagnostic, error, warning
from archform.dsl.desired import Desired

from . import graph as change_graph, intents
from .changes import Action, Drift, Plan, PlanMode
from .diff import DiffOptions, diff
from .references import is_format, refs_in, rename_refs, resolve
from .state import ObjectKey, Snapshot, StateResource, Status


@dataclass
class Reconciled:
    snapshot: Snapshot
    adopted: list[str] = field(default_factory=list)   # creates found done by token
    dropped: list[str] = field(default_factory=list)   # pending records with nothing behind them
    removed: list[str] = field(default_factory=list)   # deletes found done
    writes: list[tuple[str, StateResource | None]] = field(default_factory=list)  # in order
    ends: list[str] = field(default_factory=list)      # pending records to drop


_RECONCILE_ORDER = {Action.CREATE: 0, Action.UPDATE: 1, Action.DELETE: 2}


def reconcile(snapshot: Snapshot, provider) -> Reconciled:
    """What the pending records of an interrupted apply mean now (nothing is written).

    Creates are settled first, then deletes: a create-before-destroy replacement's old copy
    becomes `ADDR~deposed` when its new copy is adopted, and only then can the pending delete
    of that old copy be matched to it; a delete-then-create replacement's record is removed by
    its delete only while it still holds the old id."""
    out = Reconciled(snapshot=snapshot)
    resources = dict(snapshot.resources)
    for p in sorted(snapshot.pending, key=lambda p: (_RECONCILE_ORDER.get(p.action, 1), p.op_id)):
        out.ends.append(p.op_id)
        if p.action is Action.CREATE:
            remote = provider.find_by_token(p.token) if p.token else None
            if remote is None:
                out.dropped.append(p.address)
                continue
            target = intents.target(p)
            old = resources.get(target)
            res = intents.created_record(p, remote, resources)
            if old is not None and old.id == remote.id:
                continue  # recorded already (the journal committed it; only the pending row stayed)
            kept = intents.deposed_id(p)
            if kept and old is not None and old.id == kept:
                deposed = dc_replace(old, address=str(ObjectKey(target).deposed_copy()), status=Status.DEPOSED)
                resources[deposed.address] = deposed
                out.writes.append((deposed.address, deposed))
            resources[target] = res
            out.adopted.append(target)
            out.writes.append((target, res))
        elif p.action is Action.DELETE:
            gone = p.provider_id is None or provider.read(p.kind, p.provider_id) is None
            address = intents.target(p)
            if gone and address in resources and resources[address].id == p.provider_id:
                del resources[address]
                out.writes.append((address, None))
                out.removed.append(address)
        # an update: refresh will show what the provider holds
    out.snapshot = dc_replace(snapshot, resources=resources, pending=[])
    return out


def persist_reconcile(store, rec: Reconciled):
    """What reconciling found, written in one transaction (as an apply's journal writes), in
    the order it was found."""
    store.commit(rec.writes, rec.ends)


def refresh(snapshot: Snapshot, provider) -> tuple[dict, list[Drift]]:
    """The attributes the provider reports for each recorded resource (None when gone), and
    the drift: what differs from the record."""
    actual: dict[str, dict | None] = {}
    drift: list[Drift] = []
    wanted = [(a, r) for a, r in sorted(snapshot.resources.items())
              if r.id is not None and r.status is not Status.DEPOSED]  # an old copy's drift does not matter
    if not wanted:
        return actual, drift
    read_many = getattr(provider, "read_many", None)
    if read_many is not None:  # one round trip for the whole state, when the provider offers it
        remotes = read_many([(r.kind, r.id) for _, r in wanted])
    else:
        remotes = {r.id: provider.read(r.kind, r.id) for _, r in wanted}
    for address, r in wanted:
        remote = remotes.get(r.id)
        if remote is None:
            actual[address] = None
            drift.append(Drift(address, r.kind, r.applied, None))
            continue
        actual[address] = remote.attrs
        if remote.attrs == r.applied:
            continue
        changed = tuple(sorted(k for k in set(remote.attrs) | set(r.applied)
                               if k in r.applied and remote.attrs.get(k) != r.applied.get(k)))
        if changed:
            drift.append(Drift(address, r.kind, {k: r.applied.get(k) for k in changed},
                               {k: remote.attrs.get(k) for k in changed}, changed))
    return actual, drift


@dataclass
class PlanRequest:
    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    destroy: bool = False
    refresh: bool = True
    refresh_only: bool = False


def make_plan(desired: Desired | None, snapshot: Snapshot, provider, request: PlanRequest = PlanRequest()
              ) -> tuple[Plan | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    rec = reconcile(snapshot, provider) if snapshot.pending else Reconciled(snapshot)
    snapshot = rec.snapshot
    for a in rec.adopted:
        diags.append(warning(f"{a}: an interrupted apply created this; the next apply records it (a plan records "
                             "nothing)"))
    actual, drift = (refresh(snapshot, provider) if request.refresh or request.refresh_only else ({}, []))
    mode = PlanMode.DESTROY if request.destroy else PlanMode.REFRESH_ONLY if request.refresh_only else PlanMode.NORMAL
    if desired is None:
        from archform.dsl.desired import Desired as _D
        desired = _D(resources={})
    plan = Plan(changes=[], drift=drift, lineage=snapshot.lineage, serial=snapshot.serial,
                workspace=snapshot.workspace, source_hash=desired.source_hash, files=desired.files,
                mode=mode, desired=desired, params=desired.params, targets=request.targets,
                sensitive_outputs=desired.sensitive_outputs | {n for n, o in snapshot.outputs.items()
                                                               if (o or {}).get("sensitive")},
                sensitive_params=desired.sensitive_params)
    if request.refresh_only:
        return plan, diags
    result = diff(desired, snapshot, DiffOptions(targets=request.targets, replace=request.replace,
                                                 destroy=request.destroy, actual=actual))
    diags.extend(result.diagnostics)
    changes = change_graph.propagate_create_before_destroy(result.changes)
    g = change_graph.build(changes)
    cycle = change_graph.cycle_diagnostic(g)
    if cycle is not None:
        diags.append(cycle)
        plan.changes = changes
        plan.errored = True
        return plan, diags
    diags.extend(_in_use_warnings(changes))
    diags.extend(_postconditions_held(changes, snapshot))
    position = {op: i for i, op in enumerate(change_graph.order(g))}
    first_op: dict[str, int] = {}
    for op, i in position.items():
        first_op[op.address] = min(i, first_op.get(op.address, i))
    last = len(position)
    keyed = []  # (first operation, object's address): unique, so the index is never compared
    for i, c in enumerate(changes):
        at = c.object_address
        keyed.append((first_op.get(at, last), at, i))
    keyed.sort()
    plan.changes = [changes[i] for _, _, i in keyed]
    plan.order = change_graph.waves(g)
    plan.errored = any(d.is_error for d in diags)
    # outputs: before is what the state recorded (its references following `moved`: an output
    # of a moved resource is not a change), after what the configuration says
    after = {} if request.destroy and not request.targets else dict(desired.outputs)  # a targeted destroy
    # keeps the outputs (one that reads what it destroys is recorded without a value)
    names = set(snapshot.outputs) | set(after)
    renamed = {c.previous_address: c.address for c in changes if c.previous_address}
    plan.outputs = {n: (rename_refs((snapshot.outputs.get(n) or {}).get("config"), renamed), after.get(n))
                    for n in sorted(names)}
    plan.output_values = output_values(plan.outputs, snapshot, changes)
    return plan, diags


class _Later(Exception):
    """A value the apply makes or changes: known only after it."""


def output_values(outputs: dict, snapshot: Snapshot, changes) -> dict:
    """name -> (the value recorded, the value after the apply, whether that is known now): an
    output reads what exists as the state records it (refreshed), or what an update sets; what
    is created or replaced, or an attribute an update changes without saying to what, is known
    after apply."""
    planned = {c.address: c for c in changes if c.deposed is None}

    def lookup(address: str, attr: str | None):
        c = planned.get(address)
        r = snapshot.resources.get(c.previous_address or address) if c is not None else snapshot.resources.get(address)
        if c is not None and c.action is not Action.NOOP:
            if c.action is not Action.UPDATE:
                raise _Later(address)
            if attr not in (None, "id"):
                if attr in c.after_unknown:
                    raise _Later(address)
                if attr in (c.after or {}):
                    value = (c.after or {})[attr]
                    if refs_in(value) or is_format(value):
                        raise _Later(address)
                    return value
        if r is None:
            raise _Later(address)
        if attr is None or attr == "id":
            return r.id
        for where in (r.outputs or {}, r.applied or {}):
            if attr in where:
                return where[attr]
        raise _Later(address)

    out = {}
    for name, (_, config) in outputs.items():
        before = (snapshot.outputs.get(name) or {}).get("value")
        if config is None:
            out[name] = (before, None, True)
            continue
        try:
            out[name] = (before, resolve(config, lookup), True)
        except _Later:
            out[name] = (before, None, False)
    return out


def _postconditions_held(changes, snapshot: Snapshot) -> list[Diagnostic]:
    """A resource the plan leaves as it is must still satisfy its postconditions, read against
    what the state records of it (one whose apply failed one is in the state as made): an error,
    as Terraform's plan reports it. What is created or changed is checked when it is applied."""
    out = []
    for c in changes:
        r = snapshot.resources.get(c.address)
        if c.action is not Action.NOOP or r is None or not c.lifecycle.postconditions:
            continue
        from archform.dsl.conditions import failure  # only then: a plan without any loads no evaluator
        for pc in c.lifecycle.postconditions:
            why = failure(pc, {k: x for k, x in {**(r.applied or {}), **(r.outputs or {})}.items()
                               if k not in set(c.sensitive)})  # a secret reads as null, as at apply
            if why:
                out.append(error(f"{c.address}: {why}",
                                 help="change the resource (or the condition); --replace it to make it again"))
    return out


def _in_use_warnings(changes) -> list[Diagnostic]:
    """A delete-then-create replacement of something others keep using is refused by AWS
    for many kinds (a security group attached, a target group in use): say so before apply."""
    by_dep: dict[str, list[str]] = {}
    for c in changes:
        if c.action is Action.UPDATE:
            for dep in c.deps:
                by_dep.setdefault(dep, []).append(c.address)
    out = []
    for c in changes:
        if c.action is Action.REPLACE and not c.create_before_destroy and by_dep.get(c.address):
            users = ", ".join(sorted(by_dep[c.address]))
            out.append(warning(
                f"{c.address} will be destroyed before its replacement exists, while {users} still use it",
                detail="AWS refuses to delete a resource that is still in use (a DependencyViolation), "
                       "so this apply may stop there",
                help=f"set lifecycle {{ create_before_destroy = true }} on {c.address}: the new copy is made "
                     "first, the users move to it, then the old copy goes"))
    return out
