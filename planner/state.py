"""archform's state: what it has made, kept in SQLite (`.archform/state.db` by default).

Per workspace: a lineage (fixed when the workspace is born) and a serial (bumped once per
apply or state edit, so a saved plan knows when it is stale); one row per resource
(address, kind, provider id, the configuration it was made from, the attributes the
provider reported, its exports, dependencies and lifecycle) with its checksum; outputs; a
pending-operation row written before every provider call and removed after it; a lock row
naming its holder; and a history of snapshots.

Every finished resource operation is committed within milliseconds, so a crash loses nothing
that finished; SQLite's journal makes each write atomic (no truncate-then-write). Writes to
one address in one transaction take effect in the order they were made (a replacement's
delete, then its create). Every state edit — an apply's start, `state rm A B C`, `state mv`,
import, refresh, restore — is one transaction with its serial bump and history snapshot:
all of it happens or none. Reading checks every record against its checksum
(`state_integrity`); the lock is an OS lock held for the command's life (`state_lock`);
snapshots are kept as history and as files beside the state (`state_backup`). The statements
are the store's `sql`, a `state_sql.Dialect` (PostgreSQL's store is this one with its own).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterable

import orjson

from archform.dsl.desired import Lifecycle

from .changes import Action
from .references import rename_refs
from .secrets import seal, unseal
from .state_schema import NEWER, SCHEMA, SCHEMA_VERSION, add_checksums, _migrate_v1
from .state_sql import SQLITE, Dialect
from .state_records import (DEPOSED, LockInfo, ObjectKey, Pending, Snapshot, StateLocked,  # noqa: F401 (re-exported)
                            StateResource, Status)
from .state_backup import history_keep, newest_backup_with_resources, remove_backups, write_backup
from .state_integrity import (APPLICATION_ID, StateDamaged, StateError, check_file, damaged_records,
                              restore_hint, row_digest, sqlite_error)
from .state_lock import FileLock, Locking

DEFAULT_PATH = Path(".archform") / "state.db"

def _dumps(x) -> str:
    try:  # orjson: the same compact, sorted text, several times faster
        return orjson.dumps(x, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, say
        return json.dumps(x, sort_keys=True, separators=(",", ":"))


def _doc(r: "StateResource") -> str:
    """One JSON document per resource: one decode per row when the state is read. The values
    of sensitive attributes are written encrypted (`planner.secrets`)."""
    doc = {"region": r.region, "name": r.name, "key": r.key, "config": r.config, "applied": r.applied,
           "outputs": r.outputs, "deps": list(r.deps), "lifecycle": r.lifecycle.json()}
    if r.ref_ids:
        doc["ref_ids"] = list(r.ref_ids)
    if r.sensitive:
        doc["sensitive"] = list(r.sensitive)
        for part in ("config", "applied", "outputs"):
            doc[part] = seal(doc[part], r.sensitive)
    return _dumps(doc)


def is_url(spec) -> bool:
    return str(spec).startswith(("postgresql://", "postgres://"))


def open_state(spec=DEFAULT_PATH, workspace: str = "default", *, readonly: bool = False) -> "StateStore":
    """The state named by `spec`: a SQLite file path, or a `postgresql://` URL (for teams).
    `readonly`: for commands that only look (never creates, migrates or locks anything)."""
    if is_url(spec):
        from .state_postgres import PostgresStateStore
        return PostgresStateStore(str(spec), workspace, readonly=readonly)
    return StateStore(spec, workspace, readonly=readonly)


def exists(spec) -> bool:
    return is_url(spec) or Path(spec).exists()


def _resource(address: str, kind: str, provider_id, status: str, doc: dict, unsealed: bool = False) -> StateResource:
    """A resources row (its JSON document decoded) as a record; `unsealed`: with its sensitive
    values decrypted (for planning), else as stored (for snapshots and listings)."""
    config, applied, outputs = doc["config"], doc["applied"], doc["outputs"]
    sensitive = tuple(doc.get("sensitive", ()))
    if sensitive and unsealed:
        config, applied, outputs = unseal(config), unseal(applied), unseal(outputs)
    return StateResource(address, kind, provider_id, doc["region"], doc["name"], doc["key"], config,
                         applied, outputs, tuple(doc["deps"]), Lifecycle.from_json(doc["lifecycle"]), _STATUS[status],
                         tuple(doc.get("ref_ids", ())), sensitive)


Writes = Iterable[tuple[str, "StateResource | None"]]
_STATUS = {s.value: s for s in Status}  # an unknown status is a KeyError: a damaged record


class StateStore(Locking):
    """One SQLite database; safe to share between the threads of one apply."""

    keeps_backup_files = True
    sql: Dialect = SQLITE  # the statements, in this database's dialect

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, workspace: str = "default", *,
                 readonly: bool = False, restoring: bool = False):
        self.path = Path(path)
        self.workspace = workspace
        self.readonly = readonly
        self._restoring = restoring
        self._mutex = threading.RLock()
        self._lock_id: str | None = None
        self.released_stale: LockInfo | None = None
        self._exclusive = FileLock(self.path, workspace)
        check_file(self.path)
        try:
            if readonly:
                self._open_readonly()
            else:
                self._open_writable()
        except sqlite3.Error as e:
            raise sqlite_error(self.path, e) from None
        except OSError as e:
            raise StateError(f"cannot open the state at {self.path}: {e.strerror or e}",
                             "name a state you can write to with --state") from None

    # -- opening -----------------------------------------------------------------------------
    def _open_writable(self):
        if not self.path.exists():
            if not self._restoring:
                self._refuse_when_backups_disagree()
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._create_file()
        self._conn = self._connect(str(self.path))
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._tx() as conn:
            self._check_owner(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(NEWER.format(version))
            _migrate_v1(conn)
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            add_checksums(conn, self.sql)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _open_readonly(self):
        if not self.path.exists():
            raise StateError(f"no state at {self.path}")
        try:
            self._conn = self._connect(f"file:{self.path}?mode=ro", uri=True)
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # a WAL database in a folder this user cannot write: read it as it is on disk
            self._conn = self._connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
        with self._read():
            self._check_owner(self._conn, write=False)
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(NEWER.format(version))
            if version < SCHEMA_VERSION:
                raise StateError(f"the state at {self.path} was written by an older archform (schema {version})",
                                 "run `archform plan` once where the state can be written, to upgrade it")

    def _connect(self, target: str, uri: bool = False):
        conn = sqlite3.connect(target, timeout=30, isolation_level=None, check_same_thread=False, uri=uri)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _create_file(self):
        """A new state, made whole beside its final name and then linked into place: a process
        killed while creating it never leaves an empty file that would later read as damaged."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # only its owner reads it
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.executescript(SCHEMA)
            finally:
                conn.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another command created it meanwhile: use theirs
            except OSError:
                if not self.path.exists():
                    os.replace(tmp, self.path)
        finally:
            for leftover in (tmp, Path(f"{tmp}-journal")):
                leftover.unlink(missing_ok=True)

    def _check_owner(self, conn, write: bool = True):
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == APPLICATION_ID:
            return
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id != 0 or (tables and "workspaces" not in tables):
            raise StateError(f"{self.path} is not an archform state (it holds another program's tables)",
                             "name the state's file with --state")
        if write:  # a state written before states carried their application id
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _refuse_when_backups_disagree(self):
        """A missing state whose backups hold resources was lost, not never made: starting afresh
        would make every resource again beside the ones that exist."""
        newest = newest_backup_with_resources(self.path, self.workspace)
        if newest is not None:
            serial, count = newest
            raise StateError(f"the state {self.path} is missing, but its backup of serial {serial} records "
                             f"{count} resource(s)",
                             f"restore it with `archform state restore --state {self.path}`; to start a new "
                             f"state instead, delete {self.path}.backups")

    def close(self):
        with self._mutex:
            self._exclusive.release()
            conn = getattr(self, "_conn", None)
            if conn is not None:
                conn.close()

    def _failure(self, e: Exception) -> StateError:
        return sqlite_error(self.path, e)

    @contextmanager
    def _tx(self):
        if self.readonly:
            raise StateError(f"the state at {self.path} was opened read-only")
        with self._mutex:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise self._failure(e) from None
            try:
                yield self._conn
            except sqlite3.Error as e:
                self._rollback()
                raise self._failure(e) from None
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error as e:
                    self._rollback()
                    raise self._failure(e) from None

    def _rollback(self):
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    _db_error: type[Exception] = sqlite3.Error  # what the database's driver raises

    @contextmanager
    def _read(self):
        """A consistent read that writes nothing (what read-only commands use)."""
        with self._mutex:
            try:
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    self._rollback()
            except self._db_error as e:
                raise self._failure(e) from None

    # -- workspace ---------------------------------------------------------------------------
    def _ensure_workspace(self, conn) -> tuple[str, int]:
        row = conn.execute(self.sql.workspace, (self.workspace,)).fetchone()
        if row is None:
            lineage = str(uuid.uuid4())
            conn.execute(self.sql.add_workspace, (self.workspace, lineage, 0))
            return lineage, 0
        return row[0], row[1]

    def workspaces(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.execute(self.sql.workspace_names)]

    def delete_workspace(self) -> None:
        """Remove this workspace — it must record nothing (no resource, no operation under way)
        — with its history, its outputs and its backup files. The caller holds its lock."""
        with self._tx() as conn:
            if conn.execute(self.sql.addresses, (self.workspace,)).fetchone() is not None or \
                    conn.execute(self.sql.pending, (self.workspace,)).fetchone() is not None:
                raise StateError(f"workspace '{self.workspace}' still records resources",
                                 f"destroy them (archform destroy PATH -w {self.workspace}) or forget them "
                                 f"(archform state rm ADDR -w {self.workspace}) first")
            for statement in self.sql.drop_workspace:
                conn.execute(statement, (self.workspace,))
        remove_backups(self.path, self.workspace)

    def identity(self) -> tuple[str, int] | None:
        """This workspace's (lineage, serial), None before anything made it."""
        with self._read() as conn:
            row = conn.execute(self.sql.workspace, (self.workspace,)).fetchone()
        return (row[0], row[1]) if row else None

    def held_elsewhere(self, provider_id: str) -> list[tuple[str, str]]:
        """(workspace, address) of each other workspace of this state that records `provider_id`."""
        with self._read() as conn:
            return [(r[0], r[1]) for r in conn.execute(self.sql.held_elsewhere, (provider_id, self.workspace))]

    def read(self, unsealed: bool = True) -> Snapshot:
        """The whole state of this workspace, read in one transaction and checked against its
        checksums (a damaged state raises StateDamaged, naming what is wrong). `unsealed`:
        sensitive values decrypted (planning needs them; listings and snapshots do not, and
        then need no key)."""
        with (self._read() if self.readonly else self._tx()) as conn:
            if self.readonly:
                row = conn.execute(self.sql.workspace, (self.workspace,)).fetchone()
                lineage, serial = row if row else ("", 0)
            else:
                lineage, serial = self._ensure_workspace(conn)
            resources = self._read_resources(conn, unsealed)
            try:
                outputs = {r[0]: json.loads(r[1]) for r in conn.execute(self.sql.outputs, (self.workspace,))}
                if unsealed:
                    outputs = {k: unseal(v) if isinstance(v, dict) else v for k, v in outputs.items()}
                pending = [Pending(r[0], r[1], r[2], Action(r[3]), r[4], r[5], json.loads(r[6]))
                           for r in conn.execute(self.sql.pending, (self.workspace,))]
            except (ValueError, TypeError) as e:
                raise StateDamaged(f"the state at {self.path} is damaged: an output or pending operation "
                                   f"cannot be read ({e})", restore_hint(self.path)) from None
            if pending:
                self._check_after_crash(conn)
        return Snapshot(self.workspace, lineage, serial, resources, outputs, pending)

    def _read_resources(self, conn, unsealed: bool = True) -> dict[str, StateResource]:
        row = conn.execute(self.sql.checksums, (self.workspace,)).fetchone()
        expected_count, expected_sum = row if row else (0, 0)
        resources = {}
        bad: list[str] = []
        total = 0
        loads = orjson.loads
        for address, kind, pid, status, doc, digest in conn.execute(self.sql.resources, (self.workspace,)):
            total ^= digest
            try:
                if row_digest(address, kind, pid, status, doc) != digest:
                    raise ValueError("checksum")
                decoded = loads(doc)
            except (ValueError, KeyError, TypeError, AttributeError):
                bad.append(str(address))
                continue
            try:
                resources[address] = _resource(address, kind, pid, status, decoded, unsealed)
            except (KeyError, TypeError, AttributeError, ValueError):
                bad.append(str(address))
        if bad or len(resources) + len(bad) != expected_count or total != expected_sum:
            raise damaged_records(self.path, bad, len(resources) + len(bad), expected_count, total == expected_sum)
        return resources

    def _check_after_crash(self, conn):
        """An interrupted apply left pending operations: check the file as a whole as well."""
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise StateDamaged(f"the state at {self.path} is damaged ({result})", restore_hint(self.path))

    def bump_serial(self) -> int:
        with self._tx() as conn:
            return self._bump(conn)

    def _bump(self, conn) -> int:
        _, serial = self._ensure_workspace(conn)
        conn.execute(self.sql.set_serial, (serial + 1, self.workspace))
        return serial + 1

    # -- resources ---------------------------------------------------------------------------
    def commit(self, writes: Writes = (), ends: Iterable[str] = ()):
        """Finished operations, in one transaction: records written (address, record) or
        forgotten (address, None) in the order given — the last write to an address wins — and
        their pending records dropped."""
        with self._tx() as conn:
            self._write(conn, writes, ends)

    def put(self, r: StateResource, clear_pending: str | None = None):
        """Record a finished operation (and drop its pending record) in one transaction."""
        self.commit([(r.address, r)], [clear_pending] if clear_pending else [])

    def put_many(self, rs: list[StateResource], clear_pending: str | None = None):
        self.commit([(r.address, r) for r in rs], [clear_pending] if clear_pending else [])

    def remove(self, address: str, clear_pending: str | None = None):
        self.commit([(address, None)], [clear_pending] if clear_pending else [])

    def rename(self, old: str, new: str):
        with self._tx() as conn:
            self._rename(conn, old, new)

    def set_outputs(self, outputs: dict):
        with self._tx() as conn:
            self._set_outputs(conn, outputs)

    def _set_outputs(self, conn, outputs: dict):
        """Each output: {"config", "value", "sensitive"}; a sensitive one's config and value are
        written encrypted."""
        rows = []
        for k, v in sorted(outputs.items()):
            if isinstance(v, dict) and v.get("sensitive"):
                v = seal(v, ("config", "value"))
            rows.append((self.workspace, k, _dumps(v)))
        conn.execute(self.sql.clear_outputs, (self.workspace,))
        conn.cursor().executemany(self.sql.add_output, rows)

    def _write(self, conn, writes: Writes, ends: Iterable[str] = ()):
        final: dict[str, StateResource | None] = {}
        for address, record in writes:
            final[address] = record  # in order: the last write to an address is what stays
        if final:
            self._ensure_workspace(conn)
            old = {}
            addresses = list(final)
            for start in range(0, len(addresses), 500):
                chunk = addresses[start:start + 500]
                old.update(conn.execute(self.sql.digests_in(len(chunk)), (self.workspace, *chunk)).fetchall())
            count, total = conn.execute(self.sql.checksums, (self.workspace,)).fetchone()
            puts, removes = [], []
            for address, r in final.items():
                if address in old:
                    count -= 1
                    total ^= old[address]
                if r is None:
                    if address in old:
                        removes.append((self.workspace, address))
                    continue
                doc = _doc(r)
                status = r.status.value
                digest = row_digest(address, r.kind, r.id, status, doc)
                count += 1
                total ^= digest
                puts.append((self.workspace, address, r.kind, r.id, status, doc, digest))
            if removes:
                conn.cursor().executemany(self.sql.remove_resource, removes)
            if puts:
                conn.cursor().executemany(self.sql.put_resource, puts)
            conn.execute(self.sql.set_checksums, (count, total, self.workspace))
        ends = list(ends)
        if ends:
            conn.cursor().executemany(self.sql.end_pending, [(self.workspace, op) for op in ends])

    def _record_at(self, conn, address: str) -> StateResource | None:
        row = conn.execute(self.sql.resource, (self.workspace, address)).fetchone()
        if row is None:
            return None
        return _resource(address, row[0], row[1], row[2], orjson.loads(row[3]))

    def _rename(self, conn, old: str, new: str):
        if self._record_at(conn, new) is not None:
            raise KeyError(f"'{new}' is already in the state")
        record = self._record_at(conn, old)
        if record is None:
            raise KeyError(f"'{old}' is not in the state")
        writes: list[tuple[str, StateResource | None]] = [(old, None)]
        # references to the old address in other records follow the rename
        users = [a for (a,) in conn.execute(self.sql.mentioning, (self.workspace, _dumps(old)))]
        moved = {old: new}
        for address in users:
            r = record if address == old else self._record_at(conn, address)
            assert r is not None  # the same transaction listed it
            followed = replace(r, config=rename_refs(r.config, moved), deps=tuple(moved.get(x, x) for x in r.deps))
            if address == old:
                record = followed
            else:
                writes.append((address, followed))
        writes.append((new, replace(record, address=new)))
        self._write(conn, writes)

    # -- edits: all or nothing ---------------------------------------------------------------
    @contextmanager
    def edit(self, reason: str):
        """One change of the state by a command (`state rm A B C`, `state mv`, import, refresh,
        restore, the renames an apply starts with): the serial bumped, the changes, and the
        history snapshot, in one transaction — all of it happens or none."""
        with self._tx() as conn:
            serial = self._bump(conn)
            editor = StateEdit(self, conn)
            editor.serial = serial
            yield editor
            text = self._snapshot_in(conn, reason) if editor.snapshot else None
        if text is not None:
            self._backup(editor.serial, text)

    # -- pending operations ------------------------------------------------------------------
    def begin(self, address: str, kind: str, action: str, token: str | None = None,
              provider_id: str | None = None, detail: dict | None = None) -> str:
        """Write the pending record before a provider call; returns its id."""
        return self.begin_many([{"address": address, "kind": kind, "action": action, "token": token,
                                 "provider_id": provider_id, "detail": detail}])[0]

    def begin_many(self, ops: list[dict]) -> list[str]:
        """Pending records for many operations in one transaction (an apply writes its whole
        intent before the first provider call). Each dict: address, kind, action, token,
        provider_id, detail."""
        ids = [uuid.uuid4().hex for _ in ops]
        with self._tx() as conn:
            conn.cursor().executemany(self.sql.add_pending, [
                (self.workspace, op_id, o["address"], o["kind"], str(o["action"]), o.get("token"),
                 o.get("provider_id"), _dumps(o.get("detail") or {})) for op_id, o in zip(ids, ops)])
        return ids

    def end(self, op_id: str):
        self.commit((), [op_id])

    # -- history -----------------------------------------------------------------------------
    def snapshot(self, reason: str):
        """Keep a copy of the state as it is now, as `state pull` shows it (Snapshot.json()),
        in the history (the newest $ARCHFORM_STATE_HISTORY) and, for a SQLite state, as a
        backup file beside it."""
        with self._tx() as conn:
            _, serial = self._ensure_workspace(conn)
            text = self._snapshot_in(conn, reason)
        self._backup(serial, text)

    def _snapshot_in(self, conn, reason: str) -> str:
        """Built row by row in the transaction that stores it: a copy of 50,000 records is
        written without holding the whole state as objects at once."""
        loads = orjson.loads
        lineage, serial = self._ensure_workspace(conn)
        rows = [(address, _dumps(_resource(address, kind, pid, status, loads(doc)).json()))
                for address, kind, pid, status, doc in conn.execute(self.sql.resource_docs, (self.workspace,))]
        rows.sort()  # by address, as Python orders text (a server's collation may not)
        outputs = {r[0]: loads(r[1]) for r in conn.execute(self.sql.outputs, (self.workspace,))}
        # the keys in sorted order, as _dumps writes every object
        text = "".join(['{"lineage":', _dumps(lineage), ',"outputs":', _dumps(outputs), ',"resources":[',
                        ",".join(doc for _, doc in rows), '],"serial":', str(serial), ',"workspace":',
                        _dumps(self.workspace), "}"])
        del rows
        conn.execute(self.sql.put_history, (self.workspace, serial, lineage, reason, text))
        conn.execute(self.sql.trim_history, (self.workspace, self.workspace, history_keep()))
        return text

    def _backup(self, serial: int, text: str):
        if not self.keeps_backup_files:
            return
        try:
            write_backup(self.path, self.workspace, serial, text)
        except OSError as e:
            raise StateError(f"the state at {self.path} is saved, but its backup could not be written: "
                             f"{e.strerror or e}", "free some space; the next apply writes it again") from None

    def history(self) -> list[tuple[int, str, str]]:
        with self._read() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(self.sql.history, (self.workspace,))]

    def history_snapshot(self, serial: int) -> dict | None:
        with self._read() as conn:
            row = conn.execute(self.sql.history_snapshot, (self.workspace, serial)).fetchone()
        try:
            return json.loads(row[0]) if row else None
        except ValueError:
            raise StateDamaged(f"the snapshot of serial {serial} in {self.path} is damaged") from None

class StateEdit:
    """What a command changes inside `StateStore.edit()`: reads see the edits made so far."""

    def __init__(self, store: StateStore, conn):
        self._store = store
        self._conn = conn
        self.snapshot = True
        self.serial = 0

    def get(self, address: str) -> StateResource | None:
        return self._store._record_at(self._conn, address)

    def addresses(self) -> list[str]:
        return [a for (a,) in self._conn.execute(self._store.sql.addresses, (self._store.workspace,))]

    def put(self, r: StateResource):
        self._store._write(self._conn, [(r.address, r)])

    def remove(self, address: str):
        self._store._write(self._conn, [(address, None)])

    def rename(self, old: str, new: str):
        self._store._rename(self._conn, old, new)

    def set_outputs(self, outputs: dict):
        self._store._set_outputs(self._conn, outputs)

    def set_identity(self, lineage: str, serial: int):
        """The workspace's lineage and serial (a restore keeps the lineage, raises the serial)."""
        self._conn.execute(self._store.sql.set_identity, (lineage, serial, self._store.workspace))
        self.serial = serial

    def replace_all(self, resources: list[StateResource], outputs: dict):
        """The workspace's records become exactly these (a restore)."""
        writes: list[tuple[str, StateResource | None]] = [(a, None) for a in self.addresses()]
        writes += [(r.address, r) for r in resources]
        self._store._write(self._conn, writes)
        self._conn.execute(self._store.sql.clear_pending, (self._store.workspace,))
        self.set_outputs(outputs)
