"""`archform sim list|show|set|delete|create|reset`: look at the modeled cloud, and change it
behind archform's back so drift is real.

The modeled cloud lives in its own database (`--cloud`, else `$ARCHFORM_CLOUD`, else
`.archform/cloud.db`). Output is sorted and carries no clock, so it can be snapshot-tested.
"""

from __future__ import annotations

import json
import os
import sys

import click


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


def register(main: click.Group):
    cloud_opt = click.option("--cloud", "cloud_path", default=None, type=click.Path(dir_okay=False),
                             help="The modeled cloud's database (default $ARCHFORM_CLOUD or .archform/cloud.db).")

    @main.group()
    def sim():
        """The modeled cloud: see what it holds, and change it behind archform's back (drift)."""

    @sim.command(name="list")
    @click.option("--kind", "-k", default=None, help="Only resources of this kind.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @click.option("--all", "include_owned", is_flag=True,
                  help="Also what resources own: group instances, load balancer nodes, database instances…")
    @cloud_opt
    def list_(kind, fmt, include_owned, cloud_path):
        """Every resource the cloud holds, sorted by kind, region and id."""
        from archform.providers.simulated import console
        if not os.path.exists(_path(cloud_path)):
            click.echo("[]" if fmt == "json" else "", nl=fmt == "json")
            return
        cloud = _open(cloud_path)
        try:
            found = console.records(cloud, kind, include_owned)
        finally:
            cloud.close()
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
