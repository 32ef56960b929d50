"""`archform plan`, `apply`, `destroy`, `refresh`, `import`, `output`, `force-unlock`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .common import Context, echo_deferred, echo_diagnostics, note, pass_ctx, resolve_or_exit
from .progress import Progress
from .options import (allow_path_option, cloud_option, format_option, lock_timeout_option, param_option, stack,
                      state_option, workspace_option)


_common = stack(param_option(), state_option(), workspace_option(), cloud_option(), lock_timeout_option(),
                allow_path_option)

_plan_options = stack(
    click.option("--target", "targets", multiple=True, metavar="ADDR",
                 help="Plan only this resource (and what it depends on). Repeatable."),
    click.option("--replace", "replace", multiple=True, metavar="ADDR", help="Replace this resource."),
    click.option("--refresh/--no-refresh", default=True, show_default=True,
                 help="Read every recorded resource from the provider first."),
)


def _session(state_path, workspace, cloud_path, command: str, lock_timeout: float = 0.0):
    """The state (its lock taken for `command`) and the modeled cloud, opened when first asked."""
    from ..session import open_session
    return open_session(state_path, workspace, cloud_path, command=command, lock_timeout=lock_timeout, notify=note)


def _make_plan(ctx, session, desired, targets=(), replace=(), destroy=False, refresh=True,
               refresh_only=False, snapshot=None, fmt="text"):
    from ..planning import PlanRequest, make_plan
    if snapshot is None:
        snapshot = session.store.read()
    plan, diags = make_plan(desired, snapshot, session.provider,
                            PlanRequest(tuple(targets), tuple(replace), destroy, refresh, refresh_only))
    if plan is None or plan.errored:
        if fmt == "json":
            _json_errors(ctx.deferred + list(diags))
        echo_diagnostics(ctx, ctx.deferred + list(diags))
        sys.exit(1)
    ctx.deferred = ctx.deferred + list(diags)  # printed after the plan
    return plan


_verbose_option = click.option("--verbose", is_flag=True,
                               help="List every attribute of what is created or destroyed (defaults, unset and "
                                    "computed ones too), each instance of a `for` on its own.")


def _diagnostics_json(diags) -> list[dict]:
    from archform.dsl.diagnostics import sort_diagnostics, to_json
    return [to_json(d) for d in sort_diagnostics(diags)]


def _json_errors(diags):
    """`plan --format json` that cannot plan: the errors as JSON on stdout (what a CI script
    parses), as `validate --format json` gives them; exit 1."""
    from ..render import FORMAT_VERSION
    doc = {"format_version": FORMAT_VERSION, "applyable": False, "complete": False, "errored": True,
           "diagnostics": _diagnostics_json(diags), "error_count": sum(1 for d in diags if d.is_error)}
    click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    sys.exit(1)


def _print_plan(ctx, plan, fmt="text", summary=False, verbose=False):
    from .. import render
    if fmt == "json":  # the warnings in the document too (when there are some), not only on stderr
        doc = render.to_json(plan)
        if ctx.deferred:
            doc["diagnostics"] = _diagnostics_json(ctx.deferred)
        click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render.text(plan, colour=ctx.colour, summary=summary, verbose=verbose,
                               warnings=len(ctx.deferred)), nl=False)
    echo_deferred(ctx)


def register(main: click.Group):

    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @_common
    @_plan_options
    @click.option("--out", "out", type=click.Path(dir_okay=False), help="Save the plan for `archform apply FILE`.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @click.option("--summary", is_flag=True, help="One line per resource.")
    @_verbose_option
    @click.option("--destroy", is_flag=True, help="Plan to destroy everything.")
    @click.option("--refresh-only", is_flag=True, help="Only report what changed outside archform.")
    @click.option("--detailed-exitcode", is_flag=True, help="Exit 0 with no changes, 1 on error, 2 with changes.")
    @pass_ctx
    def plan(ctx: Context, path, params, state_path, workspace, cloud_path, lock_timeout, targets, replace, refresh,
             out, fmt, summary, verbose, destroy, refresh_only, detailed_exitcode):
        """Show what apply would change, and why."""
        desired = resolve_or_exit(ctx, path, params, defer=True, on_error=_json_errors if fmt == "json" else None)
        with _session(state_path, workspace, cloud_path, "plan", lock_timeout) as session:
            the_plan = _make_plan(ctx, session, desired, targets, replace, destroy, refresh, refresh_only, fmt=fmt)
        _print_plan(ctx, the_plan, fmt, summary, verbose)
        if out:
            from ..planfile import save
            save(the_plan, out)  # a file that cannot be written is a PlanFileError: one line
            if fmt == "text":
                click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: archform apply {out}")
        changed = bool(the_plan.drift) if refresh_only else the_plan.has_changes
        sys.exit(2 if detailed_exitcode and changed else 0)

    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @_common
    @_plan_options
    @click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--parallelism", default=10, show_default=True, type=click.IntRange(1, 256))
    @click.option("--refresh-only", is_flag=True, help="Record what changed outside archform; change nothing.")
    @click.option("--summary", is_flag=True, help="Show the plan one line per resource.")
    @_verbose_option
    @pass_ctx
    def apply(ctx: Context, path, params, state_path, workspace, cloud_path, lock_timeout, targets, replace, refresh,
              auto_approve, parallelism, refresh_only, summary, verbose):
        """Apply the configuration at PATH, or a plan saved with `plan --out`."""
        _apply(ctx, path, params, state_path, workspace, cloud_path, targets, replace, refresh, auto_approve,
               parallelism, destroy=False, refresh_only=refresh_only, summary=summary, lock_timeout=lock_timeout,
               verbose=verbose)

    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @_common
    @click.option("--target", "targets", multiple=True, metavar="ADDR")
    @click.option("--auto-approve", is_flag=True)
    @click.option("--parallelism", default=10, show_default=True, type=click.IntRange(1, 256))
    @_verbose_option
    @pass_ctx
    def destroy(ctx: Context, path, params, state_path, workspace, cloud_path, lock_timeout, targets, auto_approve,
                parallelism, verbose):
        """Destroy everything this configuration manages."""
        _apply(ctx, path, params, state_path, workspace, cloud_path, targets, (), True, auto_approve, parallelism,
               destroy=True, lock_timeout=lock_timeout, verbose=verbose)

    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @_common
    @pass_ctx
    def refresh(ctx: Context, path, params, state_path, workspace, cloud_path, lock_timeout):
        """Record what the provider reports now (drift), changing nothing in the cloud.

        The configuration is not changed by it: the next plan still reverts the drift, unless
        `ignore_changes` covers it."""
        _apply(ctx, path, params, state_path, workspace, cloud_path, (), (), True, True, 10, destroy=False,
               refresh_only=True, lock_timeout=lock_timeout)

    @main.command(name="import")
    @click.argument("address")
    @click.argument("id")
    @click.argument("path", default=".", type=click.Path())
    @_common
    @pass_ctx
    def import_(ctx: Context, address, id, path, params, state_path, workspace, cloud_path, lock_timeout):
        """Adopt an existing resource (provider ID) as ADDRESS of the configuration."""
        from ..importing import import_resource
        if address.endswith(".arch") or os.path.isdir(address):  # the path first, as other commands take it
            click.echo(f"error: '{address}' is a path, but import takes ADDRESS ID [PATH]: "
                       f"archform import {id} {path if path != '.' else 'ID'} {address}", err=True)
            sys.exit(1)
        desired = resolve_or_exit(ctx, path, params)
        with _session(state_path, workspace, cloud_path, f"import {address}", lock_timeout) as session:
            message, ok = import_resource(session.store, session.provider, desired, address, id)
        click.echo(message, err=not ok)
        sys.exit(0 if ok else 1)

    @main.command()
    @click.argument("name", required=False)
    @click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
    @format_option()
    @click.option("--raw", is_flag=True, help="Show sensitive outputs' values (decrypted with the state key).")
    @state_option()
    @workspace_option(show_default=None)
    def output(name, as_json, fmt, raw, state_path, workspace):
        """Show the outputs recorded by the last apply (a sensitive one as (sensitive), unless --raw)."""
        as_json = as_json or fmt == "json"  # `--format json`, as plan, validate and check take it
        from ..state import exists, open_state
        if not exists(state_path):
            click.echo("No outputs: nothing has been applied yet.", err=True)
            sys.exit(1)
        store = open_state(state_path, workspace, readonly=True)
        from .common import existing_workspace
        existing_workspace(store, state_path, workspace)
        try:
            recorded = store.read(unsealed=False).outputs
        finally:
            store.close()
        outputs, hidden = {}, set()
        for k, v in recorded.items():
            if v.get("sensitive") and not raw:
                outputs[k] = None  # JSON shows null; text shows (sensitive)
                hidden.add(k)
            else:
                from ..secrets import unseal
                outputs[k] = unseal(v).get("value")
        if name:
            if name not in outputs:
                from archform.dsl.suggest import did_you_mean
                hint = did_you_mean(name, outputs)
                click.echo(f"error: no output '{name}'" + (f"; {hint}" if hint else ""), err=True)
                sys.exit(1)
            value = outputs[name]
            if name in hidden and not as_json:
                click.echo("(sensitive): show it with --raw")
                return
            click.echo(json.dumps(value, sort_keys=True) if as_json or not isinstance(value, str) else value)
            return
        if as_json:
            click.echo(json.dumps(outputs, indent=2, sort_keys=True))
            return
        for k in sorted(outputs):
            click.echo(f"{k} = {'(sensitive)' if k in hidden else json.dumps(outputs[k], sort_keys=True)}")

    @main.command(name="force-unlock")
    @click.argument("lock_id")
    @state_option()
    @workspace_option(show_default=None)
    @click.option("--force", is_flag=True, help="Do not ask, even when the holder is still running.")
    def force_unlock(lock_id, state_path, workspace, force):
        """Remove a lock left by a command that will not finish (name it by its lock id).

        When the holder is still running, this asks first: removing its lock lets another
        command change the state beside it."""
        from ..state import exists, open_state
        if not exists(state_path):
            click.echo(f"error: no state at {state_path}", err=True)
            sys.exit(1)
        store = open_state(state_path, workspace)
        try:
            holder = store.lock_holder()
            if holder is None or holder.lock_id != lock_id:
                current = f"; the current lock is {holder.lock_id}" if holder else "; the state is not locked"
                click.echo(f"error: no lock with id {lock_id}{current}", err=True)
                sys.exit(1)
            if store.holder_alive() and not force:
                click.echo(f"warning: the lock's holder is still running: {holder.describe()}", err=True)
                click.echo("  removing its lock lets another command change the state at the same time; stopping "
                           "the holder is safer", err=True)
                if not _confirm("Remove the lock of a running command?", "--force"):
                    click.echo("Lock kept.", err=True)
                    sys.exit(1)
            store.force_unlock(lock_id)
        finally:
            store.close()
        click.echo(f"Unlocked (was held by {holder.describe()}).")


def _is_plan_file(path: str) -> bool:
    p = Path(path)
    if not p.is_file() or p.suffix == ".arch":
        return False
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return head.lstrip().startswith(b'{\n "format": "archform-plan"')


def _apply(ctx, path, params, state_path, workspace, cloud_path, targets, replace, refresh, auto_approve,
           parallelism, destroy=False, refresh_only=False, summary=False, lock_timeout=0.0, verbose=False):
    from ..apply import apply_plan
    from ..planning import persist_reconcile, reconcile
    saved = _is_plan_file(path)
    if saved:
        given = [flag for flag, on in (("-p/--param", params), ("--target", targets), ("--replace", replace),
                                       ("--no-refresh", not refresh), ("--refresh-only", refresh_only))
                 if on]
        if given:  # the saved plan is what was reviewed: nothing may change it now (as Terraform)
            click.echo(f"error: {', '.join(given)} cannot be given with a saved plan: it is applied exactly as "
                       "it was planned", err=True)
            click.echo(f"  make a new plan with them: archform plan PATH {' '.join(given)} --out FILE", err=True)
            sys.exit(1)
        if destroy:
            click.echo("error: a saved plan is applied with `archform apply FILE` (a destroy plan too: "
                       "`archform plan --destroy --out FILE`)", err=True)
            sys.exit(1)
        from ..planfile import PlanFileError, load
        try:  # read, and checked against the workspace, before the state is opened (or made)
            the_plan = load(path)
        except PlanFileError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        if the_plan.workspace != workspace:
            click.echo(f"error: the plan is for workspace '{the_plan.workspace}', not '{workspace}'", err=True)
            click.echo(f"  apply it there: archform apply {path} -w {the_plan.workspace}", err=True)
            sys.exit(1)
        from ..state import exists
        if not exists(state_path):  # a state made now would have another lineage: stale, and left behind
            click.echo(f"error: saved plan is stale: there is no state at {state_path} (the plan was made for "
                       f"state lineage {the_plan.lineage})", err=True)
            click.echo("  apply it with the --state it was planned against, or make a new plan", err=True)
            sys.exit(1)
    desired = None if saved else resolve_or_exit(ctx, path, params, defer=True)
    with _session(state_path, workspace, cloud_path, "destroy" if destroy else "apply", lock_timeout) as session:
        snapshot = session.store.read()
        if snapshot.pending:
            rec = reconcile(snapshot, session.provider)
            persist_reconcile(session.store, rec)
            for a in rec.adopted:
                click.echo(f"note: {a} was created by an interrupted apply; it is now recorded", err=True)
            for a in rec.removed:
                click.echo(f"note: {a} was destroyed by an interrupted apply; it is now forgotten", err=True)
            snapshot = session.store.read()
        if saved:
            from ..planfile import stale_reason
            why = stale_reason(the_plan, snapshot.lineage, snapshot.serial)
            if why:
                click.echo(f"error: saved plan is stale: {why}", err=True)
                click.echo("  make a new plan: archform plan --out FILE", err=True)
                sys.exit(1)
            _print_plan(ctx, the_plan, summary=True)
        else:
            the_plan = _make_plan(ctx, session, desired, targets, replace, destroy, refresh, refresh_only,
                                  snapshot=snapshot)
            # the plan carries all apply needs: the resolved graph (its typed models, source
            # spans) can go before the cloud is touched — at 50,000 resources, 100 MB
            desired = the_plan.desired = None
            if refresh_only:
                _print_plan(ctx, the_plan, verbose=verbose)
                if the_plan.drift and (auto_approve or _confirm("Record these changes in the state?")):
                    from ..apply import record_drift
                    record_drift(the_plan, session.store, snapshot)
                    click.echo(f"Refresh complete: {len(the_plan.drift)} resource(s) updated in the state.")
                return
            _print_plan(ctx, the_plan, summary=summary, verbose=verbose)
            if not the_plan.has_changes:
                from ..apply import record_lifecycles
                record_lifecycles(the_plan, session.store, snapshot.resources)  # changed on its own
                return
            if not auto_approve and not _confirm("Do you want to perform these actions?"):
                click.echo("Apply cancelled.")
                sys.exit(1)
        if the_plan.drift and not saved:
            pass  # drift is reverted by the planned changes; the record is refreshed by them
        progress = Progress()
        try:
            result = apply_plan(the_plan, session.store, session.provider, parallelism, progress, snapshot)
        finally:
            progress.flush()
    counts = result.counts()
    if result.failed:
        click.echo("", err=True)
        for r in result.failed:
            click.echo(f"error: {r.address}: {r.action} failed: {r.error}", err=True)
        if result.skipped:
            click.echo(f"{len(result.skipped)} operation(s) were not attempted because something they need failed.",
                       err=True)
        click.echo(f"Apply failed. Finished: {counts['added']} added, {counts['changed']} changed, "
                   f"{counts['destroyed']} destroyed (all recorded in the state).", err=True)
        sys.exit(1)
    if progress.summary():
        click.echo(progress.summary(), err=True)
    what = "Destroy" if destroy else "Apply"
    click.echo(f"\n{what} complete! Resources: {counts['added']} added, {counts['changed']} changed, "
               f"{counts['destroyed']} destroyed.")
    if result.outputs:
        click.echo("\nOutputs:")
        for k in sorted(result.outputs):
            o = result.outputs[k]
            shown = "(sensitive)" if o.get("sensitive") else json.dumps(o["value"], sort_keys=True)
            click.echo(f"  {k} = {shown}")


def _confirm(question: str, flag: str = "--auto-approve") -> bool:
    """Ask for "yes". On a terminal, at a prompt; otherwise the answer is read from standard
    input (`echo yes | archform apply`), and nothing there is a refusal."""
    if not sys.stdin.isatty():
        try:
            answer = sys.stdin.readline()
        except (OSError, ValueError):
            answer = ""
        if not answer:
            click.echo(f"{question} Refusing without a terminal: pass {flag}, or answer yes on standard input.",
                       err=True)
            return False
        click.echo(f"{question} (answer read from standard input: {answer.strip()!r})", err=True)
        return answer.strip() == "yes"
    answer = click.prompt(f"\n{question}\n  Only 'yes' will be accepted", default="", show_default=False)
    return answer.strip() == "yes"
