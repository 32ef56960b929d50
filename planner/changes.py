"""What a plan is made of: actions and changes.

`Action` carries its symbol. A `Change` says what happens to one resource:

- create:  before is None, after is the desired attributes.
- update:  before is the recorded attributes, after the desired ones; `changed` names the
           attributes that differ.
- replace: as update, plus `replace_paths` (the attributes that force the new resource) and
           whether the new one is created before the old is destroyed.
- delete:  before is the recorded attributes, after is None.
- no-op:   before == after.

`reason` uses the vocabulary users know from `terraform show -json` (`action_reason`). A change
is about one object (`ObjectKey`): a resource, or the old copy a create-before-destroy
replacement left (`deposed`). The change graph is made of `Op`s. `Change.json()` and
`Change.from_json()` are the one codec of a change (saved plans).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from archform.dsl.desired import Lifecycle

from .secrets import seal, unseal
from .state_records import ObjectKey


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "-/+", Action.DELETE: "-", Action.NOOP: " "}


class Reason(StrEnum):
    """Why a change is what it is: `action_reason`, terraform's vocabulary (plus archform's own
    for drift)."""
    REPLACE_CANNOT_UPDATE = "replace_because_cannot_update"
    REPLACE_TAINTED = "replace_because_tainted"
    REPLACE_BY_REQUEST = "replace_by_request"
    REPLACE_BY_TRIGGERS = "replace_by_triggers"
    DELETE_NO_CONFIG = "delete_because_no_resource_config"
    DELETE_NO_MOVE_TARGET = "delete_because_no_move_target"
    DELETE_BY_DESTROY = "delete_because_destroy"
    DELETE_DEPOSED = "delete_because_deposed"  # the old copy left by an interrupted create-before-destroy
    UPDATE_DRIFT = "update_because_changed_outside"


class PlanMode(StrEnum):
    NORMAL = "normal"
    DESTROY = "destroy"
    REFRESH_ONLY = "refresh-only"


class Op(NamedTuple):
    """One operation of the change graph: the create, update or delete of one object, whose
    `address` is the object's as the state records it (`ObjectKey`'s text). Ops sort as their
    text does (`create:ADDR`), which is how plans show them."""
    action: Action
    address: str

    def __str__(self) -> str:
        return f"{self.action.value}:{self.address}"

    @classmethod
    def parse(cls, text: str) -> "Op":
        action, _, address = text.partition(":")
        return cls(Action(action), address)


def _sealed(values, names):
    return seal(values, names) if isinstance(values, dict) else values


def _unsealed(values):
    return unseal(values) if isinstance(values, dict) else values


# not frozen: a plan makes one per resource, and a frozen dataclass's __init__ is four times slower
@dataclass(slots=True, kw_only=True)
class Change:
    address: str                         # the resource's address
    kind: str
    action: Action
    name: str = ""
    key: str | None = None               # the instance key (`[a]`), if any
    region: str | None = None
    previous_address: str | None = None
    before: dict | None = None
    after: dict | None = None
    changed: tuple[str, ...] = ()
    replace_paths: tuple[tuple[str, ...], ...] = ()
    reason: Reason | None = None
    create_before_destroy: bool = False
    after_unknown: tuple[str, ...] = ()  # attributes known only after apply
    drifted: tuple[str, ...] = ()        # attributes changed outside archform that this change reverts
    deps: tuple[str, ...] = ()           # what this resource depends on (desired, or recorded for deletes)
    lifecycle: Lifecycle = Lifecycle()   # the desired lifecycle options (recorded in state on apply)
    prior_id: str | None = None          # the provider id of the recorded object (update/replace/delete)
    deposed: str | None = None           # the deposed key of a leftover old copy of a create-before-destroy
    prior_deps: tuple[str, ...] = ()     # what the recorded object depends on (orders its deletion)
    sensitive: tuple[str, ...] = ()      # attributes whose values are secrets: shown as (sensitive)
    written: tuple[str, ...] = ()        # attributes the author set (a create lists these and the computed)

    @property
    def object_key(self) -> ObjectKey:
        return ObjectKey(self.address, self.deposed)

    @property
    def object_address(self) -> str:
        """The address of the object this change is about, as the state records it and plans
        show it: the resource's, or `ADDR~deposed` for an old copy."""
        return self.address if self.deposed is None else str(ObjectKey(self.address, self.deposed))

    @property
    def json_actions(self) -> list[str]:
        if self.action is Action.REPLACE:
            return ["create", "delete"] if self.create_before_destroy else ["delete", "create"]
        return [self.action.value]

    @property
    def symbol(self) -> str:
        if self.action is Action.REPLACE and self.create_before_destroy:
            return "+/-"
        return self.action.symbol

    def json(self) -> dict:
        """The change as saved plans hold it (the values of its secrets encrypted)."""
        return {"address": self.object_address, "kind": self.kind, "action": self.action.value, "name": self.name,
                "key": self.key, "region": self.region, "previous_address": self.previous_address,
                "before": _sealed(self.before, self.sensitive), "after": _sealed(self.after, self.sensitive),
                "sensitive": list(self.sensitive), "changed": list(self.changed),
                "replace_paths": [list(p) for p in self.replace_paths],
                "reason": None if self.reason is None else self.reason.value,
                "create_before_destroy": self.create_before_destroy, "after_unknown": list(self.after_unknown),
                "drifted": list(self.drifted), "deps": list(self.deps), "lifecycle": self.lifecycle.json(),
                "prior_id": self.prior_id, "deposed": self.deposed is not None, "prior_deps": list(self.prior_deps),
                **({"written": list(self.written)} if self.written else {})}  # plans saved before it had none

    @classmethod
    def from_json(cls, d: dict) -> "Change":
        """`json()` read back. Raises KeyError, TypeError or ValueError for what it cannot be."""
        at = ObjectKey.parse(d["address"]) if d.get("deposed") else ObjectKey(d["address"])
        reason = d.get("reason")
        return cls(address=at.address, deposed=at.deposed, kind=d["kind"], action=Action(d["action"]),
                   name=d.get("name", ""), key=d.get("key"), region=d.get("region"),
                   previous_address=d.get("previous_address"), before=_unsealed(d.get("before")),
                   after=_unsealed(d.get("after")), changed=tuple(d.get("changed", ())),
                   replace_paths=tuple(tuple(p) for p in d.get("replace_paths", ())),
                   reason=None if reason is None else Reason(reason),
                   create_before_destroy=d.get("create_before_destroy", False),
                   after_unknown=tuple(d.get("after_unknown", ())), drifted=tuple(d.get("drifted", ())),
                   deps=tuple(d.get("deps", ())), lifecycle=Lifecycle.from_json(d.get("lifecycle")),
                   prior_id=d.get("prior_id"), prior_deps=tuple(d.get("prior_deps", ())),
                   sensitive=tuple(d.get("sensitive", ())), written=tuple(d.get("written", ())))


@dataclass(frozen=True)
class Drift:
    """A resource changed (or deleted) outside archform, as refresh found it."""

    address: str
    kind: str
    before: dict | None  # as recorded
    after: dict | None   # as the provider reports it now; None if it is gone
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    add: int = 0
    change: int = 0
    replace: int = 0
    destroy: int = 0

    @classmethod
    def of(cls, changes) -> "Summary":
        counts = {Action.CREATE: 0, Action.UPDATE: 0, Action.REPLACE: 0, Action.DELETE: 0}
        for c in changes:
            if c.action in counts:
                counts[c.action] += 1
        return cls(counts[Action.CREATE], counts[Action.UPDATE], counts[Action.REPLACE], counts[Action.DELETE])

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.replace or self.destroy)

    def line(self) -> str:
        return (f"Plan: {self.add} to add, {self.change} to change, {self.replace} to replace, "
                f"{self.destroy} to destroy.")

    def json(self) -> dict:
        return {"add": self.add, "change": self.change, "replace": self.replace, "destroy": self.destroy}


@dataclass
class Plan:
    """Everything `plan` decided: the changes in apply order, drift, outputs, and where from."""

    changes: list[Change]
    drift: list[Drift] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)          # name -> (before, after)
    lineage: str = ""
    serial: int = 0
    workspace: str = "default"
    source_hash: str = ""
    files: tuple[str, ...] = ()
    mode: PlanMode = PlanMode.NORMAL
    errored: bool = False
    order: list[list[Op]] = field(default_factory=list)   # waves of operations
    desired: object = None                                # the Desired graph (not serialized)
    params: dict = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    sensitive_outputs: frozenset = frozenset()            # outputs made from a secret
    sensitive_params: frozenset = frozenset()             # params declared sensitive
    output_values: dict = field(default_factory=dict)     # name -> (recorded, after, known now);
    # what `plan` shows (not saved in a plan file: `apply` records what the configuration says)

    @property
    def summary(self) -> Summary:
        return Summary.of(self.changes)

    @property
    def moves(self) -> list[Change]:
        return [c for c in self.changes if c.previous_address]

    @property
    def has_changes(self) -> bool:
        return not self.summary.empty or bool(self.moves) or self.output_changes()

    def output_changes(self) -> bool:
        return any(before != after for before, after in self.outputs.values())
