"""Policy statements as the evaluator reads them, and whether one applies to a request.

A statement keeps where it was written (`Where`: the resource and the path of the statement in
its model, for file:line:col) and its elements as written. An element that names a resource of
the architecture (`Resource = primary.jobs.arn`) matches that resource; text matches with IAM's
wildcards (`*` any run of characters, `?` one), case-insensitively for actions and exactly for
ARNs, as AWS does.

Conditions: the operators StringEquals, StringNotEquals, StringLike, StringNotLike, Bool, ArnEquals,
ArnLike, ArnNotEquals, ArnNotLike (and their `...IfExists` forms, and `ForAnyValue:`/`ForAllValues:`
on one-valued keys) on the keys the request context holds: those the design implies
(`CONDITION_KEYS`: aws:SourceVpc, aws:SourceVpce, aws:SecureTransport, aws:PrincipalOrgID,
aws:PrincipalAccount, aws:PrincipalArn — absent means absent), aws:RequestedRegion when the
resource's region is known, and any key given with --context. Any other operator or key cannot be
decided here (`condition_state` says None, and which): the default answer treats the condition as
not matched (an Allow does not allow, a Deny does not deny), and the evaluator says whether the
answer would change if it matched (then it is not certain).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from archform.dsl import values as v

CONDITION_KEYS = ("aws:SourceVpc", "aws:SourceVpce", "aws:SecureTransport", "aws:PrincipalOrgID",
                  "aws:PrincipalAccount", "aws:PrincipalArn")
_STRING_OPS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
               "StringNotEqualsIgnoreCase", "Bool", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")


@dataclass(frozen=True)
class Where:
    """The resource holding a statement and the statement's path in its model."""

    address: str
    path: tuple
    what: str  # "inline policy read of iam_role worker", "bucket policy of s3_bucket logs"


@dataclass(frozen=True)
class Target:
    """What a request is about: the resource (an address, or None for a bare ARN) and its ARN."""

    address: str | None
    arn: str


@dataclass
class Statement:
    effect: str
    where: Where
    actions: list = field(default_factory=list)
    not_actions: list | None = None
    resources: list = field(default_factory=list)
    not_resources: list | None = None
    principals: list | None = None  # resource policies: ("AWS"|"Service"|"*", value)
    not_principals: list | None = None  # NotPrincipal: everyone but these
    conditions: dict = field(default_factory=dict)


def _items(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _text(x):
    return x.text if isinstance(x, v.Word) else x


def statements_of(doc, where: Where) -> list[Statement]:
    """The well-formed statements of a policy document (the catalogue's checks report the rest)."""
    if not isinstance(doc, dict):
        return []
    raw = doc.get("Statement")
    many = isinstance(raw, (list, tuple))
    found = []
    for i, st in enumerate(_items(raw)):
        if not isinstance(st, dict) or _text(st.get("Effect")) not in ("Allow", "Deny"):
            continue
        path = where.path + (("Statement", i) if many else ("Statement",))
        principals = _principals(st["Principal"]) if "Principal" in st else None
        not_principals = _principals(st["NotPrincipal"]) if "NotPrincipal" in st else None
        found.append(Statement(
            effect=_text(st["Effect"]), where=Where(where.address, path, where.what),
            actions=[_text(a) for a in _items(st.get("Action"))],
            not_actions=[_text(a) for a in _items(st["NotAction"])] if "NotAction" in st else None,
            resources=_items(st.get("Resource")) if "Resource" in st else ["*"],
            not_resources=_items(st["NotResource"]) if "NotResource" in st else None,
            principals=principals, not_principals=not_principals,
            conditions=st.get("Condition") if isinstance(st.get("Condition"), dict) else {}))
    return found


def _principals(p) -> list:
    if _text(p) == "*":
        return [("*", "*")]
    if not isinstance(p, dict):
        return [("AWS", x) for x in _items(p)]
    return [(kind, value) for kind, values in sorted(p.items()) for value in _items(values)]


def action_matches(patterns: list, action: str) -> bool:
    return any(isinstance(p, str) and fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _wild(pattern: str, text: str) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.DOTALL) is not None


def arn_text(value, arn_of) -> str | None:
    """The text of a Resource element, references replaced by the ARN (or attribute) they name."""
    if isinstance(value, str):
        return value
    if isinstance(value, v.Unknown):
        return arn_of(value.address) if value.attr == "arn" else None
    if isinstance(value, v.Interpolated):
        parts = [arn_text(p, arn_of) for p in value.parts]
        return None if any(p is None for p in parts) else "".join(parts)
    return None


def resource_matches(patterns: list, target: Target, arn_of) -> bool:
    for p in patterns:
        text = arn_text(p, arn_of)
        if text is not None and _wild(text, target.arn):
            return True
    return False


def applies(st: Statement, action: str, target: Target, arn_of) -> bool:
    """Whether the statement's action and resource elements cover the request (not its conditions)."""
    if st.not_actions is not None:
        if action_matches(st.not_actions, action):
            return False
    elif not action_matches(st.actions, action):
        return False
    if st.not_resources is not None:
        return not resource_matches(st.not_resources, target, arn_of)
    return resource_matches(st.resources, target, arn_of)


def conditions_hold(st: Statement, context: dict, notes: list) -> bool:
    """Whether every condition of the statement holds in the request context; a condition this
    evaluator cannot decide is not matched, and a note says which."""
    state, why = condition_state(st, context)
    notes += why
    return state is True


def condition_state(st: Statement, context: dict) -> tuple[bool | None, list[str]]:
    """True when every condition of the statement holds in the request context, False when one
    does not, None when one cannot be decided here (an operator not evaluated, or a key neither
    the design nor --context gives) and none is known to fail; and a note for each undecided one."""
    undecided: list[str] = []
    for op, block in sorted(st.conditions.items()):
        base = op.split(":", 1)[-1]
        if_exists = base.endswith("IfExists")
        base = base[:-len("IfExists")] if if_exists else base
        if base not in _STRING_OPS or not isinstance(block, dict):
            undecided.append(f"condition operator {op} is not evaluated: treated as not matched")
            continue
        for key, expected in sorted(block.items()):
            actual = _lookup(context, key)
            if actual is None and key not in CONDITION_KEYS:
                undecided.append(f"condition key {key} is not known to the catalogue: treated as not matched "
                                 f"(give its value with --context {key}=VALUE)")
                continue
            if actual is None:
                if if_exists or "Not" in base:
                    continue  # AWS: a negated operator on a missing key matches
                return False, []
            if not _compare(base, actual, [_token(e) for e in _items(expected)]):
                return False, []
    return (None, undecided) if undecided else (True, [])


def _lookup(context: dict, key: str):
    """A context value by its key: AWS's global keys (aws:...) are not case-sensitive."""
    if key in context:
        return context[key]
    low = key.lower()
    return next((value for k, value in context.items() if k.lower() == low), None)


def _token(x) -> str:
    """A condition value as text: a reference (`primary.vpc.id`) is the address and attribute."""
    if isinstance(x, v.Unknown):
        return f"{x.address}.{x.attr}"
    if isinstance(x, bool):
        return "true" if x else "false"
    return str(_text(x))


def _compare(op: str, actual: str, expected: list[str]) -> bool:
    if op == "Bool":
        return actual.lower() in [e.lower() for e in expected]
    if op in ("StringEquals", "StringNotEquals"):
        hit = actual in expected
    elif op.startswith("Arn"):  # ArnEquals and ArnLike both take IAM's wildcards
        hit = any(_wild(e, actual) for e in expected)
    elif op in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        hit = actual.lower() in [e.lower() for e in expected]
    else:
        hit = any(_wild(e, actual) for e in expected)
    return not hit if "Not" in op else hit
