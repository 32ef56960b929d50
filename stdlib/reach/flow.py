"""The values of a reachability question and its answer: a flow, the endpoints it joins, the
hops of one path, and the answer over every path.

A hop says which step of the walk it is (`security group egress`, `network ACL inbound`,
`route`, …), whether it let the flow on (`pass`), stopped it (`block`) or only tells something
(`note`), a sentence, and `at`: the rule that decided, as a resource address and attribute path
(the command line and the checks turn it into file:line:col, as they do for any diagnostic).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from archform.stdlib.schema import Related

PASS, BLOCK, NOTE = "pass", "block", "note"

# Which addresses outside every VPC are on-premises, and which are on the internet. Python's
# `ipaddress` counts the documentation ranges (TEST-NET-1/2/3: 192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, RFC 5737; 2001:db8::/32, RFC 3849) and the benchmarking range 198.18.0.0/15
# as private (`is_global` false); but AWS's documentation, and this project's examples, use
# them as public addresses (an office's public IP, a customer gateway's), and a flow from one
# comes over the internet. So on-premises is what a private network numbers itself from and
# the internet does not route: RFC 1918 (10/8, 172.16/12, 192.168/16); RFC 6598's shared
# address space 100.64.0.0/10 (carrier-grade NAT, which AWS also accepts as a VPC range); and
# IPv6 unique local addresses fc00::/7. Addresses no network routes to a host (unspecified,
# loopback, link-local 169.254/16 and fe80::/10, multicast, reserved 240/4) are not on the
# internet either, and are kept with on-premises as before. Every other address is public.
NOT_INTERNET = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",  # private networks
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",  # routed nowhere
    "fc00::/7", "::/128", "::1/128", "fe80::/10", "ff00::/8"))


def on_the_internet(network) -> bool:
    """Whether an address or block outside every VPC is on the internet (else on-premises): it
    does not lie inside one of the private or unroutable ranges above (a block reaching beyond
    them, 0.0.0.0/0 above all, is the internet)."""
    return not any(network.version == b.version and network.subnet_of(b) for b in NOT_INTERNET)


# Clients expect the reply on a temporary port; AWS's load balancers and NAT gateways use
# 1024-65535, and a network ACL must let the reply through on that range (notes §24.4.3).
EPHEMERAL = (1024, 65535)
# Which ephemeral ports a client picks depends on it (Amazon VPC guide, "Network ACLs" ›
# "Ephemeral ports"): Linux 32768-60999 (net.ipv4.ip_local_port_range; AWS's guide rounds it to
# 61000), Windows Server 2008 and later 49152-65535, a NAT gateway, Elastic Load Balancing and
# Lambda 1024-65535. The walk asks the reply to reach all of EPHEMERAL, any client's; a network
# ACL that lets through only some of it says which clients the reply still reaches.
CLIENT_PORTS = (("Linux clients", (32768, 60999)), ("Windows clients", (49152, 65535)),
                ("NAT gateways, load balancers and Lambda functions", EPHEMERAL))


@dataclass(frozen=True)
class Endpoint:
    """One end of a flow: a network interface in a subnet, an outside address, or a service.

    `network` is the address (a /32) or, when the design gives none, every address of the
    subnet (`approximate`). `groups` are the security groups of the interface; `default_group`
    says it has none declared and so gets its VPC's default group."""

    name: str  # the resource address, "internet", or the CIDR as written
    kind: str  # a resource kind, or "internet", "address", "service"
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    subnet: str | None = None
    vpc: str | None = None
    groups: tuple[str, ...] = ()
    default_group: bool = False
    public: bool = False  # has a public IPv4 address (reachable from the internet)
    public_why: str = ""
    approximate: bool = False  # `network` is the subnet's whole range, no address being declared
    service: str | None = None  # "s3" or "dynamodb" for a service reached by a gateway endpoint
    region: str | None = None  # a service's region (None: not known)
    declared: Related | None = None

    @property
    def in_vpc(self) -> bool:
        return self.subnet is not None

    @property
    def on_premises(self) -> bool:
        """An address outside every VPC that is not on the internet (a private range)."""
        return self.kind == "address" and not self.in_vpc and not self.public

    def describe(self) -> str:
        if self.kind == "internet":
            return "the internet"
        if self.kind == "service":
            return f"{self.service} ('{self.name}')"
        if self.subnet is None:
            return f"{self.network}"
        where = f"any address of subnet '{self.subnet}' ({self.network})" if self.approximate else f"{self.network}"
        return f"'{self.name}' at {where}"


@dataclass(frozen=True)
class Flow:
    protocol: str  # tcp, udp or icmp
    port: int | None  # None for icmp

    def __str__(self) -> str:
        return self.protocol if self.port is None else f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class Hop:
    step: str
    verdict: str  # PASS, BLOCK or NOTE
    text: str
    at: Related | None = None

    def json(self, span_of=None) -> dict:
        doc = {"step": self.step, "verdict": self.verdict, "text": self.text, "at": None}
        if self.at is not None:
            doc["at"] = {"address": self.at.address, "path": [str(p) for p in self.at.path]}
            span = span_of(self.at.address, self.at.path) if span_of else None
            if span is not None:
                doc["at"].update(file=span.file, line=span.start_line, column=span.start_col)
        return doc


@dataclass(frozen=True)
class Path:
    source: Endpoint
    destination: Endpoint
    hops: tuple[Hop, ...]

    @property
    def reachable(self) -> bool:
        return not any(h.verdict == BLOCK for h in self.hops)

    @property
    def blocked_at(self) -> Hop | None:
        return next((h for h in self.hops if h.verdict == BLOCK), None)


@dataclass(frozen=True)
class Answer:
    """Every path of a flow between two resources (one per pair of their subnets, and through
    each target of a load balancer). Reachable when every path is."""

    source: str
    destination: str
    flow: Flow
    paths: tuple[Path, ...] = ()
    problem: str = ""  # why there is no path at all (a resource without a network interface…)

    @property
    def reachable(self) -> bool:
        return bool(self.paths) and all(p.reachable for p in self.paths)

    @property
    def shown(self) -> Path | None:
        """The path to show: the first blocked one, else the first."""
        return next((p for p in self.paths if not p.reachable), self.paths[0] if self.paths else None)


@dataclass
class Trail:
    """The hops of a path as the walk adds them; `open` until a hop blocks."""

    hops: list[Hop] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.hops or self.hops[-1].verdict != BLOCK

    def add(self, hop: Hop | None) -> bool:
        if hop is not None and self.open:
            self.hops.append(hop)
        return self.open
