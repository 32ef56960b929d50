"""`archform chaos PATH --fail DOMAIN …`: break an architecture on purpose and measure what it
survives.

Without `--state`, the architecture is applied to a fresh modeled cloud in a temporary folder
(ids seeded by `--seed`); with `--state`, the run uses the cloud that state was applied to
(`--cloud`, default `.archform/cloud.db`) and changes nothing in it. The faults run on a
virtual clock (providers/simulated/chaos/README.md); the report is text or JSON. Exit 0 when every DR target is met
(or there is no DR plan), 3 when one is breached, 1 on a mistake (an unknown domain, a
configuration with errors, an apply that failed).

`--at` and `--for` pair with the `--fail` flags in order (the first `--at` with the first
`--fail`…); a fault without its own takes the last one given, else 1m and "until the end".
"""

from __future__ import annotations

import sys

import click

from .common import Context, allowed_paths, echo_diagnostics, parse_params, root_of, write_output
from .options import (CHAOS_DURATION, allow_path_option, cloud_option, format_option, param_option, state_option,
                      workspace_option)


def register(main: click.Group):
    @main.command()
    @click.argument("path", type=click.Path())
    @click.option("--fail", "fails", multiple=True, required=True, metavar="DOMAIN",
                  help="host:ID, rack:NAME, dc:NAME, az:AZ, region:REGION, a resource address (ADDR[/PART]), or a "
                       "scenario: spot-interruption[:ADDR], rds-failover:ADDR, az-power-interruption:AZ, "
                       "insufficient-capacity:AZ. Repeatable.")
    @click.option("--at", "ats", multiple=True, metavar="T", help="When the fault starts (virtual time, e.g. 90s, "
                                                                    "5m; default 1m). Pairs with --fail in order.")
    @click.option("--for", "fors", multiple=True, metavar="D",
                  help="How long the fault lasts (default: until the end). Pairs with --fail in order.")
    @click.option("--duration", default=CHAOS_DURATION, show_default=True, metavar="D", help="Virtual time to simulate.")
    @click.option("--seed", default=0, show_default=True, type=int, help="Randomness and ids derive from it.")
    @format_option()
    @click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
                  help="Also write the JSON report to this file.")
    @state_option("Use the cloud this state was applied to, instead of a fresh one.", optional=True)
    @workspace_option()
    @cloud_option("With --state: the modeled cloud's database (default .archform/cloud.db).")
    @param_option()
    @allow_path_option
    def chaos(path, fails, ats, fors, duration, seed, fmt, out, state_path, workspace, cloud_path, params):
        """Fail hosts, racks, AZs, regions or resources of PATH on a virtual clock, and report the
        timeline, each service's availability and capacity, data lost, and each DR plan's
        achieved RTO/RPO against its targets (exit 3 when one is breached)."""
        run_chaos(path, fails, ats, fors, duration, seed, fmt, out, state_path, workspace, cloud_path, params)


def _fail(message: str, code: int = 1):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def run_chaos(path, fails, ats, fors, duration, seed, fmt, out, state_path, workspace, cloud_path, params):
    import json
    import os
    import tempfile

    from archform.providers.simulated.chaos.faults import FaultError
    from archform.providers.simulated.chaos.report import render_text
    from archform.providers.simulated.chaos.units import parse

    from ..rehearsal import fault_specs

    try:
        specs = fault_specs(fails, ats, fors)
        length = parse(duration)
    except ValueError as e:
        _fail(str(e))
    if length <= 0:
        _fail("--duration must be longer than 0s")
    from archform.providers.simulated.chaos.units import span as shown
    for s in specs:  # a fault the run never reaches measures nothing, and judges nothing either
        if s.duration is not None and s.duration <= 0:
            _fail(f"--for must be longer than 0s (the fault on {s.domain}); leave it out for a fault that lasts "
                  f"to the end of the run")
        if s.at >= length:
            _fail(f"the fault on {s.domain} starts at {shown(s.at)}, after the run ends ({shown(length)}): "
                  f"give a longer --duration (the whole run), or an earlier --at (--for is how long the fault lasts)")
    root = root_of(path)
    with tempfile.TemporaryDirectory(prefix="archform-chaos-") as folder:
        if state_path:
            from archform.providers.simulated import SimulatedCloud
            from archform.providers.simulated.store import default_path
            from ..state import exists, open_state
            where = cloud_path or default_path()
            if not exists(state_path) or not os.path.exists(where):
                _fail(f"nothing applied: no state at {state_path} or no modeled cloud at {where}")
            store = open_state(state_path, workspace)
            try:
                if not store.read().resources:
                    _fail(f"the state at {state_path} records nothing: apply {path} first")
            finally:
                store.close()
            cloud = SimulatedCloud(where)
            reach = _design_reach(root, parse_params(params), _held_routes(cloud.store))
        else:
            cloud, problems, reach = _fresh(root, parse_params(params), seed, folder)
            if cloud is None:
                if problems and not isinstance(problems[0], str):
                    echo_diagnostics(Context(), problems)
                else:
                    for p in problems:
                        click.echo(f"error: {p}", err=True)
                    click.echo("The architecture could not be applied to a fresh modeled cloud.", err=True)
                sys.exit(1)
        try:
            from archform.providers.simulated.chaos import run
            doc = run(cloud.store, specs, seed=seed, duration=length, architecture=str(path), reach=reach)
        except FaultError as e:
            _fail(str(e))
        finally:
            cloud.close()
    if out:
        write_output(out, json.dumps(doc, indent=2, sort_keys=True) + "\n")
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        click.echo(render_text(doc), nl=False)
    sys.exit(doc["summary"]["exit_code"])


def _fresh(root, params: dict, seed: int, folder: str):
    """The architecture applied to a new modeled cloud: (cloud, problems, what its network lets
    through) — resolved once for both."""
    from archform.dsl.resolve import resolve
    from ..rehearsal import apply_fresh
    desired, diags = resolve(root, params, allow=allowed_paths())
    errors = [d for d in diags if d.is_error]
    if errors or desired is None:
        return None, errors, None
    cloud, problems = apply_fresh(desired, seed, folder)
    return cloud, problems, _reach_of(desired)


def _design_reach(root, params: dict, routes: dict | None = None):
    """What the design's network lets through, when the design at PATH resolves (None otherwise:
    the run then trusts the cloud alone); `routes`: the route tables as the cloud holds them."""
    from archform.dsl.resolve import resolve
    desired, diags = resolve(root, params, allow=allowed_paths())
    if desired is None or any(d.is_error for d in diags):
        return None
    if routes is not None:  # a route table the cloud does not hold (deleted, or never applied) routes nothing
        routes = {**{a: [] for a, r in desired.resources.items() if r.kind == "route_table"}, **routes}
    return _reach_of(desired, routes)


def _reach_of(desired, routes: dict | None = None):
    from dataclasses import replace

    from archform.dsl.check import build_graph
    from archform.stdlib.reach import Network
    from archform.stdlib.reach.load_balancers import target_reach
    from archform.stdlib.reach.workloads import consumer_reach
    net = Network(build_graph(desired), routes)
    return replace(target_reach(net), consumers=consumer_reach(net))


def _held_routes(store) -> dict:
    """The routes each route table of the modeled cloud holds now, by address: a `sim set` that
    removed a route (drift) must cut the traffic that used it in the run, so the run reads the
    cloud's routes, not the design's. A route whose target the cloud no longer holds is gone."""
    import ipaddress

    from archform.dsl import values as v
    from archform.stdlib.reach.index import HeldRoute
    with store.reading() as tx:
        tables = tx.query("kind = 'route_table' AND address IS NOT NULL AND owner IS NULL")
        found = {}
        for table in tables:
            held = []
            for route in table.attrs.get("route") or []:
                target = tx.get(str(route.get("target") or ""))
                try:
                    block = ipaddress.ip_network(str(route.get("destination")), strict=False)
                except ValueError:
                    continue  # a prefix-list destination: the reach engine routes by CIDR block
                if target is not None and target.address:
                    held.append(HeldRoute(v.Cidr(block), v.ResourceRef(target.address, target.kind)))
            found[table.address] = held
    return found
