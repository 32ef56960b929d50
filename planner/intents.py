"""Pending records: what an apply writes before each provider call, and how the next run reads
them back (one format, kept here).

A create's record carries its idempotency token and everything needed to record the object
it made without the plan (the configuration, sealed where secret; dependencies; lifecycle;
and the id of the object a create-before-destroy replacement keeps as its old copy). An
update's names what changes; a delete's names the object it deletes (`ADDR~deposed` for an
old copy).
"""

from __future__ import annotations

from archform.dsl.desired import Lifecycle

from .changes import Action, Change
from .secrets import seal, unseal
from .state_records import ObjectKey, Pending, StateResource, Status


def create(c: Change, token: str, deposed_id: str | None) -> dict:
    return {"address": c.address, "kind": c.kind, "action": Action.CREATE, "token": token,
            "detail": {"address": c.address, "config": seal(c.after or {}, c.sensitive), "deps": list(c.deps),
                       "lifecycle": c.lifecycle.json(), "region": c.region, "name": c.name, "key": c.key,
                       "deposed_id": deposed_id, "sensitive": list(c.sensitive)}}


def update(c: Change, provider_id: str | None) -> dict:
    return {"address": c.address, "kind": c.kind, "action": Action.UPDATE, "provider_id": provider_id,
            "detail": {"changed": list(c.changed)}}


def delete(c: Change, at: ObjectKey, provider_id: str | None) -> dict:
    address = str(at)
    return {"address": address, "kind": c.kind, "action": Action.DELETE, "provider_id": provider_id,
            "detail": {"address": address}}


def target(p: Pending) -> str:
    """The address (an object's text) the pending operation works on."""
    return (p.detail or {}).get("address", p.address)


def created_record(p: Pending, remote, resources: dict[str, StateResource]) -> StateResource:
    """The record of what a pending create made (`remote`, found by its token), as the apply
    would have written it; `resources`: the state, for the ids of what it refers to."""
    detail = p.detail or {}
    deps = tuple(detail.get("deps", ()))
    ref_ids = tuple(sorted(rid for d in deps if d in resources and (rid := resources[d].id)))
    return StateResource(target(p), p.kind, remote.id, detail.get("region"), detail.get("name", ""),
                         detail.get("key"), unseal(detail.get("config", {})), remote.attrs, remote.outputs, deps,
                         Lifecycle.from_json(detail.get("lifecycle")), Status.OK, ref_ids,
                         tuple(detail.get("sensitive", ())))


def deposed_id(p: Pending) -> str | None:
    """The id of the object a pending create-before-destroy create was to keep as its old copy."""
    return (p.detail or {}).get("deposed_id")
