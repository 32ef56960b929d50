"""The options several commands share, declared once: `--param`, `--state`, `--workspace`,
`--cloud`, `--lock-timeout`, `--allow-path`, `--format text|json`. Where commands word an
option's help differently, the factory takes the words."""

from __future__ import annotations

import click

from .common import Context

PARAM_HELP = "Set a root parameter."
STATE_HELP = "The state: a SQLite file, or postgresql://host/db?schema=project for a team."
CHAOS_DURATION = "1h"  # the virtual time a chaos run lasts unless told: `chaos`, `diagram --chaos` and `report` alike
CLOUD_HELP = "The modeled cloud's database (default .archform/cloud.db, or $ARCHFORM_CLOUD)."


def stack(*options):
    """One decorator applying `options` in order, the first on top in --help."""
    def apply(f):
        for opt in reversed(options):
            f = opt(f)
        return f
    return apply


def param_option(help: str | None = PARAM_HELP):
    """`--param NAME=VALUE` (`-p`, repeatable): a root parameter; read with `parse_params`."""
    return click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help=help)


def state_option(help: str = STATE_HELP, *, optional: bool = False):
    """`--state`, the same on every command that reads or writes the state ($ARCHFORM_STATE).
    `optional`: no default and no environment variable (`chaos` uses a fresh cloud without)."""
    if optional:
        return click.option("--state", "state_path", default=None, type=click.Path(dir_okay=False), help=help)
    return click.option("--state", "state_path", default=".archform/state.db", show_default=True,
                        envvar="ARCHFORM_STATE", type=click.Path(dir_okay=False), help=help)


def workspace_option(show_default: bool | None = True):
    """`--workspace` (`-w`, $ARCHFORM_WORKSPACE): which of the state's workspaces."""
    return click.option("--workspace", "-w", default="default", show_default=show_default,
                        envvar="ARCHFORM_WORKSPACE")


def cloud_option(help: str = CLOUD_HELP):
    """`--cloud`: the modeled cloud's database (None: $ARCHFORM_CLOUD, else .archform/cloud.db)."""
    return click.option("--cloud", "cloud_path", default=None, type=click.Path(dir_okay=False), help=help)


def format_option(help: str | None = None):
    """`--format text|json`, text by default."""
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help=help)


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
