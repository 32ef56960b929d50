"""Elastic Load Balancing: load balancers (one node, with its addresses, in each subnet's AZ)
and target groups."""

from __future__ import annotations

from archform.providers.base import Conflict, InvalidParameter

from .. import endpoints, ids
from ..operation import Op
from ..store import Record
from .base import Named, in_use, require, users_of
from .common import check_groups_in_vpc, one_subnet_per_az, subnets_vpc, sync_subnet_nodes, vpc_of

LB_PATH = {"application": "app", "network": "net", "gateway": "gwy"}
SECURE = ("HTTPS", "TLS")


class LoadBalancer(Named):
    service = "elasticloadbalancing"
    name_max = 32
    letter_first = True
    id_is_name = False
    name_taken_code = "DuplicateLoadBalancerName"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        kind = LB_PATH.get(rec.attrs.get("type", "application"), "app")
        return ids.arn("elasticloadbalancing", rec.region,
                       f"loadbalancer/{kind}/{rec.name}/{ids.digest(op.seed, n, 'lb')[:16]}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        subnets = a.get("subnets") or []
        require(bool(subnets), "A load balancer needs at least one subnet", "ValidationError")
        vpc = subnets_vpc(op, subnets, "load balancer", code="InvalidConfigurationRequest")
        one_subnet_per_az(op, subnets, "A load balancer cannot be attached to multiple subnets in the same "
                                       "Availability Zone", "InvalidConfigurationRequest")
        zones = {op.the(s).attrs["az"] for s in subnets}
        if a.get("type", "application") == "application":
            require(len(zones) >= 2, "At least two subnets in two different Availability Zones must be specified",
                    "ValidationError")
        check_groups_in_vpc(op, a.get("security_groups") or [], vpc, f"the load balancer's VPC",
                            code="InvalidSecurityGroup")
        ports = set()
        for listener in a.get("listener") or []:
            port = listener.get("port")
            if port in ports:
                raise Conflict(f"A listener already exists on port {port}", code="DuplicateListener")
            ports.add(port)
            if str(listener.get("protocol") or "").upper() in SECURE and not listener.get("certificate"):
                raise InvalidParameter(f"A certificate must be specified for {listener.get('protocol')} listeners "
                                       f"(listener '{listener.get('name')}')", code="ValidationError")
            for forward in self._forwards(listener):
                self._target_in_vpc(op, forward, vpc)

    @staticmethod
    def _forwards(listener: dict) -> list[str]:
        found = []
        for holder in [listener, *(listener.get("rule") or [])]:
            value = holder.get("forward")
            found.extend(value if isinstance(value, list) else [value] if isinstance(value, str) else [])
        return found

    @staticmethod
    def _target_in_vpc(op: Op, target_id: str, vpc: str | None):
        target = op.get(target_id)
        if target is None:
            return
        if target.kind == "autoscaling_group":
            subnets = target.attrs.get("subnets") or []
            theirs = op.the(subnets[0]).attrs.get("vpc") if subnets else None
        else:
            theirs = vpc_of(op, target)
        if theirs is not None and vpc is not None and theirs != vpc:
            raise InvalidParameter(f"The {target.kind.replace('_', ' ')} '{target_id}' is in VPC {theirs}, the load "
                                   f"balancer in {vpc}", code="ValidationError")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, rec)

    def update(self, op: Op, rec: Record, old: Record):
        public = not rec.attrs.get("internal")
        nodes = sync_subnet_nodes(op, rec, "load_balancer_node", "node", rec.attrs.get("subnets") or [],
                                  public=public)
        for node in nodes:
            if not node.attrs.get("security_groups") == rec.attrs.get("security_groups"):
                node.attrs["security_groups"] = list(rec.attrs.get("security_groups") or [])
                op.tx.save(node)
                op.tx.set_refs(node.id, [("subnet", node.subnet)] + [(f"security_groups[{i}]", g) for i, g in
                                                                     enumerate(node.attrs["security_groups"])])

    def outputs(self, op: Op, rec: Record) -> dict:
        lb_type = rec.attrs.get("type", "application")
        prefix = "internal-" if rec.attrs.get("internal") else ""
        if lb_type == "application":
            number = ids.digits(op.seed, rec.seq, 10, "elb")
            dns = f"{prefix}{rec.name}-{number}.{rec.region}.elb.amazonaws.com"
            zone = endpoints.alb_zone(rec.region)
        else:
            dns = f"{prefix}{rec.name}-{ids.digest(op.seed, rec.seq, 'elb')[:16]}.elb.{rec.region}.amazonaws.com"
            zone = endpoints.nlb_zone(rec.region)
        nodes = op.tx.owned(rec.id, "load_balancer_node")
        return {"dns_name": dns, "zone_id": zone, "name": rec.name,
                "nodes": [{"id": n.id, "az": n.az, "subnet": n.subnet, "private_ip": n.attrs.get("private_ip"),
                           "public_ip": n.attrs.get("public_ip")} for n in sorted(nodes, key=lambda n: n.az or "")]}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection"):
            raise InvalidParameter(f"Load balancer '{rec.id}' cannot be deleted because deletion protection is "
                                   "enabled", code="OperationNotPermitted")


class TargetGroup(Named):
    service = "elasticloadbalancing"
    name_max = 32
    letter_first = True
    id_is_name = False
    name_taken_code = "DuplicateTargetGroupName"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.arn("elasticloadbalancing", rec.region,
                       f"targetgroup/{rec.name}/{ids.digest(op.seed, n, 'tg')[:16]}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs.get("vpc")
        if rec.attrs.get("target_type", "instance") != "lambda":
            require(vpc is not None, "A VPC ID must be specified for a target group of type "
                                     f"{rec.attrs.get('target_type', 'instance')}", "ValidationError")
        for target in rec.attrs.get("targets") or []:
            found = op.get(target)
            if found is not None and found.kind == "instance" and vpc_of(op, found) != vpc:
                raise InvalidParameter(f"The following targets are not in the target group's VPC '{vpc}': "
                                       f"'{target}'", code="InvalidTarget")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("load_balancer",))
        if users:
            raise in_use(rec, users, code="ResourceInUse", what=" (a listener or rule forwards to it)")


BEHAVIOURS = {"load_balancer": LoadBalancer(), "target_group": TargetGroup()}
