"""The resolved architecture of a root file, cached and reused while nothing it came from changed.

Resolution is a pure function of the files it reads, the parameters it is given and archform's
own code, so `plan` and `apply` keep what it returned (the desired resources and the warnings)
beside the parse cache and reuse it when all of those are unchanged — as a compiler's
incremental cache does. An entry is found by (archform's code, the root file, the working
directory, the parameters, the limits and the folders allowed to be read) and holds every
input it was made from: each file read (`use`d modules, `file()` arguments) with the hash of
its content, and each path probed and found missing. It is reused only when every file still
has that content and every missing path is still missing; anything else resolves afresh and
replaces the entry. Results with errors are never kept.

The entry holds what the planner reads: the pydantic models checked while resolving are
dropped (`Resource.model` is None on a reused result).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from pathlib import Path

from . import cache_files

FORMAT = 1
_CODE: str | None = None


def _code_fingerprint() -> str:
    """What archform's resolver and catalogue are made of: every source file's size and
    modification time (an edited checkout or another release gives another fingerprint)."""
    global _CODE
    if _CODE is None:
        here = Path(__file__).resolve().parent
        h = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
        for folder in (here, here.parent / "stdlib"):
            for root, dirs, files in os.walk(folder):
                dirs.sort()
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                for name in sorted(files):
                    if name.endswith((".py", ".lark")):
                        st = os.stat(os.path.join(root, name))
                        h.update(f"{os.path.join(root, name)} {st.st_size} {st.st_mtime_ns}\n".encode())
        # the validators' library (found, not imported): its release changes what a model accepts
        from importlib.util import find_spec
        spec = find_spec("pydantic_core")
        found = os.stat(spec.origin) if spec is not None and spec.origin else None
        h.update(f"{found.st_size if found else 0} {found.st_mtime_ns if found else 0}".encode())
        _CODE = h.hexdigest()
    return _CODE


def resolve_reusing(path: str | Path, params: dict[str, str] | None = None, allow=()):
    """`resolve(path, params, allow=allow)`, or the result kept from an earlier run with the same
    inputs."""
    from .limits import Limits
    params = dict(params or {})
    cache_dir = cache_files.folder("resolved")
    try:
        setting = Limits.from_environment().key()
    except ValueError as e:
        setting = str(e)  # never stored: the resolution reports it as an error
    setting += "\0" + "\0".join(os.path.realpath(p) for p in allow)
    kept = load(cache_dir, Path(path), params, setting)
    if kept is not None:
        return kept
    from .modules import Loader, default_cache_dir
    from .resolve import resolve
    loader = Loader(default_cache_dir(), allow=allow)
    desired, diags = resolve(path, params, loader=loader)
    store(cache_dir, Path(path), params, loader.inputs, desired, diags, setting)
    return desired, diags


def _entry_path(cache_dir: Path, root: Path, params: dict, setting: str = "") -> Path:
    h = hashlib.sha256(_code_fingerprint().encode())
    h.update(os.path.abspath(root).encode() + b"\0" + os.getcwd().encode() + b"\0")
    h.update(setting.encode("utf-8", "surrogateescape") + b"\0")
    for k in sorted(params):
        h.update(f"{k}={params[k]}\0".encode("utf-8", "surrogateescape"))
    return cache_dir / f"{h.hexdigest()[:32]}{cache_files.SUFFIX}"


def _unchanged(inputs: dict[str, str | None], limit: int) -> bool:
    for path, digest in inputs.items():
        if digest is None:
            if os.path.isfile(path):
                return False
            continue
        try:
            with open(path, "rb") as f:
                if os.fstat(f.fileno()).st_size > limit:  # grown past every limit: changed, not read
                    return False
                data = f.read()
            if cache_files.text_digest(cache_files.universal_newlines(data.decode("utf-8"))) != digest:
                return False
        except (OSError, UnicodeDecodeError, ValueError):
            return False
    return True


def load(cache_dir: Path | None, root: Path, params: dict, setting: str = ""):
    """(desired, diagnostics) resolved earlier from exactly these inputs, or None."""
    if cache_dir is None:
        return None
    from .limits import Limits
    limit = max(Limits().source, Limits().file)
    entry = cache_files.read(_entry_path(cache_dir, root, params, setting))
    if (type(entry) is not dict or entry.get("format") != FORMAT or type(entry.get("inputs")) is not dict
            or not _unchanged(entry["inputs"], limit)):
        return None
    return entry["desired"], entry["diagnostics"]


def store(cache_dir: Path | None, root: Path, params: dict, inputs: dict[str, str | None], desired,
          diagnostics, setting: str = "") -> None:
    """Keep a result without errors (and without secrets: a sensitive value is never written
    outside the state, where it is encrypted) for the next run."""
    if cache_dir is None or desired is None or any(d.is_error for d in diagnostics):
        return
    if desired.holds_secrets():
        return
    resources = {a: dataclasses.replace(r, model=None) for a, r in desired.resources.items()}
    cache_files.write(_entry_path(cache_dir, root, params, setting), {
        "format": FORMAT, "inputs": dict(sorted(inputs.items())),
        "desired": dataclasses.replace(desired, resources=resources), "diagnostics": list(diagnostics)})
