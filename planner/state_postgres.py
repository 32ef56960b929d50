"""archform's state in PostgreSQL, for teams: `--state postgresql://host/db?schema=shop`.

The same records, serial, lineage, pending operations, locks and history as the SQLite store
(it is the same `StateStore`, speaking PostgreSQL). Each project lives in its own schema (the
`schema` parameter of the URL, created when missing), and a write takes a transaction-level
advisory lock keyed by schema and workspace — never a lock on the whole database — so
unrelated projects and workspaces never wait for each other.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode

from .state import SCHEMA, SCHEMA_VERSION, UPSERT_HISTORY, UPSERT_RESOURCE, StateStore

_UPSERTS = {
    UPSERT_RESOURCE:
        "INSERT INTO resources VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (workspace, address) DO UPDATE SET "
        "kind = EXCLUDED.kind, provider_id = EXCLUDED.provider_id, status = EXCLUDED.status, doc = EXCLUDED.doc",
    UPSERT_HISTORY:
        "INSERT INTO history VALUES (%s,%s,%s,%s,%s) ON CONFLICT (workspace, lineage, serial) DO UPDATE SET "
        "reason = EXCLUDED.reason, snapshot = EXCLUDED.snapshot",
}


def _translate(sql: str) -> str:
    """The SQLite dialect of `StateStore` in PostgreSQL's."""
    if sql in _UPSERTS:
        return _UPSERTS[sql]
    sql = sql.replace("instr(", "strpos(")
    return re.sub(r"\?", "%s", sql)


class _Connection:
    """A psycopg connection that takes the statements `StateStore` writes for SQLite."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql: str, params=()):
        return self._conn.execute(_translate(sql), params)

    def executemany(self, sql: str, rows):
        cur = self._conn.cursor()
        cur.executemany(_translate(sql), list(rows))
        return cur

    def close(self):
        self._conn.close()


def split_url(url: str) -> tuple[str, str]:
    """(connection URL without archform's own parameters, schema name)."""
    base, _, query_text = url.partition("?")
    query = dict(parse_qsl(query_text))
    schema = query.pop("schema", "archform")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(f"schema '{schema}' must be a lowercase identifier")
    return (base + "?" + urlencode(query)) if query else base, schema


class PostgresStateStore(StateStore):
    def __init__(self, url: str, workspace: str = "default"):
        import psycopg
        conninfo, self.schema = split_url(url)
        self.path = url
        self.workspace = workspace
        self._mutex = threading.RLock()
        raw = psycopg.connect(conninfo, autocommit=True)
        raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        raw.execute(f'SET search_path TO "{self.schema}"')
        self._conn = _Connection(raw)
        self._lock_key = f"archform/{self.schema}/{workspace}"
        with self._tx() as conn:
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise RuntimeError(f"this state was written by a newer archform (schema {row[0]}); upgrade archform")
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET "
                         "value = EXCLUDED.value", (str(SCHEMA_VERSION),))
        self._lock_id: str | None = None
        self.released_stale = None

    @contextmanager
    def _tx(self):
        with self._mutex:
            self._conn.execute("BEGIN")
            try:
                # writers of this schema and workspace queue here; nobody else does
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self._lock_key,))
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
