"""The desired resource graph: what the language hands to the planner.

Every resource has a stable address (`primary.web_fleet`, `primary.net.private[a]`), its kind,
its checked attributes in canonical JSON (references as `{"$ref": address}` or
`{"$ref": address, "attr": name}`), the addresses it depends on, and its lifecycle options.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Span


@dataclass(frozen=True)
class Postcondition:
    """A postcondition as plans and state carry it (evaluated by dsl/conditions.py after apply)."""

    condition: str  # the condition's source text
    message: str    # the message's source text (a string, interpolation and all)
    where: str      # file:line:col of the condition
    values: str = "{}"  # JSON: the other names it reads, by name, as planned

    def json(self) -> dict:
        return {"condition": self.condition, "message": self.message, "where": self.where,
                "values": json.loads(self.values)}

    @classmethod
    def from_json(cls, d: dict) -> "Postcondition":
        return cls(d["condition"], d["message"], d["where"], json.dumps(d.get("values") or {}, sort_keys=True))


@dataclass(frozen=True)
class Lifecycle:
    prevent_destroy: bool = False
    create_before_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_triggered_by: tuple[str, ...] = ()
    postconditions: tuple[Postcondition, ...] = ()  # checked after apply (dsl/conditions.py)

    def json(self) -> dict:
        out = {"prevent_destroy": self.prevent_destroy, "create_before_destroy": self.create_before_destroy,
               "ignore_changes": list(self.ignore_changes), "replace_triggered_by": list(self.replace_triggered_by)}
        if self.postconditions:  # written only when there are some: records without them are as they were
            out["postconditions"] = [p.json() for p in self.postconditions]
        return out

    @classmethod
    def from_json(cls, d: dict | None) -> "Lifecycle":
        """`json()` read back (as state records, pending operations and saved plans hold it); a
        missing option has its default."""
        if not d:
            return _NO_LIFECYCLE
        if d == _NO_LIFECYCLE_JSON:  # most resources: one shared value, not one per record
            return _NO_LIFECYCLE
        return cls(d.get("prevent_destroy", False), d.get("create_before_destroy", False),
                   tuple(d.get("ignore_changes", ())), tuple(d.get("replace_triggered_by", ())),
                   tuple(Postcondition.from_json(p) for p in d.get("postconditions", ())))


_NO_LIFECYCLE = Lifecycle()
_NO_LIFECYCLE_JSON = _NO_LIFECYCLE.json()


@dataclass(frozen=True)
class Resource:
    address: str
    kind: str
    name: str
    key: str | None
    region: str | None
    attrs: dict
    deps: tuple[str, ...]
    lifecycle: Lifecycle = Lifecycle()
    span: Span | None = field(default=None, compare=False)
    model: Any = field(default=None, compare=False, repr=False)
    written: frozenset = field(default=frozenset(), compare=False, repr=False)  # attributes the author set
    sensitive: frozenset = frozenset()  # attributes made from a sensitive value (beside the kind's own)

    def json(self) -> dict:
        return {"address": self.address, "kind": self.kind, "name": self.name, "key": self.key,
                "region": self.region, "attributes": self.attrs, "depends_on": list(self.deps),
                "lifecycle": self.lifecycle.json()}


@dataclass(frozen=True)
class Moved:
    """`moved FROM -> TO`: a resource, a module instance or a `for` collection renamed (one of
    the last two moves every resource under it, its path or key kept)."""
    from_: str
    to: str
    span: Span | None = field(default=None, compare=False)


def under(address: str, prefix: str) -> str | None:
    """What follows `prefix` in `address` when the address is it or under it (a module
    instance's resources, a `for` collection's members): "" for the address itself, None when
    it is not under it."""
    rest = address[len(prefix):]
    return rest if address.startswith(prefix) and rest[:1] in ("", ".", "[") else None


def moved_to(address: str, moved) -> str:
    """Where the `moved` statements take `address` in the end (a chain `a -> b`, `b -> c` ends
    at `c`; a statement naming a module instance or collection takes what is under it)."""
    for _ in range(len(moved)):
        step = next((m.to + rest for m in moved if (rest := under(address, m.from_)) is not None), None)
        if step is None or step == address:
            break
        address = step
    return address


@dataclass(frozen=True)
class KindFacts:
    """What the planner needs of a kind's catalogue entry: the values known only after apply,
    and the attribute paths whose change forces a new resource."""
    exports: tuple[str, ...]
    force_new: tuple[str, ...]
    sensitive: tuple[str, ...] = ()  # attributes whose values are secrets

    @classmethod
    def of(cls, model) -> "KindFacts":
        return cls(tuple(sorted(model.exports)), tuple(sorted(model.force_new)),
                   tuple(sorted(getattr(model, "sensitive", ()))))


@dataclass(frozen=True)
class Desired:
    resources: dict[str, Resource]
    outputs: dict[str, Any] = field(default_factory=dict)
    moved: tuple[Moved, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    source_hash: str = ""
    # kind → its facts, for every kind used: the planner reads these, not the typed catalogue
    kinds: dict[str, KindFacts] = field(default_factory=dict, compare=False)
    sensitive_outputs: frozenset = frozenset()  # outputs made from a sensitive value
    sensitive_params: frozenset = frozenset()   # params declared sensitive

    def sensitive_attrs(self, address: str) -> tuple[str, ...]:
        """The attributes of a resource whose values are secrets (the kind's, and those made from
        a sensitive value)."""
        r = self.resources[address]
        facts = self.facts(r.kind)
        names = set(facts.sensitive if facts else ()) | set(r.sensitive)
        return tuple(sorted(n for n in names if n in r.attrs))

    def holds_secrets(self) -> bool:
        """Whether any secret has a value here (a sensitive param, output or attribute)."""
        if self.sensitive_params or self.sensitive_outputs:
            return True
        return any(self.resources[a].attrs.get(n) is not None
                   for a in self.resources for n in self.sensitive_attrs(a))

    def facts(self, kind: str) -> KindFacts | None:
        found = self.kinds.get(kind)
        if found is None:  # built without them (by hand, in a test): ask the catalogue
            from archform.stdlib import catalogue
            model = catalogue.get(kind)
            return None if model is None else KindFacts.of(model)
        return found

    def json(self) -> dict:
        """What `inspect` prints: secrets are null, and named in `sensitive` lists (as in a plan's
        JSON)."""
        resources = []
        for a in sorted(self.resources):
            doc = self.resources[a].json()
            secret = self.sensitive_attrs(a)
            if secret:
                doc["attributes"] = {k: (None if k in secret else val) for k, val in doc["attributes"].items()}
                doc["sensitive"] = list(secret)
            resources.append(doc)
        out = {
            "resources": resources,
            "outputs": {k: (None if k in self.sensitive_outputs else self.outputs[k]) for k in sorted(self.outputs)},
            "moved": [{"from": m.from_, "to": m.to} for m in self.moved],
            "params": {k: (None if k in self.sensitive_params else self.params[k]) for k in sorted(self.params)},
        }
        if self.sensitive_outputs:
            out["sensitive_outputs"] = sorted(self.sensitive_outputs)
        if self.sensitive_params:
            out["sensitive_params"] = sorted(self.sensitive_params)
        return out
