"""Expression evaluation with units.

`evaluate(expr, env)` turns an AST expression into a language value. Names, attribute
access on resources, and the current region come from `env` (the resolver's scope); the
arithmetic of quantities lives here: `1h == 60m`, `10GiB > 10GB`, `2 * 30s == 1m`,
`40% * 10GiB == 4GiB`. Values known only after apply propagate as unknowns. A mistake raises
`EvalError` carrying one diagnostic; the caller reports it and moves on.

Every step is counted and every string, list and map made is measured against the limits
(limits.py, through `env.meter`), so a runaway expression is a diagnostic on that expression.
Operator chains are evaluated in a loop (`ast.Binary` is n-ary), so their length costs no
stack; the recursion that remains follows brackets, which the parser limits.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

from . import ast
from . import values as v
from .diagnostics import EvalError, Span, error
from .functions import FUNCTIONS, FunctionError, Unknowable, display
from .suggest import did_you_mean

if TYPE_CHECKING:
    from .limits import Meter

__all__ = ["EvalError", "Env", "Namespace", "evaluate", "fail", "arith", "compare", "index_value"]


def fail(message: str, span: Span, help: str = "", detail: str = "", labels=()) -> EvalError:
    return EvalError(error(message, span, help=help, detail=detail, labels=labels))


class Env(Protocol):
    @property
    def region(self) -> str | None: ...

    meter: Meter  # steps taken and sizes of values made

    def is_bound(self, name: str) -> bool: ...

    def lookup(self, name: str, span: Span): ...

    def attr(self, obj, name: str, span: Span, name_span: Span): ...

    def index(self, obj, key, span: Span): ...

    def child(self, names: dict, decls: dict | None = None) -> Env: ...

    def read_file(self, path: str) -> str: ...

    def secret_mark(self): ...

    def secret_forget(self, mark) -> None: ...


class Namespace:
    """Base of resolver values that answer `.name`, `[key]` and iteration themselves."""

    def get_attr(self, name: str, span: Span, name_span: Span):
        raise NotImplementedError

    def get_index(self, key, span: Span):
        raise fail(f"{self.describe()} cannot be indexed", span)

    def as_list(self) -> list:
        raise TypeError

    def describe(self) -> str:
        return "this value"


def evaluate(expr, env: Env):
    meter = env.meter
    meter.steps += 1
    if meter.steps > meter.max_steps:
        meter.charge(0, expr.span)  # raises
    t = type(expr)
    if t is ast.Literal:
        if expr.value is v.INVALID:
            raise EvalError(None)  # the lexer reported it
        return expr.value
    if t is ast.Str:
        return _string(expr, env)
    if t is ast.Var:
        return env.lookup(expr.name, expr.span)
    if t is ast.GetAttr:
        return _getattr(expr, env)
    if t is ast.Index:
        obj = evaluate(expr.obj, env)
        key = evaluate(expr.key, env)
        return index_value(obj, key, expr, env)
    if t is ast.Splat:
        obj = evaluate(expr.obj, env)
        return meter.made(SplatList(_as_list(obj, expr.obj.span, "[*]")), expr.span)
    if t is ast.ListExpr:
        return meter.made([evaluate(x, env) for x in expr.items], expr.span, computed=False)
    if t is ast.MapExpr:
        out = {}
        for entry in expr.entries:
            if entry.key in out:
                raise fail(f"duplicate key '{entry.key}' in map", entry.key_span)
            out[entry.key] = evaluate(entry.value, env)
        return meter.made(out, expr.span, computed=False)
    if t is ast.Binary:
        return _binary(expr, env)
    if t is ast.Unary:
        x = evaluate(expr.operand, env)
        if expr.op == "!":
            if not isinstance(x, bool):
                raise fail(f"'!' needs true or false, got {_desc(x)}", expr.operand.span)
            return not x
        if v.is_unknown(x):
            return x
        try:
            return arith("*", Fraction(-1), x)
        except (TypeError, OverflowError):
            raise fail(f"cannot negate {_desc(x)}", expr.span)
    if t is ast.Cond:
        test = evaluate(expr.test, env)
        if v.is_unknown(test):
            raise fail("the condition is known only after apply", expr.test.span,
                       help="conditions must be decidable when planning: use inputs, not exported attributes")
        if not isinstance(test, bool):
            raise fail(f"a condition must be true or false, got {_desc(test)}", expr.test.span)
        return evaluate(expr.then if test else expr.else_, env)
    if t is ast.Call:
        return _call(expr, env)
    if t is ast.ListComp:
        return _list_comp(expr, env)
    if t is ast.Paren:
        return evaluate(expr.expr, env)
    raise fail(f"cannot evaluate {type(expr).__name__}", expr.span)  # pragma: no cover


def _desc(x) -> str:
    if isinstance(x, v.ResourceRef):
        return f"{x.kind} '{x.address}'"
    if isinstance(x, Namespace):
        return x.describe()
    shown = v.to_json(x) if not isinstance(x, (list, dict)) else None
    if shown is None or isinstance(shown, (dict, list)):
        return v.type_name(x)
    if isinstance(shown, str) and len(shown) > 60:  # a diagnostic names a value, never spills it
        return f"{v.type_name(x)} {shown[:40]!r}… ({len(shown):,} characters)"
    return f"{v.type_name(x)} {shown!r}" if isinstance(shown, str) else f"{v.type_name(x)} {shown}"


def _string(expr: ast.Str, env: Env):
    parts = expr.parts
    if len(parts) == 1 and type(parts[0]) is str:
        return env.meter.string(parts[0], expr.span, computed=False)
    out: list = []
    length = 0
    limit = env.meter.limits.string
    for part in parts:
        if type(part) is str:
            out.append(part)
            continue
        val = evaluate(part, env)
        if isinstance(val, v.ResourceRef):
            val = v.Unknown(val.address, "id", "string", val.kind)
        if isinstance(val, v.Unknown):
            out.append(val)
        elif isinstance(val, v.Interpolated):
            out.extend(val.parts)
            length += sum(len(p) for p in val.parts if type(p) is str)
        else:
            try:
                text = display(val)
            except FunctionError as e:
                raise fail(e.message, part.span,
                           help="use join() for lists, or pick one element")
            out.append(text)
            length += len(text)
        if length > limit:  # checked as it grows: "${s}${s}" doubled 40 times stops at the limit
            env.meter.too_long(length, expr.span)
    env.meter.spend(length // 16, expr.span)
    if any(isinstance(p, v.Unknown) for p in out):
        merged: list = []
        for p in out:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            else:
                merged.append(p)
        return v.Interpolated(tuple(merged))
    return "".join(out)


def _getattr(expr: ast.GetAttr, env: Env):
    # `m5.large`, `db.r6g.xlarge`: a dotted enum word when its head is not a name in scope
    head: ast.Expr = expr
    dotted = []
    while type(head) is ast.GetAttr:
        dotted.append(head.name)
        head = head.obj
    if type(head) is ast.Var and not env.is_bound(head.name):
        return v.Word(".".join([head.name] + dotted[::-1]))
    obj = evaluate(expr.obj, env)
    if type(obj) is SplatList:
        return SplatList(env.attr(x, expr.name, expr.span, expr.name_span) for x in obj)
    return env.attr(obj, expr.name, expr.span, expr.name_span)


class SplatList(list):
    """The result of `xs[*]`: attribute access applies to every element (`subnets[*].id`)."""


def index_value(obj, key, expr: ast.Index, env: Env):
    if isinstance(obj, Namespace):
        return obj.get_index(key, expr.key.span)
    if isinstance(obj, (list, tuple)):
        raise fail("lists are not indexed by position in archform: positions renumber when the list changes",
                   expr.key.span,
                   help="iterate with `for x in list`, use a map keyed by name, or index(list, value)")
    if isinstance(obj, dict):
        if isinstance(key, v.Word):
            key = key.text
        if not isinstance(key, str):
            raise fail(f"a map is indexed by a string key, got {_desc(key)}", expr.key.span)
        if key not in obj:
            raise fail(f"no key '{key}' in this map", expr.key.span,
                       help=did_you_mean(key, obj) or f"keys: {', '.join(sorted(obj)) or 'none'}")
        return obj[key]
    if v.is_unknown(obj):
        return v.Unknown(getattr(obj, "address", "?"), f"{getattr(obj, 'attr', '?')}[{display(key)}]", "any")
    raise fail(f"{_desc(obj)} cannot be indexed", expr.obj.span)


def _as_list(obj, span: Span, what: str) -> list:
    if isinstance(obj, (list, tuple)):
        return list(obj)
    if isinstance(obj, Namespace):
        try:
            return obj.as_list()
        except TypeError:
            pass
    if isinstance(obj, dict):
        return [obj[k] for k in sorted(obj)]
    raise fail(f"{what} needs a list, got {_desc(obj)}", span)


def _call(expr: ast.Call, env: Env):
    fn = FUNCTIONS.get(expr.name)
    if fn is None:
        raise fail(f"unknown function '{expr.name}'", expr.name_span,
                   help=did_you_mean(expr.name, FUNCTIONS) or "see the function list in the README")
    if expr.name == "nonsensitive":  # what its argument read of secrets is not passed on
        mark = env.secret_mark()
        args = [evaluate(a, env) for a in expr.args]
        env.secret_forget(mark)
    else:
        args = [evaluate(a, env) for a in expr.args]
    args = [a.as_list() if isinstance(a, Namespace) and _listish(a) else a for a in args]
    try:
        result = fn(args, env)
    except Unknowable:
        return v.Unknown("(function)", expr.name, "any")
    except FunctionError as e:
        span = expr.args[e.arg].span if e.arg is not None and e.arg < len(expr.args) else expr.span
        raise fail(e.message, span, help=e.help)
    t = type(result)
    if t is str:
        return env.meter.string(result, expr.span)
    if t is list or t is dict:
        return env.meter.made(result, expr.span)
    if t is Fraction:
        return _number(result, expr.span)
    return result


def _listish(ns: Namespace) -> bool:
    try:
        ns.as_list()
        return True
    except TypeError:
        return False


def _list_comp(expr: ast.ListComp, env: Env):
    src = evaluate(expr.iterable, env)
    out = []
    if expr.key_var is not None:
        if isinstance(src, Namespace) and hasattr(src, "as_map"):
            src = src.as_map()
        if not isinstance(src, dict):
            raise fail(f"`for {expr.key_var}, {expr.var} in ...` iterates a map, got {_desc(src)}", expr.iterable.span,
                       help="iterate a list with one variable: [for x in list : ...]")
        items = [(k, src[k]) for k in sorted(src)]
        decls = {expr.key_var: expr.key_var_span, expr.var: expr.var_span}
        env.meter.charge(len(items), expr.span)
        for k, val in items:
            inner = env.child({expr.key_var: k, expr.var: val}, decls)
            if expr.cond is None or _truth(evaluate(expr.cond, inner), expr.cond):
                out.append(evaluate(expr.body, inner))
        return env.meter.made(out, expr.span)
    items = _as_list(src, expr.iterable.span, "for")
    env.meter.charge(len(items), expr.span)
    for val in items:
        inner = env.child({expr.var: val}, {expr.var: expr.var_span})
        if expr.cond is None or _truth(evaluate(expr.cond, inner), expr.cond):
            out.append(evaluate(expr.body, inner))
    return env.meter.made(out, expr.span)


MAX_BITS = 1024  # numerator and denominator of a number: about 300 digits


def _number(x, span: Span):
    """A number (or a quantity's magnitude) kept to a size arithmetic stays fast on."""
    m = _magnitude(x)
    if type(m) is Fraction and (m.numerator.bit_length() > MAX_BITS or m.denominator.bit_length() > MAX_BITS):
        raise fail("this number is too large (or too finely divided) to work with: more than about 300 digits",
                   span, help="numbers in a configuration are counts, sizes, ports and durations")
    return x


def _truth(x, expr) -> bool:
    if not isinstance(x, bool):
        raise fail(f"a condition must be true or false, got {_desc(x)}", expr.span)
    return x


# --- operators ------------------------------------------------------------------------------

_QUANT = (v.Duration, v.Size, v.Percent)


def _magnitude(x):
    if isinstance(x, v.Duration):
        return x.seconds
    if isinstance(x, v.Size):
        return x.bytes
    if isinstance(x, v.Percent):
        return x.value
    return x


def _rebuild(like, magnitude):
    if isinstance(like, v.Duration):
        return v.Duration(magnitude)
    if isinstance(like, v.Size):
        return v.Size(magnitude)
    return v.Percent(magnitude)


def arith(op: str, a, b):
    """Arithmetic on numbers and quantities; TypeError when the types do not combine."""
    na, nb = isinstance(a, Fraction) and not isinstance(a, bool), isinstance(b, Fraction) and not isinstance(b, bool)
    if na and nb:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise ZeroDivisionError
            return a / b
        if op == "%":
            if b == 0:
                raise ZeroDivisionError
            return a % b
    qa, qb = isinstance(a, _QUANT), isinstance(b, _QUANT)
    if qa and qb and type(a) is type(b):
        if op in "+-":
            return _rebuild(a, _magnitude(a) + _magnitude(b) if op == "+" else _magnitude(a) - _magnitude(b))
        if op == "/":
            if _magnitude(b) == 0:
                raise ZeroDivisionError
            return _magnitude(a) / _magnitude(b)
    if op == "*":
        if isinstance(a, v.Percent) and (nb or qb):
            a, b = b, a
            na, nb, qa, qb = nb, True, qb, False
        if isinstance(b, v.Percent) and (na or qa):
            factor = b.value / 100
            return a * factor if na else _rebuild(a, _magnitude(a) * factor)
        if qa and nb:
            return _rebuild(a, _magnitude(a) * b)
        if na and qb:
            return _rebuild(b, a * _magnitude(b))
    if op == "/" and qa and nb:
        if b == 0:
            raise ZeroDivisionError
        return _rebuild(a, _magnitude(a) / b)
    raise TypeError


def compare(op: str, a, b) -> bool:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    ka, kb = _comparable(a), _comparable(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        raise TypeError
    x, y = ka[1], kb[1]
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _comparable(x):
    if isinstance(x, bool):
        return None
    if isinstance(x, Fraction):
        return ("number", x)
    if isinstance(x, (str, v.Word)):
        return ("string", str(x))
    if isinstance(x, _QUANT):
        return (type(x).__name__, _magnitude(x))
    return None


def _equal(a, b) -> bool:
    if isinstance(a, v.Word) and isinstance(b, str):
        return a.text == b
    if isinstance(b, v.Word) and isinstance(a, str):
        return b.text == a
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _binary(expr: ast.Binary, env: Env):
    """A run of operators of one precedence, left to right, in a loop."""
    ops, operands = expr.ops, expr.operands
    first = operands[0]
    left = evaluate(first, env)
    op = ops[0]
    if op == "&&" or op == "||":  # a run of one precedence is all && or all ||
        if not isinstance(left, bool):
            raise fail(f"'{op}' needs true or false, got {_desc(left)}", first.span)
        for operand in operands[1:]:
            if (op == "&&" and not left) or (op == "||" and left):
                return left
            left = evaluate(operand, env)
            if not isinstance(left, bool):
                raise fail(f"'{op}' needs true or false, got {_desc(left)}", operand.span)
        return left
    source, start = first.span.source, first.span.start_pos
    for op, operand in zip(ops, operands[1:]):
        right = evaluate(operand, env)
        left = _apply(op, left, right, Span(source, start, operand.span.end_pos), operand.span)
    return left


def _apply(op: str, left, right, span: Span, right_span: Span):
    if v.is_unknown(left) or v.is_unknown(right):
        if op in ("==", "!=", "<", "<=", ">", ">="):
            raise fail("a value known only after apply cannot be compared when planning", span)
        return left if v.is_unknown(left) else right
    if op in ("==", "!=", "<", "<=", ">", ">="):
        try:
            return compare(op, left, right)
        except TypeError:
            raise fail(f"cannot compare {_desc(left)} with {_desc(right)} using '{op}'", span,
                       help=_unit_hint(left, right))
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        raise fail("strings are not added with '+'", span,
                   help='use interpolation: "${a}${b}", or join() / format()')
    try:
        return _number(arith(op, left, right), span)
    except ZeroDivisionError:
        raise fail("division by zero", right_span)
    except TypeError:
        raise fail(f"cannot apply '{op}' to {_desc(left)} and {_desc(right)}", span,
                   help=_unit_hint(left, right))


def _unit_hint(a, b) -> str:
    kinds = {type(a), type(b)}
    if Fraction in kinds and kinds & {v.Duration, v.Size}:
        return "give the number a unit too, e.g. 30s or 10GiB"
    if {v.Duration, v.Size} <= kinds:
        return "a duration and a size do not combine"
    return ""
