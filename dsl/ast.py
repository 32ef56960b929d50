"""The syntax tree: frozen values with spans, built by `transform` and read by everything after.

Nothing here knows what a VPC is: meaning is checked in `resolve` and `check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .diagnostics import Span
from .record import Record, record


class Node(Record):
    """Base of AST nodes (see record.py for why they are not dataclasses)."""

    __slots__ = ()


node = record  # the decorator of nodes (kept for readers of older code)


# --- expressions ---------------------------------------------------------------------------

@record
class Literal(Node):
    value: object  # Fraction, bool, None, Duration, Size, Percent, Cidr, Ip, PortRange
    span: Span
    text: str = ""  # the source spelling, kept so fmt prints `60m` as the author wrote it


@record
class Str(Node):
    parts: tuple  # str | Expr
    span: Span
    raw: str = ""


@record
class Var(Node):
    name: str
    span: Span


@record
class GetAttr(Node):
    obj: "Expr"
    name: str
    span: Span
    name_span: Span


@record
class Index(Node):
    obj: "Expr"
    key: "Expr"
    span: Span


@record
class Splat(Node):
    obj: "Expr"
    span: Span


@record
class Call(Node):
    name: str
    args: tuple
    span: Span
    name_span: Span


@record
class ListExpr(Node):
    items: tuple
    span: Span


@record
class MapEntry(Node):
    key: str
    key_span: Span
    value: "Expr"
    quoted: bool = False


@record
class MapExpr(Node):
    entries: tuple  # MapEntry
    span: Span


@record
class Unary(Node):
    op: str  # "-" or "!"
    operand: "Expr"
    span: Span


@record
class Binary(Node):
    """`operands[0] ops[0] operands[1] ops[1] ...`, evaluated left to right: a run of operators
    of one precedence (`a + b - c`, `x && y && z`) is one node, however long, so a generated
    500-term sum is flat rather than 500 levels deep. Tighter operators are operands
    (`a + b * c` is `+` over `a` and `b * c`)."""

    ops: tuple  # str: || && == != < <= > >= + - * / %, all of one precedence
    operands: tuple  # Expr, one more than ops
    span: Span


@record
class Cond(Node):
    test: "Expr"
    then: "Expr"
    else_: "Expr"
    span: Span


@record
class ListComp(Node):
    var: str
    key_var: str | None  # `for k, v in map`
    iterable: "Expr"
    body: "Expr"
    cond: "Expr | None"
    span: Span
    var_span: Span | None = None  # where each loop variable is declared (for editors)
    key_var_span: Span | None = None


@record
class Paren(Node):
    expr: "Expr"
    span: Span


Expr = Union[Literal, Str, Var, GetAttr, Index, Splat, Call, ListExpr, MapExpr, Unary, Binary,
             Cond, ListComp, Paren]


# --- statements ----------------------------------------------------------------------------

@record
class Attribute(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span
    quoted: bool = False


@record
class ForClause(Node):
    key_var: str | None  # the first name in `for k, v in m`; None in `for v in xs`
    var: str
    iterable: Expr
    span: Span
    var_span: Span | None = None  # where each loop variable is declared (for editors)
    key_var_span: Span | None = None


@record
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


@record
class TypeExpr(Node):
    name: str
    args: tuple  # TypeExpr
    span: Span

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


@record
class Use(Node):
    path: str
    alias: str
    span: Span
    path_span: Span
    alias_span: Span


@record
class Param(Node):
    name: str
    type: TypeExpr
    default: Expr | None
    span: Span
    name_span: Span
    sensitive: bool = False  # `sensitive param`: its value is a secret


@record
class Let(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span


@record
class Output(Node):
    name: str
    value: Expr
    span: Span
    name_span: Span
    sensitive: bool = False  # `sensitive output` (an output made from a secret is one anyway)


@record
class Region(Node):
    name: Expr
    alias: str
    body: tuple  # Let | Output | Block
    span: Span
    alias_span: Span


@record
class ErrorItem(Node):
    """An item that does not parse, kept in place by `parse(..., partial=True)`: the text it
    covers (its diagnostics are reported beside the tree). Resolution skips it, so the rest of
    a broken file still binds and checks (what an editor needs)."""
    span: Span


@record
class Moved(Node):
    from_: Expr
    to: Expr
    span: Span


@record
class Comment(Node):
    text: str
    span: Span


@dataclass(frozen=True)
class Module:
    file: str
    items: tuple
    comments: tuple = ()  # Comment, in source order (for fmt)
    source_hash: str = ""
