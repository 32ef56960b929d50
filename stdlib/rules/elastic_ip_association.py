"""An Elastic IP is associated with one instance, network interface or NAT gateway at a time."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Related


def elastic_ip_association(graph: Graph) -> Iterable[Issue]:
    users = defaultdict(list)  # elastic IP address -> [(resource, path, is the EIP itself)]
    for eip in graph.of_kind("elastic_ip"):
        for field in ("instance", "network_interface"):
            if isinstance(getattr(eip.model, field), v.ResourceRef):
                users[eip.address].append((eip.address, (field,), getattr(eip.model, field).address))
    for nat in graph.of_kind("nat_gateway"):
        if isinstance(nat.model.elastic_ip, v.ResourceRef):
            users[nat.model.elastic_ip.address].append((nat.address, ("elastic_ip",), nat.address))
    for eip, uses in sorted(users.items()):
        uses.sort(key=lambda u: (u[0] != eip, u[0], u[1]))  # the EIP's own association first
        (first_at, first_path, first_user), *extra = uses
        for at, path, user in extra:
            yield Issue(f"an Elastic IP is associated with one resource at a time; '{eip}' is already used by "
                        f"'{first_user}'", path, address=at,
                        related=(Related(first_at, first_path, "first association"),),
                        help="allocate another elastic_ip for this one")
