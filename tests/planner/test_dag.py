"""planner.dag against networkx on random graphs, cyclic or not."""

import networkx as nx
from hypothesis import given, strategies as st

from archform.planner.dag import DAG

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
