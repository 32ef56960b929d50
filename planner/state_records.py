"""The records of archform's state, as values: a resource, a pending operation, a snapshot of a
workspace, and who holds its lock; and the key of an object in the state."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from archform.dsl.desired import Lifecycle

if TYPE_CHECKING:  # pragma: no cover
    from .changes import Action

DEPOSED = "deposed"  # the deposed key of the old copy an interrupted create-before-destroy keeps


class ObjectKey(NamedTuple):
    """An object in the state: a resource (`deposed` None), or the old copy of one that a
    create-before-destroy replacement keeps until it is deleted (`deposed`: its key). The state
    records an object under its text, `ADDR` or `ADDR~deposed`."""
    address: str
    deposed: str | None = None

    def __str__(self) -> str:
        return self.address if self.deposed is None else f"{self.address}~{self.deposed}"

    @classmethod
    def parse(cls, text: str) -> "ObjectKey":
        """The key recorded as `text` (the inverse of `str()`)."""
        if text.endswith(_DEPOSED_SUFFIX):
            return cls(text[:-len(_DEPOSED_SUFFIX)], DEPOSED)
        return cls(text)

    def deposed_copy(self) -> "ObjectKey":
        """The key of this resource's old copy."""
        return ObjectKey(self.address, DEPOSED)


_DEPOSED_SUFFIX = "~" + DEPOSED


class Status(StrEnum):
    OK = "ok"
    TAINTED = "tainted"
    DEPOSED = "deposed"  # the old copy of a create-before-destroy replacement (`ObjectKey.deposed`)


@dataclass(frozen=True)
class StateResource:
    address: str
    kind: str
    id: str | None
    region: str | None = None
    name: str = ""
    key: str | None = None
    config: dict = field(default_factory=dict)   # attributes as configured (references symbolic)
    applied: dict = field(default_factory=dict)  # attributes as the provider reported them
    outputs: dict = field(default_factory=dict)  # exported values
    deps: tuple[str, ...] = ()
    lifecycle: Lifecycle = Lifecycle()
    status: Status = Status.OK
    ref_ids: tuple[str, ...] = ()                # ids of what it referred to when it was applied
    sensitive: tuple[str, ...] = ()              # attributes holding secrets (encrypted at rest)

    def __post_init__(self):  # as JSON has them: the lifecycle a dict, the status its text
        if type(self.lifecycle) is not Lifecycle:
            object.__setattr__(self, "lifecycle", Lifecycle.from_json(self.lifecycle))
        if type(self.status) is not Status:
            object.__setattr__(self, "status", Status(self.status))

    @property
    def object_key(self) -> ObjectKey:
        return ObjectKey.parse(self.address)

    def json(self) -> dict:
        out = {"address": self.address, "kind": self.kind, "id": self.id, "region": self.region,
               "name": self.name, "key": self.key, "config": self.config, "applied": self.applied,
               "outputs": self.outputs, "depends_on": list(self.deps), "lifecycle": self.lifecycle.json(),
               "status": self.status.value}
        if self.ref_ids:
            out["ref_ids"] = list(self.ref_ids)
        if self.sensitive:
            out["sensitive"] = list(self.sensitive)
        return out

    @classmethod
    def from_json(cls, d: dict) -> "StateResource":
        return cls(d["address"], d["kind"], d.get("id"), d.get("region"), d.get("name", ""), d.get("key"),
                   d.get("config", {}), d.get("applied", {}), d.get("outputs", {}),
                   tuple(d.get("depends_on", ())), Lifecycle.from_json(d.get("lifecycle")),
                   Status(d.get("status", "ok")), tuple(d.get("ref_ids", ())), tuple(d.get("sensitive", ())))


@dataclass(frozen=True)
class Pending:
    op_id: str
    address: str  # the object's (`ObjectKey`'s text)
    kind: str
    action: Action
    token: str | None
    provider_id: str | None
    detail: dict


@dataclass
class Snapshot:
    workspace: str
    lineage: str
    serial: int
    resources: dict[str, StateResource] = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)

    def json(self) -> dict:
        return {"workspace": self.workspace, "lineage": self.lineage, "serial": self.serial,
                "resources": [self.resources[a].json() for a in sorted(self.resources)],
                "outputs": {k: self.outputs[k] for k in sorted(self.outputs)}}


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    pid: int
    host: str
    command: str
    since: str

    def describe(self) -> str:
        return f"{self.command!r} (pid {self.pid} on {self.host}, since {self.since}, lock id {self.lock_id})"


UNKNOWN_HOLDER = LockInfo("unknown", 0, "an unknown host", "another archform command", "a moment ago")


class StateLocked(Exception):
    def __init__(self, workspace: str, holder: LockInfo):
        super().__init__(f"state of workspace '{workspace}' is locked by {holder.describe()}")
        self.workspace = workspace
        self.holder = holder
