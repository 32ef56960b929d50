"""Service quotas archform knows: each one's name in `service_quota { quota = ... }`, Service
Quotas' title and codes, AWS's default and the ceiling an apply asks for; and the value a
configuration raises one to in a region (what validate counts against).

Apart from the kind (stdlib/kinds/quotas.py) so the kinds whose checks read a quota (a VPC's
CIDR blocks, a security group's rules) do not import another family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the modeled cloud reads the table without the typed catalogue (no pydantic)
    from archform.stdlib.schema import Graph, View


@dataclass(frozen=True)
class Quota:
    name: str           # what `quota = ...` says
    title: str          # Service Quotas' name for it
    service: str        # its service code
    code: str           # its quota code
    default: int        # AWS's default
    ceiling: int        # the highest value an apply asks for here
    counts: tuple[str, ...] = ()  # the kinds that count against it (ordered after the increase)


QUOTAS = {q.name: q for q in (
    Quota("elastic_ips", "EC2-VPC Elastic IPs", "ec2", "L-0263D0A3", 5, 1000, ("elastic_ip", "nat_gateway")),
    Quota("vpcs", "VPCs per Region", "vpc", "L-F678F1CE", 5, 1000, ("vpc",)),
    Quota("cidr_blocks_per_vpc", "IPv4 CIDR blocks per VPC", "vpc", "L-83CA0A9D", 5, 50, ("vpc",)),
    Quota("rules_per_security_group", "Inbound or outbound rules per security group", "vpc", "L-0EA8095F",
          60, 1000, ("security_group",)),
    Quota("security_groups_per_interface", "Security groups per network interface", "vpc", "L-2AFB9258",
          5, 16, ()),
)}
PRODUCT_LIMIT = 1000  # security groups per interface × rules per group


def quota(graph: Graph, region, name: str) -> int:
    """The value of quota `name` in `region`: a declared increase, else AWS's default."""
    for q in graph.of_kind("service_quota"):
        if q.region == region and q.get("quota") == name and isinstance(q.get("value"), int):
            return max(q.get("value"), QUOTAS[name].default)
    return QUOTAS[name].default


def raised_by(graph: Graph, region, name: str) -> View | None:
    """The declaration raising quota `name` in `region`, if there is one (for a diagnostic's
    related location)."""
    return next((q for q in graph.of_kind("service_quota") if q.region == region and q.get("quota") == name), None)


def increase_hint(name: str, graph: Graph | None = None, region=None) -> str:
    """How to raise quota `name`: the declaration there is, or one to write."""
    q = QUOTAS[name]
    declared = raised_by(graph, region, name) if graph is not None else None
    if declared is not None:
        return f"or raise the value of '{declared.address}' (up to {q.ceiling})"
    return f"or raise the quota: service_quota {name} {{ quota = {name}, value = ... }} (up to {q.ceiling})"
