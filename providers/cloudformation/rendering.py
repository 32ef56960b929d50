"""Step 6 of the pipeline: a laid-out template's parts and the architecture's outputs rendered
as CloudFormation: references become `Ref`, `Fn::GetAtt`, `Fn::Sub`, imports or parameters
(`stacks.Linker`), dependencies no reference carries become `DependsOn` (or order the stacks
when they cross one), lifecycle becomes deletion policies."""

from __future__ import annotations

from archform.dsl.diagnostics import error, warning

from .intrinsics import render, walk_atts
from .logical_ids import camel
from .placement import GLOBAL, GLOBAL_BASE
from .stacks import LIST_ATTRIBUTES, Layout, Linker, Template


def render_resources(t: Template, layout: Layout):
    linker = Linker(layout, t)
    for p in t.parts:
        lid = layout.lids[p.key]
        resource = {"Type": p.type}
        local, elsewhere = [], []
        for d in p.depends:
            where = layout.location.get(d.key)
            if where is t:
                local.append(layout.lids[d.key])
            elif where is not None:
                elsewhere.append(where)
        for where in elsewhere:
            if where.root is t.root and t.parent is not None and where is not t:
                t.parent.child_depends.setdefault(t.lid, set()).add(where.lid)
            elif where.root is not t.root:
                t.root.after.add(where.root.stack_name)
        local = sorted(set(local))
        if local:
            resource["DependsOn"] = local[0] if len(local) == 1 else local
        if p.deletion:
            resource["DeletionPolicy"] = p.deletion
            resource["UpdateReplacePolicy"] = p.deletion
        if p.update_policy:
            resource["UpdatePolicy"] = p.update_policy
        resource["Metadata"] = {"archform:address": p.address}
        if p.props:
            resource["Properties"] = render(p.props, linker)
        t.resources[lid] = resource


def _output_value(value):
    """Outputs are strings: lists are joined, numbers and booleans written out."""
    if isinstance(value, list):
        return {"Fn::Join": [",", value]}
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] in LIST_ATTRIBUTES:
        return {"Fn::Join": [",", value]}
    return value


def add_outputs(desired, tracing, layout: Layout, roots: dict, ctx, diagnostics: list):
    """The architecture's `output`s, in the stack holding what they name (the first region's
    stack when they name nothing)."""
    if not desired.outputs:
        return
    regional = sorted(s for s in roots if s not in (GLOBAL, GLOBAL_BASE))
    fallback = roots[regional[0]] if regional else roots[sorted(roots)[0]]
    from .params import _names
    secret_params = getattr(tracing, "secret", set())
    for name in sorted(desired.outputs):
        value = desired.outputs[name]
        bound = tracing.output_bindings.get(name)
        carries = name in getattr(desired, "sensitive_outputs", ()) or any(
            _names(b) & secret_params for b in (bound or {}).values())
        if carries:  # CloudFormation shows outputs to anyone who can describe the stack, NoEcho or not
            diagnostics.append(warning(f"CloudFormation: output {name} carries a secret and is left out of the "
                                       "template (stack outputs are shown in plain text)",
                                       help="read it from where the secret lives (Secrets Manager) instead"))
            continue
        holder = _Holder(ctx, name, value, bound, diagnostics)
        converted = holder.value()
        found: list = []
        walk_atts(converted, found)
        target = fallback
        for att in found:
            where = layout.location.get(att.key)
            if where is not None:
                target = where.root
                break
        rendered = render(converted, Linker(layout, target))
        out_name = camel(name) or "Output"
        while out_name in target.outputs:
            out_name += "Output"
        target.outputs[out_name] = {"Description": f"output {name}", "Value": _output_value(rendered)}


class _Holder:
    """An output value read like a resource attribute (references, interpolation, params)."""

    def __init__(self, ctx, name: str, value, bound, diagnostics: list):
        self.ctx, self.name, self.raw, self.bound, self.diagnostics = ctx, name, value, bound or {}, diagnostics

    def error(self, message: str, path: tuple = (), help: str = ""):
        self.diagnostics.append(error(f"CloudFormation: output {self.name}: {message}", help=help))

    def value(self):
        return self.ctx.convert_bound(self.raw, self.bound, self)
