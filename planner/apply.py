"""Applying a plan: walk the change graph with bounded parallelism, persisting as we go.

Before the first provider call the apply writes its whole intent: one pending record per
operation (a create carries its idempotency token), in one transaction. Each finished
operation's record, and the removal of its pending record, are committed within about
10 ms, whatever has finished in one transaction (group commit: by a journal thread
when calls run in parallel, in the calling thread when the provider runs them one at a time): a
crash at any moment leaves every operation either recorded or pending, and the next run
reconciles the pending ones with the provider (a create is found by its token), so nothing
that finished is lost and nothing is made twice. When an operation fails, everything that
depends on it is skipped, independent operations still run, and all that finished is kept.
A create-before-destroy replacement records the old object as its deposed copy (`ADDR~deposed`)
in the same transaction as the new one, so an interruption never loses track of it. The walk is
`planner.dag`'s (`DAG.walk()`).
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Callable

from archform.providers.base import OutcomeUnknown, ProviderError

from . import graph as change_graph, intents
from .changes import Action, Change, Op, Plan, PlanMode
from .references import resolve as resolve_refs, symbolic
from .state import ObjectKey, Snapshot, StateResource, StateStore, Status


@dataclass
class OpResult:
    op: Op
    address: str  # the object's (`ADDR~deposed` for an old copy)
    action: Action
    ok: bool
    id: str | None = None
    error: str = ""
    skipped_because: Op | None = None  # the failed operation that kept this one from running
    made: bool = False  # failed, yet it changed the cloud (created or updated, then a postcondition failed)


@dataclass
class ApplyResult:
    results: list[OpResult] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[OpResult]:
        return [r for r in self.results if not r.ok and not r.skipped_because]

    @property
    def skipped(self) -> list[OpResult]:
        return [r for r in self.results if r.skipped_because]

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "changed": 0, "destroyed": 0}
        for r in self.results:
            if not r.ok and not r.made:
                continue
            if r.action is Action.CREATE:
                out["added"] += 1
            elif r.action is Action.UPDATE:
                out["changed"] += 1
            elif r.action is Action.DELETE:
                out["destroyed"] += 1
        return out


class _Live:
    """The state as it is during the apply: ids and exports as operations finish."""

    def __init__(self, resources: dict[str, StateResource]):
        self._lock = threading.Lock()
        self.resources = dict(resources)

    def get(self, address):
        with self._lock:
            return self.resources.get(address)

    def set(self, r: StateResource):
        with self._lock:
            self.resources[r.address] = r

    def drop(self, address):
        with self._lock:
            self.resources.pop(address, None)

    def lookup(self, address: str, attr: str | None):
        r = self.get(address)
        if r is None:
            raise KeyError(address)
        if attr is None or attr == "id":
            return r.id
        if attr in r.outputs:
            return r.outputs[attr]
        if attr in r.applied:
            return r.applied[attr]
        raise KeyError(f"{address}.{attr}")


Progress = Callable[[str, str, str], None]  # (event, address, detail)


class _Journaling:
    """What an operation tells the journal when it finishes: records to write, an address to
    forget, or nothing — each ending its pending record (`intent`)."""

    def _add(self, item) -> None:
        raise NotImplementedError  # the journal at hand keeps the item (_Journal, _InlineJournal)

    def put(self, records: list[StateResource], intent: str):
        self._add((records, None, intent))

    def remove(self, address: str, intent: str):
        self._add(([], address, intent))

    def end(self, intent: str):
        self._add(([], None, intent))


class _Journal(_Journaling):
    """Commits finished operations from one thread, batching what finished meanwhile."""

    def __init__(self, store: StateStore):
        self.store = store
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="archform-journal", daemon=True)
        self.thread.start()

    def _add(self, item):
        self.queue.put(item)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    # how long a commit waits for more finished operations to join it: each is still committed
    # within about 10 ms of finishing (and its pending record covers that window), while
    # a fast provider's thousand creates make tens of commits, not a thousand
    LINGER = 0.01

    def _run(self):
        done = False
        while not done:
            item = self.queue.get()
            if item is not None and self.queue.empty():
                time.sleep(self.LINGER)
            batch = []
            while item is not None:
                batch.append(item)
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
            else:
                done = True
            if not batch:
                continue
            try:
                _commit_batch(self.store, batch)
            except BaseException as e:  # reported by close(); the pending records stay
                self.error = e
                return


def _commit_batch(store: StateStore, batch: list[tuple[list[StateResource], str | None, str]]):
    """One transaction for finished operations: (records to write, address to forget, intent),
    in the order they finished — a replacement's delete and then its create of the same
    address may share a batch, and the record the create wrote is what must stay."""
    writes: list[tuple[str, StateResource | None]] = []
    for records, forget, _ in batch:
        if forget is not None:
            writes.append((forget, None))
        writes.extend((r.address, r) for r in records)
    store.commit(writes, [i for _, _, i in batch])


class _InlineJournal(_Journaling):
    """`_Journal` for an apply whose provider calls run in this thread: finished operations are
    committed here, together, once LINGER has passed since the oldest uncommitted one (and all of
    them at close) — no thread hand-off per operation."""

    LINGER = _Journal.LINGER

    def __init__(self, store: StateStore):
        self.store = store
        self.batch: list = []
        self.since = 0.0

    def _add(self, item):
        if not self.batch:
            self.since = time.monotonic()
        self.batch.append(item)
        if time.monotonic() - self.since >= self.LINGER:
            self._commit()

    def _commit(self):
        batch, self.batch = self.batch, []
        if batch:
            _commit_batch(self.store, batch)

    def close(self):
        self._commit()


def _deleted(c: Change) -> ObjectKey:
    """The object a change's delete removes: a create-before-destroy replacement's old copy is
    kept (deposed) when its new copy is recorded, and deleted as that."""
    if c.action is Action.REPLACE and c.create_before_destroy:
        return c.object_key.deposed_copy()
    return c.object_key


def _intents(g, live: "_Live", token_base: str) -> list[tuple[Op, dict]]:
    """(operation, pending record) for every operation of the plan."""
    out = []
    for op in g.order():
        c: Change = g.nodes[op]["change"]
        if op.action is Action.CREATE:
            old = live.get(c.address) if c.action is Action.REPLACE and c.create_before_destroy else None
            out.append((op, intents.create(c, f"{token_base}/{c.address}", old.id if old else None)))
        elif op.action is Action.UPDATE:
            current = live.get(c.address)
            out.append((op, intents.update(c, current.id if current else None)))
        else:
            current = live.get(c.object_address)
            out.append((op, intents.delete(c, _deleted(c), current.id if current else None)))
    return out


def apply_plan(plan: Plan, store: StateStore, provider, parallelism: int = 10,
               progress: Progress | None = None, snapshot: Snapshot | None = None) -> ApplyResult:
    """Carry out `plan`. `snapshot` is the state as the caller last read it under the lock
    it still holds (read here when not given)."""
    progress = progress or (lambda *a: None)
    if snapshot is None:
        snapshot = store.read()
    moves = [c for c in plan.changes if c.previous_address and c.previous_address in snapshot.resources
             and c.address not in snapshot.resources]
    with store.edit("apply") as edit:  # the new serial and the renames, together
        edit.snapshot = False  # taken when the apply ends
        serial = edit.serial
        for c in moves:  # `moved`: the record takes its new address before anything runs
            edit.rename(c.previous_address, c.address)
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    g = change_graph.build(changes)
    progress("total", "", str(len(moves) + len(g)))
    for c in moves:
        progress("done", c.address, f"moved from {c.previous_address}")
    if moves:
        snapshot = store.read()
    live = _Live(snapshot.resources)
    result = ApplyResult()
    walk = g.walk()  # the smallest operation first: the same order as the plan shows
    running: dict = {}
    token_base = f"{snapshot.lineage}/{serial}"
    planned = _intents(g, live, token_base)
    intent = dict(zip((op for op, _ in planned), store.begin_many([rec for _, rec in planned])))
    # a provider that serializes every call itself (the modeled cloud's single-writer store)
    # gains nothing from threads but their hand-offs: it says so, and runs in this thread
    width = max(1, min(parallelism, getattr(provider, "max_parallelism", parallelism) or parallelism))
    journal = _Journal(store) if width > 1 else _InlineJournal(store)

    def run(op: Op) -> OpResult:
        c: Change = g.nodes[op]["change"]
        try:
            if op.action is Action.CREATE:
                return _create(c, op, intent[op], journal, provider, live, progress, token_base)
            if op.action is Action.UPDATE:
                return _update(c, op, intent[op], journal, provider, live, progress)
            return _delete(c, op, intent[op], journal, provider, live, progress)
        except ProviderError as e:
            progress("error", c.object_address, str(e))
            return OpResult(op, c.object_address, op.action, False, error=str(e))
        except KeyError as e:
            journal.end(intent[op])
            msg = f"a value it needs is missing: {e.args[0]}"
            progress("error", c.object_address, msg)
            return OpResult(op, c.object_address, op.action, False, error=msg)

    lock = _LockWatch(store)
    try:
        with (ThreadPoolExecutor(max_workers=width) if width > 1 else _Inline()) as pool:
            while walk or running:
                while walk and len(running) < width:
                    op = walk.take()
                    if lock.lost():  # another command may be changing the state: start nothing more
                        at = g.nodes[op]["change"].object_address
                        journal.end(intent[op])
                        progress("error", at, LOCK_LOST)
                        result.results.append(OpResult(op, at, op.action, False, error=LOCK_LOST))
                        walk.failed(op)
                        continue
                    running[pool.submit(run, op)] = op
                if not running:
                    continue
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: running[f]):
                    op = running.pop(fut)
                    r = fut.result()
                    result.results.append(r)
                    if r.ok:
                        walk.done(op)
                    else:
                        walk.failed(op)
        for op in walk.skipped:  # never attempted: nothing is pending for them
            journal.end(intent[op])
    finally:
        journal.close()
    for op, because in sorted(walk.skipped.items()):
        c = g.nodes[op]["change"]
        at = c.object_address
        result.results.append(OpResult(op, at, op.action, False, skipped_because=because))
        if because.address == at:
            # a replacement's other half: create-before-destroy makes the new copy first, else
            # the old one is deleted first
            copy = "new" if because.action.value == "create" else "old"
            why = f"not attempted: the {because.action.value} of its {copy} copy failed"
        else:
            why = f"not attempted: it depends on {because.address}, whose {because.action.value} failed"
        progress("skipped", at, why)
    result.outputs = _record_outputs(plan, store, live)
    if not result.failed:
        record_lifecycles(plan, store, live.resources)
    store.snapshot("destroy" if plan.mode == PlanMode.DESTROY else "apply")
    return result


LOCK_LOST = ("not attempted: the state lock was taken from this apply (`archform force-unlock`); "
             "what finished is recorded: run plan again")


class _LockWatch:
    """Whether the apply still holds its lock, read at most twice a second."""

    def __init__(self, store):
        self.store, self.next, self.gone = store, 0.0, False

    def lost(self) -> bool:
        if not self.gone and time.monotonic() >= self.next:
            self.next = time.monotonic() + 0.5
            taken = getattr(self.store, "lock_taken_away", None)
            self.gone = bool(taken and taken())
        return self.gone


class _Inline:
    """An executor that runs each call at once, in this thread (for one-at-a-time providers)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        from concurrent.futures import Future
        fut = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as e:
            fut.set_exception(e)
        return fut


def _record(c: Change, remote, live: "_Live", status: Status = Status.OK) -> StateResource:
    """The record of a finished create or update, with the ids of what it refers to now (so a
    later plan sees when one of them was replaced and this never moved onto the new copy)."""
    ref_ids = []
    for dep in c.deps:
        r = live.get(dep)
        if r is not None and r.id:
            ref_ids.append(r.id)
    return StateResource(c.address, c.kind, remote.id, c.region, c.name, c.key, c.after or {}, remote.attrs,
                         remote.outputs, tuple(c.deps), c.lifecycle, status, tuple(sorted(ref_ids)),
                         tuple(c.sensitive))


def _create(c: Change, op, intent: str, journal: _Journaling, provider, live: _Live, progress,
            token_base: str) -> OpResult:
    attrs = resolve_refs(c.after or {}, live.lookup)
    token = f"{token_base}/{c.address}"  # the same token the pending record carries
    old = live.get(c.address) if c.action is Action.REPLACE and c.create_before_destroy else None
    progress("start", c.address, "creating")
    try:
        remote = provider.create(c.kind, c.address, c.region, attrs, token)
    except OutcomeUnknown:
        raise  # it may exist: the pending record (with its token) stays for the next run to settle
    except ProviderError:
        journal.end(intent)  # the provider refused: it made nothing
        raise
    record = _record(c, remote, live)
    broken = _postconditions(c, remote)
    if old is not None:
        deposed = replace(old, address=str(c.object_key.deposed_copy()), status=Status.DEPOSED)
        live.set(deposed)
        journal.put([deposed, record], intent)
    else:
        journal.put([record], intent)
    live.set(record)
    if broken:  # it exists and is recorded, as made; what depends on it is not applied
        progress("error", c.address, broken)
        return OpResult(op, c.address, Action.CREATE, False, remote.id, error=broken, made=True)
    progress("done", c.address, f"created [id={remote.id}]")
    return OpResult(op, c.address, Action.CREATE, True, remote.id)


def _update(c: Change, op, intent: str, journal: _Journaling, provider, live: _Live, progress) -> OpResult:
    current = live.get(c.address)
    attrs = resolve_refs(c.after or {}, live.lookup)
    progress("start", c.address, "updating")
    try:
        remote = provider.update(c.kind, current.id, attrs, c.changed)
    except OutcomeUnknown:
        raise  # pending: the next run's refresh reads what the cloud holds
    except ProviderError:
        journal.end(intent)
        raise
    record = _record(c, remote, live)
    live.set(record)
    journal.put([record], intent)
    broken = _postconditions(c, remote)
    if broken:
        progress("error", c.address, broken)
        return OpResult(op, c.address, Action.UPDATE, False, remote.id, error=broken, made=True)
    progress("done", c.address, f"updated [id={remote.id}]")
    return OpResult(op, c.address, Action.UPDATE, True, remote.id)


def _postconditions(c: Change, remote) -> str:
    """Why the resource just created or updated fails its lifecycle postconditions ("" when it
    does not): each is read against what the provider reports, its attributes and exports."""
    if not c.lifecycle.postconditions:
        return ""
    from archform.dsl.conditions import failure
    secret = set(c.sensitive)  # a secret reads as null: a failure's message is shown and journaled
    applied = {k: x for k, x in {**(remote.attrs or {}), **(remote.outputs or {})}.items() if k not in secret}
    return "; ".join(f for f in (failure(p, applied) for p in c.lifecycle.postconditions) if f)


def _delete(c: Change, op, intent: str, journal: _Journaling, provider, live: _Live, progress) -> OpResult:
    at = c.object_address
    address = str(_deleted(c))
    current = live.get(address)
    if current is None:  # nothing recorded (already gone)
        journal.end(intent)
        return OpResult(op, at, Action.DELETE, True)
    progress("start", at, "destroying" + (" the old copy" if address != at else ""))
    try:
        provider.delete(current.kind, current.id)
    except OutcomeUnknown:
        raise  # pending: the next run reads whether it is gone
    except ProviderError:
        journal.end(intent)
        raise
    live.drop(address)
    journal.remove(address, intent)
    progress("done", at, "destroyed")
    return OpResult(op, at, Action.DELETE, True, current.id)


def _value(config, live: _Live):
    """An output's value from its configuration, over the records as they are now (none when
    something it reads is not recorded)."""
    try:
        return resolve_refs(config, live.lookup)
    except KeyError:
        return None


def _record_outputs(plan: Plan, store: StateStore, live: _Live) -> dict:
    outputs = {}
    for name, (_, after) in plan.outputs.items():
        if after is None:
            continue
        outputs[name] = {"config": after, "value": _value(after, live)}
        if name in plan.sensitive_outputs:
            outputs[name]["sensitive"] = True
    store.set_outputs(outputs)
    return outputs


def record_drift(plan: Plan, store: StateStore, snapshot: Snapshot) -> int:
    """A refresh-only apply: record what the provider holds now, in one state edit. A drifted
    attribute's record takes the provider's value both as applied and, in the configuration's
    terms, as what the record was made from — so the next plan compares the configuration with
    what really exists and still reverts the drift (unless `ignore_changes` covers it). A
    resource gone from the provider is forgotten (the next plan makes it again), and the outputs
    read what is recorded now (a forgotten resource's: none). `snapshot` is the state the plan
    was made from, read under the lock the caller holds. Returns the number of records changed."""
    recorded = dict(snapshot.resources)
    by_id = {r.id: address for address, r in recorded.items() if r.id}
    changed = 0
    with store.edit("refresh") as edit:
        for d in plan.drift:
            r = recorded.get(d.address)
            if r is None:
                continue
            changed += 1
            if d.after is None:
                del recorded[d.address]
                edit.remove(d.address)
                continue
            config = dict(r.config)
            for k in d.changed:
                config[k] = symbolic(d.after.get(k), by_id)
            recorded[d.address] = replace(r, config=config, applied={**r.applied, **d.after})
            edit.put(recorded[d.address])
        live = _Live(recorded)
        outputs = {name: {**o, "value": _value(o.get("config"), live)} for name, o in snapshot.outputs.items()}
        if outputs != snapshot.outputs:
            edit.set_outputs(outputs)
    return changed


def record_lifecycles(plan: Plan, store: StateStore, recorded: dict[str, StateResource]) -> int:
    """Record the `lifecycle` the configuration now gives resources that need no change (a
    `prevent_destroy = false` applied on its own): the record's is what protects a resource once
    its block is gone, so it must follow the configuration, or nothing could ever remove it.
    `recorded` is the state the caller holds under its lock (an apply's, as it ends). Returns the
    number of records changed."""
    if plan.mode == PlanMode.DESTROY:
        return 0
    stale = [c for c in plan.changes if c.action is Action.NOOP and c.deposed is None
             and c.address in recorded and recorded[c.address].lifecycle != c.lifecycle]
    if not stale:
        return 0  # no edit: the serial moves only when the record does
    with store.edit("lifecycle") as edit:
        for c in stale:
            r = edit.get(c.address)
            if r is not None:
                edit.put(replace(r, lifecycle=c.lifecycle))
    return len(stale)
