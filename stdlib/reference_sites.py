"""Where a kind's references sit, compiled once from the catalogue's types.

- `reference_sites(kind)`: the shape of a kind's attributes that hold references (from `RefTo`
  metadata on fields, list items, dict values and nested blocks), keyed by each attribute's
  JSON name (its alias if it has one). Each site says which kinds it accepts and which of them
  may be in another region (`Ref.anywhere[...]`, `Ref.of(..., across=...)`).
- `references(kind, attrs)`: every (path, value, site) in a concrete attribute dict, in the
  JSON form the resolver hands on (`{"$ref": address}`).

The same-region rule, the modeled cloud and the CloudFormation mapping read references here,
not from each kind's own code.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from pydantic import BaseModel, PlainValidator

from archform.stdlib import catalogue
from archform.stdlib.types import RefTo


@dataclass(frozen=True)
class RefSite:
    """A place that holds a reference: the kinds it accepts, and the attribute type's validator
    (which tells a literal value — an IP address, a managed policy ARN — from an id)."""

    kinds: tuple[str, ...]
    validator: Callable | None = None
    across: tuple[str, ...] = ()  # kinds this site may reference in another region

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
    across = [k for m in metadata if isinstance(m, RefTo) for k in m.across]
    validator = next((m.func for m in metadata if isinstance(m, PlainValidator)), None)
    return RefSite(tuple(dict.fromkeys(kinds)), validator, tuple(dict.fromkeys(across)))


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
