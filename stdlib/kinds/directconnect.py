"""AWS Direct Connect (notes §24.9): a dedicated private line from on-premises to an AWS
Direct Connect location, virtual interfaces over it (VLANs with a BGP session each), and Direct
Connect gateways that take one connection to VPCs in several regions (§24.9.4).

AWS's rules (Direct Connect guide, "Quotas" and "Virtual interfaces"), each a diagnostic here:

- A dedicated connection runs at 1, 10, 100 or 400 Gbps; a hosted one (from a partner) at 50
  Mbps–25 Gbps and carries one virtual interface.
- A virtual interface's VLAN is 1–4094 and unique on its connection; a private one ends on a
  virtual private gateway or a Direct Connect gateway, a transit one on a Direct Connect
  gateway; MTU 1500 or 9001 (private), 1500 or 8500 (transit); at most 50 private and 4 transit
  interfaces on a dedicated connection. The BGP key is sensitive.
- A Direct Connect gateway's Amazon side ASN is private; it takes at most 20 virtual private
  gateways or 6 transit gateways, whose VPCs' CIDR blocks must not overlap.
- DX has no redundancy of its own (§24.9.3): a gateway reached over one connection only, with no
  second connection and no Site-to-Site VPN as backup (§24.9.5), is warned about.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.transit import DEFAULT_AMAZON_ASN, amazon_asn_issues, blocks
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Cidr, Enum, Int, IntRange, Ref, Str, Tags

DEDICATED = ("1Gbps", "10Gbps", "100Gbps", "400Gbps")
HOSTED = ("50Mbps", "100Mbps", "200Mbps", "300Mbps", "400Mbps", "500Mbps", "1Gbps", "2Gbps", "5Gbps", "10Gbps",
          "25Gbps")
MTU = {"private": (1500, 9001), "transit": (1500, 8500)}
MAX_VIFS = {"private": 50, "transit": 4}
MAX_VGWS_PER_DXGW = 20
MAX_TGWS_PER_DXGW = 6
_CONNECTION_ID = re.compile(r"^dxcon-[a-z0-9]{8,21}$")
_LOCATION = re.compile(r"^[A-Za-z0-9-]+$")


class DxConnection(Kind):
    """A Direct Connect connection (notes §24.9): a dedicated line (`type = dedicated`, 1–400
    Gbps) or a partner's hosted one, at a Direct Connect `location`. Ordering one takes more
    than a month (§24.9.1), so an existing line is named by `connection_id` (dxcon-…) and
    CloudFormation takes it as a parameter rather than ordering a new one. Its traffic is
    private but not encrypted (§24.9.2). One connection is one path: a second connection or a
    Site-to-Site VPN backs it up (§24.9.3, §24.9.5)."""

    kind: Literal["dx_connection"] = "dx_connection"
    title: ClassVar[str] = "Direct Connect connection"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"location", "bandwidth", "type", "connection_id"})

    location: Str
    bandwidth: Str = "1Gbps"
    type: Enum("dedicated", "hosted", what="connection type") = "dedicated"
    connection_id: Str | None = None
    provider: Str | None = None
    macsec: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.location, str) and not _LOCATION.match(self.location):
            yield Issue(f"a Direct Connect location is a code of letters, digits and '-' such as EqDC2, got "
                        f"'{self.location}'", ("location",))
        speeds = HOSTED if self.type == "hosted" else DEDICATED
        if isinstance(self.bandwidth, str) and self.bandwidth not in speeds:
            yield Issue(f"a {self.type} connection runs at {', '.join(speeds)}; not {self.bandwidth}", ("bandwidth",),
                        help="bandwidth = \"10Gbps\"" if self.type == "dedicated" else "bandwidth = \"1Gbps\"")
        if isinstance(self.connection_id, str) and not _CONNECTION_ID.match(self.connection_id):
            yield Issue(f"a Direct Connect connection id is dxcon- and 8–21 lower-case letters and digits, got "
                        f"'{self.connection_id}'", ("connection_id",))
        if self.macsec is True and (self.type == "hosted" or self.bandwidth == "1Gbps"):
            yield Issue("MACsec runs on dedicated connections of 10 Gbps and more", ("macsec",))
        vifs = [u for u in graph.referrers(me.address) if u.kind == "dx_virtual_interface"]
        if self.type == "hosted" and len(vifs) > 1:
            yield Issue(f"a hosted connection carries one virtual interface, this one {len(vifs)}", (),
                        related=tuple(Related(u.address, ("connection",), "a virtual interface") for u in vifs[1:]))
        for kind, limit in MAX_VIFS.items():
            n = sum(1 for u in vifs if u.get("type") == kind)
            if n > limit:
                yield Issue(f"a dedicated connection carries at most {limit} {kind} virtual interfaces, this one {n}",
                            ())


class DxGateway(Kind):
    """A Direct Connect gateway (notes §24.9.4): global, it takes the private or transit virtual
    interfaces of one or more connections to virtual private gateways (`vpn_gateways`) or
    transit gateways (`transit_gateways`, with the on-premises side told `allowed_prefixes`) in
    any region of the account. AWS runs it as a global service."""

    kind: Literal["dx_gateway"] = "dx_gateway"
    title: ClassVar[str] = "Direct Connect gateway"
    family: ClassVar[str] = "network"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"amazon_side_asn"})

    amazon_side_asn: Int = DEFAULT_AMAZON_ASN
    vpn_gateways: list[Ref["vpn_gateway"]] = Field(default_factory=list)  # a global kind: any region's (§24.9.4)
    transit_gateways: list[Ref["transit_gateway"]] = Field(default_factory=list)
    allowed_prefixes: list[Cidr] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from amazon_asn_issues(self.amazon_side_asn)
        if len(self.vpn_gateways) > MAX_VGWS_PER_DXGW:
            yield Issue(f"a Direct Connect gateway takes at most {MAX_VGWS_PER_DXGW} virtual private gateways, this "
                        f"one {len(self.vpn_gateways)}", ("vpn_gateways",))
        if len(self.transit_gateways) > MAX_TGWS_PER_DXGW:
            yield Issue(f"a Direct Connect gateway takes at most {MAX_TGWS_PER_DXGW} transit gateways, this one "
                        f"{len(self.transit_gateways)}", ("transit_gateways",))
        if self.transit_gateways and not self.allowed_prefixes:
            yield Issue("a transit gateway association tells on-premises which prefixes to route: allowed_prefixes "
                        "names them", ("allowed_prefixes",), help="allowed_prefixes = [10.0.0.0/8]")
        if self.allowed_prefixes and not self.transit_gateways:
            yield Issue("allowed_prefixes are for transit gateway associations", ("allowed_prefixes",))
        seen: list = []
        for i, ref in enumerate(self.vpn_gateways):
            vgw = deref(graph, ref)
            vpc = deref(graph, vgw.get("vpc")) if vgw is not None else None
            if vgw is not None and vpc is None:
                yield Issue(f"virtual private gateway '{vgw.address}' is attached to no VPC", ("vpn_gateways", i),
                            related=(Related(vgw.address, (), "the gateway"),))
                continue
            for net in blocks(vpc) if vpc is not None else []:
                clash = next(((o, a) for o, a in seen if a.overlaps(net) and o != vpc.address), None)
                if clash is not None:
                    yield Issue(f"the VPCs behind one Direct Connect gateway cannot overlap: {net} of '{vpc.address}' "
                                f"overlaps {clash[1]} of '{clash[0]}'", ("vpn_gateways", i),
                                related=(Related(clash[0], ("cidr",), f"{clash[1]} declared here"),))
                    break
                seen.append((vpc.address, net))


class DxVirtualInterface(Kind):
    """A virtual interface on a Direct Connect connection (notes §24.9): a VLAN with a BGP
    session. `private` reaches one VPC through its virtual private gateway (`vpn_gateway`) or
    several through a Direct Connect gateway; `transit` reaches transit gateways through a
    Direct Connect gateway. `bgp_auth_key` is sensitive."""

    kind: Literal["dx_virtual_interface"] = "dx_virtual_interface"
    title: ClassVar[str] = "Direct Connect virtual interface"
    noun: ClassVar[str] = "virtual interface"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"connection", "type", "vlan", "bgp_asn", "vpn_gateway",
                                                     "dx_gateway", "amazon_address", "customer_address"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"bgp_auth_key"})

    connection: Ref["dx_connection"]
    type: Enum("private", "transit", what="virtual interface type") = "private"
    vlan: IntRange(1, 4094, what="a virtual interface's VLAN")
    bgp_asn: IntRange(1, 4294967294, what="the on-premises BGP ASN") = 65000
    vpn_gateway: Ref["vpn_gateway"] | None = None
    dx_gateway: Ref["dx_gateway"] | None = None  # global
    mtu: Int = 1500
    amazon_address: Str | None = None  # the BGP peer addresses, 169.254.100.1/29 form
    customer_address: Str | None = None
    bgp_auth_key: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.type == "transit" and self.dx_gateway is None:
            yield Issue("a transit virtual interface ends on a Direct Connect gateway", ("dx_gateway",),
                        help="dx_gateway = dxgw (associated with the transit gateway)")
        elif self.type == "transit" and self.vpn_gateway is not None:
            yield Issue("a transit virtual interface reaches transit gateways, not a virtual private gateway",
                        ("vpn_gateway",))
        elif self.type == "private" and (self.vpn_gateway is None) == (self.dx_gateway is None):
            yield Issue("a private virtual interface ends on a virtual private gateway or a Direct Connect gateway, "
                        "one of the two", ("dx_gateway",) if self.dx_gateway is not None else (),
                        help="vpn_gateway = vgw  or  dx_gateway = dxgw")
        mtus = MTU.get(self.type)
        if mtus and isinstance(self.mtu, int) and self.mtu not in mtus:
            yield Issue(f"a {self.type} virtual interface's MTU is {mtus[0]} or {mtus[1]}, got {self.mtu}", ("mtu",))
        if (self.amazon_address is None) != (self.customer_address is None):
            yield Issue("the BGP peer addresses go in pairs: amazon_address and customer_address, or neither (AWS "
                        "picks both)", ("amazon_address",) if self.amazon_address is not None else ("customer_address",))
        for field in ("amazon_address", "customer_address"):
            value = getattr(self, field)
            if isinstance(value, str) and not _peer_address(value):
                yield Issue(f"a BGP peer address is an IPv4 address with its prefix length, such as 169.254.100.1/29; "
                            f"got '{value}'", (field,))
        if isinstance(self.bgp_auth_key, str) and not 6 <= len(self.bgp_auth_key) <= 80:
            yield Issue(f"a BGP authentication key has 6–80 characters (this one has {len(self.bgp_auth_key)})",
                        ("bgp_auth_key",))
        conn = getattr(self.connection, "address", None)
        for other in graph.of_kind("dx_virtual_interface"):
            if (other.address < me.address and getattr(other.get("connection"), "address", None) == conn
                    and other.get("vlan") == self.vlan):
                yield Issue(f"VLAN {self.vlan} is taken on this connection by '{other.address}'", ("vlan",),
                            related=(Related(other.address, ("vlan",), "the same VLAN"),),
                            help="each virtual interface of a connection has its own VLAN")
                break
        yield from _backup_issues(me, graph, self)


def _peer_address(text: str) -> bool:
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return False
    return "/" in text and iface.version == 4


def dx_targets(graph: Graph, vif: View) -> list[str]:
    """The addresses of the AWS gateways (virtual private or transit) a virtual interface reaches."""
    if vif.get("vpn_gateway") is not None:
        return [vif.get("vpn_gateway").address]
    dxgw = deref(graph, vif.get("dx_gateway"))
    if dxgw is None:
        return []
    return [r.address for r in [*(dxgw.get("vpn_gateways") or []), *(dxgw.get("transit_gateways") or [])]]


def _backup_issues(me: View, graph: Graph, vif: DxVirtualInterface) -> Iterable[Issue]:
    """Notes §24.9.5: one DX connection with no second connection and no VPN is a single path."""
    targets = set(dx_targets(graph, me))
    if not targets:
        return
    conn = getattr(vif.connection, "address", None)
    others = {getattr(o.get("connection"), "address", None) for o in graph.of_kind("dx_virtual_interface")
              if set(dx_targets(graph, o)) & targets} - {conn}
    vpns = [u for u in graph.of_kind("vpn_connection")
            if getattr(u.get("vpn_gateway") or u.get("transit_gateway"), "address", None) in targets]
    if not others and not vpns:
        yield Issue("on-premises reaches these gateways over one Direct Connect connection, with no second "
                    "connection and no VPN as backup", ("connection",), severity="warning",
                    help="add a vpn_connection to the same gateway as the backup path (notes §24.9.5)")
