"""Root `param`s as CloudFormation Parameters: where each one flows in the template.

The resolved architecture holds values, not the expressions that made them, so a parameter's
uses are found by resolving again with another value for it and comparing. Where the
attribute changes exactly as the parameter did — the whole value (`bucket = domain`), or the
text around it (`"www.${domain}"`, `"shop-${env}"`) — the template takes the parameter
(`!Ref Domain`, `!Sub "www.${Domain}"`). A parameter that changes anything else (which
resources exist, a value computed from it, a map key) cannot be a deploy-time parameter: it is
fixed at generation time (`archform cfn -p name=value`) and the template's metadata records
the value it was generated with and why. So is one whose value a mapping converts (units,
case, a lookup), which the generator learns while mapping.

The alternative values are chosen to pass the same checks as the real one: the value with a
marker spliced in (`zq0x` + "docs.example.org"), or another instance type, another word of a
`one_of`, the next number, the other boolean.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from archform.dsl import ast

from .intrinsics import Param
from .logical_ids import camel

CIDR_PATTERN = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$"


@dataclass
class Bound:
    """An attribute value made from parameters: text, `Param`s and canonical values (refs)."""

    parts: tuple


@dataclass
class Spec:
    name: str
    cfn_name: str
    type: str
    default: object
    allowed: list | None = None
    pattern: str | None = None
    description: str = ""
    no_echo: bool = False  # a secret: NoEcho, and never a Default (given at deploy time)

    def definition(self) -> dict:
        out = {"Type": self.type, "Description": self.description}
        if self.no_echo:
            out["NoEcho"] = True
        elif self.default is not None:
            out["Default"] = self.default
        if self.allowed:
            out["AllowedValues"] = self.allowed
        if self.pattern:
            out["AllowedPattern"] = self.pattern
        return out


@dataclass
class Tracing:
    specs: dict[str, Spec] = field(default_factory=dict)  # params the template takes
    fixed: dict[str, str] = field(default_factory=dict)  # params fixed at generation, and why
    values: dict[str, object] = field(default_factory=dict)  # every param's value
    bindings: dict[str, dict] = field(default_factory=dict)  # address -> {path: Bound}
    output_bindings: dict[str, dict] = field(default_factory=dict)  # output -> {path: Bound}

    def without(self, names) -> "Tracing":
        """The same tracing with `names` fixed (their bindings dropped)."""
        names = set(names)
        def keep(table):
            out = {}
            for key, paths in table.items():
                kept = {p: b for p, b in paths.items() if not (_names(b) & names)}
                if kept:
                    out[key] = kept
            return out
        return Tracing({n: s for n, s in self.specs.items() if n not in names}, dict(self.fixed), self.values,
                       keep(self.bindings), keep(self.output_bindings))


def _names(bound: Bound) -> set:
    return {p.name for p in bound.parts if type(p) is Param}


def root_params(module) -> list:
    return [item for item in (module.items if module else ()) if type(item) is ast.Param]


def trace(params: dict, desired, decls: list, resolve) -> Tracing:
    """Where each root parameter flows. `resolve(params)` resolves the architecture again."""
    tracing = Tracing(values=dict(desired.params))
    given = {k: _text(v) for k, v in (params or {}).items()}
    for decl in decls:
        name = decl.name
        value = desired.params.get(name)
        kind = decl.type.name
        if kind not in ("string", "number", "bool", "one_of", "cidr"):
            tracing.fixed[name] = f"a {decl.type} parameter has no CloudFormation parameter type"
            continue
        found = None
        reason = "no other value of it passes the checks"
        for candidate in _candidates(decl, value):
            other, diags = resolve({**given, name: _text(candidate)})
            if other is None or any(d.is_error for d in diags):
                continue
            found = _compare(desired, other, value, candidate, Param(name))
            if isinstance(found, str):
                reason, found = found, None
            break
        if found is None:
            tracing.fixed[name] = reason
            continue
        bindings, outputs = found
        if not bindings and not outputs:
            tracing.fixed[name] = "nothing in the architecture uses it"
            continue
        shared = _shared(tracing.bindings, bindings) or _shared(tracing.output_bindings, outputs)
        if shared:  # one value made of two parameters: the first one traced carries it
            tracing.fixed[name] = f"{shared} also uses another parameter"
            continue
        for address, paths in bindings.items():
            tracing.bindings.setdefault(address, {}).update(paths)
        for output, paths in outputs.items():
            tracing.output_bindings.setdefault(output, {}).update(paths)
        tracing.specs[name] = _spec(decl, value, desired, bindings)
    return tracing


def _shared(table: dict, new: dict) -> str:
    """An attribute already bound to another parameter, or ""."""
    for key, paths in new.items():
        for path in paths:
            if path in table.get(key, {}):
                return f"{key} {_show(path)}"
    return ""


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


MARKER = "zq0x"


def _candidates(decl, value) -> list:
    kind = decl.type.name
    if kind == "string" and isinstance(value, str):
        out = [MARKER + value]
        if "." in value:
            head, _, tail = value.partition(".")
            out.append(f"{head}.{MARKER}{tail}")
        from archform.stdlib import instance_types
        if instance_types.lookup(value):
            out.append(next(n for n in instance_types.names() if n != value))
        return out
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value + 1]
    if kind == "bool" and isinstance(value, bool):
        return [not value]
    if kind == "one_of":
        words = [a.name for a in decl.type.args]
        return [w for w in words if w != value][:1]
    if kind == "cidr" and isinstance(value, str):
        return _other_networks(ipaddress.ip_network(value))[:1]
    return []


def _other_networks(net) -> list[str]:
    """Another network of the same size (the next, else the one before), or, for the whole
    address space (`0.0.0.0/0`, which has neither), a documentation network."""
    out = []
    cls = type(net.network_address)
    for address in (int(net.network_address) + net.num_addresses, int(net.network_address) - net.num_addresses):
        if 0 <= address < 2 ** net.max_prefixlen and net.prefixlen > 0:
            out.append(str(ipaddress.ip_network(f"{cls(address)}/{net.prefixlen}")))
    if net.prefixlen == 0:
        out.append("192.0.2.0/24" if net.version == 4 else "2001:db8::/32")
    return out


def _compare(base, other, value, candidate, param: Param):
    """({address: {path: Bound}}, {output: {path: Bound}}), or why the parameter is fixed."""
    if base.resources.keys() != other.resources.keys():
        return "it changes which resources exist"
    bindings: dict = {}
    for address, res in base.resources.items():
        o = other.resources[address]
        if o.kind != res.kind:
            return "it changes which resources exist"
        leaves: list = []
        if not _diff(res.attrs, o.attrs, (), leaves):
            return f"it changes the shape of {address}"
        for path, b, a in leaves:
            parts = _classify(b, a, value, candidate, param)
            if parts is None:
                return f"{res.kind} '{address}' computes {_show(path)} from it"
            bindings.setdefault(address, {})[path] = parts
    outputs: dict = {}
    for name, val in base.outputs.items():
        leaves = []
        if name not in other.outputs or not _diff(val, other.outputs[name], (), leaves):
            return f"output {name} changes shape with it"
        for path, b, a in leaves:
            parts = _classify(b, a, value, candidate, param)
            if parts is None:
                return f"output {name} computes {_show((name,) + path)} from it"
            outputs.setdefault(name, {})[path] = parts
    return ({a: _bounds(base.resources[a].attrs, paths) for a, paths in bindings.items()},
            {n: _bounds(base.outputs[n], paths) for n, paths in outputs.items()})


def _show(path) -> str:
    return ".".join(str(p) for p in path if p != "$format") or "it"


def _diff(b, a, path: tuple, out: list) -> bool:
    tb, ta = type(b), type(a)
    if tb is dict and ta is dict:
        if b.keys() != a.keys():
            return False
        return all(_diff(b[k], a[k], path + (k,), out) for k in b)
    if tb is list and ta is list:
        if len(b) != len(a):
            return False
        return all(_diff(x, y, path + (i,), out) for i, (x, y) in enumerate(zip(b, a)))
    if tb in (dict, list) or ta in (dict, list):
        return b == a
    if b != a:
        out.append((path, b, a))
    return True


def _classify(b, a, value, candidate, param: Param) -> tuple | None:
    """The parts of a changed leaf (text and the parameter), or None when the change is not
    the parameter's own."""
    if isinstance(b, str) and isinstance(a, str) and isinstance(candidate, str) and isinstance(value, str):
        if a == candidate and b == value:
            return (param,)
        if candidate in a and a.replace(candidate, value) == b:
            parts: list = []
            for i, piece in enumerate(a.split(candidate)):
                if i:
                    parts.append(param)
                if piece:
                    parts.append(piece)
            return tuple(parts)
        return None
    if b == value and a == candidate and type(b) is type(value):
        return (param,)
    return None


def _bounds(base, paths: dict) -> dict:
    """{path: Bound}. A change inside an interpolated string (`{"$format": [...]}`) binds the
    whole string, with its other parts (references) kept as they are."""
    out: dict = {}
    formats: dict = {}
    for path, parts in paths.items():
        if "$format" in path:
            i = path.index("$format")
            formats.setdefault(path[:i], {})[path[i + 1]] = parts
        else:
            out[path] = Bound(parts)
    for prefix, pieces in formats.items():
        value = base
        for step in prefix:
            value = value[step]
        joined: list = []
        for j, part in enumerate(value["$format"]):
            joined.extend(pieces[j] if j in pieces else (part,))
        out[prefix] = Bound(tuple(joined))
    return out


def _spec(decl, value, desired, bindings) -> Spec:
    kind = decl.type.name
    cfn_type = {"number": "Number"}.get(kind, "String")
    allowed = None
    pattern = None
    if kind == "bool":
        allowed = ["false", "true"]
        value = "true" if value else "false"
    elif kind == "one_of":
        allowed = [a.name for a in decl.type.args]
    elif kind == "cidr":
        pattern = CIDR_PATTERN
    elif kind == "string":
        allowed = _catalogue_choices(desired, bindings)
    return Spec(decl.name, camel(decl.name), cfn_type, value, allowed, pattern,
                f"archform param {decl.name} ({decl.type})")


def _catalogue_choices(desired, bindings) -> list | None:
    """The catalogue's choices for the attributes a parameter is the whole value of, when
    every use has them (an instance type, an engine, a volume type)."""
    found = None
    for address, paths in bindings.items():
        for path, bound in paths.items():
            if len(bound.parts) != 1 or type(bound.parts[0]) is not Param:
                return None
            choices = field_choices(desired.resources[address].kind, path)
            if not choices:
                return None
            found = choices if found is None else [c for c in found if c in choices]
    return found


def field_choices(kind: str, path: tuple) -> list | None:
    from archform.stdlib import catalogue, instance_types
    from archform.stdlib.kinds import compute
    cls = catalogue.get(kind)
    annotation = None
    for step in path:
        if isinstance(step, int):
            annotation = _element(annotation)
            continue
        model = _model_of(annotation) if annotation is not None else cls
        if model is None:
            return None
        info = next((f for n, f in model.model_fields.items() if n == step or f.alias == step), None)
        if info is None:
            return None
        annotation = info.annotation
        if info.metadata:
            from typing import Annotated
            annotation = Annotated[(annotation, *info.metadata)]
    validator = _validator(annotation)
    if validator is None:
        return None
    if validator is compute._instance_type:
        return instance_types.names()
    code = getattr(validator, "__code__", None)
    closure = getattr(validator, "__closure__", None) or ()
    if code is None:
        return None
    for name, cell in zip(code.co_freevars, closure):
        if name == "choices":
            return list(cell.cell_contents)
    return None


def _element(annotation):
    import typing
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return args[0] if args else None
    if origin is typing.Union:
        for a in args:
            if a is not type(None):
                return _element(a)
    return None


def _model_of(annotation):
    import typing
    from pydantic import BaseModel
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for a in typing.get_args(annotation):
        m = _model_of(a) if a is not type(None) else None
        if m is not None:
            return m
    return None


def _validator(annotation):
    import typing
    from pydantic import PlainValidator
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, PlainValidator):
            return meta.func
    for a in typing.get_args(annotation):
        if a is type(None):
            continue
        v = _validator(a)
        if v is not None:
            return v
    return None
