"""AWS Site-to-Site VPN (notes §24.8): a customer gateway (the device on-premises), a virtual
private gateway on the VPC (or a transit gateway, §24.10), and the VPN connection between them:
two IPsec tunnels over the internet, ending in two different AZs of AWS's side, so one tunnel's
loss leaves the other up.

AWS's rules (Site-to-Site VPN guide, "Quotas" and "Tunnel options"), each a diagnostic here:

- A customer gateway has a public, internet-routable IPv4 address (its own, or its NAT
  device's, §24.8.1) and a BGP ASN of 1–4294967294 other than the ASNs AWS reserves in some
  regions (7224 in us-east-1, 9059 in eu-west-1, 10124 in ap-northeast-1, 17943 in
  ap-southeast-1).
- A virtual private gateway attaches to one VPC, a VPC has one, and a region holds at most 5;
  its Amazon side ASN is private (64512–65534 or 4200000000–4294967294). At most 10 VPN
  connections end on one.
- A VPN connection ends on a virtual private gateway or a transit gateway. It has two tunnels;
  each tunnel's inside CIDR is a /30 of 169.254.0.0/16 other than the ones AWS reserves, the
  two distinct; a pre-shared key has 8–64 letters, digits, '.' and '_' and does not start with
  0. `preshared_keys` are sensitive. Static routing takes the on-premises ranges (at most 100);
  BGP routing learns them, with different ASNs on the two sides.
- On a VPC, the route tables need the VPN's routes: propagated from the virtual private gateway
  (§24.8.1: "enable route propagation for the VGW in the route table") or a route to it.
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.transit import DEFAULT_AMAZON_ASN, amazon_asn_issues
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Cidr, Enum, Int, Ip, IntRange, Ref, Str, Tags

RESERVED_CGW_ASNS = {7224: "us-east-1", 9059: "eu-west-1", 10124: "ap-northeast-1", 17943: "ap-southeast-1"}
MAX_VGW_PER_REGION = 5
MAX_VPNS_PER_VGW = 10
MAX_STATIC_ROUTES = 100
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")
# AWS: "The following CIDR blocks are reserved and cannot be used" as tunnel inside CIDRs
RESERVED_INSIDE = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/30", "169.254.1.0/30", "169.254.2.0/30", "169.254.3.0/30", "169.254.4.0/30", "169.254.5.0/30",
    "169.254.169.252/30"))
# private (RFC 1918), shared (RFC 6598), loopback, link-local, multicast and reserved ranges
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
    "224.0.0.0/3"))
_PSK_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._")


class CustomerGateway(Kind):
    """The on-premises end of a Site-to-Site VPN (notes §24.8.1): a software or hardware device
    reached at a public IP address (its own, or that of the NAT device in front of it), with the
    BGP ASN it speaks for dynamic routing (65000 if it has none of its own)."""

    kind: Literal["customer_gateway"] = "customer_gateway"
    title: ClassVar[str] = "Customer gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"ip_address", "bgp_asn", "device_name"})

    ip_address: Ip
    bgp_asn: IntRange(1, 4294967294, what="a customer gateway's BGP ASN") = 65000
    device_name: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        ip = self.ip_address.address if isinstance(self.ip_address, v.Ip) else None
        if ip is not None and (ip.version != 4 or any(ip in n for n in NOT_PUBLIC)):
            yield Issue(f"a customer gateway is reached at a public IPv4 address; {ip} is not one", ("ip_address",),
                        help="the device's public address, or its NAT device's (notes §24.8.1)")
        if RESERVED_CGW_ASNS.get(self.bgp_asn) == me.region:
            yield Issue(f"ASN {self.bgp_asn} is reserved by AWS in {me.region}", ("bgp_asn",),
                        help="bgp_asn = 65000, or another private ASN of the on-premises network")


class VpnGateway(Kind):
    """A virtual private gateway (notes §24.8.1, VGW): the AWS end of Site-to-Site VPN and
    Direct Connect private virtual interfaces for one VPC (`vpc`: attached to it). Route tables
    learn the on-premises ranges when `propagate_to` names them (§24.8.1: "enable route
    propagation for the VGW in the route table"), or route to the gateway themselves. AWS runs
    it redundantly in the region."""

    kind: Literal["vpn_gateway"] = "vpn_gateway"
    title: ClassVar[str] = "Virtual private gateway"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"amazon_side_asn"})

    vpc: Ref["vpc"] | None = None
    amazon_side_asn: Int = DEFAULT_AMAZON_ASN
    propagate_to: list[Ref["route_table"]] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from amazon_asn_issues(self.amazon_side_asn)
        mine = getattr(self.vpc, "address", None)
        gateways = [g for g in graph.of_kind("vpn_gateway") if g.region == me.region]
        if len(gateways) > MAX_VGW_PER_REGION and me.address == max(g.address for g in gateways):
            yield Issue(f"a region holds at most {MAX_VGW_PER_REGION} virtual private gateways; {me.region} has "
                        f"{len(gateways)}", (), help="a transit gateway connects many VPCs through one VPN (§24.10)")
        if mine is not None:
            first = min((g.address for g in gateways if getattr(g.get("vpc"), "address", None) == mine))
            if first != me.address:
                yield Issue(f"a VPC has one virtual private gateway; '{mine}' has '{first}' already", ("vpc",),
                            related=(Related(first, ("vpc",), "attached here"),))
        for i, ref in enumerate(self.propagate_to):
            table = deref(graph, ref)
            theirs = getattr(table.get("vpc"), "address", None) if table is not None else None
            if theirs is not None and theirs != mine:
                yield Issue(f"route table '{table.address}' is of VPC '{theirs}', the gateway is attached to "
                            f"'{mine}'", ("propagate_to", i), related=(Related(table.address, ("vpc",), "its VPC"),))
        vpns = [u for u in graph.referrers(me.address) if u.kind == "vpn_connection"]
        if len(vpns) > MAX_VPNS_PER_VGW:
            yield Issue(f"at most {MAX_VPNS_PER_VGW} VPN connections end on a virtual private gateway, "
                        f"{len(vpns)} end on this one", (), help="end them on a transit gateway instead (§24.10)")
        routed = any(u.kind == "route_table" for u in graph.referrers(me.address))
        if vpns and mine is not None and not self.propagate_to and not routed:
            yield Issue("no route table of the VPC learns the on-premises ranges: propagate the gateway's routes to "
                        "them or route to it (notes §24.8.1)", ("propagate_to",), severity="warning",
                        help="propagate_to = [private_rt]")


class VpnConnection(Kind):
    """A Site-to-Site VPN connection (notes §24.8) from a customer gateway to a virtual private
    gateway or a transit gateway: two IPsec tunnels whose AWS ends are in two different AZs, so
    traffic moves to the other tunnel when one fails. `routing = bgp` (AWS's default) learns the
    on-premises ranges from the customer gateway; `routing = static` takes them as
    `static_routes` (on a transit gateway, as routes of its route tables). A common design uses it
    as the backup of a Direct Connect connection (§24.9.5)."""

    kind: Literal["vpn_connection"] = "vpn_connection"
    title: ClassVar[str] = "Site-to-Site VPN connection"
    noun: ClassVar[str] = "VPN connection"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "tunnel_addresses": "list"}
    force_new: ClassVar[frozenset[str]] = frozenset({"customer_gateway", "vpn_gateway", "transit_gateway",
                                                     "routing", "inside_cidrs", "preshared_keys", "acceleration"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"preshared_keys"})

    customer_gateway: Ref["customer_gateway"]
    vpn_gateway: Ref["vpn_gateway"] | None = None
    transit_gateway: Ref["transit_gateway"] | None = None
    routing: Enum("bgp", "static", what="VPN routing") = "bgp"
    static_routes: list[Cidr] = Field(default_factory=list)
    inside_cidrs: list[Cidr] = Field(default_factory=list)  # per tunnel; unwritten, AWS picks them
    preshared_keys: list[Str] = Field(default_factory=list)  # per tunnel; unwritten, AWS generates them
    acceleration: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if (self.vpn_gateway is None) == (self.transit_gateway is None):
            yield Issue("a VPN connection ends on a virtual private gateway or a transit gateway, one of the two",
                        ("transit_gateway",) if self.transit_gateway is not None else (),
                        help="vpn_gateway = vgw  or  transit_gateway = hub")
        yield from self._routing_issues(graph)
        yield from self._tunnel_issues()
        if self.acceleration is True and self.transit_gateway is None:
            yield Issue("an accelerated VPN connection ends on a transit gateway", ("acceleration",),
                        help="transit_gateway = hub, or acceleration = false")

    def _routing_issues(self, graph: Graph) -> Iterable[Issue]:
        if self.routing == "static":
            if self.transit_gateway is not None and self.static_routes:
                yield Issue("a VPN connection on a transit gateway takes its static routes in the transit gateway's "
                            "route tables", ("static_routes",),
                            help="route { destination = 192.168.0.0/16, attachment = vpn_attachment }")
            elif self.vpn_gateway is not None and not self.static_routes:
                yield Issue("a static VPN connection needs the on-premises ranges as static_routes", ("routing",),
                            help="static_routes = [192.168.0.0/16], or routing = bgp")
            if len(self.static_routes) > MAX_STATIC_ROUTES:
                yield Issue(f"a VPN connection has at most {MAX_STATIC_ROUTES} static routes, this one has "
                            f"{len(self.static_routes)}", ("static_routes",))
            return
        if self.static_routes:
            yield Issue("a BGP VPN connection learns the on-premises ranges: static_routes are for routing = static",
                        ("static_routes",), help="routing = static, or remove static_routes")
        cgw = deref(graph, self.customer_gateway)
        gateway = deref(graph, self.vpn_gateway if self.vpn_gateway is not None else self.transit_gateway)
        if cgw is not None and gateway is not None and cgw.get("bgp_asn") == gateway.get("amazon_side_asn"):
            yield Issue(f"BGP peers need different ASNs: customer gateway '{cgw.address}' and {gateway.model.called()} "
                        f"'{gateway.address}' both use {cgw.get('bgp_asn')}", ("customer_gateway",),
                        related=(Related(cgw.address, ("bgp_asn",), "the customer gateway's ASN"),))

    def _tunnel_issues(self) -> Iterable[Issue]:
        for field in ("inside_cidrs", "preshared_keys"):
            if len(getattr(self, field)) > 2:
                yield Issue(f"a VPN connection has two tunnels: {field.replace('_', ' ')} names at most two, this one "
                            f"{len(getattr(self, field))}", (field, 2))
        seen = {}
        for i, cidr in enumerate(self.inside_cidrs[:2]):
            if not isinstance(cidr, v.Cidr):
                continue
            net = cidr.network
            if net.version != 4 or net.prefixlen != 30 or not net.subnet_of(LINK_LOCAL):
                yield Issue(f"a tunnel's inside CIDR is a /30 of 169.254.0.0/16, got {net}", ("inside_cidrs", i),
                            help="inside_cidrs = [169.254.10.0/30, 169.254.11.0/30]")
            elif any(net.overlaps(r) for r in RESERVED_INSIDE):
                yield Issue(f"{net} is reserved by AWS (169.254.0.0/30 to 169.254.5.0/30, and 169.254.169.252/30)",
                            ("inside_cidrs", i), help="inside_cidrs = [169.254.10.0/30, 169.254.11.0/30]")
            elif net in seen:
                yield Issue(f"the two tunnels have distinct inside CIDRs; both use {net}", ("inside_cidrs", i))
            seen[net] = i
        for i, key in enumerate(self.preshared_keys[:2]):
            yield from psk_issues(key, ("preshared_keys", i))


def psk_issues(key, path: tuple) -> Iterable[Issue]:
    """AWS's rules for a tunnel's pre-shared key. The messages never quote it: it is a secret."""
    if not isinstance(key, str):
        return
    if not 8 <= len(key) <= 64:
        yield Issue(f"a pre-shared key has 8–64 characters (this one has {len(key)})", path)
    if set(key) - _PSK_CHARS:
        yield Issue("a pre-shared key has only letters, digits, periods and underscores", path)
    if key.startswith("0"):
        yield Issue("a pre-shared key cannot start with zero", path)

