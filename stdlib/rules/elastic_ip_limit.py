"""At most 5 Elastic IP addresses per region per account (notes §4.2), unless a
`service_quota { quota = elastic_ips }` raises it there.

A public NAT gateway written without `elastic_ip` gets an address allocated for it, so it
counts too."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.quota_facts import increase_hint, quota, raised_by
from archform.stdlib.schema import Graph, Issue, Related


def elastic_ip_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for eip in graph.of_kind("elastic_ip"):
        by_region[eip.region].append(eip)
    for nat in graph.of_kind("nat_gateway"):
        if nat.model.connectivity == "public" and nat.model.elastic_ip is None:
            by_region[nat.region].append(nat)
    for region, holders in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        limit = quota(graph, region, "elastic_ips")
        if len(holders) <= limit:
            continue
        raised = raised_by(graph, region, "elastic_ips")
        holders = sorted(holders, key=lambda h: h.address)
        where = f"in {region}" if region else "in one region"
        names = ", ".join(f"'{h.address}'" for h in holders)
        said = (f"the account's Elastic IP quota is raised to {limit} {where}" if limit > 5 else
                f"an account has at most {limit} Elastic IP addresses per region")
        for extra in holders[limit:]:
            path = ("elastic_ip",) if extra.kind == "nat_gateway" else ()
            yield Issue(f"{said}; {len(holders)} are allocated {where}: {names}", path, address=extra.address,
                        related=tuple(Related(h.address, (), "allocated here") for h in holders[:5])
                        + ((Related(raised.address, ("value",), "the quota"),) if raised is not None else ()),
                        help="put instances behind a load balancer or give them DNS names instead of fixed "
                             "addresses (notes §4.2), " + increase_hint("elastic_ips", graph, region))
