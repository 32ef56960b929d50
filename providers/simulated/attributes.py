"""What the catalogue says about a kind's attributes, in the JSON form the provider receives.

- `reference_sites(kind)`: where references sit (from `RefTo` metadata on fields, list items,
  dict values and nested blocks), keyed by each attribute's JSON name (its alias if it has one).
- `references(kind, attrs)`: every (path, value, site) in a concrete attribute dict.
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
from archform.stdlib.types import RefTo


@dataclass(frozen=True)
class RefSite:
    """A place that holds a reference: the kinds it accepts, and the attribute type's validator
    (which tells a literal value — an IP address, a managed policy ARN — from an id)."""

    kinds: tuple[str, ...]
    validator: Callable | None = None

    def accepts_literal(self, value) -> bool:
        if self.validator is None:
            return False
        try:
            self.validator(value)
        except Exception:
            return False
        return True


@dataclass(frozen=True)
class ListShape:
    item: Any


@dataclass(frozen=True)
class DictShape:
    value: Any


@dataclass(frozen=True)
class BlockShape:
    fields: dict


def _site(metadata) -> RefSite | None:
    kinds = [k for m in metadata if isinstance(m, RefTo) for k in m.kinds]
    if not kinds:
        return None
    validator = next((m.func for m in metadata if isinstance(m, PlainValidator)), None)
    return RefSite(tuple(dict.fromkeys(kinds)), validator)


def _shape(annotation, metadata=()) -> Any:
    site = _site(metadata)
    if site is not None:
        return site
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return _shape(base, tuple(metadata) + tuple(meta))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                shape = _shape(arg)
                if shape is not None:
                    return shape
        return None
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        item = _shape(args[0]) if args else None
        return ListShape(item) if item is not None else None
    if origin is dict:
        args = typing.get_args(annotation)
        value = _shape(args[1]) if len(args) == 2 else None
        return DictShape(value) if value is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _block(annotation)
    return None


def _block(model: type[BaseModel]) -> BlockShape | None:
    fields = {}
    for name, info in model.model_fields.items():
        shape = _shape(info.annotation, info.metadata)
        if shape is not None:
            fields[info.alias or name] = shape
    return BlockShape(fields) if fields else None


@lru_cache(maxsize=None)
def reference_sites(kind: str) -> BlockShape:
    model = catalogue.get(kind)
    return (_block(model) if model is not None else None) or BlockShape({})


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _walk(shape, value, path: tuple) -> Iterator[tuple[tuple, Any, RefSite]]:
    if value is None or shape is None:
        return
    if isinstance(shape, RefSite):
        if isinstance(value, list):  # OneOf(Ref[...], ListOf(Ref[...])): one id or a list of them
            if shape.accepts_literal(value):
                return
            for i, item in enumerate(value):
                if item is not None:
                    yield (*path, i), item, shape
        else:
            yield path, value, shape
    elif isinstance(shape, ListShape):
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _walk(shape.item, item, (*path, i))
    elif isinstance(shape, DictShape):
        if isinstance(value, dict):
            for key in sorted(value):
                yield from _walk(shape.value, value[key], (*path, key))
    elif isinstance(shape, BlockShape):
        if isinstance(value, dict):
            for key, sub in shape.fields.items():
                if key in value:
                    yield from _walk(sub, value[key], (*path, key))
        elif isinstance(value, list):  # a block written once or many times
            for i, item in enumerate(value):
                yield from _walk(shape, item, (*path, i))


def references(kind: str, attrs: dict) -> list[tuple[tuple, Any, RefSite]]:
    """Every value at a reference site of `attrs`: (path, value, site), in attribute order."""
    return list(_walk(reference_sites(kind), attrs, ()))


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


def conceal(kind: str, attrs: dict, secret: bytes) -> dict:
    """`attrs` with each sensitive attribute's value (a master password, an auth token) kept as
    a keyed fingerprint, never as it was sent: as AWS, the cloud answers no describe call with
    a password, and `cloud.db` or `sim show` never hold one."""
    import hashlib
    import hmac
    names = getattr(catalogue.get(kind), "sensitive", ()) or ()
    out = attrs
    for name in names:
        value = attrs.get(name)
        if isinstance(value, str) and not value.startswith("(set, hmac-sha256 "):
            if out is attrs:
                out = dict(attrs)
            digest = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:16]
            out[name] = f"(set, hmac-sha256 {digest})"
    return out


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
