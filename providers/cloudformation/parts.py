"""What a mapping produces and what it reads.

A `Part` is one CloudFormation resource made from an archform resource: its type, its
properties (with the placeholders of `intrinsics`), the parts it must follow where no
reference says so (`depends`), and its deletion policy. The main part has the suffix "";
others add a suffix to the logical ID (`Attachment`, `ListenerHttps`, `Instance2`).

A `Source` is one archform resource as a mapping reads it: its canonical attributes
(`get`, literal values), the same attributes as CloudFormation values (`val`: references
become `Att`s through the target kind's exports, interpolations `Sub`s, attributes bound to
a root `param` that param), and `part(...)` to emit. Reading a parameter-bound attribute as a
literal (to convert units, change case, look up a table) fixes that parameter at generation
time: the generator notes it and maps again without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .intrinsics import Att

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context


class Part:
    __slots__ = ("address", "suffix", "type", "props", "depends", "deletion", "update_policy", "seq", "key")

    def __init__(self, address: str, suffix: str, type: str, props: dict, depends=None, deletion=None,
                 update_policy=None, seq: int = 0):
        self.address = address
        self.suffix = suffix
        self.type = type
        self.props = props
        self.depends = depends or []
        self.deletion = deletion
        self.update_policy = update_policy
        self.seq = seq
        self.key = (address, suffix)

    def __repr__(self):
        return f"Part({self.address!r}, {self.suffix!r}, {self.type!r})"


def prune(value):
    """Drop None values (and the empty lists and maps they leave) from a property tree."""
    t = type(value)
    if t is dict:
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            tv = type(v)
            if tv is dict or tv is list:
                v = prune(v)
                if not v and v != 0:
                    continue
            out[k] = v
        return out
    if t is list:
        out = []
        for v in value:
            if v is None:
                continue
            tv = type(v)
            if tv is dict or tv is list:
                v = prune(v)
            out.append(v)
        return out
    return value


def tag_list(tags: dict, extra: dict | None = None, propagate: bool | None = None) -> list | None:
    """CloudFormation's `[{Key, Value}]` tags, sorted by key."""
    merged = dict(tags or {})
    if extra:
        merged.update(extra)
    if not merged:
        return None
    if propagate is None:
        return [{"Key": k, "Value": merged[k]} for k in sorted(merged)]
    return [{"Key": k, "Value": merged[k], "PropagateAtLaunch": propagate} for k in sorted(merged)]


_MISSING = object()


class Source:
    """One archform resource, as a mapping reads it."""

    __slots__ = ("ctx", "res", "address", "kind", "region", "attrs", "bound", "parts", "_seq")

    def __init__(self, ctx: "Context", res, bound: dict | None = None):
        self.ctx = ctx
        self.res = res
        self.address = res.address
        self.kind = res.kind
        self.region = res.region
        self.attrs = res.attrs
        self.bound = bound  # {attribute path: value with Param placeholders} or None
        self.parts: list[Part] = []
        self._seq = 0

    # --- reading ---------------------------------------------------------------------------

    @property
    def model(self):
        return self.res.model

    def peek(self, *path, default=None):
        """The canonical value at `path`, for naming and presence checks only: a mapping must not
        write it into the template (it may be a parameter's)."""
        if len(path) == 1:
            value = self.attrs.get(path[0])
            return default if value is None else value
        value = self.attrs
        for step in path:
            if type(value) is dict:
                value = value.get(step, _MISSING)
            elif type(value) is list and type(step) is int and -len(value) <= step < len(value):
                value = value[step]
            else:
                return default
            if value is _MISSING:
                return default
        return default if value is None else value

    def raw(self, *path, default=None):
        """The literal value at `path`. A mapping that reads a parameter-bound value this way
        writes or transforms the literal, so that parameter is fixed at generation time."""
        if self.bound:
            n = len(path)
            for p in self.bound:
                if p[:n] == path:
                    self.ctx.fix_params(self.bound[p], f"{self.kind} '{self.address}' writes "
                                        f"{'.'.join(map(str, p))}")
        return self.peek(*path, default=default)

    get = raw

    def val(self, *path):
        """The value at `path` as CloudFormation writes it."""
        value = self.peek(*path)
        if self.bound:
            return self.ctx.convert_bound(value, self.bound, self, path)
        return self.ctx.convert(value, self)

    def text(self, *path):
        """A number or word CloudFormation wants as a string (`MinSize: "2"`)."""
        value = self.val(*path)
        if value is None or type(value) is str:
            return value
        if type(value) is bool:
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value

    def target(self, *path) -> str | None:
        """The address a reference at `path` names."""
        value = self.peek(*path)
        return value.get("$ref") if type(value) is dict else None

    def targets(self, *path) -> list[str]:
        return [v["$ref"] for v in (self.peek(*path) or []) if type(v) is dict and "$ref" in v]

    def ref(self, *path, export: str = "id"):
        """What the reference at `path` names, as the export `export` of its target."""
        address = self.target(*path)
        return None if address is None else self.ctx.out(address, export, self)

    def refs(self, *path, export: str = "id") -> list:
        return [self.ctx.out(a, export, self) for a in self.targets(*path)]

    def written(self, name: str) -> bool:
        return name in self.res.written

    def tags(self, extra: dict | None = None, propagate: bool | None = None):
        tags = self.val("tags") or {}
        return tag_list(tags, extra, propagate)

    # --- writing ---------------------------------------------------------------------------

    def att(self, suffix: str = "", attr: str | None = None) -> Att:
        """A reference to one of this resource's own parts."""
        return Att(self.address, suffix, attr)

    def part(self, type: str, props: dict, suffix: str = "", depends=None, deletion=None,
             update_policy=None) -> Part:
        p = Part(self.address, suffix, type, prune(props), [d for d in (depends or ()) if d is not None],
                 deletion, update_policy, self._seq)
        self._seq += 1
        self.parts.append(p)
        return p

    def warn(self, message: str, path: tuple = (), help: str = ""):
        self.ctx.warn(self, message, path, help)

    def error(self, message: str, path: tuple = (), help: str = ""):
        self.ctx.error(self, message, path, help)

    def unsupported(self, attribute: str, what: str = "", help: str = ""):
        """An attribute CloudFormation cannot express: a warning, and a note in the template."""
        self.ctx.unsupported(self, attribute, what, help)
