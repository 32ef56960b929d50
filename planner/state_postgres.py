"""archform's state in PostgreSQL, for teams: `--state postgresql://host/db?schema=shop`.

The same records, checksums, serial, lineage, pending operations, locks and history as the
SQLite store (it is the same `StateStore`, with PostgreSQL's `state_sql` dialect). Opened
read-only (as the commands that only look open it), it writes nothing and refuses to: no
record, serial, workspace or lock (its schema's tables are made when missing, as for any
open). Each project lives in its own
schema (the `schema` parameter of the URL, created when missing), and a write takes a
transaction-level advisory lock keyed by schema and workspace — never a lock on the whole
database — so unrelated projects and workspaces never wait for each other.

The workspace lock of a command is a session advisory lock on the store's connection (a key of
its own, apart from the writers' transaction locks): the server releases it when the holder's
session ends, however its process died. History snapshots are the backups (the server keeps
its own); there are no backup files.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode

from .state import StateStore
from .state_schema import NEWER, SCHEMA, SCHEMA_VERSION, add_checksums
from .state_sql import POSTGRESQL
from .state_integrity import APPLICATION_ID, StateError
from .state_lock import lock_key


def split_url(url: str) -> tuple[str, str]:
    """(connection URL without archform's own parameters, schema name)."""
    base, _, query_text = url.partition("?")
    query = dict(parse_qsl(query_text))
    schema = query.pop("schema", "archform")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise StateError(f"the state URL's schema '{schema}' is not a lowercase identifier",
                         "use letters, digits and _ (at most 63), starting with a letter: ?schema=shop")
    return (base + "?" + urlencode(query)) if query else base, schema


def _where(url: str) -> str:
    """The URL without a password, for messages."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


class _SessionLock:
    """The workspace lock: a session advisory lock (two int4 keys: archform's id and the
    workspace's), held by the store's connection until released or the session ends."""

    def __init__(self, store: "PostgresStateStore"):
        self.store = store
        self.keys = (APPLICATION_ID, lock_key(store._lock_key))
        self.held = False

    def _query(self, sql: str):
        with self.store._mutex:
            return self.store._conn.execute(sql, self.keys).fetchone()

    def acquire(self) -> bool:
        if not self.held:
            self.held = bool(self._query("SELECT pg_try_advisory_lock(%s, %s)")[0])
        return self.held

    def release(self):
        if self.held:
            self.held = False
            try:
                self._query("SELECT pg_advisory_unlock(%s, %s)")
            except Exception:
                pass  # the connection is gone: the server released the lock with the session

    def _holders(self) -> str:
        return ("FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::bigint::oid "
                "AND objid = %s::bigint::oid AND objsubid = 2 AND granted AND pid <> pg_backend_pid()")

    def held_elsewhere(self) -> bool:
        return bool(self._query(f"SELECT count(*) {self._holders()}")[0])

    def break_(self):
        """End the holder's session: its lock goes with it, and so does its next write. The
        server ends a session asynchronously: wait (a few seconds at most) until it has."""
        self._query(f"SELECT bool_and(pg_terminate_backend(pid)) {self._holders()}")
        deadline = time.monotonic() + 5
        while self.held_elsewhere() and time.monotonic() < deadline:
            time.sleep(0.02)


class PostgresStateStore(StateStore):
    keeps_backup_files = False
    sql = POSTGRESQL

    def __init__(self, url: str, workspace: str = "default", *, readonly: bool = False):
        import psycopg
        conninfo, self.schema = split_url(url)
        self.path = url
        self.workspace = workspace
        self.readonly = False  # until the tables are there
        self._mutex = threading.RLock()
        self._lock_id: str | None = None
        self.released_stale = None
        self._lock_key = f"archform/{self.schema}/{workspace}"
        try:
            raw = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise StateError(f"cannot reach the state's PostgreSQL server at {_where(conninfo)}: {first}",
                             "check that the server runs and the URL (host, port, user, database) is right") from None
        self._psycopg_error = self._db_error = psycopg.Error  # _read (StateStore's) catches it
        self._conn = raw
        self._exclusive = _SessionLock(self)
        try:
            raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            raw.execute(f'SET search_path TO "{self.schema}"')
        except psycopg.Error as e:
            raise self._failure(e) from None
        with self._tx() as conn:
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StateError(NEWER.format(row[0]))
            add_checksums(conn, self.sql)
            conn.execute("INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT (key) DO UPDATE SET "
                         "value = EXCLUDED.value", (str(SCHEMA_VERSION),))
        self.readonly = readonly

    def _failure(self, e: Exception) -> StateError:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return StateError(f"the state at {_where(self.path)} could not be used: {first}",
                          "check the PostgreSQL server; every operation that finished is recorded")

    def _gone(self, holder) -> bool:
        return True  # the server's session lock is free: its holder's session has ended, wherever it ran

    def _check_after_crash(self, conn):
        pass  # the server checks its own pages

    @contextmanager
    def _tx(self):
        if self.readonly:
            raise StateError(f"the state at {_where(self.path)} was opened read-only")
        with self._mutex:
            try:
                self._conn.execute("BEGIN")
                # writers of this schema and workspace queue here; nobody else does
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._lock_key,))
            except self._psycopg_error as e:
                self._rollback()
                raise self._failure(e) from None
            try:
                yield self._conn
            except self._psycopg_error as e:
                self._rollback()
                raise self._failure(e) from None
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self._conn.execute("COMMIT")
                except self._psycopg_error as e:
                    raise self._failure(e) from None

    def _rollback(self):
        try:
            self._conn.execute("ROLLBACK")
        except Exception:
            pass

