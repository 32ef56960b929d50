"""`archform fmt`: the canonical layout, written atomically."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .common import Context, echo_diagnostics, pass_ctx


def register(main: click.Group):
    @main.command()
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
    @click.option("--diff", is_flag=True, help="Show what would change.")
    @pass_ctx
    def fmt(ctx: Context, paths, check, diff):
        """Rewrite .arch files in the canonical layout (idempotent; meaning unchanged)."""
        sys.exit(run_fmt(ctx, paths or (".",), check, diff))


def _files(paths) -> list[Path]:
    out = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*.arch") if not any(x.startswith(".") for x in f.parts)))
        else:
            out.append(path)
    return out


def run_fmt(ctx: Context, paths, check: bool, diff: bool) -> int:
    import difflib
    from archform.dsl.diagnostics import error
    from archform.dsl.fmt import format_source
    from archform.dsl.modules import Loader, ReadProblem
    loader = Loader(None)  # reads within the limits (ARCHFORM_LIMITS "source"), UTF-8 only
    status = 0
    changed = []
    for f in _files(paths):
        try:
            text = loader.read_bounded(f, loader.limits.source, "source")
        except ReadProblem as e:
            echo_diagnostics(ctx, [error(f"cannot read {f}: {e}")])
            status = 1
            continue
        out, diags = format_source(text, str(f), loader.limits.nesting)
        if out is None:
            echo_diagnostics(ctx, diags)
            status = 1
            continue
        if out == text:
            continue
        changed.append(f)
        if diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), out.splitlines(True),
                                                    str(f), str(f) + " (formatted)")))
        if check:
            status = 1
        else:
            tmp = f.with_name(f".{f.name}.fmt-{os.getpid()}")
            tmp.write_text(out, encoding="utf-8")
            os.replace(tmp, f)
    for f in changed:
        click.echo(f"{'would reformat' if check else 'formatted'} {f}")
    return status
