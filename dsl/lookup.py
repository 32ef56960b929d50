"""Evaluation of names: params, lets and module outputs evaluated lazily and once, resource
attributes read through references, cycles reported with their whole path, dependencies and
secrets followed as values are read."""

from __future__ import annotations

from . import redact
from . import values as v
from .diagnostics import Label, Span, error
from .evaluate import EvalError, Namespace, evaluate, fail
from .kind_fields import field_for
from .limits import exceeded
from .resolve_values import json_or_none, refs_in, to_value
from .resolver_state import ResolverState
from .scopes import (Cell, EvalEnv, Group, Instance, LetBinding, Loop, ModuleRef, ParamBinding, RegionBinding,
                     RegionRef, Replicated, UseBinding, declaration)
from .suggest import did_you_mean
from .typesys import conform


class Lookup(ResolverState):
    """What a name or an attribute means when an expression reads it (a part of `Resolver`)."""

    def current_deps(self) -> set[str]:
        return self.deps_stack[-1]

    def _eval(self, expr, env: EvalEnv):
        """`evaluate`, with a mistake found after reading a secret reported without the values it
        quotes."""
        before = self.secret_reads
        try:
            return evaluate(expr, env)
        except EvalError as e:
            if e.diagnostic is not None and self.secret_reads != before:
                e.diagnostic = redact.quoted_hidden(e.diagnostic)
            raise

    def secrets(self) -> set[str]:
        """The texts of the secrets this configuration was given or made (for `redact.scrub`)."""
        out: set[str] = set()
        for name, text in self.raw_params.items():
            b = self.root_scope.names.get(name) if self.root_scope is not None else None
            if type(b) is ParamBinding and b.secret:
                redact.secret_texts(text, out)
                redact.secret_texts(b.value, out)
        for b in self.lets:
            if b.secret and b.state is Cell.DONE:
                redact.secret_texts(json_or_none(b.value), out)
        for inst in self.resources:
            cls = self.kinds.get(inst.kind)
            parts = getattr(cls, "secret_parts", {})
            for key in inst.sensitive | set(getattr(cls, "sensitive", ())):
                if key in inst.values:
                    redact.secret_texts(redact.only_parts(json_or_none(inst.values[key]), parts.get(key)), out)
        return out

    # -- values of names -----------------------------------------------------------------------
    def binding_value(self, b, name: str, span: Span, deps: set[str]):
        self.symbols.refer(declaration(b)[1], span)
        t = type(b)
        if t is Loop:
            val = b.value
            for ref in refs_in(val):
                deps.add(ref)
            self.secret_reads += b.secret
            return val
        if t is Group:
            self.expand(b)
            if b.disabled:
                raise fail(f"'{b.base}' is not declared: its `if` condition is false", span,
                           labels=[Label(b.block.if_.span, "condition")])
            if b.replicated:
                return Replicated(self, b)  # dependencies are taken when instances are used
            inst = b.instances.get(None)
            if inst is None:
                raise fail(f"'{b.base}' could not be declared", span)
            if inst.module_scope is None:
                deps.add(inst.address)
            return self.ref_of(inst)
        if t is LetBinding:
            val = self._let_value(b, span)
            deps.update(b.deps)
            self.secret_reads += b.secret
            return val
        if t is ParamBinding:
            val = self._param_value(b, span)
            deps.update(b.deps)
            self.secret_reads += b.secret
            return val
        if t is RegionBinding:
            return RegionRef(self, b)
        if t is UseBinding:
            raise fail(f"'{name}' is a module: instantiate it as a block, {name} my_{name} {{ ... }}", span)
        raise fail(f"'{name}' cannot be used as a value", span)  # pragma: no cover

    def ref_of(self, inst: Instance):
        if inst.module_scope is not None or inst.group.use is not None:
            return ModuleRef(self, inst)
        return v.ResourceRef(inst.address, inst.kind)

    def _enter(self, what: str, span: Span | None, key=None):
        """`what` is how a cycle report names it; `key` what it is (default: the name), so a
        module's `param n` given its caller's `param n` is no cycle."""
        key = what if key is None else key
        if key in self.stack_keys:
            i = self.stack_keys.index(key)
            path = self.stack[i:] + [what]
            labels = [Label(s, f"'{n}' is used here") for n, s in zip(self.stack[i + 1:], self.stack_spans[i + 1:])
                      if s is not None]
            raise EvalError(error(f"dependency cycle: {' → '.join(path)}", span or self.stack_spans[i],
                                  labels=labels, help="break the loop: one of these must not depend on the other"))
        if len(self.stack) >= self.limits.chain:
            waiting = " needs ".join(f"'{n}'" for n in (self.stack[:2] if len(self.stack) > 2 else self.stack))
            raise EvalError(exceeded(self.limits, "chain", f"more than {self.limits.chain:,} names wait on each "
                                     f"other here: {waiting} needs … '{what}'", span))
        self.stack.append(what)
        self.stack_keys.append(key)
        self.stack_spans.append(span)
        self.deps_stack.append(set())
        if len(self.stack) > self._deepest[0] and span is not None:
            self._deepest = (len(self.stack), span)

    def deepest_span(self) -> Span | None:
        """Where the deepest evaluation so far was (the innermost statement with a place)."""
        return self._deepest[1]

    def _leave(self) -> set[str]:
        self.stack.pop()
        self.stack_keys.pop()
        self.stack_spans.pop()
        return self.deps_stack.pop()

    def _let_value(self, b: LetBinding, span: Span):
        if b.state is Cell.DONE:
            return b.value
        if b.state is Cell.FAILED:
            raise EvalError(None)  # already reported where it broke
        label = f"let {b.name}"
        self._enter(label, span, key=id(b))
        before = self.secret_reads
        try:
            b.value = self._eval(b.decl.value, EvalEnv(self, b.scope, self.current_deps()))
        except EvalError:
            b.state = Cell.FAILED
            raise
        finally:
            b.deps = self._leave()
            b.secret = self.secret_reads != before
        b.state = Cell.DONE
        return b.value

    def _param_value(self, b: ParamBinding, span: Span):
        if b.state is Cell.DONE:
            return b.value
        if b.state is Cell.FAILED:
            raise EvalError(None)  # reported where the value was given (or missing)
        label = f"param {b.name}"
        self._enter(label, span, key=id(b))
        before = self.secret_reads
        try:
            raw = self._eval(b.expr, EvalEnv(self, b.expr_scope, self.current_deps()))
        except EvalError:
            b.state = Cell.FAILED
            self._leave()
            raise
        b.deps = self._leave()
        b.secret = b.secret or self.secret_reads != before
        value, problem = conform(raw, b.decl.type, self.kind_names)
        if problem:
            b.state = Cell.FAILED
            if b.secret:  # the value is not quoted: the problem is shown where the param is declared
                raise fail(f"parameter '{b.name}' ({b.decl.type}, sensitive): the value given is not a "
                           f"{b.decl.type}", b.decl.name_span)
            raise fail(f"parameter '{b.name}' ({b.decl.type}): {problem}", b.expr.span,
                       labels=[Label(b.decl.name_span, "declared here")])
        b.value, b.state = value, Cell.DONE
        return value

    def module_output(self, inst: Instance, name: str, span: Span):
        ctx = inst.module_ctx
        if ctx is None:
            raise fail(f"module instance '{inst.address}' could not be built", span)
        out = ctx.outputs.get(name)
        if out is None:
            raise fail(f"module '{inst.group.use.alias}' has no output '{name}'", span,
                       help=did_you_mean(name, ctx.outputs) or f"its outputs: {', '.join(ctx.outputs) or 'none'}")
        self.symbols.refer(out.name_span, span)
        label = f"{inst.address}.{name}"
        self._enter(label, span)
        try:
            val = self._eval(out.value, EvalEnv(self, ctx.output_scope[name], self.current_deps()))
        finally:
            deps = self._leave()
        self.current_deps().update(deps)
        self.secret_reads += out.sensitive
        return val

    def attr(self, obj, name: str, span: Span, name_span: Span, deps: set[str]):
        if isinstance(obj, Namespace):
            return obj.get_attr(name, span, name_span)
        if isinstance(obj, v.ResourceRef):
            inst = self.by_address.get(obj.address)
            if inst is None:
                raise fail(f"'{obj.address}' is not a resource", span)
            deps.add(obj.address)
            if name in inst.children:
                child = inst.children[name]
                self.expand(child)
                return self.binding_value(child, name, name_span, deps)
            cls = self.kinds[inst.kind]
            field_name = field_for(cls, name)
            if field_name is not None:
                self.evaluate_instance(inst, span)
                if inst.model is None:
                    raise EvalError(None)  # its own errors are reported where they are
                key = cls.model_fields[field_name].alias or field_name
                if key in cls.sensitive or key in inst.sensitive:
                    self.secret_reads += 1
                return to_value(getattr(inst.model, field_name))
            if name in cls.exports:
                return v.Unknown(obj.address, name, cls.exports[name], inst.kind)
            candidates = list(cls.model_fields) + list(cls.exports) + list(inst.children)
            raise fail(f"{inst.kind} '{obj.address}' has no attribute '{name}'", name_span,
                       help=did_you_mean(name, candidates) or
                       f"it exports {', '.join(sorted(cls.exports))}")
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
            raise fail(f"no key '{name}' in this map", name_span, help=did_you_mean(name, obj))
        if isinstance(obj, v.Unknown):
            return v.Unknown(obj.address, f"{obj.attr}.{name}", "any", obj.kind)
        if isinstance(obj, v.Word):
            return v.Word(f"{obj.text}.{name}")
        raise fail(f"{v.type_name(obj)} has no attributes ('.{name}')", name_span)
