"""What every command shares: output colour, diagnostics printing, --param parsing, writing
an output file."""

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
    allow: tuple = ()  # --allow-path: folders a configuration may read besides its own


def allow_path_option(f):
    """`--allow-path DIR` (repeatable; $ARCHFORM_ALLOW_PATH, separated by ':'): a folder that
    `use` and `file()` may read besides the configuration's own and archform's library. Kept
    on the command's Context; `allowed_paths()` reads it where the configuration is resolved."""
    def remember(click_ctx, param, value):
        obj = click_ctx.find_object(Context)
        if obj is not None:
            obj.allow = tuple(value or ())
        return value
    return click.option("--allow-path", "allow_paths", multiple=True, metavar="DIR", envvar="ARCHFORM_ALLOW_PATH",
                        type=click.Path(exists=True, file_okay=False), expose_value=False, callback=remember,
                        help="Let `use` and file() read this folder too (besides the configuration's own and "
                             "archform's library). Repeatable.")(f)


def allowed_paths() -> tuple:
    """The folders --allow-path named for the command running now."""
    click_ctx = click.get_current_context(silent=True)
    obj = click_ctx.find_object(Context) if click_ctx is not None else None
    return obj.allow if obj is not None else ()


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


def write_output(path, data: bytes | str) -> None:
    """Write a command's output file (`-o`). A path that cannot be written — its folder
    missing, a directory, no permission — ends the command with one line and exit code 1."""
    try:
        if isinstance(data, bytes):
            with open(path, "wb") as f:
                f.write(data)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(data)
    except OSError as e:
        cannot_write(path, e)


def cannot_write(path, e: OSError):
    """The one line for an output that cannot be written, then exit 1."""
    from pathlib import Path
    folder = Path(path).parent
    why = e.strerror or str(e)
    if isinstance(e, FileNotFoundError) and not folder.is_dir():
        why = f"the folder {folder} does not exist"
    click.echo(f"error: cannot write {path}: {why}", err=True)
    sys.exit(1)
