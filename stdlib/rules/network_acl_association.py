"""A subnet is associated with at most one network ACL (notes §24.4.1)."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.kinds.network import associated_twice
from archform.stdlib.schema import Graph, Issue


def network_acl_association(graph: Graph) -> Iterable[Issue]:
    return associated_twice(graph, "network_acl", "network ACL")
