"""The ends of a flow: which network interfaces a resource has, in which subnets, with which
security groups and whether a public address; or an outside address, the internet, or a
service (S3, DynamoDB) that a gateway endpoint can reach.

No resource declares its private address (AWS picks one from the subnet), so an interface
stands for any address of its subnet, and says so. A resource in several subnets has one
interface per subnet (an Auto Scaling group's instances, a load balancer's nodes, a database's
instances), and a question about it is asked of each.
"""

from __future__ import annotations

import ipaddress
import re

from archform.dsl import values as v
from archform.stdlib.kinds.routing import endpoint_service
from archform.stdlib.schema import Related, View

from .flow import Endpoint, on_the_internet
from .index import Network

INTERNET = ipaddress.ip_network("0.0.0.0/0")
SERVICES = {"s3_bucket": "s3", "dynamodb_table": "dynamodb", "sqs_queue": "sqs"}
# a regional AWS service's DNS name: SERVICE.REGION.amazonaws.com (sqs.us-east-1.amazonaws.com)
SERVICE_NAME = re.compile(r"^([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-[0-9])\.amazonaws\.com$")


def _refs(x) -> list[str]:
    items = x if isinstance(x, (list, tuple)) else [x]
    return [r.address for r in items if isinstance(r, v.ResourceRef)]


def groups_of(net: Network, view: View) -> list[str]:
    """The security groups a resource's interfaces carry."""
    if view.kind == "autoscaling_group":
        settings = view.model.launch_settings(net.graph)
        return _refs(settings.security_groups) if settings is not None else []
    return _refs(view.get("security_groups") or [])


def subnets_of(view: View) -> list[str]:
    if view.kind in ("instance", "network_interface", "nat_gateway"):
        return _refs(view.get("subnet"))
    if view.kind == "vpc_endpoint" and view.get("type") != "interface":
        return []
    return _refs(view.get("subnets") or [])


def _public(net: Network, view: View, subnet: View) -> tuple[bool, str]:
    """Whether the interface has a public IPv4 address, and why (notes §24.1.2, §4.2)."""
    eip = net.eip_of.get(view.address)
    if eip is not None:
        return True, f"Elastic IP '{eip.address}'"
    kind = view.kind
    if kind in ("instance", "autoscaling_group"):
        settings = view.model.launch_settings(net.graph) if kind == "autoscaling_group" else view.model
        chosen = getattr(settings, "associate_public_ip", None)
        if chosen is not None:
            return bool(chosen), "associate_public_ip = " + ("true" if chosen else "false")
        mapped = subnet.get("map_public_ip") is True
        return mapped, f"subnet '{subnet.address}' has map_public_ip = {'true' if mapped else 'false'}"
    if kind == "load_balancer":
        internal = view.get("internal") is True
        return not internal, "internal = true" if internal else "an internet-facing load balancer"
    if kind in ("rds", "mq_broker", "redshift_cluster", "redshift_serverless", "neptune_cluster"):
        on = view.get("publicly_accessible") is True
        return on, f"publicly_accessible = {'true' if on else 'false'}"
    if kind == "nat_gateway":
        on = view.get("connectivity") == "public"
        return on, f"a {view.get('connectivity')} NAT gateway"
    noun = kind.replace("_", " ")
    return False, f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} gets no public address"


def _needs_default_group(view: View) -> bool:
    if view.kind == "load_balancer":
        return view.get("type") == "application"
    return view.kind not in ("nat_gateway",)


def of_resource(net: Network, view: View) -> list[Endpoint]:
    """One endpoint per subnet the resource places an interface in (none: not in a VPC)."""
    found = net.endpoints.get(view.address)
    if found is None:
        found = net.endpoints[view.address] = _of_resource(net, view)
    return found


def _of_resource(net: Network, view: View) -> list[Endpoint]:
    if view.kind in SERVICES:
        return [Endpoint(view.address, "service", INTERNET, service=SERVICES[view.kind], region=view.region,
                         declared=Related(view.address))]
    if view.kind == "subnet":
        return [_whole_subnet(view)] if isinstance(view.get("cidr"), v.Cidr) else []
    groups = tuple(groups_of(net, view)) if view.kind != "nat_gateway" else ()
    out = []
    for address in dict.fromkeys(subnets_of(view)):
        subnet = net.get(address)
        if subnet is None or not isinstance(subnet.get("cidr"), v.Cidr):
            continue
        public, why = _public(net, view, subnet)
        out.append(Endpoint(view.address, view.kind, subnet.model.cidr.network, subnet.address,
                            net.subnet_vpc(subnet.address), groups,
                            default_group=not groups and _needs_default_group(view), public=public, public_why=why,
                            approximate=True, declared=Related(view.address)))
    return out


def _whole_subnet(subnet: View) -> Endpoint:
    vpc = subnet.get("vpc")
    return Endpoint(subnet.address, "subnet", subnet.model.cidr.network, subnet.address,
                    vpc.address if isinstance(vpc, v.ResourceRef) else None, approximate=True,
                    declared=Related(subnet.address, ("cidr",)))


def internet() -> Endpoint:
    return Endpoint("internet", "internet", INTERNET, public=True, public_why="the internet")


def of_address(net: Network, text: str, network) -> Endpoint:
    """An address or block as written: inside a subnet of the design it is an interface there
    (whose security groups are not known); outside every VPC, an internet address when public."""
    subnet = net.subnet_holding(network)
    if subnet is not None:
        return Endpoint(text, "address", network, subnet.address, net.subnet_vpc(subnet.address),
                        public_why="the design declares no public address for it")
    if on_the_internet(network):
        return Endpoint(text, "address", network, public=True, public_why="a public address")
    return Endpoint(text, "address", network)


def resolve(net: Network, spec: str, depth: int = 0) -> tuple[list[Endpoint], str]:
    """The endpoints SRC or DST names: `internet`, an IP or CIDR, a resource address, or a DNS
    record aliasing one. Returns them, or no endpoints and what is wrong."""
    text = spec.strip()
    if text == "internet":
        return [internet()], ""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if network is not None:
        return [of_address(net, text, network)], ""
    named = SERVICE_NAME.match(text.lower())
    if named is not None:
        return [Endpoint(text, "service", INTERNET, service=named.group(1), region=named.group(2))], ""
    view = net.get(text)
    if view is None:
        if text and all(c in "0123456789abcdefABCDEF.:/" for c in text):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError as e:
                return [], f"'{text}' is not an IP address or CIDR block: {e}"
        return [], f"no resource '{text}' in this architecture"
    if view.kind == "dns_record" and isinstance(view.get("alias"), v.ResourceRef) and depth < 8:
        return resolve(net, view.get("alias").address, depth + 1)  # a name answers with its alias target's addresses
    found = of_resource(net, view)
    if not found:
        return [], (f"{view.kind} '{text}' has no network interface in a VPC of this architecture "
                    "(give it subnets, or name a resource that has them)")
    return found, ""


def private_endpoint(net: Network, src: Endpoint, dst: Endpoint) -> tuple[View | None, list[Endpoint]]:
    """Where `src` reaches service `dst` when its VPC has an interface endpoint for it with
    private DNS on: the service's name then resolves to the endpoint's addresses in the VPC
    (notes §24.6), and the flow goes there instead of out to the public endpoint. An endpoint
    names its service as validate accepts it (`sqs`: its own region's; or
    `com.amazonaws.us-east-1.sqs`); a service of another region keeps its public addresses."""
    view = next((e for e in interface_endpoints(net, src, dst) if e.get("private_dns") is True), None)
    return (view, of_resource(net, view)) if view is not None else (None, [])


def interface_endpoints(net: Network, src: Endpoint, dst: Endpoint) -> list[View]:
    """The interface endpoints of `src`'s VPC for service `dst` (its region's), private DNS on or off."""
    if dst.kind != "service" or src.vpc is None:
        return []
    out = []
    for view in net.graph.of_kind("vpc_endpoint"):
        if view.get("type") != "interface" or getattr(view.get("vpc"), "address", None) != src.vpc:
            continue
        service, region = endpoint_service(str(view.get("service") or ""), view.region)
        if service == dst.service and (dst.region is None or region is None or region == dst.region):
            out.append(view)
    return out
