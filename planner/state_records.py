"""The records of archform's state, as values: a resource, a pending operation, a snapshot of a
workspace, and who holds its lock."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    lifecycle: dict = field(default_factory=dict)
    status: str = "ok"                           # ok | tainted | deposed
    ref_ids: tuple[str, ...] = ()                # ids of what it referred to when it was applied
    sensitive: tuple[str, ...] = ()              # attributes holding secrets (encrypted at rest)

    def json(self) -> dict:
        out = {"address": self.address, "kind": self.kind, "id": self.id, "region": self.region,
               "name": self.name, "key": self.key, "config": self.config, "applied": self.applied,
               "outputs": self.outputs, "depends_on": list(self.deps), "lifecycle": self.lifecycle,
               "status": self.status}
        if self.ref_ids:
            out["ref_ids"] = list(self.ref_ids)
        if self.sensitive:
            out["sensitive"] = list(self.sensitive)
        return out

    @classmethod
    def from_json(cls, d: dict) -> "StateResource":
        return cls(d["address"], d["kind"], d.get("id"), d.get("region"), d.get("name", ""), d.get("key"),
                   d.get("config", {}), d.get("applied", {}), d.get("outputs", {}),
                   tuple(d.get("depends_on", ())), d.get("lifecycle", {}), d.get("status", "ok"),
                   tuple(d.get("ref_ids", ())), tuple(d.get("sensitive", ())))


@dataclass(frozen=True)
class Pending:
    op_id: str
    address: str
    kind: str
    action: str
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
