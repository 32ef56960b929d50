"""A small directed graph for the change graph's hot path, interchangeable with networkx.

Every plan builds and orders a graph of operations. Importing networkx costs about 0.23 s
on the reference machine — more than half of a 1,000-resource plan's budget — so plans use
this dict-of-sets graph: building is O(V + E), the order is Kahn's algorithm with a heap on
the node name (the same order as `networkx.lexicographical_topological_sort`), the waves are
`networkx.topological_generations`, and a cycle is found by one iterative DFS. `to_networkx()`
gives the same graph as a `networkx.DiGraph` for analysis, and the tests check that both
libraries order every generated plan the same way.
"""

from __future__ import annotations

import heapq


class DAG:
    def __init__(self):
        self.nodes: dict[str, dict] = {}
        self._succ: dict[str, set[str]] = {}
        self._pred: dict[str, set[str]] = {}

    def add_node(self, node: str, **attrs):
        if node not in self.nodes:
            self.nodes[node] = {}
            self._succ[node] = set()
            self._pred[node] = set()
        self.nodes[node].update(attrs)

    def add_edge(self, u: str, v: str):
        self.add_node(u)
        self.add_node(v)
        self._succ[u].add(v)
        self._pred[v].add(u)

    def successors(self, node: str):
        return iter(self._succ[node])

    def predecessors(self, node: str):
        return iter(self._pred[node])

    def in_degree(self, node: str) -> int:
        return len(self._pred[node])

    def edges(self):
        for u, vs in self._succ.items():
            for v in vs:
                yield u, v

    def __len__(self):
        return len(self.nodes)

    def __contains__(self, node):
        return node in self.nodes

    def order(self) -> list[str]:
        """Topological order; among the nodes ready at once, the smallest name first."""
        indegree = {n: len(p) for n, p in self._pred.items()}
        ready = [n for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            n = heapq.heappop(ready)
            out.append(n)
            for m in self._succ[n]:
                indegree[m] -= 1
                if indegree[m] == 0:
                    heapq.heappush(ready, m)
        if len(out) != len(self.nodes):
            raise ValueError("the graph has a cycle")
        return out

    def generations(self) -> list[list[str]]:
        """Waves: each wave holds the nodes whose predecessors are all in earlier waves."""
        indegree = {n: len(p) for n, p in self._pred.items()}
        wave = sorted(n for n, d in indegree.items() if d == 0)
        out = []
        seen = 0
        while wave:
            out.append(wave)
            seen += len(wave)
            nxt = []
            for n in wave:
                for m in self._succ[n]:
                    indegree[m] -= 1
                    if indegree[m] == 0:
                        nxt.append(m)
            wave = sorted(nxt)
        if seen != len(self.nodes):
            raise ValueError("the graph has a cycle")
        return out

    def find_cycle(self) -> list[str] | None:
        """A cycle as a list of nodes (first repeated at the end), or None."""
        colour: dict[str, int] = {}
        for root in sorted(self.nodes):
            if colour.get(root):
                continue
            colour[root] = 1
            path = [root]
            stack = [iter(sorted(self._succ[root]))]
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
                    stack.append(iter(sorted(self._succ[nxt])))
        return None

    def to_networkx(self):
        import networkx as nx
        g = nx.DiGraph()
        for n, attrs in self.nodes.items():
            g.add_node(n, **attrs)
        g.add_edges_from(self.edges())
        return g
