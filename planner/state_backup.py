"""Copies of the state kept outside it, and what a snapshot file must hold to be restored.

Every apply, refresh, import and state edit ends with a snapshot of the state (`state pull`'s
JSON). The database keeps the last `$ARCHFORM_STATE_HISTORY` of them (default 20) as its
history; a SQLite state also writes the last `$ARCHFORM_STATE_BACKUPS` (default 5) as files
beside it, `state.db.backups/<workspace>/<serial>.json` — outside the database, so a damaged
file can still be restored (`archform state restore`), as Terraform keeps
`terraform.tfstate.backup`. A PostgreSQL state relies on its history and the server's own
backups.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .state_integrity import StateError
from .state_records import Status

HISTORY_ENV = "ARCHFORM_STATE_HISTORY"
BACKUPS_ENV = "ARCHFORM_STATE_BACKUPS"


def _setting(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise StateError(f"${name} must be a whole number of snapshots to keep, not {text!r}")
    if value < 1:
        raise StateError(f"${name} must keep at least 1 snapshot, not {value}")
    return value


def history_keep() -> int:
    return _setting(HISTORY_ENV, 20)


def backups_keep() -> int:
    return _setting(BACKUPS_ENV, 5)


def backups_folder(state_path) -> Path | None:
    text = str(state_path)
    if text.startswith(("postgresql://", "postgres://")):
        return None
    return Path(text + ".backups")


def _workspace_folder(state_path, workspace: str) -> Path | None:
    folder = backups_folder(state_path)
    if folder is None:
        return None
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", workspace)
    return folder / safe


def write_backup(state_path, workspace: str, serial: int, text: str):
    """Keep `text` (a snapshot) as the backup of `serial`, and only the newest few."""
    folder = _workspace_folder(state_path, workspace)
    if folder is None:
        return
    folder.parent.mkdir(mode=0o700, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{serial:08d}.json"
    tmp = folder / f".{serial:08d}.json.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    keep = backups_keep()
    for _, old in list_backups(state_path, workspace)[:-keep]:
        old.unlink(missing_ok=True)


def list_backups(state_path, workspace: str) -> list[tuple[int, Path]]:
    """(serial, file) of every backup of `workspace`, oldest first."""
    folder = _workspace_folder(state_path, workspace)
    if folder is None or not folder.is_dir():
        return []
    out = []
    for p in folder.glob("*.json"):
        if p.stem.isdigit():
            out.append((int(p.stem), p))
    return sorted(out)


def backups_lineage(state_path, workspace: str) -> str | None:
    """The lineage of the newest backup file of `workspace` (read from the file's start, where
    a snapshot writes it first), None without one."""
    found = list_backups(state_path, workspace)
    if not found:
        return None
    try:
        with open(found[-1][1], "rb") as f:
            head = f.read(200)
    except OSError:
        return None
    m = re.match(rb'\{"lineage":\s*"([0-9A-Za-z-]+)"', head)
    return m.group(1).decode() if m else None


def remove_backups(state_path, workspace: str) -> None:
    """A deleted workspace's backup files (a workspace made again under its name is another
    state, with another lineage)."""
    for _, path in list_backups(state_path, workspace):
        path.unlink(missing_ok=True)
    folder = _workspace_folder(state_path, workspace)
    if folder is not None and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def backed_up_workspaces(state_path) -> list[str]:
    folder = backups_folder(state_path)
    if folder is None or not folder.is_dir():
        return []
    names = []
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and any(p.stem.isdigit() for p in sub.glob("*.json")):
            names.append(sub.name)
    return names


def newest_backup_with_resources(state_path, workspace: str) -> tuple[int, int] | None:
    """(serial, number of resources) of the newest backup, when it records any resource."""
    backups = list_backups(state_path, workspace)
    if not backups:
        return None
    serial, path = backups[-1]
    try:
        doc = load_snapshot(path)
    except StateError:
        return None
    return (serial, len(doc["resources"])) if doc["resources"] else None


def load_snapshot(path) -> dict:
    """A snapshot file (a backup, or what `state pull` wrote), checked before it is trusted."""
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise StateError(f"no snapshot file at {path}")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise StateError(f"{path} is not a readable state snapshot: {e}")
    problem = snapshot_problem(doc)
    if problem:
        raise StateError(f"{path} is not a state snapshot: {problem}")
    return doc


def snapshot_problem(doc) -> str | None:
    """What keeps `doc` from being a state snapshot (None when it is one)."""
    if not isinstance(doc, dict):
        return "expected a JSON object"
    for key, kind in (("lineage", str), ("serial", int), ("resources", list), ("outputs", dict)):
        if not isinstance(doc.get(key), kind):
            return f"'{key}' is missing or not a {kind.__name__}"
    seen = set()
    for i, r in enumerate(doc["resources"]):
        if not isinstance(r, dict) or not isinstance(r.get("address"), str) or not isinstance(r.get("kind"), str):
            return f"resource {i} has no address or kind"
        if r["address"] in seen:
            return f"{r['address']} is recorded twice"
        seen.add(r["address"])
        for key, kind in (("config", dict), ("applied", dict), ("outputs", dict), ("depends_on", list),
                          ("lifecycle", dict)):
            if key in r and not isinstance(r[key], kind):
                return f"{r['address']}: '{key}' is not a {kind.__name__}"
        if r.get("status", Status.OK) not in _STATUSES:
            return f"{r['address']}: 'status' is not one of {', '.join(_STATUSES)}"
    return None


_STATUSES = [s.value for s in Status]
