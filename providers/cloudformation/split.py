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

from archform.planner.dag import DAG, CycleError


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


def keep(ordered: list, previous: dict, edges: dict, limit: int, weight=None, budget: int | None = None):
    """Children that keep the assignments of the previous run (`previous`: part key → child
    label such as "Part03"): a resource moved from one nested stack to another is deleted and
    made again by CloudFormation, so a part that was in a child stays there. A newcomer joins
    the first child, from the latest one holding what it refers to, with room for it (within
    `limit` parts and `budget` by `weight`), or a new child after the others. Returns
    [(label, parts)] in an order where every child comes after those it reads — or None when
    the kept children no longer fit or would read each other in a cycle (then the caller lays
    the stack out afresh and says what moves)."""
    def w(p) -> int:
        return weight(p) if weight is not None else 0
    labels = sorted({previous[p.key] for p in ordered if p.key in previous}, key=_number)
    runs: dict[str, list] = {label: [] for label in labels}
    where: dict = {}
    for p in ordered:
        if p.key in previous:
            runs[previous[p.key]].append(p)
            where[p.key] = previous[p.key]
    held = {label: sum(map(w, run)) for label, run in runs.items()}
    if any(len(run) > limit or (budget is not None and held[label] > budget and len({p.address for p in run}) > 1)
           for label, run in runs.items()):
        return None
    width = max([2, *(len(label) - len("Part") for label in labels)])
    for p in ordered:
        if p.key in where:
            continue
        reads = [labels.index(where[k]) for k in edges.get(p.key, ()) if k in where]
        start = max(reads, default=0)
        label = next((label for label in labels[start:] if len(runs[label]) < limit and
                      (budget is None or held[label] + w(p) <= budget)), None)
        if label is None:
            label = f"Part{(max(map(_number, labels), default=0) + 1):0{width}d}"
            labels.append(label)
            runs[label], held[label] = [], 0
        runs[label].append(p)
        held[label] += w(p)
        where[p.key] = label
    g = DAG()
    g.add_nodes(label for label in labels if runs[label])
    for p in ordered:
        for k in edges.get(p.key, ()):
            if k in where and where[k] != where[p.key]:
                g.add_edge(where[k], where[p.key])
    try:
        order = g.order(_number)
    except CycleError:
        return None
    return [(label, runs[label]) for label in order]


def _number(label: str) -> int:
    digits = "".join(c for c in label if c.isdigit())
    return int(digits) if digits else 0
