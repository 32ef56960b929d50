"""The syntax tree: frozen values with spans, built by `transform` and read by everything after.

Nothing here knows what a VPC is: meaning is checked in `resolve` and `check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .diagnostics import Span


class Node:
    """Base of AST nodes: pickles as a constructor call, which is several times faster to load
    than dataclasses' default for frozen slotted classes (the parse cache loads whole files)."""

    __slots__ = ()

    def __reduce__(self):
        return (self.__class__, tuple(getattr(self, n) for n in self.__match_args__))


# --- expressions ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object  # Fraction, bool, None, Duration, Size, Percent, Cidr, Ip, PortRange
    span: Span
    text: str = ""  # the source spelling, kept so fmt prints `60m` as the author wrote it


@dataclass(frozen=True, slots=True)
class Str(Node):
    parts: tuple  # str | Expr
    span: Span
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Var(Node):
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class GetAttr(Node):
    obj: "Expr"
    name: str
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Index(Node):
    obj: "Expr"
    key: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Splat(Node):
    obj: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple
    span: Span


@dataclass(frozen=True, slots=True)
class MapEntry(Node):
    key: str
    key_span: Span
    value: "Expr"
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class MapExpr(Node):
    entries: tuple  # MapEntry
    span: Span


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "!"
    operand: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # || && == != < <= > >= + - * / %
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Cond(Node):
    test: "Expr"
    then: "Expr"
    else_: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class ListComp(Node):
    var: str
    key_var: str | None  # `for k, v in map`
    iterable: "Expr"
    body: "Expr"
    cond: "Expr | None"
    span: Span


@dataclass(frozen=True, slots=True)
class Paren(Node):
    expr: "Expr"
    span: Span


Expr = Union[Literal, Str, Var, GetAttr, Index, Splat, Call, ListExpr, MapExpr, Unary, Binary,
             Cond, ListComp, Paren]


# --- statements ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Attribute(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class ForClause(Node):
    key_var: str | None  # the first name in `for k, v in m`; None in `for v in xs`
    var: str
    iterable: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Block(Node):
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
class TypeExpr(Node):
    name: str
    args: tuple  # TypeExpr
    span: Span

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True, slots=True)
class Use(Node):
    path: str
    alias: str
    span: Span
    path_span: Span
    alias_span: Span


@dataclass(frozen=True, slots=True)
class Param(Node):
    name: str
    type: TypeExpr
    default: Expr | None
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Output(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Region(Node):
    name: Expr
    alias: str
    body: tuple  # Let | Output | Block
    span: Span
    alias_span: Span


@dataclass(frozen=True, slots=True)
class Moved(Node):
    from_: Expr
    to: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Comment(Node):
    text: str
    span: Span


@dataclass(frozen=True)
class Module:
    file: str
    items: tuple
    comments: tuple = ()  # Comment, in source order (for fmt)
    source_hash: str = ""
