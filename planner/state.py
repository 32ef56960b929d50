"""archform's state: what it has made, kept in SQLite (`.archform/state.db` by default).

Per workspace: a lineage (fixed when the workspace is born) and a serial (bumped once per
apply or state edit, so a saved plan knows when it is stale); one row per resource
(address, kind, provider id, the configuration it was made from, the attributes the
provider reported, its exports, dependencies and lifecycle); outputs; a pending-operation
row written before every provider call and removed after it; a lock naming its holder; and a
history of snapshots.

Every finished resource operation is its own committed transaction, so a crash loses nothing
that finished; SQLite's journal makes each write atomic (no truncate-then-write).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from .references import rename_refs

DEFAULT_PATH = Path(".archform") / "state.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
  name TEXT PRIMARY KEY, lineage TEXT NOT NULL, serial INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
  workspace TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, provider_id TEXT,
  status TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (workspace, address));
CREATE TABLE IF NOT EXISTS outputs (
  workspace TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (workspace, name));
CREATE TABLE IF NOT EXISTS pending (
  workspace TEXT NOT NULL, op_id TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL,
  action TEXT NOT NULL, token TEXT, provider_id TEXT, detail TEXT NOT NULL,
  PRIMARY KEY (workspace, op_id));
CREATE TABLE IF NOT EXISTS locks (
  workspace TEXT PRIMARY KEY, lock_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
  command TEXT NOT NULL, since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
  workspace TEXT NOT NULL, serial INTEGER NOT NULL, lineage TEXT NOT NULL, reason TEXT NOT NULL,
  snapshot TEXT NOT NULL, PRIMARY KEY (workspace, lineage, serial));
"""


SCHEMA_VERSION = 2


def _migrate(conn):
    """Bring an older state database up to SCHEMA_VERSION, keeping every record."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    columns = [r[1] for r in conn.execute("PRAGMA table_info(resources)")]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"this state was written by a newer archform (schema {version}); upgrade archform")
    if columns and "doc" not in columns:  # version 1: one column per part of the record
        rows = conn.execute("SELECT workspace, address, kind, provider_id, region, name, key, config, applied, "
                            "outputs, deps, lifecycle, status FROM resources").fetchall()
        conn.execute("ALTER TABLE resources RENAME TO resources_v1")
        conn.execute("CREATE TABLE resources (workspace TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, "
                     "provider_id TEXT, status TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (workspace, address))")
        for (ws, address, kind, pid, region, name, key, config, applied, outputs, deps, lifecycle, status) in rows:
            doc = {"region": region, "name": name or "", "key": key, "config": json.loads(config),
                   "applied": json.loads(applied), "outputs": json.loads(outputs), "deps": json.loads(deps),
                   "lifecycle": json.loads(lifecycle)}
            conn.execute("INSERT INTO resources VALUES (?,?,?,?,?,?)", (ws, address, kind, pid, status, _dumps(doc)))
        conn.execute("DROP TABLE resources_v1")


def _dumps(x) -> str:
    try:  # orjson: the same compact, sorted text, several times faster
        return orjson.dumps(x, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, say
        return json.dumps(x, sort_keys=True, separators=(",", ":"))


def _doc(r: "StateResource") -> str:
    """One JSON document per resource: one decode per row when the state is read."""
    return _dumps({"region": r.region, "name": r.name, "key": r.key, "config": r.config, "applied": r.applied,
                   "outputs": r.outputs, "deps": list(r.deps), "lifecycle": r.lifecycle})


@dataclass(frozen=True)
class StateResource:
    address: str
    kind: str
    id: str | None
    region: str | None = None
    name: str = ""
    key: str | None = None
    config: dict = field(default_factory=dict)   # attributes as configured (references symbolic)
    applied: dict = field(default_factory=dict)  # attributes as the provider reported them
    outputs: dict = field(default_factory=dict)  # exported values
    deps: tuple[str, ...] = ()
    lifecycle: dict = field(default_factory=dict)
    status: str = "ok"                           # ok | tainted

    def json(self) -> dict:
        return {"address": self.address, "kind": self.kind, "id": self.id, "region": self.region,
                "name": self.name, "key": self.key, "config": self.config, "applied": self.applied,
                "outputs": self.outputs, "depends_on": list(self.deps), "lifecycle": self.lifecycle,
                "status": self.status}

    @classmethod
    def from_json(cls, d: dict) -> "StateResource":
        return cls(d["address"], d["kind"], d.get("id"), d.get("region"), d.get("name", ""), d.get("key"),
                   d.get("config", {}), d.get("applied", {}), d.get("outputs", {}),
                   tuple(d.get("depends_on", ())), d.get("lifecycle", {}), d.get("status", "ok"))


@dataclass(frozen=True)
class Pending:
    op_id: str
    address: str
    kind: str
    action: str
    token: str | None
    provider_id: str | None
    detail: dict


@dataclass
class Snapshot:
    workspace: str
    lineage: str
    serial: int
    resources: dict[str, StateResource] = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)

    def json(self) -> dict:
        return {"workspace": self.workspace, "lineage": self.lineage, "serial": self.serial,
                "resources": [self.resources[a].json() for a in sorted(self.resources)],
                "outputs": {k: self.outputs[k] for k in sorted(self.outputs)}}


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    pid: int
    host: str
    command: str
    since: str

    def describe(self) -> str:
        return f"{self.command!r} (pid {self.pid} on {self.host}, since {self.since}, lock id {self.lock_id})"


class StateLocked(Exception):
    def __init__(self, workspace: str, holder: LockInfo):
        super().__init__(f"state of workspace '{workspace}' is locked by {holder.describe()}")
        self.workspace = workspace
        self.holder = holder


def is_url(spec) -> bool:
    return str(spec).startswith(("postgresql://", "postgres://"))


def open_state(spec=DEFAULT_PATH, workspace: str = "default") -> "StateStore":
    """The state named by `spec`: a SQLite file path, or a `postgresql://` URL (for teams)."""
    if is_url(spec):
        from .state_postgres import PostgresStateStore
        return PostgresStateStore(str(spec), workspace)
    return StateStore(spec, workspace)


def exists(spec) -> bool:
    return is_url(spec) or Path(spec).exists()


# the statements that write a row whether or not it exists (state_postgres translates them)
UPSERT_RESOURCE = "INSERT OR REPLACE INTO resources VALUES (?,?,?,?,?,?)"
UPSERT_HISTORY = "INSERT OR REPLACE INTO history VALUES (?,?,?,?,?)"


def _resource(address: str, kind: str, provider_id, status: str, doc: dict) -> StateResource:
    """A resources row (its JSON document decoded) as a record."""
    return StateResource(address, kind, provider_id, doc["region"], doc["name"], doc["key"], doc["config"],
                         doc["applied"], doc["outputs"], tuple(doc["deps"]), doc["lifecycle"], status)


class StateStore:
    """One SQLite database; safe to share between the threads of one apply."""

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, workspace: str = "default"):
        self.path = Path(path)
        self.workspace = workspace
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._mutex = threading.RLock()
        with self._tx() as conn:
            _migrate(conn)
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._lock_id: str | None = None
        self.released_stale: LockInfo | None = None

    def close(self):
        with self._mutex:
            self._conn.close()

    @contextmanager
    def _tx(self):
        with self._mutex:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    # -- workspace ---------------------------------------------------------------------------
    def _ensure_workspace(self, conn) -> tuple[str, int]:
        row = conn.execute("SELECT lineage, serial FROM workspaces WHERE name=?", (self.workspace,)).fetchone()
        if row is None:
            lineage = str(uuid.uuid4())
            conn.execute("INSERT INTO workspaces VALUES (?,?,?)", (self.workspace, lineage, 0))
            return lineage, 0
        return row[0], row[1]

    def workspaces(self) -> list[str]:
        with self._mutex:
            return [r[0] for r in self._conn.execute("SELECT name FROM workspaces ORDER BY name")]

    def read(self) -> Snapshot:
        """The whole state of this workspace, read in one transaction."""
        with self._tx() as conn:
            lineage, serial = self._ensure_workspace(conn)
            resources = {}
            loads = orjson.loads
            for address, kind, pid, status, doc in conn.execute(
                    "SELECT address, kind, provider_id, status, doc FROM resources WHERE workspace=? "
                    "ORDER BY address", (self.workspace,)):
                resources[address] = _resource(address, kind, pid, status, loads(doc))
            outputs = {r[0]: json.loads(r[1]) for r in conn.execute(
                "SELECT name, value FROM outputs WHERE workspace=? ORDER BY name", (self.workspace,))}
            pending = [Pending(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in conn.execute(
                "SELECT op_id, address, kind, action, token, provider_id, detail FROM pending "
                "WHERE workspace=? ORDER BY op_id", (self.workspace,))]
        return Snapshot(self.workspace, lineage, serial, resources, outputs, pending)

    def bump_serial(self) -> int:
        with self._tx() as conn:
            _, serial = self._ensure_workspace(conn)
            conn.execute("UPDATE workspaces SET serial=? WHERE name=?", (serial + 1, self.workspace))
            return serial + 1

    # -- resources ---------------------------------------------------------------------------
    def put(self, r: StateResource, clear_pending: str | None = None):
        """Record a finished operation (and drop its pending row) in one transaction."""
        self.put_many([r], clear_pending)

    def put_many(self, rs: list[StateResource], clear_pending: str | None = None):
        with self._tx() as conn:
            self._ensure_workspace(conn)
            self._finish(conn, rs, [], [clear_pending] if clear_pending else [])

    def remove(self, address: str, clear_pending: str | None = None):
        with self._tx() as conn:
            self._finish(conn, [], [address], [clear_pending] if clear_pending else [])

    def rename(self, old: str, new: str):
        with self._tx() as conn:
            row = conn.execute("SELECT 1 FROM resources WHERE workspace=? AND address=?",
                               (self.workspace, new)).fetchone()
            if row is not None:
                raise KeyError(f"'{new}' is already in the state")
            cur = conn.execute("UPDATE resources SET address=? WHERE workspace=? AND address=?",
                               (new, self.workspace, old))
            if cur.rowcount == 0:
                raise KeyError(f"'{old}' is not in the state")
            # references to the old address in other records follow the rename
            rows = conn.execute("SELECT address, doc FROM resources WHERE workspace=? AND instr(doc, ?) > 0",
                                (self.workspace, _dumps(old))).fetchall()
            for address, doc in rows:
                d = json.loads(doc)
                d["config"] = rename_refs(d["config"], {old: new})
                d["deps"] = [new if x == old else x for x in d["deps"]]
                conn.execute("UPDATE resources SET doc=? WHERE workspace=? AND address=?",
                             (_dumps(d), self.workspace, address))

    def set_outputs(self, outputs: dict):
        with self._tx() as conn:
            conn.execute("DELETE FROM outputs WHERE workspace=?", (self.workspace,))
            conn.executemany("INSERT INTO outputs VALUES (?,?,?)",
                             [(self.workspace, k, _dumps(v)) for k, v in sorted(outputs.items())])

    # -- pending operations ------------------------------------------------------------------
    def begin(self, address: str, kind: str, action: str, token: str | None = None,
              provider_id: str | None = None, detail: dict | None = None) -> str:
        """Write the pending record before a provider call; returns its id."""
        op_id = uuid.uuid4().hex
        with self._tx() as conn:
            conn.execute("INSERT INTO pending VALUES (?,?,?,?,?,?,?,?)",
                         (self.workspace, op_id, address, kind, action, token, provider_id, _dumps(detail or {})))
        return op_id

    def begin_many(self, ops: list[dict]) -> list[str]:
        """Pending records for many operations in one transaction (an apply writes its whole
        intent before the first provider call). Each dict: address, kind, action, token,
        provider_id, detail."""
        ids = [uuid.uuid4().hex for _ in ops]
        with self._tx() as conn:
            conn.executemany("INSERT INTO pending VALUES (?,?,?,?,?,?,?,?)",
                             [(self.workspace, op_id, o["address"], o["kind"], o["action"], o.get("token"),
                               o.get("provider_id"), _dumps(o.get("detail") or {})) for op_id, o in zip(ids, ops)])
        return ids

    def finish_many(self, puts: list[StateResource], removes: list[str], ends: list[str]):
        """Finished operations, in one transaction: records written, records removed, and their
        pending records dropped."""
        with self._tx() as conn:
            self._finish(conn, puts, removes, ends)

    def end(self, op_id: str):
        with self._tx() as conn:
            self._finish(conn, [], [], [op_id])

    def _finish(self, conn, puts: list[StateResource], removes: list[str], ends: list[str]):
        if puts:
            conn.executemany(UPSERT_RESOURCE, [(self.workspace, r.address, r.kind, r.id, r.status, _doc(r))
                                               for r in puts])
        if removes:
            conn.executemany("DELETE FROM resources WHERE workspace=? AND address=?",
                             [(self.workspace, a) for a in removes])
        if ends:
            conn.executemany("DELETE FROM pending WHERE workspace=? AND op_id=?",
                             [(self.workspace, op) for op in ends])

    # -- history -----------------------------------------------------------------------------
    def snapshot(self, reason: str):
        """Keep a copy of the state as it is now, as `state pull` shows it (Snapshot.json()).

        Built row by row in the one transaction that stores it: a copy of 50,000 records is
        written without holding the whole state as objects at once."""
        loads = orjson.loads
        with self._tx() as conn:
            lineage, serial = self._ensure_workspace(conn)
            rows = [(address, _dumps(_resource(address, kind, pid, status, loads(doc)).json()))
                    for address, kind, pid, status, doc in conn.execute(
                        "SELECT address, kind, provider_id, status, doc FROM resources WHERE workspace=?",
                        (self.workspace,))]
            rows.sort()  # by address, as Python orders text (a server's collation may not)
            outputs = {r[0]: loads(r[1]) for r in conn.execute(
                "SELECT name, value FROM outputs WHERE workspace=?", (self.workspace,))}
            # the keys in sorted order, as _dumps writes every object
            text = "".join(['{"lineage":', _dumps(lineage), ',"outputs":', _dumps(outputs), ',"resources":[',
                            ",".join(doc for _, doc in rows), '],"serial":', str(serial), ',"workspace":',
                            _dumps(self.workspace), "}"])
            del rows
            conn.execute(UPSERT_HISTORY,
                         (self.workspace, serial, lineage, reason, text))

    def history(self) -> list[tuple[int, str, str]]:
        with self._mutex:
            return [(r[0], r[1], r[2]) for r in self._conn.execute(
                "SELECT serial, lineage, reason FROM history WHERE workspace=? ORDER BY serial",
                (self.workspace,))]

    def history_snapshot(self, serial: int) -> dict | None:
        with self._mutex:
            row = self._conn.execute("SELECT snapshot FROM history WHERE workspace=? AND serial=? "
                                     "ORDER BY lineage", (self.workspace, serial)).fetchone()
        return json.loads(row[0]) if row else None

    # -- locking -----------------------------------------------------------------------------
    def lock(self, command: str, since: str) -> LockInfo:
        """Take the workspace lock or raise StateLocked naming the holder. A lock whose holder
        process is gone (same host, pid no longer running) is released with a note."""
        info = LockInfo(uuid.uuid4().hex[:12], os.getpid(), socket.gethostname(), command, since)
        with self._tx() as conn:
            row = conn.execute("SELECT lock_id, pid, host, command, since FROM locks WHERE workspace=?",
                               (self.workspace,)).fetchone()
            if row is not None:
                holder = LockInfo(*row)
                if not (holder.host == info.host and not _pid_alive(holder.pid)):
                    raise StateLocked(self.workspace, holder)
                self.released_stale = holder
                conn.execute("DELETE FROM locks WHERE workspace=?", (self.workspace,))
            else:
                self.released_stale = None
            conn.execute("INSERT INTO locks VALUES (?,?,?,?,?,?)",
                         (self.workspace, info.lock_id, info.pid, info.host, info.command, info.since))
        self._lock_id = info.lock_id
        return info

    def unlock(self):
        if self._lock_id is None:
            return
        with self._tx() as conn:
            conn.execute("DELETE FROM locks WHERE workspace=? AND lock_id=?", (self.workspace, self._lock_id))
        self._lock_id = None

    def lock_holder(self) -> LockInfo | None:
        with self._mutex:
            row = self._conn.execute("SELECT lock_id, pid, host, command, since FROM locks WHERE workspace=?",
                                     (self.workspace,)).fetchone()
        return LockInfo(*row) if row else None

    def force_unlock(self, lock_id: str) -> bool:
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM locks WHERE workspace=? AND lock_id=?", (self.workspace, lock_id))
            return cur.rowcount > 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True
