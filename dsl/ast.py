"""The syntax tree: frozen values with spans, built by `transform` and read by everything after.

Nothing here knows what a VPC is: meaning is checked in `resolve` and `check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .diagnostics import Span


# --- expressions ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Literal:
    value: object  # Fraction, bool, None, Duration, Size, Percent, Cidr, Ip, PortRange
    span: Span
    text: str = ""  # the source spelling, kept so fmt prints `60m` as the author wrote it


@dataclass(frozen=True, slots=True)
class Str:
    parts: tuple  # str | Expr
    span: Span
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class GetAttr:
    obj: "Expr"
    name: str
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Index:
    obj: "Expr"
    key: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Splat:
    obj: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple
    span: Span


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: str
    key_span: Span
    value: "Expr"
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class MapExpr:
    entries: tuple  # MapEntry
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "!"
    operand: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # || && == != < <= > >= + - * / %
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Cond:
    test: "Expr"
    then: "Expr"
    else_: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class ListComp:
    var: str
    key_var: str | None  # `for k, v in map`
    iterable: "Expr"
    body: "Expr"
    cond: "Expr | None"
    span: Span


@dataclass(frozen=True, slots=True)
class Paren:
    expr: "Expr"
    span: Span


Expr = Union[Literal, Str, Var, GetAttr, Index, Splat, Call, ListExpr, MapExpr, Unary, Binary,
             Cond, ListComp, Paren]


# --- statements ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    value: Expr
    span: Span
    name_span: Span
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class ForClause:
    key_var: str | None  # the first name in `for k, v in m`; None in `for v in xs`
    var: str
    iterable: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    type_span: Span
    label: str | None
    label_span: Span | None
    for_: ForClause | None
    if_: Expr | None
    body: tuple  # Attribute | Block
    span: Span
    label_quoted: bool = False

    @property
    def header_span(self) -> Span:
        end = self.label_span or self.type_span
        return self.type_span.to(end)

    def attributes(self) -> list[Attribute]:
        return [x for x in self.body if isinstance(x, Attribute)]

    def blocks(self) -> list["Block"]:
        return [x for x in self.body if isinstance(x, Block)]


@dataclass(frozen=True, slots=True)
class TypeExpr:
    name: str
    args: tuple  # TypeExpr
    span: Span

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True, slots=True)
class Use:
    path: str
    alias: str
    span: Span
    path_span: Span
    alias_span: Span


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeExpr
    default: Expr | None
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Output:
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Region:
    name: Expr
    alias: str
    body: tuple  # Let | Output | Block
    span: Span
    alias_span: Span


@dataclass(frozen=True, slots=True)
class Moved:
    from_: Expr
    to: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True)
class Module:
    file: str
    items: tuple
    comments: tuple = ()  # Comment, in source order (for fmt)
    source_hash: str = ""
