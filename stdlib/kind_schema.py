"""A kind's schema, compiled once from its pydantic model: what can be written in its block.

The resolver asks it which field an attribute name means, whether a value there is a bare
word, whether it takes a list or nested blocks (dsl/kind_fields.py); `archform kinds` prints
it; `archform kinds KIND --format json` hands it to editors (completion, hover). One walk of
the model per kind, cached, instead of each reader introspecting pydantic its own way.

    schema_of(Vpc).attribute("cidr")      # FieldSchema(key="cidr", required=True, ...)
    schema_of(Vpc).field_name("cidr")     # "cidr": the model field an attribute name sets
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass

from pydantic import BaseModel

from .types import Choices, RefTo, WordLike


@dataclass(frozen=True)
class FieldSchema:
    name: str                 # the model's field name
    key: str                  # what users write (the alias, if any)
    required: bool
    default: typing.Any       # the default value (None when required)
    description: str
    is_list: bool
    block: "KindSchema | None"  # the nested block's schema (`ingress { ... }`)
    bare_word: bool           # a bare name here is a word (an enum value), not a reference
    choices: tuple[str, ...]  # the words allowed, for an enum
    references: tuple[str, ...]  # the kinds a reference here may name
    forces_replacement: bool
    sensitive: bool

    def default_json(self):
        """The default as JSON (a nested block's default as its fields), None when required."""
        if self.required or self.default is None:
            return None
        from archform.dsl import values as v
        try:
            return v.to_json(self.default)
        except TypeError:
            pass
        if isinstance(self.default, BaseModel):
            return self.default.model_dump(mode="json", by_alias=True)
        if isinstance(self.default, (list, tuple)) and all(isinstance(x, BaseModel) for x in self.default):
            return [x.model_dump(mode="json", by_alias=True) for x in self.default]  # a list of blocks
        return str(self.default)

    def to_json(self) -> dict:
        out: dict[str, typing.Any] = {"required": self.required, "list": self.is_list}
        if self.default_json() is not None:
            out["default"] = self.default_json()
        if self.description:
            out["description"] = self.description
        if self.choices:
            out["choices"] = list(self.choices)
        if self.references:
            out["references"] = list(self.references)
        if self.forces_replacement:
            out["forces_replacement"] = True
        if self.sensitive:
            out["sensitive"] = True
        if self.block is not None:
            out["block"] = self.block.to_json()
        return out


@dataclass(frozen=True)
class KindSchema:
    model: type
    kind: str | None          # None for a nested block's model
    fields: tuple[FieldSchema, ...]  # in declaration order, `kind` left out
    exports: dict[str, str]
    children: dict[str, str]  # nested block type → the kind it declares as its own resource

    @functools.cached_property
    def _by_key(self) -> dict[str, FieldSchema]:
        return {f.key: f for f in self.fields}

    def attribute(self, key: str) -> FieldSchema | None:
        """The field a written attribute (or nested block) name sets."""
        return self._by_key.get(key)

    def field_name(self, key: str) -> str | None:
        f = self._by_key.get(key)
        return f.name if f is not None else None

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def to_json(self) -> dict:
        out: dict[str, typing.Any] = {"attributes": {f.key: f.to_json() for f in self.fields}}
        if self.kind is not None:
            out["kind"] = self.kind
            out["exports"] = dict(sorted(self.exports.items()))
            if self.children:
                out["children"] = dict(sorted(self.children.items()))
        return out


@functools.lru_cache(maxsize=None)
def schema_of(model: type) -> KindSchema:
    """The schema of a kind's (or a nested block's) model, built once."""
    force_new = getattr(model, "force_new", frozenset())
    sensitive = getattr(model, "sensitive", frozenset())
    fields = []
    for name, f in model.model_fields.items():
        if name == "kind":
            continue
        key = f.alias or name
        sub = nested_model(f.annotation)
        metadata = list(f.metadata) + _annotated_metadata(f.annotation)
        choices = next((m.choices for m in metadata if isinstance(m, Choices)), ())
        refs = tuple(k for m in metadata if isinstance(m, RefTo) for k in m.kinds)
        required = f.is_required()
        fields.append(FieldSchema(
            name=name, key=key, required=required,
            default=None if required else f.get_default(call_default_factory=True),
            description=f.description or "", is_list=is_list(f.annotation),
            block=schema_of(sub) if sub is not None and sub is not model else None,
            bare_word=any(isinstance(m, WordLike) for m in f.metadata),  # as written, not inside `| None`
            choices=tuple(choices), references=refs,
            forces_replacement=name in force_new or key in force_new,
            sensitive=name in sensitive or key in sensitive))
    kind_field = model.model_fields.get("kind")
    kind = kind_field.default if kind_field is not None and isinstance(kind_field.default, str) else None
    return KindSchema(model, kind, tuple(fields), dict(getattr(model, "exports", {}) or {}),
                      dict(getattr(model, "children", {}) or {}))


def nested_model(annotation):
    """The block model inside `Model`, `list[Model]` or `Model | None`, else None."""
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


def _annotated_metadata(annotation) -> list:
    """Metadata of `Annotated[...]` types inside an optional or a list (`Ref[...] | None`)."""
    out = []
    for arg in typing.get_args(annotation):
        out += list(getattr(arg, "__metadata__", ()))
        if typing.get_args(arg):
            out += _annotated_metadata(arg)
    return out
