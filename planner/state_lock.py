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
from pathlib import Path


def lock_key(text: str) -> int:
    """A stable positive 31-bit key for `text` (PostgreSQL advisory locks take int4 pairs)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


def _file_name(workspace: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", workspace)
    if safe != workspace:
        safe += "-" + format(lock_key(workspace), "x")
    return safe + ".lock"


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
