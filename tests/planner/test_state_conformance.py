"""The state store's contract, run against every store: SQLite and PostgreSQL.

Modelled on OpenTofu's `statemgr.TestFull`: one suite that any store must pass, so a second
store cannot drift from the first. It covers what the planner and the commands rely on —
records written and read back whole, transactions that commit or leave nothing, the serial and
lineage, pending operations, the workspace lock (its holder, its liveness, forcing it), history
snapshots and backups, outputs, secrets sealed at rest, checksums, and read-only use.
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from archform.dsl.desired import Lifecycle
from archform.planner.changes import Action
from archform.planner.secrets import MARK
from archform.planner.state import StateLocked, StateResource, Status, open_state
from archform.planner.state_backup import list_backups
from archform.planner.state_integrity import StateDamaged, StateError
import postgres_server

KEY = base64.b64encode(bytes(range(32))).decode()
SECRET = "hunter2-but-longer"


@pytest.fixture(scope="module")
def pg_server():
    if not postgres_server.available():
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    folder = Path(tempfile.mkdtemp(prefix="archform-pg-"))
    server = postgres_server.Server(folder, port=55433)
    url = server.start()
    yield url
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


class Backend:
    """Opens stores of one state (a SQLite file, or a PostgreSQL schema of its own)."""

    def __init__(self, kind: str, spec: str, spare: str):
        self.kind = kind
        self.spec = spec    # this test's state
        self.spare = spare  # a state nobody has made
        self.opened: list = []

    def open(self, workspace: str = "default", *, readonly: bool = False, spec: str | None = None):
        store = open_state(spec or self.spec, workspace, readonly=readonly)
        self.opened.append(store)
        return store

    def close(self):
        for s in self.opened:
            try:
                s.close()
            except Exception:
                pass


_schemas = iter(range(10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHFORM_STATE_KEY", KEY)
    if request.param == "sqlite":
        b = Backend("sqlite", str(tmp_path / "state.db"), str(tmp_path / "missing.db"))
    else:
        url = request.getfixturevalue("pg_server")
        n = next(_schemas)
        b = Backend("postgresql", f"{url}&schema=conformance_{n}", f"{url}&schema=missing_{n}")
    yield b
    b.close()


def _record(address: str = "prod.db", **kw) -> StateResource:
    fields = dict(kind="database", id=f"id-{address}", region="eu-west-1", name=address.split(".")[-1],
                  key=None, config={"engine": "postgres", "tags": {"b": "2", "a": "1"}, "vpc": {"$ref": "prod.vpc"},
                                    "size": 2**70, "name": "ünïcode"},
                  applied={"engine": "postgres", "endpoint": "db.example.com"}, outputs={"id": f"id-{address}"},
                  deps=("prod.vpc",), lifecycle=Lifecycle(prevent_destroy=True, ignore_changes=("tags",)),
                  status=Status.OK, ref_ids=("id-prod.vpc",), sensitive=())
    fields.update(kw)
    return StateResource(address, **fields)


def _raw_docs(store) -> str:
    """Every resource row's stored document, as the database holds it (through the store's own
    connection and dialect)."""
    with store._read() as conn:
        return "\n".join(r[4] for r in conn.execute(store.sql.resource_docs, (store.workspace,)))


# --- a new state -----------------------------------------------------------------------------

def test_a_new_state_is_empty_and_has_a_lineage(backend):
    store = backend.open()
    snap = store.read()
    assert (snap.workspace, snap.serial, snap.resources, snap.outputs, snap.pending) == ("default", 0, {}, {}, [])
    assert len(snap.lineage) == 36
    assert store.workspaces() == ["default"]
    assert store.history() == []
    assert backend.open().read().lineage == snap.lineage  # another connection, the same state


# --- records ---------------------------------------------------------------------------------

def test_which_other_workspaces_record_an_object(backend):
    """What `import` reads to refuse an object another workspace already manages."""
    staging, prod = backend.open("staging"), backend.open("prod")
    staging.put(_record("primary.data", id="bucket-1"))
    prod.put(_record("primary.data", id="bucket-2"))
    default = backend.open()
    assert default.held_elsewhere("bucket-1") == [("staging", "primary.data")]
    assert staging.held_elsewhere("bucket-1") == [] and default.held_elsewhere("bucket-3") == []


def test_records_read_back_exactly_as_written(backend):
    store = backend.open()
    vpc = _record("prod.vpc", kind="vpc", deps=(), ref_ids=(), lifecycle=Lifecycle(), config={"cidr": "10.0.0.0/16"})
    db = _record()
    tainted = _record("prod.db[b]", key="b", status=Status.TAINTED)
    store.put(vpc)
    store.put_many([db, tainted])
    for reader in (store, backend.open()):
        assert reader.read().resources == {"prod.vpc": vpc, "prod.db": db, "prod.db[b]": tainted}
    snap = store.read()
    assert snap.resources["prod.db"].lifecycle.ignore_changes == ("tags",)
    assert snap.resources["prod.db[b]"].status is Status.TAINTED
    store.remove("prod.db[b]")
    changed = _record(config={"engine": "mysql"})
    store.put(changed)
    assert store.read().resources == {"prod.vpc": vpc, "prod.db": changed}


def test_a_commit_applies_its_writes_in_order_and_ends_its_pending_operations(backend):
    store = backend.open()
    first, second = store.begin_many([{"address": "prod.db", "kind": "database", "action": Action.CREATE},
                                      {"address": "prod.vpc", "kind": "vpc", "action": Action.CREATE}])
    old, new = _record(id="id-old"), _record(id="id-new")
    store.commit([("prod.db", old), ("prod.vpc", _record("prod.vpc")), ("prod.db", None), ("prod.db", new),
                  ("prod.vpc", None)], [first])
    snap = store.read()
    assert snap.resources == {"prod.db": new}  # the last write to an address is what stays
    assert [p.op_id for p in snap.pending] == [second]


def test_an_edit_that_fails_changes_nothing(backend):
    store = backend.open()
    store.put(_record())
    before = store.read()
    with pytest.raises(RuntimeError):
        with store.edit("state rm") as edit:
            edit.remove("prod.db")
            edit.put(_record("prod.other"))
            edit.set_outputs({"x": {"value": 1}})
            raise RuntimeError("interrupted")
    after = store.read()
    assert (after.serial, after.resources, after.outputs) == (before.serial, before.resources, before.outputs)
    assert store.history() == []


def test_an_edit_sees_its_own_changes_and_commits_them_with_one_serial_and_one_snapshot(backend):
    store = backend.open()
    store.put(_record())
    with store.edit("import prod.cache") as edit:
        assert edit.serial == 1
        edit.put(_record("prod.cache", kind="cache"))
        assert edit.get("prod.cache") == _record("prod.cache", kind="cache")
        edit.remove("prod.db")
        assert edit.get("prod.db") is None
        assert edit.addresses() == ["prod.cache"]
    snap = store.read()
    assert snap.serial == 1 and list(snap.resources) == ["prod.cache"]
    assert [(s, r) for s, _, r in store.history()] == [(1, "import prod.cache")]


def test_a_rename_moves_the_record_and_the_references_to_it(backend):
    store = backend.open()
    store.put_many([_record("prod.vpc", kind="vpc", deps=(), config={"cidr": "10.0.0.0/16"}), _record()])
    store.rename("prod.vpc", "prod.network")
    snap = store.read()
    assert sorted(snap.resources) == ["prod.db", "prod.network"]
    assert snap.resources["prod.network"].address == "prod.network"
    assert snap.resources["prod.db"].config["vpc"] == {"$ref": "prod.network"}
    assert snap.resources["prod.db"].deps == ("prod.network",)
    with pytest.raises(KeyError):
        store.rename("prod.db", "prod.network")  # taken
    with pytest.raises(KeyError):
        store.rename("prod.gone", "prod.elsewhere")


def test_a_restore_replaces_everything_and_sets_the_identity(backend):
    store = backend.open()
    store.put(_record())
    store.begin("prod.db", "database", Action.DELETE, provider_id="id-prod.db")
    lineage = store.read().lineage
    with store.edit("restore") as edit:
        edit.replace_all([_record("prod.cache", kind="cache")], {"url": {"value": "https://x"}})
        edit.set_identity(lineage, 7)
    snap = store.read()
    assert (snap.lineage, snap.serial) == (lineage, 7)
    assert list(snap.resources) == ["prod.cache"] and snap.pending == []
    assert snap.outputs == {"url": {"value": "https://x"}}


# --- serial and lineage ----------------------------------------------------------------------

def test_the_serial_counts_edits_and_the_lineage_never_changes(backend):
    store = backend.open()
    lineage = store.read().lineage
    assert store.bump_serial() == 1
    with store.edit("state mv"):
        pass
    store.put(_record())  # an apply's records: the serial was bumped when the apply began
    store.set_outputs({"a": {"value": 1}})
    snap = backend.open().read()
    assert (snap.lineage, snap.serial) == (lineage, 2)


def test_workspaces_are_separate_states(backend):
    prod, staging = backend.open("prod"), backend.open("staging")
    prod.put(_record())
    prod.bump_serial()
    assert staging.read().resources == {} and staging.read().serial == 0
    assert prod.read().lineage != staging.read().lineage
    assert prod.workspaces() == ["prod", "staging"]


# --- pending operations ----------------------------------------------------------------------

def test_pending_operations_are_kept_until_they_end(backend):
    store = backend.open()
    detail = {"address": "prod.db", "config": {"engine": "postgres"}, "deps": ["prod.vpc"]}
    create = store.begin("prod.db", "database", Action.CREATE, token="lineage/1/prod.db", detail=detail)
    delete, update = store.begin_many([
        {"address": "prod.old~deposed", "kind": "database", "action": Action.DELETE, "provider_id": "id-1",
         "detail": {"address": "prod.old~deposed"}},
        {"address": "prod.vpc", "kind": "vpc", "action": Action.UPDATE, "provider_id": "id-2"}])
    assert len({create, delete, update}) == 3
    pending = {p.op_id: p for p in backend.open().read().pending}
    assert [p.op_id for p in store.read().pending] == sorted(pending)
    p = pending[create]
    assert (p.address, p.kind, p.action, p.token, p.provider_id, p.detail) == \
        ("prod.db", "database", Action.CREATE, "lineage/1/prod.db", None, detail)
    assert pending[delete].action is Action.DELETE and pending[delete].provider_id == "id-1"
    assert pending[update].detail == {}
    store.end(create)
    store.commit((), [delete])
    assert [p.op_id for p in store.read().pending] == [update]


# --- the lock --------------------------------------------------------------------------------

def test_the_lock_is_held_by_one_command_and_names_it(backend):
    first, second = backend.open(), backend.open()
    held = first.lock("apply", "2026-01-01T00:00:00Z")
    assert second.lock_holder() == held and second.holder_alive()
    with pytest.raises(StateLocked) as e:
        second.lock("plan", "2026-01-01T00:00:01Z")
    assert e.value.holder == held
    first.unlock()
    assert second.lock_holder() is None and not second.holder_alive()
    mine = second.lock("plan", "2026-01-01T00:00:02Z")
    assert first.lock_holder() == mine
    second.unlock()


def test_force_unlock_needs_the_lock_id_and_frees_the_state(backend):
    holder, other = backend.open(), backend.open()
    held = holder.lock("apply", "then")
    assert not other.force_unlock("not-the-id")
    assert other.force_unlock(held.lock_id)
    assert other.lock_holder() is None
    other.lock("plan", "now")
    other.unlock()


def test_the_lock_of_a_killed_command_is_released(backend):
    code = ("import sys, time; from archform.planner.state import open_state; "
            "s = open_state(sys.argv[1]); s.lock('apply', 'then'); print('locked', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, backend.spec], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        store = backend.open()
        with pytest.raises(StateLocked):
            store.lock("plan", "now")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store.lock("plan", "now", timeout=30)  # the OS or the server notices the holder is gone
        assert store.released_stale is not None and store.released_stale.pid == proc.pid
        store.unlock()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


# --- history and backups ---------------------------------------------------------------------

def test_history_keeps_snapshots_as_the_state_was(backend, monkeypatch):
    monkeypatch.setenv("ARCHFORM_STATE_HISTORY", "2")
    store = backend.open()
    store.put(_record())
    store.bump_serial()
    store.set_outputs({"zeta": {"value": 1}, "alpha": {"config": {"$ref": "prod.db"}, "value": "id-prod.db"}})
    store.snapshot("apply")
    first = store.read(unsealed=False).json()
    assert store.history_snapshot(1) == first
    with store.edit("state rm prod.db") as edit:
        edit.remove("prod.db")
    with store.edit("import prod.db") as edit:
        edit.put(_record())
    lineage = store.read().lineage
    assert backend.open().history() == [(2, lineage, "state rm prod.db"), (3, lineage, "import prod.db")]
    assert store.history_snapshot(1) is None  # beyond $ARCHFORM_STATE_HISTORY
    assert store.history_snapshot(2)["resources"] == [] and store.history_snapshot(2)["serial"] == 2
    assert store.history_snapshot(3) == store.read(unsealed=False).json()
    backups = list_backups(store.path, "default")
    if store.keeps_backup_files:  # a file beside the state: readable when the database is not
        assert [s for s, _ in backups] == [1, 2, 3]
        assert json.loads(backups[-1][1].read_text()) == store.history_snapshot(3)
    else:  # the server's own backups keep a PostgreSQL state
        assert backups == []


# --- outputs and secrets ---------------------------------------------------------------------

def test_outputs_are_replaced_as_a_whole(backend):
    store = backend.open()
    store.set_outputs({"b": {"config": {"$ref": "prod.db", "attr": "endpoint"}, "value": "db.example.com"},
                       "a": {"config": "x", "value": "x"}})
    assert backend.open().read().outputs == {
        "a": {"config": "x", "value": "x"},
        "b": {"config": {"$ref": "prod.db", "attr": "endpoint"}, "value": "db.example.com"}}
    store.set_outputs({"c": {"config": 1, "value": 1}})
    assert store.read().outputs == {"c": {"config": 1, "value": 1}}


def test_secrets_are_sealed_at_rest_and_read_back_with_the_key(backend):
    store = backend.open()
    db = _record(config={"engine": "postgres", "master_password": SECRET},
                 applied={"engine": "postgres", "master_password": SECRET}, outputs={"password": SECRET},
                 sensitive=("master_password", "password"))
    store.put(db)
    store.set_outputs({"password": {"config": SECRET, "value": SECRET, "sensitive": True}})
    store.snapshot("apply")
    assert SECRET not in _raw_docs(store)
    assert SECRET not in json.dumps(store.history_snapshot(0))
    sealed = store.read(unsealed=False)
    assert MARK in sealed.resources["prod.db"].config["master_password"]
    assert MARK in sealed.outputs["password"]["value"]
    snap = backend.open().read()
    assert snap.resources["prod.db"] == db
    assert snap.outputs["password"] == {"config": SECRET, "value": SECRET, "sensitive": True}


# --- integrity -------------------------------------------------------------------------------

def test_a_record_changed_behind_the_stores_back_is_reported(backend):
    store = backend.open()
    store.put_many([_record(), _record("prod.cache", kind="cache")])
    m = store.sql.mark
    with store._tx() as conn:  # as a hand edit, or a flipped byte, would
        conn.execute(f"UPDATE resources SET doc = replace(doc, 'postgres', 'mysql') WHERE workspace = {m} "
                     f"AND address = {m}", (store.workspace, "prod.db"))
    with pytest.raises(StateDamaged, match="prod.db"):
        backend.open().read()


# --- read-only -------------------------------------------------------------------------------

def test_read_only_reads_everything_and_writes_nothing(backend):
    writer = backend.open()
    writer.put(_record())
    writer.set_outputs({"a": {"config": 1, "value": 1}})
    writer.begin("prod.db", "database", Action.UPDATE, provider_id="id-prod.db")
    writer.bump_serial()
    writer.snapshot("apply")
    reader = backend.open(readonly=True)
    ro, rw = reader.read(), writer.read()
    assert (ro.lineage, ro.serial, ro.resources, ro.outputs) == (rw.lineage, rw.serial, rw.resources, rw.outputs)
    assert [p.op_id for p in ro.pending] == [p.op_id for p in rw.pending]
    assert reader.history() == writer.history() and reader.workspaces() == ["default"]
    assert reader.history_snapshot(1) == writer.history_snapshot(1)
    writes = [lambda: reader.put(_record("prod.x")), lambda: reader.remove("prod.db"),
              lambda: reader.commit([("prod.db", None)]), lambda: reader.rename("prod.db", "prod.y"),
              lambda: reader.set_outputs({}), lambda: reader.bump_serial(), lambda: reader.snapshot("x"),
              lambda: reader.begin("prod.db", "database", Action.DELETE), lambda: reader.edit("x").__enter__(),
              lambda: reader.lock("plan", "now")]
    for write in writes:
        with pytest.raises(StateError, match="read-only"):
            write()
    assert writer.read().resources == rw.resources and writer.read().serial == rw.serial
    assert reader.lock_holder() is None


def test_read_only_never_makes_a_workspace(backend):
    """Reading a workspace nobody wrote finds it empty, and leaves it unmade; a state nobody made
    is refused (a SQLite file that is not there) or found empty (a PostgreSQL schema)."""
    assert backend.open().read().serial == 0
    for _ in range(2):  # the first read left nothing behind
        empty = backend.open("staging", readonly=True).read()
        assert (empty.lineage, empty.serial, empty.resources, empty.pending) == ("", 0, {}, [])
    assert backend.open().workspaces() == ["default"]
    try:
        nobodys = backend.open(readonly=True, spec=backend.spare)
    except StateError as e:
        assert "no state" in str(e)
    else:
        assert nobodys.workspaces() == [] and nobodys.read().lineage == ""
        assert nobodys.workspaces() == []


def test_an_empty_workspace_can_be_deleted_and_one_with_records_cannot(backend):
    from archform.planner.state import StateError
    keep, empty = backend.open("prod"), backend.open("prdo")
    keep.put(_record())
    empty.read()  # made by a command that wrote it
    with pytest.raises(StateError, match="still records resources"):
        keep.delete_workspace()
    empty.delete_workspace()
    assert backend.open().workspaces() == ["prod"]
    assert keep.read().resources.keys() == {"prod.db"}
