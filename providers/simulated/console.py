"""Changes made behind archform's back, as someone at the AWS console would make them: the
operations under `archform sim`. They go straight to the store, so drift is real.

- `set_attributes`: write attribute values as given (dotted names reach into nested blocks);
  the cloud's behaviours do not run and nothing is refused — unless `react` asks for an update
  through the API.
- `remove`: the resource and what it owns disappear, whatever still uses it.
- `create`: a resource archform did not make (through the provider, with AWS's checks), for
  `archform import` to adopt.
- `records`, `describe`: what the cloud holds, sorted.
"""

from __future__ import annotations

import copy
import json

from archform.providers.base import NotFound, Remote

from . import attributes
from .behaviours import behaviour
from .operation import Op
from .provider import SimulatedCloud
from .store import Record


def parse_value(text: str):
    """A command-line value: JSON when it parses (numbers, true, null, lists, maps), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(items) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"'{item}': expected NAME=VALUE")
        name, value = item.split("=", 1)
        name = name.strip()
        if not name:
            raise ValueError(f"'{item}': the attribute name is empty")
        out[name] = parse_value(value)
    return out


def _assign(attrs: dict, dotted: str, value):
    parts = dotted.split(".")
    target = attrs
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value


def set_attributes(cloud: SimulatedCloud, id: str, assignments: dict, *, react: bool = False) -> Remote:
    """Write the values. With `react`, the change goes through the cloud's API instead: it is
    checked as an update is, and the cloud reacts (an Auto Scaling group given a new desired
    capacity launches or terminates instances)."""
    if react:
        current = cloud.store_record(id)
        if current is None:
            raise NotFound(f"The modeled cloud has no resource '{id}'", code="NotFound")
        attrs = copy.deepcopy(current.attrs)
        for name, value in assignments.items():
            _assign(attrs, name, value)
        return cloud.update(current.kind, id, attrs, sorted({n.split(".")[0] for n in assignments}))
    with cloud.store.transaction() as tx:
        rec = tx.get(id)
        if rec is None:
            raise NotFound(f"The modeled cloud has no resource '{id}'", code="NotFound")
        attrs = copy.deepcopy(rec.attrs)
        for name, value in assignments.items():
            _assign(attrs, name, value)
        rec.attrs = attrs
        if rec.kind == "subnet" or rec.kind == "ebs_volume":
            rec.az = attrs.get("az", rec.az)
        tx.save(rec)
        if attributes.known(rec.kind):  # keep "who uses what" true to the new values
            refs = [(attributes.format_path(p), v) for p, v, _ in attributes.references(rec.kind, attrs)
                    if isinstance(v, str) and tx.get(v) is not None]
            tx.set_refs(rec.id, refs)
        return cloud.remote_of(Op(tx, cloud.limits), rec, tx.token_for(id))


def remove(cloud: SimulatedCloud, id: str) -> list[str]:
    """Delete the record and what it owns; the ids removed (empty if there was nothing)."""
    with cloud.store.transaction() as tx:
        rec = tx.get(id)
        if rec is None:
            return []
        gone = _tree(tx, rec)
        Op(tx, cloud.limits).remove(rec)
        return gone


def _tree(tx, rec: Record) -> list[str]:
    out = [rec.id]
    for child in tx.owned(rec.id):
        out.extend(_tree(tx, child))
    return out


def create(cloud: SimulatedCloud, kind: str, attrs: dict, region: str | None = None, token: str = "") -> Remote:
    return cloud.create(kind, None, region, attrs, token)


def reset(cloud: SimulatedCloud, seed: int = 0):
    cloud.store.reset(seed)


def records(cloud: SimulatedCloud, kind: str | None = None, include_owned: bool = False) -> list[dict]:
    """Every record as a plain dict, sorted by kind, region and id."""
    with cloud.store.reading() as tx:
        where, params = [], []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if not include_owned:
            where.append("owner IS NULL")
        found = tx.query(" AND ".join(where) or "1", tuple(params), order="kind, region, id")
        op = Op(tx, cloud.limits)
        return [_summary(op, r) for r in found]


def _summary(op: Op, rec: Record) -> dict:
    return {"id": rec.id, "kind": rec.kind, "region": rec.region, "az": rec.az, "owner": rec.owner,
            "role": rec.role, "address": rec.address, "name": rec.name,
            "attributes": rec.attrs, "outputs": behaviour(rec.kind).live(op, rec) if rec.owner is None else rec.outputs}


def describe(cloud: SimulatedCloud, id: str) -> dict | None:
    with cloud.store.reading() as tx:
        rec = tx.get(id)
        if rec is None:
            return None
        op = Op(tx, cloud.limits)
        out = _summary(op, rec)
        out["token"] = tx.token_for(id)
        out["owns"] = [_summary(op, r) for r in sorted(tx.owned(id), key=lambda r: r.id)]
        out["used_by"] = sorted({(u.id, path) for u, path in tx.referrers(id)})
        out["used_by"] = [{"id": u, "path": p} for u, p in out["used_by"]]
        return out


def placements(cloud: SimulatedCloud, resources: dict[str, str]) -> list[dict]:
    """Where the instances of these resources (address → id: instances, and Auto Scaling
    groups for the instances they launched) run: host, rack, data centre, AZ, group and
    partition; sorted by address, then instance id. An instance with no placement (launched
    before the cloud modeled hosts) has None for each."""
    from . import placement
    with cloud.store.reading() as tx:
        found: list[tuple[str, Record]] = []
        for address, id in sorted(resources.items()):
            rec = tx.get(id)
            if rec is None:
                continue
            if rec.kind == "instance":
                found.append((address, rec))
            found.extend((address, m) for m in sorted(tx.owned(rec.id, "instance"), key=lambda m: m.id))
        where = placement.where(tx, [rec.id for _, rec in found])
        groups = {}
        for p in where.values():
            if p["group"] and p["group"] not in groups:
                g = tx.get(p["group"])
                groups[p["group"]] = g.name if g is not None else p["group"]
        out = []
        for address, rec in found:
            p = where.get(rec.id, {})
            out.append({"address": address, "instance": rec.id, "instance_type": rec.attrs.get("instance_type"),
                        "az": p.get("az", rec.az), "data_centre": p.get("dc"), "rack": p.get("rack"),
                        "host": p.get("host"), "tenancy": p.get("tenancy"),
                        "placement_group": groups.get(p.get("group")), "partition": p.get("partition"),
                        "instance_store_gb": p.get("instance_store_gb", 0)})
        return out
