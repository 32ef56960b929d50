"""The change graph: operations and the order they must run in.

Each change becomes operations, `create:ADDR`, `update:ADDR`, `delete:ADDR` (a replacement
is a delete and a create). Edges say "must finish before":

- creates and updates follow dependencies: what a resource references is made first;
- deletes run in reverse: a resource goes before what it depends on (subnet before VPC);
- a replacement is delete-then-create, so `A` and its dependent `B`, both replaced, run
  delete B, delete A, create A, create B;
- with create_before_destroy on `A`: create A, then whatever moves onto it (create/update
  of its dependents), then delete A; the dependencies of a create-before-destroy
  replacement become create-before-destroy too, or the graph would have a cycle.

The order is deterministic: a topological sort with the address as the tie-break. Waves
are the sets of operations that may run at once. A cycle is reported with its path. The
graph is a `planner.dag.DAG` (networkx's model, without its import cost on every plan);
`to_networkx()` gives the same graph as a networkx DiGraph.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace

from archform.dsl.diagnostics import Diagnostic, error

from .changes import Action, Change
from .dag import DAG


def op_id(action: str, address: str) -> str:
    return f"{action}:{address}"


def propagate_create_before_destroy(changes: list[Change]) -> list[Change]:
    """A replaced resource that a create-before-destroy replacement depends on becomes
    create-before-destroy as well (transitively)."""
    by_addr = {c.address: c for c in changes}
    cbd = {c.address for c in changes if c.action is Action.REPLACE and c.create_before_destroy}
    stack = list(cbd)
    while stack:
        a = stack.pop()
        for dep in by_addr[a].deps:
            c = by_addr.get(dep)
            if c is not None and c.action is Action.REPLACE and dep not in cbd:
                cbd.add(dep)
                stack.append(dep)
    return [dc_replace(c, create_before_destroy=True) if c.address in cbd and not c.create_before_destroy else c
            for c in changes]


def build(changes: list[Change]) -> DAG:
    g = DAG()
    by_addr = {c.address: c for c in changes}
    for c in changes:
        if c.action is Action.CREATE:
            g.add_node(op_id("create", c.address), change=c)
        elif c.action is Action.UPDATE:
            g.add_node(op_id("update", c.address), change=c)
        elif c.action is Action.DELETE:
            g.add_node(op_id("delete", c.address), change=c)
        elif c.action is Action.REPLACE:
            g.add_node(op_id("delete", c.address), change=c)
            g.add_node(op_id("create", c.address), change=c)
            if c.create_before_destroy:
                g.add_edge(op_id("create", c.address), op_id("delete", c.address))
            else:
                g.add_edge(op_id("delete", c.address), op_id("create", c.address))

    def make_op(a: str) -> str | None:
        c = by_addr.get(a)
        if c is None:
            return None
        if c.action in (Action.CREATE, Action.REPLACE):
            return op_id("create", a)
        if c.action is Action.UPDATE:
            return op_id("update", a)
        return None

    for c in changes:
        mine = make_op(c.address)
        # creates/updates follow dependencies
        if mine is not None:
            for dep in c.deps:
                theirs = make_op(dep)
                if theirs is not None:
                    g.add_edge(theirs, mine)
        # deletes run in reverse dependency order: the old object goes before what it depended on
        if c.action in (Action.DELETE, Action.REPLACE):
            me_delete = op_id("delete", c.address)
            for dep in c.prior_deps:
                d = by_addr.get(dep)
                if d is not None and d.action in (Action.DELETE, Action.REPLACE):
                    g.add_edge(me_delete, op_id("delete", dep))
    # what used an object that goes away stops using it first (an instance drops a security
    # group before the group is deleted); a delete-first replacement cannot wait for that
    users: dict[str, list[Change]] = {}
    for other in changes:
        for dep in other.prior_deps:
            users.setdefault(dep, []).append(other)
    for c in changes:
        if c.action is Action.DELETE or (c.action is Action.REPLACE and c.create_before_destroy):
            # the old copy left by an interrupted create-before-destroy (`ADDR~deposed`) is used
            # under its address
            used_as = c.address.split("~", 1)[0] if c.deposed else c.address
            for other in users.get(used_as, ()):
                if other.action is Action.UPDATE and other.address != c.address:
                    g.add_edge(op_id("update", other.address), op_id("delete", c.address))
    # a replaced resource's old copy goes only after what depended on it has moved
    dependents: dict[str, list[Change]] = {}
    for other in changes:
        for dep in other.deps:
            dependents.setdefault(dep, []).append(other)
    for c in changes:
        if c.action is not Action.REPLACE:
            continue
        delete = op_id("delete", c.address)
        for other in dependents.get(c.address, ()):
            if other.address == c.address:
                continue
            if c.create_before_destroy:
                theirs = make_op(other.address)
                if theirs is not None:
                    g.add_edge(theirs, delete)
            elif other.action is Action.UPDATE:
                # delete-then-create: the dependent is updated after the new copy exists
                g.add_edge(op_id("create", c.address), op_id("update", other.address))
    return g


def cycle_diagnostic(g: DAG) -> Diagnostic | None:
    path = g.find_cycle()
    if path is None:
        return None
    return error("the changes cannot be ordered: " + " → ".join(path),
                 help="set lifecycle.create_before_destroy on the replaced resources in this loop, "
                      "or apply the change in two steps")


def waves(g: DAG) -> list[list[str]]:
    """Operations grouped into waves that may run in parallel, each sorted."""
    return g.generations()


def order(g: DAG) -> list[str]:
    return g.order()
