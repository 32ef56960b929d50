"""Private and public IPv4 addresses, and the DNS names AWS gives them.

Private addresses come from the subnet's CIDR in order, lowest free first, skipping the five
AWS reserves (notes §24.2.3: the first four — network, VPC router, DNS, future use — and the
last, broadcast). They are released when their holder goes. Public addresses come from the
documentation ranges (RFC 5737), then the benchmarking range (RFC 2544), so nothing here is
anyone's real address.
"""

from __future__ import annotations

import ipaddress

from archform.providers.base import InsufficientAddresses, InvalidParameter

from .store import Tx

RESERVED_LOW = 4   # network address, VPC router, Amazon DNS, future use
RESERVED_HIGH = 1  # broadcast
RESERVED = RESERVED_LOW + RESERVED_HIGH

# the documentation ranges first (RFC 5737: what examples show), then the benchmarking range
# (RFC 2544's 198.18.0.0/15, 131,070 addresses): none of them is anyone's real address, and
# together they hold an estate's load balancers and NAT gateways (762 ran out at 10,000 resources)
PUBLIC_RANGES = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                                   "198.18.0.0/15")]


def network(cidr, what: str = "cidrBlock"):
    """A CIDR block from its JSON form, refused as AWS refuses a malformed one."""
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except (TypeError, ValueError):
        raise InvalidParameter(f"Value ({cidr}) for parameter {what} is invalid. This is not a valid CIDR block.",
                               code="InvalidParameterValue") from None


def usable(cidr: str) -> int:
    net = network(cidr)
    return max(net.num_addresses - RESERVED, 0)


def allocate_private(tx: Tx, subnet_id: str, cidr: str, holder: str) -> str:
    """The lowest free address of the subnet, now held by `holder`."""
    net = network(cidr)
    first = int(net.network_address) + RESERVED_LOW
    last = int(net.broadcast_address) - RESERVED_HIGH
    candidate = tx.lowest_free_ip(subnet_id, first)
    if candidate > last:
        raise InsufficientAddresses(
            f"There are not enough free addresses in subnet '{subnet_id}' ({cidr}: {usable(cidr)} usable, "
            "AWS reserves the first four and the last) to satisfy the requested number of instances.",
            code="InsufficientFreeAddressesInSubnet")
    tx.take_private_ip(subnet_id, candidate, holder)
    return str(ipaddress.ip_address(candidate))


def allocate_public(tx: Tx, holder: str, region: str | None, *, elastic: bool = False, vpc: str | None = None) -> str:
    """The lowest free address of the pool, now held by `holder`."""
    for net in PUBLIC_RANGES:
        first, last = int(net.network_address) + 1, int(net.broadcast_address) - 1  # its hosts
        n = tx.lowest_free_public_ip(first)
        if n <= last:
            tx.take_public_ip(n, holder, region, elastic, vpc)
            return str(ipaddress.ip_address(n))
    raise InsufficientAddresses("There are no public IPv4 addresses left in the modeled cloud's pool.",
                                code="InsufficientAddressCapacity")


def available(tx: Tx, subnet_id: str, cidr: str) -> int:
    return usable(cidr) - tx.count_private_ips(subnet_id)


# --- DNS names of addresses -----------------------------------------------------------------------

def private_dns(ip: str, region: str | None) -> str:
    """ip-10-0-1-5.ec2.internal in us-east-1, ip-10-0-1-5.<region>.compute.internal elsewhere."""
    host = "ip-" + ip.replace(".", "-")
    if region in (None, "us-east-1"):
        return f"{host}.ec2.internal"
    return f"{host}.{region}.compute.internal"


def public_dns(ip: str | None, region: str | None) -> str | None:
    """ec2-203-0-113-5.compute-1.amazonaws.com in us-east-1, ec2-….<region>.compute.amazonaws.com elsewhere."""
    if ip is None:
        return None
    host = "ec2-" + ip.replace(".", "-")
    if region in (None, "us-east-1"):
        return f"{host}.compute-1.amazonaws.com"
    return f"{host}.{region}.compute.amazonaws.com"


def mac_address(seed_hex: str) -> str:
    """A locally administered unicast MAC, as AWS's ENIs have (02:…)."""
    body = seed_hex[:10]
    return "02:" + ":".join(body[i:i + 2] for i in range(0, 10, 2))
