"""`archform reach PATH SRC DST`: can SRC reach DST, and by which hops — a traceroute of the
design, before anything is deployed. `archform reach PATH --matrix`: which parts reach which.

SRC and DST are resource addresses (`primary.web`), `internet`, IP addresses or CIDR blocks.
Each hop names the rule that allowed or blocked it, at its file:line:col. Exit 0 when every
path gets through, 1 when one is blocked (or the configuration has errors), 2 on a usage error.
"""

from __future__ import annotations

import json
import sys

import click

from .common import Context, allowed_paths, echo_diagnostics, parse_params, pass_ctx, root_of
from .options import allow_path_option, format_option, param_option

MARKS = {"pass": "ok", "block": "NO", "note": "  "}


def register(main: click.Group):
    @main.command()
    @click.argument("path", type=click.Path())
    @click.argument("src", required=False)
    @click.argument("dst", required=False)
    @click.option("--port", type=click.IntRange(0, 65535), default=None,
                  help="The destination port (default: the one DST serves: a listener, a database's port).")
    @click.option("--protocol", type=click.Choice(["tcp", "udp", "icmp"]), default="tcp", show_default=True)
    @click.option("--matrix", is_flag=True, help="Which tiers reach which, on the ports the architecture uses.")
    @format_option()
    @param_option()
    @allow_path_option
    @pass_ctx
    def reach(ctx: Context, path, src, dst, port, protocol, matrix, fmt, params):
        """Can SRC reach DST? Prints yes or no and the hops, each with the rule that allowed or
        blocked it (exit 0 reachable, 1 not, 2 usage error)."""
        if matrix and (src or dst):
            raise click.UsageError("--matrix takes no SRC or DST")
        if not matrix and not (src and dst):
            raise click.UsageError("give SRC and DST (addresses, internet, IPs or CIDRs), or --matrix")
        if protocol == "icmp" and port is not None:
            raise click.UsageError("icmp has no ports: leave out --port")
        graph, span_of = _resolve(ctx, path, params)
        from archform.stdlib.reach import Network
        net = Network(graph)
        if matrix:
            sys.exit(_matrix(net, fmt))
        sys.exit(_trace(net, src, dst, protocol, port, fmt, span_of))


def _resolve(ctx: Context, path, params):
    from archform.dsl.check import build_graph
    from archform.dsl.resolve import resolve_with_spans
    desired, diags, spans = resolve_with_spans(root_of(path), parse_params(params), allow=allowed_paths())
    if any(d.is_error for d in diags) or desired is None:
        echo_diagnostics(ctx, diags)
        sys.exit(1)
    return build_graph(desired), spans.span_of


def _flow(net, dst: str, protocol: str, port):
    from archform.stdlib.reach import Flow
    from archform.stdlib.reach.matrix import served
    if protocol == "icmp":
        return Flow("icmp", None)
    if port is not None:
        return Flow(protocol, port)
    from archform.stdlib.reach.endpoints import SERVICE_NAME
    if SERVICE_NAME.match(dst.lower()) and protocol == "tcp":
        return Flow("tcp", 443)  # an AWS service's API name answers HTTPS
    view = net.get(dst)
    offered = [f for f in (served(net, view) if view is not None else []) if f.protocol == protocol]
    if not offered:
        raise click.UsageError(f"{dst} serves no {protocol} port this design declares: give --port")
    return offered[0]


def _check_ends(net, src, dst) -> None:
    """A usage error (with a did-you-mean) for an end that names nothing with a network interface."""
    from archform.stdlib.reach import endpoints
    for name in (src, dst):
        problem = endpoints.resolve(net, name)[1]
        if problem:
            from archform.dsl.suggest import did_you_mean
            hint = did_you_mean(name, [v.address for v in net.graph.all()]) if net.get(name) is None else ""
            raise click.UsageError(f"{problem}{'; ' + hint if hint else ''}")


def _trace(net, src, dst, protocol, port, fmt, span_of) -> int:
    from archform.stdlib.reach import trace
    _check_ends(net, src, dst)
    flow = _flow(net, dst, protocol, port)
    answer = trace(net, src, dst, flow)
    if answer.problem:
        raise click.UsageError(answer.problem)
    reached = sum(p.reachable for p in answer.paths)
    if fmt == "json":
        click.echo(json.dumps({
            "source": src, "destination": dst, "protocol": flow.protocol, "port": flow.port,
            "reachable": answer.reachable, "paths_reachable": reached, "paths": [
                {"source": p.source.name, "source_subnet": p.source.subnet, "destination": p.destination.name,
                 "destination_subnet": p.destination.subnet, "reachable": p.reachable,
                 "hops": [h.json(span_of) for h in p.hops]} for p in answer.paths],
        }, indent=2, sort_keys=True))
        return 0 if answer.reachable else 1
    word = "yes" if answer.reachable else "no"
    click.echo(f"{word}: {src} -> {dst} on {flow}: {reached} of {len(answer.paths)} "
               f"path{'s' if len(answer.paths) != 1 else ''} get{'s' if len(answer.paths) == 1 else ''} through")
    shown = answer.shown
    click.echo(f"{'blocked' if not shown.reachable else 'first'} path: {shown.source.describe()} -> "
               f"{shown.destination.describe()}")
    for n, hop in enumerate(shown.hops, 1):
        click.echo(f"{n:>3} {MARKS[hop.verdict]}  {hop.step}: {hop.text}")
        span = span_of(hop.at.address, hop.at.path) if hop.at is not None else None
        if span is not None:
            click.echo(f"         at {span.file}:{span.start_line}:{span.start_col} ({hop.at.address})")
    return 0 if answer.reachable else 1


def _matrix(net, fmt) -> int:
    from archform.stdlib.reach.matrix import matrix
    cells = matrix(net)
    if fmt == "json":
        click.echo(json.dumps([{"source": c.source, "destination": c.destination, "protocol": c.flow.protocol,
                                "port": c.flow.port, "verdict": c.verdict, "paths": c.total,
                                "paths_reachable": c.reachable} for c in cells], indent=2, sort_keys=True))
        return 0
    if not cells:
        click.echo("no resource in this architecture serves a port in a VPC")
        return 0
    width = max(len(c.source) for c in cells)
    for c in cells:
        click.echo(f"{c.source:<{width}}  ->  {c.destination}  {c.flow}: {c.verdict}"
                   + (f" ({c.reachable} of {c.total} paths)" if c.verdict == "partly" else ""))
    return 0
