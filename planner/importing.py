"""`archform import ADDR ID`: adopt a resource the provider already has.

The address must be declared in the configuration (so archform knows its kind and what it
should look like). The record takes the provider's attributes; references to resources
archform already knows are written back as references, so the next plan shows only real
differences between the configuration and what exists.
"""

from __future__ import annotations

from dataclasses import replace

from .references import symbolic
from .state import StateResource, Status


def import_resource(store, provider, desired, address: str, id: str) -> tuple[str, bool]:
    from archform.dsl.suggest import did_you_mean
    d = desired.resources.get(address)
    if d is None:
        hint = did_you_mean(address, desired.resources)
        return (f"error: '{address}' is not declared in the configuration" + (f"; {hint}" if hint else "") +
                "\n  declare the resource first, then import it into that address"), False
    snapshot = store.read()
    if address in snapshot.resources:
        return f"error: '{address}' is already managed (id {snapshot.resources[address].id})", False
    for other in snapshot.resources.values():
        if other.id == id:
            return f"error: {id} is already managed as '{other.address}'", False
    held = store.held_elsewhere(id)
    if held:  # one object, one owner: that workspace's next apply or this one's would undo the other's
        ws, at = held[0]
        return (f"error: {id} is already managed by workspace '{ws}' as '{at}'"
                f"\n  = help: a resource has one owner: import it in '{ws}' (or first `archform state rm {at} -w {ws}`)"
                ), False
    remote = provider.read(d.kind, id)
    if remote is None:
        hint = _by_name(provider, d.kind, d.region, id)
        return f"error: the provider has no {d.kind} with id {id}" + (
            f"\n  = help: a {d.kind} is known by its ARN (its name is unique only in its region or parent): "
            f"`archform import {address} {hint}`" if hint else ""), False
    if remote.kind != d.kind:
        return f"error: {id} is a {remote.kind}, but '{address}' is a {d.kind}", False
    # recorded under another region's address, it would be changed as if it were that one, and
    # the resource really declared there made a second time
    if remote.region and d.region and remote.region != d.region:
        return (f"error: {id} is in {remote.region}, but '{address}' is declared in {d.region}"
                f"\n  = help: import it into an address of {remote.region}"), False
    by_id = {r.id: r.address for r in snapshot.resources.values() if r.id}
    config = {k: symbolic(v, by_id) for k, v in remote.attrs.items()}
    with store.edit(f"import {address}") as edit:
        edit.put(StateResource(address, d.kind, remote.id, d.region, d.name, d.key, config, remote.attrs,
                               remote.outputs, d.deps, d.lifecycle, Status.OK))
        # what was imported before it and names it by id (a service before its cluster) now refers to it
        for other in snapshot.resources.values():
            again = {k: symbolic(v, {remote.id: address}) for k, v in other.config.items()}
            if again != other.config:
                edit.put(replace(other, config=again))
    return f"Imported {id} as {address}. Run `archform plan` to see how it differs from the configuration.", True


def _by_name(provider, kind: str, region: str | None, name: str) -> str | None:
    """The id (an ARN) of the one resource of this kind and region named `name`: its ARN ends in
    the name (`…:log-group:/shop/app`, `…:parameter/shop/config`), or its name is the name."""
    def named(r) -> bool:
        if r.outputs.get("name") == name or r.attrs.get("name") == name:
            return True
        cut = len(r.id) - len(name)
        return r.id.endswith(name) and cut > 0 and (name[0] == "/" or r.id[cut - 1] in ":/")
    found = [r.id for r in provider.list(kind) if r.region == region and r.id.startswith("arn:") and named(r)]
    return found[0] if len(found) == 1 else None
