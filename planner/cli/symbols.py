"""`archform symbols PATH`: every name the configuration declares, where, and where it is used —
what an editor's go-to-definition, find-references and rename read.

    archform symbols examples/ha_web.arch                      # the table
    archform symbols examples/ha_web.arch --at ha_web.arch:12:18  # the name under a position
    archform symbols examples/ha_web.arch --unused             # lets, params, loop variables never read

Works on a configuration with errors as far as its names could be bound (the errors are
printed too). Exit 0; 1 when `--at` points at no name, or the configuration cannot be read.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .common import Context, allowed_paths, echo_diagnostics, parse_params, pass_ctx, root_of
from .options import allow_path_option, format_option, param_option


def register(main: click.Group):
    @main.command()
    @click.argument("path", type=click.Path())
    @click.option("--at", "at", metavar="FILE:LINE:COL", help="Show the name at this position: its declaration and uses.")
    @click.option("--unused", is_flag=True, help="Only the lets, params and loop variables nothing reads.")
    @format_option()
    @param_option()
    @allow_path_option
    @pass_ctx
    def symbols(ctx: Context, path, at, unused, fmt, params):
        """Names declared in PATH, where, and every use of each."""
        from archform.dsl.resolve import resolve_symbols
        position = _position(at) if at else None
        table, diags = resolve_symbols(root_of(path), parse_params(params), allow=allowed_paths())
        problems = [d for d in diags if d.is_error]
        if problems:
            echo_diagnostics(ctx, problems)
        if position is not None:
            sys.exit(_at(table, position, fmt))
        chosen = table.unused() if unused else table.symbols()
        if fmt == "json":
            every = {s.key: e for s, e in zip(table.symbols(), table.to_json())}
            click.echo(json.dumps([every[s.key] for s in chosen], indent=2, sort_keys=True))
            return
        for s in chosen:
            uses = len(table.references(s))
            click.echo(f"{s.kind.value:<16} {s.name:<24} {s.where():<32} "
                       f"{uses} use{'' if uses == 1 else 's'}")
        what = "unused name" if unused else "name"
        click.echo(f"{len(chosen)} {what}{'' if len(chosen) == 1 else 's'}")


def _position(text: str) -> tuple[str, int, int]:
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise click.BadParameter(f"'{text}' is not FILE:LINE:COL (e.g. main.arch:12:5)", param_hint="--at")
    return parts[0], int(parts[1]), int(parts[2])


def _at(table, position, fmt) -> int:
    file, line, col = position
    wanted = os.path.realpath(file)
    matching = [f for f in table.files() if os.path.realpath(f) == wanted]
    symbol = table.at(matching[0], line, col) if matching else None
    if symbol is None:
        click.echo(f"error: no declared name at {file}:{line}:{col}", err=True)
        return 1
    refs = table.references(symbol)
    if fmt == "json":
        entry = next(e for s, e in zip(table.symbols(), table.to_json()) if s.key == symbol.key)
        click.echo(json.dumps(entry, indent=2, sort_keys=True))
        return 0
    click.echo(f"{symbol.kind.value} {symbol.name}: declared at {symbol.where()}")
    click.echo(f"{len(refs)} use{'' if len(refs) == 1 else 's'}" + (":" if refs else ""))
    for r in refs:
        click.echo(f"  {r.file}:{r.start_line}:{r.start_col}")
    return 0
