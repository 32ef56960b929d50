"""Network functions: CIDR arithmetic and a region's Availability Zones."""

from __future__ import annotations

import ipaddress

from .. import values as v
from .args import FunctionError, _arity, _cidr, _int


def cidrsubnet(args, ctx):
    _arity("cidrsubnet", args, 3)
    net = _cidr(args[0], 0, "cidrsubnet")
    newbits = _int(args[1], 1, "cidrsubnet")
    netnum = _int(args[2], 2, "cidrsubnet")
    new_prefix = net.prefixlen + newbits
    if newbits < 0 or new_prefix > net.max_prefixlen:
        raise FunctionError(f"cidrsubnet(): cannot add {newbits} bits to /{net.prefixlen} "
                            f"(at most {net.max_prefixlen - net.prefixlen})", 1)
    if not (0 <= netnum < 2 ** newbits):
        raise FunctionError(f"cidrsubnet(): {net} has {2 ** newbits} subnets of /{new_prefix} "
                            f"(numbered 0 to {2 ** newbits - 1}); {netnum} is out of range", 2)
    size = 2 ** (net.max_prefixlen - new_prefix)
    base = int(net.network_address) + netnum * size
    return v.Cidr(ipaddress.ip_network((base, new_prefix)))


def cidrsubnets(args, ctx):
    _arity("cidrsubnets", args, 1, -1)
    net = _cidr(args[0], 0, "cidrsubnets")
    out = []
    cursor = int(net.network_address)
    end = int(net.broadcast_address)
    for i, b in enumerate(args[1:], start=1):
        newbits = _int(b, i, "cidrsubnets")
        prefix = net.prefixlen + newbits
        if newbits < 0 or prefix > net.max_prefixlen:
            raise FunctionError(f"cidrsubnets(): cannot add {newbits} bits to /{net.prefixlen}", i)
        size = 2 ** (net.max_prefixlen - prefix)
        cursor = (cursor + size - 1) // size * size
        if cursor + size - 1 > end:
            raise FunctionError(f"cidrsubnets(): not enough room in {net} for a /{prefix}", i)
        out.append(v.Cidr(ipaddress.ip_network((cursor, prefix))))
        cursor += size
    return out


def cidrhost(args, ctx):
    _arity("cidrhost", args, 2)
    net = _cidr(args[0], 0, "cidrhost")
    n = _int(args[1], 1, "cidrhost")
    if n < 0:
        n += net.num_addresses
    if not (0 <= n < net.num_addresses):
        raise FunctionError(f"cidrhost(): {net} has {net.num_addresses} addresses; host {n} is out of range", 1)
    return v.Ip(net.network_address + n)


def cidrnetmask(args, ctx):
    _arity("cidrnetmask", args, 1)
    return str(_cidr(args[0], 0, "cidrnetmask").netmask)


def cidrcontains(args, ctx):
    _arity("cidrcontains", args, 2)
    net = _cidr(args[0], 0, "cidrcontains")
    other = args[1]
    if isinstance(other, v.Ip):
        return other.address in net
    return _cidr(other, 1, "cidrcontains").subnet_of(net)


def zones(args, ctx):
    """The Availability Zones of the current region (or of the region named), first `n` of them."""
    from archform.stdlib.regions import REGIONS
    _arity("zones", args, 0, 2)
    region = ctx.region
    n = None
    for i, a in enumerate(args):
        if isinstance(a, (str, v.Word)):
            region = str(a)
        else:
            n = _int(a, i, "zones")
    if region is None:
        raise FunctionError("zones() outside a region block needs the region name: zones(\"us-east-1\")")
    info = REGIONS.get(region)
    if info is None:
        raise FunctionError(f"zones(): unknown region '{region}'")
    if n is not None and n > info.azs:
        raise FunctionError(f"{region} has {info.azs} Availability Zones; cannot take {n}",
                            help=f"use at most zones({info.azs})")
    return info.zones[:n] if n is not None else info.zones
