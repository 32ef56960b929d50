"""Route tables: where a subnet sends traffic for an address (notes §24.2.4, §24.3, §24.5, §24.6).

A subnet uses the route table that lists it, else its VPC's main table, which holds only the
local route. Every table routes the VPC's own blocks locally. A gateway endpoint adds a route
for its service's prefix list to each table it names — its own region's only: S3 or DynamoDB
of another region is not on it —; for that service it wins over any CIDR route, as AWS's
prefix-list routes do. Otherwise the longest prefix holding every address of the destination
wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from archform.dsl import values as v
from archform.stdlib.kinds.routing import endpoint_service
from archform.stdlib.schema import Related

from .flow import BLOCK, PASS, Endpoint, Hop
from .index import Network


@dataclass(frozen=True)
class Route:
    destination: str  # a CIDR block, or a service's prefix list
    prefix: int  # its length; a prefix list ranks above every block
    kind: str  # "local", "gateway_endpoint", or the target's kind
    target: str  # the VPC for "local", else the target's address
    at: Related


def routes(net: Network, subnet: str) -> tuple[str | None, list[tuple[object, Route]]]:
    """The subnet's table (None: the VPC's main table) and its routes as (network or service, Route)."""
    vpc = net.subnet_vpc(subnet)
    table = net.table_of.get(subnet)
    found = [(block, Route(str(block), block.prefixlen, "local", vpc, Related(vpc, ("cidr",), "the VPC's range")))
             for block in net.blocks.get(vpc, [])]
    if table is None:
        return None, found
    for i, route in enumerate(net.routes_of(table)):
        target = route.target
        if isinstance(route.destination, v.Cidr) and isinstance(target, v.ResourceRef):
            block = route.destination.network
            found.append((block, Route(str(block), block.prefixlen, target.kind, target.address,
                                       Related(table.address, ("route", i), "route"))))
    for endpoint in net.gateway_endpoints.get(table.address, []):
        service, region = endpoint_service(str(endpoint.get("service")), endpoint.region)
        index = next(i for i, r in enumerate(endpoint.model.route_tables) if getattr(r, "address", None) == table.address)
        found.append(((service, region), Route(f"the {service} prefix list", 129, "gateway_endpoint", endpoint.address,
                                               Related(endpoint.address, ("route_tables", index), "gateway endpoint"))))
    for gateway in net.graph.of_kind("vpn_gateway"):
        if table.address in {getattr(r, "address", None) for r in gateway.get("propagate_to") or []}:
            found.extend(_propagated(net, table.address, gateway))
    return table.address, found


def _propagated(net: Network, table: str, gateway) -> list:
    """The routes a virtual private gateway propagates into a table it names (notes §24.8.1): a
    static VPN's ranges, and for BGP (a VPN or Direct Connect) whatever on-premises advertises —
    ranges the design does not hold, ranked above only a default route."""
    from .hybrid import ways
    index = next(i for i, r in enumerate(gateway.get("propagate_to")) if getattr(r, "address", None) == table)
    at = Related(gateway.address, ("propagate_to", index), "route propagation")
    out = []
    for way in ways(net, gateway.address):
        for block in way.on_premises or ():
            out.append((block, Route(str(block), block.prefixlen, "vpn_gateway", gateway.address, at)))
        if way.on_premises is None:
            out.append((PREMISES, Route("what on-premises advertises over BGP", 1, "vpn_gateway", gateway.address, at)))
    return out


PREMISES = "on-premises"  # the key of a route learned over BGP from on-premises


def _elsewhere(found, dst: Endpoint) -> str:
    """Why a gateway endpoint of the table for the same service does not take `dst`."""
    for key, route in found:
        if isinstance(key, tuple) and key[0] == dst.service and dst.region != key[1]:
            return (f": gateway endpoint '{route.target}' carries only {dst.service} of its own region, {key[1]}, not "
                    f"of {dst.region} (a gateway endpoint serves its region's prefix list, notes §24.6)")
    return ""


def lookup(net: Network, subnet: str, dst: Endpoint) -> tuple[Route | None, Hop]:
    """The route `subnet` takes toward `dst`, and the hop that says so."""
    table, found = routes(net, subnet)
    named = f"route table '{table}'" if table else f"the main route table of '{net.subnet_vpc(subnet)}'"
    best = None
    for key, route in found:
        if key == PREMISES:
            hit = dst.on_premises
        elif isinstance(key, tuple):  # a gateway endpoint: its service's prefix list of its own region only
            hit = dst.service == key[0] and (dst.region is None or dst.region == key[1])
        else:
            hit = key.version == dst.network.version and dst.network.subnet_of(key)
        if hit and (best is None or route.prefix > best.prefix):
            best = route
    if best is None:
        at = Related(table, ("route",), "routes") if table else Related(subnet, (), "uses the main route table")
        return None, Hop("route", BLOCK, f"{named} of subnet '{subnet}' has no route to {dst.describe()}"
                                         + _elsewhere(found, dst), at)
    to = "local (inside the VPC)" if best.kind == "local" else f"{best.kind.replace('_', ' ')} '{best.target}'"
    return best, Hop("route", PASS, f"{named} sends {dst.describe()} to {to} (longest match {best.destination})",
                     best.at)
