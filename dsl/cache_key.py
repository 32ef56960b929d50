"""The per-user secret that authenticates archform's cache files.

A cache file is only trusted when it carries a MAC made with this key (cache_files.py), so a
file planted in the cache folder — by another user, or in a CI cache restored from elsewhere —
is a miss, never code that runs. The key is 32 random bytes in a file of the user's own:
$ARCHFORM_CACHE_KEY when set, else `archform.key` in the user's cache directory
($XDG_CACHE_HOME, else ~/.cache), beside the default cache folder and never inside it, so
sharing or restoring a cache folder never carries the key along. The file is created 0600;
one that another user owns, or that others may read or write, is not trusted: it is replaced
by a new key (every entry then misses once), and when it cannot be, nothing is cached.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32
_known: dict[str, bytes | None] = {}


def key_path() -> Path:
    explicit = os.environ.get("ARCHFORM_CACHE_KEY")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "archform.key"


def cache_key() -> bytes | None:
    """This user's key (made on first use), or None when there is no safe place for one."""
    path = key_path()
    where = str(path)
    if where not in _known:
        _known[where] = _read(path) or _create(path)
    return _known[where]


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not _private(st):
            return None
        text = os.read(fd, 4 * KEY_BYTES).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def _private(st: os.stat_result) -> bool:
    """A regular file of this user's that nobody else may read or write."""
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISREG(st.st_mode) and owner_ok and not st.st_mode & 0o077


def _create(path: Path) -> bytes | None:
    """A new key, written atomically: whoever creates the file first wins, and every
    process then reads that one."""
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, key.hex().encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # never replaces a key another process has just made
        except FileExistsError:
            existing = _read(path)
            if existing is not None:
                return existing
            os.replace(tmp, path)  # an untrusted file: replaced by ours
        return _read(path)
    except OSError:
        return None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
