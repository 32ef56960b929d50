"""Policy written in `.arch` (a part of `Resolver`): `check` blocks, and the `precondition` and
`postcondition` blocks of a resource's `lifecycle`.

    check "buckets encrypted" for b in resources("s3_bucket") {
      assert   = b.encryption != "none"
      message  = "bucket ${b.bucket_name} is not encrypted"
      severity = high          # high (the default), medium or low
    }

A check is declared at file or region level and evaluated once every resource is: its
`assert` must be true (for each item, when it has a `for`; `if` filters the items). A failure
is an error diagnostic (a warning when the severity is low) on the offending resource's block
when the item is a resource, else on the check's name; `archform check` reports it as the
finding `ARCH-CHECK:<name>`. `resources("kind")` — callable only here and in lifecycle
conditions — lists the resources of a kind declared in the check's file (in its region, inside
a region block).

A precondition is decided when planning (it may read `self`'s inputs and anything else in
scope); a postcondition is decided when it can be (a failure known already is reported now)
and always again after apply, against what the cloud reports (`self.public_ip`): the plan
carries it as text (dsl/conditions.py).
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass

from . import ast, redact
from . import values as v
from .desired import Postcondition
from .diagnostics import Label, Span, error, warning
from .evaluate import EvalError, fail
from .functions import FunctionError, display
from .resolve_values import plain, refs_in
from .resolver_state import ResolverState
from .scopes import EvalEnv, Instance, Replicated, Scope
from .suggest import did_you_mean

CONDITION_BLOCKS = ("precondition", "postcondition")
SEVERITIES = ("high", "medium", "low")
CHECK_ID = "ARCH-CHECK:"


@dataclass
class CheckDecl:
    block: ast.Block
    scope: Scope
    attrs: dict | None  # name → ast.Attribute; None when the block is malformed (reported)

    @property
    def name(self) -> str:
        return self.block.label or ""


@dataclass(frozen=True)
class CheckFailure:
    """One failed check, as `archform check` reports it (planner/findings.py)."""
    name: str
    severity: str
    address: str  # the offending resource's, or "" when the check is not about one
    message: str
    span: Span | None  # the offending resource's block, or the check's name
    check_at: str = ""  # where the check is written (file:line:col)

    @property
    def id(self) -> str:
        return CHECK_ID + self.name

    def scrubbed(self, secrets: set[str]) -> "CheckFailure":
        shown = redact.scrub([warning(self.message)], secrets)[0].summary
        return CheckFailure(self.name, self.severity, self.address, shown, self.span, self.check_at)


class Policy(ResolverState):
    """Declaring and evaluating checks and lifecycle conditions (a part of `Resolver`)."""

    # -- shapes --------------------------------------------------------------------------------
    def _policy_attrs(self, block: ast.Block, what: str, allowed: tuple, required: tuple) -> dict | None:
        """The attributes of a check or condition block by name, or None when it is malformed
        (each mistake reported)."""
        attrs: dict = {}
        ok = True
        for entry in block.body:
            if type(entry) is ast.Block:
                self.diags.append(error(f"a {what} block holds attributes, not blocks", entry.type_span,
                                        help=f"its attributes: {', '.join(allowed)}"))
                ok = False
            elif entry.name not in allowed:
                hint = ('Terraform\'s error_message is message here: message = "..."' if entry.name == "error_message"
                        else did_you_mean(entry.name, allowed) or f"its attributes: {', '.join(allowed)}")
                self.diags.append(error(f"a {what} has no attribute '{entry.name}'", entry.name_span, help=hint))
                ok = False
            elif entry.name in attrs:
                self.diags.append(error(f"attribute '{entry.name}' is set twice", entry.name_span,
                                        labels=[Label(attrs[entry.name].name_span, "first set here")]))
                ok = False
            else:
                attrs[entry.name] = entry
        for name in required:
            if name not in attrs:
                example = 'message = "why it matters"' if name == "message" else f"{name} = <true or false>"
                self.diags.append(error(f"this {what} is missing '{name}'", block.header_span, help=example))
                ok = False
        return attrs if ok else None

    def condition_block(self, b: ast.Block) -> bool:
        """Whether a lifecycle `precondition`/`postcondition` block is well formed (reported if not)."""
        if b.label is not None or b.for_ is not None or b.if_ is not None:
            self.diags.append(error(f"a {b.type} takes no name, `for` or `if`: {b.type} {{ condition = ..., "
                                    "message = \"...\" }", b.header_span))
            return False
        return self._policy_attrs(b, b.type, ("condition", "message"), ("condition", "message")) is not None

    def declare_check(self, block: ast.Block, scope: Scope):
        if block.label is None:
            self.diags.append(error("a check needs a name: check \"all buckets encrypted\" { ... }", block.type_span,
                                    help="the name is the finding's id: ARCH-CHECK:<name>"))
            return
        attrs = self._policy_attrs(block, "check", ("assert", "message", "severity"), ("assert", "message"))
        for prior in self.checks:
            if prior.name == block.label and prior.scope is scope:
                self._duplicate("check", block.label, block.label_span, prior.block.label_span)
                return
        self.checks.append(CheckDecl(block, scope, attrs))  # a malformed one (attrs None) is not run

    # -- resources("kind") ---------------------------------------------------------------------
    def resources_in(self, scope: Scope, kind: str, allowed: bool) -> list:
        if not allowed:
            raise FunctionError("resources() may be called in a `check` block or a lifecycle condition only", None,
                                help="to refer to resources here, name them (primary.web) or list them")
        if kind not in self.kinds:
            raise FunctionError(f"resources(): unknown kind '{kind}'", 0,
                                help=did_you_mean(kind, self.kinds, quote='"') or "run `archform kinds` for the list")
        return [self.ref_of(inst) for inst in sorted(self.resources, key=lambda i: i.address)
                if inst.kind == kind and inst.model is not None and inst.address.startswith(scope.prefix)]

    # -- evaluation ----------------------------------------------------------------------------
    def run_policy(self):
        """Every resource's lifecycle conditions, then every check (after all resources are built)."""
        for inst in self.resources:
            if inst.conditions and inst.model is not None and not inst.broken:
                self._conditions(inst)
        for c in self.checks:
            if c.attrs is None:
                continue
            try:
                self._run_check(c)
            except EvalError as e:
                self.diags.append(e.diagnostic)

    def _truth(self, expr, env: EvalEnv, what: str, later: str):
        try:
            val = self._eval(expr, env)
        except EvalError as e:  # an export compared: said in the words of the block it is in
            if e.diagnostic is None or "known only after apply" not in e.diagnostic.summary:
                raise
            raise fail(f"{what} is known only after apply", e.diagnostic.span or expr.span, help=later) from None
        if v.is_unknown(val):
            raise fail(f"{what} is known only after apply", expr.span, help=later)
        if not isinstance(val, bool):
            raise fail(f"{what} must be true or false, got {v.type_name(val)}", expr.span,
                       help='compare to make one: b.encryption != "none"')
        return val

    def _message(self, expr, env: EvalEnv) -> str:
        val = self._eval(expr, env)
        if isinstance(val, str):
            return val
        if isinstance(val, v.Word):
            return val.text
        raise fail(f"a message is a string, got {v.type_name(val)}", expr.span,
                   help='write it in double quotes; ${...} puts a value in it')

    def _unbound(self, exprs, scope: Scope, own: set) -> bool:
        """Report each name these expressions read that nothing declares (a bare word, elsewhere
        in the language): in a policy it is a misspelt name. Whether any was."""
        found = False
        for name, span in sorted({n for e in exprs if e is not None for n in _free_names(e)},
                                 key=lambda x: x[1].start_pos):
            if name in own or scope.find(name) is not None or (name == "region" and scope.region):
                continue
            self.diags.append(error(f"'{name}' is not a name in scope", span,
                                    help=did_you_mean(name, scope.visible() | own) or
                                    f'a word is written in quotes here: "{name}"'))
            found = True
        return found

    def _run_check(self, c: CheckDecl):
        attrs = c.attrs or {}  # a malformed block is reported and never run
        block = c.block
        env = EvalEnv(self, c.scope, set(), policy=True)
        loop = {block.for_.var, block.for_.key_var} - {None} if block.for_ is not None else set()
        inside = [attrs["assert"].value, attrs["message"].value, block.if_]
        if self._unbound([block.for_.iterable] if block.for_ is not None else [], c.scope, set()) | \
                self._unbound(inside, c.scope, loop):
            return
        severity = "high"
        if "severity" in attrs:
            expr = attrs["severity"].value
            val = self._eval(expr, env)
            severity = val.text if isinstance(val, v.Word) else val
            if severity not in SEVERITIES:
                raise fail(f"a check's severity is high, medium or low, got {display(val)}", expr.span,
                           help=did_you_mean(str(severity), SEVERITIES) or "severity = high")
        items = [(env, None)] if block.for_ is None else self._check_items(block.for_, env)
        later = "a check is decided when planning: read inputs, or check the value after apply with a postcondition"
        for item_env, subject in items:
            if block.if_ is not None and not self._truth(block.if_, item_env, "a check's `if`", later):
                continue
            if self._truth(attrs["assert"].value, item_env, "a check's assert", later):
                continue
            message = self._message(attrs["message"].value, item_env)
            self._check_failed(c, severity, subject, message)

    def _check_items(self, clause: ast.ForClause, env: EvalEnv) -> list:
        src = self._eval(clause.iterable, env)
        if v.is_unknown(src):
            raise fail("a check's `for` needs a collection known when planning", clause.iterable.span)
        decls = {clause.var: clause.var_span, clause.key_var: clause.key_var_span}
        if clause.key_var is not None:
            if isinstance(src, Replicated):
                src = src.as_map()
            if not isinstance(src, dict):
                raise fail(f"`for {clause.key_var}, {clause.var} in ...` iterates a map, got {v.type_name(src)}",
                           clause.iterable.span)
            return [(env.child({clause.key_var: k, clause.var: src[k]}, decls), src[k]) for k in sorted(src)]
        if isinstance(src, Replicated):
            src = src.as_list()
        if isinstance(src, dict):
            raise fail("a map is iterated with two names: for key, value in map", clause.iterable.span)
        if not isinstance(src, list):
            raise fail(f"`for` iterates a list or a map, got {v.type_name(src)}", clause.iterable.span)
        return [(env.child({clause.var: x}, decls), x) for x in src]

    def _check_failed(self, c: CheckDecl, severity: str, subject, message: str):
        attrs = c.attrs or {}
        assert_span = attrs["assert"].value.span
        inst = self.by_address.get(subject.address) if isinstance(subject, v.ResourceRef) else None
        if inst is not None:
            address, span = inst.address, inst.group.block.header_span
            labels = [Label(assert_span, f'check "{c.name}" asserts this')]
        else:
            address, span, labels = "", c.block.label_span, [Label(assert_span, "asserted here")]
        where = f"{address}: " if address else ""
        make = warning if severity == "low" else error
        self.diags.append(make(f'{where}check "{c.name}" failed: {message}', span, labels=labels,
                               detail=f"severity {severity}", code=CHECK_ID + c.name))
        self.check_failures.append(CheckFailure(c.name, severity, address, message, span, str(c.block.label_span)))

    # -- lifecycle conditions ------------------------------------------------------------------
    def _conditions(self, inst: Instance):
        posts = []
        for b, env in inst.conditions:
            attrs = {a.name: a for a in b.body}
            cond, msg = attrs["condition"].value, attrs["message"].value
            if self._unbound([cond, msg], env.scope, {"self"}):
                continue
            inner = EvalEnv(self, env.scope, set(), policy=True).child({"self": self.ref_of(inst)})
            try:
                if b.type == "precondition":
                    ok = self._truth(cond, inner, "a precondition", "a value known only after apply belongs in "
                                     "a postcondition: lifecycle { postcondition { condition = self.x ... } }")
                    if not ok:
                        guarded = Label(inst.group.block.header_span, "the resource it guards")
                        self.diags.append(error(f"{inst.address}: precondition failed: {self._message(msg, inner)}",
                                                cond.span, labels=[guarded]))
                    continue
                posts.append(self._postcondition(inst, cond, msg, inner))
            except EvalError as e:
                self.diags.append(e.diagnostic)
        if posts:
            from dataclasses import replace
            inst.lifecycle = replace(inst.lifecycle, postconditions=tuple(posts))

    def _postcondition(self, inst: Instance, cond, msg, env: EvalEnv) -> Postcondition:
        """Decided now when it can be (a failure known already is reported), and carried to the
        apply as text with the values of the names it reads besides `self`."""
        values = {}
        for name, span in sorted(_free_names(cond) | _free_names(msg), key=lambda x: (x[0], x[1].start_pos)):
            if name == "self" or name in values or env.scope.find(name) is None:
                continue  # `self` is the applied resource; an unbound name is a word
            before = self.secret_reads
            try:
                val = plain(env.lookup(name, span))
                if self.secret_reads != before:  # the plan and the state would hold it in clear
                    raise fail(f"a postcondition cannot read the secret '{name}'", span,
                               help="check a secret's shape in a precondition, decided when planning")
                if list(refs_in(val)) or v.is_unknown(val):
                    raise TypeError
                values[name] = v.to_json(val)
            except TypeError:
                raise fail(f"a postcondition reads `self` and plain values (params, lets, loop variables); "
                           f"'{name}' is not one", span,
                           help="compare with another resource in a precondition, decided when planning") from None
        cls = self.kinds[inst.kind]
        exports = []
        for n, span in sorted(_self_reads(cond) | _self_reads(msg), key=lambda x: x[1].start_pos):
            self.attr(self.ref_of(inst), n, span, span, set())  # an attribute it does not have is reported
            if n in cls.exports:
                exports.append(n)
        val = None if exports else self._eval(cond, env)  # what reads exports is decided after apply only
        if val is False:
            self.diags.append(error(f"{inst.address}: postcondition fails already: {self._message(msg, env)}",
                                    cond.span, labels=[Label(inst.group.block.header_span, "the resource it guards")],
                                    help="it reads only values known when planning"))
        elif not (val is None or val is True or v.is_unknown(val)):
            raise fail(f"a postcondition must be true or false, got {v.type_name(val)}", cond.span,
                       help="compare to make one: self.public_ip == null")
        return Postcondition(cond.span.text, msg.span.text, str(cond.span), json.dumps(values, sort_keys=True))


def _self_reads(expr) -> set[tuple[str, Span]]:
    """The attributes an expression reads of `self` (`self.public_ip`), with where."""
    out: set = set()
    todo = [expr]
    while todo:
        e = todo.pop()
        if e is None or isinstance(e, str):
            continue
        if type(e) is ast.GetAttr and type(e.obj) is ast.Var and e.obj.name == "self":
            out.add((e.name, e.name_span))
        todo += [e.iterable, e.body, e.cond] if type(e) is ast.ListComp else _children(e)
    return out


def _free_names(expr) -> set[tuple[str, Span]]:
    """The names an expression reads that it does not bind itself (a list comprehension's)."""
    out: set = set()
    todo: list[tuple[typing.Any, frozenset]] = [(expr, frozenset())]
    while todo:
        e, bound = todo.pop()
        if e is None or isinstance(e, str):
            continue
        t = type(e)
        if t is ast.Var:
            if e.name not in bound:
                out.add((e.name, e.span))
        elif t is ast.ListComp:
            todo.append((e.iterable, bound))
            inner = bound | {e.var} | ({e.key_var} if e.key_var else set())
            todo += [(e.body, inner), (e.cond, inner)]
        else:
            for part in _children(e):
                todo.append((part, bound))
    return out


def _children(e) -> list:
    t = type(e)
    if t is ast.GetAttr:
        return [e.obj]
    if t is ast.Index:
        return [e.obj, e.key]
    if t is ast.Splat:
        return [e.obj]
    if t is ast.Paren:
        return [e.expr]
    if t is ast.Call:
        return list(e.args)
    if t is ast.ListExpr:
        return list(e.items)
    if t is ast.MapExpr:
        return [m.value for m in e.entries]
    if t is ast.Unary:
        return [e.operand]
    if t is ast.Binary:
        return list(e.operands)
    if t is ast.Cond:
        return [e.test, e.then, e.else_]
    if t is ast.Str:
        return [p for p in e.parts if not isinstance(p, str)]
    return []
