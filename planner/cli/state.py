"""`archform state list|show|rm|mv|history|pull|restore` and `archform workspace list`.

Commands that only look open the state read-only (they work in a folder the user cannot
write); every command that changes it holds the lock and makes its whole change in one
transaction, so an interruption leaves all of it done or none of it.
"""

from __future__ import annotations

import json
import sys

import click

from .common import existing_workspace, note
from .options import format_option, lock_timeout_option, state_option, workspace_option


def _store(state_path, workspace, readonly=False):
    from ..state import exists, open_state
    if not exists(state_path):
        click.echo(f"error: no state at {state_path}", err=True)
        sys.exit(1)
    return open_state(state_path, workspace, readonly=readonly)


def _locked(store, command, timeout=0.0):
    from ..session import take_lock
    take_lock(store, command, timeout, notify=note)


def register(main: click.Group):
    state_opt = state_option()
    ws_opt = workspace_option(show_default=None)

    @main.group()
    def state():
        """Read and edit archform's record of what exists."""

    @state.command(name="list")
    @state_opt
    @ws_opt
    @format_option()
    def list_(state_path, workspace, fmt):
        """Every recorded address, with its kind and id."""
        store = _store(state_path, workspace, readonly=True)
        existing_workspace(store, state_path, workspace)
        try:
            snap = store.read(unsealed=False)
        finally:
            store.close()
        if fmt == "json":
            click.echo(json.dumps([{"address": a, "kind": r.kind, "id": r.id, "status": str(r.status)}
                                   for a, r in sorted(snap.resources.items())], indent=2))
            return
        for a in sorted(snap.resources):
            r = snap.resources[a]
            extra = f" ({r.status})" if r.status != "ok" else ""
            click.echo(f"{a}\t{r.kind}\t{r.id}{extra}")

    @state.command()
    @click.argument("address")
    @state_opt
    @ws_opt
    def show(address, state_path, workspace):
        """One resource's record as JSON."""
        store = _store(state_path, workspace, readonly=True)
        existing_workspace(store, state_path, workspace)
        try:
            snap = store.read(unsealed=False)
        finally:
            store.close()
        r = snap.resources.get(address)
        if r is None:
            from archform.dsl.suggest import did_you_mean
            hint = did_you_mean(address, snap.resources)
            click.echo(f"error: '{address}' is not in the state" + (f"; {hint}" if hint else ""), err=True)
            sys.exit(1)
        from ..secrets import is_encrypted, SHOWN
        doc = r.json()
        for part in ("config", "applied", "outputs"):  # encrypted values as a person reads them
            doc[part] = {k: SHOWN if is_encrypted(v) else v for k, v in doc[part].items()}
        click.echo(json.dumps(doc, indent=2, sort_keys=True))

    @state.command()
    @click.argument("addresses", nargs=-1, required=True)
    @state_opt
    @ws_opt
    @lock_timeout_option()
    def rm(addresses, state_path, workspace, lock_timeout):
        """Forget resources (they keep existing in the cloud). All of them, or none."""
        store = _store(state_path, workspace)
        _locked(store, "state rm", lock_timeout)
        try:
            snap = store.read(unsealed=False)
            missing = [a for a in addresses if a not in snap.resources]
            if missing:
                from archform.dsl.suggest import did_you_mean
                hint = did_you_mean(missing[0], snap.resources)
                click.echo(f"error: not in the state: {', '.join(missing)}" + (f"; {hint}" if hint else ""),
                           err=True)
                click.echo("  nothing was removed", err=True)
                sys.exit(1)
            with store.edit("state rm") as edit:
                for a in dict.fromkeys(addresses):
                    edit.remove(a)
            for a in dict.fromkeys(addresses):
                click.echo(f"Removed {a} (it still exists in the provider)")
        finally:
            store.unlock()
            store.close()

    @state.command()
    @click.argument("source")
    @click.argument("destination")
    @state_opt
    @ws_opt
    @lock_timeout_option()
    def mv(source, destination, state_path, workspace, lock_timeout):
        """Rename a recorded resource (prefer a `moved` statement, which reviewers see)."""
        store = _store(state_path, workspace)
        _locked(store, "state mv", lock_timeout)
        try:
            try:
                with store.edit("state mv") as edit:
                    edit.rename(source, destination)
            except KeyError as e:
                click.echo(f"error: {e.args[0]}", err=True)
                sys.exit(1)
            click.echo(f"Moved {source} to {destination}")
        finally:
            store.unlock()
            store.close()

    @state.command()
    @state_opt
    @ws_opt
    @format_option()
    def history(state_path, workspace, fmt):
        """The snapshots kept after each apply or edit (the newest $ARCHFORM_STATE_HISTORY)."""
        store = _store(state_path, workspace, readonly=True)
        existing_workspace(store, state_path, workspace)
        try:
            kept = store.history()
        finally:
            store.close()
        if fmt == "json":
            click.echo(json.dumps([{"serial": serial, "reason": reason, "lineage": lineage}
                                   for serial, lineage, reason in kept], indent=2))
            return
        for serial, lineage, reason in kept:
            click.echo(f"{serial}\t{reason}\t{lineage}")

    @state.command()
    @click.option("--serial", type=int, help="A snapshot from the history instead of the current state.")
    @state_opt
    @ws_opt
    def pull(serial, state_path, workspace):
        """The whole state (or a past snapshot) as JSON."""
        store = _store(state_path, workspace, readonly=True)
        existing_workspace(store, state_path, workspace)
        try:
            doc = store.history_snapshot(serial) if serial is not None else store.read(unsealed=False).json()
        finally:
            store.close()
        if doc is None:
            click.echo(f"error: no snapshot with serial {serial}", err=True)
            sys.exit(1)
        click.echo(json.dumps(doc, indent=2, sort_keys=True))

    @state.command()
    @click.option("--serial", type=int, help="Go back to this snapshot (from the history, or a backup file).")
    @click.option("--file", "from_file", type=click.Path(dir_okay=False, exists=True),
                  help="Restore a snapshot file (a backup, or what `state pull` wrote).")
    @state_opt
    @ws_opt
    @lock_timeout_option()
    def restore(serial, from_file, state_path, workspace, lock_timeout):
        """Restore the state from a snapshot: the newest backup when the state is damaged or
        missing, or the one named by --serial or --file.

        A damaged file is kept beside the new one (state.db.damaged…). The restored state gets
        a new serial, so plans saved before are refused."""
        from ..state_restore import restore_state
        message = restore_state(state_path, workspace, serial, from_file, lock_timeout)
        click.echo(message)

    @main.group()
    def workspace():
        """Workspaces: independent states in one database."""

    @workspace.command(name="delete")
    @click.argument("name")
    @state_opt
    @lock_timeout_option()
    def ws_delete(name, state_path, lock_timeout):
        """Remove an empty workspace (a mistyped -w made it): its records must be gone first."""
        store = _store(state_path, name)
        existing_workspace(store, state_path, name)
        _locked(store, "workspace delete", lock_timeout)
        try:
            store.delete_workspace()
        finally:
            store.unlock()
            store.close()
        click.echo(f"Deleted workspace '{name}'.")

    @workspace.command(name="list")
    @state_opt
    @format_option()
    def ws_list(state_path, fmt):
        """The workspaces of the state."""
        store = _store(state_path, "default", readonly=True)
        try:
            names = store.workspaces()
        finally:
            store.close()
        click.echo(json.dumps(names, indent=2) if fmt == "json" else "\n".join(names), nl=fmt == "json" or bool(names))
