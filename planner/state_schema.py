"""The tables of archform's state, and how an older state is brought up to date (every record
kept). The tables are the same in SQLite and PostgreSQL; what the statements on them say
differently is in `state_sql`."""

from __future__ import annotations

import json

from .state_integrity import row_digest


SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
  name TEXT PRIMARY KEY, lineage TEXT NOT NULL, serial INTEGER NOT NULL,
  records INTEGER NOT NULL DEFAULT 0, digest BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS resources (
  workspace TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, provider_id TEXT,
  status TEXT NOT NULL, doc TEXT NOT NULL, digest BIGINT NOT NULL DEFAULT 0,
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

SCHEMA_VERSION = 3  # 3: checksums on records and workspaces

NEWER = "this state was written by a newer archform (schema {}); upgrade archform"


def _migrate_v1(conn):
    """Version 1 kept one column per part of the record; version 2 one JSON document."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(resources)")]
    if not columns or "doc" in columns:
        return
    rows = conn.execute("SELECT workspace, address, kind, provider_id, region, name, key, config, applied, "
                        "outputs, deps, lifecycle, status FROM resources").fetchall()
    conn.execute("ALTER TABLE resources RENAME TO resources_v1")
    conn.execute("CREATE TABLE resources (workspace TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, "
                 "provider_id TEXT, status TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (workspace, address))")
    for (ws, address, kind, pid, region, name, key, config, applied, outputs, deps, lifecycle, status) in rows:
        doc = {"region": region, "name": name or "", "key": key, "config": json.loads(config),
               "applied": json.loads(applied), "outputs": json.loads(outputs), "deps": json.loads(deps),
               "lifecycle": json.loads(lifecycle)}
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        conn.execute("INSERT INTO resources VALUES (?,?,?,?,?,?)", (ws, address, kind, pid, status, text))
    conn.execute("DROP TABLE resources_v1")


def add_checksums(conn, sql):
    """Version 2 → 3: a checksum on every record, and each workspace's count and sum of them
    (`sql`: the database's `state_sql.Dialect`)."""
    if "digest" in sql.columns(conn, "resources"):
        return
    conn.execute("ALTER TABLE resources ADD COLUMN digest BIGINT NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE workspaces ADD COLUMN records INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE workspaces ADD COLUMN digest BIGINT NOT NULL DEFAULT 0")
    totals: dict[str, list[int]] = {}
    rows = conn.execute(sql.all_resource_docs).fetchall()
    for ws, address, kind, pid, status, doc in rows:
        d = row_digest(address, kind, pid, status, doc)
        conn.execute(sql.set_digest, (d, ws, address))
        t = totals.setdefault(ws, [0, 0])
        t[0] += 1
        t[1] ^= d
    for ws, (n, d) in totals.items():
        conn.execute(sql.set_checksums, (n, d, ws))
