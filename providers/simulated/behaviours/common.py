"""Helpers several service families share: which VPC a record is in, subnets grouped by AZ,
per-subnet nodes (load balancer nodes, endpoint interfaces, mount targets), detaching an id
from the resources that still name it, the Elastic IP quota."""

from __future__ import annotations

from archform.providers.base import InvalidParameter, LimitExceeded

from ..operation import Op
from ..store import Record


def vpc_of(op: Op, rec: Record | None) -> str | None:
    """The VPC id a record lives in: its `vpc`, or its subnet's."""
    if rec is None:
        return None
    if rec.kind == "vpc":
        return rec.id
    vpc = rec.attrs.get("vpc")
    if isinstance(vpc, str):
        return vpc
    subnet = op.get(rec.subnet or rec.attrs.get("subnet"))
    return subnet.attrs.get("vpc") if subnet is not None else None


def subnets_vpc(op: Op, subnet_ids: list[str], what: str, code: str = "InvalidParameterValue") -> str | None:
    """The one VPC all these subnets belong to (refused when they span several)."""
    vpcs = {}
    for sid in subnet_ids:
        vpcs.setdefault(op.the(sid).attrs.get("vpc"), sid)
    if len(vpcs) > 1:
        shown = ", ".join(f"{sid} is in {vpc}" for vpc, sid in vpcs.items())
        raise InvalidParameter(f"The subnets of a {what} must belong to one VPC: {shown}", code=code)
    return next(iter(vpcs), None)


def check_groups_in_vpc(op: Op, group_ids: list[str], vpc: str | None, where: str,
                        code: str = "InvalidParameter"):
    for gid in group_ids:
        group = op.the(gid)
        if vpc is not None and group.attrs.get("vpc") != vpc:
            raise InvalidParameter(f"Security group {gid} and {where} belong to different networks "
                                   f"({group.attrs.get('vpc')} and {vpc}).", code=code)


def by_az(op: Op, subnet_ids: list[str]) -> dict[str, list[Record]]:
    """The subnets grouped by AZ, AZs sorted, subnets in the order given."""
    groups: dict[str, list[Record]] = {}
    for sid in subnet_ids:
        subnet = op.the(sid)
        groups.setdefault(subnet.attrs["az"], []).append(subnet)
    return dict(sorted(groups.items()))


def one_subnet_per_az(op: Op, subnet_ids: list[str], message: str, code: str):
    seen: dict[str, str] = {}
    for sid in subnet_ids:
        az = op.the(sid).attrs["az"]
        if az in seen and seen[az] != sid:
            raise InvalidParameter(f"{message}: {seen[az]} and {sid} are both in {az}", code=code)
        seen[az] = sid


def add_node(op: Op, owner: Record, kind: str, role: str, subnet: Record, *, public: bool = False,
             attrs: dict | None = None, id: str | None = None) -> Record:
    """An owned record in `subnet` holding a private address (and a public one if asked)."""
    node = op.add_owned(owner, kind, role, {"subnet": subnet.id, **(attrs or {})}, az=subnet.attrs["az"],
                        subnet=subnet.id, id=id)
    ip = op.private_ip(subnet, node.id)
    node.attrs["private_ip"] = ip
    node.outputs.update(private_ip=ip, az=subnet.attrs["az"])
    if public:
        pip = op.public_ip(node.id, owner.region, vpc=subnet.attrs.get("vpc"))
        node.attrs["public_ip"] = pip
        node.outputs["public_ip"] = pip
    op.tx.save(node)
    return node


def sync_subnet_nodes(op: Op, owner: Record, kind: str, role: str, subnet_ids: list[str], *,
                      public: bool = False) -> list[Record]:
    """One owned node per subnet: keep those whose subnet remains, remove the others, add new."""
    wanted = list(dict.fromkeys(subnet_ids))
    nodes = op.tx.owned(owner.id, kind)
    kept = []
    for node in nodes:
        if node.subnet in wanted and node.subnet not in {k.subnet for k in kept}:
            kept.append(node)
        else:
            op.remove(node)
    have = {n.subnet for n in kept}
    for sid in wanted:
        if sid not in have:
            kept.append(add_node(op, owner, kind, role, op.the(sid), public=public))
    return kept


def strip_id(value, id: str):
    """`value` without `id`: removed from lists, None where it stood alone."""
    if value == id:
        return None
    if isinstance(value, list):
        return [strip_id(v, id) for v in value if v != id]
    if isinstance(value, dict):
        return {k: strip_id(v, id) for k, v in value.items()}
    return value


def detach_from_users(op: Op, rec: Record, kinds: tuple[str, ...]):
    """What AWS does to resources still naming `rec` when it goes (a terminated instance is
    detached from its volumes, Elastic IPs and target groups): they stop naming it."""
    for user, _ in op.tx.referrers(rec.id):
        if user.kind not in kinds or user.id == rec.id:
            continue
        user.attrs = strip_id(user.attrs, rec.id)
        if user.kind == "elastic_ip":
            op.tx.set_public_ip_vpc(user.id, None)
        op.tx.save(user)
        op.tx.drop_ref(user.id, rec.id)


def check_elastic_ip_quota(op: Op, region: str | None):
    limit = op.limit("elastic_ips_per_region", region)
    if op.tx.count_elastic_ips(region) >= limit:
        raise LimitExceeded(f"The maximum number of addresses has been reached: {limit} Elastic IPs in {region} "
                            "(a public NAT gateway without an Elastic IP allocates one)", code="AddressLimitExceeded")
