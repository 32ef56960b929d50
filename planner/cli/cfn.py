"""`archform cfn`: CloudFormation templates from an architecture.

The generator lives in `archform.providers.cloudformation`; it is imported when the command
runs, so `archform --help` stays fast."""

from __future__ import annotations

import sys

import click

from .common import Context, cannot_write, echo_diagnostics, parse_params, pass_ctx
from .options import allow_path_option, param_option


def register(main: click.Group):
    @main.command()
    @click.argument("path", type=click.Path())
    @click.option("-o", "--output", "out", default="cfn", show_default=True, metavar="DIR",
                  help="Folder for the templates and manifest.json; '-' prints a single template.")
    @click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
    @param_option()
    @click.option("--name", default=None, help="Deployment name: prefix of stack names and exports "
                                               "(default: the file's name).")
    @allow_path_option
    @click.option("--templates-url", default=None, metavar="URL",
                  help="Where nested stack templates will be uploaded (default: local paths for "
                       "`aws cloudformation package`).")
    @pass_ctx
    def cfn(ctx: Context, path, out, fmt, params, name, templates_url):
        """Write CloudFormation templates: one stack per region, global stacks where needed,
        nested stacks beyond 500 resources or 1,000,000 bytes, and manifest.json with the deploy
        order and each template's size (over 51,200 bytes, a template deploys from S3)."""
        code = run_cfn(ctx, path, out, fmt, parse_params(params), name, templates_url)
        _exit_now(code)


def _exit_now(code: int):
    """Exit without tearing down the large object graph the run built (a third of the time of
    a big run is spent freeing it). The files are closed; only the streams need flushing. Under
    a test runner that captures the streams, exit normally."""
    import os
    if sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:  # the reader stopped early (| head)
            pass
        os._exit(code)
    sys.exit(code)


def _previous_manifest(folder) -> dict | None:
    """The manifest an earlier run wrote in the output folder: its logical IDs are kept, so a
    resource added since never renames (and so replaces) one that exists."""
    import json
    try:
        found = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("logical_ids"), dict) else None


def run_cfn(ctx: Context, path, out: str, fmt: str, params: dict, name, templates_url) -> int:
    import gc
    from pathlib import Path
    gc.disable()  # the command builds large trees and frees almost nothing before it exits

    from archform.providers.cloudformation import Options, generate
    from archform.providers.cloudformation.write import text_of, write
    if not Path(path).is_file():
        click.echo(f"error: no such file: {path}", err=True)
        return 1
    from archform.dsl.modules import Loader, default_cache_dir
    loader = Loader(default_cache_dir(), allow=ctx.allow)
    previous = _previous_manifest(Path(out)) if out != "-" else None
    result = generate(path, params, Options(name=name, templates_url=templates_url, extension=fmt,
                                            previous=previous), loader=loader)
    echo_diagnostics(ctx, [d for d in result.diagnostics if d.is_error] or result.diagnostics,
                     summary=not result.ok)
    if not result.ok:
        return 1
    if out == "-":
        if len(result.templates) != 1:
            click.echo(f"error: {len(result.templates)} templates; write them to a folder with -o DIR", err=True)
            return 1
        click.echo(text_of(result.templates[0][1], fmt), nl=False)
        return 0
    try:
        write(result, Path(out), fmt)
    except OSError as e:
        cannot_write(e.filename or out, e)
    resources = sum(len(body["Resources"]) for t, body in result.templates if not t.children)
    click.echo(f"{len(result.templates)} template{'s' if len(result.templates) != 1 else ''}, "
               f"{resources} resources, in {out}/ (deploy order in manifest.json):", err=True)
    for stack in result.manifest["stacks"]:
        nested = f", {len(stack['nested'])} nested stacks" if stack.get("nested") else ""
        click.echo(f"  {stack['name']} ({stack['region']}): {stack['template']}{nested}{_upload_note(stack)}",
                   err=True)
    return 0


def _upload_note(stack: dict) -> str:
    """What must go through S3 (CloudFormation reads at most 51,200 bytes in the request, and
    nested templates only from S3)."""
    if stack.get("via") == "s3":
        return f" ({stack['bytes']:,} bytes, over the 51,200 a request holds: deploy it from S3)"
    if stack.get("nested"):
        return " (nested templates deploy from S3: `aws cloudformation package`, or --templates-url)"
    return ""

