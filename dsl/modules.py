"""Finding and loading `.arch` files, with parsed modules cached by content hash.

`use "stdlib/network/three_tier" as net` finds archform's own library; any other path is
relative to the file that uses it. The `.arch` extension may be left off. Parsed modules are
kept in memory and, when a cache directory is set, on disk under their content hash
(cache_files.py), so a re-run skips unchanged files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import ast, cache_files
from .diagnostics import Diagnostic, error
from .parser import parse

STDLIB_DIR = Path(__file__).resolve().parent.parent / "stdlib" / "modules"
STDLIB_PREFIX = "stdlib/"

_VERSION = None


def _code_version() -> str:
    """A hash of the code that shapes the AST: a cached parse is valid only for the same code."""
    global _VERSION
    if _VERSION is None:
        here = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for name in ("grammar.lark", "parser.py", "transform.py", "ast.py", "record.py", "values.py", "diagnostics.py"):
            h.update((here / name).read_bytes())
        _VERSION = h.hexdigest()[:16]
    return _VERSION


def default_cache_dir() -> Path | None:
    return cache_files.folder("modules")


class Loader:
    """Loads modules from disk, or from `sources` (path → text) when given (tests, editors)."""

    def __init__(self, cache_dir: Path | None = None, sources: dict[str, str] | None = None):
        self.cache_dir = cache_dir
        self.sources = {str(Path(k)): t for k, t in (sources or {}).items()}
        self._memory: dict[str, tuple] = {}
        # what was read from disk (absolute path → hash of its text) and what was looked for and
        # missing (→ None): the inputs a cached resolution is checked against (resolved_cache.py)
        self.inputs: dict[str, str | None] = {}

    def display_name(self, path: Path) -> str:
        path = Path(path)
        try:
            rel = path.resolve().relative_to(STDLIB_DIR)
            return STDLIB_PREFIX + rel.as_posix()
        except ValueError:
            pass
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def find(self, spec: str, from_file: Path) -> Path | None:
        """The file `use "<spec>"` names, or None."""
        try:
            return self._find(spec, from_file)
        except (ValueError, OSError):
            return None

    def _find(self, spec: str, from_file: Path) -> Path | None:
        if not spec.strip() or "\0" in spec:
            return None
        if spec.startswith(STDLIB_PREFIX):
            base = STDLIB_DIR / spec[len(STDLIB_PREFIX):]
        else:
            base = Path(from_file).parent / spec
        if not base.name:
            return None
        for candidate in (base, base.with_name(base.name + ".arch")):
            if str(Path(os.path.normpath(candidate))) in self.sources:
                return Path(os.path.normpath(candidate))
            if candidate.is_file():
                return candidate
            self.inputs.setdefault(os.path.abspath(candidate), None)
        return None

    def load(self, path: Path) -> tuple[ast.Module | None, list[Diagnostic]]:
        path = Path(path)
        name = self.display_name(path)
        if str(path) in self.sources:
            return self.load_text(self.sources[str(path)], str(path))
        try:
            text = self.read_text(path)
        except (OSError, UnicodeDecodeError) as e:
            return None, [error(f"cannot read {name}: {getattr(e, 'strerror', None) or e}")]
        return self.load_text(text, name, self.inputs[os.path.abspath(path)])

    def read_text(self, path: Path) -> str:
        """A file's text, recorded (with its digest) as an input of this resolution."""
        text = Path(path).read_text(encoding="utf-8")
        self.inputs[os.path.abspath(path)] = cache_files.text_digest(text)
        return text

    def load_text(self, text: str, name: str, digest: str | None = None) -> tuple[ast.Module | None, list[Diagnostic]]:
        digest = digest or cache_files.text_digest(text)
        key = f"{_code_version()}-{digest}"
        hit = self._memory.get((key, name))
        if hit is not None:
            return hit
        result = self._from_disk(key, name)
        if result is None:
            result = parse(text, name, digest)
            self._to_disk(key, name, result)
        self._memory[(key, name)] = result
        return result

    def _cache_path(self, key: str, name: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name_hash = hashlib.sha256(name.encode()).hexdigest()[:12]
        return self.cache_dir / f"{key}-{name_hash}{cache_files.SUFFIX}"

    def _from_disk(self, key, name):
        found = cache_files.read(self._cache_path(key, name))
        if type(found) is tuple and len(found) == 2 and type(found[0]) is ast.Module and type(found[1]) is list:
            return found
        return None

    def _to_disk(self, key, name, result):
        if result[0] is not None:
            cache_files.write(self._cache_path(key, name), result)
