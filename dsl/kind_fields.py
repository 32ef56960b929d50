"""What the resolver asks of a kind's pydantic model: which field an attribute name means, whether
it takes bare words, nested blocks and lists, and how its problems are worded."""

from __future__ import annotations

import typing

from archform.stdlib.kind_schema import is_list, nested_model, schema_of

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
    """The model field an attribute name sets (None: not an attribute of `cls`)."""
    if cls is None:
        return None
    return schema_of(cls).field_name(name)


def word_like(cls, name: str) -> bool:
    if cls is None:
        return False
    f = schema_of(cls).attribute(name)
    return f is not None and f.bare_word


def user_names(cls) -> list[str]:
    return schema_of(cls).keys()


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
