"""What the resolver's passes share, declared once for the type checker.

`Resolver` is made of one class per pass (declare.py, expand.py, lookup.py, build.py), each
reading the symbol table the others fill and calling each other's methods. This base declares
that shared state and, for the type checker only, the methods of every pass, so each pass is
checked against the others' signatures.
"""

from __future__ import annotations

import typing
from pathlib import Path

from .desired import Moved
from .diagnostics import Diagnostic, Span
from .limits import Limits, Meter
from .modules import Loader
from .symbols import SymbolTable
from .scopes import EvalEnv, Group, Instance, LetBinding, ModuleCtx, ParamBinding, Scope

if typing.TYPE_CHECKING:
    from pydantic import ValidationError

    from . import ast


class ResolverState:
    loader: Loader
    raw_params: dict[str, str]
    diags: list[Diagnostic | None]  # None: a mistake reported where it happened (sort_diagnostics drops it)
    groups: list[Group]
    lets: list[LetBinding]
    limits: Limits
    meter: Meter
    root_dir: Path
    by_address: dict[str, Instance]
    resources: list[Instance]
    kinds: typing.Any  # catalogue.LAZY: kind name → model class
    kind_names: set[str]
    stack: list[str]
    stack_keys: list
    stack_spans: list[Span | None]
    _deepest: tuple[int, Span | None]
    deps_stack: list[set[str]]
    moved: list[Moved]
    files: list[str]
    module_cache: dict[Path, ModuleCtx | None]
    loading: list[Path]
    root_ctx: ModuleCtx | None
    root_scope: Scope | None
    params_out: dict
    secret_reads: int
    symbols: SymbolTable
    sensitive_outputs: set[str]
    checks: list  # dsl/policy.CheckDecl
    check_failures: list  # dsl/policy.CheckFailure
    module_of_scope: dict[int, Instance]
    region_spans: dict  # region name -> Span of its first `region "..." as alias`

    if typing.TYPE_CHECKING:
        def callers_of(self, inst: Instance) -> tuple: ...

        def declare_check(self, block: ast.Block, scope: Scope): ...

        def condition_block(self, b: ast.Block) -> bool: ...

        def resources_in(self, scope: Scope, kind: str, allowed: bool) -> list: ...

        def load_module(self, path: Path, use_span: Span | None = None) -> ModuleCtx | None: ...

        def read_file(self, path: Path, written: str) -> str: ...

        def _outside_hint(self) -> str: ...

        def _use_hint(self, spec: str, from_file: Path) -> str: ...

        def declare_module(self, ctx: ModuleCtx, scope: Scope, in_region: bool): ...

        def _declare_let(self, item: ast.Let, scope: Scope): ...

        def declare_region(self, item: ast.Region, ctx: ModuleCtx, scope: Scope): ...

        def declare_block(self, block: ast.Block, scope: Scope, parent: Instance | None, kind: str | None = None): ...

        def _kind_hint(self, name: str, scope: Scope) -> str: ...

        def _bind(self, scope: Scope, name: str, binding, span: Span | None) -> bool: ...

        def _duplicate(self, what, name, span, first: Span | None): ...

        def _address_of(self, expr) -> str: ...

        def expand(self, group: Group): ...

        def _iterate(self, clause: ast.ForClause, scope: Scope) -> list[tuple[str | None, dict]]: ...

        def _instantiate_module(self, inst: Instance): ...

        def _declare_children(self, inst: Instance): ...

        def current_deps(self) -> set[str]: ...

        def _eval(self, expr, env: EvalEnv): ...

        def secrets(self) -> set[str]: ...

        def binding_value(self, b, name: str, span: Span, deps: set[str]): ...

        def ref_of(self, inst: Instance): ...

        def _enter(self, what: str, span: Span | None, key=None): ...

        def deepest_span(self) -> Span | None: ...

        def _leave(self) -> set[str]: ...

        def _let_value(self, b: LetBinding, span: Span): ...

        def _param_value(self, b: ParamBinding, span: Span): ...

        def module_output(self, inst: Instance, name: str, span: Span): ...

        def attr(self, obj, name: str, span: Span, name_span: Span, deps: set[str]): ...

        def evaluate_instance(self, inst: Instance, used_at: Span | None = None): ...

        def _evaluate_body(self, inst: Instance): ...

        def _evaluate_entries(self, body, env: EvalEnv, cls, inst: Instance, path: tuple, top: bool): ...

        def _evaluate_entry(self, entry, attrs: dict, failed: set, seen_attr: dict, env: EvalEnv, cls,
                            inst: Instance, path: tuple, model_fields): ...

        def _is_bare_word(self, expr, scope: Scope) -> bool: ...

        def _expand_nested(self, b: ast.Block, env: EvalEnv) -> list[EvalEnv]: ...

        def _depends_on(self, entry: ast.Attribute, env: EvalEnv, inst: Instance): ...

        def _lifecycle(self, b: ast.Block, env: EvalEnv, inst: Instance, cls): ...

        def _validation_diagnostics(self, e: ValidationError, inst: Instance, cls, attrs: dict, failed: set[str]): ...

        def _span_for(self, inst: Instance, path: tuple) -> Span: ...
