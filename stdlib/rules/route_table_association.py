"""A subnet is associated with at most one route table (notes §24.2.4)."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.kinds.network import associated_twice
from archform.stdlib.schema import Graph, Issue


def route_table_association(graph: Graph) -> Iterable[Issue]:
    return associated_twice(graph, "route_table", "route table")
