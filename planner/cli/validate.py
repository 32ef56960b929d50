"""`archform validate`: every problem in every file, at once."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_common import Context, echo_diagnostics


def find_roots(paths) -> tuple[list[Path], list]:
    """The configurations to check: each file given, and in each directory every `.arch`
    file that no other file there `use`s (those are checked through their users)."""
    from archform.dsl.diagnostics import error
    from archform.dsl.modules import Loader
    from archform.dsl import ast
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


def run_validate(ctx: Context, paths, fmt: str, params: dict) -> int:
    from archform.dsl.diagnostics import sort_diagnostics, to_json
    from archform.dsl.modules import Loader, default_cache_dir
    from archform.dsl.resolve import resolve
    roots, diags = find_roots(paths)
    loader = Loader(default_cache_dir(), allow=ctx.allow)
    counts = {}
    for root in roots:
        desired, found = resolve(root, params, loader=loader)
        diags.extend(found)
        counts[str(root)] = len(desired.resources) if desired else 0
    diags = sort_diagnostics(diags)
    errors = sum(1 for d in diags if d.is_error)
    if fmt == "json":
        click.echo(json.dumps({
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": len(diags) - errors,
            "diagnostics": [to_json(d) for d in diags],
        }, indent=2, sort_keys=True))
    else:
        echo_diagnostics(ctx, diags)
        if errors == 0:
            total = sum(counts.values())
            files = len(roots)
            click.echo(f"valid: {total} resource{'s' if total != 1 else ''} in {files} "
                       f"configuration{'s' if files != 1 else ''}")
    return 1 if errors else 0
