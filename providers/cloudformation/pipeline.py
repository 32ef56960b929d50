"""From a resolved architecture to CloudFormation templates: the passes, in order.

1. `params.trace`: where each root `param` flows (template parameters).
2. `placement.place`: which stack (region, or global) each resource goes in.
3. the mappings (`mapping/`): each resource's parts, with placeholders for references.
4. logical IDs from addresses; lifecycle to deletion policies; `DependsOn` for the
   dependencies no reference carries.
5. `split`: stacks beyond the resource limit become nested stacks; so do stacks whose template
   would pass CloudFormation's 1,000,000 bytes (`sizes`), measured and laid out again.
6. `rendering`: references become `Ref`, `Fn::GetAtt`, `Fn::Sub`, imports or
   parameters; outputs and exports are added where other templates need them.
7. the deploy order of the stacks, and the manifest that tells how to wire them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from archform.dsl.diagnostics import Diagnostic, error, warning
from archform.planner.dag import DAG, CycleError

from . import params as params_mod
from .context import Context
from .intrinsics import Att, walk_atts
from .logical_ids import assign, moved_ids
from .mapping import EXPORTS, MAPPERS, missing_kinds
from .placement import GLOBAL, GLOBAL_BASE, place
from . import sizes
from .split import architecture_order, chunks, keep, part_order
from .stacks import Layout, Template
from .rendering import add_outputs, render_resources
from .write import text_of

RESOURCE_LIMIT = 500
PARAMETER_LIMIT = 200
OUTPUT_LIMIT = 200
FORMAT_VERSION = "2010-09-09"


@dataclass
class Options:
    name: str | None = None  # the deployment name: prefix of stack names and exports
    templates_url: str | None = None  # where nested templates will be uploaded (else local paths)
    limit: int = RESOURCE_LIMIT
    extension: str = "yaml"
    previous: dict | None = None  # the manifest of the last run: logical IDs and nested stacks to keep


@dataclass
class Result:
    templates: list = field(default_factory=list)  # (Template, body), in deploy order, children after parents
    manifest: dict = field(default_factory=dict)
    diagnostics: list = field(default_factory=list)
    texts: dict = field(default_factory=dict)  # file -> the template as written, in `format`
    format: str = "yaml"

    def text(self, template, fmt: str) -> str:
        """The template as written in `fmt` (measured for the manifest when it is `format`)."""
        known = self.texts.get(template.file) if fmt == self.format else None
        return known if known is not None else text_of(dict(self.templates)[template], fmt)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def deployment_name(path) -> str:
    stem = Path(str(path)).stem
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-").lower()
    return slug or "archform"


def generate(path, params: dict | None = None, options: Options | None = None, sources: dict | None = None,
             loader=None) -> Result:
    """Resolve the architecture at `path` and generate its templates."""
    from archform.dsl import collector
    with collector.paused():  # many small objects, almost none freed
        return _generate(path, params, options, sources, loader)


def _generate(path, params, options, sources, loader) -> Result:
    from archform.dsl.modules import Loader, default_cache_dir
    from archform.dsl.resolve import resolve
    options = options or Options()
    if loader is None:
        loader = Loader(None, sources) if sources is not None else Loader(default_cache_dir())
    desired, diags = resolve(path, params, loader=loader)
    if desired is None or any(d.is_error for d in diags):
        return Result(diagnostics=list(diags))
    module, _ = loader.load(Path(path))
    decls = params_mod.root_params(module)

    def again(values):
        return resolve(path, values, loader=loader)

    result = from_desired(desired, decls, again, params or {}, options, source=loader.display_name(Path(path)))
    result.diagnostics = list(diags) + result.diagnostics
    return result


def from_desired(desired, decls, resolve_again, given: dict, options: Options, source: str = "") -> Result:
    """Templates for a resolved architecture. `decls` are the root `param` declarations and
    `resolve_again(params)` resolves the architecture with other values for them."""
    if not desired.resources:  # a template holds at least one resource
        return Result(diagnostics=[error("nothing to write: the architecture declares no resources",
                                         help="a CloudFormation template holds at least one resource")])
    name = options.name or deployment_name(source or "archform")
    tracing = params_mod.trace(given, desired, decls, resolve_again) if decls else \
        params_mod.Tracing(values=dict(desired.params))
    placement = place(desired)
    diagnostics = _unplaceable(desired, placement)
    if diagnostics:
        return Result(diagnostics=diagnostics)
    ctx, parts, tracing = _map(desired, placement, tracing)
    diagnostics.extend(ctx.diagnostics)
    if any(d.is_error for d in diagnostics):
        return Result(diagnostics=diagnostics)

    lids = _logical_ids(parts, options.previous, desired.moved)
    _deletion_policies(parts, desired)
    edges = _edges(parts)
    _implicit_depends(parts, edges, desired, placement)
    specs = _template_params(tracing, ctx, lids)
    weights: dict = {}  # part key -> bytes, once a template was found too big
    budget = None  # the bytes a child's resources may take (none until then)
    while True:
        roots, templates, problems = _templates(desired, parts, lids, edges, specs, placement, tracing, ctx, name,
                                                options, weights, budget)
        found = diagnostics + problems
        _architecture_after(desired, placement, roots)
        order, cycle = _deploy_order(roots)
        if cycle:
            found.append(error("CloudFormation: the stacks refer to each other in a cycle: " + " → ".join(cycle),
                               help="CloudFormation reads outputs of stacks deployed before; move the resources "
                                    "that close the loop into one region"))
        if any(d.is_error for d in found):
            return Result(diagnostics=found)
        for root in roots.values():
            _nest(root, options)
        ordered = [t for sid in order for t in [roots[sid], *roots[sid].children]]
        bodies = [(t, _body(t, source, placement, tracing, ctx)) for t in ordered]
        texts = {t.file: text_of(body, options.extension) for t, body in bodies}
        over = [t for t in ordered if sizes.size(texts[t.file]) > sizes.S3_BYTES]
        if not over:
            break
        weights = sizes.part_bytes(templates, lids, text_of, options.extension)
        budget = sizes.next_budget(budget)
        too_big = _too_big(over, texts, weights, budget)
        if too_big:
            return Result(diagnostics=found + too_big)
    result = Result(templates=bodies, diagnostics=found, texts=texts, format=options.extension)
    result.manifest = _manifest(name, source, order, roots, tracing, texts)
    if ctx.before_deploy:  # what CloudFormation cannot do and the stacks need (a quota increase)
        result.manifest["before_deploy"] = sorted(set(ctx.before_deploy))
    result.manifest["logical_ids"] = {f"{k[0]}#{k[1]}": lid for k, lid in sorted(lids.items())}
    nested = {f"{p.key[0]}#{p.key[1]}": t.lid for t, _ in bodies if t.parent is not None for p in t.parts}
    if nested:  # kept by the next run (`split.keep`)
        result.manifest["nested_parts"] = dict(sorted(nested.items()))
    return result


def _too_big(over: list, texts: dict, weights: dict, budget: int) -> list[Diagnostic]:
    """Errors for what no split can bring under CloudFormation's 1,000,000 bytes: one resource
    bigger than a child may hold, or a parent whose nested stacks alone pass the limit."""
    by_address: dict[str, int] = {}
    for key, n in weights.items():
        by_address[key[0]] = by_address.get(key[0], 0) + n
    found = [error(f"CloudFormation: '{address}' alone takes {n:,} bytes of template, more than a template "
                   f"holds with its parameters and outputs ({sizes.S3_BYTES:,} bytes)",
                   help="move large content (user data, policies, inline code) to S3 and refer to it")
             for address, n in sorted(by_address.items()) if n > budget]
    if not found and budget < sizes.S3_BYTES // 10:
        found = [error(f"CloudFormation: template {t.file} is {sizes.size(texts[t.file]):,} bytes, more than the "
                       f"{sizes.S3_BYTES:,} CloudFormation reads, and splitting it further does not help")
                 for t in over]
    return found


def _unplaceable(desired, placement) -> list[Diagnostic]:
    """Resources no stack can hold, and kinds without a mapping."""
    found = [error(f"CloudFormation: '{address}' cannot be placed in a stack: {message}",
                   desired.resources[address].span) for address, message in placement.problems]
    for kind in missing_kinds({r.kind for r in desired.resources.values()}):
        where = next(r for r in desired.resources.values() if r.kind == kind)
        found.append(error(f"CloudFormation: no mapping for kind '{kind}'", where.span,
                           help="every catalogue kind needs a mapping in providers/cloudformation/mapping"))
    return found


def _map(desired, placement, tracing):
    """Every resource's parts. A parameter a mapping had to read as a literal is fixed, and the
    resources are mapped again without it."""
    while True:
        ctx = Context(desired, placement, EXPORTS, tracing.bindings)
        parts = []
        for address in sorted(desired.resources):
            src = ctx.source(address)
            MAPPERS[src.kind](src)
            parts.extend(src.parts)
        newly = {n: why for n, why in ctx.fixed.items() if n in tracing.specs}
        if not newly:
            _hide_secrets(desired, tracing)
            return ctx, parts, tracing
        tracing = tracing.without(newly)
        tracing.fixed.update(newly)


SHOWN = "(sensitive)"


def _hide_secrets(desired, tracing):
    """Params that carry a secret — declared `sensitive`, or flowing into a sensitive attribute
    (a master password) — become NoEcho parameters without a default, and their values are
    written nowhere (not in the metadata, not in manifest.json)."""
    from .params import _names
    secret = set(getattr(desired, "sensitive_params", ()) or ())
    for address, paths in tracing.bindings.items():
        names = set(desired.sensitive_attrs(address)) if address in desired.resources else set()
        for path, bound in paths.items():
            if path and path[0] in names:
                secret |= _names(bound)
    tracing.secret = secret
    for name in secret:
        if name in tracing.specs:
            tracing.specs[name].no_echo = True


def _shown(tracing, name):
    return SHOWN if name in getattr(tracing, "secret", ()) else tracing.values.get(name)


def _template_params(tracing, ctx, lids) -> dict:
    """The template parameters: the traced `param`s (with the types mappings asked for, such as
    AWS::EC2::Image::Id) and the mappings' own (AMIs), named apart from the resources."""
    from dataclasses import replace
    specs = {n: replace(s, type=ctx.param_types.get(n, s.type)) for n, s in tracing.specs.items()}
    specs.update(ctx.synthetic)
    _unique_param_names(specs, lids)
    return specs


def _templates(desired, parts, lids, edges, specs, placement, tracing, ctx, name, options, weights, budget):
    """Lay the parts out in templates (children of at most `limit` parts and, once `budget` is
    set, of at most `budget` bytes of resources by `weights`; smaller when a child would have
    too many parameters or outputs) and render them."""
    position = architecture_order(desired.resources, {a: r.deps for a, r in desired.resources.items()})
    limit = options.limit
    while True:
        roots, location, problem, notes = _lay_out(parts, lids, edges, position, placement, name, options.extension,
                                                   limit, weights, budget, options.previous)
        if problem:
            return roots, [], [error(f"CloudFormation: {problem}")]
        layout = Layout(name, lids, location, specs)
        templates = [t for sid in sorted(roots) for t in [roots[sid], *roots[sid].children]]
        for t in templates:
            render_resources(t, layout)
        problems: list = []
        add_outputs(desired, tracing, layout, roots, ctx, problems)
        for t in templates:
            _check_limits(t, problems)
        crowded = any(t.parent is not None and (len(t.params) > PARAMETER_LIMIT or len(t.outputs) > OUTPUT_LIMIT)
                      for t in templates)
        if crowded and limit > 25:
            limit = limit * 3 // 4
            continue
        problems.extend(error(f"CloudFormation: {p}") for p in layout.problems)
        return roots, templates, problems + notes


def _lay_out(parts, lids, edges, position, placement, name, ext, limit, weights, budget, previous=None):
    """The templates of every stack, where each part is, and warnings: a stack within `limit`
    parts (and `budget` bytes) is one template; a bigger one is a parent and children
    (`split`). A stack the previous run split (`previous`: its manifest) stays split, each
    part in the child it was in, so nothing moves between nested stacks."""
    def weight(p) -> int:
        return weights.get(p.key, 0)
    existed = (previous or {}).get("logical_ids") or {}
    previous = _nested_parts(previous)
    by_stack: dict[str, list] = {}
    for p in parts:
        by_stack.setdefault(placement.stack_of_part(p.address, p.suffix), []).append(p)
    roots: dict[str, Template] = {}
    location: dict = {}
    notes: list = []
    for sid in sorted(by_stack):
        stack = placement.stacks[sid]
        stack_name = f"{name}-{sid}"
        root = Template(sid, stack_name, stack.region, f"{stack_name}.{ext}")
        roots[sid] = root
        group = by_stack[sid]
        was_split = {p.key: previous[f"{p.key[0]}#{p.key[1]}"] for p in group
                     if f"{p.key[0]}#{p.key[1]}" in previous}
        if not was_split and len(group) <= limit and (budget is None or sum(map(weight, group)) <= budget):
            root.parts = sorted(group, key=lambda p: lids[p.key])
            for p in group:
                location[p.key] = root
            continue
        ordered = part_order(group, edges, position)
        pieces = keep(ordered, was_split, edges, limit, weight, budget) if was_split else None
        moving = sorted({p.address for p in group if f"{p.key[0]}#{p.key[1]}" in existed}) if not was_split else []
        if moving:
            notes.append(warning(
                f"CloudFormation: stack {stack_name} now needs nested stacks ({len(group)} resources), and the "
                f"{len(moving)} resources it holds today move into them ({_listed(moving)}): CloudFormation "
                "deletes each from the stack and creates it again in a nested one",
                help="split the architecture into more regions or deployments before it grows past a template, "
                     "or move stateful resources with DeletionPolicy Retain and a resource import"))
        if pieces is None:
            runs = chunks(ordered, limit, weight, budget)
            width = max(2, len(str(len(runs))))
            pieces = [(f"Part{i:0{width}d}", run) for i, run in enumerate(runs, 1)]
            moved = sorted({p.address for label, run in pieces for p in run
                            if p.key in was_split and was_split[p.key] != label})
            if moved:
                notes.append(warning(
                    f"CloudFormation: stack {stack_name}'s nested stacks are laid out again and {len(moved)} "
                    f"resources move between them ({_listed(moved)}): CloudFormation deletes a resource that "
                    "leaves a nested stack and creates it in the other",
                    help="keep the stack's size within its nested stacks, or move stateful resources with "
                         "DeletionPolicy Retain and a resource import"))
        if len(pieces) > RESOURCE_LIMIT:
            return roots, location, (f"stack {stack_name} needs {len(pieces)} nested stacks, more than the "
                                     f"{RESOURCE_LIMIT} a template holds"), notes
        for label, piece in pieces:
            child = Template(sid, stack_name, stack.region, f"{stack_name}.part-{label[len('Part'):]}.{ext}",
                             parent=root, lid=label)
            child.parts = sorted(piece, key=lambda p: lids[p.key])
            root.children.append(child)
            for p in piece:
                location[p.key] = child
    return roots, location, None, notes


def _nested_parts(manifest: dict | None) -> dict:
    """The previous manifest's `nested_parts` (part → child label), what is well formed of it."""
    found = (manifest or {}).get("nested_parts")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str) and _LABEL.fullmatch(v)}


_LABEL = re.compile(r"Part[0-9]{2,4}")


def _listed(addresses: list, most: int = 5) -> str:
    shown = ", ".join(addresses[:most])
    return shown + (f" and {len(addresses) - most} more" if len(addresses) > most else "")


# --- logical IDs, deletion policies, dependencies ------------------------------------------------

def _unique_param_names(specs: dict, lids: dict):
    """Template parameters share the namespace of resources: rename on a clash."""
    taken = set(lids.values())
    for key in sorted(specs):
        spec = specs[key]
        name = spec.cfn_name
        while name in taken:
            name += "Param"
        spec.cfn_name = name
        taken.add(name)


def _logical_ids(parts, previous: dict | None, moved=()) -> dict:
    keys = [p.key for p in parts]
    return assign(keys, moved_ids(keys, (previous or {}).get("logical_ids"), [(m.from_, m.to) for m in moved]))


# where a resource type turns on deletion protection (`prevent_destroy`: nobody deletes it by
# mistake, in the console or by hand, any more than the stack can)
_PROTECTION = {"AWS::RDS::DBInstance": "DeletionProtection", "AWS::RDS::DBCluster": "DeletionProtection",
               "AWS::RDS::GlobalCluster": "DeletionProtection", "AWS::DynamoDB::Table": "DeletionProtectionEnabled"}


def _deletion_policies(parts, desired):
    for p in parts:
        if desired.resources[p.address].lifecycle.prevent_destroy:
            p.deletion = "Retain"
            key = _PROTECTION.get(p.type)
            if key and not (p.type == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in p.props):
                p.props[key] = True  # an Aurora instance is protected by its cluster
    # a key encrypting what a deleted stack keeps is kept too: deleted, it would leave that data
    # unreadable once its waiting period ends. What is kept: a retained or snapshotted resource
    # using the key, or writing with it into one (a trail's log files in a retained bucket).
    by_key = {p.key: p for p in parts}
    kept = {p.key for p in parts if p.deletion in ("Retain", "Snapshot")}
    for p in parts:
        found: list = []
        walk_atts(p.props, found)
        used = {att.key for att in found}
        if p.key not in kept and not used & kept:
            continue
        for key in used:
            q = by_key.get(key)
            if q is not None and q.type == "AWS::KMS::Key" and q.deletion in (None, "Delete"):
                q.deletion = "Retain"


def _edges(parts) -> dict:
    """Part key → the part keys it refers to or must follow."""
    edges = {}
    for p in parts:
        found: list = []
        walk_atts(p.props, found)
        keys = {a.key for a in found}
        keys.update(d.key for d in p.depends)
        keys.discard(p.key)
        edges[p.key] = keys
    return edges


def _implicit_depends(parts, edges: dict, desired, placement):
    """`DependsOn` for a dependency of the architecture that no reference of the template
    carries (within one stack; between stacks the deploy order keeps it)."""
    by_address: dict[str, list] = {}
    for p in parts:
        by_address.setdefault(p.address, []).append(p)
    main = {a: next((p for p in ps if p.suffix == ""), ps[0]) for a, ps in by_address.items()}
    for address in sorted(desired.resources):
        res = desired.resources[address]
        mine = by_address.get(address)
        if not mine:
            continue
        for dep in sorted(set(res.deps)):
            theirs = by_address.get(dep)
            if not theirs or placement.stack_of(dep) != placement.stack_of(address):
                continue
            targets = {p.key for p in theirs}
            if _reaches([p.key for p in mine], targets, edges):
                continue
            if _reaches([p.key for p in theirs], {p.key for p in mine}, edges):
                continue  # the template orders them the other way: keep it
            a, b = main[address], main[dep]
            a.depends.append(Att(b.address, b.suffix))
            edges[a.key].add(b.key)


def _reaches(starts, targets: set, edges: dict) -> bool:
    seen = set(starts)
    stack = list(starts)
    while stack:
        k = stack.pop()
        for n in edges.get(k, ()):
            if n in targets:
                return True
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return False


# --- rendering ---------------------------------------------------------------------------------

def _check_limits(t: Template, diagnostics: list):
    for what, table, limit in (("resources", t.resources, RESOURCE_LIMIT), ("parameters", t.params, PARAMETER_LIMIT),
                               ("outputs", t.outputs, OUTPUT_LIMIT)):
        if len(table) > limit:
            diagnostics.append(error(f"CloudFormation: template {t.file} has {len(table)} {what}, more than the "
                                     f"{limit} CloudFormation allows"))


def _architecture_after(desired, placement, roots: dict) -> None:
    """Every dependency of the architecture orders the stacks, not only the references the
    templates carry: a bucket that replicates to one in another region names it by an ARN built
    from its name (no reference), yet S3 refuses replication to a bucket that does not exist.
    Where the templates already order two stacks the other way (an Aurora primary lists its
    secondaries, which read the primary's global cluster), the templates' order stands."""
    by_name = {t.stack_name: sid for sid, t in roots.items()}

    def after(sid: str, other: str) -> bool:  # is `sid` deployed after `other` already?
        seen, todo = {sid}, [sid]
        while todo:
            for name in roots[todo.pop()].after:
                n = by_name.get(name)
                if n == other:
                    return True
                if n is not None and n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False

    for address in sorted(desired.resources):
        mine = placement.where.get(address)
        if mine not in roots:
            continue
        for dep in sorted(set(desired.resources[address].deps)):
            theirs = placement.where.get(dep)
            if theirs in roots and theirs != mine and not after(theirs, mine):
                roots[mine].after.add(roots[theirs].stack_name)


def _deploy_order(roots: dict) -> tuple[list, list]:
    """Stack ids, each after the stacks it reads (the smallest id first); or the stack names of a
    cycle, followed from a stack to one it reads."""
    by_name = {t.stack_name: sid for sid, t in roots.items()}
    g = DAG()
    g.add_nodes(roots)
    for sid, t in roots.items():
        for n in t.after:
            if n in by_name and by_name[n] != sid:
                g.add_edge(by_name[n], sid)
    try:
        return g.order(), []
    except CycleError:
        return [], [roots[s].stack_name for s in g.find_cycle(reverse=True)]


def _nest(root: Template, options: Options):
    """The parent's resources: one nested stack per child, with its parameters wired."""
    if not root.children:
        return
    implied: dict[str, set] = {}
    for child in root.children:
        for value in root.child_params.get(child.lid, {}).values():
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                implied.setdefault(child.lid, set()).add(value["Fn::GetAtt"][0])
    for child in root.children:
        url = (options.templates_url.rstrip("/") + "/" + child.file) if options.templates_url else f"./{child.file}"
        # Delete, written: the resources inside keep their own deletion policies
        resource = {"Type": "AWS::CloudFormation::Stack", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
        depends = sorted(root.child_depends.get(child.lid, set()) - implied.get(child.lid, set()))
        if depends:
            resource["DependsOn"] = depends[0] if len(depends) == 1 else depends
        props = {"TemplateURL": url}
        params = root.child_params.get(child.lid)
        if params:
            props["Parameters"] = {k: params[k] for k in sorted(params)}
        resource["Properties"] = props
        root.resources[child.lid] = resource


def _body(t: Template, source: str, placement, tracing, ctx) -> dict:
    stack = placement.stacks[t.stack]
    where = t.region + (f" ({', '.join(stack.aliases)})" if stack.aliases else "")
    if t.stack in (GLOBAL, GLOBAL_BASE):
        where = f"global resources, deployed in {t.region}"
    description = f"archform {source}: {where}"
    if t.parent is not None:
        description += f", nested stack {t.lid}"
    meta = {"source": source, "stack": t.stack_name, "region": t.region}
    if t.parent is None:
        fixed = {n: {"value": _shown(tracing, n), "why": why} for n, why in sorted(tracing.fixed.items())}
        if fixed:
            meta["parameters_fixed_at_generation"] = fixed
        notes = ctx.unexpressed.get(t.stack)
        if notes:
            meta["not_expressed"] = sorted(notes)
    body = {"AWSTemplateFormatVersion": FORMAT_VERSION, "Description": description,
            "Metadata": {"archform": meta}}
    if t.params:
        body["Parameters"] = {k: t.params[k] for k in sorted(t.params)}
    body["Resources"] = {k: t.resources[k] for k in sorted(t.resources)}
    if t.outputs:
        body["Outputs"] = {k: t.outputs[k] for k in sorted(t.outputs)}
    return body


def _manifest(name: str, source: str, order: list, roots: dict, tracing, texts: dict) -> dict:
    """The deploy order and wiring; each template's bytes, and whether it goes inline or
    through S3 (`sizes`)."""
    stacks = []
    for sid in order:
        t = roots[sid]
        nbytes = sizes.size(texts[t.file])
        entry = {"name": t.stack_name, "region": t.region, "template": t.file, "bytes": nbytes,
                 "via": sizes.via(nbytes, nested=False)}
        if t.children:
            entry["nested"] = [c.file for c in t.children]
            entry["nested_bytes"] = {c.file: sizes.size(texts[c.file]) for c in t.children}
        after = sorted(t.after - {t.stack_name})
        if after:
            entry["after"] = after
        if t.wiring:
            entry["parameters_from"] = {p: {"stack": s, "output": o} for p, (s, o) in sorted(t.wiring.items())}
        stacks.append(entry)
    return {"name": name, "source": source, "stacks": stacks,
            "parameters": {n: _shown(tracing, n) for n in sorted(tracing.values)}}
