"""`archform check PATH...`: the security, reliability and cost rules (stdlib/checks), and the
configuration's own `check` blocks (dsl/policy.py, findings `ARCH-CHECK:<name>`), over each
configuration, as text, JSON or SARIF 2.1.0; `archform check --list` shows the rules.

Exit status: 0 when no finding at the `--fail-on` severity or above remains (suppressed findings
do not count), 1 when one does or a configuration has errors, 2 on a usage error. When no
configuration could be checked (they all have errors) only the errors are printed, no report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import Context, allowed_paths, echo_diagnostics, parse_params, pass_ctx, write_output
from .options import allow_path_option, param_option


def register(main: click.Group):
    @main.command()
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
    @click.option("--fail-on", type=click.Choice(["high", "medium", "low", "none"]), default="high",
                  show_default=True, help="Exit 1 when a finding this severe or worse is not suppressed.")
    @click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
    @click.option("--list", "list_rules", is_flag=True, help="List the rules: id, severity, title, Checkov ids.")
    @param_option()
    @allow_path_option
    @pass_ctx
    def check(ctx: Context, paths, fmt, fail_on, out, list_rules, params):
        """Check architectures against the rule pack (security, reliability, cost)."""
        from archform.stdlib import checks
        if list_rules:
            _list(checks.rules(), fmt)
            for what in checks.evaluate_plugins():
                click.echo(f"error: {what}", err=True)
            return
        located, unused, problems, failed, checked = _run(ctx, paths or (".",), params)
        from .. import findings as fx
        if problems:
            echo_diagnostics(ctx, problems, summary=False)
        if failed and not checked:  # nothing could be checked: the errors are the answer, not "0 findings"
            sys.exit(1)
        if fmt == "text":
            report = fx.text(located, unused, colour=ctx.colour and not out)
        elif fmt == "json":
            report = json.dumps(fx.to_json(located, unused), indent=2, sort_keys=True) + "\n"
        else:
            report = json.dumps(fx.sarif(located, checks.rules(), _version()), indent=2, sort_keys=True) + "\n"
        if out:
            write_output(out, report)
        else:
            click.echo(report, nl=False)
        sys.exit(1 if failed or fx.fails(located, fail_on) else 0)


def _run(ctx: Context, paths, params):
    """Findings of every configuration the paths name (a folder: each root `.arch` in it)."""
    from archform.dsl.policy import CHECK_ID
    from archform.dsl.resolve import resolve_with_spans
    from archform.dsl.roots import find_roots

    from .. import findings as fx
    roots, problems = find_roots([Path(p) for p in paths])
    located, unused, failed = [], [], bool(problems)
    checked = 0
    broken: list[str] = []
    problems = list(problems)
    for root in roots:
        desired, diags, index = resolve_with_spans(root, parse_params(params), allow=allowed_paths())
        # a failed `check` block is a finding here, not an error of the configuration
        diags = [d for d in diags if not d.code.startswith(CHECK_ID)]
        if any(d.is_error for d in diags) or desired is None or index is None:
            echo_diagnostics(ctx, diags)
            failed = True
            continue
        checked += 1
        result = fx.check(desired, index)
        problems += result.problems
        broken += [what for what in result.broken if what not in broken]
        located += result.located
        unused += result.unused
    for what in broken:  # a plugin that failed: said once, and the check fails
        click.echo(f"error: {what}", err=True)
    return located, unused, problems, failed or bool(broken), checked


def _list(rules, fmt):
    from .. import findings as fx
    if fmt != "text":
        click.echo(json.dumps([fx.rule_json(r) for r in rules], indent=2, sort_keys=True))
        return
    width = max(len(r.id) for r in rules)
    for r in rules:
        mapped = f"  (Checkov {', '.join(r.checkov)})" if r.checkov else ""
        click.echo(f"{r.id.ljust(width)}  {r.severity:<6}  {r.title}{mapped}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("archform")
    except PackageNotFoundError:
        return "0"
