"""A regional resource refers only to resources of its own region.

AWS resources live in one region: a load balancer's subnets, a database's security groups, an
instance's launch template are all in the region that holds it. The exceptions are the
references the catalogue marks as crossing regions (a cross-region read replica, a replication
destination, an Aurora global secondary, a peer VPC, a route to an inter-region peering). The
rule reads where references sit from the catalogue (`stdlib/reference_sites.py`), so every kind,
present and future, is checked the same way, once per reference. Global resources (Route 53,
CloudFront, IAM) have no region and may refer to any.
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib import catalogue
from archform.stdlib.reference_sites import references
from archform.stdlib.schema import Graph, Issue, Related


def same_region(graph: Graph) -> Iterable[Issue]:
    for me in graph.all():
        if not me.region:
            continue
        attrs = me.attrs if me.attrs is not None else me.model.model_dump(mode="json", by_alias=True)
        for path, value, site in references(me.kind, attrs):
            address = value.get("$ref") if isinstance(value, dict) else None
            other = graph.get(address) if address else None
            if other is None or not other.region or other.region == me.region or other.kind in site.across:
                continue
            model = catalogue.get(other.kind)
            what = model.called() if model is not None else other.kind
            yield Issue(f"{what} '{other.address}' is in {other.region}, but this resource is declared in "
                        f"{me.region}", path, address=me.address,
                        related=(Related(other.address, (), f"{what} declared here"),),
                        help="resources can only use resources of their own region")
