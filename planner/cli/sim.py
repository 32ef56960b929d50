"""`archform sim list|show|set|delete|create|reset|placement`: look at the modeled cloud, and
change it behind archform's back so drift is real; `placement` shows where each instance of an
applied architecture landed (host, rack, data centre, AZ).

The modeled cloud lives in its own database (`--cloud`, else `$ARCHFORM_CLOUD`, else
`.archform/cloud.db`). Output is sorted and carries no clock, so it can be snapshot-tested.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .common import Context, resolve_or_exit
from .options import (allow_path_option, cloud_option, format_option, param_option, state_option,
                      workspace_option)


def _path(cloud_path) -> str:
    return cloud_path or os.environ.get("ARCHFORM_CLOUD") or ".archform/cloud.db"


def _open(cloud_path, must_exist: bool = True):
    path = _path(cloud_path)
    if must_exist and path != ":memory:" and not os.path.exists(path):
        click.echo(f"error: no modeled cloud at {path} (nothing has been applied there yet)", err=True)
        sys.exit(1)
    from archform.providers.simulated import open_cloud
    return open_cloud(path)


def _fail(e: Exception):
    click.echo(f"error: {e}", err=True)
    sys.exit(1)


def _dump(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _detail(r: dict) -> str:
    a, o = r["attributes"], r["outputs"] or {}
    for key in ("cidr", "private_ip", "dns_name", "endpoint", "domain", "public_ip", "fqdn", "name"):
        value = a.get(key) if key in ("cidr", "domain") else o.get(key)
        if value:
            return f"{key}={value}"
    return ""


def _recorded_ids(state_path) -> set[str]:
    """The provider ids every workspace of the state records (none if there is no state)."""
    from ..state import exists, open_state
    if not exists(state_path):
        return set()
    store = open_state(state_path, "default", readonly=True)
    try:
        names = store.workspaces()
    finally:
        store.close()
    ids = set()
    for name in names:
        store = open_state(state_path, name, readonly=True)
        try:
            ids |= {r.id for r in store.read(unsealed=False).resources.values() if r.id}
        finally:
            store.close()
    return ids


def register(main: click.Group):
    cloud_opt = cloud_option("The modeled cloud's database (default $ARCHFORM_CLOUD or .archform/cloud.db).")

    @main.group()
    def sim():
        """The modeled cloud: see what it holds, and change it behind archform's back (drift)."""

    @sim.command(name="list")
    @click.option("--kind", "-k", default=None, help="Only resources of this kind.")
    @format_option()
    @click.option("--all", "include_owned", is_flag=True,
                  help="Also what resources own: group instances, load balancer nodes, database instances…")
    @click.option("--orphans", is_flag=True,
                  help="Only what no workspace of the state (--state) records: made and then lost track of.")
    @state_option()
    @cloud_opt
    def list_(kind, fmt, include_owned, orphans, state_path, cloud_path):
        """Every resource the cloud holds, sorted by kind, region and id."""
        from archform.providers.simulated import console
        if not os.path.exists(_path(cloud_path)):
            click.echo("[]" if fmt == "json" else "", nl=fmt == "json")
            return
        recorded = _recorded_ids(state_path) if orphans else None
        cloud = _open(cloud_path)
        try:
            found = console.records(cloud, kind, include_owned)
        finally:
            cloud.close()
        if recorded is not None:  # what resources own (instances of a group…) belongs to its owner
            found = [r for r in found if not r["owner"] and r["id"] not in recorded]
        if fmt == "json":
            click.echo(_dump(found))
            return
        if not found:
            return
        rows = [["KIND", "ID", "REGION", "AZ", "ADDRESS", "DETAIL"]]
        for r in found:
            address = r["address"] or (f"(owned by {r['owner']}, {r['role']})" if r["owner"] else "-")
            rows.append([r["kind"], r["id"], r["region"] or "-", r["az"] or "-", address, _detail(r)])
        click.echo(_table(rows))

    @sim.command()
    @click.argument("id")
    @cloud_opt
    def show(id, cloud_path):
        """One resource as the cloud holds it (JSON): attributes, outputs, what it owns, who uses it."""
        from archform.providers.simulated import console
        cloud = _open(cloud_path)
        try:
            found = console.describe(cloud, id)
        finally:
            cloud.close()
        if found is None:
            _fail(f"the modeled cloud has no resource '{id}'")
        click.echo(_dump(found))

    @sim.command(name="set")
    @click.argument("id")
    @click.argument("assignments", nargs=-1, required=True, metavar="NAME=VALUE...")
    @click.option("--react", is_flag=True,
                  help="Change it through the cloud's API instead: checked as an update, and the cloud reacts "
                       "(a group given desired=5 launches instances).")
    @cloud_opt
    def set_(id, assignments, react, cloud_path):
        """Change attributes directly (drift). VALUE is JSON when it parses (3, true, null,
        ["a"], {"k": "v"}), else a string; NAME may be dotted (root_volume.size=16GiB)."""
        from archform.providers.base import ProviderError
        from archform.providers.simulated import console
        try:
            values = console.parse_assignments(assignments)
        except ValueError as e:
            _fail(e)
        cloud = _open(cloud_path)
        try:
            console.set_attributes(cloud, id, values, react=react)
        except ProviderError as e:
            _fail(e)
        finally:
            cloud.close()
        for name in sorted(values):
            click.echo(f"{id}: {name} = {json.dumps(values[name], sort_keys=True)}")

    @sim.command()
    @click.argument("id")
    @cloud_opt
    def delete(id, cloud_path):
        """Remove a resource (and what it owns) behind archform's back, refusing nothing."""
        from archform.providers.simulated import console
        cloud = _open(cloud_path)
        try:
            gone = console.remove(cloud, id)
        finally:
            cloud.close()
        if not gone:
            click.echo(f"{id}: not in the modeled cloud, nothing to delete")
            return
        owned = len(gone) - 1
        click.echo(f"deleted {id}" + (f" and {owned} record{'s' if owned != 1 else ''} it owned" if owned else ""))

    @sim.command()
    @click.argument("kind")
    @click.argument("assignments", nargs=-1, metavar="NAME=VALUE...")
    @click.option("--region", default="us-east-1", show_default=True, help="Where a regional resource goes.")
    @cloud_opt
    def create(kind, assignments, region, cloud_path):
        """Make a resource archform did not make (for `archform import` to adopt). The cloud
        checks it as AWS would; the new id is printed."""
        from archform.providers.base import ProviderError
        from archform.providers.simulated import console
        try:
            values = console.parse_assignments(assignments)
        except ValueError as e:
            _fail(e)
        cloud = _open(cloud_path, must_exist=False)
        try:
            remote = console.create(cloud, kind, values, region)
        except ProviderError as e:
            _fail(e)
        finally:
            cloud.close()
        click.echo(remote.id)

    register_placement(sim, cloud_opt)

    @sim.command()
    @click.option("--seed", default=0, show_default=True, type=int, help="What the new cloud's ids derive from.")
    @cloud_opt
    def reset(seed, cloud_path):
        """Empty the modeled cloud (archform's state is not touched)."""
        cloud = _open(cloud_path, must_exist=False)
        try:
            from archform.providers.simulated import console
            console.reset(cloud, seed)
        finally:
            cloud.close()
        click.echo(f"the modeled cloud at {_path(cloud_path)} is empty (seed {seed})")


def _placement_rows(found: list[dict]) -> str:
    rows = [["ADDRESS", "INSTANCE", "TYPE", "AZ", "RACK", "HOST", "GROUP", "PARTITION"]]
    for p in found:
        rows.append([p["address"], p["instance"], p["instance_type"] or "-", p["az"] or "-", p["rack"] or "-",
                     p["host"] or "-", p["placement_group"] or "-",
                     "-" if p["partition"] is None else str(p["partition"] + 1)])
    hosts = {p["host"] for p in found if p["host"]}
    racks = {p["rack"] for p in found if p["rack"]}
    centres = {p["data_centre"] for p in found if p["data_centre"]}
    zones = {p["az"] for p in found if p["az"]}
    n = len(found)
    summary = (f"{n} instance{'s' if n != 1 else ''} on {len(hosts)} host{'s' if len(hosts) != 1 else ''}, "
               f"{len(racks)} rack{'s' if len(racks) != 1 else ''}, {len(centres)} data "
               f"centre{'s' if len(centres) != 1 else ''}, {len(zones)} AZ{'s' if len(zones) != 1 else ''}")
    return _table(rows) + "\n\n" + summary


def register_placement(sim: click.Group, cloud_opt):
    @sim.command()
    @click.argument("path", type=click.Path())
    @click.argument("address", required=False)
    @state_option("The state the architecture was applied with.")
    @workspace_option()
    @param_option()
    @format_option()
    @cloud_opt
    @allow_path_option
    def placement(path, address, state_path, workspace, params, fmt, cloud_path):
        """Where each instance of the applied architecture PATH landed: host, rack, data centre,
        AZ, placement group and partition (instances of Auto Scaling groups included). ADDRESS
        shows one resource, all of a replicated one (`primary.sap` for `primary.sap[…]`), or
        every resource under a prefix (`primary`, `primary.net`)."""
        from archform.dsl.suggest import did_you_mean
        from archform.providers.simulated import console
        from ..state import StateStore
        desired = resolve_or_exit(Context(), path, params)
        kinds = ("instance", "autoscaling_group", "eks_node_group", "beanstalk_environment",
                 "batch_compute_environment")
        declared = sorted(a for a, r in desired.resources.items() if r.kind in kinds)
        if address:
            chosen = [a for a in declared if a == address or a.startswith((address + ".", address + "["))]
            if not chosen:
                hint = did_you_mean(address, sorted({a.split("[", 1)[0] for a in declared} | set(declared)))
                _fail(f"'{address}' is not an instance or Auto Scaling group of {path}" + (f"; {hint}" if hint else ""))
        else:
            chosen = declared
        if not os.path.exists(state_path):
            _fail(f"no state at {state_path}: apply {path} first")
        store = StateStore(state_path, workspace)
        try:
            recorded = store.read(unsealed=False).resources
        finally:
            store.close()
        ids = {a: recorded[a].id for a in chosen if a in recorded and recorded[a].id}
        cloud = _open(cloud_path)
        try:
            found = console.placements(cloud, ids)
        finally:
            cloud.close()
        if fmt == "json":
            click.echo(_dump(found))
        elif not found:
            click.echo("no instances (nothing of it is applied yet)")
        else:
            click.echo(_placement_rows(found))
