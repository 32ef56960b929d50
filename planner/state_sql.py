"""The SQL of archform's state, per database: a `Dialect` holds every statement the store runs.

The store (`state.StateStore`) is written once; what differs between SQLite and PostgreSQL is
here, as values, not as SQL text rewritten on the way to the server: the parameter mark (`?`,
`%s`), writing a row whether or not it exists (`INSERT OR REPLACE`, `ON CONFLICT … DO UPDATE`),
finding text in a document (`instr`, `strpos`), and listing a table's columns. The tables are
the same (`state_schema.SCHEMA`).
"""

from __future__ import annotations


class Dialect:
    name = ""
    mark = "?"

    def __init__(self):
        p = self.mark
        # workspaces
        self.workspace = f"SELECT lineage, serial FROM workspaces WHERE name={p}"
        self.add_workspace = f"INSERT INTO workspaces (name, lineage, serial) VALUES ({p},{p},{p})"
        self.workspace_names = "SELECT name FROM workspaces ORDER BY name"
        self.set_serial = f"UPDATE workspaces SET serial={p} WHERE name={p}"
        self.set_identity = f"UPDATE workspaces SET lineage={p}, serial={p} WHERE name={p}"
        # a workspace removed (its lock row goes when its holder unlocks)
        self.drop_workspace = (f"DELETE FROM outputs WHERE workspace={p}", f"DELETE FROM pending WHERE workspace={p}",
                               f"DELETE FROM history WHERE workspace={p}", f"DELETE FROM resources WHERE workspace={p}",
                               f"DELETE FROM workspaces WHERE name={p}")
        self.checksums = f"SELECT records, digest FROM workspaces WHERE name={p}"
        self.set_checksums = f"UPDATE workspaces SET records={p}, digest={p} WHERE name={p}"
        # resources
        self.resources = (f"SELECT address, kind, provider_id, status, doc, digest FROM resources WHERE workspace={p} "
                          "ORDER BY address")
        self.resource_docs = f"SELECT address, kind, provider_id, status, doc FROM resources WHERE workspace={p}"
        self.resource = f"SELECT kind, provider_id, status, doc FROM resources WHERE workspace={p} AND address={p}"
        self.addresses = f"SELECT address FROM resources WHERE workspace={p} ORDER BY address"
        self.held_elsewhere = (f"SELECT workspace, address FROM resources WHERE provider_id={p} AND workspace<>{p} "
                               "ORDER BY workspace, address")
        self.remove_resource = f"DELETE FROM resources WHERE workspace={p} AND address={p}"
        self.put_resource = self._upsert_resource()
        self.mentioning = f"SELECT address FROM resources WHERE workspace={p} AND {self.contains('doc', p)}"
        # outputs
        self.outputs = f"SELECT name, value FROM outputs WHERE workspace={p} ORDER BY name"
        self.clear_outputs = f"DELETE FROM outputs WHERE workspace={p}"
        self.add_output = f"INSERT INTO outputs VALUES ({p},{p},{p})"
        # pending operations
        self.pending = (f"SELECT op_id, address, kind, action, token, provider_id, detail FROM pending "
                        f"WHERE workspace={p} ORDER BY op_id")
        self.add_pending = f"INSERT INTO pending VALUES ({self.marks(8)})"
        self.end_pending = f"DELETE FROM pending WHERE workspace={p} AND op_id={p}"
        self.clear_pending = f"DELETE FROM pending WHERE workspace={p}"
        # locks
        self.lock_row = f"SELECT lock_id, pid, host, command, since FROM locks WHERE workspace={p}"
        self.clear_lock = f"DELETE FROM locks WHERE workspace={p}"
        self.add_lock = f"INSERT INTO locks VALUES ({self.marks(6)})"
        self.remove_lock = f"DELETE FROM locks WHERE workspace={p} AND lock_id={p}"
        # history
        self.put_history = self._upsert_history()
        self.trim_history = (f"DELETE FROM history WHERE workspace={p} AND serial NOT IN (SELECT serial FROM history "
                             f"WHERE workspace={p} ORDER BY serial DESC LIMIT {p})")
        self.history = f"SELECT serial, lineage, reason FROM history WHERE workspace={p} ORDER BY serial"
        self.history_snapshot = f"SELECT snapshot FROM history WHERE workspace={p} AND serial={p} ORDER BY lineage"
        # checksums added to an older state (state_schema.add_checksums)
        self.all_resource_docs = "SELECT workspace, address, kind, provider_id, status, doc FROM resources"
        self.set_digest = f"UPDATE resources SET digest={p} WHERE workspace={p} AND address={p}"

    def marks(self, n: int) -> str:
        return ",".join([self.mark] * n)

    def digests_in(self, n: int) -> str:
        """The checksums of the records at `n` addresses."""
        return f"SELECT address, digest FROM resources WHERE workspace={self.mark} AND address IN ({self.marks(n)})"

    def contains(self, column: str, mark: str) -> str:
        """A condition: `column` contains the text given as a parameter."""
        raise NotImplementedError

    def _upsert_resource(self) -> str:
        raise NotImplementedError

    def _upsert_history(self) -> str:
        raise NotImplementedError

    def columns(self, conn, table: str) -> list[str]:
        raise NotImplementedError


class SQLite(Dialect):
    name = "sqlite"
    mark = "?"

    def contains(self, column: str, mark: str) -> str:
        return f"instr({column}, {mark}) > 0"

    def _upsert_resource(self) -> str:
        return ("INSERT OR REPLACE INTO resources (workspace, address, kind, provider_id, status, doc, digest) "
                "VALUES (?,?,?,?,?,?,?)")

    def _upsert_history(self) -> str:
        return "INSERT OR REPLACE INTO history VALUES (?,?,?,?,?)"

    def columns(self, conn, table: str) -> list[str]:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


class PostgreSQL(Dialect):
    name = "postgresql"
    mark = "%s"

    def contains(self, column: str, mark: str) -> str:
        return f"strpos({column}, {mark}) > 0"

    def _upsert_resource(self) -> str:
        return ("INSERT INTO resources (workspace, address, kind, provider_id, status, doc, digest) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (workspace, address) DO UPDATE SET "
                "kind = EXCLUDED.kind, provider_id = EXCLUDED.provider_id, status = EXCLUDED.status, "
                "doc = EXCLUDED.doc, digest = EXCLUDED.digest")

    def _upsert_history(self) -> str:
        return ("INSERT INTO history VALUES (%s,%s,%s,%s,%s) ON CONFLICT (workspace, lineage, serial) DO UPDATE SET "
                "reason = EXCLUDED.reason, snapshot = EXCLUDED.snapshot")

    def columns(self, conn, table: str) -> list[str]:
        """The columns of `table` in the schema the connection works in (its search path)."""
        return [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s", (table,))]


SQLITE = SQLite()
POSTGRESQL = PostgreSQL()
