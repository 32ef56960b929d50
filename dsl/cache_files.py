"""archform's cache folder and the pickled files in it (parsed modules, resolved architectures).

The folder is $ARCHFORM_CACHE, else ~/.cache/archform; $ARCHFORM_NO_CACHE turns caching off.
Files are written atomically (a reader never sees half a file), a damaged or foreign file reads
as a miss, and each kind of file is kept under a size budget: writing one removes the least
recently used beyond it (every hit marks its file used), so editing a large architecture all
day does not fill the disk.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from . import collector

BUDGET = 512 * 1024 * 1024  # bytes per folder (parsed modules; resolved architectures)


def text_digest(text: str) -> str:
    """The hash a cached result is keyed or checked by: of a file's text, as read."""
    return hashlib.sha256(text.encode()).hexdigest()


def cache_base() -> Path | None:
    if os.environ.get("ARCHFORM_NO_CACHE"):
        return None
    return Path(os.environ.get("ARCHFORM_CACHE", Path.home() / ".cache" / "archform"))


def folder(name: str) -> Path | None:
    base = cache_base()
    return None if base is None else base / name


def read(path: Path | None):
    """The object pickled at `path`, or None (missing, damaged, or from other code)."""
    if path is None:
        return None
    try:
        with open(path, "rb") as f, collector.paused():
            found = pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, IndexError, TypeError,
            ValueError, KeyError):
        return None
    try:
        os.utime(path)  # used now: pruning removes the least recently used first
    except OSError:
        pass
    return found


def write(path: Path | None, obj, budget: int = BUDGET) -> None:
    """Pickle `obj` to `path` atomically, then keep its folder under `budget`. A cache that
    cannot be written is skipped, never an error."""
    if path is None:
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PickleError, RecursionError, TypeError, AttributeError):
        try:
            tmp.unlink()
        except OSError:
            pass
        return
    prune(path.parent, budget, keep=path)


def prune(where: Path, budget: int, keep: Path | None = None) -> None:
    """Remove the least recently used `.pickle` files of `where` until it holds at most `budget`
    bytes (never `keep`, the file just written)."""
    try:
        entries = []
        with os.scandir(where) as it:
            for e in it:
                if e.name.endswith(".pickle") and e.is_file():
                    st = e.stat()
                    entries.append((st.st_mtime_ns, e.name, st.st_size))
    except OSError:
        return
    total = sum(size for _, _, size in entries)
    for _, name, size in sorted(entries):
        if total <= budget:
            break
        if keep is not None and name == keep.name:
            continue
        try:
            os.unlink(where / name)
            total -= size
        except OSError:
            pass
