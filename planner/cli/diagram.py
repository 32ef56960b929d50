"""`archform diagram` and `archform report`: an architecture drawn (SVG, PNG, PDF or DOT), and
one self-contained HTML page with the diagram, the plan, the checks and a failure rehearsal.

The drawing is in `planner/diagram/`; this module reads options, gathers what the overlays
need (a plan, a chaos run, placements: `diagram_sources.py`) and writes the file. Imports happen inside the commands
so `archform --help` stays fast.
"""

from __future__ import annotations

import sys

import click

from .common import Context, allowed_paths, echo_diagnostics, parse_params, root_of, write_output
from .options import CHAOS_DURATION, allow_path_option, cloud_option, param_option, stack, state_option, workspace_option

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".jpg": "jpg", ".jpeg": "jpg",
           ".drawio": "drawio"}


_shared = stack(
    param_option(),
    state_option("The state a plan starts from (none yet: an empty one)."),
    workspace_option(),
    cloud_option("The state's modeled cloud (default .archform/cloud.db, or $ARCHFORM_CLOUD)."),
    click.option("--chaos", "fails", multiple=True, metavar="DOMAIN",
                 help="Fail this domain on a fresh modeled cloud, as `archform chaos --fail` does (region:R, az:AZ, "
                      "host:ID, rack:NAME, a resource address, a scenario). Repeatable."),
    click.option("--at", "ats", multiple=True, metavar="T", help="When each --chaos fault starts (default 1m)."),
    click.option("--for", "fors", multiple=True, metavar="D", help="How long each --chaos fault lasts."),
    click.option("--duration", default=CHAOS_DURATION, show_default=True, metavar="D", help="Virtual time a --chaos run lasts."),
    click.option("--seed", default=0, show_default=True, type=int, help="Ids and randomness of the fresh cloud."),
    allow_path_option,
)


def register(main: click.Group):
    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @click.option("--out", "-o", "out", type=click.Path(dir_okay=False), default=None,
                  help="Write here; the suffix picks the format: .svg .png .pdf .dot .drawio (default: DOT on stdout).")
    @click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf", "dot", "drawio"]), default=None,
                  help="The format, whatever the suffix.")
    @click.option("--plan", "with_plan", is_flag=True,
                  help="Colour each resource by its planned action against the state (create, update, replace, delete).")
    @click.option("--physical", is_flag=True,
                  help="Hosts, racks and data centres per AZ, with each instance where it runs (placement groups).")
    @click.option("--instances", is_flag=True, help="Every instance of each Auto Scaling group, not one node per group.")
    @click.option("--network", is_flag=True,
                  help="Route tables, security groups (beside what they protect), network ACLs and CIDRs too.")
    @click.option("--title", default=None, help="The diagram's title (default: the file's name).")
    @click.option("--no-legend", is_flag=True, help="Leave the legend out.")
    @click.option("--reach", "reach", nargs=2, default=None, metavar="SRC DST",
                  help="Draw the flow from SRC to DST as `archform reach` answers it, and mark the rule that blocks it.")
    @click.option("--port", type=click.IntRange(0, 65535), default=None,
                  help="With --reach: the destination port (default: the one DST serves).")
    @click.option("--full", is_flag=True,
                  help="Draw every resource even past 1,500 nodes (drawn by kind per VPC otherwise: a layout of "
                       "thousands takes Graphviz minutes).")
    @_shared
    def diagram(path, out, fmt, with_plan, physical, instances, network, title, no_legend, reach, port, full, params,
                state_path, workspace, cloud_path, fails, ats, fors, duration, seed):
        """Draw the architecture PATH: Region > VPC > Availability Zone > Subnet, global services
        outside the regions, traffic, replication and DR pairs between them.

        \b
        archform diagram web.arch -o web.svg
        archform diagram web.arch --plan -o plan.png          # what the next apply changes
        archform diagram dr.arch --chaos region:us-east-1 -o dr.svg
        archform diagram web.arch --physical -o hosts.svg     # where the instances run
        archform diagram web.arch --network -o net.svg        # route tables, security groups, CIDRs
        archform diagram web.arch --reach internet primary.orders -o why.svg
        archform diagram web.arch -o web.drawio              # editable in diagrams.net"""
        run_diagram(path, out, fmt, with_plan, physical, instances, title, no_legend, params, state_path, workspace,
                    cloud_path, fails, ats, fors, duration, seed, reach=reach, port=port, network=network, full=full)

    @main.command()
    @click.argument("path", default=".", type=click.Path())
    @click.option("--out", "-o", "out", type=click.Path(dir_okay=False), default="report.html", show_default=True)
    @_shared
    def report(path, out, params, state_path, workspace, cloud_path, fails, ats, fors, duration, seed):
        """One self-contained HTML page about the architecture PATH: the plan against the state,
        the diagram (coloured by the plan), the checks, and with --chaos the failure's timeline,
        each service's capacity over time, failovers, data lost and DR targets. Works offline."""
        run_report(path, out, params, state_path, workspace, cloud_path, fails, ats, fors, duration, seed)


def _fail(message: str, diagnostics=()):
    if diagnostics:
        echo_diagnostics(Context(), diagnostics)
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _format(out, fmt) -> str:
    if fmt:
        return fmt
    if out is None:
        return "dot"
    from pathlib import Path
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        _fail(f"cannot tell the format of '{out}': use .svg, .png, .pdf, .dot or .drawio (or --format)")
    return FORMATS[suffix]


def gather(path, params, state_path, workspace, cloud_path, fails, ats, fors, duration, seed, *, with_plan=False,
           physical=False, spans: list | None = None):
    """What the overlays need: (root, desired, diagnostics, plan, chaos report, placements, hosts);
    with `spans`, the span index appended to it (where each attribute was written)."""
    from archform.dsl.resolve import resolve, resolve_with_spans
    from ..state import exists as state_exists
    from .diagram_sources import SourceError, applied_cloud, chaos_report, fresh_cloud, make_plan, placements
    root = root_of(path)
    if spans is None:
        desired, diags = resolve(root, parse_params(params), allow=allowed_paths())
    else:
        desired, diags, index = resolve_with_spans(root, parse_params(params), allow=allowed_paths())
        spans.append(index)
    if desired is None or any(d.is_error for d in diags):
        echo_diagnostics(Context(), diags)
        sys.exit(1)
    echo_diagnostics(Context(), diags, summary=False)
    the_plan = report = rows = hosts = None
    try:
        if with_plan:
            the_plan = make_plan(desired, state_path, workspace, cloud_path)
        if fails or (physical and not state_exists(state_path)):
            with fresh_cloud(desired, seed) as (cloud, ids):
                if physical:
                    rows, hosts = placements(cloud, ids, desired)
                if fails:
                    report = chaos_report(cloud, root, fails, ats, fors, duration, seed)
        elif physical:
            with applied_cloud(state_path, workspace, cloud_path) as (cloud, ids):
                rows, hosts = placements(cloud, ids, desired)
    except SourceError as e:
        _fail(str(e), e.diagnostics)
    return root, desired, diags, the_plan, report, rows, hosts


def run_diagram(path, out, fmt, with_plan, physical, instances, title, no_legend, params, state_path, workspace,
                cloud_path, fails, ats, fors, duration, seed, reach=None, port=None, network=False, full=False):
    from ..diagram import diagram
    from ..diagram.dot import RenderError, render, to_dot, with_imagepath
    fmt = _format(out, fmt)
    root, desired, _, the_plan, report, rows, hosts = gather(
        path, params, state_path, workspace, cloud_path, fails, ats, fors, duration, seed,
        with_plan=with_plan, physical=physical)
    answer = _reach_answer(desired, reach, port) if reach else None
    scene = diagram(desired, title=title if title is not None else root.name, plan=the_plan, chaos=report,
                    placements=rows, hosts=hosts, instances=instances, legend=not no_legend, reach=answer,
                    network=network, full=full)
    text = to_dot(scene)
    if fmt == "dot":
        data = with_imagepath(text).encode("utf-8")      # `dot -Tsvg` of the file finds the icons
    else:
        try:
            if fmt == "drawio":
                from ..diagram.drawio import layout_of, to_drawio
                data = to_drawio(scene, layout_of(render(text, "json"))).encode("utf-8")
            else:
                data = render(text, fmt)
        except RenderError as e:
            _fail(str(e))
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_output(out, data)
    click.echo(f"wrote {out} ({len(scene.items)} resources, {fmt})", err=True)


def run_report(path, out, params, state_path, workspace, cloud_path, fails, ats, fors, duration, seed):
    from archform.dsl.policy import CHECK_ID
    from .. import findings
    from ..diagram.dot import RenderError
    from ..diagram.report import build_report
    spans: list = []
    root, desired, diags, the_plan, report, _, _ = gather(path, params, state_path, workspace, cloud_path, fails, ats,
                                                          fors, duration, seed, with_plan=True, spans=spans)
    # `archform check`'s findings too (a failed `check` block is one of them, not a diagnostic)
    checked = findings.check(desired, spans[0]) if spans and spans[0] is not None else None
    diags = [d for d in diags if not d.code.startswith(CHECK_ID)] if checked is not None else diags
    try:
        html = build_report(root, desired, diags, the_plan, report, checked)
    except RenderError as e:
        _fail(str(e))
    write_output(out, html)
    click.echo(f"wrote {out}", err=True)


def _reach_answer(desired, ends, port):
    """`archform reach`'s answer for the flow --reach names (a usage error when it names nothing)."""
    from archform.dsl.check import build_graph
    from archform.stdlib.reach import Network, trace

    from .reach import _check_ends, _flow
    net = Network(build_graph(desired))
    src, dst = ends
    _check_ends(net, src, dst)
    answer = trace(net, src, dst, _flow(net, dst, "tcp", port))
    if answer.problem:
        raise click.UsageError(answer.problem)
    return answer
