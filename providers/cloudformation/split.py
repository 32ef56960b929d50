"""Nested stacks for stacks beyond CloudFormation's 500 resources (or 1,000,000 bytes).

The parts of a stack are put in an order that follows the architecture — a resource next to
what it depends on, subtree after subtree (a VPC, its first subnet, that subnet's instances
and their volumes, the next subnet, …) — and that never puts a part before one it refers to.
That order is cut into consecutive child stacks of at most `limit` parts (and, when a
template would be too big, at most a budget of bytes), at resource boundaries, balanced in
size. Every reference between children then points to an earlier
child, so the children form no cycle, and few references cross a cut.
"""

from __future__ import annotations

from archform.planner.dag import DAG


def architecture_order(addresses, deps) -> dict[str, int]:
    """A position for every address: dependencies first, and depth first (the resources that
    become ready when one is placed come right after it, the smallest address first)."""
    g = DAG()
    g.add_nodes(sorted(addresses))
    for a in g.nodes:
        for d in deps.get(a, ()):
            if d in g.nodes and d != a:
                g.add_edge(d, a)
    # a cycle (reported elsewhere) puts what it holds last
    return {a: i for i, a in enumerate(g.order(depth_first=True, partial=True))}


def part_order(parts, edges: dict, position: dict[str, int]) -> list:
    """Parts in an order where each comes after every part it refers to, as close to the
    architecture order as that allows. `edges[key]` are the keys a part refers to."""
    by_key = {p.key: p for p in parts}
    g = DAG()
    g.add_nodes(by_key)
    for p in parts:
        for k in edges.get(p.key, ()):
            if k in by_key and k != p.key:
                g.add_edge(k, p.key)

    def key(k):
        p = by_key[k]
        return position[p.address], p.seq, p.address, p.suffix
    # a cycle: CloudFormation will say so
    return [by_key[k] for k in g.order(key, partial=True)]


def chunks(ordered: list, limit: int, weight=None, budget: int | None = None) -> list[list]:
    """Consecutive runs of at most `limit` parts (and at most `budget` by `weight`, the bytes a
    part takes), cut between resources, of even size. A resource heavier than `budget` alone
    makes a run of its own (the caller reports it)."""
    def w(p) -> int:
        return weight(p) if weight is not None else 0
    total = sum(map(w, ordered))
    if len(ordered) <= limit and (budget is None or total <= budget):
        return [ordered]
    count = -(-len(ordered) // limit)
    if budget:
        count = max(count, -(-total // budget))
    while True:
        target = -(-len(ordered) // count)
        share = -(-total // count) if budget else 0
        out, current, held = [], [], 0
        for i, p in enumerate(ordered):
            boundary = not current or current[-1].address != p.address
            if current and boundary and (len(current) >= target or (budget and (
                    held >= share or held + _resource(ordered, i, w) > budget))):
                out.append(current)
                current, held = [], 0
            current.append(p)
            held += w(p)
        if current:
            out.append(current)
        if all(len(c) <= limit and (budget is None or sum(map(w, c)) <= budget or _one_resource(c)) for c in out) \
                or count >= len(ordered):
            return out
        count += 1


def _resource(ordered: list, i: int, w) -> int:
    """The weight of the resource whose parts start at `ordered[i]`."""
    address, n = ordered[i].address, 0
    while i < len(ordered) and ordered[i].address == address:
        n += w(ordered[i])
        i += 1
    return n


def _one_resource(run: list) -> bool:
    return len({p.address for p in run}) == 1
