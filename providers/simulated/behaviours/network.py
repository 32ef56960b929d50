"""VPC networking: VPCs (with their default security group, main route table and default
network ACL), subnets, gateways, route tables, network ACLs, security groups, Elastic IPs,
peering, endpoints and network interfaces."""

from __future__ import annotations

import ipaddress

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter, LimitExceeded

from .. import addressing, ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, in_use, require, users_of
from .common import (add_node, check_elastic_ip_quota, check_groups_in_vpc, one_subnet_per_az, subnets_vpc,
                     sync_subnet_nodes, vpc_of)

ALL_TRAFFIC = "0.0.0.0/0"


def _blocks(vpc: Record) -> list:
    return [addressing.network(c) for c in [vpc.attrs["cidr"], *(vpc.attrs.get("secondary_cidrs") or [])]]


def _subnets_of(op: Op, vpc_id: str, skip: str | None = None) -> list[Record]:
    return [u for u, path in op.tx.referrers(vpc_id, "subnet") if path == "vpc" and u.id != skip]


class Vpc(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        blocks = [rec.attrs["cidr"], *(rec.attrs.get("secondary_cidrs") or [])]
        nets = []
        for block in blocks:
            net = addressing.network(block)
            require(net.version != 4 or 16 <= net.prefixlen <= 28,
                    f"The CIDR '{block}' is invalid: a VPC block is between /16 and /28", "InvalidVpc.Range")
            for other in nets:
                require(not net.overlaps(other), f"The CIDR '{block}' overlaps '{other}' of the same VPC",
                        "InvalidVpc.Range")
            nets.append(net)
        if len(blocks) > op.limit("cidr_blocks_per_vpc", rec.region):
            raise LimitExceeded(f"A VPC has at most {op.limit('cidr_blocks_per_vpc', rec.region)} CIDR blocks, got {len(blocks)}",
                                code="CidrLimitExceeded")
        if old is None:
            count = len(op.tx.query("kind = 'vpc' AND owner IS NULL AND region IS ?", (rec.region,)))
            if count >= op.limit("vpcs_per_region", rec.region):
                raise LimitExceeded(f"The maximum number of VPCs has been reached: {count} in {rec.region}",
                                    code="VpcLimitExceeded")
        else:
            for subnet in _subnets_of(op, rec.id):
                net = addressing.network(subnet.attrs["cidr"])
                if not any(net.version == b.version and net.subnet_of(b) for b in nets):
                    raise DependencyViolation(f"The CIDR block cannot be removed: subnet {subnet.id} "
                                              f"({net}) uses it", code="InvalidCidrBlock.InUse")

    def create(self, op: Op, rec: Record):
        sg = op.add_owned(rec, "security_group", "default",
                          {"vpc": rec.id, "description": "default VPC security group",
                           "ingress": [{"protocol": "all", "port": None, "ports": None, "description": None,
                                        "from": None}],
                           "egress": [{"protocol": "all", "port": None, "ports": None, "description": None,
                                       "to": ALL_TRAFFIC}], "tags": {}}, name="default")
        sg.attrs["ingress"][0]["from"] = sg.id  # the default group admits its own members
        sg.outputs.update(arn=ids.ec2_arn("security_group", rec.region, sg.id), name="default")
        op.tx.save(sg)
        rtb = op.add_owned(rec, "route_table", "main", {"vpc": rec.id, "route": [], "subnets": [], "tags": {}})
        rtb.outputs["arn"] = ids.ec2_arn("route_table", rec.region, rtb.id)
        op.tx.save(rtb)
        allow = [{"rule": 100, "action": "allow", "protocol": "all", "ports": None, "cidr": ALL_TRAFFIC}]
        acl = op.add_owned(rec, "network_acl", "default", {"vpc": rec.id, "subnets": [], "ingress": allow,
                                                            "egress": allow, "tags": {}})
        acl.outputs["arn"] = ids.ec2_arn("network_acl", rec.region, acl.id)
        op.tx.save(acl)
        for owned in (sg, rtb, acl):
            op.tx.set_refs(owned.id, [("vpc", rec.id)])

    def outputs(self, op: Op, rec: Record) -> dict:
        owned = {r.role + ":" + r.kind: r.id for r in op.tx.owned(rec.id)}
        return {"default_security_group": owned.get("default:security_group"),
                "main_route_table": owned.get("main:route_table"),
                "default_network_acl": owned.get("default:network_acl")}

    def check_delete(self, op: Op, rec: Record):
        kinds = ("subnet", "internet_gateway", "egress_only_internet_gateway", "security_group", "route_table",
                 "network_acl", "vpc_endpoint")
        users = [(u, p) for u, p in users_of(op, rec, kinds, skip_owned_by=rec.id) if p == "vpc"]
        if users:
            users.sort(key=lambda up: (kinds.index(up[0].kind), up[0].seq))
            raise in_use(rec, users)


class Subnet(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = op.the(rec.attrs["vpc"])
        az = rec.attrs["az"]
        zones = op.zones(rec.region)
        require(az in zones, f"Value ({az}) for parameter availabilityZone is invalid. Subnets can currently only be "
                             f"created in the following availability zones: {', '.join(zones)}.")
        net = addressing.network(rec.attrs["cidr"])
        require(net.version != 4 or 16 <= net.prefixlen <= 28,
                f"The CIDR '{net}' is invalid: a subnet block is between /16 and /28", "InvalidSubnet.Range")
        blocks = _blocks(vpc)
        require(any(net.version == b.version and net.subnet_of(b) for b in blocks),
                f"The CIDR '{net}' is invalid: it is outside VPC {vpc.id}'s range "
                f"({', '.join(str(b) for b in blocks)})", "InvalidSubnet.Range")
        for other in _subnets_of(op, vpc.id, skip=rec.id):
            other_net = addressing.network(other.attrs["cidr"])
            if net.overlaps(other_net):
                raise Conflict(f"The CIDR '{net}' conflicts with another subnet: {other.id} ({other_net})",
                               code="InvalidSubnet.Conflict")
        rec.az = az

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"available_ips": addressing.available(op.tx, rec.id, rec.attrs["cidr"]), "az": rec.attrs["az"]}

    def live(self, op: Op, rec: Record) -> dict:
        return {**rec.outputs, **self.outputs(op, rec)}

    def check_delete(self, op: Op, rec: Record):
        holders = op.tx.private_ip_holders(rec.id)
        if holders:
            users = [(op.get(h), "") for h in holders if op.get(h) is not None]
            raise in_use(rec, users, what=" (instances or network interfaces still use its addresses)")


class InternetGateway(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs["vpc"]
        for user, path in op.tx.referrers(vpc, "internet_gateway"):
            if user.id != rec.id and path == "vpc":
                raise Conflict(f"resource {vpc} is already associated with {user.id}: a VPC has one internet gateway",
                               code="Resource.AlreadyAssociated")

    def check_delete(self, op: Op, rec: Record):
        routed = users_of(op, rec, ("route_table",))
        if routed:
            raise in_use(rec, routed, what=" (route tables still send traffic to it)")


class EgressOnlyInternetGateway(Behaviour):
    def check_delete(self, op: Op, rec: Record):
        routed = users_of(op, rec, ("route_table",))
        if routed:
            raise in_use(rec, routed, what=" (route tables still send traffic to it)")


class NatGateway(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        eip = rec.attrs.get("elastic_ip")
        public = rec.attrs.get("connectivity", "public") == "public"
        require(not (eip and not public), "A private NAT gateway has no Elastic IP", "InvalidParameterCombination")
        if eip and old is None:
            for user, _ in op.tx.referrers(eip):
                if user.kind == "nat_gateway" and user.id != rec.id:
                    raise Conflict(f"Elastic IP address [{eip}] is already associated with {user.id}",
                                   code="Resource.AlreadyAssociated")
            held = op.the(eip).attrs
            if held.get("instance") or held.get("network_interface"):
                raise Conflict(f"Elastic IP address [{eip}] is already associated", code="Resource.AlreadyAssociated")
        if public and not eip and old is None:
            check_elastic_ip_quota(op, rec.region)

    def create(self, op: Op, rec: Record):
        subnet = op.the(rec.attrs["subnet"])
        rec.az, rec.subnet = subnet.attrs["az"], subnet.id
        private = op.private_ip(subnet, rec.id)
        public = None
        if rec.attrs.get("connectivity", "public") == "public":
            eip = rec.attrs.get("elastic_ip")
            if eip:
                op.tx.set_public_ip_vpc(eip, subnet.attrs["vpc"])
                public = op.the(eip).outputs.get("public_ip")
            else:
                public = op.public_ip(rec.id, rec.region, elastic=True, vpc=subnet.attrs["vpc"])
        rec.outputs.update(private_ip=private, public_ip=public)

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"private_ip": rec.outputs.get("private_ip"), "public_ip": rec.outputs.get("public_ip"), "az": rec.az}

    def delete(self, op: Op, rec: Record):
        if rec.attrs.get("elastic_ip"):
            op.tx.set_public_ip_vpc(rec.attrs["elastic_ip"], None)


class RouteTable(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs["vpc"]
        seen: set = set()
        for i, route in enumerate(rec.attrs.get("route") or []):
            dest = route.get("destination")
            if dest in seen:
                raise Conflict(f"The route identified by {dest} already exists in this route table",
                               code="RouteAlreadyExists")
            seen.add(dest)
            target = op.the(route["target"])
            self._target_in_vpc(op, target, vpc, rec)
        for sid in rec.attrs.get("subnets") or []:
            subnet = op.the(sid)
            require(subnet.attrs.get("vpc") == vpc,
                    f"Route table {rec.id or '(new)'} and subnet {sid} belong to different networks")
            for user, path in op.tx.referrers(sid):
                if user.kind == "route_table" and user.id != rec.id and user.owner is None and path.startswith("subnets"):
                    raise Conflict(f"the specified association for route table {user.id} conflicts with an existing "
                                   f"association: subnet {sid} is already associated with it",
                                   code="Resource.AlreadyAssociated")

    @staticmethod
    def _target_in_vpc(op: Op, target: Record, vpc: str, rec: Record):
        if target.kind == "vpc_peering":
            require(vpc in (target.attrs.get("vpc"), target.attrs.get("peer_vpc")),
                    f"VPC peering {target.id} does not connect VPC {vpc}",
                    "InvalidVpcPeeringConnectionID.NotFound")
            return
        theirs = vpc_of(op, target)
        if theirs is None or theirs == vpc:
            return
        if target.kind in ("internet_gateway", "egress_only_internet_gateway", "vpn_gateway"):
            raise InvalidParameter(f"The gateway ID '{target.id}' is not attached to VPC {vpc}",
                                   code="Gateway.NotAttached")
        raise InvalidParameter(f"Route table and {target.kind.replace('_', ' ')} {target.id} belong to different "
                               f"networks ({vpc} and {theirs})")


class NetworkAcl(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs["vpc"]
        for sid in rec.attrs.get("subnets") or []:
            require(op.the(sid).attrs.get("vpc") == vpc,
                    f"Network ACL and subnet {sid} belong to different networks")
        for direction in ("ingress", "egress"):
            numbers = [r.get("rule") for r in rec.attrs.get(direction) or []]
            dupes = sorted({n for n in numbers if numbers.count(n) > 1})
            if dupes:
                raise Conflict(f"The network ACL entry {dupes[0]} ({direction}) already exists",
                               code="NetworkAclEntryAlreadyExists")


class SecurityGroup(Named):
    name_max = 255
    id_is_name = False
    name_taken_code = "InvalidGroup.Duplicate"

    def validate(self, op: Op, rec: Record, old: Record | None):
        limit = op.limit("rules_per_security_group", rec.region)
        for direction, key in (("ingress", "from"), ("egress", "to")):
            rules = rec.attrs.get(direction) or []
            if len(rules) > limit:
                raise LimitExceeded(f"The maximum number of rules per security group has been reached: "
                                    f"{len(rules)} {direction} rules, at most {limit}",
                                    code="RulesPerSecurityGroupLimitExceeded")
            for rule in rules:
                peer = rule.get(key)
                if isinstance(peer, str) and peer.startswith("sg-") and peer != rec.id:
                    group = op.get(peer)
                    if group is None or group.kind != "security_group":
                        raise InvalidParameter(f"The security group '{peer}' does not exist", code="InvalidGroup.NotFound")
                    require(group.attrs.get("vpc") == rec.attrs["vpc"],
                            f"You have specified two resources that belong to different networks: {peer} is in "
                            f"{group.attrs.get('vpc')}, this group in {rec.attrs['vpc']}", "InvalidGroup.NotFound")

    def extra_refs(self, op: Op, rec: Record) -> list[tuple[str, str]]:
        refs = []
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for i, rule in enumerate(rec.attrs.get(direction) or []):
                peer = rule.get(key)
                if isinstance(peer, str) and peer.startswith("sg-") and peer != rec.id:
                    refs.append((f"{direction}[{i}].{key}", peer))
        return refs

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = [(u, p) for u, p in users_of(op, rec) if u.kind not in ("launch_template", "autoscaling_group")
                 and u.id != rec.id]
        if users:
            raise in_use(rec, users, what=" (it is still attached or referenced)")


class ElasticIp(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        require(not (rec.attrs.get("instance") and rec.attrs.get("network_interface")),
                "An Elastic IP is associated with an instance or a network interface, not both",
                "InvalidParameterCombination")
        if old is None:
            check_elastic_ip_quota(op, rec.region)

    def create(self, op: Op, rec: Record):
        ip = op.public_ip(rec.id, rec.region, elastic=True, vpc=self._vpc(op, rec))
        rec.outputs["public_ip"] = ip

    def update(self, op: Op, rec: Record, old: Record):
        op.tx.set_public_ip_vpc(rec.id, self._vpc(op, rec))

    @staticmethod
    def _vpc(op: Op, rec: Record) -> str | None:
        holder = op.get(rec.attrs.get("instance") or rec.attrs.get("network_interface"))
        return vpc_of(op, holder)

    def outputs(self, op: Op, rec: Record) -> dict:
        ip = rec.outputs.get("public_ip")
        return {"allocation_id": rec.id, "public_ip": ip, "public_dns": addressing.public_dns(ip, rec.region)}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("nat_gateway",))
        if users:
            raise in_use(rec, users, code="InvalidIPAddress.InUse", what=" (a NAT gateway uses the address)")


class VpcPeering(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        ours, theirs = op.the(rec.attrs["vpc"]), op.the(rec.attrs["peer_vpc"])
        require(ours.id != theirs.id, "A VPC cannot be peered with itself")
        for a in _blocks(ours):
            for b in _blocks(theirs):
                require(not (a.version == b.version and a.overlaps(b)),
                        f"The CIDR blocks of peered VPCs cannot overlap: {a} of {ours.id} overlaps {b} of {theirs.id}",
                        "InvalidParameterValue")


class VpcEndpoint(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs["vpc"]
        service = str(rec.attrs.get("service", "")).rsplit(".", 1)[-1]
        gateway = rec.attrs.get("type") == "gateway"
        if gateway:
            require(service in ("s3", "dynamodb"), f"The Vpc Endpoint Service '{rec.attrs.get('service')}' does "
                                                    "not offer gateway endpoints", "InvalidServiceName")
        for rt in rec.attrs.get("route_tables") or []:
            require(op.the(rt).attrs.get("vpc") == vpc, f"route table {rt} belongs to another VPC than {vpc}")
        subnets = rec.attrs.get("subnets") or []
        if subnets:
            require(subnets_vpc(op, subnets, "VPC endpoint") == vpc, f"The subnets are not in VPC {vpc}")
            one_subnet_per_az(op, subnets, "Only one subnet per Availability Zone", "DuplicateSubnetsInSameZone")
        check_groups_in_vpc(op, rec.attrs.get("security_groups") or [], vpc, f"VPC {vpc}")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, rec)

    def update(self, op: Op, rec: Record, old: Record):
        subnets = [] if rec.attrs.get("type") == "gateway" else (rec.attrs.get("subnets") or [])
        sync_subnet_nodes(op, rec, "network_interface", "endpoint", subnets)

    def outputs(self, op: Op, rec: Record) -> dict:
        service = str(rec.attrs.get("service", "")).rsplit(".", 1)[-1]
        if rec.attrs.get("type") == "gateway":
            return {"dns_name": None, "prefix_list": "pl-" + ids.digest(op.seed, rec.seq, "pl")[:8]}
        suffix = ids.base36(op.seed, rec.seq, 8, "vpce")
        return {"dns_name": f"{rec.id}-{suffix}.{service}.{rec.region}.vpce.amazonaws.com", "prefix_list": None}


class NetworkInterface(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        subnet = op.the(rec.attrs["subnet"])
        groups = rec.attrs.get("security_groups") or []
        check_groups_in_vpc(op, groups, subnet.attrs.get("vpc"), f"subnet {subnet.id}")
        limit = op.limit("security_groups_per_interface", rec.region)
        if len(groups) > limit:
            raise LimitExceeded(f"A network interface takes at most {limit} security groups, got {len(groups)}",
                                code="SecurityGroupsPerInterfaceLimitExceeded")
        instance = op.get(rec.attrs.get("instance"))
        if instance is not None:
            require(instance.az == subnet.attrs["az"],
                    f"Network interface in {subnet.attrs['az']} and instance {instance.id} in {instance.az} are in "
                    "different availability zones", "InvalidParameterCombination")

    def create(self, op: Op, rec: Record):
        subnet = op.the(rec.attrs["subnet"])
        rec.az, rec.subnet = subnet.attrs["az"], subnet.id
        rec.outputs["private_ip"] = op.private_ip(subnet, rec.id)
        rec.outputs["secondary_private_ips"] = [op.private_ip(subnet, rec.id)
                                                for _ in range(int(rec.attrs.get("secondary_private_ips") or 0))]
        rec.outputs["mac_address"] = addressing.mac_address(ids.digest(op.seed, rec.seq, "mac"))

    def update(self, op: Op, rec: Record, old: Record):
        subnet = op.the(rec.attrs["subnet"])
        secondary = list(rec.outputs.get("secondary_private_ips") or [])
        want = int(rec.attrs.get("secondary_private_ips") or 0)
        while len(secondary) < want:
            secondary.append(op.private_ip(subnet, rec.id))
        while len(secondary) > want:
            op.tx.release_private_ip(subnet.id, int(ipaddress.ip_address(secondary.pop())))
        rec.outputs["secondary_private_ips"] = secondary

    def outputs(self, op: Op, rec: Record) -> dict:
        return {k: rec.outputs.get(k) for k in ("private_ip", "mac_address", "secondary_private_ips")}


BEHAVIOURS = {
    "vpc": Vpc(), "subnet": Subnet(), "internet_gateway": InternetGateway(),
    "egress_only_internet_gateway": EgressOnlyInternetGateway(), "nat_gateway": NatGateway(),
    "route_table": RouteTable(), "network_acl": NetworkAcl(), "security_group": SecurityGroup(),
    "elastic_ip": ElasticIp(), "vpc_peering": VpcPeering(), "vpc_endpoint": VpcEndpoint(),
    "network_interface": NetworkInterface(),
}

__all__ = ["BEHAVIOURS", "add_node"]
