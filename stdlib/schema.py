"""The shape every catalogue kind shares, and what checks see of a resolved architecture.

A kind is a pydantic model (one module per service family under `stdlib/kinds/`):

    class Vpc(Kind):
        kind: Literal["vpc"] = "vpc"
        title: ClassVar[str] = "VPC"
        family: ClassVar[str] = "network"
        exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
        force_new: ClassVar[frozenset[str]] = frozenset({"cidr"})

        cidr: Cidr
        ...

        def check(self, me: View, graph: Graph) -> Iterable[Issue]:
            ...  # rules about this resource alone, or it and what it references

Fields are the attributes a user writes, with the notes' defaults. `exports` are the values
known only after apply (`web.dns_name`). `force_new` names the attributes whose change
replaces the resource. `children` maps a nested block type to the kind it declares as a
separate resource (`record www { ... }` inside a zone); `parent` is the child's attribute that
points back at its parent. Rules across many resources live in `stdlib/rules/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Iterator, Protocol

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class Related:
    """A secondary place a diagnostic points at: another resource's attribute."""

    address: str
    path: tuple = ()
    label: str = ""


@dataclass(frozen=True)
class Issue:
    """A broken rule. `path` is the attribute path inside the resource; () means the block."""

    message: str
    path: tuple = ()
    help: str = ""
    severity: str = "error"
    related: tuple[Related, ...] = ()
    address: str = ""  # set by cross-resource rules: which resource the issue is about
    detail: str = ""  # the longer story, printed under the message (`= note:`)


_CONFIG = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, validate_default=False,
                     hide_input_in_errors=True, populate_by_name=True, defer_build=True)


class Block(BaseModel):
    """A nested block inside a resource (`ingress { ... }`, `listener https { ... }`).

    A labelled block arrives with its label as the attribute `name`."""

    model_config = _CONFIG


class Kind(BaseModel):
    model_config = _CONFIG

    title: ClassVar[str] = ""
    family: ClassVar[str] = ""
    scope: ClassVar[str] = "regional"  # "regional" or "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset()
    # attributes whose values are secrets: never shown, encrypted at rest, not stored by the cloud
    sensitive: ClassVar[frozenset[str]] = frozenset()
    # of a sensitive attribute made of blocks, the fields that hold the secret itself (an MQ
    # user's `password`, not its username): only their texts are hidden inside messages, so a
    # short username does not blank the same letters inside other words
    secret_parts: ClassVar[dict[str, frozenset[str]]] = {}
    children: ClassVar[dict[str, str]] = {}
    parent: ClassVar[str | None] = None
    doc: ClassVar[str] = ""
    # how a sentence names one ("subnet 'a' is in ..."): the title, lower-cased unless it starts
    # with a name or an acronym; set it where that guess is wrong ("Elastic IP")
    noun: ClassVar[str] = ""

    def check(self, me: "View", graph: "Graph") -> Iterable[Issue]:
        return ()

    def orders_before(self) -> tuple[str, ...]:
        """Kinds whose resources in this one's region are made after it, though none refers
        to it (a quota increase before what counts against it)."""
        return ()

    @classmethod
    def kind_name(cls) -> str:
        return cls.model_fields["kind"].default

    @classmethod
    def called(cls) -> str:
        """The kind's name in a sentence (`noun`, or its title lower-cased when it begins with
        an ordinary word: "Security group" → "security group", "VPC" stays)."""
        if cls.noun:
            return cls.noun
        title = cls.title or cls.kind_name()
        first = title.split(" ", 1)[0]
        return title[0].lower() + title[1:] if first[1:].islower() else title


@dataclass(frozen=True)
class View:
    """What checks see of one resolved resource."""

    address: str
    kind: str
    region: str | None
    model: Any  # the Kind instance
    written: frozenset = field(default_factory=frozenset)  # attributes the author wrote
    attrs: dict | None = field(default=None, compare=False, repr=False)  # the model as JSON, when at hand

    def get(self, name: str, default=None):
        return getattr(self.model, name, default)


class Graph(Protocol):
    """The resolved architecture, as rules and checks query it."""

    def get(self, address: str) -> View | None: ...

    def of_kind(self, *kinds: str) -> list[View]: ...

    def all(self) -> list[View]: ...

    def referrers(self, address: str) -> list[View]: ...


def deref(graph: Graph, ref) -> View | None:
    """The View a ResourceRef points at (None for unknowns and dangling references)."""
    address = getattr(ref, "address", None)
    return graph.get(address) if address else None


def iter_refs(value) -> Iterator:
    """Every ResourceRef inside an attribute value."""
    from archform.dsl.values import ResourceRef
    if isinstance(value, ResourceRef):
        yield value
    elif isinstance(value, (list, tuple)):
        for x in value:
            yield from iter_refs(x)
    elif isinstance(value, dict):
        for x in value.values():
            yield from iter_refs(x)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_refs(getattr(value, name))


class ViewGraph:
    """A Graph over a list of Views (what the resolver builds, and what tests build by hand)."""

    def __init__(self, views: Iterable[View]):
        self._by_address: dict[str, View] = {}
        self._by_kind: dict[str, list[View]] = {}
        self._referrers: dict[str, list[View]] | None = None
        for view in views:
            self._by_address[view.address] = view
            self._by_kind.setdefault(view.kind, []).append(view)

    def get(self, address: str) -> View | None:
        return self._by_address.get(address)

    def of_kind(self, *kinds: str) -> list[View]:
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        return [view for view in self._by_address.values() if view.kind in kinds]

    def all(self) -> list[View]:
        return list(self._by_address.values())

    def referrers(self, address: str) -> list[View]:
        """Resources with an attribute that references `address`."""
        if self._referrers is None:
            index: dict[str, list[View]] = {}
            for view in self._by_address.values():
                seen = set()
                for ref in iter_refs(view.model):
                    if ref.address not in seen:
                        seen.add(ref.address)
                        index.setdefault(ref.address, []).append(view)
            self._referrers = index
        return list(self._referrers.get(address, ()))
