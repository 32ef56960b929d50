"""The expansion pass: `for` and `if` make a block's instances, with stable addresses (keys are
the iterated values, never positions); a module instance declares the module's names."""

from __future__ import annotations

from . import ast
from . import values as v
from .diagnostics import Label, Span, error
from .evaluate import EvalError, fail
from .resolve_values import format_key, key_of
from .resolver_state import ResolverState
from .scopes import META_ATTRS, Cell, EvalEnv, Group, Instance, Loop, ModuleCtx, ParamBinding, Replicated, Scope
from .suggest import did_you_mean
from .symbols import SymbolKind
from .typesys import type_problems


class Expanding(ResolverState):
    """Expanding blocks into instances (a part of `Resolver`)."""

    # -- expanding for/if into instances ------------------------------------------------------
    def expand(self, group: Group):
        if group.state is Cell.DONE:
            return
        if group.state is Cell.BUSY:
            raise fail(f"'{group.base}' is used to decide its own replication (a loop through `for` or `if`)",
                       group.block.header_span)
        group.state = Cell.BUSY
        block = group.block
        self.deps_stack.append(set())  # what decides replication is not a dependency of the user
        reads = self.secret_reads  # nor a secret the user read
        try:
            scope = group.scope
            items: list[tuple[str | None, dict]] = []
            secret = False
            if block.for_ is not None:
                before = self.secret_reads
                items = self._iterate(block.for_, scope)
                secret = self.secret_reads != before
            else:
                items = [(None, {})]
            for key, loop in items:
                iscope = scope
                if loop:
                    iscope = Scope(scope)
                    decls = loop_decls(block.for_)
                    for k, val in loop.items():
                        iscope.names[k] = Loop(val, secret, decls.get(k))
                        self.symbols.declare(k, SymbolKind.LOOP, decls.get(k))
                if block.if_ is not None:
                    env = EvalEnv(self, iscope, set())
                    cond = self._eval(block.if_, env)
                    if v.is_unknown(cond):
                        raise fail("an `if` condition must be known when planning", block.if_.span)
                    if not isinstance(cond, bool):
                        raise fail(f"an `if` condition must be true or false, got {v.type_name(cond)}", block.if_.span)
                    if not cond:
                        continue
                address = group.base if key is None else f"{group.base}[{format_key(key)}]"
                if key is not None or scope.module is not self.root_ctx:
                    self.meter.instance(block.header_span)  # made by a loop or a module: counted
                inst = Instance(address, group, key, iscope)
                group.instances[key] = inst
                if group.use is not None:
                    self._instantiate_module(inst)
                else:
                    if address in self.by_address:
                        self.diags.append(error(f"two resources have the address '{address}'", block.header_span))
                        continue
                    self.by_address[address] = inst
                    self.resources.append(inst)
                    self._declare_children(inst)
            if not group.instances:
                group.disabled = block.if_ is not None and block.for_ is None
        except EvalError as e:
            self.diags.append(e.diagnostic)
        finally:
            self.deps_stack.pop()
            self.secret_reads = reads
        group.state = Cell.DONE

    def _iterate(self, clause: ast.ForClause, scope: Scope) -> list[tuple[str | None, dict]]:
        env = EvalEnv(self, scope, set())
        src = self._eval(clause.iterable, env)
        if v.is_unknown(src):
            raise fail("`for` needs a collection known when planning", clause.iterable.span,
                       help="iterate inputs (params, lets, lists), not values known only after apply")
        out = []
        seen: dict[str, int] = {}
        if clause.key_var is not None:
            if isinstance(src, Replicated):
                src = src.as_map()
            if not isinstance(src, dict):
                raise fail(f"`for {clause.key_var}, {clause.var} in ...` iterates a map, got {v.type_name(src)}",
                           clause.iterable.span,
                           help=f"iterate a list with one name: for {clause.var} in ... (its values become the keys)")
            for k in src:
                out.append((k, {clause.key_var: k, clause.var: src[k]}))
            return out
        if isinstance(src, dict):
            raise fail("a map is iterated with two names: for key, value in map", clause.iterable.span)
        if isinstance(src, Replicated):
            for k, ref in src._items():  # each instance is a dependency where it is used
                out.append((k, {clause.var: ref}))
            return out
        if not isinstance(src, (list, tuple)):
            raise fail(f"`for` iterates a list or a map, got {v.type_name(src)}", clause.iterable.span)
        for item in src:
            key = key_of(item)
            if key is None:
                raise fail(f"`for` over a list uses each value as the key; a {v.type_name(item)} cannot be a key",
                           clause.iterable.span,
                           help="iterate a map instead (for name, spec in {...}): its keys become the addresses")
            if key in seen:
                raise fail(f"`for` keys must be unique: '{key}' appears twice", clause.iterable.span,
                           help="keys become addresses, so each must differ")
            seen[key] = 1
            out.append((key, {clause.var: item}))
        return out

    def _instantiate_module(self, inst: Instance):
        group = inst.group
        use = group.use
        if use.ctx is None:
            inst.broken = True
            return
        ctx = use.ctx
        prefix = inst.address + "."
        mscope = Scope(None, region=group.scope.region, region_alias=group.scope.region_alias, prefix=prefix,
                       module=ctx)
        inst.module_scope = mscope
        self.module_of_scope[id(mscope)] = inst
        inst.module_ctx = ModuleCtx(ctx.module, ctx.path, ctx.uses)
        params = {p.name: p for p in ctx.module.items if type(p) is ast.Param}
        given = {}
        for a in group.block.body:
            if type(a) is ast.Attribute:
                if a.name in META_ATTRS:
                    continue
                if a.name not in params:
                    self.diags.append(error(f"module '{use.alias}' has no parameter '{a.name}'", a.name_span,
                                            help=did_you_mean(a.name, params) or
                                            f"its parameters: {', '.join(params) or 'none'}"))
                    continue
                given[a.name] = a
            else:
                self.diags.append(error(f"module '{use.alias}' takes parameters, not blocks", a.header_span,
                                        help="pass values as name = value"))
        for name, decl in params.items():
            for problem, where in type_problems(decl.type, self.kind_names):
                self.diags.append(error(problem, where.span))
            self.symbols.declare(name, SymbolKind.PARAM, decl.name_span)
            if name in given:
                self.symbols.refer(decl.name_span, given[name].name_span)
                b = ParamBinding(name, decl, given[name].value, inst.scope)
                mscope.names[name] = b
                mscope.spans[name] = decl.name_span
            elif decl.default is not None:
                mscope.names[name] = ParamBinding(name, decl, decl.default, mscope)
                mscope.spans[name] = decl.name_span
            else:
                self.diags.append(error(f"module '{use.alias}' needs the parameter '{name}' ({decl.type})",
                                        group.block.header_span,
                                        labels=[Label(decl.name_span, "declared here")]))
                mscope.names[name] = ParamBinding(name, decl, state=Cell.FAILED)  # uses stay silent
        self.declare_module(inst.module_ctx, mscope, in_region=group.scope.region is not None)

    def _declare_children(self, inst: Instance):
        cls = self.kinds[inst.kind]
        if not cls.children:
            return
        for b in inst.group.block.body:
            if type(b) is ast.Block and b.type in cls.children:
                self.declare_block(b, inst.scope, inst, kind=cls.children[b.type])


def loop_decls(clause: ast.ForClause | None) -> dict[str, Span | None]:
    """Where a `for` clause declares its variables, by name."""
    if clause is None:
        return {}
    out: dict[str, Span | None] = {clause.var: clause.var_span}
    if clause.key_var is not None:
        out[clause.key_var] = clause.key_var_span
    return out
