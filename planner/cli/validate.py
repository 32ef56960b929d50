"""`archform validate`: every problem in every file, at once; and `archform inspect`, the
resolved resources as JSON."""

from __future__ import annotations

import json
import sys

import click

from .common import Context, allowed_paths, echo_diagnostics, pass_ctx, parse_params
from .options import allow_path_option, format_option, param_option


def register(main: click.Group):
    @main.command()
    @click.argument("paths", nargs=-1, type=click.Path())
    @format_option()
    @param_option()
    @allow_path_option
    @pass_ctx
    def validate(ctx: Context, paths, fmt, params):
        """Check .arch files (or directories of them): syntax, names, types, limits, rules.

        Exits 0 when clean (warnings allowed), 1 when there are errors."""
        sys.exit(run_validate(ctx, paths or (".",), fmt, parse_params(params)))

    @main.command()
    @click.argument("path", type=click.Path())
    @param_option(help=None)
    @allow_path_option
    @pass_ctx
    def inspect(ctx: Context, path, params):
        """Print the resolved resources (addresses, kinds, attributes, dependencies) as JSON."""
        from archform.dsl.resolve import resolve
        desired, diags = resolve(path, parse_params(params), allow=allowed_paths())
        if any(d.is_error for d in diags) or desired is None:
            echo_diagnostics(ctx, diags)
            sys.exit(1)
        echo_diagnostics(ctx, [d for d in diags if not d.is_error], summary=False)
        click.echo(json.dumps(desired.json(), indent=2, sort_keys=True))


def run_validate(ctx: Context, paths, fmt: str, params: dict) -> int:
    from archform.dsl.diagnostics import sort_diagnostics, to_json
    from archform.dsl.modules import Loader, default_cache_dir
    from archform.dsl.resolve import resolve
    from archform.dsl.roots import find_roots
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
