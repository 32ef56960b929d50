"""Host pools in the store: every host of one instance family in one AZ, written the first
time an instance of that family launches there (one query to know, one insert to write)."""

from __future__ import annotations

from ..store import Tx
from . import layout


def ensure(tx: Tx, region: str | None, az: str, family: str) -> None:
    if tx.conn.execute("SELECT 1 FROM pools WHERE az = ? AND family = ?", (az, family)).fetchone():
        return
    tx.conn.execute("INSERT INTO pools VALUES (?, ?)", (az, family))
    tx.conn.executemany(
        "INSERT INTO hosts (id, region, az, dc, rack, rack_index, slot, family, vcpus, memory) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(h.id, region or "", h.az, h.dc, h.rack, h.rack_index, h.slot, h.family, h.vcpus, h.memory_gib)
         for h in layout.pool(az, family)])
