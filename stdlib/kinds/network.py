"""Networking: VPC, subnet, gateways, route tables, network ACLs, security groups, Elastic IPs.

Limits and defaults from notes §24 (VPC) and §3.4 (security groups), aws-facts "Networking".
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Iterable, Literal

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import AZ, Bool, Cidr, Enum, Int, IntRange, Ref, Str, Tags, cidr

# RFC 1918 private ranges (notes §24.2.2: "only IP addresses in the Private IPv4 ranges are
# allowed"), plus 100.64.0.0/10 which AWS also accepts for secondary blocks.
PRIVATE_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "100.64.0.0/10")]


class Vpc(Kind):
    """A virtual private network in one region (notes §24.2.2)."""

    kind: Literal["vpc"] = "vpc"
    title: ClassVar[str] = "VPC"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string",
                                         "default_security_group": "string",
                                         "main_route_table": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"cidr", "instance_tenancy"})

    cidr: Cidr
    secondary_cidrs: list[Cidr] = []
    enable_dns_support: Bool = True
    enable_dns_hostnames: Bool = True
    instance_tenancy: Enum("default", "dedicated", what="tenancy") = "default"
    ipv6: Bool = False
    tags: Tags = {}

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        blocks = [("cidr", self.cidr)] + [(("secondary_cidrs", i), c) for i, c in enumerate(self.secondary_cidrs)]
        if len(blocks) > 5:
            yield Issue(f"a VPC has at most 5 CIDR blocks, this one has {len(blocks)}",
                        ("secondary_cidrs",), help="remove blocks or split the network into several VPCs")
        seen: list[tuple] = []
        for path, block in blocks:
            if not isinstance(block, v.Cidr):
                continue
            path = path if isinstance(path, tuple) else (path,)
            net = block.network
            if net.version == 4 and not (16 <= net.prefixlen <= 28):
                yield Issue(f"a VPC CIDR block must be between /16 and /28, {net} is /{net.prefixlen}", path,
                            help="use a prefix length from /16 (65,536 addresses) to /28 (16 addresses)")
            if net.version == 4 and not any(net.subnet_of(r) for r in PRIVATE_RANGES):
                yield Issue(f"{net} is not a private range", path, severity="warning",
                            help="VPCs use private ranges: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
            for other_path, other in seen:
                if net.overlaps(other):
                    yield Issue(f"CIDR block {net} overlaps {other} of the same VPC", path)
            seen.append((path, net))


class Subnet(Kind):
    """A range of a VPC's addresses in one AZ (notes §24.2.3: AWS reserves 5 per subnet)."""

    kind: Literal["subnet"] = "subnet"
    title: ClassVar[str] = "Subnet"
    family: ClassVar[str] = "network"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "available_ips": "number"}
    force_new: ClassVar[frozenset[str]] = frozenset({"vpc", "cidr", "az"})

    vpc: Ref["vpc"]
    cidr: Cidr
    az: AZ
    public: Bool = False
    map_public_ip: Bool = False
    tags: Tags = {}

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not isinstance(self.cidr, v.Cidr):
            return
        net = self.cidr.network
        if net.version == 4 and not (16 <= net.prefixlen <= 28):
            yield Issue(f"a subnet CIDR block must be between /16 and /28, {net} is /{net.prefixlen}", ("cidr",),
                        help="a /28 is the smallest: 16 addresses, of which AWS reserves 5")
        vpc = deref(graph, self.vpc)
        if vpc is None:
            return
        if vpc.region != me.region:
            yield Issue(f"subnet is declared in {me.region} but its VPC '{vpc.address}' is in {vpc.region}",
                        ("vpc",), related=(Related(vpc.address, (), "VPC declared here"),))
        blocks = [b.network for b in [vpc.model.cidr, *vpc.model.secondary_cidrs] if isinstance(b, v.Cidr)]
        if blocks and not any(net.version == b.version and net.subnet_of(b) for b in blocks):
            shown = ", ".join(str(b) for b in blocks)
            yield Issue(f"subnet {net} is outside its VPC's address range ({shown})", ("cidr",),
                        related=(Related(vpc.address, ("cidr",), "the VPC's range"),),
                        help=f"pick a block inside {blocks[0]}, e.g. with cidrsubnet({vpc.address.split('.')[-1]}.cidr, 8, 1)")
