"""archform's one directed graph: every ordering of things that depend on each other.

Used for the change graph (its order, its waves, its cycles, and the apply's walk), the
order `diff` visits resources in, and CloudFormation's stack split and deploy order.

The model is networkx's `DiGraph` (nodes with attributes; `add_node`, `add_edge`,
`successors`, `predecessors`, `in_degree`), and `to_networkx()` gives the same graph as a
networkx DiGraph for analysis. The hot path does not import networkx: that costs about
0.2 s, more than half of a 1,000-resource plan. Nodes and edges keep the order they were
added in (dicts, not sets), so every ordering here is deterministic:

- `order()`: Kahn's algorithm, the ready node with the smallest key first (by default the
  node itself: networkx's `lexicographical_topological_sort`); `depth_first=True` places
  what a node makes ready right after it (the smallest first); `partial=True` appends the
  nodes a cycle keeps out, in the order they were added, instead of raising `CycleError`;
- `generations()`: the waves of networkx's `topological_generations`, each sorted;
- `postorder()`: depth-first, each node after its predecessors, from the nodes in the order
  they were added (what `diff` uses: dependencies first, source order breaking ties);
- `find_cycle()`: a cycle as a path, or None; `reverse=True` follows edges backwards;
- `walk()`: the order one node at a time for a caller that runs nodes and reports each as
  done or failed (a failure skips everything downstream of it).

The tests check `order`, `generations` and `find_cycle` against networkx on random graphs.
"""

from __future__ import annotations

import heapq
from typing import Any, Callable, Iterable

Node = Any  # hashable and comparable: addresses, Ops, stack names


class CycleError(ValueError):
    def __init__(self, left: list):
        super().__init__("the graph has a cycle")
        self.left = left  # the nodes the cycle (or cycles) kept from being ordered


class DAG:
    def __init__(self):
        self.nodes: dict[Node, dict] = {}
        self._succ: dict[Node, dict[Node, None]] = {}
        self._pred: dict[Node, dict[Node, None]] = {}

    # -- building --------------------------------------------------------------------------
    def add_node(self, node: Node, **attrs):
        if node not in self.nodes:
            self.nodes[node] = {}
            self._succ[node] = {}
            self._pred[node] = {}
        if attrs:
            self.nodes[node].update(attrs)

    def add_nodes(self, nodes: Iterable[Node]):
        known, succ, pred = self.nodes, self._succ, self._pred
        for n in nodes:
            if n not in known:
                known[n] = {}
                succ[n] = {}
                pred[n] = {}

    def add_edge(self, u: Node, v: Node):
        """`u` before `v`."""
        if u not in self.nodes:
            self.add_node(u)
        if v not in self.nodes:
            self.add_node(v)
        self._succ[u][v] = None
        self._pred[v][u] = None

    def add_edges(self, edges: Iterable[tuple[Node, Node]]):
        known, succ, pred = self.nodes, self._succ, self._pred
        for u, v in edges:
            if u not in known:
                self.add_node(u)
            if v not in known:
                self.add_node(v)
            succ[u][v] = None
            pred[v][u] = None

    # -- reading ---------------------------------------------------------------------------
    def successors(self, node: Node):
        return iter(self._succ[node])

    def predecessors(self, node: Node):
        return iter(self._pred[node])

    def in_degree(self, node: Node) -> int:
        return len(self._pred[node])

    def edges(self):
        for u, vs in self._succ.items():
            for v in vs:
                yield u, v

    def __len__(self):
        return len(self.nodes)

    def __contains__(self, node):
        return node in self.nodes

    # -- orderings -------------------------------------------------------------------------
    def order(self, key: Callable | None = None, *, depth_first: bool = False, partial: bool = False) -> list:
        """Topological order (Kahn's algorithm). Among the nodes ready at once, the smallest
        `key(node)` first (the node itself without a key). `depth_first`: the nodes a node makes
        ready come right after it. A cycle raises `CycleError`, or with `partial` the nodes it
        keeps out come last, in the order they were added."""
        waiting = {n: len(p) for n, p in self._pred.items()}
        succ = self._succ
        out = []
        if depth_first:
            stack = sorted((n for n, d in waiting.items() if d == 0), key=key, reverse=True)
            while stack:
                n = stack.pop()
                out.append(n)
                ready = []
                for m in succ[n]:
                    waiting[m] -= 1
                    if waiting[m] == 0:
                        ready.append(m)
                if ready:
                    stack.extend(sorted(ready, key=key, reverse=True))
        elif key is None:
            heap = [n for n, d in waiting.items() if d == 0]
            heapq.heapify(heap)
            while heap:
                n = heapq.heappop(heap)
                out.append(n)
                for m in succ[n]:
                    waiting[m] -= 1
                    if waiting[m] == 0:
                        heapq.heappush(heap, m)
        else:  # (key, insertion index, node): nodes themselves are never compared
            index = {n: i for i, n in enumerate(self.nodes)}
            heap = [(key(n), index[n], n) for n, d in waiting.items() if d == 0]
            heapq.heapify(heap)
            while heap:
                n = heapq.heappop(heap)[2]
                out.append(n)
                for m in succ[n]:
                    waiting[m] -= 1
                    if waiting[m] == 0:
                        heapq.heappush(heap, (key(m), index[m], m))
        if len(out) != len(self.nodes):
            placed = set(out)
            left = [n for n in self.nodes if n not in placed]
            if not partial:
                raise CycleError(left)
            out.extend(left)
        return out

    def generations(self) -> list[list]:
        """Waves: each wave holds the nodes whose predecessors are all in earlier waves, sorted."""
        waiting = {n: len(p) for n, p in self._pred.items()}
        wave = sorted(n for n, d in waiting.items() if d == 0)
        out = []
        seen = 0
        while wave:
            out.append(wave)
            seen += len(wave)
            nxt = []
            for n in wave:
                for m in self._succ[n]:
                    waiting[m] -= 1
                    if waiting[m] == 0:
                        nxt.append(m)
            wave = sorted(nxt)
        if seen != len(self.nodes):
            raise CycleError([n for n, d in waiting.items() if d > 0])
        return out

    def postorder(self) -> list:
        """Depth-first post-order: every node after its predecessors, starting from the nodes in
        the order they were added and visiting predecessors in the order their edges were added.
        An edge that closes a cycle is not followed (the cycle is reported elsewhere)."""
        out: list = []
        state: dict = {}
        pred = self._pred
        for root in self.nodes:
            if state.get(root):
                continue
            state[root] = 1
            stack = [(root, iter(pred[root]))]
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    out.append(node)
                    stack.pop()
                elif not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, iter(pred[nxt])))
        return out

    def find_cycle(self, reverse: bool = False) -> list | None:
        """A cycle as a list of nodes (the first repeated at the end), or None: a depth-first
        search from the smallest node, following the smallest next node first. `reverse`:
        along the edges backwards (from a node to what must come before it)."""
        nexts = self._pred if reverse else self._succ
        colour: dict = {}
        for root in sorted(self.nodes):
            if colour.get(root):
                continue
            colour[root] = 1
            path = [root]
            stack = [iter(sorted(nexts[root]))]
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    colour[path.pop()] = 2
                    stack.pop()
                    continue
                state = colour.get(nxt, 0)
                if state == 1:
                    return path[path.index(nxt):] + [nxt]
                if state == 0:
                    colour[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(sorted(nexts[nxt])))
        return None

    def walk(self) -> "Walk":
        return Walk(self)

    def to_networkx(self):
        import networkx as nx
        g = nx.DiGraph()
        for n, attrs in self.nodes.items():
            g.add_node(n, **attrs)
        g.add_edges_from(self.edges())
        return g


class Walk:
    """`DAG.order()` one node at a time, for a caller that runs nodes (several at once) and
    reports each as done or failed: `take()` the smallest ready node; `done(node)` readies
    what waited only for it; `failed(node)` skips everything downstream of it, noting in
    `skipped` the failed node that kept each from running (the first, when several did)."""

    def __init__(self, g: DAG):
        self._succ = g._succ
        self._waiting = {n: len(p) for n, p in g._pred.items()}
        self._ready = [n for n, d in self._waiting.items() if d == 0]
        heapq.heapify(self._ready)
        self.skipped: dict = {}

    def __bool__(self) -> bool:
        """Whether a node is ready to run."""
        return bool(self._ready)

    def take(self):
        return heapq.heappop(self._ready)

    def done(self, node):
        for m in sorted(self._succ[node]):
            if m in self.skipped:
                continue
            self._waiting[m] -= 1
            if self._waiting[m] == 0:
                heapq.heappush(self._ready, m)

    def failed(self, node):
        for start in sorted(self._succ[node]):
            stack = [start]
            while stack:
                n = stack.pop()
                if n in self.skipped:
                    continue
                self.skipped[n] = node
                stack.extend(self._succ[n])
