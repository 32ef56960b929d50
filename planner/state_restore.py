"""`archform state restore`: put a good snapshot back as the state.

Where the snapshot comes from: `--file` (a backup, or what `state pull` wrote); `--serial N`
(the history, or the backup file of that serial when the database cannot be read); by default
the newest backup file (or history snapshot). When the database file itself is damaged, it is
moved aside (`state.db.damaged`, numbered if that exists) and a new one is built from the
newest backup of every workspace it held; when only a workspace's records are damaged, that
workspace is restored in place. A restored workspace keeps its lineage and gets a new
serial, higher than any it had, so plans saved before are refused.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .state import StateResource, StateStore, is_url, open_state
from .state_backup import backed_up_workspaces, list_backups, load_snapshot, snapshot_problem
from .state_integrity import StateDamaged, StateError
from .state_lock import FileLock


def restore_state(state_path, workspace: str, serial: int | None, from_file, lock_timeout: float) -> str:
    if from_file is not None and serial is not None:
        raise StateError("name either --serial or --file, not both")
    if is_url(state_path):
        return _restore_in_place(state_path, workspace, serial, from_file, lock_timeout)
    path = Path(state_path)
    if not path.exists():
        return _rebuild(path, workspace, serial, from_file, damaged_to=None)
    try:
        store = open_state(path, workspace)
    except StateDamaged:
        return _rebuild(path, workspace, serial, from_file, damaged_to=_set_aside(path))
    store.close()
    if not _file_intact(path):
        return _rebuild(path, workspace, serial, from_file, damaged_to=_set_aside(path))
    return _restore_in_place(path, workspace, serial, from_file, lock_timeout)


def _file_intact(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _restore_in_place(state_path, workspace, serial, from_file, lock_timeout) -> str:
    from .state_lock import take_lock
    store = open_state(state_path, workspace)
    take_lock(store, "state restore", lock_timeout)
    try:
        try:
            snap = store.read(unsealed=False)
            damaged = None
        except StateDamaged as e:
            snap, damaged = None, e
        if damaged is None and serial is None and from_file is None:
            raise StateError(f"the state at {state_path} (workspace '{workspace}') is intact",
                             "to go back to an earlier snapshot, name it: --serial N (see `archform state "
                             "history`) or --file FILE")
        doc, source = _snapshot(store, state_path, workspace, serial, from_file)
        lineage = snap.lineage if snap is not None else doc["lineage"]
        if snap is not None and snap.lineage and doc["lineage"] != snap.lineage:
            raise StateError(f"the snapshot belongs to another state (lineage {doc['lineage']}, this one is "
                             f"{snap.lineage})", "restore it into its own state with --state")
        new_serial = _put_back(store, doc, lineage)
    finally:
        store.unlock()
        store.close()
    return (f"Restored workspace '{workspace}' from {source} ({len(doc['resources'])} resources) as serial "
            f"{new_serial}.\nRun `archform plan` to compare it with what exists.")


def _snapshot(store, state_path, workspace, serial, from_file) -> tuple[dict, str]:
    if from_file is not None:
        return load_snapshot(from_file), str(from_file)
    if serial is not None:
        doc = store.history_snapshot(serial) if store is not None else None
        if doc is not None:
            problem = snapshot_problem(doc)
            if problem:
                raise StateDamaged(f"the history snapshot of serial {serial} is damaged: {problem}")
            return doc, f"the history snapshot of serial {serial}"
        for s, p in list_backups(state_path, workspace):
            if s == serial:
                return load_snapshot(p), f"backup {p}"
        raise StateError(f"no snapshot of serial {serial} for workspace '{workspace}'",
                         "see `archform state history` for the serials kept")
    backups = list_backups(state_path, workspace)
    for s, p in reversed(backups):
        try:
            return load_snapshot(p), f"backup {p}"
        except StateError:
            continue  # a damaged backup: try the one before
    if store is not None:
        for s, _, _ in reversed(store.history()):
            doc = store.history_snapshot(s)
            if doc is not None and snapshot_problem(doc) is None:
                return doc, f"the history snapshot of serial {s}"
    raise StateError(f"no backup or history snapshot of workspace '{workspace}' to restore",
                     "restore a file with --file FILE")


def _put_back(store, doc: dict, lineage: str) -> int:
    resources = [StateResource.from_json(r) for r in doc["resources"]]
    with store.edit("restore") as edit:
        edit.set_identity(lineage, max(edit.serial, int(doc["serial"]) + 1))
        edit.replace_all(resources, doc["outputs"])
        serial = edit.serial
    return serial


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its journal files) out of the way; where it went."""
    target = path.with_name(path.name + ".damaged")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged.{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            os.replace(extra, Path(str(target) + suffix))
    return target


def _rebuild(path: Path, workspace: str, serial, from_file, damaged_to: Path | None) -> str:
    """A new database from backups: this workspace's chosen snapshot, every other workspace's
    newest backup."""
    guard = FileLock(path, workspace)
    if not guard.acquire():
        raise StateError(f"another archform command holds the lock of workspace '{workspace}' at {path}",
                         "wait for it to finish, then restore")
    try:
        chosen, source = _snapshot(None, path, workspace, serial, from_file)
        restored = [(workspace, chosen, source)]
        for other in backed_up_workspaces(path):
            if other == workspace:
                continue
            try:
                doc, src = _snapshot(None, path, other, None, None)
            except StateError:
                continue
            restored.append((other, doc, src))
        for name, doc, _ in restored:
            store = StateStore(path, name, restoring=True)
            try:
                _put_back(store, doc, doc["lineage"])
            finally:
                store.close()
    finally:
        guard.release()
    lines = []
    if damaged_to is not None:
        lines.append(f"The state at {path} was damaged; it is kept as {damaged_to}.")
    else:
        lines.append(f"The state at {path} was missing.")
    for name, doc, src in restored:
        lines.append(f"Restored workspace '{name}' from {src} ({len(doc['resources'])} resources).")
    lines.append("Run `archform plan` to compare it with what exists.")
    return "\n".join(lines)
