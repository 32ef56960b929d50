"""Which configurations a path names: a file is one; in a folder, every `.arch` file that no
other file there `use`s (those are reached through their users)."""

from __future__ import annotations

from pathlib import Path


def find_roots(paths) -> tuple[list[Path], list]:
    """The configurations to check: each file given, and in each directory every `.arch`
    file that no other file there `use`s (those are checked through their users)."""
    from . import ast
    from .diagnostics import error
    from .modules import Loader
    roots: list[Path] = []
    problems = []
    for p in paths:
        path = Path(p)
        if path.is_file():
            roots.append(path)
            continue
        if not path.is_dir():
            problems.append(error(f"no such file or directory: {p}"))
            continue
        files = sorted(f for f in path.rglob("*.arch") if not any(part.startswith(".") for part in f.parts))
        loader = Loader(None)
        used: set[Path] = set()
        for f in files:
            module, _ = loader.load(f)
            if module is None:
                continue
            for item in module.items:
                if isinstance(item, ast.Use):
                    target = loader.find(item.path, f)
                    if target is not None:
                        used.add(target.resolve())
        roots.extend(f for f in files if f.resolve() not in used)
        if not files:
            problems.append(error(f"no .arch files under {p}"))
    return roots, problems
