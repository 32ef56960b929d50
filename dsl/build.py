"""Building each resource: evaluate its attributes and nested blocks, its lifecycle and
`depends_on`, and validate the result against its catalogue kind (pydantic), turning the
model's complaints into diagnostics placed on the text that set the value."""

from __future__ import annotations

from pydantic import ValidationError

from . import ast, redact
from . import values as v
from .desired import Lifecycle
from .policy import CONDITION_BLOCKS
from .diagnostics import Label, Span, error, warning, with_callers
from .evaluate import EvalError, fail
from .kind_fields import (attr_help, entry_key, field_for, is_list, nested_model, owner_of, short, user_names,
                          value_at, kind_phrase, word_like)
from .resolve_values import dotted, materialize, names_in
from .resolver_state import ResolverState
from .expand import loop_decls
from .scopes import Cell, EvalEnv, Group, Instance, ModuleRef, RegionBinding, Replicated, Scope, UseBinding
from .suggest import did_you_mean


class Building(ResolverState):
    """Evaluating and validating resources (a part of `Resolver`)."""

    # -- evaluating a resource -----------------------------------------------------------------
    def evaluate_instance(self, inst: Instance, used_at: Span | None = None):
        if inst.state is Cell.DONE:
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
        inst.state = Cell.DONE

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
        inst.written = set(attrs) | set(_nested_paths(attrs))
        try:
            inst.model = cls.model_validate(attrs, context={"region": inst.scope.region})
            self._secret_in_plain_text(inst, cls)
        except ValidationError as e:
            callers = self.callers_of(inst) if self.module_of_scope else ()
            for d, key in self._validation_diagnostics(e, inst, cls, attrs, failed):
                if key in inst.sensitive or key in cls.sensitive:
                    d = redact.quoted_hidden(d)
                self.diags.append(with_callers(d, callers))
            inst.broken = True
        except Exception as e:  # a bug in a validator must not hide the user's other problems
            self.diags.append(error(f"internal error while checking {inst.address}: {type(e).__name__}: {e}",
                                    inst.group.block.header_span, help="please report this"))
            inst.broken = True

    def _secret_in_plain_text(self, inst: Instance, cls):
        """A secret written into what AWS keeps in plain text (a tag, a description, user data, a
        function's environment): anyone allowed to describe the resource reads it, and so does
        the modeled cloud's store. The kind's own secret attributes (a master password) are kept
        apart, by AWS and by archform; only they should carry one."""
        plain = sorted(inst.sensitive - set(getattr(cls, "sensitive", ()) or ()))
        if not plain:
            return
        body = inst.group.block.body
        callers = self.callers_of(inst) if self.module_of_scope else ()
        for key in plain:
            span = next((e.span for e in body if entry_key(e, cls) == key), inst.group.block.header_span)
            self.diags.append(with_callers(warning(
                f"{inst.address}: '{key}' is made from a secret, and AWS keeps it in plain text "
                "(anyone allowed to describe the resource reads it)", span,
                help="keep the secret in a `secret` (Secrets Manager) and pass its ARN; if the value is not "
                     "secret, say so with nonsensitive(...)"), callers))

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
                    inst.sensitive.add(entry_key(entry, cls))
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
            _inner_spans(inst.spans, path + (name,), entry.value)
            if top and name == "depends_on":
                self._depends_on(entry, env, inst)
                return
            try:
                if word_like(cls, name) and self._is_bare_word(entry.value, env.scope):
                    attrs[name] = v.Word(dotted(entry.value) or "")  # a bare word is dotted names
                else:
                    attrs[name] = materialize(self._eval(entry.value, env), entry.value.span)
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
        field_name = field_for(cls, b.type) if cls is not None else None
        if field_name is None:
            candidates = [f for f in model_fields if nested_model(model_fields[f].annotation)] + list(
                getattr(cls, "children", {}) or {}) + (["lifecycle"] if top else [])
            self.diags.append(error(f"{kind_phrase(cls)} has no block '{b.type}'", b.type_span,
                                    help=did_you_mean(b.type, candidates) or
                                    (f"its blocks: {', '.join(candidates)}" if candidates else
                                     "it takes no nested blocks")))
            failed.add(b.type)
            return
        annotation = model_fields[field_name].annotation
        sub_cls = nested_model(annotation)
        many = is_list(annotation)
        key = model_fields[field_name].alias or field_name
        if sub_cls is None:  # `retention { … }` where retention is a value, not a block
            self.diags.append(error(f"'{b.type}' of {kind_phrase(cls)} is an attribute, not a block", b.type_span,
                                    help=f"write {b.type} = <value>"))
            failed.add(key)
            return
        if key in seen_attr:  # `selector = …` and a `selector { … }` block: the value is not a list of blocks
            self.diags.append(error(f"'{b.type}' is set as an attribute and written as a block: write one",
                                    b.header_span, labels=[Label(seen_attr[key], "set as an attribute here")]))
            failed.add(key)
            return
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
        if type(head) is not ast.Var or dotted(expr) is None:
            return False
        b = scope.find(head.name)
        return b is None or type(b) in (Group, RegionBinding, UseBinding)

    def _expand_nested(self, b: ast.Block, env: EvalEnv) -> list[EvalEnv]:
        if b.for_ is None:
            envs = [env]
        else:
            decls = loop_decls(b.for_)
            envs = [env.child(loop, decls) for _, loop in self._iterate(b.for_, env.scope)]
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
            if type(a) is ast.Block and a.type in CONDITION_BLOCKS:
                if self.condition_block(a):  # checked once the whole configuration is (dsl/policy.py)
                    inst.conditions.append((a, env))
                continue
            if type(a) is not ast.Attribute or a.name not in opts:
                name = a.name if type(a) is ast.Attribute else a.type
                span = a.name_span if type(a) is ast.Attribute else a.type_span
                self.diags.append(error(f"lifecycle has no {'block' if type(a) is ast.Block else 'option'} '{name}'",
                                        span, help=did_you_mean(name, list(opts) + list(CONDITION_BLOCKS))
                                        or f"options: {', '.join(opts)}; blocks: {', '.join(CONDITION_BLOCKS)}"))
                continue
            if a.name == "ignore_changes":
                names = names_in(a.value)
                if names is None:
                    self.diags.append(error("ignore_changes lists attribute names: ignore_changes = [desired, tags]",
                                            a.value.span))
                    continue
                for n, span in names:
                    if n != "all" and field_for(cls, n) is None:
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
        inst.lifecycle = Lifecycle(**opts)  # type: ignore[arg-type]  # each option checked above (postconditions
        # are added by dsl/policy.py)

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
                owner = owner_of(cls, loc)
                field = loc[-1]
                header = inst.spans.get(loc[:-1]) if len(loc) > 1 else inst.group.block.header_span
                yield error(f"{kind_phrase(owner)} '{short(inst, loc)}' is missing the required attribute '{field}'",
                            header or inst.group.block.header_span,
                            help=attr_help(owner, field)), None
            elif kind == "extra_forbidden":
                owner = owner_of(cls, loc[:-1]) if len(loc) > 1 else cls
                field = loc[-1]
                span = inst.spans.get(loc + ("$name",)) or self._span_for(inst, loc)
                names = user_names(owner)
                yield error(f"{inst.address}: {kind_phrase(owner)} has no attribute '{field}'", span,
                            help=did_you_mean(str(field), names) or f"its attributes: {', '.join(sorted(names))}"), None
            else:
                message = ctx.get("message") or err["msg"]
                help_ = ctx.get("help", "")
                value = value_at(attrs, loc)
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


def _inner_spans(spans: dict, path: tuple, expr) -> None:
    """The spans of a literal list's items and a literal map's entries, at every depth (a policy
    document's statements, their Action and Resource), so a diagnostic or an answer can point at
    the element itself."""
    if type(expr) is ast.ListExpr:
        for i, item in enumerate(expr.items):
            spans[path + (i,)] = item.span
            _inner_spans(spans, path + (i,), item)
    elif type(expr) is ast.MapExpr:
        for e in expr.entries:
            spans.setdefault(path + (e.key,), e.key_span.to(e.value.span))  # `Key = value`: either may be at fault
            _inner_spans(spans, path + (e.key,), e.value)



def _nested_paths(attrs: dict, prefix: str = ""):
    """The dotted paths written inside nested blocks and maps (`launch.instance_type`;
    `ingress.port` for any item of a list of blocks): what a plan lists of a block, beside
    the top-level names. Iterative: a generated configuration may nest deeply."""
    todo: list[tuple[dict | list, str]] = [(attrs, prefix)]
    while todo:
        value, at = todo.pop()
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                for k, x in item.items():
                    if not isinstance(k, str):
                        continue
                    path = f"{at}.{k}" if at else k
                    if at:
                        yield path
                    if isinstance(x, (dict, list)):
                        todo.append((x, path))
