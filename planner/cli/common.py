"""What every command shares besides its options: the command's Context, output colour,
diagnostics printing, --param parsing, the configuration a path names, and writing an output
file."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from functools import update_wrapper
from pathlib import Path

import click


@dataclass
class Context:
    colour: bool = False
    allow: tuple = ()  # --allow-path: folders a configuration may read besides its own
    deferred: list = field(default_factory=list)  # warnings to print after the plan


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
    """Every diagnostic, rendered; a warning repeated for many resources (the instances of a
    `for`, say) once, with the others named under it."""
    from archform.dsl.diagnostics import render, summary_line
    diags = list(diags)
    if not diags:
        return
    for d, same in _grouped(diags):
        text = render(d, colour=ctx.colour)
        if same:
            named = ", ".join(same[:GROUP_NAMED]) + (f" and {len(same) - GROUP_NAMED} more"
                                                     if len(same) > GROUP_NAMED else "")
            gutter = next((line[:line.index("=")] for line in reversed(text.splitlines())
                           if line.lstrip().startswith("= ")), "  ")
            text += f"\n{gutter}= the same for {len(same)} more: {named}"
        click.echo(text, err=err)
        click.echo("", err=err)
    if summary:
        errors = sum(1 for d in diags if d.is_error)
        click.echo(summary_line(errors, len(diags) - errors), err=err)


GROUP_NAMED = 8
_ABOUT = re.compile(r"^([A-Za-z_][\w.\[\]\"-]*): (.*)$", re.S)  # "primary.net.private[us-east-1a]: ..."


def _grouped(diags) -> list:
    """(diagnostic, the other resources it repeats for): warnings at the same place alike but for
    the resource their message starts with (the instances of one `for`) are gathered at the
    first; errors stay one each."""
    out: list = []
    at: dict = {}
    for d in diags:
        m = _ABOUT.match(d.summary) if not d.is_error else None
        if m is None:
            out.append((d, []))
            continue
        where = (d.span.file, d.span.start_pos) if d.span is not None else None
        key = (m.group(2), d.detail, d.help, where)
        if key in at:
            out[at[key]][1].append(m.group(1))
        else:
            at[key] = len(out)
            out.append((d, []))
    return out


def echo_deferred(ctx: Context) -> None:
    """The warnings `resolve_or_exit(defer=True)` kept for after the plan."""
    if ctx.deferred:
        click.echo("", err=True)
        echo_diagnostics(ctx, ctx.deferred, summary=False)
        ctx.deferred = []


def fail_with(ctx: Context, diags, code: int = 1):
    echo_diagnostics(ctx, diags)
    sys.exit(code)


def note(text: str) -> None:
    """A note for the person running the command (a stale lock released…), on stderr."""
    click.echo(text, err=True)


def root_of(path: str) -> Path:
    """The one configuration PATH names: the file, or the only root of the folder; else the
    problem, and exit 1."""
    from archform.dsl.diagnostics import error
    from archform.dsl.roots import find_roots
    p = Path(path)
    if p.is_file():
        return p
    roots, problems = find_roots([path])
    if problems or not roots:
        echo_diagnostics(Context(), problems or [error(f"no .arch configuration in {path}")])
        sys.exit(1)
    if len(roots) > 1:
        click.echo(f"error: {path} holds {len(roots)} configurations; name one:", err=True)
        for r in roots:
            click.echo(f"  {r}", err=True)
        sys.exit(1)
    return roots[0]


def resolve_or_exit(ctx: Context, path: str, params, defer: bool = False, on_error=None) -> object:
    """The resolved configuration PATH names (reusing a cached resolution when its sources
    are unchanged), its warnings printed (or, with `defer`, kept in ctx.deferred for after the
    plan: `echo_deferred`); errors printed (by `on_error(diags)` if given: `plan --format json`
    gives them as JSON), and exit 1."""
    from archform.dsl.resolved_cache import resolve_reusing
    desired, diags = resolve_reusing(root_of(path), parse_params(params), allow=allowed_paths())
    if any(d.is_error for d in diags) or desired is None:
        if on_error is not None:
            on_error(diags)
        else:
            echo_diagnostics(ctx, diags)
        sys.exit(1)
    if defer:
        ctx.deferred = list(diags)
    else:
        echo_diagnostics(ctx, diags, summary=False)
    return desired


def existing_workspace(store, state_path, workspace):
    """A command that only reads names a workspace the state has (a typo is not an empty one):
    else one line with the closest name and the workspaces there are, and exit 1."""
    names = store.workspaces()
    if workspace in names:
        return
    store.close()
    from archform.dsl.suggest import did_you_mean
    hint = did_you_mean(workspace, names)
    click.echo(f"error: the state at {state_path} has no workspace '{workspace}'" + (f"; {hint}" if hint else ""),
               err=True)
    click.echo(f"  its workspaces: {', '.join(names) or 'none yet'} (archform workspace list)", err=True)
    sys.exit(1)


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
    folder = Path(path).parent
    why = e.strerror or str(e)
    if isinstance(e, FileNotFoundError) and not folder.is_dir():
        why = f"the folder {folder} does not exist"
    click.echo(f"error: cannot write {path}: {why}", err=True)
    sys.exit(1)
