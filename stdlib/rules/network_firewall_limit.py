"""At most 5 Network Firewalls per account per region by default, an adjustable quota (AWS
Network Firewall quotas): a warning, as the VPC limit is."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.netsec_facts import MAX_FIREWALLS
from archform.stdlib.schema import Graph, Issue


def network_firewall_limit(graph: Graph) -> Iterable[Issue]:
    by_region = defaultdict(list)
    for fw in graph.of_kind("network_firewall"):
        by_region[fw.region].append(fw.address)
    for region, firewalls in sorted(by_region.items(), key=lambda kv: str(kv[0])):
        for address in sorted(firewalls)[MAX_FIREWALLS:]:
            yield Issue(f"an account has at most {MAX_FIREWALLS} Network Firewalls per region by default; "
                        f"{len(firewalls)} are declared in {region or 'one region'}", (), severity="warning",
                        address=address, help="request a quota increase (it is adjustable), or inspect several VPCs "
                                              "through one firewall behind a transit gateway")
