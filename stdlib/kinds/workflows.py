"""Step Functions state machines (notes §16.4): a workflow written in the Amazon States Language
as a map in the configuration, run with an IAM role Step Functions assumes.

The definition is checked as Step Functions checks it when the machine is created: a `StartAt`
naming one of its `States`, a valid `Type` for each state, transitions (`Next`, `Default`,
`Choices[].Next`) to states that exist, a way to end, no unreachable state — inside `Parallel`
branches and `Map` processors too. Express workflows run for at most 5 minutes and support
neither the `.sync` nor the `.waitForTaskToken` integration patterns nor activities; a standard
workflow runs for up to a year.

Every state machine is encrypted at rest (an AWS owned key unless `kms_key` names one).
Logging is off unless `logging { ... }` asks for it — the mapping then creates the log group —
and an express workflow without it warns, since it keeps no execution history of its own.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, field_validator

from archform.dsl import values as v
from archform.stdlib.kinds.events import plain, role_may, role_trusts
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View
from archform.stdlib.types import Bool, Document, Enum, Ref, Str, Tags, Validated, block_flag, dur, fail

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
_TERMINAL = ("Succeed", "Fail")
EXPRESS_MAX_SECONDS = 300  # an express workflow runs at most 5 minutes
STANDARD_MAX_SECONDS = 365 * 86400  # a standard workflow runs at most one year
DEFINITION_LIMIT = 1024 * 1024  # bytes of a definition (Step Functions quota)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


def _retention(x):
    if isinstance(x, v.Duration):
        from fractions import Fraction
        days = Fraction(x.seconds) / 86400
        if days.denominator == 1 and int(days) in LOG_RETENTION_DAYS:
            return x
        raise fail(f"CloudWatch Logs keeps logs for one of {', '.join(map(str, LOG_RETENTION_DAYS))} days, got {x}",
                   "e.g. retention = 30d")
    if isinstance(x, v.Unknown):
        return x
    raise fail(f"expected a duration in days such as 30d, got {x!r}")


class Logging(Block):
    """`logging { level = error }`: execution history to CloudWatch Logs, in a log group the
    mapping creates (kept `retention`, 30 days by default). `include_execution_data` logs the
    states' input and output too (which may hold personal data). The role needs the
    `logs:CreateLogDelivery` family of actions (AWS's CloudWatchLogsFullAccess has them)."""

    level: Enum("all", "error", "fatal", "off", what="log level") = "error"
    include_execution_data: Bool = False
    retention: Validated(_retention) = dur("30d")


class StateMachine(Kind):
    """A Step Functions state machine (notes §16.4): `type` standard (exactly-once, up to a
    year, execution history kept 90 days) or express (at-least-once, up to 5 minutes, for
    high-volume event processing), a `definition` in the Amazon States Language written as a
    map (`StartAt`, `States`), a `role` Step Functions assumes (it must trust
    states.amazonaws.com), optional `logging { ... }`, X-Ray `tracing` and a customer managed
    `kms_key`."""

    kind: Literal["state_machine"] = "state_machine"
    title: ClassVar[str] = "Step Functions state machine"
    noun: ClassVar[str] = "state machine"
    family: ClassVar[str] = "serverless"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "type"})

    name: Str | None = None
    type: Enum("standard", "express", what="state machine type") = "standard"
    definition: Document
    role: Ref["iam_role"]
    logging: Logging | None = None
    tracing: Bool = False
    kms_key: Str | None = None
    tags: Tags = Field(default_factory=dict)

    @field_validator("logging", mode="before")
    @classmethod
    def _logging_flag(cls, x):
        """`logging = true` means logging with the default settings (errors, 30 days)."""
        return block_flag(x)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a state machine name has 1 to 80 letters, digits, '-' or '_', got '{self.name}'", ("name",))
        yield from definition_issues(self.definition, self.type, ("definition",))
        role, trusted = role_trusts(graph, self.role, "states.amazonaws.com")
        if not trusted:
            yield Issue(f"role '{role.address}' cannot be assumed by Step Functions", ("role",),
                        related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                        help="add states to the role's assumed_by")
        logging_on = self.logging is not None and self.logging.level != "off"
        if logging_on and role is not None and role_may(role.model, graph, "logs:CreateLogDelivery") is False:
            yield Issue(f"role '{role.address}' may not deliver logs: Step Functions refuses a state machine with "
                        "logging whose role lacks logs:CreateLogDelivery and the other log delivery actions",
                        ("logging",), related=(Related(role.address, ("policies",), "the machine's role"),),
                        help="attach \"CloudWatchLogsFullAccess\" to the role, or allow logs:CreateLogDelivery, "
                             "GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, "
                             "PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups")
        if self.type == "express" and (self.logging is None or self.logging.level == "off"):
            yield Issue("an express workflow keeps no execution history: without logging, failed runs leave no "
                        "trace", ("logging",) if self.logging is not None else (), severity="warning",
                        help="logging { level = error }")


# --- the Amazon States Language --------------------------------------------------------------------

def _text(x):
    return x.text if isinstance(x, v.Word) else x


def definition_issues(definition, kind: str, path: tuple) -> Iterable[Issue]:
    """Each problem Step Functions' validation would report about a definition, at its place."""
    if not isinstance(definition, dict):
        yield Issue("a definition is a map in the Amazon States Language: { StartAt = \"…\", States = { … } }",
                    path)
        return
    doc = plain(definition)
    size = len(json.dumps(doc, default=str).encode())
    if size > DEFINITION_LIMIT:
        yield Issue(f"a state machine definition has at most 1 MiB, this one {size} bytes", path)
    limit = EXPRESS_MAX_SECONDS if kind == "express" else STANDARD_MAX_SECONDS
    timeout = doc.get("TimeoutSeconds")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > limit:
        yield Issue(f"TimeoutSeconds = {timeout}: {_limit_text(kind)}", (*path, "TimeoutSeconds"))
    yield from _machine(doc, path, kind)


def _limit_text(kind: str) -> str:
    return ("an express workflow runs at most 5 minutes (300 s)" if kind == "express"
            else "a standard workflow runs at most one year (31536000 s)")


def _machine(doc: dict, path: tuple, kind: str) -> Iterable[Issue]:
    """A machine or a branch: StartAt, States, transitions, an end, reachability."""
    states = doc.get("States")
    start = doc.get("StartAt")
    if not isinstance(states, dict) or not states:
        yield Issue("a definition needs States: a map of state names to states", (*path, "States"))
        return
    names = list(states)
    if start is None:
        yield Issue("a definition needs StartAt: the name of its first state", path,
                    help=f"StartAt = \"{names[0]}\"")
    elif start not in states:
        yield Issue(f"StartAt names '{start}', which is not one of the States ({', '.join(names)})",
                    (*path, "StartAt"), help=_did_you_mean(start, names))
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        here = (*path, "States", name)
        if len(str(name)) > 80:
            yield Issue(f"a state name has at most 80 characters: '{name}'", here)
        if not isinstance(state, dict):
            yield Issue(f"state '{name}' must be a map with a Type", here)
            continue
        edges[name] = []
        yield from _state(name, state, here, states, kind, edges[name])
    if not any(isinstance(s, dict) and (s.get("Type") in _TERMINAL or s.get("End") is True) for s in states.values()):
        yield Issue("no state ends the execution: give one End = true, or add a Succeed or Fail state",
                    (*path, "States"))
    if isinstance(start, str) and start in states:
        reached, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), []):
                if nxt in states and nxt not in reached:
                    reached.add(nxt)
                    todo.append(nxt)
        for name in names:
            if name not in reached:
                yield Issue(f"state '{name}' is not reachable from StartAt '{start}': Step Functions refuses it",
                            (*path, "States", name))


def _target(name: str, field: str, target, states: dict, path: tuple, out: list) -> Iterable[Issue]:
    if not isinstance(target, str):
        yield Issue(f"{field} of state '{name}' names a state, got {target!r}", path)
    elif target not in states:
        yield Issue(f"{field} of state '{name}' is '{target}', which is not a state of this machine",
                    path, help=_did_you_mean(target, list(states)))
    else:
        out.append(target)


def _state(name: str, state: dict, here: tuple, states: dict, kind: str, out: list) -> Iterable[Issue]:
    typ = _text(state.get("Type"))
    if typ not in STATE_TYPES:
        yield Issue(f"state '{name}' has Type {typ!r}: expected one of {', '.join(STATE_TYPES)}", (*here, "Type"),
                    help=_did_you_mean(str(typ), STATE_TYPES))
        return
    nxt, end = state.get("Next"), state.get("End")
    if typ in _TERMINAL or typ == "Choice":
        for field in ("Next", "End"):
            if field in state:
                yield Issue(f"a {typ} state has no {field} (state '{name}')", (*here, field))
    elif nxt is None and end is not True:
        yield Issue(f"state '{name}' needs Next (the state after it) or End = true", here)
    elif nxt is not None and end is True:
        yield Issue(f"state '{name}' has both Next and End = true", (*here, "End"))
    if nxt is not None and typ not in _TERMINAL and typ != "Choice":
        yield from _target(name, "Next", nxt, states, (*here, "Next"), out)
    if typ == "Choice":
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            yield Issue(f"Choice state '{name}' needs Choices: a list of rules, each with a Next", (*here, "Choices"))
        else:
            for j, choice in enumerate(choices):
                at = (*here, "Choices", j)
                if not isinstance(choice, dict) or "Next" not in choice:
                    yield Issue(f"choice {j + 1} of state '{name}' needs Next", at)
                else:
                    yield from _target(name, f"Choices[{j}].Next", choice["Next"], states, (*at, "Next"), out)
        if "Default" in state:
            yield from _target(name, "Default", state["Default"], states, (*here, "Default"), out)
    for j, catcher in enumerate(state.get("Catch") or [] if typ in ("Task", "Parallel", "Map") else []):
        if isinstance(catcher, dict) and "Next" in catcher:
            yield from _target(name, f"Catch[{j}].Next", catcher["Next"], states, (*here, "Catch", j, "Next"), out)
    if typ == "Task":
        yield from _task(name, state, here, kind)
    elif typ == "Wait":
        yield from _wait(name, state, here, kind)
    elif typ == "Parallel":
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            yield Issue(f"Parallel state '{name}' needs Branches: a list of machines", (*here, "Branches"))
        else:
            for j, branch in enumerate(branches):
                if isinstance(branch, dict):
                    yield from _machine(branch, (*here, "Branches", j), kind)
    elif typ == "Map":
        field = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        inner = state.get(field)
        if not isinstance(inner, dict):
            yield Issue(f"Map state '{name}' needs ItemProcessor: the machine run for each item", here)
        else:
            yield from _machine(inner, (*here, field), kind)


def _task(name: str, state: dict, here: tuple, kind: str) -> Iterable[Issue]:
    resource = state.get("Resource")
    if resource is None:
        yield Issue(f"Task state '{name}' needs Resource: what it runs (a function's ARN, an integration)", here)
        return
    if kind == "express" and isinstance(resource, str):
        if resource.endswith((".sync", ".sync:2", ".waitForTaskToken")):
            yield Issue(f"state '{name}': express workflows support neither the .sync nor the .waitForTaskToken "
                        "integration patterns", (*here, "Resource"), help="use a standard workflow")
        elif ":activity:" in resource:
            yield Issue(f"state '{name}': express workflows do not run activities", (*here, "Resource"))
    yield from _seconds(name, state, "TimeoutSeconds", here, kind)


def _wait(name: str, state: dict, here: tuple, kind: str) -> Iterable[Issue]:
    given = [f for f in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if f in state]
    if len(given) != 1:
        yield Issue(f"Wait state '{name}' takes exactly one of Seconds, Timestamp, SecondsPath, TimestampPath", here)
    yield from _seconds(name, state, "Seconds", here, kind)


def _seconds(name: str, state: dict, field: str, here: tuple, kind: str) -> Iterable[Issue]:
    n = state.get(field)
    limit = EXPRESS_MAX_SECONDS if kind == "express" else STANDARD_MAX_SECONDS
    if isinstance(n, (int, float)) and not isinstance(n, bool):
        if n <= 0 and field == "TimeoutSeconds":
            yield Issue(f"TimeoutSeconds of state '{name}' must be positive", (*here, field))
        elif n > limit:
            yield Issue(f"{field} = {n} in state '{name}': {_limit_text(kind)}", (*here, field))


def _did_you_mean(text: str, choices) -> str:
    from archform.dsl.suggest import did_you_mean
    return did_you_mean(str(text), [str(c) for c in choices])
