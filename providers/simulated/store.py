"""The modeled cloud's own database: one SQLite file, apart from archform's state.

Every provider operation is one `transaction()`: BEGIN IMMEDIATE, the reads and writes, COMMIT
(or ROLLBACK when the cloud refuses). WAL journal, a busy timeout for other processes (the
`archform sim` commands while an apply runs), and a lock so the threads of one process share a
connection safely. A process killed at any moment leaves the last committed operation intact.

Tables:
- `meta`: seed, the id counter, schema version.
- `resources`: every record the cloud holds. Top-level resources (what archform creates) have
  `owner` NULL; records a resource owns (an Auto Scaling group's instances, a load balancer's
  nodes, an Aurora cluster's instances, a VPC's default security group…) carry the owner's id
  and a `role`. `az` and `subnet` are columns so placement can be queried; `attrs` and
  `outputs` are JSON.
- `tokens`: idempotency token → the id its create made.
- `private_ips`: addresses taken in each subnet (integers, for ordering) and who holds them.
- `public_ips`: public addresses taken, who holds them, whether they are Elastic IPs
  (counted against the region's limit) and the VPC they are mapped into.
- `refs`: which record references which id, at which attribute path (for "still in use").
- `hosts` (step 2): the physical hosts of the pools instances have launched into (written a
  pool at a time, `physical/pools.py`), with what they hold (vCPUs, memory, instances, and the
  tenancy they serve) and whether they run; `pools` names the pools written.
- `placements` (step 2): which host each instance runs on, its rack, data centre and AZ, its
  placement group and partition. Triggers keep the hosts' usage in step: placing an instance
  takes capacity, removing the placement (or the instance's record) gives it back.

Add a step to `MIGRATIONS` to extend the store, never edit an old one. A step is a script of
statements separated by ";", or a list of statements (for triggers, whose bodies hold ";").
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import orjson

from archform.providers.base import Throttled

DEFAULT_PATH = ".archform/cloud.db"
ENV_VAR = "ARCHFORM_CLOUD"

MIGRATIONS: list[str | list[str]] = [
    # 1: the first modeled cloud
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE resources (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        region TEXT,
        az TEXT,
        subnet TEXT,
        owner TEXT,
        role TEXT,
        address TEXT,
        name TEXT,
        seq INTEGER NOT NULL,
        attrs TEXT NOT NULL,
        outputs TEXT NOT NULL
    );
    CREATE INDEX resources_kind ON resources(kind, region);
    CREATE INDEX resources_owner ON resources(owner);
    CREATE INDEX resources_az ON resources(az);
    CREATE INDEX resources_name ON resources(kind, name);
    CREATE TABLE tokens (token TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, address TEXT);
    CREATE INDEX tokens_id ON tokens(id);
    CREATE TABLE private_ips (subnet TEXT NOT NULL, ip INTEGER NOT NULL, holder TEXT NOT NULL,
                              PRIMARY KEY (subnet, ip));
    CREATE INDEX private_ips_holder ON private_ips(holder);
    CREATE TABLE public_ips (ip INTEGER PRIMARY KEY, holder TEXT NOT NULL, region TEXT,
                             elastic INTEGER NOT NULL DEFAULT 0, vpc TEXT);
    CREATE INDEX public_ips_holder ON public_ips(holder);
    CREATE TABLE refs (src TEXT NOT NULL, dst TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (src, path, dst));
    CREATE INDEX refs_dst ON refs(dst);
    """,
    # 2: the physical world (hosts in pools) and where each instance runs
    [
        """CREATE TABLE pools (az TEXT NOT NULL, family TEXT NOT NULL, PRIMARY KEY (az, family))""",
        """CREATE TABLE hosts (
            id TEXT PRIMARY KEY, region TEXT NOT NULL, az TEXT NOT NULL, dc TEXT NOT NULL, rack TEXT NOT NULL,
            rack_index INTEGER NOT NULL, slot INTEGER NOT NULL, family TEXT NOT NULL,
            vcpus INTEGER NOT NULL, memory REAL NOT NULL,
            used_vcpus INTEGER NOT NULL DEFAULT 0, used_memory REAL NOT NULL DEFAULT 0,
            instances INTEGER NOT NULL DEFAULT 0, tenancy TEXT, state TEXT NOT NULL DEFAULT 'running')""",
        "CREATE INDEX hosts_pool ON hosts(az, family, used_vcpus, rack_index, slot)",
        "CREATE INDEX hosts_rack ON hosts(rack)",
        """CREATE TABLE placements (
            instance TEXT PRIMARY KEY, host TEXT NOT NULL, region TEXT, az TEXT NOT NULL, dc TEXT NOT NULL,
            rack TEXT NOT NULL, rack_index INTEGER NOT NULL, family TEXT NOT NULL, instance_type TEXT NOT NULL,
            vcpus INTEGER NOT NULL, memory REAL NOT NULL, tenancy TEXT NOT NULL, group_id TEXT,
            partition INTEGER, instance_store_gb INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX placements_host ON placements(host)",
        "CREATE INDEX placements_group ON placements(group_id, az)",
        """CREATE TRIGGER placements_take AFTER INSERT ON placements BEGIN
            UPDATE hosts SET used_vcpus = used_vcpus + NEW.vcpus, used_memory = used_memory + NEW.memory,
                instances = instances + 1, tenancy = COALESCE(tenancy, NEW.tenancy)
            WHERE id = NEW.host; END""",
        """CREATE TRIGGER placements_release AFTER DELETE ON placements BEGIN
            UPDATE hosts SET used_vcpus = used_vcpus - OLD.vcpus, used_memory = used_memory - OLD.memory,
                instances = instances - 1, tenancy = CASE WHEN instances <= 1 THEN NULL ELSE tenancy END
            WHERE id = OLD.host; END""",
        """CREATE TRIGGER resources_unplace AFTER DELETE ON resources WHEN OLD.kind = 'instance' BEGIN
            DELETE FROM placements WHERE instance = OLD.id; END""",
    ],
]


def default_path() -> str:
    return os.environ.get(ENV_VAR) or DEFAULT_PATH


@dataclass
class Record:
    """One row of `resources`."""

    id: str
    kind: str
    region: str | None
    attrs: dict
    outputs: dict = field(default_factory=dict)
    az: str | None = None
    subnet: str | None = None
    owner: str | None = None
    role: str | None = None
    address: str | None = None
    name: str | None = None
    seq: int = 0

    @classmethod
    def from_row(cls, row) -> "Record":
        (id, kind, region, az, subnet, owner, role, address, name, seq, attrs, outputs) = row
        return cls(id, kind, region, orjson.loads(attrs), orjson.loads(outputs), az, subnet, owner, role, address,
                   name, seq)


_COLUMNS = "id, kind, region, az, subnet, owner, role, address, name, seq, attrs, outputs"


def _dumps(value) -> str:
    try:  # orjson: the same compact, sorted text, several times faster
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, say
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Store:
    """The database, opened once per provider; `transaction()` for every operation."""

    def __init__(self, path: str | os.PathLike | None = None, *, seed: int | None = None, durable: bool = False,
                 busy_timeout: float = 30.0):
        self.path = str(path or default_path())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not os.path.exists(self.path):  # only its owner reads what the cloud holds
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL survives a killed process (the WAL is written before COMMIT returns); FULL also
        # survives power loss, at a cost per operation.
        # the modeled cloud needs to survive its process being killed, not the machine losing power:
        # without syncs a commit is a write to the OS cache, which a SIGKILL does not lose
        self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'OFF'}")
        self._migrate(seed)

    def _migrate(self, seed: int | None):
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise Throttled(f"The modeled cloud's store is busy ({e}); try again", code="RequestLimitExceeded") from e
            try:
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                for step, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for statement in (script if isinstance(script, list) else script.split(";")):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {step}")
                row = self._conn.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()
                if row is None:
                    self._conn.execute("INSERT INTO meta VALUES ('seed', ?), ('counter', '0')", (str(seed or 0),))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @property
    def seed(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator["Tx"]:
        """One operation: everything inside commits together or not at all. When another
        process holds the database past the busy timeout, the cloud answers Throttled."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise Throttled(f"The modeled cloud's store is busy ({e}); try again", code="RequestLimitExceeded") from e
            tx = Tx(self._conn)
            try:
                yield tx
                tx.flush()
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def reading(self) -> Iterator["Tx"]:
        """A consistent read (no writes)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield Tx(self._conn)
            finally:
                self._conn.execute("COMMIT")

    def reset(self, seed: int = 0):
        """Forget everything: an empty cloud with this seed."""
        with self.transaction() as tx:
            for table in ("resources", "tokens", "private_ips", "public_ips", "refs", "meta", "placements", "hosts",
                          "pools"):
                tx.conn.execute(f"DELETE FROM {table}")
            tx.conn.execute("INSERT INTO meta VALUES ('seed', ?), ('counter', '0')", (str(seed),))
            tx._counter = tx._seed = None

    def integrity(self) -> str:
        with self._lock:
            return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self):
        with self._lock:
            self._conn.close()


class Tx:
    """The reads and writes of one transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._counter: int | None = None
        self._counter_read: int | None = None
        self._seed: int | None = None

    # --- the seeded counter -------------------------------------------------------------------

    def _read_meta(self):
        """The seed and the counter, in one query: every operation that makes an id needs both."""
        meta = dict(self.conn.execute("SELECT key, value FROM meta WHERE key IN ('seed', 'counter')"))
        if self._seed is None:
            self._seed = int(meta["seed"])
        if self._counter is None:
            self._counter = self._counter_read = int(meta["counter"])

    @property
    def seed(self) -> int:
        if self._seed is None:
            self._read_meta()
        return self._seed

    def next_number(self) -> int:
        """The next value of the counter every generated id and name is derived from."""
        if self._counter is None:
            self._read_meta()
        self._counter += 1
        return self._counter

    def flush(self):
        if self._counter is not None and self._counter != self._counter_read:
            self.conn.execute("UPDATE meta SET value = ? WHERE key = 'counter'", (str(self._counter),))

    # --- the account's raised quotas ---------------------------------------------------------------

    def quota(self, region: str | None, name: str) -> int | None:
        """A quota the account had raised in `region` (a `service_quota` applied), or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (f"quota:{region}:{name}",)).fetchone()
        return int(row[0]) if row else None

    def set_quota(self, region: str | None, name: str, value: int):
        self.conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          (f"quota:{region}:{name}", str(int(value))))

    # --- records ----------------------------------------------------------------------------------

    def get(self, id: str) -> Record | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM resources WHERE id = ?", (id,)).fetchone()
        return Record.from_row(row) if row else None

    def query(self, where: str = "1", params: tuple = (), order: str = "seq") -> list[Record]:
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM resources WHERE {where} ORDER BY {order}", params)
        return [Record.from_row(r) for r in rows]

    def owned(self, owner: str, kind: str | None = None) -> list[Record]:
        if kind is None:
            return self.query("owner = ?", (owner,))
        return self.query("owner = ? AND kind = ?", (owner, kind))

    def by_name(self, kind: str, name: str, region: str | None = None) -> Record | None:
        if region is None:
            found = self.query("kind = ? AND name = ?", (kind, name))
        else:
            found = self.query("kind = ? AND name = ? AND region = ?", (kind, name, region))
        return found[0] if found else None

    def insert(self, rec: Record):
        self.conn.execute(f"INSERT INTO resources ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                          (rec.id, rec.kind, rec.region, rec.az, rec.subnet, rec.owner, rec.role, rec.address,
                           rec.name, rec.seq, _dumps(rec.attrs), _dumps(rec.outputs)))

    def save(self, rec: Record):
        self.conn.execute("UPDATE resources SET region=?, az=?, subnet=?, owner=?, role=?, address=?, name=?, "
                          "attrs=?, outputs=? WHERE id = ?",
                          (rec.region, rec.az, rec.subnet, rec.owner, rec.role, rec.address, rec.name,
                           _dumps(rec.attrs), _dumps(rec.outputs), rec.id))

    def remove(self, id: str):
        self.conn.execute("DELETE FROM resources WHERE id = ?", (id,))
        self.conn.execute("DELETE FROM refs WHERE src = ?", (id,))
        self.conn.execute("DELETE FROM private_ips WHERE holder = ?", (id,))
        self.conn.execute("DELETE FROM public_ips WHERE holder = ?", (id,))

    # --- idempotency tokens -----------------------------------------------------------------------

    def token(self, token: str) -> tuple[str, str, str | None] | None:
        row = self.conn.execute("SELECT id, kind, address FROM tokens WHERE token = ?", (token,)).fetchone()
        return tuple(row) if row else None

    def token_for(self, id: str) -> str | None:
        row = self.conn.execute("SELECT token FROM tokens WHERE id = ? ORDER BY rowid LIMIT 1", (id,)).fetchone()
        return row[0] if row else None

    def remember_token(self, token: str, id: str, kind: str, address: str | None):
        self.conn.execute("INSERT INTO tokens VALUES (?,?,?,?)", (token, id, kind, address))

    # --- references ---------------------------------------------------------------------------------

    def set_refs(self, src: str, refs: list[tuple[str, str]], new: bool = False):
        """`refs`: (attribute path, referenced id) pairs, replacing what `src` referenced before
        (`new`: a record just inserted, which referenced nothing)."""
        if not new:
            self.conn.execute("DELETE FROM refs WHERE src = ?", (src,))
        if refs:
            self.conn.executemany("INSERT OR IGNORE INTO refs VALUES (?,?,?)", [(src, dst, path) for path, dst in refs])

    def drop_ref(self, src: str, dst: str):
        self.conn.execute("DELETE FROM refs WHERE src = ? AND dst = ?", (src, dst))

    def referrers(self, dst: str, kind: str | None = None) -> list[tuple[Record, str]]:
        """The records (of `kind`) that reference `dst`, with the attribute path, in creation order."""
        columns = ", ".join("r." + c.strip() for c in _COLUMNS.split(","))
        where, params = "f.dst = ?", (dst,)
        if kind is not None:
            where, params = "f.dst = ? AND r.kind = ?", (dst, kind)
        rows = self.conn.execute(f"SELECT {columns}, f.path FROM refs f JOIN resources r ON r.id = f.src "
                                 f"WHERE {where} ORDER BY r.seq, f.path", params)
        return [(Record.from_row(row[:-1]), row[-1]) for row in rows]

    # --- addresses ----------------------------------------------------------------------------------

    def lowest_free_ip(self, subnet: str, first: int) -> int:
        """The lowest address from `first` up that nobody holds in the subnet."""
        if self.conn.execute("SELECT 1 FROM private_ips WHERE subnet = ? AND ip = ?", (subnet, first)).fetchone() is None:
            return first
        return self.conn.execute(
            "SELECT p.ip + 1 FROM private_ips p WHERE p.subnet = ? AND p.ip >= ? AND NOT EXISTS "
            "(SELECT 1 FROM private_ips q WHERE q.subnet = p.subnet AND q.ip = p.ip + 1) ORDER BY p.ip LIMIT 1",
            (subnet, first)).fetchone()[0]

    def count_private_ips(self, subnet: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM private_ips WHERE subnet = ?", (subnet,)).fetchone()[0]

    def private_ip_holders(self, subnet: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT holder FROM private_ips WHERE subnet = ? ORDER BY holder", (subnet,))]

    def take_private_ip(self, subnet: str, ip: int, holder: str):
        self.conn.execute("INSERT INTO private_ips VALUES (?,?,?)", (subnet, ip, holder))

    def release_private_ip(self, subnet: str, ip: int):
        self.conn.execute("DELETE FROM private_ips WHERE subnet = ? AND ip = ?", (subnet, ip))

    def lowest_free_public_ip(self, first: int) -> int:
        """The lowest public address from `first` up that nobody holds (one indexed query, not a
        scan of every address taken: an estate takes thousands)."""
        if self.conn.execute("SELECT 1 FROM public_ips WHERE ip = ?", (first,)).fetchone() is None:
            return first
        return self.conn.execute(
            "SELECT p.ip + 1 FROM public_ips p WHERE p.ip >= ? AND NOT EXISTS "
            "(SELECT 1 FROM public_ips q WHERE q.ip = p.ip + 1) ORDER BY p.ip LIMIT 1", (first,)).fetchone()[0]

    def take_public_ip(self, ip: int, holder: str, region: str | None, elastic: bool, vpc: str | None):
        self.conn.execute("INSERT INTO public_ips VALUES (?,?,?,?,?)", (ip, holder, region, int(elastic), vpc))

    def release_public_ips(self, holder: str):
        self.conn.execute("DELETE FROM public_ips WHERE holder = ?", (holder,))

    def set_public_ip_vpc(self, holder: str, vpc: str | None):
        self.conn.execute("UPDATE public_ips SET vpc = ? WHERE holder = ?", (vpc, holder))

    def count_elastic_ips(self, region: str | None) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM public_ips WHERE elastic = 1 AND region IS ?",
                                 (region,)).fetchone()[0]
