"""What the catalogue says about a kind's attributes, in the JSON form the provider receives.

- `reference_sites(kind)` and `references(kind, attrs)`: where references sit, and every one in
  a concrete attribute dict (from the catalogue: `stdlib/reference_sites.py`).
- `complete(kind, attrs)`: the attributes with the catalogue's defaults filled in, refusing
  unknown and missing required ones as AWS refuses them.
- `force_new_changes(kind, old, new)`: the `force_new` paths whose values differ.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from pydantic import BaseModel, PlainValidator

from archform.providers.base import InvalidParameter
from archform.stdlib import catalogue


from archform.stdlib.reference_sites import (BlockShape, DictShape, ListShape, RefSite,  # noqa: F401
                                             format_path, reference_sites, references)


# --- defaults, unknown and missing attributes ------------------------------------------------------

@lru_cache(maxsize=None)
def _fields(kind: str) -> tuple[dict, tuple[str, ...], tuple[str, ...]]:
    """(JSON defaults of the optional attributes, JSON names of the required ones, all JSON
    names in the catalogue's order)."""
    model = catalogue.get(kind)
    optional = {name for name, info in model.model_fields.items() if not info.is_required() and name != "kind"}
    defaults = model.model_construct().model_dump(mode="json", by_alias=True, include=optional)
    required = tuple(info.alias or name for name, info in model.model_fields.items() if info.is_required())
    order = tuple(info.alias or name for name, info in model.model_fields.items() if name != "kind")
    return defaults, required, order


def default_of(kind: str, name: str):
    """The catalogue's default for one attribute, in JSON form (None when it has none): what a
    chaos loop assumes of a record without it, so the two never disagree."""
    return _fields(kind)[0].get(name)


def conceal(kind: str, attrs: dict, secret: bytes) -> dict:
    """`attrs` with each sensitive attribute's value (a master password, an auth token) kept as
    a keyed fingerprint, never as it was sent: as AWS, the cloud answers no describe call with
    a password, and `cloud.db` or `sim show` never hold one."""
    names = getattr(catalogue.get(kind), "sensitive", ()) or ()
    out = attrs
    for name in names:
        value = attrs.get(name)
        if isinstance(value, (str, list, dict)):
            hidden = _hide(value, secret)
            if hidden != value:
                if out is attrs:
                    out = dict(attrs)
                out[name] = hidden
    return out


def _hide(value, secret: bytes):
    """Every text inside a sensitive value (blocks of secrets: a broker's users) as its
    fingerprint. A module function, not a closure: a recursive closure is a reference cycle
    per call, which the memory tests forbid."""
    import hashlib
    import hmac
    if isinstance(value, str) and not value.startswith("(set, hmac-sha256 "):
        return f"(set, hmac-sha256 {hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:16]})"
    if isinstance(value, list):
        return [_hide(x, secret) for x in value]
    if isinstance(value, dict):
        return {k: _hide(x, secret) for k, x in value.items()}
    return value


def known(kind: str) -> bool:
    return catalogue.get(kind) is not None


def complete(kind: str, attrs: dict) -> dict:
    """`attrs` with defaults filled in; unknown or missing required attributes are refused."""
    defaults, required, order = _fields(kind)
    given = {k: v for k, v in attrs.items() if k != "kind"}
    allowed = set(defaults) | set(required)
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise InvalidParameter(f"{kind} has no attribute {', '.join(repr(u) for u in unknown)} "
                               f"(it has: {', '.join(sorted(allowed))})", code="UnknownParameter")
    missing = [r for r in required if given.get(r) is None]
    if missing:
        raise InvalidParameter(f"The request must contain the parameter {', '.join(missing)} ({kind})",
                               code="MissingParameter")
    merged = {**defaults, **given}
    return {k: merged[k] for k in order if k in merged}


# --- replacement ---------------------------------------------------------------------------------------

def get_path(attrs: dict, dotted: str):
    value: Any = attrs
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def force_new_changes(kind: str, old: dict, new: dict) -> list[str]:
    model = catalogue.get(kind)
    paths = sorted(getattr(model, "force_new", ()) or ())
    return [p for p in paths if get_path(old, p) != get_path(new, p)]
