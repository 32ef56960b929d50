"""The symbol table a resolution leaves behind: every name declared, where, and every place
that uses it.

The binding pass declares each name as it binds it (a param, a `let`, a resource or module
instance block, a region alias, a `use` alias, a loop variable, a module output); evaluation
records a reference each time a written name resolves to one of them. The table outlives the
resolver (it holds spans and names, not scopes), so what an editor needs — go to definition,
find references, rename, "this `let` is never used" — is a lookup here, not a re-resolution.

A name declared once but bound many times (a module's `let`, bound once per instance of the
module) is one symbol: symbols are keyed by where they are declared. A reference written once
but evaluated many times (inside a `for` block) is one reference.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .diagnostics import Span


class SymbolKind(str, enum.Enum):
    PARAM = "param"
    LET = "let"
    RESOURCE = "resource"
    MODULE_INSTANCE = "module instance"
    MODULE = "module"          # a `use` alias
    REGION = "region"          # a region block's alias
    LOOP = "loop variable"
    OUTPUT = "output"


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: SymbolKind
    span: Span  # the name where it is declared

    @property
    def key(self) -> tuple[str, int]:
        return (self.span.file, self.span.start_pos)

    def where(self) -> str:
        return f"{self.span.file}:{self.span.start_line}:{self.span.start_col}"


def _key(span: Span) -> tuple[str, int]:
    return (span.file, span.start_pos)


class SymbolTable:
    """Declarations and references, by position. Built by the resolver; read by commands."""

    def __init__(self):
        self._symbols: dict[tuple[str, int], Symbol] = {}
        self._refs: dict[tuple[str, int], dict[tuple[str, int], Span]] = {}  # symbol → its references

    # -- building (the resolver) ------------------------------------------------------------
    def declare(self, name: str, kind: SymbolKind, span: Span | None) -> None:
        if span is None:
            return
        key = _key(span)
        if key not in self._symbols:
            self._symbols[key] = Symbol(name, kind, span)
            self._refs[key] = {}

    def refer(self, declared_at: Span | None, used_at: Span | None) -> None:
        """`used_at` names what is declared at `declared_at` (ignored when either is unknown,
        or the declaration was not recorded: a built-in name)."""
        if declared_at is None or used_at is None:
            return
        refs = self._refs.get(_key(declared_at))
        if refs is not None and used_at.start_pos != declared_at.start_pos:
            refs.setdefault(_key(used_at), used_at)

    # -- reading (commands, editors) --------------------------------------------------------
    def symbols(self) -> list[Symbol]:
        return sorted(self._symbols.values(), key=lambda s: s.key)

    def files(self) -> set[str]:
        return {s.span.file for s in self._symbols.values()}

    def references(self, symbol: Symbol) -> list[Span]:
        return [self._refs[symbol.key][k] for k in sorted(self._refs.get(symbol.key, {}))]

    def unused(self) -> list[Symbol]:
        """Declared, never read: `let`s, params and loop variables nothing uses (resources and
        outputs are used by being declared)."""
        quiet = (SymbolKind.LET, SymbolKind.PARAM, SymbolKind.LOOP, SymbolKind.MODULE)
        return [s for s in self.symbols() if s.kind in quiet and not self._refs[s.key]]

    def at(self, file: str, line: int, col: int) -> Symbol | None:
        """The symbol whose declaration or one of whose references covers `file:line:col`."""
        for s in self.symbols():
            if _covers(s.span, file, line, col):
                return s
            for r in self._refs[s.key].values():
                if _covers(r, file, line, col):
                    return s
        return None

    def to_json(self) -> list[dict]:
        return [{"name": s.name, "kind": s.kind.value, "declared": _where(s.span),
                 "references": [_where(r) for r in self.references(s)]} for s in self.symbols()]


def _covers(span: Span, file: str, line: int, col: int) -> bool:
    if span.file != file:
        return False
    start, end = (span.start_line, span.start_col), (span.end_line, span.end_col)
    return start <= (line, col) < end or (start == end == (line, col))


def _where(span: Span) -> dict:
    return {"file": span.file, "line": span.start_line, "col": span.start_col,
            "end_line": span.end_line, "end_col": span.end_col}
