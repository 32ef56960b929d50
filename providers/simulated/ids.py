"""Identifiers as AWS spells them, derived from the store's seed and counter.

Nothing here reads the clock or unseeded randomness: `digest(seed, n)` is a SHA-256 of the
pair, so the same operations on a fresh store give the same ids. Each kind's id shape is one
entry of `ID_STYLE`; ARNs are built by `arn()` with the account below.
"""

from __future__ import annotations

import hashlib
import re

ACCOUNT = "123456789012"

# kind -> the prefix of its EC2-style id (prefix-0 + 16 hex digits: 17 in all, as AWS's long ids)
EC2_PREFIX = {
    "vpc": "vpc", "subnet": "subnet", "internet_gateway": "igw", "egress_only_internet_gateway": "eigw",
    "nat_gateway": "nat", "route_table": "rtb", "network_acl": "acl", "security_group": "sg",
    "elastic_ip": "eipalloc", "instance": "i", "launch_template": "lt", "ebs_volume": "vol",
    "vpc_peering": "pcx", "vpc_endpoint": "vpce", "network_interface": "eni", "placement_group": "pg",
    "efs": "fs", "efs_mount_target": "fsmt", "load_balancer_node": "eni", "dr_plan": "drp",
    "lambda_eni": "eni",
    "transit_gateway": "tgw", "transit_gateway_attachment": "tgw-attach", "transit_gateway_route_table": "tgw-rtb",
    "customer_gateway": "cgw", "vpn_gateway": "vgw", "vpn_connection": "vpn", "tgw_eni": "eni",
}

# kind -> the resource type in its EC2 ARN (arn:aws:ec2:<region>:<account>:<type>/<id>)
EC2_ARN_TYPE = {
    "vpc": "vpc", "subnet": "subnet", "internet_gateway": "internet-gateway",
    "egress_only_internet_gateway": "egress-only-internet-gateway", "nat_gateway": "natgateway",
    "route_table": "route-table", "network_acl": "network-acl", "security_group": "security-group",
    "elastic_ip": "elastic-ip", "instance": "instance", "launch_template": "launch-template",
    "ebs_volume": "volume", "vpc_peering": "vpc-peering-connection", "vpc_endpoint": "vpc-endpoint",
    "network_interface": "network-interface",
    "transit_gateway": "transit-gateway", "transit_gateway_attachment": "transit-gateway-attachment",
    "transit_gateway_route_table": "transit-gateway-route-table", "customer_gateway": "customer-gateway",
    "vpn_gateway": "vpn-gateway", "vpn_connection": "vpn-connection",
}


def digest(seed: int, n: int, salt: str = "") -> str:
    """64 hex digits determined by (seed, n, salt)."""
    return hashlib.sha256(f"{seed}/{n}/{salt}".encode()).hexdigest()


def hex17(seed: int, n: int) -> str:
    """AWS's long resource id body: 17 hex digits, starting with 0 as AWS's do."""
    return "0" + digest(seed, n)[:16]


def ec2_id(kind: str, seed: int, n: int) -> str:
    return f"{EC2_PREFIX[kind]}-{hex17(seed, n)}"


def uuid(seed: int, n: int, salt: str = "uuid") -> str:
    h = digest(seed, n, salt)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(seed: int, n: int, length: int, salt: str = "b36") -> str:
    """Lower-case letters and digits, `length` of them."""
    value = int(digest(seed, n, salt), 16)
    out = []
    for _ in range(length):
        value, r = divmod(value, 36)
        out.append(_B36[r])
    return "".join(out)


def upper_alnum(seed: int, n: int, length: int, salt: str = "upper") -> str:
    return base36(seed, n, length, salt).upper()


def digits(seed: int, n: int, length: int, salt: str = "digits") -> str:
    value = int(digest(seed, n, salt), 16)
    text = str(value)[:length]
    return text if text[0] != "0" else "1" + text[1:]


def arn(service: str, region: str | None, resource: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region or ''}:{account}:{resource}"


def name_in(id: str | None) -> str | None:
    """The name at the end of a named resource's id: `arn:aws:eks:R:A:cluster/shop` → `shop`
    (for kinds whose names hold no `/` or `:`); any other id is returned as it is."""
    if not id or not id.startswith("arn:"):
        return id
    return id.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def ec2_arn(kind: str, region: str | None, id: str) -> str:
    return arn("ec2", region, f"{EC2_ARN_TYPE[kind]}/{id}")


# --- names --------------------------------------------------------------------------------------

def slug(address: str | None, fallback: str) -> str:
    """An address as a name: `net.main.subnet[private-a]` → `net-main-subnet-private-a`."""
    text = re.sub(r"[^a-z0-9]+", "-", (address or fallback).lower()).strip("-")
    return text or fallback.replace("_", "-")


def generated_name(address: str | None, kind: str, suffix: str, max_len: int, *, letter_first: bool = False) -> str:
    """A name for a resource whose AWS identity is a name: the address, then a short suffix
    (as CloudFormation does), within the kind's length limit."""
    base = slug(address, kind)
    if letter_first and not base[0].isalpha():
        base = "x-" + base
    room = max_len - len(suffix) - 1
    base = base[:room].rstrip("-") or kind[:room]
    return f"{base}-{suffix}"
