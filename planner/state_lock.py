"""Who may change a state: an operating-system lock held for the command's whole life.

The lock row in the state names its holder (command, pid, host, since) for messages, but
whether the holder still runs is never guessed from its pid — a pid means nothing in another
PID namespace or container on the same host. Liveness is the lock itself: for a SQLite state
an exclusive `flock` on a file beside it (`state.db.locks/<workspace>.lock`), for PostgreSQL a
session advisory lock; the kernel or the server releases it the moment its holder dies,
however it dies. A lock row whose OS lock is free was left by a process that is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import sys
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .state_integrity import StateError
from .state_records import UNKNOWN_HOLDER, LockInfo, StateLocked
from .state_sql import Dialect


def lock_key(text: str) -> int:
    """A stable positive 31-bit key for `text` (PostgreSQL advisory locks take int4 pairs)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


def _file_name(workspace: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", workspace)
    if safe != workspace:
        safe += "-" + format(lock_key(workspace), "x")
    return safe + ".lock"


class ExclusiveLock(Protocol):
    """What a store's OS-level lock offers: a `FileLock` for SQLite, a session advisory lock
    for PostgreSQL."""

    def acquire(self) -> bool: ...
    def release(self) -> None: ...
    def held_elsewhere(self) -> bool: ...
    def break_(self) -> None: ...


class FileLock:
    """An exclusive `flock` on `<state>.locks/<workspace>.lock`, held until `release()`."""

    def __init__(self, state_path: Path, workspace: str):
        self.path = Path(f"{state_path}.locks") / _file_name(workspace)
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another process (or command) does."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        # a `force-unlock` may have removed the file meanwhile: then this lock guards nothing
        try:
            if os.fstat(fd).st_ino != os.stat(self.path).st_ino:
                os.close(fd)
                return self.acquire()
        except FileNotFoundError:
            os.close(fd)
            return self.acquire()
        self._fd = fd
        return True

    def release(self):
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def held_elsewhere(self) -> bool:
        """Whether a running process holds the lock (checked by trying to take it)."""
        if self._fd is not None:
            return False
        if not self.path.exists():
            return False
        try:
            fd = os.open(self.path, os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the lock we may have taken
        return False

    def break_(self):
        """Take the lock away from a live holder: the file goes, so the next command locks a
        new one (the holder keeps running; that is what forcing means)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class Locking:
    """The workspace lock of a `StateStore` (which provides `_tx`, `_read`, `workspace`, `path`,
    `sql`, its dialect, and `_exclusive`, the OS lock)."""

    workspace: str
    path: Any  # a SQLite file's Path, or a PostgreSQL URL
    sql: Dialect
    released_stale: LockInfo | None
    _lock_id: str | None
    _exclusive: ExclusiveLock

    if TYPE_CHECKING:
        def _tx(self) -> AbstractContextManager[Any]: ...
        def _read(self) -> AbstractContextManager[Any]: ...

    def lock(self, command: str, since: str, timeout: float = 0.0) -> LockInfo:
        """Take the workspace lock — waiting up to `timeout` seconds for a holder to finish — or
        raise StateLocked naming the holder. A lock row whose holder is gone (its OS lock is
        free, however it died) is released, and noted in `released_stale`."""
        info = LockInfo(uuid.uuid4().hex[:12], os.getpid(), socket.gethostname(), command, since)
        deadline = time.monotonic() + max(0.0, timeout)
        while not self._acquire_exclusive():
            left = deadline - time.monotonic()
            if left <= 0:
                raise StateLocked(self.workspace, self._holder_for_message())
            time.sleep(min(0.2, left))
        try:
            with self._tx() as conn:
                row = conn.execute(self.sql.lock_row, (self.workspace,)).fetchone()
                if row is not None and not self._gone(LockInfo(*row)):
                    raise StateLocked(self.workspace, LockInfo(*row))
                self.released_stale = LockInfo(*row) if row is not None else None
                conn.execute(self.sql.clear_lock, (self.workspace,))
                conn.execute(self.sql.add_lock, (self.workspace, info.lock_id, info.pid, info.host, info.command,
                                                 info.since))
        except BaseException:
            self._release_exclusive()
            raise
        self._lock_id = info.lock_id
        return info

    def _gone(self, holder: LockInfo) -> bool:
        """Whether the holder of a lock row whose OS lock is free has surely ended. On this host,
        yes. A row written on another host may come from a file system that does not share
        locks between machines: that holder is released only by `force-unlock`."""
        return holder.host == socket.gethostname()

    def _holder_for_message(self) -> LockInfo:
        """The lock row of the process that holds the OS lock (it writes it just after taking it)."""
        for _ in range(20):
            holder = self.lock_holder()
            if holder is not None:
                return holder
            time.sleep(0.05)
        return UNKNOWN_HOLDER

    def unlock(self):
        if self._lock_id is None:
            return
        try:
            with self._tx() as conn:
                conn.execute(self.sql.remove_lock, (self.workspace, self._lock_id))
        except StateError:
            pass  # the row stays; with its OS lock free, the next command releases it as stale
        finally:
            self._release_exclusive()
            self._lock_id = None

    def lock_taken_away(self) -> bool:
        """Whether the lock this store took is no longer its own (`force-unlock` removed it, and
        another command may hold the workspace now). False when this store took no lock."""
        if self._lock_id is None:
            return False
        holder = self.lock_holder()
        return holder is None or holder.lock_id != self._lock_id

    def lock_holder(self) -> LockInfo | None:
        with self._read() as conn:
            row = conn.execute(self.sql.lock_row, (self.workspace,)).fetchone()
        return LockInfo(*row) if row else None

    def holder_alive(self) -> bool:
        """Whether a running command holds this workspace's lock (not a guess from its pid)."""
        return self._exclusive.held_elsewhere()

    def force_unlock(self, lock_id: str) -> bool:
        """Remove the lock with this id. If its holder still runs, the OS lock is broken too, so
        the next command can start (the CLI asks before doing that)."""
        with self._tx() as conn:
            cur = conn.execute(self.sql.remove_lock, (self.workspace, lock_id))
            removed = cur.rowcount > 0
        if removed and self.holder_alive():
            self._exclusive.break_()
        return removed

    def _acquire_exclusive(self) -> bool:
        try:
            return self._exclusive.acquire()
        except OSError as e:
            raise StateError(f"cannot lock the state at {self.path}: {e.strerror or e}",
                             "run from a folder you can write to, or name another state with --state") from None

    def _release_exclusive(self):
        self._exclusive.release()


# --- taking a workspace's lock for a command --------------------------------------------------

STALE_NOTE = "note: released a lock left by a process that no longer runs: "


def note_on_stderr(text: str) -> None:
    """Where a note goes unless the caller says otherwise: standard error, one line."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class LockRefused(StateError):
    """Another command holds the workspace's lock. `locked`: the StateLocked naming the
    holder; `unlock_command`: the command that removes its lock."""

    def __init__(self, locked, store, timeout: float = 0.0):
        self.locked = locked
        self.unlock_command = force_unlock_command(store, locked.holder.lock_id)
        waited = f" (waited {timeout:g}s)" if timeout else ""
        super().__init__(f"{locked}{waited}",
                         "another archform command is working on this state; wait for it (--lock-timeout 5m waits "
                         f"for you), or if it will never finish, run: {self.unlock_command}")


def take_lock(store, command: str, timeout: float = 0.0, notify=note_on_stderr) -> None:
    """Take the state's lock for `command`, waiting up to `timeout` seconds, or raise
    LockRefused. A lock left by a process that no longer runs is released, and `notify` (if
    any) told."""
    from .clock import now_text
    from .state import StateLocked
    try:
        store.lock(command, now_text(), timeout)
    except StateLocked as e:
        raise LockRefused(e, store, timeout) from None
    if store.released_stale is not None and notify is not None:
        notify(STALE_NOTE + store.released_stale.describe())


def force_unlock_command(store, lock_id: str) -> str:
    """The command that removes this lock, naming the state and workspace unless defaults."""
    import shlex
    from .state import DEFAULT_PATH
    words = ["archform", "force-unlock", lock_id]
    if Path(store.path) != DEFAULT_PATH:
        words += ["--state", str(store.path)]
    if store.workspace != "default":
        words += ["--workspace", store.workspace]
    return shlex.join(words)
