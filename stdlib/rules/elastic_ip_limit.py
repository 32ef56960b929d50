"""At most 5 Elastic IP addresses per region per account (notes §4.2).

A public NAT gateway written without `elastic_ip` gets an address allocated for it, so it
counts too."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.schema import Graph, Issue, Related

LIMIT = 5


def elastic_ip_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for eip in graph.of_kind("elastic_ip"):
        by_region[eip.region].append(eip)
    for nat in graph.of_kind("nat_gateway"):
        if nat.model.connectivity == "public" and nat.model.elastic_ip is None:
            by_region[nat.region].append(nat)
    for region, holders in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        if len(holders) <= LIMIT:
            continue
        holders = sorted(holders, key=lambda h: h.address)
        where = f"in {region}" if region else "in one region"
        names = ", ".join(f"'{h.address}'" for h in holders)
        for extra in holders[LIMIT:]:
            path = ("elastic_ip",) if extra.kind == "nat_gateway" else ()
            yield Issue(f"an account has at most {LIMIT} Elastic IP addresses per region; {len(holders)} are allocated "
                        f"{where}: {names}", path, address=extra.address,
                        related=tuple(Related(h.address, (), "allocated here") for h in holders[:LIMIT]),
                        help="put instances behind a load balancer or give them DNS names instead of fixed "
                             "addresses (notes §4.2), or request a quota increase")
