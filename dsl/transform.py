"""Reduction callbacks that build the AST while the parser runs (no intermediate tree).

Tokens arrive as `(type, text, start, end)` tuples. Only construction happens here. Lexical
problems the grammar cannot express (an unknown unit, an octet above 255, a bad escape) are
collected as diagnostics on the builder, never raised.
"""

from __future__ import annotations

import ipaddress
import re
from fractions import Fraction

from . import ast
from .diagnostics import Diagnostic, Source, Span, error
from .suggest import did_you_mean
from .values import INVALID, DURATION_UNITS, SIZE_UNITS, UNIT_NAMES, Cidr, Duration, Ip, Percent, PortRange, Size

_QUANTITY = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z][A-Za-z0-9_]*|%)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}

# Binary operators by precedence, loosest first.
_PRECEDENCE = {"||": 1, "or": 1, "&&": 2, "and": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4,
               ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_CANON_OP = {"or": "||", "and": "&&"}


def _is_tok(x) -> bool:
    return type(x) is tuple


MAX_DIGITS = 100  # in a number literal: counts, sizes and ports need a few dozen at most

_POSTFIX = (ast.GetAttr, ast.Index, ast.Splat)


class Builder:
    """One per parse: holds the source and the lexical diagnostics found while building.
    `nesting` bounds chains of `.name` and `[key]` (the parser bounds brackets)."""

    def __init__(self, source: Source, parse_interpolation, nesting: int = 100):
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self._parse_interpolation = parse_interpolation
        self.nesting = nesting

    def _postfix(self, node):
        """`node` (an attribute access, index or splat), once its chain is known to be no longer
        than the nesting limit: each link is a level that evaluation and formatting walk."""
        x, n = node.obj, 1
        while type(x) in _POSTFIX:
            n += 1
            if n > self.nesting:
                from .parser import nesting_error
                raise nesting_error(self.source, node.span.start_pos, node.span.end_pos, self.nesting,
                                    "'.name' and '[key]' chain")
            x = x.obj
        return node

    def _digits(self, t, digits: str) -> bool:
        if len(digits) <= MAX_DIGITS:
            return True
        self.diagnostics.append(error(f"this number has {len(digits):,} digits; a number has at most {MAX_DIGITS}",
                                      Span(self.source, t[2], t[3])))
        return False

    # -- helpers ------------------------------------------------------------------------
    def _tspan(self, t) -> Span:
        return Span(self.source, t[2], t[3])

    def _span(self, children) -> Span:
        first, last = children[0], children[-1]
        start = first[2] if type(first) is tuple else first.span.start_pos
        end = last[3] if type(last) is tuple else last.span.end_pos
        return Span(self.source, start, end)

    # -- top level ----------------------------------------------------------------------
    def start(self, children):
        return tuple(children)

    def use_stmt(self, c):
        path_tok, alias_tok = c[1], c[3]
        return ast.Use(self._string_value(path_tok), alias_tok[1], self._span(c[:4]),
                       self._tspan(path_tok), self._tspan(alias_tok))

    def param_stmt(self, c):
        c = _strip_sep(c)
        secret = c[0][0] == "SENSITIVE"
        d = c[1:] if secret else c
        default = d[5] if len(d) > 5 else None
        return ast.Param(d[1][1], d[3], default, self._span(c), self._tspan(d[1]), secret)

    def let_stmt(self, c):
        c = _strip_sep(c)
        return ast.Let(c[1][1], c[3], self._span(c), self._tspan(c[1]))

    def output_stmt(self, c):
        c = _strip_sep(c)
        secret = c[0][0] == "SENSITIVE"
        d = c[1:] if secret else c
        return ast.Output(d[1][1], d[3], self._span(c), self._tspan(d[1]), secret)

    def moved_stmt(self, c):
        c = _strip_sep(c)
        return ast.Moved(c[1], c[3], self._span(c))

    def region_block(self, c):
        c = _strip_sep(c)
        body = tuple(x for x in c[5:-1] if not _is_tok(x))
        return ast.Region(c[1], c[3][1], body, self._span(c), self._tspan(c[3]))

    def type_expr(self, c):
        return ast.TypeExpr(c[0][1], (), self._tspan(c[0]))

    def type_call(self, c):
        args = tuple(x for x in c[2:-1] if isinstance(x, ast.TypeExpr))
        return ast.TypeExpr(c[0][1], args, self._span(c))

    def block(self, c):
        c = _strip_sep(c)
        type_tok = c[0]
        label = label_span = None
        quoted = False
        for_ = if_ = None
        body = []
        for x in c[1:]:
            if _is_tok(x):
                continue
            cls = type(x)
            if cls is ast.Attribute or cls is ast.Block:
                body.append(x)
            elif cls is _Label:
                label, label_span, quoted = x.text, x.span, x.quoted
            elif cls is ast.ForClause:
                for_ = x
            elif cls is _If:
                if_ = x.expr
        return ast.Block(type_tok[1], self._tspan(type_tok), label, label_span, for_, if_,
                         tuple(body), self._span(c), quoted)

    def label(self, c):
        t = c[0]
        if t[0] == "STRING":
            return _Label(self._string_value(t), self._tspan(t), True)
        return _Label(t[1], self._tspan(t), False)

    def for_clause(self, c):
        names = [x for x in c if _is_tok(x) and x[0] == "NAME"]
        if len(names) == 2:
            return ast.ForClause(names[0][1], names[1][1], c[-1], self._span(c),
                                 self._tspan(names[1]), self._tspan(names[0]))
        return ast.ForClause(None, names[0][1], c[-1], self._span(c), self._tspan(names[0]))

    def if_clause(self, c):
        return _If(c[1])

    def attribute(self, c):
        key, _, value = c[0], c[1], c[2]
        if key[0] == "STRING":
            return ast.Attribute(self._string_value(key), value, Span(self.source, key[2], value.span.end_pos),
                                 self._tspan(key), True)
        return ast.Attribute(key[1], value, Span(self.source, key[2], value.span.end_pos),
                             Span(self.source, key[2], key[3]))

    def attr_key(self, c):
        t = c[0]
        if t[0] == "STRING":
            return _Label(self._string_value(t), self._tspan(t), True)
        return _Label(t[1], self._tspan(t), False)

    # -- expressions --------------------------------------------------------------------
    def cond(self, c):
        test = self.binary_chain(c[:-4]) if len(c) > 5 else c[0]
        return ast.Cond(test, c[-3], c[-1], Span(self.source, test.span.start_pos, c[-1].span.end_pos))

    def binary_chain(self, c):
        # c = operand, op, operand, op, operand ... ; precedence climbing, left associative
        if len(c) == 1:
            return c[0]
        tree, _ = self._climb(c[0::2], c[1::2], 0, 0)
        return tree

    def _climb(self, operands, ops, pos, min_prec):
        """(tree, next position) for the operators from `pos` binding at least `min_prec`.
        Consecutive operators of one precedence make one n-ary node; the recursion goes one
        level per precedence, never one per operator. A method, not a closure that calls
        itself: such a closure is a reference cycle, and the parse runs without the cycle
        collector."""
        left = operands[pos]
        run_prec = None
        run_ops: list[str] = []
        run_operands: list = []
        while pos < len(ops):
            op = ops[pos][1]
            prec = _PRECEDENCE[op]
            if prec < min_prec:
                break
            right, pos = self._climb(operands, ops, pos + 1, prec + 1)
            if prec != run_prec:
                if run_ops:
                    left = self._binary(run_ops, run_operands)
                run_prec, run_ops, run_operands = prec, [], [left]
            run_ops.append(_CANON_OP.get(op, op))
            run_operands.append(right)
        if run_ops:
            left = self._binary(run_ops, run_operands)
        return left, pos

    def _binary(self, ops, operands):
        return ast.Binary(tuple(ops), tuple(operands),
                          Span(self.source, operands[0].span.start_pos, operands[-1].span.end_pos))

    def unop(self, c):
        op = c[0][1]
        return ast.Unary("-" if op == "-" else "!", c[1], self._span(c))

    def getattr(self, c):
        name_tok = c[2]
        return self._postfix(ast.GetAttr(c[0], name_tok[1], self._span(c), self._tspan(name_tok)))

    def attr_name(self, c):
        return c[0]

    def index(self, c):
        return self._postfix(ast.Index(c[0], c[2], self._span(c)))

    def splat(self, c):
        return self._postfix(ast.Splat(c[0], self._span(c)))

    def var(self, c):
        t = c[0]
        return ast.Var(t[1], Span(self.source, t[2], t[3]))

    def paren(self, c):
        return ast.Paren(c[1], self._span(c))

    def true(self, c):
        return ast.Literal(True, self._tspan(c[0]), "true")

    def false(self, c):
        return ast.Literal(False, self._tspan(c[0]), "false")

    def null(self, c):
        return ast.Literal(None, self._tspan(c[0]), "null")

    def number(self, c):
        t = c[0]
        text = t[1]
        if not self._digits(t, text):
            return ast.Literal(INVALID, self._tspan(t), text)
        return ast.Literal(Fraction(int(text)) if text.isdigit() else Fraction(text), self._tspan(t), text)

    def quantity(self, c):
        t = c[0]
        span = self._tspan(t)
        m = _QUANTITY.fullmatch(t[1])
        if not self._digits(t, m.group(1)):
            return ast.Literal(INVALID, span, t[1])
        amount, unit = Fraction(m.group(1)), m.group(2)
        if unit == "%":
            value = Percent(amount)
        elif unit in DURATION_UNITS:
            value = Duration.of(amount, unit)
        elif unit in SIZE_UNITS:
            value = Size.of(amount, unit)
        else:
            hint = did_you_mean(unit, UNIT_NAMES)
            self.diagnostics.append(error(
                f"unknown unit '{unit}' in '{t[1]}'", span,
                detail="durations: ms s m h d w · sizes: B KB MB GB TB PB KiB MiB GiB TiB PiB · percent: %",
                help=hint or "write the number and its unit with no space, e.g. 30s, 10GiB, 40%"))
            value = INVALID
        return ast.Literal(value, span, t[1])

    def cidr(self, c):
        t = c[0]
        span = self._tspan(t)
        try:
            net = ipaddress.ip_network(t[1], strict=True)
        except ValueError as e:
            try:
                loose = ipaddress.ip_network(t[1], strict=False)
                hint = f"host bits are set: the block containing this address is {loose}"
            except ValueError:
                hint = "each octet is 0-255 and the prefix length 0-32"
            self.diagnostics.append(error(f"invalid CIDR block '{t[1]}'", span, detail=str(e), help=hint))
            return ast.Literal(INVALID, span, t[1])
        return ast.Literal(Cidr(net), span, t[1])

    def ip(self, c):
        t = c[0]
        span = self._tspan(t)
        try:
            return ast.Literal(Ip(ipaddress.ip_address(t[1])), span, t[1])
        except ValueError as e:
            self.diagnostics.append(error(f"invalid IP address '{t[1]}'", span, detail=str(e),
                                          help="each octet is 0-255"))
            return ast.Literal(INVALID, span, t[1])

    def port_range(self, c):
        t = c[0]
        span = self._tspan(t)
        if not self._digits(t, t[1].replace("..", "")):
            return ast.Literal(INVALID, span, t[1])
        lo, hi = (int(x) for x in t[1].split(".."))
        if not (0 <= lo <= hi <= 65535):
            self.diagnostics.append(error(f"invalid port range '{t[1]}'", span,
                                          help="ports are 0-65535 and a range is written low..high"))
        return ast.Literal(PortRange(lo, hi), span, t[1])

    def string(self, c):
        t = c[0]
        text = t[1]
        if "\\" not in text and "$" not in text:
            return ast.Str((text[1:-1],), Span(self.source, t[2], t[3]), text)
        return ast.Str(self._string_parts(t), self._tspan(t), text)

    def call(self, c):
        args = tuple(x for x in c[2:-1] if not _is_tok(x))
        return ast.Call(c[0][1], args, self._span(c), self._tspan(c[0]))

    def list(self, c):
        return ast.ListExpr(tuple(x for x in c if not _is_tok(x)), self._span(c))

    def list_comp(self, c):
        names = []
        exprs = []
        seen_in = False
        for x in c[1:-1]:
            if _is_tok(x):
                if x[0] == "NAME" and not seen_in:
                    names.append(x)
                elif x[0] == "IN":
                    seen_in = True
            else:
                exprs.append(x)
        key_var, var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        cond = exprs[2] if len(exprs) > 2 else None
        return ast.ListComp(var[1], key_var[1] if key_var else None, exprs[0], exprs[1], cond, self._span(c),
                            self._tspan(var), self._tspan(key_var) if key_var else None)

    def map(self, c):
        return ast.MapExpr(tuple(x for x in c if type(x) is ast.MapEntry), self._span(c))

    def map_entry(self, c):
        key = c[0]
        return ast.MapEntry(key.text, key.span, c[2], key.quoted)

    # -- strings ------------------------------------------------------------------------
    def _string_value(self, t) -> str:
        return "".join(p for p in self._string_parts(t) if isinstance(p, str))

    def _string_parts(self, t) -> tuple:
        raw = t[1][1:-1]
        base = t[2] + 1  # offset of raw[0] in the file
        parts: list = []
        buf: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt in _ESCAPES:
                    buf.append(_ESCAPES[nxt])
                else:
                    self.diagnostics.append(error(
                        f"unknown escape sequence '\\{nxt}' in string",
                        Span(self.source, base + i, base + i + 2),
                        help="escapes are \\n \\t \\r \\\" \\\\ and \\$ (a literal $)"))
                i += 2
                continue
            if ch == "$" and raw.startswith("${", i):
                end = raw.find("}", i)
                if end < 0:
                    self.diagnostics.append(error(
                        "'${' is not closed in this string", Span(self.source, base + i, base + i + 2),
                        help="close it with '}', or write \\$ for a literal dollar sign"))
                    break
                if buf:
                    parts.append("".join(buf))
                    buf = []
                expr = self._parse_interpolation(self.source, base + i + 2, base + end, self.diagnostics,
                                                 self.nesting)
                if expr is not None:
                    parts.append(expr)
                i = end + 1
                continue
            buf.append(ch)
            i += 1
        if buf or not parts:
            parts.append("".join(buf))
        return tuple(parts)


class _Label:
    __slots__ = ("text", "span", "quoted")

    def __init__(self, text, span, quoted):
        self.text, self.span, self.quoted = text, span, quoted


class _If:
    __slots__ = ("expr",)

    def __init__(self, expr):
        self.expr = expr


def _strip_sep(c):
    """Drop a trailing separator comma that `_sep?` leaves among the children."""
    if c and type(c[-1]) is tuple and c[-1][0] == "COMMA":
        return c[:-1]
    return c
