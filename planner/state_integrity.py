"""Keeping the state honest: checksums on every record, and refusing what is not a state.

Every resource row carries a checksum (64 bits of BLAKE2b over its address, kind, provider
id, status and JSON document); each workspace row carries how many records it has and the
XOR of their checksums. Both are written in the transaction that writes the rows, and every
read of the state recomputes them, so a flipped byte, a lost page or a row edited by hand is
reported — naming the records it hit — instead of being read as "fewer resources", which the
next apply would make again as duplicates.

A file is refused before SQLite reads it when it is empty (a state is never zero bytes: the
file was truncated), not a SQLite database, or the database of another program (archform's
states carry their own application id).

Errors here are `StateError`s: one line that says what is wrong, and a hint that says what to
do; the command line prints them without a traceback.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

APPLICATION_ID = 0x41524346  # "ARCF", in the SQLite header of every state archform creates
SQLITE_MAGIC = b"SQLite format 3\x00"


class StateError(Exception):
    """A state that cannot be used as it is. `hint`: what the user can do about it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class StateDamaged(StateError):
    """The state's records do not match their checksums, or SQLite finds the file corrupt."""


def restore_hint(path) -> str:
    from .state_backup import backups_folder
    folder = backups_folder(path)
    where = f" (copies are kept in {folder})" if folder is not None and folder.is_dir() else ""
    return f"restore the last good copy with `archform state restore --state {path}`{where}"


def row_digest(address: str, kind: str, provider_id, status: str, doc: str) -> int:
    """The checksum of one resource row, as a signed 64-bit integer (what SQLite stores)."""
    text = "\x00".join((address, kind, provider_id or "", status, doc)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


def check_file(path: Path):
    """Refuse a file that cannot be an archform state, before SQLite opens it (SQLite takes
    a zero-byte file for a new, empty database)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as e:
        raise StateError(f"cannot read the state at {path}: {e.strerror}")
    if path.is_dir():
        raise StateError(f"the state {path} is a directory", "name the state's file with --state")
    if size == 0:
        raise StateDamaged(f"the state at {path} is empty (0 bytes): the file was truncated",
                           restore_hint(path) + "; or, to start a new state, delete the file")
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as e:
        raise StateError(f"cannot read the state at {path}: {e.strerror}")
    if not head.startswith(SQLITE_MAGIC):
        raise StateError(f"{path} is not an archform state (not a SQLite database)",
                         "name the state's file with --state; " + restore_hint(path))
    if len(head) == 100:
        app_id = int.from_bytes(head[68:72], "big")
        if app_id not in (0, APPLICATION_ID):
            raise StateError(f"{path} is not an archform state (it is another program's SQLite database)",
                             "name the state's file with --state")


def sqlite_error(path, e: Exception) -> StateError:
    """What a SQLite failure means for the user."""
    text = str(e)
    low = text.lower()
    if "could not decode" in low:  # a record's text is not UTF-8: say so without echoing it
        return StateDamaged(f"the state at {path} is damaged (a record is not valid text)", restore_hint(path))
    text = text if len(text) <= 200 else text[:200] + "…"
    if "malformed" in low or "not a database" in low or "file is encrypted" in low:
        return StateDamaged(f"the state at {path} is damaged ({text})", restore_hint(path))
    if "disk is full" in low or "disk i/o error" in low:
        return StateError(f"could not write the state at {path}: {text}",
                          "free some space and run the command again; every operation that finished is "
                          "recorded, and the next run reconciles those that were in flight")
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        writable = os.access(Path(path).parent if str(path) else ".", os.W_OK)
        why = "" if writable else f" ({Path(path).parent} is not writable)"
        return StateError(f"cannot write the state at {path}: {text}{why}",
                          "run from a folder you can write to, or name another state with --state")
    if "locked" in low or "busy" in low:
        return StateError(f"the state at {path} is busy ({text})", "another process holds it; try again")
    return StateError(f"the state at {path} could not be used: {text}")


def damaged_records(path, bad: list[str], count: int, expected_count: int, sums_match: bool) -> StateDamaged:
    """The error for a read whose checksums do not add up."""
    parts = []
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        parts.append(f"{len(bad)} record(s) do not match their checksums ({shown})")
    if count != expected_count:
        parts.append(f"{count} record(s) read where {expected_count} were written")
    elif not bad and not sums_match:
        parts.append("the records do not add up to the checksum written with them")
    return StateDamaged(f"the state at {path} is damaged: " + "; ".join(parts), restore_hint(path))
