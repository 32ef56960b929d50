"""A resource's postconditions as the plan carries them, and their evaluation after apply.

A `postcondition { condition = ..., message = ... }` in a resource's `lifecycle` is checked
against what the cloud reports once the resource exists, so it travels with the plan (and the
state) as text: the condition's and the message's source, where they were written, and the
values of the other names they read (params, lets, loop variables), taken when planning.
After apply `self` is the resource's applied attributes and exports (`self.public_ip`), read as
the cloud reports them; a name that is neither is a bare word, as everywhere in the language.
Pure: the apply (planner/apply.py) calls `failure` and decides what a failure means.
"""

from __future__ import annotations

import json

from . import values as v
from .desired import Postcondition
from .diagnostics import EvalError, Source
from .evaluate import evaluate, fail
from .functions import FunctionError, display
from .limits import Limits, Meter
from .resolve_values import to_value


class _Applied:
    """What a postcondition's expressions see after apply (the `Env` of dsl/evaluate.py)."""

    region = None

    def __init__(self, names: dict, meter: Meter):
        self.names, self.meter = names, meter

    def is_bound(self, name):
        return name in self.names

    def lookup(self, name, span):
        return self.names[name] if name in self.names else v.Word(name)

    def attr(self, obj, name, span, name_span):
        if isinstance(obj, dict):
            return obj.get(name)  # an attribute the cloud did not report reads as null
        raise fail(f"{v.type_name(obj)} has no attributes ('.{name}')", name_span)

    def index(self, obj, key, span):  # pragma: no cover - evaluate handles indexing
        raise NotImplementedError

    def child(self, names, decls=None):
        return _Applied({**self.names, **names}, self.meter)

    def read_file(self, path):
        raise FunctionError("file() is read when planning, not after apply")

    def resources_of(self, kind):
        raise FunctionError("resources() is read when planning, not after apply")

    def secret_mark(self):
        return 0

    def secret_forget(self, mark):
        pass


def _expr(text: str, where: str):
    from .parser import _drive, parse_interpolation
    from .transform import Builder
    source = Source(where, text, quote=False)
    return _drive(source, "expr", 0, len(text), Builder(source, parse_interpolation, 100))


def failure(pc: Postcondition, applied: dict) -> str | None:
    """None when `pc` holds for a resource whose applied attributes and exports are `applied`;
    else the sentence the apply reports (the message, or why the condition could not be read)."""
    names = {k: to_value(x) for k, x in json.loads(pc.values).items()}
    names["self"] = {k: to_value(x) for k, x in applied.items()}
    env = _Applied(names, Meter(Limits()))
    try:
        ok = evaluate(_expr(pc.condition, pc.where), env)
    except Exception as e:  # noqa: BLE001 - a condition that cannot be read fails, it does not crash the apply
        summary = e.diagnostic.summary if isinstance(e, EvalError) and e.diagnostic else type(e).__name__
        return f"postcondition at {pc.where} could not be evaluated: {summary}"
    if ok is True:
        return None
    if ok is not False:
        return f"postcondition at {pc.where} is not true or false after apply ({v.type_name(ok)})"
    try:
        msg = evaluate(_expr(pc.message, pc.where), env)
        text = msg if isinstance(msg, str) else display(msg)
    except Exception:  # noqa: BLE001 - the failure is told even when its message cannot be made
        text = pc.message
    return f"postcondition failed ({pc.where}): {text}"

