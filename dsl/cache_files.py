"""archform's cache folder and the files in it (parser tables, parsed modules, resolved
architectures).

The folder is $ARCHFORM_CACHE, else ~/.cache/archform; $ARCHFORM_NO_CACHE turns caching off.
A file is `MAGIC`, then an HMAC-SHA256 tag, then a pickle: the tag is made with this user's
key (cache_key.py) over the file's name and the pickle, and a file is unpickled only when its
tag is right. Anything else in the folder — damaged, truncated, from another user's key,
planted — reads as a miss and is never unpickled, so it can never run code. Files are written
atomically (a reader never sees half a file) and private (0600), and each kind is kept under a
size budget: writing one removes the least recently used beyond it (every hit marks its file
used), so editing a large architecture all day does not fill the disk.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from pathlib import Path

from . import collector
from .cache_key import cache_key

BUDGET = 512 * 1024 * 1024  # bytes per folder (parsed modules; resolved architectures)
SUFFIX = ".cache"
MAGIC = b"archform cache 1\n"
_TAG = hashlib.sha256().digest_size


def text_digest(text: str) -> str:
    """The hash a cached result is keyed or checked by: of a file's text, as read."""
    return hashlib.sha256(text.encode()).hexdigest()


def universal_newlines(text: str) -> str:
    """Line ends as Python's text files give them (\\r\\n and \\r become \\n): the text that
    inputs are read and hashed as."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cache_base() -> Path | None:
    if os.environ.get("ARCHFORM_NO_CACHE"):
        return None
    return Path(os.environ.get("ARCHFORM_CACHE", Path.home() / ".cache" / "archform"))


def folder(name: str) -> Path | None:
    base = cache_base()
    return None if base is None else base / name


def read(path: Path | None):
    """The object kept at `path`, or None: missing, damaged, not made with this user's key, or
    larger than a folder's budget."""
    if path is None:
        return None
    key = cache_key()
    if key is None:
        return None
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > BUDGET:
                return None
            data = f.read()
    except OSError:
        return None
    head = len(MAGIC) + _TAG
    if len(data) < head or not data.startswith(MAGIC):
        return None
    payload = memoryview(data)[head:]
    if not hmac.compare_digest(data[len(MAGIC):head], _tag(key, path.name, payload)):
        return None
    try:
        with collector.paused():
            found = pickle.loads(payload)
    except (pickle.PickleError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError,
            KeyError, RecursionError, MemoryError):
        return None  # made by this user's archform, but by code that no longer reads it
    try:
        os.utime(path)  # used now: pruning removes the least recently used first
    except OSError:
        pass
    return found


def _tag(key: bytes, name: str, payload) -> bytes:
    mac = hmac.new(key, name.encode("utf-8", "surrogateescape") + b"\0", hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def write(path: Path | None, obj, budget: int = BUDGET) -> None:
    """Keep `obj` at `path` (atomically), then keep its folder under `budget`. A cache that
    cannot be written is skipped, never an error."""
    if path is None:
        return
    key = cache_key()
    if key is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as f:
            f.write(MAGIC)
            f.write(_tag(key, path.name, payload))
            f.write(payload)
        os.replace(tmp, path)
    except (OSError, pickle.PickleError, RecursionError, TypeError, AttributeError):
        try:
            tmp.unlink()
        except OSError:
            pass
        return
    prune(path.parent, budget, keep=path)


def prune(where: Path, budget: int, keep: Path | None = None) -> None:
    """Remove the least recently used cache files of `where` until it holds at most `budget`
    bytes (never `keep`, the file just written). `.pickle` files, from archform releases that
    kept unauthenticated pickles, are never read again: they go first."""
    try:
        entries = []
        with os.scandir(where) as it:
            for e in it:
                if e.name.endswith((SUFFIX, ".pickle")) and e.is_file():
                    st = e.stat()
                    legacy = e.name.endswith(".pickle")
                    entries.append((not legacy, st.st_mtime_ns, e.name, st.st_size))
    except OSError:
        return
    total = sum(size for *_, size in entries)
    for *_, name, size in sorted(entries):
        if total <= budget:
            break
        if keep is not None and name == keep.name:
            continue
        try:
            os.unlink(where / name)
            total -= size
        except OSError:
            pass
