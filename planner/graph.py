"""The change graph: operations and the order they must run in.

Each change becomes operations (`Op`s), `create:ADDR`, `update:ADDR`, `delete:ADDR` (a
replacement is a delete and a create; ADDR is the object's, `ADDR~deposed` for an old copy).
Edges say "must finish before":

- creates and updates follow dependencies: what a resource references is made first;
- deletes run in reverse: a resource goes before what it depends on (subnet before VPC);
- a replacement is delete-then-create, so `A` and its dependent `B`, both replaced, run
  delete B, delete A, create A, create B;
- with create_before_destroy on `A`: create A, then whatever moves onto it (create/update
  of its dependents), then delete A; the dependencies of a create-before-destroy
  replacement become create-before-destroy too, or the graph would have a cycle.

The order is deterministic: a topological sort with the operation as the tie-break. Waves
are the sets of operations that may run at once. A cycle is reported with its path. The
graph is a `planner.dag.DAG`.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace

from archform.dsl.diagnostics import Diagnostic, error

from .changes import Action, Change, Op
from .dag import DAG

CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE


def propagate_create_before_destroy(changes: list[Change]) -> list[Change]:
    """A replaced resource that a create-before-destroy replacement depends on becomes
    create-before-destroy as well (transitively)."""
    by_addr = {c.address: c for c in changes if c.deposed is None}
    cbd = {c.address for c in changes if c.action is Action.REPLACE and c.create_before_destroy}
    stack = list(cbd)
    while stack:
        a = stack.pop()
        for dep in by_addr[a].deps:
            c = by_addr.get(dep)
            if c is not None and c.action is Action.REPLACE and dep not in cbd:
                cbd.add(dep)
                stack.append(dep)
    return [dc_replace(c, create_before_destroy=True)
            if c.address in cbd and c.deposed is None and not c.create_before_destroy else c for c in changes]


def build(changes: list[Change]) -> DAG:
    g = DAG()
    by_addr = {c.address: c for c in changes if c.deposed is None}  # the resources (not their old copies)
    ops: dict[int, tuple[Op | None, Op | None, Op | None]] = {}  # id(change) -> (create, update, delete)
    for c in changes:
        at = c.object_address
        create = Op(CREATE, at) if c.action in (Action.CREATE, Action.REPLACE) else None
        update = Op(UPDATE, at) if c.action is Action.UPDATE else None
        delete = Op(DELETE, at) if c.action in (Action.DELETE, Action.REPLACE) else None
        ops[id(c)] = (create, update, delete)
        if c.action is Action.REPLACE:
            g.add_node(delete, change=c)
            g.add_node(create, change=c)
            if c.create_before_destroy:
                g.add_edge(create, delete)
            else:
                g.add_edge(delete, create)
        elif c.action is not Action.NOOP:
            g.add_node(create or update or delete, change=c)

    def make_op(a: str) -> Op | None:
        """The operation that makes resource `a` what it is to be (its create or update)."""
        c = by_addr.get(a)
        if c is None:
            return None
        create, update, _ = ops[id(c)]
        return create or update

    for c in changes:
        create, update, delete = ops[id(c)]
        mine = create or update
        # creates/updates follow dependencies
        if mine is not None:
            for dep in c.deps:
                theirs = make_op(dep)
                if theirs is not None:
                    g.add_edge(theirs, mine)
        # deletes run in reverse dependency order: the old object goes before what it depended on
        if delete is not None:
            for dep in c.prior_deps:
                d = by_addr.get(dep)
                if d is not None and d.action in (Action.DELETE, Action.REPLACE):
                    g.add_edge(delete, ops[id(d)][2])
    # what used an object that goes away stops using it first (an instance drops a security
    # group before the group is deleted); a delete-first replacement cannot wait for that. The
    # old copy of an interrupted create-before-destroy is used under its resource's address.
    users: dict[str, list[Change]] = {}
    for other in changes:
        for dep in other.prior_deps:
            users.setdefault(dep, []).append(other)
    for c in changes:
        if c.action is Action.DELETE or (c.action is Action.REPLACE and c.create_before_destroy):
            for other in users.get(c.address, ()):
                if other.action is Action.UPDATE and other is not c:
                    g.add_edge(ops[id(other)][1], ops[id(c)][2])
    # a replaced resource's old copy goes only after what depended on it has moved
    dependents: dict[str, list[Change]] = {}
    for other in changes:
        for dep in other.deps:
            dependents.setdefault(dep, []).append(other)
    for c in changes:
        if c.action is not Action.REPLACE:
            continue
        create, _, delete = ops[id(c)]
        for other in dependents.get(c.address, ()):
            if other is c:
                continue
            theirs_create, theirs_update, _ = ops[id(other)]
            if c.create_before_destroy:
                theirs = theirs_create or theirs_update
                if theirs is not None:
                    g.add_edge(theirs, delete)
            elif other.action is Action.UPDATE:
                # delete-then-create: the dependent is updated after the new copy exists
                g.add_edge(create, theirs_update)
    _names_freed_first(changes, ops, g)
    return g


def _names_freed_first(changes: list[Change], ops: dict, g: DAG) -> None:
    """A name AWS makes unique (in a region, a parent, the account, a namespace two kinds share)
    is taken only after the object that had it is deleted: two log groups swapping names, or a
    new one taking the name of one going away (a composite alarm a metric alarm's), would
    otherwise race, and the create be refused half-way."""
    from archform.stdlib.name_scopes import GLOBAL, NAMESPACE, SCOPE

    def where(c: Change, attrs: dict | None):
        name = (attrs or {}).get("name")
        if c.kind not in SCOPE or not isinstance(name, str):
            return None
        parent = SCOPE[c.kind]
        return (NAMESPACE.get(c.kind, c.kind), None if c.kind in GLOBAL else c.region,
                (attrs or {}).get(parent) if parent else None, name)

    freed: dict[str, list[Change]] = {}
    for c in changes:
        if c.action in (Action.DELETE, Action.REPLACE):
            key = where(c, c.before)
            if key is not None:
                freed.setdefault(repr(key), []).append(c)
    if not freed:
        return
    for c in changes:
        create = ops[id(c)][0]
        key = where(c, c.after) if create is not None else None
        for other in freed.get(repr(key), ()) if key is not None else ():
            if other is not c:
                g.add_edge(ops[id(other)][2], create)


def cycle_diagnostic(g: DAG) -> Diagnostic | None:
    path = g.find_cycle()
    if path is None:
        return None
    return error("the changes cannot be ordered: " + " → ".join(map(str, path)),
                 help="set lifecycle.create_before_destroy on the replaced resources in this loop, "
                      "or apply the change in two steps")


def waves(g: DAG) -> list[list[Op]]:
    """Operations grouped into waves that may run in parallel, each sorted."""
    return g.generations()


def order(g: DAG) -> list[Op]:
    return g.order()
