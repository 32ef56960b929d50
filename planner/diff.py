"""Diff: desired graph × recorded state → changes. A pure function.

Rules, in the order they decide:
- a `moved` statement renames a recorded resource, so it is compared, not destroyed and made
  (one naming a module instance or a `for` collection renames each resource under it);
- a resource deleted outside archform (refresh found it gone) is created again;
- a recorded kind that differs, a tainted resource, `--replace`, or `replace_triggered_by`
  naming something that changes: replace;
- attributes that differ (configuration against record, plus drift found by refresh that the
  configuration would undo) minus `ignore_changes`: replace when any forces a new resource
  (the kind's `force_new`, nested paths allowed), else update;
- an attribute that references a resource being created or replaced is known only after
  apply, so it counts as changed;
- a recorded resource no longer configured: delete;
- `prevent_destroy` (configured, or recorded when the block is gone) turns a planned delete
  or replace into an error naming the resource; `destroy` reads it from the configuration too,
  and apply records a lifecycle changed on its own (`apply.record_lifecycles`).
`--target` keeps only the named resources and what they depend on (with `destroy`, what depends
on them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace as dc_replace

from archform.dsl.desired import Desired, Moved, under
from archform.dsl.diagnostics import Diagnostic, error

from .changes import Action, Change, Reason
from .dag import DAG
from .references import refs_in, rename_refs, symbolic
from .state import ObjectKey, Snapshot, StateResource, Status


@dataclass(frozen=True)
class DiffOptions:
    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    destroy: bool = False
    actual: dict | None = None  # address -> attributes the provider reports now (None: gone)


@dataclass
class DiffResult:
    changes: list[Change]
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _name_held(d, p: StateResource) -> str | None:
    """The explicit name a replacement keeps where AWS makes names unique (its region, its
    parent): the new copy cannot be made beside the old one."""
    from archform.stdlib.name_scopes import SCOPE
    name = d.attrs.get("name")
    if d.kind not in SCOPE or not isinstance(name, str) or p.config.get("name") != name or p.kind != d.kind:
        return None
    parent = SCOPE[d.kind]
    return name if parent is None or d.attrs.get(parent) == p.config.get(parent) else None


def diff(desired: Desired, prior: Snapshot, options: DiffOptions = DiffOptions()) -> DiffResult:
    diags: list[Diagnostic] = []
    recorded: dict[str, StateResource] = dict(prior.resources)
    previous: dict[str, str] = {}
    actual = dict(options.actual or {})

    for m, final in _chains(_each_moved(desired.moved, recorded), diags):
        if m.from_ in recorded and final in recorded:
            diags.append(error(f"cannot move '{m.from_}' to '{final}': both are in the state", m.span,
                               help="remove one of them with `archform state rm`, or drop the moved statement"))
        elif m.from_ in recorded:
            if final not in desired.resources:
                diags.append(error(f"moved target '{final}' is not declared", m.span,
                                   help="the address after -> must name a resource of this configuration"))
                continue
            res = recorded.pop(m.from_)
            recorded[final] = dc_replace(res, address=final)
            previous[final] = m.from_
            if m.from_ in actual:  # what refresh read under the old address belongs to the new one
                actual[final] = actual.pop(m.from_)

    if previous:  # references in the record follow the renames too, or every user would churn
        renamed = {old: new for new, old in previous.items()}
        recorded = {a: dc_replace(r, config=rename_refs(r.config, renamed), deps=tuple(renamed.get(d, d) for d in r.deps))
                    for a, r in recorded.items()}
    wanted = {} if options.destroy else desired.resources
    changes: dict[str, Change] = {}
    pending: set[str] = set()  # created or replaced: their ids are unknown until apply
    by_id: dict[str, str] | None = None  # id → address, made when drift needs it

    for address in _dependencies_first(wanted):
        d = wanted[address]
        cls = desired.facts(d.kind)
        p = recorded.get(address)
        if p is not None and address in actual and actual[address] is None:
            p = None  # deleted outside archform: make it again
        # what apply will tell: the exports, except those the configuration sets itself (a log
        # group's `name = "/x/y"` is known now, not after apply)
        exports = tuple(e for e in (cls.exports if cls else ()) if e not in d.attrs)
        secret = desired.sensitive_attrs(address)
        if p is None:
            unknown_after = tuple(sorted(set(exports) | _unknown_attrs(d.attrs, pending, d.deps)))
            changes[address] = Change(address=address, kind=d.kind, action=Action.CREATE, name=d.name, key=d.key,
                                      region=d.region, previous_address=previous.get(address), after=d.attrs,
                                      changed=tuple(sorted(d.attrs)), after_unknown=unknown_after, deps=d.deps,
                                      create_before_destroy=d.lifecycle.create_before_destroy,
                                      lifecycle=d.lifecycle, sensitive=secret, written=tuple(sorted(d.written)))
            pending.add(address)
            continue
        before = p.config
        drifted = []
        now = actual.get(address)
        if now is not None and now != p.applied:
            before = dict(p.config)
            if by_id is None:
                by_id = {r.id: a for a, r in recorded.items() if r.id}
            for k in sorted(set(now) | set(p.applied)):
                if k in p.applied and now.get(k) != p.applied.get(k):
                    drifted.append(k)
                    # in the configuration's terms: an id of a recorded resource is a reference to it,
                    # or a drifted block would show its unchanged references as changed
                    before[k] = symbolic(now.get(k), by_id)
        if d.attrs == p.config:  # the common case, compared in C
            changed = set(drifted)
        else:
            changed = {k for k in set(d.attrs) | set(p.config)
                       if d.attrs.get(k) != p.config.get(k) and _set(d.attrs.get(k)) != _set(p.config.get(k))}
            changed |= set(drifted)
        unknown = _unknown_attrs(d.attrs, pending, d.deps)
        changed |= unknown
        # still holding what a referenced resource was before it was replaced: an apply that
        # stopped half-way, or an interrupted create-before-destroy (`ADDR~deposed`) — the
        # update moves it onto what exists now (then the old copy goes)
        stale = _stale_references(d, p, recorded, pending) if d.deps else set()
        if stale:
            before = dict(before)
            for k in stale:
                before[k] = p.applied.get(k)
            changed |= stale
        ignore = set(d.lifecycle.ignore_changes)
        if "all" in ignore:
            changed = set()
        else:
            changed -= ignore
        force = _forcing(cls, changed, before, d.attrs) if cls else []
        triggers = set(d.lifecycle.replace_triggered_by)
        reason = None
        if p.kind != d.kind:
            action, reason = Action.REPLACE, Reason.REPLACE_CANNOT_UPDATE
            force = [("kind",)]
        elif p.status is Status.TAINTED:
            action, reason = Action.REPLACE, Reason.REPLACE_TAINTED
        elif address in options.replace or any(_matches(address, t) for t in options.replace):
            action, reason = Action.REPLACE, Reason.REPLACE_BY_REQUEST
        elif triggers and any(changes.get(t) is not None and changes[t].action in (Action.REPLACE, Action.UPDATE,
                                                                                    Action.CREATE) for t in triggers):
            action, reason = Action.REPLACE, Reason.REPLACE_BY_TRIGGERS
        elif force:
            action, reason = Action.REPLACE, Reason.REPLACE_CANNOT_UPDATE
        elif changed:
            action = Action.UPDATE
        else:
            action = Action.NOOP
        if action is Action.REPLACE:
            pending.add(address)
            unknown = unknown | set(exports)
            held = _name_held(d, p) if d.lifecycle.create_before_destroy else None
            if held is not None:
                diags.append(error(
                    f"{address}: create_before_destroy makes the new copy while the old one still has the name "
                    f"'{held}', and AWS refuses a second {d.kind} of that name: the replacement would fail half-way",
                    d.span, help="give the new copy another name in the same change, or drop create_before_destroy"))
        changes[address] = Change(
            address=address, kind=d.kind, action=action, name=d.name, key=d.key, region=d.region,
            previous_address=previous.get(address), before=before, after=d.attrs, changed=tuple(sorted(changed)),
            replace_paths=tuple(force) if action is Action.REPLACE else (), reason=reason,
            create_before_destroy=d.lifecycle.create_before_destroy, after_unknown=tuple(sorted(unknown)),
            drifted=tuple(x for x in drifted if x in changed), deps=d.deps, lifecycle=d.lifecycle, prior_id=p.id,
            prior_deps=p.deps, sensitive=tuple(sorted(set(secret) | set(p.sensitive))))

    for address in sorted(recorded):
        if address in wanted:
            continue
        p = recorded[address]
        reason = Reason.DELETE_BY_DESTROY if options.destroy else Reason.DELETE_NO_CONFIG
        at = ObjectKey(address)
        if p.status is Status.DEPOSED:
            reason = Reason.DELETE_DEPOSED
            at = p.object_key
        changes[address] = Change(address=at.address, deposed=at.deposed, kind=p.kind, action=Action.DELETE,
                                  name=p.name, key=p.key, region=p.region, before=p.config, reason=reason,
                                  deps=p.deps, lifecycle=p.lifecycle, prior_id=p.id, prior_deps=p.deps,
                                  sensitive=p.sensitive)

    result = list(changes.values())
    _check_replace_requests(options.replace, set(wanted) | set(recorded), diags)
    if options.targets:
        result = _targeted(result, options.targets, wanted, recorded, diags, options.destroy)
    for c in result:
        if c.action in (Action.DELETE, Action.REPLACE):
            protected = _prevent_destroy(c, desired.resources, recorded)  # destroy too: as configured now
            if protected:
                what = "destroy" if c.action is Action.DELETE else "replace"
                declared = desired.resources.get(c.address) if c.deposed is None else None
                diags.append(error(
                    f"{c.object_address} has lifecycle.prevent_destroy set, and this plan would {what} it",
                    declared.span if declared is not None else None,
                    detail=_why(c),
                    help="to allow it, set prevent_destroy = false and apply that first; or keep the resource "
                         "(use a `moved` statement if it was renamed)"))
            elif _deletion_protected(c, recorded):
                what = "destroy" if c.action is Action.DELETE else "replace"
                declared = desired.resources.get(c.address) if c.deposed is None else None
                diags.append(error(
                    f"{c.object_address} has deletion protection on, and AWS refuses to delete it: this plan would "
                    f"{what} it", declared.span if declared is not None else None, detail=_why(c),
                    help="set deletion_protection = false and apply that first (an in-place update), then "
                         f"{what} it"))
    return DiffResult(result, diags)


def _deletion_protected(c: Change, recorded) -> bool:
    """Whether what this change deletes has AWS's deletion protection on, as last applied (a
    database, a table, a load balancer, a user pool): the cloud would refuse half-way through."""
    p = recorded.get(c.object_address)
    return bool(p and p.applied.get("deletion_protection") is True)


def _set(value):
    """A value without its unset (null) entries, at every depth: an optional attribute the
    catalogue added to a block since the state was written (`root_volume.device_name`) is unset
    on both sides, not a change."""
    if isinstance(value, dict):
        return {k: _set(x) for k, x in value.items() if x is not None}
    if isinstance(value, list):
        return [_set(x) for x in value]
    return value


def _each_moved(moved, recorded) -> list[Moved]:
    """The `moved` statements, one per recorded resource: one naming a whole module instance
    (`moved standby.stack -> standby.core`) or a whole `for` collection (`moved primary.app ->
    primary.web`) moves each recorded resource under it, its key or path kept (Terraform's moves
    of modules and of `count`/`for_each` resources). A statement naming a recorded resource
    itself moves just that one."""
    known = set(recorded)
    out: list[Moved] = []
    done: set[tuple[str, str]] = set()
    prefixed = []
    for m in moved:
        out.append(m)  # as written: a chain (a -> b, b -> c) goes on through it
        if m.from_ not in known:
            prefixed.append(m)
    for _ in range(len(prefixed)):  # chained moves of prefixes see what the one before moved
        grew = False
        for m in prefixed:
            for address in sorted(known):
                rest = under(address, m.from_)
                if rest and (address, m.to) not in done:
                    done.add((address, m.to))
                    out.append(Moved(address, m.to + rest, m.span))
                    known.add(m.to + rest)
                    grew = True
        if not grew:
            break
    return out


def _chains(moved, diags: list[Diagnostic]):
    """Each `moved` statement with the address its chain ends at: `a -> b` and `b -> c` move a
    record at `a` to `c` (renamed twice between two applies, as Terraform allows)."""
    to = {m.from_: m for m in moved}
    out = []
    for m in moved:
        seen = {m.from_}
        final = m.to
        while final in to:
            if final in seen:
                diags.append(error(f"the moved statements from '{m.from_}' go round in a loop", m.span,
                                   help="each address may be moved away from once"))
                final = None
                break
            seen.add(final)
            final = to[final].to
        if final is not None:
            out.append((m, final))
    return out


def _why(c: Change) -> str:
    if c.action is Action.DELETE:
        return "it is in the state but no longer in the configuration" if c.reason is Reason.DELETE_NO_CONFIG \
            else "destroy removes everything"
    if c.replace_paths:
        return "changing " + ", ".join(".".join(p) for p in c.replace_paths) + " forces a new resource"
    return c.reason or ""


def _prevent_destroy(c: Change, wanted, recorded) -> bool:
    if c.deposed is None and c.address in wanted:
        return wanted[c.address].lifecycle.prevent_destroy
    p = recorded.get(c.object_address)
    return bool(p and p.lifecycle.prevent_destroy)


def _stale_references(d, p: StateResource, recorded: dict[str, StateResource], pending: set[str]) -> set[str]:
    """The configured attributes of `d` that refer to a resource whose recorded id is not the one
    `p` was applied with (`p.ref_ids`): it was replaced or made again and this resource never
    moved onto it. A record written before ids were kept falls back to looking for the ids of
    old copies (`ADDR~deposed`) in its applied values."""
    if p.ref_ids:
        held = set(p.ref_ids)
        moved_on = set()
        for dep in d.deps:
            r = recorded.get(dep)
            if r is not None and r.id and r.id not in held and dep not in pending:
                moved_on.add(dep)
    else:
        moved_on = set()
        deposed = {r.id for r in recorded.values() if r.status is Status.DEPOSED and r.id}
        if deposed and any(_holds(p.applied.get(k), deposed) for k in d.attrs):
            moved_on = {dep for dep in d.deps if str(ObjectKey(dep).deposed_copy()) in recorded}
    if not moved_on:
        return set()
    out = set()
    for k, v in d.attrs.items():
        t = type(v)
        if (t is dict or t is list) and not moved_on.isdisjoint(refs_in(v)):
            out.add(k)
    return out


def _holds(v, ids: set[str]) -> bool:
    if isinstance(v, str):
        return v in ids
    if isinstance(v, dict):
        return any(_holds(x, ids) for x in v.values())
    if isinstance(v, list):
        return any(_holds(x, ids) for x in v)
    return False


def _unknown_attrs(attrs: dict, pending: set[str], deps=None) -> set[str]:
    """Attributes that reference a resource being created or replaced."""
    if not pending or (deps is not None and pending.isdisjoint(deps)):
        return set()  # every reference is among the dependencies: none is pending
    out = set()
    for k, v in attrs.items():
        t = type(v)
        if (t is dict or t is list) and not pending.isdisjoint(refs_in(v)):
            out.add(k)
    return out


def _forcing(cls, changed: set[str], before: dict, after: dict) -> list[tuple[str, ...]]:
    """Paths among the changed attributes that force a new resource (`cls`: the kind's facts)."""
    out = []
    for path in cls.force_new:
        parts = tuple(path.split("."))
        if parts[0] not in changed:
            continue
        if len(parts) == 1 or _at(before, parts) != _at(after, parts):
            out.append(parts)
    return out


def _at(value, parts):
    for p in parts:
        if isinstance(value, dict):
            value = value.get(p)
        else:
            return None
    return value


def _matches(address: str, pattern: str) -> bool:
    """`primary.private` matches `primary.private[a]`; `primary.net` matches `primary.net.vpc`."""
    return address == pattern or address.startswith(pattern + "[") or address.startswith(pattern + ".")


def _check_replace_requests(requests, known: set[str], diags: list[Diagnostic]):
    """`--replace ADDR` must name something that exists (a typo is not silently ignored)."""
    for t in requests:
        if not any(_matches(a, t) for a in known):
            from archform.dsl.suggest import did_you_mean
            diags.append(error(f"--replace {t}: no such resource", help=did_you_mean(t, known)))


def _targeted(changes: list[Change], targets, wanted, recorded, diags, destroy: bool = False) -> list[Change]:
    """Only the targets' changes and what they need: what they depend on (made first), or — for
    a destroy — what depends on them (destroyed first: a VPC goes with its subnets, never the VPC
    a targeted subnet is in), as Terraform's `-target` does."""
    known = set(wanted) | set(recorded)
    keep: set[str] = set()
    for t in targets:
        hits = {a for a in known if _matches(a, t)}
        if not hits:
            from archform.dsl.suggest import did_you_mean
            diags.append(error(f"--target {t}: no such resource", help=did_you_mean(t, known)))
        keep |= hits
    if destroy:
        dependents: dict[str, set[str]] = {}
        for a, r in recorded.items():
            for d in r.deps:
                dependents.setdefault(d, set()).add(a)
        step = lambda a: dependents.get(a, ())  # noqa: E731
    else:
        step = lambda a: wanted[a].deps if a in wanted else recorded[a].deps if a in recorded else ()  # noqa: E731
    stack = list(keep)
    while stack:
        a = stack.pop()
        for d in step(a):
            if d not in keep:
                keep.add(d)
                stack.append(d)
    return [c for c in changes if c.object_address in keep]


def _dependencies_first(resources: dict) -> list[str]:
    """Dependencies first; source order breaks ties (a depth-first post-order)."""
    g = DAG()
    g.add_nodes(resources)
    g.add_edges((dep, a) for a, r in resources.items() for dep in r.deps if dep in resources)
    return g.postorder()
