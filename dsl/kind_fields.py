"""What the resolver asks of a kind's pydantic model: which field an attribute name means, whether
it takes bare words, nested blocks and lists, and how its problems are worded."""

from __future__ import annotations

import functools
import typing

from pydantic import BaseModel

from . import ast

if typing.TYPE_CHECKING:
    from .scopes import Instance


def entry_key(entry, cls) -> str:
    """The attribute a block body entry sets (a nested block: its field's key)."""
    if type(entry) is ast.Attribute:
        return entry.name
    field_name = field_for(cls, entry.type) if cls is not None else None
    if field_name is None:
        return entry.type
    return cls.model_fields[field_name].alias or field_name


def field_for(cls, name: str) -> str | None:
    if cls is None:
        return None
    fields = cls.model_fields
    if name in fields and name != "kind" and not fields[name].alias:
        return name
    for fname, f in fields.items():
        if f.alias == name:
            return fname
    return None


@functools.lru_cache(maxsize=None)
def word_like(cls, name: str) -> bool:
    from archform.stdlib.types import WordLike
    fname = field_for(cls, name)
    if fname is None:
        return False
    return any(isinstance(m, WordLike) for m in cls.model_fields[fname].metadata)


def user_names(cls) -> list[str]:
    return [f.alias or n for n, f in cls.model_fields.items() if n != "kind"]


def nested_model(annotation):
    """The Block model inside `Model`, `list[Model]` or `Model | None`, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = nested_model(arg)
        if m is not None:
            return m
    return None


def is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return True
    if origin is typing.Union or str(origin) == "types.UnionType":
        return any(is_list(a) for a in typing.get_args(annotation))
    return False


def owner_of(cls, loc: tuple):
    """The model class that owns the attribute at `loc` (walking nested blocks)."""
    owner = cls
    for part in loc[:-1]:
        if isinstance(part, int) or owner is None:
            continue
        fname = field_for(owner, str(part))
        if fname is None:
            return owner
        sub = nested_model(owner.model_fields[fname].annotation)
        if sub is None:
            return owner
        owner = sub
    return owner


def kind_phrase(cls) -> str:
    if cls is None:
        return "this block"
    if hasattr(cls, "kind_name") and "kind" in cls.model_fields:
        return cls.kind_name()
    return "block '" + snake(cls.__name__) + "'"


def snake(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def short(inst: Instance, loc: tuple) -> str:
    return inst.address + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[:-1])


def attr_help(cls, field) -> str:
    try:
        f = cls.model_fields[field_for(cls, str(field)) or field]
    except (KeyError, AttributeError):
        return ""
    desc = f.description or ""
    return f"set {field} = …" + (f" ({desc})" if desc else "")


def value_at(attrs, loc):
    cur = attrs
    for p in loc:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and isinstance(p, int) and p < len(cur):
            cur = cur[p]
        else:
            return None
    return cur
