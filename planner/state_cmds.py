"""`archform state list|show|rm|mv|history|pull` and `archform workspace list`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_common import state_option


def _store(state_path, workspace):
    from .state import exists, open_state
    if not exists(state_path):
        click.echo(f"error: no state at {state_path}", err=True)
        sys.exit(1)
    return open_state(state_path, workspace)


def _locked(store, command):
    from .plan_cmds import take_lock
    take_lock(store, command)


def register(main: click.Group):
    state_opt = state_option()
    ws_opt = click.option("--workspace", "-w", default="default", envvar="ARCHFORM_WORKSPACE")

    @main.group()
    def state():
        """Read and edit archform's record of what exists."""

    @state.command(name="list")
    @state_opt
    @ws_opt
    def list_(state_path, workspace):
        """Every recorded address, with its kind and id."""
        store = _store(state_path, workspace)
        snap = store.read()
        store.close()
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
        store = _store(state_path, workspace)
        snap = store.read()
        store.close()
        r = snap.resources.get(address)
        if r is None:
            from archform.dsl.suggest import did_you_mean
            hint = did_you_mean(address, snap.resources)
            click.echo(f"error: '{address}' is not in the state" + (f"; {hint}" if hint else ""), err=True)
            sys.exit(1)
        click.echo(json.dumps(r.json(), indent=2, sort_keys=True))

    @state.command()
    @click.argument("addresses", nargs=-1, required=True)
    @state_opt
    @ws_opt
    def rm(addresses, state_path, workspace):
        """Forget resources (they keep existing in the cloud)."""
        store = _store(state_path, workspace)
        _locked(store, "state rm")
        try:
            snap = store.read()
            missing = [a for a in addresses if a not in snap.resources]
            if missing:
                click.echo(f"error: not in the state: {', '.join(missing)}", err=True)
                sys.exit(1)
            store.bump_serial()
            for a in addresses:
                store.remove(a)
                click.echo(f"Removed {a} (it still exists in the provider)")
            store.snapshot("state rm")
        finally:
            store.unlock()
            store.close()

    @state.command()
    @click.argument("source")
    @click.argument("destination")
    @state_opt
    @ws_opt
    def mv(source, destination, state_path, workspace):
        """Rename a recorded resource (prefer a `moved` statement, which reviewers see)."""
        store = _store(state_path, workspace)
        _locked(store, "state mv")
        try:
            store.bump_serial()
            try:
                store.rename(source, destination)
            except KeyError as e:
                click.echo(f"error: {e.args[0]}", err=True)
                sys.exit(1)
            store.snapshot("state mv")
            click.echo(f"Moved {source} to {destination}")
        finally:
            store.unlock()
            store.close()

    @state.command()
    @state_opt
    @ws_opt
    def history(state_path, workspace):
        """The snapshots kept after each apply or edit."""
        store = _store(state_path, workspace)
        for serial, lineage, reason in store.history():
            click.echo(f"{serial}\t{reason}\t{lineage}")
        store.close()

    @state.command()
    @click.option("--serial", type=int, help="A snapshot from the history instead of the current state.")
    @state_opt
    @ws_opt
    def pull(serial, state_path, workspace):
        """The whole state (or a past snapshot) as JSON."""
        store = _store(state_path, workspace)
        doc = store.history_snapshot(serial) if serial is not None else store.read().json()
        store.close()
        if doc is None:
            click.echo(f"error: no snapshot with serial {serial}", err=True)
            sys.exit(1)
        click.echo(json.dumps(doc, indent=2, sort_keys=True))

    @main.group()
    def workspace():
        """Workspaces: independent states in one database."""

    @workspace.command(name="list")
    @state_opt
    def ws_list(state_path):
        store = _store(state_path, "default")
        for name in store.workspaces():
            click.echo(name)
        store.close()
