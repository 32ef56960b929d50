"""References inside attribute values, and turning them into concrete values.

Desired attributes refer to other resources symbolically: `{"$ref": address}` (the
resource's id), `{"$ref": address, "attr": name}` (an exported value) and
`{"$format": [parts]}` (a string with such values inside). At apply time they become the
values the provider reported for those resources.
"""

from __future__ import annotations

from typing import Callable


def is_ref(v) -> bool:
    return isinstance(v, dict) and "$ref" in v and len(v) <= 2 and set(v) <= {"$ref", "attr"}


def is_format(v) -> bool:
    return isinstance(v, dict) and set(v) == {"$format"}


def refs_in(value) -> list[str]:
    """Addresses referenced anywhere inside a value (a plain loop: this runs for every
    attribute of every resource in a plan)."""
    out: list[str] = []
    stack = [value]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is dict:
            ref = x.get("$ref")
            if ref is not None:
                out.append(ref)
                continue
            for v in x.values():
                if type(v) is dict or type(v) is list:
                    stack.append(v)
        elif t is list:
            for v in x:
                if type(v) is dict or type(v) is list:
                    stack.append(v)
    return out


def rename_refs(value, renamed: dict[str, str]):
    """`value` with its references to the old addresses in `renamed` pointing at the new ones."""
    if isinstance(value, dict):
        if "$ref" in value and value["$ref"] in renamed:
            return {**value, "$ref": renamed[value["$ref"]]}
        return {k: rename_refs(v, renamed) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_refs(v, renamed) for v in value]
    return value


def symbolic(value, by_id: dict[str, str]):
    """A value as the provider reports it, in the configuration's terms: every id of a recorded
    resource (`by_id`: id → address) becomes a reference to that resource."""
    if isinstance(value, str) and value in by_id:
        return {"$ref": by_id[value]}
    if isinstance(value, list):
        return [symbolic(v, by_id) for v in value]
    if isinstance(value, dict):
        return {k: symbolic(v, by_id) for k, v in value.items()}
    return value


def resolve(value, lookup: Callable[[str, str | None], object]):
    """Replace every reference with `lookup(address, attr)` (attr None means the id)."""
    if isinstance(value, dict):
        if is_ref(value):
            return lookup(value["$ref"], value.get("attr"))
        if is_format(value):
            return "".join(str(resolve(p, lookup)) for p in value["$format"])
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    return value


def display(value) -> str:
    """A reference as a person reads it in a plan: `primary.main.id`, `web.dns_name`."""
    if is_ref(value):
        return f"{value['$ref']}.{value.get('attr') or 'id'}"
    if is_format(value):
        return '"' + "".join(p if isinstance(p, str) else "${" + display(p) + "}" for p in value["$format"]) + '"'
    raise TypeError
