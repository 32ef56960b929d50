"""The binding pass: load the root file and the modules it `use`s, and declare every name in its
scope (file → region → block), reporting duplicates and names that mean nothing."""

from __future__ import annotations
from pathlib import Path

from archform.stdlib.regions import REGIONS

from . import ast
from . import values as v
from .desired import Moved
from .diagnostics import Label, Span, error
from .evaluate import EvalError
from .functions import FunctionError
from .modules import ReadProblem
from .resolve_values import format_key
from .resolver_state import ResolverState
from .scopes import RESERVED_NAMES, declaration, EvalEnv, Group, Instance, LetBinding, ModuleCtx, RegionBinding, Scope, UseBinding
from .suggest import did_you_mean
from .symbols import SymbolKind


class Declaring(ResolverState):
    """Loading modules and declaring their names (a part of `Resolver`)."""

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
                if item.alias == "check":  # `check ... { }` is a policy block: the alias could never be used
                    self.diags.append(error("'check' names policy blocks and cannot be a module's alias",
                                            item.alias_span, help=f'use "{item.path}" as checks'))
                    continue
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
                    self.symbols.declare(item.name, SymbolKind.OUTPUT, item.name_span)
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
            elif t is ast.Block and item.type == "check":
                self.declare_check(item, scope)
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
        self.region_spans.setdefault(name, Span(item.span.source, item.span.start_pos, item.alias_span.end_pos))
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
                    self.symbols.declare(sub.name, SymbolKind.OUTPUT, sub.name_span)
            elif type(sub) is ast.Block and sub.type == "check":
                self.declare_check(sub, rscope)
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
                self.symbols.refer(b.decl.alias_span, block.type_span)
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
            self.symbols.declare(block.label, declaration(group)[0], block.label_span)
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

    def _bind(self, scope: Scope, name: str, binding, span: Span | None) -> bool:
        prior = scope.names.get(name)
        if prior is not None:
            self._duplicate("name", name, span, scope.spans.get(name))
            return False
        scope.names[name] = binding
        scope.spans[name] = span
        self.symbols.declare(name, declaration(binding)[0], span)
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
