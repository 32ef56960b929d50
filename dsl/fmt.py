"""The canonical layout of `.arch` text.

`format_source(text, file)` returns the formatted text, or None with diagnostics when the
text does not parse. Formatting never changes meaning (the resolved graph is the same) and
is idempotent. The layout: two-space indentation; one attribute per line with the `=` of
consecutive attributes aligned; commas between attributes dropped; `&&`, `||`, `!` for the
boolean operators; literals, strings and parentheses exactly as written; lists and maps on
one line when they fit in 100 columns and hold no comments, one item per line otherwise;
one blank line between top-level items; comments kept where they were.
"""

from __future__ import annotations

from . import ast
from .diagnostics import Diagnostic
from .parser import parse

WIDTH = 100
INDENT = "  "


def format_source(text: str, file: str = "<input>", nesting: int = 100) -> tuple[str | None, list[Diagnostic]]:
    """The canonical layout of `text`, or None and the diagnostics when it does not parse (lines
    of a file that is not `.arch` source are never quoted in them)."""
    module, diags = parse(text, file, nesting=nesting, quote=file.endswith(".arch") or file == "<input>")
    if module is None or any(d.is_error for d in diags):
        return None, diags
    return Printer(text, module).run(), diags


class Printer:
    def __init__(self, text: str, module: ast.Module):
        self.text = text
        self.module = module
        self.comments = list(module.comments)
        self.ci = 0  # next comment to place
        self.out: list[str] = []

    # -- comments ----------------------------------------------------------------------------
    def _leading(self, before: int, depth: int):
        """Emit comments that start before offset `before`, each on its own line, keeping a
        blank line that separates them from what follows."""
        last_end = None
        while self.ci < len(self.comments) and self.comments[self.ci].span.start_pos < before:
            c = self.comments[self.ci]
            self.ci += 1
            if self._blank_before(c.span.start_pos):
                self._blank()
            for i, line in enumerate(c.text.split("\n")):
                self.out.append((INDENT * depth + line.rstrip()) if i == 0 else line.rstrip())
            last_end = c.span.end_pos
        if last_end is not None and before <= len(self.text):
            gap = self.text[last_end:before]
            if gap.count("\n") >= 2 and not gap.strip():
                self._blank()

    def _trailing(self, end: int) -> str:
        """A comment on the same line right after offset `end`, attached to that line."""
        if self.ci < len(self.comments):
            c = self.comments[self.ci]
            between = self.text[end:c.span.start_pos]
            if c.span.start_pos >= end and not between.strip(" \t") and "\n" not in c.text:
                self.ci += 1
                return " " + c.text.rstrip()
        return ""

    def _blank(self):
        if self.out and self.out[-1] != "" and not self.out[-1].endswith("{"):
            self.out.append("")

    def _has_comment_within(self, start: int, end: int) -> bool:
        for c in self.comments[self.ci:]:
            if c.span.start_pos >= end:
                return False
            if c.span.start_pos >= start:
                return True
        return False

    def _blank_before(self, pos: int) -> bool:
        """Whether the source has a blank line just before the line holding `pos`."""
        line_start = self.text.rfind("\n", 0, pos)
        if line_start < 0:
            return False
        prev_end = self.text.rfind("\n", 0, line_start)
        prev_line = self.text[prev_end + 1:line_start]
        return prev_line.strip() == "" and prev_end >= 0

    # -- statements --------------------------------------------------------------------------
    def run(self) -> str:
        items = self.module.items
        for i, item in enumerate(items):
            if i > 0:
                prev = items[i - 1]
                if isinstance(item, (ast.Block, ast.Region)) or isinstance(prev, (ast.Block, ast.Region)) \
                        or type(item) is not type(prev) or self._blank_before(self._first_pos(item)):
                    self._blank()
            self._statement(item, 0)
        self._leading(len(self.text) + 1, 0)
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n"

    def _first_pos(self, node) -> int:
        pos = node.span.start_pos
        if self.ci < len(self.comments) and self.comments[self.ci].span.start_pos < pos:
            return self.comments[self.ci].span.start_pos
        return pos

    def _statement(self, item, depth: int):
        self._leading(item.span.start_pos, depth)
        pad = INDENT * depth
        t = type(item)
        if t is ast.Use:
            line = f'{pad}use {self._raw(item.path_span)} as {item.alias}'
            self.out.append(line + self._trailing(item.span.end_pos))
        elif t is ast.Param:
            line = f"{pad}{'sensitive ' if item.sensitive else ''}param {item.name}: {item.type}"
            if item.default is not None:
                line += " = " + self.expr(item.default, depth)
            self.out.append(line + self._trailing(item.span.end_pos))
        elif t is ast.Let:
            self.out.append(f"{pad}let {item.name} = {self.expr(item.value, depth)}" + self._trailing(item.span.end_pos))
        elif t is ast.Output:
            self.out.append(f"{pad}{'sensitive ' if item.sensitive else ''}output {item.name} = {self.expr(item.value, depth)}" + self._trailing(item.span.end_pos))
        elif t is ast.Moved:
            self.out.append(f"{pad}moved {self.expr(item.from_, depth)} -> {self.expr(item.to, depth)}"
                            + self._trailing(item.span.end_pos))
        elif t is ast.Region:
            header = f"{pad}region {self.expr(item.name, depth)} as {item.alias} {{"
            self._body(header, item.body, item.span, depth, statements=True)
        elif t is ast.Block:
            self._block(item, depth)

    def _block(self, b: ast.Block, depth: int):
        pad = INDENT * depth
        header = pad + b.type
        if b.label is not None:
            header += " " + (self._raw(b.label_span) if b.label_quoted else b.label)
        if b.for_ is not None:
            f = b.for_
            names = f"{f.key_var}, {f.var}" if f.key_var else f.var
            header += f" for {names} in {self.expr(f.iterable, depth)}"
        if b.if_ is not None:
            header += f" if {self.expr(b.if_, depth)}"
        header += " {"
        self._body(header, b.body, b.span, depth, statements=False)

    def _body(self, header: str, body, span, depth: int, statements: bool):
        inner_comments = self._has_comment_within(span.start_pos, span.end_pos)
        if not body and not inner_comments:
            self.out.append(header + "}" + self._trailing(span.end_pos))
            return
        first_pos = body[0].span.start_pos if body else span.end_pos
        header_end = self.text.find("{", span.start_pos if not body else span.start_pos, first_pos)
        self.out.append(header + (self._trailing(header_end + 1) if header_end >= 0 else ""))
        run: list[tuple[str, str, str]] = []  # (prefix, name, rest) of consecutive attributes

        def flush():
            if not run:
                return
            width = max(len(name) for _, name, _ in run)
            for prefix, name, rest in run:
                self.out.append(f"{prefix}{name.ljust(width)} = {rest}")
            run.clear()

        prev = None
        for entry in body:
            if prev is not None:
                multi = type(entry) is not ast.Attribute or type(prev) is not ast.Attribute
                blank = multi or self._blank_before(self._first_pos(entry))
                comment_next = self.ci < len(self.comments) and self.comments[self.ci].span.start_pos < entry.span.start_pos
                if blank or comment_next or type(entry) is not ast.Attribute:
                    flush()
                if blank:
                    self._blank()
            if type(entry) is ast.Attribute:
                self._leading(entry.span.start_pos, depth + 1)
                name = self._raw(entry.name_span) if entry.quoted else entry.name
                rest = self.expr(entry.value, depth + 1) + self._trailing(entry.span.end_pos)
                run.append((INDENT * (depth + 1), name, rest))
                if "\n" in rest:
                    flush()
            else:
                flush()
                if statements:
                    self._statement(entry, depth + 1)
                else:
                    self._leading(entry.span.start_pos, depth + 1)
                    self._block(entry, depth + 1)
            prev = entry
        flush()
        self._leading(span.end_pos - 1, depth + 1)
        self.out.append(INDENT * depth + "}" + self._trailing(span.end_pos))

    def _raw(self, span) -> str:
        return self.text[span.start_pos:span.end_pos]

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e, depth: int) -> str:
        t = type(e)
        if t is ast.Literal:
            return e.text
        if t is ast.Str:
            return e.raw or self._raw(e.span)
        if t is ast.Var:
            return e.name
        if t is ast.GetAttr:
            return f"{self.expr(e.obj, depth)}.{e.name}"
        if t is ast.Index:
            return f"{self.expr(e.obj, depth)}[{self.expr(e.key, depth)}]"
        if t is ast.Splat:
            return f"{self.expr(e.obj, depth)}[*]"
        if t is ast.Call:
            return f"{e.name}({', '.join(self.expr(a, depth) for a in e.args)})"
        if t is ast.Binary:
            parts = [self.expr(e.operands[0], depth)]
            for op, operand in zip(e.ops, e.operands[1:]):
                parts.append(op)
                parts.append(self.expr(operand, depth))
            return " ".join(parts)
        if t is ast.Unary:
            return f"{e.op}{self.expr(e.operand, depth)}"
        if t is ast.Cond:
            return f"{self.expr(e.test, depth)} ? {self.expr(e.then, depth)} : {self.expr(e.else_, depth)}"
        if t is ast.Paren:
            return f"({self.expr(e.expr, depth)})"
        if t is ast.ListComp:
            names = f"{e.key_var}, {e.var}" if e.key_var else e.var
            text = f"[for {names} in {self.expr(e.iterable, depth)} : {self.expr(e.body, depth)}"
            if e.cond is not None:
                text += f" if {self.expr(e.cond, depth)}"
            return text + "]"
        if t is ast.ListExpr:
            return self._list(e, depth)
        if t is ast.MapExpr:
            return self._map(e, depth)
        raise TypeError(f"cannot format {t.__name__}")  # pragma: no cover

    def _list(self, e: ast.ListExpr, depth: int) -> str:
        if not e.items:
            return "[]"
        if not self._has_comment_within(e.span.start_pos, e.span.end_pos):
            parts = [self.expr(x, depth + 1) for x in e.items]
            inline = "[" + ", ".join(parts) + "]"
            if "\n" not in inline and len(inline) + len(INDENT) * depth + 20 <= WIDTH:
                return inline
        lines = ["["]
        for x in e.items:
            self._capture_leading(lines, x.span.start_pos, depth + 1)
            lines.append(INDENT * (depth + 1) + self.expr(x, depth + 1) + "," + self._trailing_after_comma(x.span.end_pos))
        self._capture_leading(lines, e.span.end_pos - 1, depth + 1)
        lines.append(INDENT * depth + "]")
        return "\n".join(lines)

    def _map(self, e: ast.MapExpr, depth: int) -> str:
        if not e.entries:
            return "{}"
        keys = [self._key(en) for en in e.entries]
        if not self._has_comment_within(e.span.start_pos, e.span.end_pos):
            parts = [f"{k} = {self.expr(en.value, depth + 1)}" for k, en in zip(keys, e.entries)]
            inline = "{ " + ", ".join(parts) + " }"
            if "\n" not in inline and len(inline) + len(INDENT) * depth + 20 <= WIDTH and len(parts) <= 4:
                return inline
        width = max(len(k) for k in keys)
        lines = ["{"]
        for k, en in zip(keys, e.entries):
            self._capture_leading(lines, en.key_span.start_pos, depth + 1)
            end = en.value.span.end_pos
            lines.append(f"{INDENT * (depth + 1)}{k.ljust(width)} = {self.expr(en.value, depth + 1)}"
                         + self._trailing_after_comma(end))
        self._capture_leading(lines, e.span.end_pos - 1, depth + 1)
        lines.append(INDENT * depth + "}")
        return "\n".join(lines)

    def _key(self, en: ast.MapEntry) -> str:
        return self._raw(en.key_span) if en.quoted else en.key

    def _trailing_after_comma(self, end: int) -> str:
        # skip a separating comma in the source before looking for a same-line comment
        j = end
        while j < len(self.text) and self.text[j] in " \t":
            j += 1
        if j < len(self.text) and self.text[j] == ",":
            end = j + 1
        return self._trailing(end)

    def _capture_leading(self, lines: list[str], before: int, depth: int):
        while self.ci < len(self.comments) and self.comments[self.ci].span.start_pos < before:
            c = self.comments[self.ci]
            self.ci += 1
            lines.append(INDENT * depth + c.text.rstrip())
