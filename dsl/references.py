"""The references pass: every name written in the configuration, matched to what it names.

Evaluation is lazy — a module output nobody reads, a block whose `if` is false, a `let` only
they use are never evaluated — so the uses evaluation records are not all the uses there are.
After binding and expansion this pass reads every expression where it is written (lets,
params' defaults, outputs, and each block's `for`, `if` and body, nested blocks included) in
the scope it belongs to, and records each name that scope binds in the symbol table
(dsl/symbols.py). It evaluates nothing: it only looks names up.
"""

from __future__ import annotations

import typing

from . import ast
from .scopes import Group, Loop, ModuleCtx, ParamBinding, RegionBinding, Scope, declaration
from .symbols import SymbolKind, SymbolTable

if typing.TYPE_CHECKING:
    from .resolver_state import ResolverState


def record_references(r: "ResolverState") -> None:
    table = r.symbols
    for b in r.lets:
        if b.scope is not None:
            _walk(b.decl.value, b.scope, table)
    contexts: list[ModuleCtx] = [r.root_ctx] if r.root_ctx is not None else []
    scopes: list[Scope] = [r.root_scope] if r.root_scope is not None else []
    instances = [i for g in r.groups if g.use is not None and g.instances for i in g.instances.values()]
    for inst in instances:
        if inst.module_ctx is not None:
            contexts.append(inst.module_ctx)
        if inst.module_scope is not None:
            scopes.append(inst.module_scope)
    for ctx in contexts:
        for name, out in ctx.outputs.items():
            scope = ctx.output_scope.get(name)
            if scope is not None:
                _walk(out.value, scope, table)
    for scope in scopes:
        for binding in scope.names.values():
            if isinstance(binding, ParamBinding) and binding.expr is not None and binding.expr_scope is not None:
                _walk(binding.expr, binding.expr_scope, table)
    for g in r.groups:
        if g.scope is not None:
            _walk_block(g.block, g.scope, table)


def _walk_block(block: ast.Block, scope: Scope, table: SymbolTable) -> None:
    if block.for_ is not None:
        _walk(block.for_.iterable, scope, table)
        scope = _loop_scope(scope, table, [(block.for_.var, block.for_.var_span),
                                           (block.for_.key_var, block.for_.key_var_span)])
    if block.if_ is not None:
        _walk(block.if_, scope, table)
    for entry in block.body:
        if type(entry) is ast.Attribute:
            _walk(entry.value, scope, table)
        elif type(entry) is ast.Block:
            _walk_block(entry, scope, table)


def _loop_scope(scope: Scope, table: SymbolTable, names) -> Scope:
    inner = Scope(scope)
    for name, span in names:
        if name is not None:
            inner.names[name] = Loop(None, decl=span)
            table.declare(name, SymbolKind.LOOP, span)
    return inner


def _walk(expr, scope: Scope, table: SymbolTable) -> None:
    """Record the names `expr` uses (iteratively: generated expressions can be long)."""
    todo = [(expr, scope)]
    while todo:
        e, sc = todo.pop()
        t = type(e)
        if t is ast.Var:
            b = sc.find(e.name)
            if b is not None:
                table.refer(declaration(b)[1], e.span)
        elif t is ast.GetAttr:
            _member(e, sc, table)
            todo.append((e.obj, sc))
        elif t is ast.Index:
            todo += [(e.obj, sc), (e.key, sc)]
        elif t in (ast.Splat, ast.Paren):
            todo.append((e.obj if t is ast.Splat else e.expr, sc))
        elif t is ast.Call:
            todo += [(a, sc) for a in e.args]
        elif t is ast.ListExpr:
            todo += [(a, sc) for a in e.items]
        elif t is ast.MapExpr:
            todo += [(m.value, sc) for m in e.entries]
        elif t is ast.Unary:
            todo.append((e.operand, sc))
        elif t is ast.Binary:
            todo += [(a, sc) for a in e.operands]
        elif t is ast.Cond:
            todo += [(e.test, sc), (e.then, sc), (e.else_, sc)]
        elif t is ast.Str:
            todo += [(p, sc) for p in e.parts if not isinstance(p, str)]
        elif t is ast.ListComp:
            todo.append((e.iterable, sc))
            inner = _loop_scope(sc, table, [(e.var, e.var_span), (e.key_var, e.key_var_span)])
            todo += [(x, inner) for x in (e.body, e.cond) if x is not None]


def _member(e: ast.GetAttr, scope: Scope, table: SymbolTable) -> None:
    """`primary.web` (a name in a region) and `net.vpc_id` (a module instance's output)."""
    base = e.obj
    while isinstance(base, (ast.Index, ast.Splat)):
        base = base.obj
    if type(base) is not ast.Var:
        return
    b = scope.find(base.name)
    if type(b) is RegionBinding:
        inner = b.scope.names.get(e.name)
        if inner is not None:
            table.refer(declaration(inner)[1], e.name_span)
    elif type(b) is Group and b.use is not None and b.use.ctx is not None:
        for item in b.use.ctx.module.items:
            if type(item) is ast.Output and item.name == e.name:
                table.refer(item.name_span, e.name_span)
