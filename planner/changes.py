"""What a plan is made of: actions and changes.

`Action` carries its symbol. A `Change` says what happens to one resource:

- create:  before is None, after is the desired attributes.
- update:  before is the recorded attributes, after the desired ones; `changed` names the
           attributes that differ.
- replace: as update, plus `replace_paths` (the attributes that force the new resource) and
           whether the new one is created before the old is destroyed.
- delete:  before is the recorded attributes, after is None.
- no-op:   before == after.

`reason` uses the vocabulary users know from `terraform show -json` (`action_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": " "}[self.value]


# action_reason values (terraform's vocabulary, plus archform's own for drift)
REPLACE_CANNOT_UPDATE = "replace_because_cannot_update"
REPLACE_TAINTED = "replace_because_tainted"
REPLACE_BY_REQUEST = "replace_by_request"
REPLACE_BY_TRIGGERS = "replace_by_triggers"
DELETE_NO_CONFIG = "delete_because_no_resource_config"
DELETE_NO_MOVE_TARGET = "delete_because_no_move_target"
DELETE_BY_DESTROY = "delete_because_destroy"
DELETE_DEPOSED = "delete_because_deposed"  # the old copy left by an interrupted create-before-destroy
UPDATE_DRIFT = "update_because_changed_outside"


@dataclass(slots=True)  # not frozen: a plan makes one per resource and frozen init is slow; never mutated
class Change:
    address: str
    kind: str
    action: Action
    name: str = ""
    key: str | None = None
    region: str | None = None
    previous_address: str | None = None
    before: dict | None = None
    after: dict | None = None
    changed: tuple[str, ...] = ()
    replace_paths: tuple[tuple[str, ...], ...] = ()
    reason: str | None = None
    create_before_destroy: bool = False
    after_unknown: tuple[str, ...] = ()  # attributes known only after apply
    drifted: tuple[str, ...] = ()        # attributes changed outside archform that this change reverts
    deps: tuple[str, ...] = ()           # what this resource depends on (desired, or recorded for deletes)
    lifecycle: dict | None = None        # the desired lifecycle options (recorded in state on apply)
    prior_id: str | None = None          # the provider id of the recorded object (update/replace/delete)
    deposed: bool = False                # a leftover old copy of a create-before-destroy replacement
    prior_deps: tuple[str, ...] = ()     # what the recorded object depends on (orders its deletion)
    sensitive: tuple[str, ...] = ()      # attributes whose values are secrets: shown as (sensitive)

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
    mode: str = "normal"                                  # normal | destroy | refresh-only
    errored: bool = False
    order: list[list[str]] = field(default_factory=list)  # waves of operation ids
    desired: object = None                                # the Desired graph (not serialized)
    params: dict = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    sensitive_outputs: frozenset = frozenset()            # outputs made from a secret
    sensitive_params: frozenset = frozenset()             # params declared sensitive

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
