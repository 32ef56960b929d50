"""Finding and loading `.arch` files, with parsed modules cached by content hash; and what a
configuration may read.

`use "stdlib/network/three_tier" as net` finds archform's own library; any other path is
relative to the file that uses it. A module is an `.arch` file (the extension may be left
off). Parsed modules are kept in memory and, when a cache directory is set, on disk under
their content hash (cache_files.py), so a re-run skips unchanged files.

A configuration reads only inside its own folder (the root file's), archform's library, and
the folders allowed explicitly (`--allow-path DIR`): `use` and `file()` of anything else —
`../../etc/passwd`, `/proc/self/environ`, a symbolic link that leads out — is an error, and
every read is bounded by the limits (limits.py). Text that is not `.arch` source is never
quoted in a diagnostic.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from . import ast, cache_files
from .diagnostics import Diagnostic, error
from .limits import Limits
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


class ReadProblem(Exception):
    """A file that may not or cannot be read, said for a person (`over_limit`: it is too
    large, and raising the limit would let it be read)."""

    def __init__(self, message: str, over_limit: bool = False):
        super().__init__(message)
        self.over_limit = over_limit


class Loader:
    """Loads modules from disk, or from `sources` (path → text) when given (tests, editors).

    `limits` bound what is read and parsed (default: the environment's, see limits.py; a
    malformed ARCHFORM_LIMITS is kept in `limits_problem` for the resolver to report);
    `allow` are folders readable besides the configuration's own and archform's library;
    `partial`: a file with syntax errors still gives the items that parse (for editors: the
    rest of a broken file binds and checks), its mistakes reported beside them."""

    def __init__(self, cache_dir: Path | None = None, sources: dict[str, str] | None = None,
                 limits: Limits | None = None, allow=(), partial: bool = False):
        self.cache_dir = cache_dir
        self.partial = partial
        self.sources = {str(Path(k)): t for k, t in (sources or {}).items()}
        self._memory: dict[tuple[str, str], tuple] = {}
        # what was read from disk (absolute path → hash of its text) and what was looked for and
        # missing (→ None): the inputs a cached resolution is checked against (resolved_cache.py)
        self.inputs: dict[str, str | None] = {}
        self.limits_problem = ""
        if limits is None:
            try:
                limits = Limits.from_environment()
            except ValueError as e:
                limits, self.limits_problem = Limits(), str(e)
        self.limits = limits
        self.allow = tuple(os.path.realpath(p) for p in allow)

    # -- what may be read ------------------------------------------------------------------
    def may_read(self, path: Path, root: Path) -> bool:
        """Whether a configuration rooted in folder `root` may read `path`: inside `root`,
        archform's library or an allowed folder, once symbolic links are followed."""
        if str(Path(os.path.normpath(path))) in self.sources:
            return True
        real = os.path.realpath(path)
        return any(_within(real, folder) for folder in (os.path.realpath(root), str(STDLIB_DIR), *self.allow))

    def read_bounded(self, path: Path, limit: int, what: str) -> str:
        """The UTF-8 text of the regular file `path`, at most `limit` bytes (`what` names the
        limit); ReadProblem otherwise. Recorded, with its digest, as an input of this
        resolution."""
        key = str(Path(os.path.normpath(path)))
        if key in self.sources:
            return self.sources[key]
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as e:
            raise ReadProblem(e.strerror or str(e)) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ReadProblem("not a regular file")
            if st.st_size > limit:
                raise ReadProblem(f"{st.st_size:,} bytes, over the limit of {limit:,} ({what})", True)
            chunks, size = [], 0
            while size <= limit:  # the size said may be wrong (a file still growing, /proc)
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                raise ReadProblem(f"more than {limit:,} bytes, over the limit ({what})", True)
        except OSError as e:
            raise ReadProblem(e.strerror or str(e)) from None
        finally:
            os.close(fd)
        try:
            text = cache_files.universal_newlines(b"".join(chunks).decode("utf-8"))
        except UnicodeDecodeError as e:
            raise ReadProblem(f"not UTF-8 text (byte {e.start:,} is 0x{e.object[e.start]:02x})") from None
        self.inputs[os.path.abspath(path)] = cache_files.text_digest(text)
        return text

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
        candidates = (base,) if base.suffix == ".arch" else (base.with_name(base.name + ".arch"),)
        for candidate in candidates:  # a module is an .arch file: `use "/etc/passwd"` finds nothing
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
            text = self.read_bounded(path, self.limits.source, "source")
        except ReadProblem as e:
            return None, [error(f"cannot read {name}: {e}",
                                help=f'if the file is meant to be this large: ARCHFORM_LIMITS="source={self.limits.source * 4}"'
                                if e.over_limit else "")]
        return self.load_text(text, name, self.inputs[os.path.abspath(path)])

    def load_text(self, text: str, name: str, digest: str | None = None) -> tuple[ast.Module | None, list[Diagnostic]]:
        digest = digest or cache_files.text_digest(text)
        key = f"{_code_version()}-{self.limits.nesting}-{'p' if self.partial else ''}{digest}"
        hit = self._memory.get((key, name))
        if hit is not None:
            return hit
        result = self._from_disk(key, name)
        if result is None:
            result = parse(text, name, digest, nesting=self.limits.nesting, quote=name.endswith(".arch"),
                           partial=self.partial)
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


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)

