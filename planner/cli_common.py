"""What every command shares: output colour, diagnostics printing, --param parsing."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import update_wrapper

import click


STATE_HELP = "The state: a SQLite file, or postgresql://host/db?schema=project for a team."


def state_option(help: str = STATE_HELP):
    """`--state`, the same on every command that reads or writes the state ($ARCHFORM_STATE)."""
    return click.option("--state", "state_path", default=".archform/state.db", show_default=True,
                        envvar="ARCHFORM_STATE", type=click.Path(dir_okay=False), help=help)


@dataclass
class Context:
    colour: bool = False


def use_colour(no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def pass_ctx(f):
    @click.pass_context
    def wrapper(click_ctx, *args, **kwargs):
        obj = click_ctx.obj if isinstance(click_ctx.obj, Context) else Context()
        return f(obj, *args, **kwargs)
    return update_wrapper(wrapper, f)


def parse_params(items) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise click.BadParameter(f"'{item}': expected NAME=VALUE", param_hint="--param")
        name, value = item.split("=", 1)
        out[name.strip()] = value
    return out


def echo_diagnostics(ctx: Context, diags, summary: bool = True, err: bool = True):
    from archform.dsl.diagnostics import render, summary_line
    diags = list(diags)
    if not diags:
        return
    for d in diags:
        click.echo(render(d, colour=ctx.colour), err=err)
        click.echo("", err=err)
    if summary:
        errors = sum(1 for d in diags if d.is_error)
        click.echo(summary_line(errors, len(diags) - errors), err=err)


def fail_with(ctx: Context, diags, code: int = 1):
    echo_diagnostics(ctx, diags)
    sys.exit(code)
