"""Scopes, the bindings in them and the values that stand for declarations.

A `Scope` maps names to bindings: a `ParamBinding` or `LetBinding` (evaluated lazily, once:
its `Cell` says where it stands), a `Loop` variable, a `UseBinding` (a module), a
`RegionBinding`, or a `Group` (a block that declares resources, expanded into `Instance`s).
`EvalEnv` is what `evaluate` sees: a scope, where dependencies are recorded, and the meter.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from . import ast
from . import values as v
from .desired import Lifecycle
from .diagnostics import Span
from .evaluate import Namespace, fail
from .suggest import did_you_mean
from .symbols import SymbolKind

if typing.TYPE_CHECKING:
    from .resolver_state import ResolverState

META_ATTRS = {"depends_on"}
META_BLOCKS = {"lifecycle"}
RESERVED_NAMES = {"region", "true", "false", "null"}


class Cell(enum.IntEnum):
    """Where a lazily evaluated name (a param, a let, a group, a resource) stands."""

    NEW = 0       # not looked at yet
    BUSY = 1      # being evaluated (seen again: a cycle)
    DONE = 2      # evaluated; its value is kept
    FAILED = 3    # broken, and reported where it broke: users stay silent


# --- scopes and what names mean --------------------------------------------------------------


class Scope:
    """Names visible at one level: a file, a region block, a loop."""

    __slots__ = ("names", "parent", "region", "region_alias", "prefix", "module", "spans")

    def __init__(self, parent: "Scope | None", *, region: str | None = None, region_alias: str | None = None,
                 prefix: str = "", module: "ModuleCtx | None" = None):
        self.names: dict[str, object] = {}
        self.spans: dict[str, Span | None] = {}
        self.parent = parent
        self.region: str | None = region if region is not None or parent is None else parent.region
        self.region_alias: str | None = (region_alias if region_alias is not None or parent is None
                                         else parent.region_alias)
        self.prefix = prefix
        self.module: ModuleCtx | None = module if module is not None or parent is None else parent.module

    def find(self, name: str):
        s: Scope | None = self
        while s is not None:
            b = s.names.get(name)
            if b is not None:
                return b
            s = s.parent
        return None

    def visible(self) -> set[str]:
        out: set[str] = set()
        s: Scope | None = self
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

    def __init__(self, name, decl, expr=None, expr_scope=None, value=None, state=Cell.NEW):
        self.name, self.decl, self.expr, self.expr_scope = name, decl, expr, expr_scope
        self.value, self.state, self.deps = value, state, set()
        self.secret = decl.sensitive  # declared sensitive, or given a value made from a secret


class LetBinding:
    __slots__ = ("name", "decl", "scope", "value", "state", "deps", "secret")

    def __init__(self, decl: ast.Let, scope: Scope):
        self.name, self.decl, self.scope = decl.name, decl, scope
        self.value, self.state = None, Cell.NEW
        self.deps: set[str] = set()
        self.secret = False  # its value was made from a secret


class Loop:
    __slots__ = ("value", "secret", "decl")

    def __init__(self, value, secret=False, decl: Span | None = None):
        self.value, self.secret, self.decl = value, secret, decl  # decl: the variable's name


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
        self.state = Cell.NEW
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
        self.state = Cell.NEW
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

    def __init__(self, resolver: "ResolverState", group: Group):
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
    def __init__(self, resolver: "ResolverState", inst: Instance):
        self.resolver, self.inst = resolver, inst

    def describe(self):
        return f"module instance '{self.inst.address}'"

    def get_attr(self, name, span, name_span):
        return self.resolver.module_output(self.inst, name, name_span)


class RegionRef(Namespace):
    def __init__(self, resolver: "ResolverState", binding: RegionBinding):
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

    def __init__(self, resolver: "ResolverState", scope: Scope, deps: set[str]):
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

    def child(self, names: dict, decls: dict | None = None) -> "EvalEnv":
        s = Scope(self.scope)
        for k, val in names.items():
            decl = decls.get(k) if decls else None
            s.names[k] = Loop(val, decl=decl)
            if decl is not None:
                self.resolver.symbols.declare(k, SymbolKind.LOOP, decl)
        return EvalEnv(self.resolver, s, self.deps)

    def secret_mark(self) -> int:
        return self.resolver.secret_reads

    def secret_forget(self, mark: int) -> None:
        self.resolver.secret_reads = mark

    def read_file(self, path: str) -> str:
        base = self.scope.module.path.parent if self.scope.module else Path(".")
        return self.resolver.read_file(base / path, path)


def declaration(binding) -> tuple[SymbolKind, Span | None]:
    """What kind of symbol a binding is, and where its name is declared."""
    t = type(binding)
    if t is Group:
        kind = SymbolKind.MODULE_INSTANCE if binding.use is not None else SymbolKind.RESOURCE
        return kind, binding.block.label_span
    if t is LetBinding:
        return SymbolKind.LET, binding.decl.name_span
    if t is ParamBinding:
        return SymbolKind.PARAM, binding.decl.name_span if binding.decl is not None else None
    if t is Loop:
        return SymbolKind.LOOP, binding.decl
    if t is RegionBinding:
        return SymbolKind.REGION, binding.decl.alias_span
    if t is UseBinding:
        return SymbolKind.MODULE, binding.decl.alias_span
    return SymbolKind.LET, None
