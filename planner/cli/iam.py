"""`archform iam can PATH PRINCIPAL ACTION RESOURCE`: may PRINCIPAL make ACTION on RESOURCE, by
AWS's policy evaluation logic over the policies the configuration holds, and which statement
decided — at its file:line:col, as `archform reach` prints its hops.

PRINCIPAL is a role, a user, or what runs as a role (a Lambda function, an instance, an
instance profile), by address (`worker`, `lambda_function.worker`) or ARN; RESOURCE is an
address or an ARN (`arn:aws:s3:::logs/*`); a principal outside the configuration (another
account's role) is given by ARN. Exit 0 allowed, 1 denied (or the configuration has errors), 2 on
a usage error, 3 not certain (what the configuration does not hold could change the answer).
"""

from __future__ import annotations

import json
import re
import sys

import click

from .common import Context, pass_ctx
from .options import allow_path_option, format_option, param_option
from .reach import _resolve

MARKS = {"pass": "ok", "block": "NO", "note": "  ", "open": "??"}
NOT_CERTAIN = 3  # the exit status of an answer that what the configuration does not hold could change


def register(main: click.Group):
    @main.group()
    def iam():
        """IAM evaluation over the configuration's policies."""

    @iam.command()
    @click.argument("path", type=click.Path())
    @click.argument("principal")
    @click.argument("action")
    @click.argument("resource")
    @click.option("--context", "context", multiple=True, metavar="KEY=VALUE",
                  help="A request context value, e.g. aws:SourceVpc=vpc-1 (repeatable).")
    @format_option()
    @param_option()
    @allow_path_option
    @pass_ctx
    def can(ctx: Context, path, principal, action, resource, context, fmt, params):
        """May PRINCIPAL make ACTION on RESOURCE? Prints allowed, denied or not certain and the
        statement that decided (exit 0 allowed, 1 denied, 2 usage error, 3 not certain)."""
        if not re.fullmatch(r"[A-Za-z0-9-]+:[A-Za-z0-9]+", action):
            raise click.UsageError(f"'{action}' is not an action: write service:Action, e.g. sqs:ReceiveMessage")
        extra = {}
        for item in context:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise click.UsageError(f"--context takes KEY=VALUE, got '{item}'")
            extra[key] = value
        graph, span_of = _resolve(ctx, path, params)
        who, target = _ends(graph, principal, resource)
        from archform.stdlib.iam import can as evaluate
        decision = evaluate(graph, who, action, target, extra)
        sys.exit(_print(decision, principal, resource, fmt, span_of))


def _ends(graph, principal: str, resource: str):
    from archform.dsl.suggest import did_you_mean
    from archform.stdlib.iam import principal_of
    from archform.stdlib.iam.sources import by_arn, find, target_of
    names = [v.address for v in graph.all()]
    view = by_arn(graph, principal) if principal.startswith("arn:") else find(graph, principal)
    if view is None and principal.startswith("arn:"):
        from archform.stdlib.iam.evaluate import principal_by_arn
        outsider = principal_by_arn(principal)  # another account's role, say: the resource's policy decides
        if outsider is not None:
            view = None
            who = outsider
            target = target_of(graph, resource)
            if target is None:
                raise click.UsageError(f"no resource '{resource}' in this architecture; "
                                       f"{did_you_mean(resource, names)}".rstrip("; "))
            return who, target
    if view is None:
        raise click.UsageError(f"no resource '{principal}' in this architecture; {did_you_mean(principal, names)}"
                               .rstrip("; "))
    who = principal_of(graph, view)
    if who is None:
        raise click.UsageError(f"{view.kind} '{view.address}' is not a role or user and runs as no role")
    target = target_of(graph, resource)
    if target is None:
        raise click.UsageError(f"no resource '{resource}' in this architecture; {did_you_mean(resource, names)}"
                               .rstrip("; "))
    return who, target


def _where(at, span_of) -> dict | None:
    span = span_of(at.address, at.path) if at is not None else None
    if span is None:
        return None
    return {"address": at.address, "file": str(span.file), "line": span.start_line, "col": span.start_col}


def _print(d, principal: str, resource: str, fmt: str, span_of) -> int:
    word = "allowed" if d.allowed else "denied"
    status = 0 if d.allowed else 1
    if not d.complete:
        word, status = "not certain", NOT_CERTAIN
    if fmt == "json":
        click.echo(json.dumps({
            "principal": principal, "as": d.principal, "action": d.action, "resource": resource, "arn": d.resource,
            "allowed": d.allowed, "decision": word, "reason": d.reason, "complete": d.complete,
            "decided_by": _where(d.decided_by, span_of), "notes": d.notes,
            "steps": [{"layer": s.layer, "verdict": s.verdict, "text": s.text, "at": _where(s.at, span_of)}
                      for s in d.steps],
        }, indent=2, sort_keys=True))
        return status
    shown = principal if principal == d.principal else f"{principal} (as {d.principal})"
    click.echo(f"{word}: {shown} {d.action} on {resource}: {d.reason}")
    for n, step in enumerate(d.steps, 1):
        click.echo(f"{n:>3} {MARKS[step.verdict]}  {step.layer}: {step.text}")
        where = _where(step.at, span_of)
        if where is not None:
            click.echo(f"         at {where['file']}:{where['line']}:{where['col']} ({where['address']})")
    for note in d.notes:
        click.echo(f"note: {note}")
    if not d.complete:
        click.echo("note: not certain: the configuration does not hold what could change the answer (the steps "
                   "marked ??, the notes above)")
    return status
