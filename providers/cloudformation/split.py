"""Nested stacks for stacks beyond CloudFormation's 500 resources.

The parts of a stack are put in an order that follows the architecture — a resource next to
what it depends on, subtree after subtree (a VPC, its first subnet, that subnet's instances
and their volumes, the next subnet, …) — and that never puts a part before one it refers to.
That order is cut into consecutive child stacks of at most `limit` parts, at resource
boundaries, balanced in size. Every reference between children then points to an earlier
child, so the children form no cycle, and few references cross a cut.
"""

from __future__ import annotations

import heapq


def architecture_order(addresses, deps) -> dict[str, int]:
    """A position for every address: dependencies first, and depth first (the resources that
    become ready when one is placed come right after it)."""
    addresses = sorted(addresses)
    present = set(addresses)
    waiting = {a: sum(1 for d in set(deps.get(a, ())) if d in present and d != a) for a in addresses}
    dependents: dict[str, list[str]] = {}
    for a in addresses:
        for d in set(deps.get(a, ())):
            if d in present and d != a:
                dependents.setdefault(d, []).append(a)
    stack = [a for a in reversed(addresses) if waiting[a] == 0]
    order: dict[str, int] = {}
    while stack:
        a = stack.pop()
        order[a] = len(order)
        ready = []
        for b in dependents.get(a, ()):
            waiting[b] -= 1
            if waiting[b] == 0:
                ready.append(b)
        stack.extend(sorted(ready, reverse=True))
    for a in addresses:  # a cycle (reported elsewhere) leaves some out
        order.setdefault(a, len(order))
    return order


def part_order(parts, edges: dict, position: dict[str, int]) -> list:
    """Parts in an order where each comes after every part it refers to, as close to the
    architecture order as that allows. `edges[key]` are the keys a part refers to."""
    by_key = {p.key: p for p in parts}
    waiting = {}
    dependents: dict = {}
    for p in parts:
        needed = {k for k in edges.get(p.key, ()) if k in by_key and k != p.key}
        waiting[p.key] = len(needed)
        for k in needed:
            dependents.setdefault(k, []).append(p.key)
    heap = [(position[p.address], p.seq, p.address, p.suffix) for p in parts if waiting[p.key] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, _, address, suffix = heapq.heappop(heap)
        p = by_key[(address, suffix)]
        out.append(p)
        for k in dependents.get(p.key, ()):
            waiting[k] -= 1
            if waiting[k] == 0:
                q = by_key[k]
                heapq.heappush(heap, (position[q.address], q.seq, q.address, q.suffix))
    if len(out) != len(parts):
        placed = {p.key for p in out}
        out.extend(p for p in parts if p.key not in placed)  # a cycle: CloudFormation will say so
    return out


def chunks(ordered: list, limit: int) -> list[list]:
    """Consecutive runs of at most `limit` parts, cut between resources, of even size."""
    if len(ordered) <= limit:
        return [ordered]
    count = -(-len(ordered) // limit)
    while True:
        target = -(-len(ordered) // count)
        out, current = [], []
        for i, p in enumerate(ordered):
            boundary = not current or current[-1].address != p.address
            if current and boundary and len(current) >= target:
                out.append(current)
                current = []
            current.append(p)
        if current:
            out.append(current)
        if all(len(c) <= limit for c in out):
            return out
        count += 1
