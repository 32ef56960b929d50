"""Saved plans (`plan --out FILE`): exactly what `apply FILE` will do.

The file records the changes in full, the outputs, and the state they were made against
(workspace, lineage, serial) plus the source's content hash. `apply FILE` refuses the plan
when the state has moved on since (another apply, a state edit): the plan would no longer
mean what was reviewed. A SHA-256 checksum of the plan's content is written with it, so a
file damaged or edited after review is refused instead of applied; so is a file whose
changes are not what `plan` writes (an unknown action, a change without an address).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .changes import Change, Drift, Op, Plan, PlanMode
from .secrets import is_encrypted, seal, unseal


def _sealed_value(v):
    return None if v is None else seal({"v": v}, ("v",))["v"]


def _unsealed_value(v):
    return unseal({"v": v})["v"] if is_encrypted(v) else v

MAGIC = "archform-plan"
VERSION = 1


class PlanFileError(Exception):
    pass


def save(plan: Plan, path: str | os.PathLike):
    doc = {
        "format": MAGIC, "version": VERSION, "workspace": plan.workspace, "lineage": plan.lineage,
        "serial": plan.serial, "source_hash": plan.source_hash, "files": list(plan.files), "mode": str(plan.mode),
        "params": seal(plan.params, plan.sensitive_params), "targets": list(plan.targets),
        "sensitive_params": sorted(plan.sensitive_params), "sensitive_outputs": sorted(plan.sensitive_outputs),
        "changes": [c.json() for c in plan.changes],
        "drift": [{"address": d.address, "kind": d.kind, "before": d.before, "after": d.after,
                   "changed": list(d.changed)} for d in plan.drift],
        "outputs": {k: ([_sealed_value(b), _sealed_value(a)] if k in plan.sensitive_outputs else [b, a])
                    for k, (b, a) in sorted(plan.outputs.items())},
        "order": [[str(op) for op in wave] for wave in plan.order],
    }
    doc["checksum"] = _checksum(doc)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # the format marker first, so a plan file is recognised from its first bytes
    head = {"format": doc.pop("format"), "version": doc.pop("version")}
    body = json.dumps(doc, indent=1, sort_keys=True)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(head, indent=1)[:-2] + ",\n" + body[2:] + "\n")
        os.replace(tmp, path)
    except OSError as e:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        why = f"{path.parent} does not exist" if not path.parent.is_dir() else (e.strerror or str(e))
        raise PlanFileError(f"cannot write the plan to {path}: {why}") from None


def _checksum(doc: dict) -> str:
    """SHA-256 of everything in the plan but the checksum itself, in a canonical form."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load(path: str | os.PathLike) -> Plan:
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise PlanFileError(f"no plan file at {path}")
    except (OSError, ValueError) as e:
        raise PlanFileError(f"{path} is not a readable plan file: {e}")
    if not isinstance(doc, dict) or doc.get("format") != MAGIC:
        raise PlanFileError(f"{path} is not an archform plan file")
    if doc.get("version") != VERSION:
        raise PlanFileError(f"{path} was written by another archform version (plan format {doc.get('version')})")
    if doc.get("checksum") != _checksum(doc):
        raise PlanFileError(f"{path} has been changed since `archform plan` wrote it (its checksum does not match)")
    try:
        return _plan_from(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise PlanFileError(f"{path} is not a plan archform can apply ({type(e).__name__}: {e})") from None


def _plan_from(doc: dict) -> Plan:
    for c in doc["changes"]:
        if not isinstance(c, dict) or not isinstance(c.get("address"), str) or not isinstance(c.get("kind"), str):
            raise ValueError("a change has no address or kind")
    return Plan(changes=[Change.from_json(c) for c in doc["changes"]],
                drift=[Drift(d["address"], d["kind"], d["before"], d["after"], tuple(d["changed"]))
                       for d in doc.get("drift", [])],
                outputs={k: (_unsealed_value(v[0]), _unsealed_value(v[1])) for k, v in doc.get("outputs", {}).items()},
                lineage=doc["lineage"], serial=doc["serial"], workspace=doc["workspace"],
                source_hash=doc.get("source_hash", ""), files=tuple(doc.get("files", ())),
                mode=PlanMode(doc.get("mode", "normal")),
                order=[[Op.parse(op) for op in wave] for wave in doc.get("order", [])],
                params=unseal(doc.get("params", {})), targets=tuple(doc.get("targets", ())),
                sensitive_params=frozenset(doc.get("sensitive_params", ())),
                sensitive_outputs=frozenset(doc.get("sensitive_outputs", ())))


def stale_reason(plan: Plan, lineage: str, serial: int) -> str | None:
    if plan.lineage != lineage:
        return (f"the plan was made for state lineage {plan.lineage}, but the state's lineage is {lineage} "
                "(a different state)")
    if plan.serial != serial:
        return f"the state has changed since the plan was made (serial {plan.serial} → {serial})"
    return None
