"""Resolution: parsed modules → the desired resource graph.

    desired, diagnostics = resolve("examples/ha_web.arch", params={"env": "staging"})

Steps, in order: load the root file and every module it `use`s; declare names in scopes
(file → region → block), reporting duplicates; expand `for` and `if` into instances with
stable addresses (keys are the iterated values, never positions); evaluate each resource's
attributes lazily (a resource is evaluated when first needed, so `cidrsubnet(main.cidr, 8, 1)`
works in any order and a reference loop is reported with its whole path); validate each
against its catalogue kind; then run each kind's checks and the cross-resource rules.
Every problem is collected; nothing raises to the caller.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from archform.stdlib import catalogue

from . import ast, redact
from . import values as v
from .build import Building
from .check import SpanIndex
from .declare import Declaring
from .desired import Desired, KindFacts, Moved, Resource, moved_to
from .diagnostics import Diagnostic, Label, Span, error, sort_diagnostics
from .evaluate import EvalError
from .expand import Expanding
from .limits import Meter
from .lookup import Lookup
from .modules import Loader, default_cache_dir
from .policy import Policy
from .resolve_values import plain
from .scopes import Cell, EvalEnv, Group, Instance, LetBinding, ModuleCtx, ParamBinding, Scope
from .suggest import did_you_mean
from .symbols import SymbolTable
from .typesys import type_problems


class Resolver(Declaring, Expanding, Lookup, Building, Policy):
    """One resolution: the passes share the symbol table and the diagnostics gathered so far."""

    def __init__(self, loader: Loader, params: dict[str, str] | None = None):
        self.loader = loader
        self.raw_params = dict(params or {})
        self.diags = []
        self.groups: list[Group] = []
        self.lets: list[LetBinding] = []
        self.limits = loader.limits
        self.meter = Meter(self.limits)  # steps taken and values made (limits.py)
        self.root_dir = Path(".")  # the folder a configuration may read (with the library and --allow-path)
        self.by_address: dict[str, Instance] = {}
        self.resources: list[Instance] = []
        self.kinds = catalogue.LAZY
        self.kind_names = set(self.kinds)
        self.stack: list[str] = []  # addresses and names being evaluated, for cycle reports
        self.stack_keys: list = []  # what each is: a let or param binding itself (two modules' `n` differ)
        self.stack_spans: list[Span | None] = []
        self._deepest: tuple[int, Span | None] = (0, None)
        self.deps_stack: list[set[str]] = [set()]
        self.moved: list[Moved] = []
        self.files: list[str] = []
        self.module_cache: dict[Path, ModuleCtx | None] = {}
        self.loading: list[Path] = []
        self.root_ctx: ModuleCtx | None = None
        self.root_scope: Scope | None = None
        self.params_out: dict = {}
        # Secrets are followed statically: every read of a secret (a sensitive param, a let or
        # loop value made from one, a sensitive attribute or output) advances this count, so an
        # expression whose evaluation moved it made its value from a secret.
        self.secret_reads = 0
        self.sensitive_outputs: set[str] = set()
        self.symbols = SymbolTable()  # what is declared where, and its uses: kept after dispose()
        self.checks = []  # the `check` blocks declared (dsl/policy.py)
        self.check_failures = []  # and those that failed
        self.module_of_scope: dict[int, Instance] = {}  # a module instance's top scope → the instance
        self.region_spans: dict = {}  # region name -> its first block's `region "..." as alias` (account-level findings)

    def _made_first(self) -> dict:
        """(region, kind) -> the resources made before every resource of that kind in that
        region though none refers to them (`Kind.orders_before`: a quota increase before what
        counts against it)."""
        out: dict = {}
        for inst in self.resources:
            if inst.model is None:
                continue
            for kind in inst.model.orders_before():
                out.setdefault((inst.scope.region, kind), set()).add(inst.address)
        return out

    def callers_of(self, inst: Instance) -> tuple:
        """The module instances `inst` is declared in, innermost first: (address, the span of the
        block that uses the module) — where a mistake inside a module may be fixed."""
        chain, scope = [], inst.group.scope
        for _ in range(len(self.module_of_scope)):
            while scope.parent is not None:
                scope = scope.parent
            outer = self.module_of_scope.get(id(scope))
            if outer is None:
                break
            chain.append((outer.address, outer.group.block.header_span))
            scope = outer.group.scope
        return tuple(chain)

    def _check_moved(self):
        """Each `moved` statement ends (its chain followed) at what this configuration declares —
        a resource, a module instance or a `for` collection — and moves away from what it no
        longer declares: else the plan would refuse it, or make it again and destroy it."""
        declared = set(self.by_address)
        groups = {g.base for g in self.groups} | {i.address for g in self.groups for i in g.instances.values()}
        for m in self.moved:
            if m.from_ in declared or m.from_ in groups:
                self.diags.append(error(f"cannot move '{m.from_}': it is still declared", m.span,
                                        help=f"remove or rename its block: moved records what '{m.from_}' "
                                             f"became ({m.to})"))
                continue
            final = moved_to(m.to, self.moved)
            if final != m.to or final in declared or final in groups:
                continue  # a chain is reported once, at the statement that ends it
            hint = did_you_mean(final, declared | groups)
            self.diags.append(error(f"moved target '{final}' is not declared", m.span,
                                    help=hint or "the address after -> must name a resource, a module instance "
                                                 "or a `for` collection of this configuration"))

    def span_index(self) -> SpanIndex:
        """Where each resource's attributes were written (for the checks)."""
        callers = {}
        if self.module_of_scope:
            for a, inst in self.by_address.items():
                chain = self.callers_of(inst)
                if chain:
                    callers[a] = chain
        return SpanIndex({a: inst.spans for a, inst in self.by_address.items()},
                         {a: inst.group.block.header_span for a, inst in self.by_address.items()}, self.symbols,
                         [f.scrubbed(self.secrets()) for f in self.check_failures], callers,
                         dict(self.region_spans))

    def dispose(self):
        """Break the reference cycles of a finished resolution (groups and their instances,
        scopes and the bindings that point back at them) so that reference counting frees
        it all, AST included, the moment the caller lets go: the command line runs without
        the cycle collector (planner/cli/__init__.py), and a full collection of 50,000 resources'
        worth of objects costs more than a second."""
        scopes = {id(self.root_scope): self.root_scope} if self.root_scope is not None else {}
        for g in self.groups:
            scopes[id(g.scope)] = g.scope
            g.instances = g.parent = g.use = g.scope = None
        for inst in self.resources:
            for sc in (inst.scope, inst.module_scope):
                if sc is not None:
                    scopes[id(sc)] = sc
            inst.group = inst.scope = inst.module_scope = inst.module_ctx = inst.children = None
        for b in self.lets:
            if b.scope is not None:
                scopes[id(b.scope)] = b.scope
            b.scope = None
        seen = set()
        for sc in list(scopes.values()):
            while sc is not None and id(sc) not in seen:
                seen.add(id(sc))
                sc.names = {}
                sc.spans = {}
                parent = sc.parent
                sc.parent = sc.module = None
                sc = parent
        for ctx in self.module_cache.values():
            if ctx is not None:
                ctx.uses = {}
                ctx.output_scope = {}
        self.groups, self.lets, self.resources, self.by_address = [], [], [], {}
        self.checks = []
        self.module_cache, self.root_ctx, self.root_scope = {}, None, None

    # -- the whole run -------------------------------------------------------------------------
    def run(self, path: Path) -> Desired | None:
        if self.loader.limits_problem:
            self.diags.append(error(self.loader.limits_problem,
                                    help='ARCHFORM_LIMITS is name=value,... e.g. "string=4MiB,steps=50000000"'))
            return None
        self.root_dir = Path(path).parent
        ctx = self.load_module(path)
        if ctx is None:
            return None
        self.root_ctx = ctx
        root = Scope(None, module=ctx)
        self.root_scope = root
        self._bind_root_params(ctx, root)
        self.declare_module(ctx, root, in_region=False)
        i = 0
        while i < len(self.groups):
            self.expand(self.groups[i])
            i += 1
        for inst in list(self.resources):
            try:
                self.evaluate_instance(inst)
            except EvalError as e:
                self.diags.append(e.diagnostic)
                inst.state = Cell.DONE
                inst.broken = True
        for b in self.lets:  # a let nobody uses is still checked
            if b.state is Cell.NEW:
                try:
                    self._let_value(b, b.decl.name_span)
                except EvalError as e:
                    self.diags.append(e.diagnostic)
        self.run_policy()
        outputs = self._outputs(ctx)
        resources = {}
        first = self._made_first()
        for inst in self.resources:
            if inst.model is None:
                continue
            dumped = inst.model.model_dump(mode="json", by_alias=True)
            dumped.pop("kind", None)
            deps = tuple(sorted({d for d in inst.deps if d in self.by_address and d != inst.address}
                                | first.get((inst.scope.region, inst.kind), set())))
            resources[inst.address] = Resource(
                address=inst.address, kind=inst.kind, name=inst.group.name, key=inst.key,
                region=inst.scope.region, attrs=dumped, deps=deps, lifecycle=inst.lifecycle,
                span=inst.group.block.header_span, model=inst.model, written=frozenset(inst.written),
                sensitive=frozenset(n for n in inst.sensitive if n in dumped))
        self._check_dependency_cycles(resources)
        self._check_moved()
        digest = hashlib.sha256()
        for f in sorted(self.files):
            digest.update(f.encode())
        for ctx_ in self.module_cache.values():
            if ctx_ is not None:
                digest.update(ctx_.module.source_hash.encode())
        models = {kind: self.kinds.get(kind) for kind in sorted({r.kind for r in resources.values()})}
        facts = {kind: KindFacts.of(model) for kind, model in models.items() if model is not None}
        return Desired(resources=resources, outputs=outputs, moved=tuple(self.moved),
                       params=self.params_out, files=tuple(sorted(set(self.files))),
                       source_hash=digest.hexdigest(), kinds=facts,
                       sensitive_outputs=frozenset(self.sensitive_outputs),
                       sensitive_params=frozenset(p.name for p in ctx.module.items
                                                  if type(p) is ast.Param and p.sensitive))

    def _bind_root_params(self, ctx: ModuleCtx, root: Scope):
        from .parser import NestingError, ParseError, _drive
        from .transform import Builder
        from .diagnostics import Source
        decls = {p.name: p for p in ctx.module.items if type(p) is ast.Param}
        for name in self.raw_params:
            if name not in decls:
                self.diags.append(error(f"--param {name}: the configuration declares no parameter '{name}'",
                                        help=did_you_mean(name, decls) or
                                        f"its parameters: {', '.join(decls) or 'none'}"))
        for name, decl in decls.items():
            for problem, where in type_problems(decl.type, self.kind_names):
                self.diags.append(error(problem, where.span))
            if name in self.raw_params:
                text = self.raw_params[name]
                source = Source(f"--param {name}", text, quote=not decl.sensitive)
                try:
                    expr = _drive(source, "expr", 0, len(text), Builder(source, lambda *a: None, self.limits.nesting))
                except (ParseError, NestingError):
                    expr = ast.Str((text,), Span(source, 0, len(text)), text)
                if decl.type.name == "string" and type(expr) is not ast.Str:
                    expr = ast.Str((text,), Span(source, 0, len(text)), text)
                b = ParamBinding(name, decl, expr, root)
            elif decl.default is not None:
                b = ParamBinding(name, decl, decl.default, root)
            else:
                self.diags.append(error(f"parameter '{name}' has no default and no value was given",
                                        decl.name_span, help=f"pass it: --param {name}=<{decl.type}>"))
                # bound, failed: a use of it says nothing more (it read as the bare word `name`,
                # a value made of the parameter's name, and its checks failed on that)
                self._bind(root, name, ParamBinding(name, decl, None, root, state=Cell.FAILED), decl.name_span)
                continue
            self._bind(root, name, b, decl.name_span)
            try:
                self.params_out[name] = v.to_json(self._param_value(b, decl.name_span))
            except EvalError as e:
                self.diags.append(e.diagnostic)

    def _outputs(self, ctx: ModuleCtx) -> dict:
        out = {}
        for name, decl in ctx.outputs.items():
            try:
                self._enter(f"output {name}", decl.name_span)
                before = self.secret_reads
                try:
                    val = self._eval(decl.value, EvalEnv(self, ctx.output_scope[name], self.current_deps()))
                finally:
                    self._leave()
                if decl.sensitive or self.secret_reads != before:
                    self.sensitive_outputs.add(name)
                out[name] = v.to_json(plain(val))
            except EvalError as e:
                self.diags.append(e.diagnostic)
            except TypeError:
                self.diags.append(error(f"output '{name}' is not a value that can be shown", decl.value.span))
        return out

    def _check_dependency_cycles(self, resources: dict[str, Resource]):
        """References are not evaluated, so `a.x = b` and `b.y = a` loop only here."""
        WHITE, GREY, BLACK = 0, 1, 2
        colour = {a: WHITE for a in resources}
        reported = set()
        for start in resources:
            if colour[start] != WHITE:
                continue
            stack = [(start, iter(resources[start].deps))]
            path = [start]
            colour[start] = GREY
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    colour[node] = BLACK
                    stack.pop()
                    path.pop()
                    continue
                if nxt not in resources:
                    continue
                if colour[nxt] == GREY:
                    cycle = path[path.index(nxt):] + [nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        labels = [Label(span, f"'{a}' depends on '{b}'") for a, b in zip(cycle[1:-1], cycle[2:])
                                  if (span := resources[a].span) is not None]
                        self.diags.append(error(f"dependency cycle: {' → '.join(cycle)}", resources[cycle[0]].span,
                                                labels=labels,
                                                help="break the loop: one of these references must go"))
                elif colour[nxt] == WHITE:
                    colour[nxt] = GREY
                    path.append(nxt)
                    stack.append((nxt, iter(resources[nxt].deps)))


def resolve_text(text: str, file: str = "main.arch", params: dict[str, str] | None = None,
                 modules: dict[str, str] | None = None) -> tuple[Desired | None, list[Diagnostic]]:
    """Resolve source held in memory (`modules` maps further paths to their text)."""
    sources = dict(modules or {})
    sources[file] = text
    return resolve(file, params, loader=Loader(None, sources))


def resolve(path: str | Path, params: dict[str, str] | None = None, loader: Loader | None = None,
            check: bool = True, allow=()) -> tuple[Desired | None, list[Diagnostic]]:
    """Resolve (and check) the architecture rooted at `path`. Never raises for user mistakes.
    `allow`: folders it may read besides its own and archform's library (when no `loader` is
    given). (`resolved_cache.resolve_reusing` reuses a result while its inputs are unchanged.)"""
    from .stack import call_deep
    loader = loader or Loader(default_cache_dir(), allow=allow)
    return call_deep(_resolve, path, params, loader, check)


def resolve_with_spans(path: str | Path, params: dict[str, str] | None = None, allow=()):
    """`resolve`, and where each resource's attributes were written (a SpanIndex, None when
    resolution failed): for commands that point at the rules they quote (`archform reach`)."""
    from .stack import call_deep
    found: list = []
    desired, diags = call_deep(_resolve, path, params, Loader(default_cache_dir(), allow=allow), True, found)
    return desired, diags, (found[0] if found else None)


def resolve_symbols(path: str | Path, params: dict[str, str] | None = None, allow=()):
    """The symbol table of the configuration rooted at `path` (dsl/symbols.py) and its
    diagnostics: kept even when the configuration has errors, as far as it could be bound."""
    from .stack import call_deep
    found: list = []
    _, diags = call_deep(_resolve, path, params, Loader(default_cache_dir(), allow=allow), False, None, found)
    return found[0], diags


def _resolve(path, params, loader: Loader, check: bool, spans: list | None = None, symbols: list | None = None):
    from . import collector
    from .check import run_checks
    r = Resolver(loader, params)
    desired = None
    try:
        with collector.paused():
            try:
                desired = r.run(Path(path))
                diags = [d for d in r.diags if d is not None]
                if desired is not None and check:
                    diags = diags + run_checks(desired, r.span_index())
                if desired is not None and spans is not None:
                    spans.append(r.span_index())
                diags = redact.scrub(diags, r.secrets())
            except RecursionError:  # the limits keep well inside the stack; this is the last guard
                desired, diags = None, [d for d in r.diags if d is not None] + [error(
                    "this configuration nests too deeply to evaluate", r.deepest_span(),
                    help="name inner parts with `let`s, and declare what is used before what uses it")]
    finally:
        r.meter.forget()
        if symbols is not None:
            from .references import record_references
            record_references(r)  # the uses evaluation did not reach (a module output nobody reads)
            symbols.append(r.symbols)
        r.dispose()
    return desired, sort_diagnostics(diags)
