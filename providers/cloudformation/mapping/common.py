"""Small helpers the family mappings share."""

from __future__ import annotations

from ..intrinsics import Att, arn, sub
from ..logical_ids import camel

REF = ("", None)


def getatt(attr: str, suffix: str = "") -> tuple:
    return (suffix, attr)


def arn_export(service: str, prefix: str, suffix: str = "", attr: str | None = None, region=True, account=True):
    """An export computed as an ARN around the part's Ref (or attribute)."""
    def build(src):
        return arn(service, sub(prefix, Att(src.address, suffix, attr)), region, account)
    return build


def short(address: str) -> str:
    """The last part of an address: `primary.net.private[us-east-1a]` → `private[us-east-1a]`."""
    depth = 0
    for i in range(len(address) - 1, -1, -1):
        c = address[i]
        if c == "]":
            depth += 1
        elif c == "[":
            depth -= 1
        elif c == "." and depth == 0:
            return address[i + 1:]
    return address


def suffixes(addresses, prefix: str = "") -> dict[str, str]:
    """A readable, unique suffix for each of several referenced resources: their short names
    (`PrivateUsEast1a`), or their whole addresses where short names clash."""
    names = {a: camel(short(a)) for a in addresses}
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {a: prefix + (n if counts[n] == 1 else camel(a)) for a, n in names.items()}


def unique(names: list[str]) -> list[str]:
    """Make a list of suffixes unique by numbering repeats (`Rule`, `Rule2`)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}{seen[n]}")
        else:
            seen[n] = 1
            out.append(n)
    return out


def ipv6(cidr) -> bool:
    return isinstance(cidr, str) and ":" in cidr


_DOCUMENT_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                   "Condition")


def policy_document(doc):
    """A policy document with its elements in the order AWS's documentation writes them
    (Version, Statement; Sid, Effect, Principal, Action, Resource, Condition)."""
    if type(doc) is not dict:
        return doc
    out = {k: doc[k] for k in _DOCUMENT_KEYS if k in doc}
    out.update({k: v for k, v in doc.items() if k not in out})
    statements = out.get("Statement")
    if type(statements) is list:
        out["Statement"] = [_statement(s) for s in statements]
    elif type(statements) is dict:
        out["Statement"] = _statement(statements)
    return out


def _statement(st):
    if type(st) is not dict:
        return st
    out = {k: st[k] for k in _STATEMENT_KEYS if k in st}
    out.update({k: v for k, v in st.items() if k not in out})
    return out
