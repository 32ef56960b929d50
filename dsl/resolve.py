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

import functools
import hashlib
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ValidationError

from archform.stdlib import catalogue
from archform.stdlib.regions import REGIONS

from . import ast, redact
from . import values as v
from .desired import Desired, KindFacts, Lifecycle, Moved, Resource
from .diagnostics import Diagnostic, Label, Span, error, sort_diagnostics, warning
from .evaluate import EvalError, Namespace, evaluate, fail
from .functions import FunctionError
from .limits import Meter, exceeded
from .modules import Loader, ReadProblem, default_cache_dir
from .suggest import did_you_mean
from .typesys import conform, type_problems

META_ATTRS = {"depends_on"}
META_BLOCKS = {"lifecycle"}
RESERVED_NAMES = {"region", "true", "false", "null"}


# --- scopes and what names mean --------------------------------------------------------------

class Scope:
    """Names visible at one level: a file, a region block, a loop."""

    __slots__ = ("names", "parent", "region", "region_alias", "prefix", "module", "spans")

    def __init__(self, parent: "Scope | None", *, region=None, region_alias=None, prefix="", module=None):
        self.names: dict[str, object] = {}
        self.spans: dict[str, Span] = {}
        self.parent = parent
        self.region = region if region is not None or parent is None else parent.region
        self.region_alias = region_alias if region_alias is not None or parent is None else parent.region_alias
        self.prefix = prefix
        self.module = module if module is not None or parent is None else parent.module

    def find(self, name: str):
        s = self
        while s is not None:
            b = s.names.get(name)
            if b is not None:
                return b
            s = s.parent
        return None

    def visible(self) -> set[str]:
        out: set[str] = set()
        s = self
        while s is not None:
            out.update(s.names)
            s = s.parent
        return out


@dataclass
class ModuleCtx:
    """One instance of a module file: its AST, the `use` aliases it declared, its outputs."""

    module: ast.Module
    path: Path
    uses: dict[str, "ModuleCtx | None"] = field(default_factory=dict)
    outputs: dict[str, ast.Output] = field(default_factory=dict)
    output_scope: dict[str, Scope] = field(default_factory=dict)


class ParamBinding:
    __slots__ = ("name", "decl", "value", "state", "expr", "expr_scope", "deps", "secret")

    def __init__(self, name, decl, expr=None, expr_scope=None, value=None, state=0):
        self.name, self.decl, self.expr, self.expr_scope = name, decl, expr, expr_scope
        self.value, self.state, self.deps = value, state, set()
        self.secret = decl.sensitive  # declared sensitive, or given a value made from a secret


class LetBinding:
    __slots__ = ("name", "decl", "scope", "value", "state", "deps", "secret")

    def __init__(self, decl: ast.Let, scope: Scope):
        self.name, self.decl, self.scope = decl.name, decl, scope
        self.value, self.state, self.deps = None, 0, set()
        self.secret = False  # its value was made from a secret


class Loop:
    __slots__ = ("value", "secret")

    def __init__(self, value, secret=False):
        self.value, self.secret = value, secret


class UseBinding:
    __slots__ = ("alias", "ctx", "decl")

    def __init__(self, alias, ctx, decl):
        self.alias, self.ctx, self.decl = alias, ctx, decl


class RegionBinding:
    __slots__ = ("alias", "scope", "decl")

    def __init__(self, alias, scope, decl):
        self.alias, self.scope, self.decl = alias, scope, decl


class Group:
    """One block that declares resources (or module instances): expanded into instances."""

    __slots__ = ("block", "scope", "kind", "use", "name", "base", "state", "instances", "parent", "disabled")

    def __init__(self, block: ast.Block, scope: Scope, kind: str | None, use: UseBinding | None, base: str,
                 parent: "Instance | None" = None):
        self.block, self.scope, self.kind, self.use = block, scope, kind, use
        self.name = block.label
        self.base = base  # the address without a key
        self.state = 0
        self.instances: dict[str | None, Instance] = {}
        self.parent = parent
        self.disabled = False

    @property
    def replicated(self) -> bool:
        return self.block.for_ is not None


class Instance:
    __slots__ = ("address", "group", "key", "scope", "state", "model", "attrs", "deps", "spans", "broken",
                 "lifecycle", "children", "module_scope", "module_ctx", "written", "values", "sensitive")

    def __init__(self, address, group, key, scope):
        self.address, self.group, self.key, self.scope = address, group, key, scope
        self.state = 0
        self.model = None
        self.attrs: dict = {}
        self.values: dict = {}
        self.deps: set[str] = set()
        self.spans: dict[tuple, Span] = {}
        self.broken = False
        self.lifecycle = Lifecycle()
        self.children: dict[str, Group] = {}
        self.module_scope: Scope | None = None
        self.module_ctx: ModuleCtx | None = None
        self.written: set[str] = set()
        self.sensitive: set[str] = set()  # attributes made from a secret

    @property
    def kind(self):
        return self.group.kind


# --- values that stand for declarations --------------------------------------------------------

class Replicated(Namespace):
    """A `for`-expanded resource or module referenced without a key: its instances by key."""

    def __init__(self, resolver: "Resolver", group: Group):
        self.resolver, self.group = resolver, group

    def _items(self):
        return [(k, self.resolver.ref_of(inst)) for k, inst in self.group.instances.items()]

    def describe(self):
        return f"'{self.group.base}' (one per key)"

    def get_index(self, key, span):
        if isinstance(key, v.Word):
            key = key.text
        if isinstance(key, Fraction):
            key = str(v.normalize_number(key))
        if not isinstance(key, str):
            raise fail(f"'{self.group.base}' is indexed by its keys (strings), got {v.type_name(key)}", span)
        inst = self.group.instances.get(key)
        if inst is None:
            keys = [k for k in self.group.instances]
            raise fail(f"'{self.group.base}' has no instance with key '{key}'", span,
                       help=did_you_mean(key, keys) or f"keys: {', '.join(keys) or 'none'}")
        if inst.module_scope is None:
            self.resolver.current_deps().add(inst.address)
        return self.resolver.ref_of(inst)

    def get_attr(self, name, span, name_span):
        keys = list(self.group.instances)
        example = keys[0] if keys else "key"
        raise fail(f"'{self.group.base}' is replicated, so it has no single '{name}'", span,
                   help=f"pick one instance, {self.group.name}[\"{example}\"].{name}, or all: {self.group.name}[*].{name}")

    def _use_all(self):
        deps = self.resolver.current_deps()
        for inst in self.group.instances.values():
            if inst.module_scope is None:
                deps.add(inst.address)

    def as_list(self):
        self._use_all()
        return [ref for _, ref in self._items()]

    def as_map(self):
        self._use_all()
        return dict(self._items())


class ModuleRef(Namespace):
    def __init__(self, resolver: "Resolver", inst: Instance):
        self.resolver, self.inst = resolver, inst

    def describe(self):
        return f"module instance '{self.inst.address}'"

    def get_attr(self, name, span, name_span):
        return self.resolver.module_output(self.inst, name, name_span)


class RegionRef(Namespace):
    def __init__(self, resolver: "Resolver", binding: RegionBinding):
        self.resolver, self.binding = resolver, binding

    def describe(self):
        return f"region scope '{self.binding.alias}'"

    def get_attr(self, name, span, name_span):
        if name == "name":
            return self.binding.scope.region
        b = self.binding.scope.names.get(name)
        if b is None:
            raise fail(f"region '{self.binding.alias}' declares no '{name}'", name_span,
                       help=did_you_mean(name, self.binding.scope.names))
        return self.resolver.binding_value(b, name, name_span, self.resolver.current_deps())


# --- evaluation environment ------------------------------------------------------------------

class EvalEnv:
    """What `evaluate` sees: a scope, where to record dependencies, and the meter that holds the
    evaluation to its limits."""

    __slots__ = ("resolver", "scope", "deps", "meter")

    def __init__(self, resolver: "Resolver", scope: Scope, deps: set[str]):
        self.resolver, self.scope, self.deps = resolver, scope, deps
        self.meter = resolver.meter

    @property
    def region(self):
        return self.scope.region

    def is_bound(self, name: str) -> bool:
        return self.scope.find(name) is not None or (name == "region" and self.scope.region is not None)

    def lookup(self, name, span):
        b = self.scope.find(name)
        if b is None:
            if name == "region" and self.scope.region is not None:
                return self.scope.region
            return v.Word(name)
        return self.resolver.binding_value(b, name, span, self.deps)

    def attr(self, obj, name, span, name_span):
        return self.resolver.attr(obj, name, span, name_span, self.deps)

    def index(self, obj, key, span):  # pragma: no cover - evaluate handles indexing
        raise NotImplementedError

    def child(self, names: dict) -> "EvalEnv":
        s = Scope(self.scope)
        for k, val in names.items():
            s.names[k] = Loop(val)
        return EvalEnv(self.resolver, s, self.deps)

    def secret_mark(self) -> int:
        return self.resolver.secret_reads

    def secret_forget(self, mark: int) -> None:
        self.resolver.secret_reads = mark

    def read_file(self, path: str) -> str:
        base = self.scope.module.path.parent if self.scope.module else Path(".")
        return self.resolver.read_file(base / path, path)


# --- the resolver ----------------------------------------------------------------------------

class Resolver:
    def __init__(self, loader: Loader, params: dict[str, str] | None = None):
        self.loader = loader
        self.raw_params = dict(params or {})
        self.diags: list[Diagnostic] = []
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
            if b.secret and b.state == 2:
                redact.secret_texts(_json_or_none(b.value), out)
        for inst in self.resources:
            cls = self.kinds.get(inst.kind)
            for key in inst.sensitive | set(getattr(cls, "sensitive", ())):
                if key in inst.values:
                    redact.secret_texts(_json_or_none(inst.values[key]), out)
        return out

    # -- loading ---------------------------------------------------------------------------
    def load_module(self, path: Path, use_span: Span | None = None) -> ModuleCtx | None:
        key = path.resolve() if str(path) not in self.loader.sources else path
        if key in self.module_cache:
            return self.module_cache[key]
        if key in self.loading:
            cycle = [self.loader.display_name(p) for p in self.loading[self.loading.index(key):]] + [
                self.loader.display_name(key)]
            self.diags.append(error(f"modules use each other in a loop: {' → '.join(cycle)}", use_span,
                                    help="a module cannot use itself, directly or through others"))
            return None
        module, diags = self.loader.load(path)
        self.diags.extend(diags)
        if module is None:
            self.module_cache[key] = None
            return None
        self.files.append(module.file)
        ctx = ModuleCtx(module, path)
        self.loading.append(key)
        for item in module.items:
            if isinstance(item, ast.Use):
                target = self.loader.find(item.path, path)
                if target is None:
                    self.diags.append(error(f"module '{item.path}' not found", item.path_span,
                                            help=self._use_hint(item.path, path)))
                    ctx.uses[item.alias] = None
                    continue
                if not self.loader.may_read(target, self.root_dir):
                    self.diags.append(error(f"module '{item.path}' is outside the configuration's folder",
                                            item.path_span, help=self._outside_hint()))
                    ctx.uses[item.alias] = None
                    continue
                ctx.uses[item.alias] = self.load_module(target, item.path_span)
        self.loading.pop()
        self.module_cache[key] = ctx
        return ctx

    def read_file(self, path: Path, written: str) -> str:
        """What `file("written")` reads (`path`, from the file that calls it), within the
        folders a configuration may read and the file limit."""
        if not self.loader.may_read(path, self.root_dir):
            raise FunctionError(f"file(): '{written}' is outside the configuration's folder", 0,
                                help=self._outside_hint())
        try:
            return self.loader.read_bounded(path, self.limits.file, "file")
        except ReadProblem as e:
            raise FunctionError(f"file(): cannot read '{written}': {e}", 0,
                                help=f'if the file is meant to be this large: ARCHFORM_LIMITS="file={self.limits.file * 4}"'
                                if e.over_limit else "")

    def _outside_hint(self) -> str:
        folder = self.loader.display_name(self.root_dir) or "."
        return (f"a configuration reads files in its own folder ({folder}) and archform's library; "
                "allow another folder with --allow-path DIR")

    def _use_hint(self, spec: str, from_file: Path) -> str:
        from .modules import STDLIB_DIR, STDLIB_PREFIX
        if spec.startswith(STDLIB_PREFIX):
            names = [STDLIB_PREFIX + p.relative_to(STDLIB_DIR).with_suffix("").as_posix()
                     for p in STDLIB_DIR.rglob("*.arch")]
            return did_you_mean(spec, names, quote='"') or "stdlib modules: " + ", ".join(sorted(names))
        try:
            named = Path(from_file).parent / spec
            if named.suffix != ".arch" and named.is_file():
                return "a module is an .arch file"
        except (OSError, ValueError):
            pass
        return f"paths are relative to {self.loader.display_name(Path(from_file).parent) or '.'}"

    # -- declaring --------------------------------------------------------------------------
    def declare_module(self, ctx: ModuleCtx, scope: Scope, in_region: bool):
        for item in ctx.module.items:
            t = type(item)
            if t is ast.Use:
                self._bind(scope, item.alias, UseBinding(item.alias, ctx.uses.get(item.alias), item), item.alias_span)
            elif t is ast.Param:
                continue  # bound by the caller
            elif t is ast.Let:
                self._declare_let(item, scope)
            elif t is ast.Output:
                if item.name in ctx.outputs:
                    self._duplicate("output", item.name, item.name_span, ctx.outputs[item.name].name_span)
                else:
                    ctx.outputs[item.name] = item
                    ctx.output_scope[item.name] = scope
            elif t is ast.Region:
                if in_region:
                    self.diags.append(error("a module used inside a region cannot declare regions", item.span,
                                            help="use this module at the top level of a file instead"))
                    continue
                self.declare_region(item, ctx, scope)
            elif t is ast.Moved:
                if scope is self.root_scope:
                    self.moved.append(Moved(self._address_of(item.from_), self._address_of(item.to), item.span))
                else:
                    self.diags.append(error("`moved` belongs in the root file, not in a module", item.span))
            elif t is ast.Block:
                self.declare_block(item, scope, None)

    def _declare_let(self, item: ast.Let, scope: Scope):
        b = LetBinding(item, scope)
        if self._bind(scope, item.name, b, item.name_span):
            self.lets.append(b)

    def declare_region(self, item: ast.Region, ctx: ModuleCtx, scope: Scope):
        env = EvalEnv(self, scope, set())
        try:
            name = self._eval(item.name, env)
        except EvalError as e:
            self.diags.append(e.diagnostic)
            return
        if isinstance(name, v.Word):
            name = name.text
        if not isinstance(name, str):
            self.diags.append(error(f"a region is named by a string, got {v.type_name(name)}", item.name.span))
            return
        if name not in REGIONS:
            self.diags.append(error(f"unknown region '{name}'", item.name.span,
                                    help=did_you_mean(name, REGIONS, quote='"') or "see `archform regions`"))
        prefix = scope.prefix + item.alias + "."
        rscope = Scope(scope, region=name, region_alias=item.alias, prefix=prefix)
        self._bind(scope, item.alias, RegionBinding(item.alias, rscope, item), item.alias_span)
        for sub in item.body:
            if type(sub) is ast.Let:
                self._declare_let(sub, rscope)
            elif type(sub) is ast.Output:
                oname = item.alias + "." + sub.name
                if oname in ctx.outputs:
                    self._duplicate("output", oname, sub.name_span, ctx.outputs[oname].name_span)
                else:
                    ctx.outputs[oname] = sub
                    ctx.output_scope[oname] = rscope
            elif type(sub) is ast.Block:
                self.declare_block(sub, rscope, None)

    def declare_block(self, block: ast.Block, scope: Scope, parent: Instance | None, kind: str | None = None):
        if block.label is None:
            what = block.type
            known = what in self.kinds or isinstance(scope.find(what), UseBinding)
            self.diags.append(error(f"'{what}' needs a name: {what} <name> {{ ... }}", block.type_span,
                                    help="the name makes its address, e.g. primary.main" if known
                                    else self._kind_hint(what, scope)))
            return None
        if block.label_quoted:
            self.diags.append(error("a resource name is a bare identifier, not a string", block.label_span,
                                    help="names become addresses: use letters, digits, _ and -"))
            return None
        use = None
        if kind is None:
            b = scope.find(block.type)
            if isinstance(b, UseBinding):
                use = b
            elif block.type in self.kinds:
                kind = block.type
            else:
                self.diags.append(error(f"unknown resource kind '{block.type}'", block.type_span,
                                        help=self._kind_hint(block.type, scope)))
                return None
        if kind is not None and self.kinds[kind].scope == "regional" and scope.region is None:
            self.diags.append(error(
                f"{kind} is a regional resource: declare it inside a region block", block.header_span,
                help=f'region "us-east-1" as primary {{ {kind} {block.label} {{ ... }} }}'))
            return None
        base = (parent.address + "." if parent is not None else scope.prefix) + block.label
        group = Group(block, scope, kind, use, base, parent)
        if parent is not None:
            if block.label in parent.children:
                self._duplicate("name", block.label, block.label_span, parent.children[block.label].block.label_span)
                return None
            parent.children[block.label] = group
        else:
            if block.label in RESERVED_NAMES:
                self.diags.append(error(f"'{block.label}' is reserved and cannot name a resource", block.label_span))
                return None
            if not self._bind(scope, block.label, group, block.label_span):
                return None
        self.groups.append(group)
        return group

    def _kind_hint(self, name: str, scope: Scope) -> str:
        uses = [n for n in scope.visible() if isinstance(scope.find(n), UseBinding)]
        return did_you_mean(name, list(self.kinds) + uses) or "run `archform kinds` for the list of kinds"

    def _bind(self, scope: Scope, name: str, binding, span: Span) -> bool:
        prior = scope.names.get(name)
        if prior is not None:
            self._duplicate("name", name, span, scope.spans.get(name))
            return False
        scope.names[name] = binding
        scope.spans[name] = span
        return True

    def _duplicate(self, what, name, span, first: Span | None):
        labels = [Label(first, "first declared here")] if first is not None else []
        self.diags.append(error(f"{what} '{name}' is declared twice in the same scope", span, labels=labels,
                                help="names in one scope must be unique: rename one of them"))

    def _address_of(self, expr) -> str:
        """The address a `moved` endpoint names (`primary.web`, `primary.net.private["a"]`)."""
        t = type(expr)
        if t is ast.Var:
            return expr.name
        if t is ast.GetAttr:
            return self._address_of(expr.obj) + "." + expr.name
        if t is ast.Index:
            key = expr.key
            if type(key) is ast.Str and all(isinstance(p, str) for p in key.parts):
                return self._address_of(expr.obj) + f"[{format_key(''.join(key.parts))}]"
            if type(key) is ast.Var:
                return self._address_of(expr.obj) + f"[{format_key(key.name)}]"
            if type(key) is ast.Literal:
                if key.value is v.INVALID:
                    return "?"  # the broken literal is reported where it is written
                return self._address_of(expr.obj) + f"[{format_key(str(v.to_json(key.value)))}]"
        self.diags.append(error("`moved` takes resource addresses: moved old_name -> new_name", expr.span))
        return "?"

    # -- expanding for/if into instances ------------------------------------------------------
    def expand(self, group: Group):
        if group.state == 2:
            return
        if group.state == 1:
            raise fail(f"'{group.base}' is used to decide its own replication (a loop through `for` or `if`)",
                       group.block.header_span)
        group.state = 1
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
                    for k, val in loop.items():
                        iscope.names[k] = Loop(val, secret)
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
        group.state = 2

    def _iterate(self, clause: ast.ForClause, scope: Scope) -> list[tuple[str, dict]]:
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
            if name in given:
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
                mscope.names[name] = ParamBinding(name, decl, state=3)  # uses stay silent
        self.declare_module(inst.module_ctx, mscope, in_region=group.scope.region is not None)

    def _declare_children(self, inst: Instance):
        cls = self.kinds[inst.kind]
        if not cls.children:
            return
        for b in inst.group.block.body:
            if type(b) is ast.Block and b.type in cls.children:
                self.declare_block(b, inst.scope, inst, kind=cls.children[b.type])

    # -- values of names -----------------------------------------------------------------------
    def binding_value(self, b, name: str, span: Span, deps: set[str]):
        t = type(b)
        if t is Loop:
            val = b.value
            for ref in _refs_in(val):
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

    def _enter(self, what: str, span: Span | None):
        if what in self.stack:
            i = self.stack.index(what)
            path = self.stack[i:] + [what]
            labels = [Label(s, f"'{n}' is used here") for n, s in zip(self.stack[i + 1:], self.stack_spans[i + 1:])
                      if s is not None]
            raise EvalError(error(f"dependency cycle: {' → '.join(path)}", span or self.stack_spans[i],
                                  labels=labels, help="break the loop: one of these must not depend on the other"))
        if len(self.stack) >= self.limits.chain:
            path = " needs ".join(f"'{n}'" for n in (self.stack[:2] if len(self.stack) > 2 else self.stack))
            raise EvalError(exceeded(self.limits, "chain", f"more than {self.limits.chain:,} names wait on each "
                                     f"other here: {path} needs … '{what}'", span))
        self.stack.append(what)
        self.stack_spans.append(span)
        self.deps_stack.append(set())
        if len(self.stack) > self._deepest[0] and span is not None:
            self._deepest = (len(self.stack), span)

    def deepest_span(self) -> Span | None:
        """Where the deepest evaluation so far was (the innermost statement with a place)."""
        return self._deepest[1]

    def _leave(self) -> set[str]:
        self.stack.pop()
        self.stack_spans.pop()
        return self.deps_stack.pop()

    def _let_value(self, b: LetBinding, span: Span):
        if b.state == 2:
            return b.value
        if b.state == 3:
            raise EvalError(None)  # already reported where it broke
        label = f"let {b.name}"
        self._enter(label, span)
        before = self.secret_reads
        try:
            b.value = self._eval(b.decl.value, EvalEnv(self, b.scope, self.current_deps()))
        except EvalError:
            b.state = 3
            raise
        finally:
            b.deps = self._leave()
            b.secret = self.secret_reads != before
        b.state = 2
        return b.value

    def _param_value(self, b: ParamBinding, span: Span):
        if b.state == 2:
            return b.value
        if b.state == 3:
            raise EvalError(None)  # reported where the value was given (or missing)
        label = f"param {b.name}"
        self._enter(label, span)
        before = self.secret_reads
        try:
            raw = self._eval(b.expr, EvalEnv(self, b.expr_scope, self.current_deps()))
        except EvalError:
            b.state = 3
            self._leave()
            raise
        b.deps = self._leave()
        b.secret = b.secret or self.secret_reads != before
        value, problem = conform(raw, b.decl.type, self.kind_names)
        if problem:
            b.state = 3
            if b.secret:  # the value is not quoted: the problem is shown where the param is declared
                raise fail(f"parameter '{b.name}' ({b.decl.type}, sensitive): the value given is not a "
                           f"{b.decl.type}", b.decl.name_span)
            raise fail(f"parameter '{b.name}' ({b.decl.type}): {problem}", b.expr.span,
                       labels=[Label(b.decl.name_span, "declared here")])
        b.value, b.state = value, 2
        return value

    def module_output(self, inst: Instance, name: str, span: Span):
        ctx = inst.module_ctx
        if ctx is None:
            raise fail(f"module instance '{inst.address}' could not be built", span)
        out = ctx.outputs.get(name)
        if out is None:
            raise fail(f"module '{inst.group.use.alias}' has no output '{name}'", span,
                       help=did_you_mean(name, ctx.outputs) or f"its outputs: {', '.join(ctx.outputs) or 'none'}")
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
            field_name = _field_for(cls, name)
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

    # -- evaluating a resource -----------------------------------------------------------------
    def evaluate_instance(self, inst: Instance, used_at: Span | None = None):
        if inst.state == 2:
            return
        self._enter(inst.address, used_at)
        reads = self.secret_reads  # what another resource reads is not read by whoever asked
        try:
            self._evaluate_body(inst)
        finally:
            deps = self._leave()
            self.secret_reads = reads
        inst.deps |= deps
        inst.deps.discard(inst.address)
        inst.state = 2

    def _evaluate_body(self, inst: Instance):
        cls = self.kinds[inst.kind]
        block = inst.group.block
        env = EvalEnv(self, inst.scope, self.current_deps())
        attrs, failed = self._evaluate_entries(block.body, env, cls, inst, (), top=True)
        if inst.group.parent is not None and cls.parent:
            attrs[cls.parent] = v.ResourceRef(inst.group.parent.address, inst.group.parent.kind)
            env.deps.add(inst.group.parent.address)  # the implicit reference orders like a written one
            if "name" in cls.model_fields and "name" not in attrs:
                attrs["name"] = inst.group.name  # a child's name is its label unless written
        inst.values = attrs
        inst.written = set(attrs)
        try:
            inst.model = cls.model_validate(attrs, context={"region": inst.scope.region})
        except ValidationError as e:
            for d, key in self._validation_diagnostics(e, inst, cls, attrs, failed):
                if key in inst.sensitive or key in cls.sensitive:
                    d = redact.quoted_hidden(d)
                self.diags.append(d)
            inst.broken = True
        except Exception as e:  # a bug in a validator must not hide the user's other problems
            self.diags.append(error(f"internal error while checking {inst.address}: {type(e).__name__}: {e}",
                                    inst.group.block.header_span, help="please report this"))
            inst.broken = True

    def _evaluate_entries(self, body, env: EvalEnv, cls, inst: Instance, path: tuple, top: bool):
        """Evaluate the attributes and nested blocks of a block body into a dict."""
        attrs: dict = {}
        failed: set[str] = set()
        seen_attr: dict[str, Span] = {}
        model_fields = cls.model_fields if cls is not None else {}
        for entry in body:
            if top:
                before = self.secret_reads
                self._evaluate_entry(entry, attrs, failed, seen_attr, env, cls, inst, path, model_fields)
                if self.secret_reads != before:
                    inst.sensitive.add(_entry_key(entry, cls))
            else:
                self._evaluate_entry(entry, attrs, failed, seen_attr, env, cls, inst, path, model_fields)
        return attrs, failed

    def _evaluate_entry(self, entry, attrs: dict, failed: set, seen_attr: dict, env: EvalEnv, cls,
                        inst: Instance, path: tuple, model_fields):
        """Evaluate one attribute or nested block of a block body into `attrs`."""
        top = not path
        if type(entry) is ast.Attribute:
            name = entry.name
            if name in seen_attr:
                self.diags.append(error(f"attribute '{name}' is set twice", entry.name_span,
                                        labels=[Label(seen_attr[name], "first set here")]))
                return
            seen_attr[name] = entry.name_span
            inst.spans[path + (name,)] = entry.value.span
            inst.spans[path + (name, "$name")] = entry.name_span
            if type(entry.value) is ast.ListExpr:
                for i, item in enumerate(entry.value.items):
                    inst.spans[path + (name, i)] = item.span
            if top and name == "depends_on":
                self._depends_on(entry, env, inst)
                return
            try:
                if _word_like(cls, name) and self._is_bare_word(entry.value, env.scope):
                    attrs[name] = v.Word(_dotted(entry.value))
                else:
                    attrs[name] = _materialize(self._eval(entry.value, env), entry.value.span)
            except EvalError as e:
                self.diags.append(e.diagnostic)
                failed.add(name)
            return
        # a nested block
        b = entry
        if top and b.type == "lifecycle":
            self._lifecycle(b, env, inst, cls)
            return
        if top and cls is not None and b.type in cls.children:
            return  # declared as its own resource
        field_name = _field_for(cls, b.type) if cls is not None else None
        if field_name is None:
            candidates = [f for f in model_fields if _nested_model(model_fields[f].annotation)] + list(
                getattr(cls, "children", {}) or {}) + (["lifecycle"] if top else [])
            self.diags.append(error(f"{_what(cls)} has no block '{b.type}'", b.type_span,
                                    help=did_you_mean(b.type, candidates) or
                                    (f"its blocks: {', '.join(candidates)}" if candidates else
                                     "it takes no nested blocks")))
            failed.add(b.type)
            return
        annotation = model_fields[field_name].annotation
        sub_cls = _nested_model(annotation)
        many = _is_list(annotation)
        key = model_fields[field_name].alias or field_name
        try:
            expansions = self._expand_nested(b, env)
        except EvalError as e:
            self.diags.append(e.diagnostic)
            failed.add(key)
            return
        for sub_env in expansions:
            if many:
                lst = attrs.setdefault(key, [])
                sub_path = path + (key, len(lst))
            else:
                if key in attrs:
                    self.diags.append(error(f"block '{b.type}' may appear only once here", b.header_span))
                    continue
                sub_path = path + (key,)
            inst.spans[sub_path] = b.header_span
            inst.spans[sub_path + ("$name",)] = b.type_span
            sub, sub_failed = self._evaluate_entries(b.body, sub_env, sub_cls, inst, sub_path, top=False)
            if b.label is not None:
                sub["name"] = b.label
                inst.spans[sub_path + ("name",)] = b.label_span
            if sub_failed:
                failed.add(key)
            if many:
                attrs[key].append(sub)
            else:
                attrs[key] = sub

    def _is_bare_word(self, expr, scope: Scope) -> bool:
        """`az = a`, `type = application`: a bare name where a word is expected means the
        word, unless it names a value (a let, a param, a loop variable)."""
        head = expr
        while type(head) is ast.GetAttr:
            head = head.obj
        if type(head) is not ast.Var or _dotted(expr) is None:
            return False
        b = scope.find(head.name)
        return b is None or type(b) in (Group, RegionBinding, UseBinding)

    def _expand_nested(self, b: ast.Block, env: EvalEnv) -> list[EvalEnv]:
        if b.for_ is None:
            envs = [env]
        else:
            envs = [env.child(loop) for _, loop in self._iterate(b.for_, env.scope)]
        if b.if_ is None:
            return envs
        out = []
        for e in envs:
            cond = self._eval(b.if_, e)
            if not isinstance(cond, bool):
                raise fail(f"an `if` condition must be true or false, got {v.type_name(cond)}", b.if_.span)
            if cond:
                out.append(e)
        return out

    def _depends_on(self, entry: ast.Attribute, env: EvalEnv, inst: Instance):
        try:
            val = self._eval(entry.value, env)
        except EvalError as e:
            self.diags.append(e.diagnostic)
            return
        items = val.as_list() if isinstance(val, Replicated) else val if isinstance(val, list) else [val]
        for item in items:
            if isinstance(item, v.ResourceRef):
                inst.deps.add(item.address)
            elif isinstance(item, ModuleRef):
                for other in self.resources:
                    if other.address.startswith(item.inst.address + "."):
                        inst.deps.add(other.address)
            else:
                self.diags.append(error(f"depends_on lists resources, got {v.type_name(item)}", entry.value.span))

    def _lifecycle(self, b: ast.Block, env: EvalEnv, inst: Instance, cls):
        opts = {"prevent_destroy": False, "create_before_destroy": False, "ignore_changes": (),
                "replace_triggered_by": ()}
        for a in b.body:
            if type(a) is not ast.Attribute or a.name not in opts:
                name = a.name if type(a) is ast.Attribute else a.type
                span = a.name_span if type(a) is ast.Attribute else a.type_span
                self.diags.append(error(f"lifecycle has no option '{name}'", span,
                                        help=did_you_mean(name, opts) or f"options: {', '.join(opts)}"))
                continue
            if a.name == "ignore_changes":
                names = _names_in(a.value)
                if names is None:
                    self.diags.append(error("ignore_changes lists attribute names: ignore_changes = [desired, tags]",
                                            a.value.span))
                    continue
                for n, span in names:
                    if n != "all" and _field_for(cls, n) is None:
                        self.diags.append(error(f"{inst.kind} has no attribute '{n}' to ignore", span,
                                                help=did_you_mean(n, cls.model_fields)))
                opts["ignore_changes"] = tuple(sorted(n for n, _ in names))
                continue
            try:
                val = self._eval(a.value, env)
            except EvalError as e:
                self.diags.append(e.diagnostic)
                continue
            if a.name == "replace_triggered_by":
                items = val.as_list() if isinstance(val, Replicated) else val if isinstance(val, list) else [val]
                refs = [x.address for x in items if isinstance(x, v.ResourceRef)]
                if len(refs) != len(items):
                    self.diags.append(error("replace_triggered_by lists resources", a.value.span))
                opts["replace_triggered_by"] = tuple(sorted(refs))
                continue
            if not isinstance(val, bool):
                self.diags.append(error(f"{a.name} is true or false, got {v.type_name(val)}", a.value.span))
                continue
            opts[a.name] = val
        inst.lifecycle = Lifecycle(**opts)

    # -- validation errors as diagnostics --------------------------------------------------------
    def _validation_diagnostics(self, e: ValidationError, inst: Instance, cls, attrs: dict, failed: set[str]):
        """Each problem pydantic found, as (diagnostic, the top-level attribute it is about or None)."""
        for err in e.errors(include_url=False):
            loc = tuple(err["loc"])
            if loc and loc[0] in failed:
                continue  # already reported where it broke
            kind = err["type"]
            ctx = err.get("ctx") or {}
            if kind == "missing":
                owner = _owner_of(cls, loc)
                field = loc[-1]
                header = inst.spans.get(loc[:-1]) if len(loc) > 1 else inst.group.block.header_span
                yield error(f"{_what(owner)} '{_short(inst, loc)}' is missing the required attribute '{field}'",
                            header or inst.group.block.header_span,
                            help=_attr_help(owner, field)), None
            elif kind == "extra_forbidden":
                owner = _owner_of(cls, loc[:-1]) if len(loc) > 1 else cls
                field = loc[-1]
                span = inst.spans.get(loc + ("$name",)) or self._span_for(inst, loc)
                names = _user_names(owner)
                yield error(f"{inst.address}: {_what(owner)} has no attribute '{field}'", span,
                            help=did_you_mean(str(field), names) or f"its attributes: {', '.join(sorted(names))}"), None
            else:
                message = ctx.get("message") or err["msg"]
                help_ = ctx.get("help", "")
                value = _value_at(attrs, loc)
                if isinstance(value, v.Word) and "reference" in message:
                    close = did_you_mean(value.text, inst.scope.visible())
                    message = f"'{value.text}' is not a name in scope"
                    help_ = close or help_
                field = ".".join(str(p) for p in loc)
                summary = f"{inst.address}: {field}: {message}" if loc else f"{inst.address}: {message}"
                yield error(summary, self._span_for(inst, loc), help=help_), (loc[0] if loc else None)

    def _span_for(self, inst: Instance, path: tuple) -> Span:
        p = tuple(path)
        while p:
            span = inst.spans.get(p)
            if span is not None:
                return span
            p = p[:-1]
        return inst.group.block.header_span

    def dispose(self):
        """Break the reference cycles of a finished resolution (groups and their instances,
        scopes and the bindings that point back at them) so that reference counting frees
        it all, AST included, the moment the caller lets go: the command line runs without
        the cycle collector (planner/cli.py), and a full collection of 50,000 resources'
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
                inst.state = 2
                inst.broken = True
        for b in self.lets:  # a let nobody uses is still checked
            if b.state == 0:
                try:
                    self._let_value(b, b.decl.name_span)
                except EvalError as e:
                    self.diags.append(e.diagnostic)
        outputs = self._outputs(ctx)
        resources = {}
        for inst in self.resources:
            if inst.model is None:
                continue
            dumped = inst.model.model_dump(mode="json", by_alias=True)
            dumped.pop("kind", None)
            deps = tuple(sorted(d for d in inst.deps if d in self.by_address and d != inst.address))
            resources[inst.address] = Resource(
                address=inst.address, kind=inst.kind, name=inst.group.name, key=inst.key,
                region=inst.scope.region, attrs=dumped, deps=deps, lifecycle=inst.lifecycle,
                span=inst.group.block.header_span, model=inst.model, written=frozenset(inst.written),
                sensitive=frozenset(n for n in inst.sensitive if n in dumped))
        self._check_dependency_cycles(resources)
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
                out[name] = v.to_json(_plain(val))
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
                        labels = [Label(resources[a].span, f"'{a}' depends on '{b}'")
                                  for a, b in zip(cycle[1:-1], cycle[2:]) if resources[a].span is not None]
                        self.diags.append(error(f"dependency cycle: {' → '.join(cycle)}", resources[cycle[0]].span,
                                                labels=labels,
                                                help="break the loop: one of these references must go"))
                elif colour[nxt] == WHITE:
                    colour[nxt] = GREY
                    path.append(nxt)
                    stack.append((nxt, iter(resources[nxt].deps)))


# --- helpers ---------------------------------------------------------------------------------

def format_key(key: str) -> str:
    """How a key appears in an address: bare when simple, quoted otherwise."""
    if key and all(c.isalnum() or c in "-_./:" for c in key):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def key_of(item) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, v.Word):
        return item.text
    if isinstance(item, bool):
        return None
    if isinstance(item, Fraction):
        return str(v.normalize_number(item))
    if isinstance(item, (v.Cidr, v.Ip, v.Duration, v.Size, v.Percent)):
        return str(item)
    if isinstance(item, v.ResourceRef):
        tail = item.address.rsplit(".", 1)[-1]
        return tail
    return None


def to_value(x):
    """A validated model attribute back as a language value."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(x).limit_denominator(10**9)
    if isinstance(x, BaseModel):
        return {k: to_value(getattr(x, k)) for k in type(x).model_fields}
    if isinstance(x, (list, tuple)):
        return [to_value(i) for i in x]
    if isinstance(x, dict):
        return {k: to_value(i) for k, i in x.items()}
    return x


def _materialize(val, span):
    """An attribute's value as plain data: a replicated resource becomes the list of its
    instances; a module instance is not data."""
    if isinstance(val, Replicated):
        return val.as_list()
    if isinstance(val, ModuleRef):
        raise fail(f"{val.describe()} is a module, not a value", span,
                   help="use one of its outputs: name.output")
    if isinstance(val, RegionRef):
        raise fail(f"{val.describe()} is a region scope, not a value", span)
    if isinstance(val, list):
        return [_materialize(x, span) for x in val]
    if isinstance(val, dict):
        return {k: _materialize(x, span) for k, x in val.items()}
    return val


def _plain(val):
    if isinstance(val, Replicated):
        return val.as_map()
    if isinstance(val, ModuleRef):
        raise TypeError
    if isinstance(val, list):
        return [_plain(x) for x in val]
    if isinstance(val, dict):
        return {k: _plain(x) for k, x in val.items()}
    return val


def _refs_in(val):
    if isinstance(val, v.ResourceRef):
        yield val.address
    elif isinstance(val, (list, tuple)):
        for x in val:
            yield from _refs_in(x)
    elif isinstance(val, dict):
        for x in val.values():
            yield from _refs_in(x)


def _json_or_none(val):
    """A language value as plain data, or None when it holds what cannot be shown (a reference)."""
    try:
        return v.to_json(_plain(val))
    except (TypeError, ValueError, EvalError):
        return None


def _entry_key(entry, cls) -> str:
    """The attribute a block body entry sets (a nested block: its field's key)."""
    if type(entry) is ast.Attribute:
        return entry.name
    field_name = _field_for(cls, entry.type) if cls is not None else None
    if field_name is None:
        return entry.type
    return cls.model_fields[field_name].alias or field_name


def _field_for(cls, name: str) -> str | None:
    if cls is None:
        return None
    fields = cls.model_fields
    if name in fields and name != "kind" and not fields[name].alias:
        return name
    for fname, f in fields.items():
        if f.alias == name:
            return fname
    return None


@functools.lru_cache(maxsize=None)
def _word_like(cls, name: str) -> bool:
    from archform.stdlib.types import WordLike
    fname = _field_for(cls, name)
    if fname is None:
        return False
    return any(isinstance(m, WordLike) for m in cls.model_fields[fname].metadata)


def _dotted(expr) -> str | None:
    if type(expr) is ast.Var:
        return expr.name
    if type(expr) is ast.GetAttr:
        head = _dotted(expr.obj)
        return None if head is None else f"{head}.{expr.name}"
    return None


def _user_names(cls) -> list[str]:
    return [f.alias or n for n, f in cls.model_fields.items() if n != "kind"]


def _nested_model(annotation):
    """The Block model inside `Model`, `list[Model]` or `Model | None`, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = _nested_model(arg)
        if m is not None:
            return m
    return None


def _is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return True
    if origin is typing.Union or str(origin) == "types.UnionType":
        return any(_is_list(a) for a in typing.get_args(annotation))
    return False


def _owner_of(cls, loc: tuple):
    """The model class that owns the attribute at `loc` (walking nested blocks)."""
    owner = cls
    for part in loc[:-1]:
        if isinstance(part, int) or owner is None:
            continue
        fname = _field_for(owner, str(part))
        if fname is None:
            return owner
        sub = _nested_model(owner.model_fields[fname].annotation)
        if sub is None:
            return owner
        owner = sub
    return owner


def _what(cls) -> str:
    if cls is None:
        return "this block"
    if hasattr(cls, "kind_name") and "kind" in cls.model_fields:
        return cls.kind_name()
    return "block '" + _snake(cls.__name__) + "'"


def _snake(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _short(inst: Instance, loc: tuple) -> str:
    return inst.address + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[:-1])


def _attr_help(cls, field) -> str:
    try:
        f = cls.model_fields[_field_for(cls, str(field)) or field]
    except (KeyError, AttributeError):
        return ""
    desc = f.description or ""
    return f"set {field} = …" + (f" ({desc})" if desc else "")


def _value_at(attrs, loc):
    cur = attrs
    for p in loc:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and isinstance(p, int) and p < len(cur):
            cur = cur[p]
        else:
            return None
    return cur


def _names_in(expr) -> list[tuple[str, Span]] | None:
    items = expr.items if type(expr) is ast.ListExpr else [expr]
    out = []
    for it in items:
        if type(it) is ast.Var:
            out.append((it.name, it.span))
        elif type(it) is ast.Str and all(isinstance(p, str) for p in it.parts):
            out.append(("".join(it.parts), it.span))
        else:
            return None
    return out


# --- entry point -----------------------------------------------------------------------------

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


def _resolve(path, params, loader: Loader, check: bool):
    from . import collector
    from .check import run_checks
    r = Resolver(loader, params)
    desired = None
    try:
        with collector.paused():
            try:
                desired = r.run(Path(path))
                diags = r.diags
                if desired is not None and check:
                    diags = diags + run_checks(desired, r)
                diags = redact.scrub(diags, r.secrets())
            except RecursionError:  # the limits keep well inside the stack; this is the last guard
                desired, diags = None, r.diags + [error(
                    "this configuration nests too deeply to evaluate", r.deepest_span(),
                    help="name inner parts with `let`s, and declare what is used before what uses it")]
    finally:
        r.meter.forget()
        r.dispose()
    return desired, sort_diagnostics(diags)
