"""planner.dag against networkx on random graphs, cyclic or not."""

import networkx as nx
import pytest
from hypothesis import given, strategies as st

from archform.planner.dag import DAG, CycleError

names = st.sampled_from([f"op:{c}" for c in "abcdefghij"])


@given(st.lists(st.tuples(names, names), max_size=30), st.lists(names, max_size=5))
def test_dag_agrees_with_networkx(edges, lonely):
    g, ng = DAG(), nx.DiGraph()
    for n in lonely:
        g.add_node(n)
        ng.add_node(n)
    for u, v in edges:
        g.add_edge(u, v)
        ng.add_edge(u, v)
    cycle = g.find_cycle()
    if nx.is_directed_acyclic_graph(ng):
        assert cycle is None
        assert g.order() == list(nx.lexicographical_topological_sort(ng))
        assert g.generations() == [sorted(w) for w in nx.topological_generations(ng)]
    else:
        assert cycle is not None and cycle[0] == cycle[-1]
        for u, v in zip(cycle, cycle[1:]):
            assert ng.has_edge(u, v)


# --- the orderings the other users of planner.dag need ----------------------------------------

graphs = st.tuples(st.lists(st.tuples(names, names), max_size=30), st.lists(names, max_size=5))


def _both(edges, lonely):
    g, ng = DAG(), nx.DiGraph()
    for n in lonely:
        g.add_node(n)
        ng.add_node(n)
    for u, v in edges:
        g.add_edge(u, v)
        ng.add_edge(u, v)
    return g, ng


def _is_order(g, order):
    at = {n: i for i, n in enumerate(order)}
    return sorted(order) == sorted(g.nodes) and all(at[u] < at[v] for u, v in g.edges())


@given(graphs)
def test_a_keyed_order_is_networkx_lexicographic_order_with_that_key(graph):
    g, ng = _both(*graph)
    key = lambda n: "jihgfedcba".index(n[-1]) // 3  # many ties: broken by the order nodes were added
    if nx.is_directed_acyclic_graph(ng):
        assert g.order(key) == list(nx.lexicographical_topological_sort(ng, key=key))
    else:
        with pytest.raises(CycleError):
            g.order(key)


@given(graphs)
def test_a_partial_order_puts_what_a_cycle_holds_last_in_the_order_it_was_added(graph):
    g, _ = _both(*graph)
    for kw in ({}, {"depth_first": True}):
        order = g.order(partial=True, **kw)
        assert sorted(order) == sorted(g.nodes)
        try:
            complete = g.order(**kw)
        except CycleError as e:
            placed = order[:len(order) - len(e.left)]
            assert order[len(placed):] == [n for n in g.nodes if n not in set(placed)] == e.left
        else:
            assert order == complete


def _depth_first_reference(g):
    """Place the smallest ready node; then, before anything else, what it made ready (recursively)."""
    waiting = {n: g.in_degree(n) for n in g.nodes}
    out = []

    def place(n):
        out.append(n)
        ready = []
        for m in g.successors(n):
            waiting[m] -= 1
            if waiting[m] == 0:
                ready.append(m)
        for m in sorted(ready):
            place(m)

    for n in sorted(n for n, d in list(waiting.items()) if d == 0):
        place(n)
    return out


@given(graphs)
def test_a_depth_first_order_places_what_a_node_makes_ready_right_after_it(graph):
    g, ng = _both(*graph)
    if nx.is_directed_acyclic_graph(ng):
        order = g.order(depth_first=True)
        assert _is_order(g, order) and order == _depth_first_reference(g)


def _postorder_reference(g):
    out, seen = [], set()

    def visit(n):
        seen.add(n)
        for p in g.predecessors(n):
            if p not in seen:
                visit(p)
        out.append(n)

    for n in g.nodes:
        if n not in seen:
            visit(n)
    return out


@given(graphs)
def test_postorder_puts_predecessors_first_in_the_order_they_were_added(graph):
    g, ng = _both(*graph)
    order = g.postorder()
    assert order == _postorder_reference(g)
    if nx.is_directed_acyclic_graph(ng):
        assert _is_order(g, order)


@given(graphs)
def test_a_cycle_is_found_either_way_round(graph):
    g, ng = _both(*graph)
    cycle = g.find_cycle(reverse=True)
    if nx.is_directed_acyclic_graph(ng):
        assert cycle is None
    else:
        assert cycle is not None and cycle[0] == cycle[-1]
        for u, v in zip(cycle, cycle[1:]):
            assert ng.has_edge(v, u)


@given(graphs, st.sets(names, max_size=4))
def test_the_walk_runs_in_order_and_skips_what_depends_on_a_failure(graph, failing):
    g, ng = _both(*graph)
    if not nx.is_directed_acyclic_graph(ng):
        return
    walk, ran = g.walk(), []
    while walk:
        n = walk.take()
        ran.append(n)
        if n in failing:
            walk.failed(n)
        else:
            walk.done(n)
    failed = [n for n in ran if n in failing]
    assert set(ran) | set(walk.skipped) == set(g.nodes) and not set(ran) & set(walk.skipped)
    for n, cause in walk.skipped.items():
        assert cause in failed and n in nx.descendants(ng, cause)
    for n in ran:
        assert not any(nx.has_path(ng, f, n) for f in failed if f != n)
    if not failing:
        assert ran == g.order()
