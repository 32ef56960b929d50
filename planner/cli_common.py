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


def lock_timeout_option():
    """`--lock-timeout`: wait this long for another command's lock instead of failing at once."""
    def parse(ctx, param, value):
        import re
        from archform.dsl.values import DURATION_UNITS
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", str(value))
        if not m or (m.group(2) or "s") not in DURATION_UNITS:
            raise click.BadParameter(f"'{value}' is not a duration (30s, 5m, 1h)")
        return float(m.group(1)) * float(DURATION_UNITS[m.group(2) or "s"])
    return click.option("--lock-timeout", "lock_timeout", default="0s", show_default=True, metavar="DURATION",
                        callback=parse, envvar="ARCHFORM_LOCK_TIMEOUT",
                        help="Wait this long (30s, 5m) for a lock another command holds, then fail.")


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
