"""Network Firewall, Shield Advanced and GuardDuty in the modeled cloud.

- A rule group (`arn:aws:network-firewall:REGION:ACCOUNT:stateful-rulegroup/NAME`) refuses
  rules beyond its capacity; a policy refuses groups of the wrong type and more than the
  engines' capacity; neither can be deleted while used.
- A firewall (`…:firewall/NAME`) takes one subnet per AZ and puts an endpoint there
  (`vpce-…`, an address of the subnet), reported as CloudFormation's `EndpointIds`
  (`AZ:vpce-…`). Deletion protection refuses DeleteFirewall; subnet and policy change
  protection refuse those changes. At most 5 firewalls per region (AWS's default quota).
- A Shield protection (`arn:aws:shield::ACCOUNT:protection/ID`) refuses a Network or Gateway
  Load Balancer and a second protection of one resource.
- GuardDuty refuses a second detector in a region.
"""

from __future__ import annotations

import ipaddress

from archform.providers.base import Conflict, InvalidParameter, LimitExceeded
from archform.stdlib.netsec_facts import (MAX_FIREWALLS, MAX_GROUP_CAPACITY, MAX_GROUPS_PER_POLICY,
                                          MAX_POLICY_CAPACITY)

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, in_use, require, users_of

_INVALID = "InvalidRequestException"


def needed(attrs: dict) -> int:
    """The capacity a rule group's rules use: one per 5-tuple rule, domain and Suricata rule."""
    text = attrs.get("suricata") or ""
    lines = [x for x in (line.strip() for line in text.splitlines()) if x and not x.startswith("#")]
    return len(attrs.get("rule") or []) + len(attrs.get("domains") or []) + len(lines)


class NetworkFirewallResource(Behaviour):
    service = "network-firewall"

    def noun(self, rec: Record) -> str:
        raise NotImplementedError

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                           128)
        for other in op.tx.query("kind = ? AND region = ?", (rec.kind, rec.region)):
            if other.name == name:
                raise Conflict(f"A resource with the name {name} already exists", code=_INVALID)
        rec.name = name
        rec.id = ids.arn("network-firewall", rec.region, f"{self.noun(rec)}/{name}")

    def arn(self, rec: Record) -> str:
        return rec.id


class FirewallRuleGroup(NetworkFirewallResource):
    def noun(self, rec: Record) -> str:
        return f"{rec.attrs.get('type') or 'stateful'}-rulegroup"

    def validate(self, op: Op, rec: Record, old: Record | None):
        capacity = rec.attrs.get("capacity") or 0
        require(1 <= capacity <= MAX_GROUP_CAPACITY, f"Capacity must be between 1 and {MAX_GROUP_CAPACITY}, got "
                f"{capacity}", _INVALID)
        used = needed(rec.attrs)
        if used > capacity:
            raise LimitExceeded(f"The rule group's rules need a capacity of {used}, more than its capacity {capacity}",
                                code="InsufficientCapacityException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "type": rec.attrs.get("type") or "stateful", "capacity": rec.attrs.get("capacity"),
                "consumed_capacity": needed(rec.attrs)}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("firewall_policy",))
        if users:
            raise in_use(rec, users, code="InvalidOperationException", what=" (a firewall policy references it)")


class FirewallPolicy(NetworkFirewallResource):
    def noun(self, rec: Record) -> str:
        return "firewall-policy"

    def validate(self, op: Op, rec: Record, old: Record | None):
        for field, want in (("stateless_rule_groups", "stateless"), ("stateful_rule_groups", "stateful")):
            groups = [op.the(g) for g in rec.attrs.get(field) or []]
            require(len(groups) <= MAX_GROUPS_PER_POLICY, f"A firewall policy references at most "
                    f"{MAX_GROUPS_PER_POLICY} {want} rule groups, got {len(groups)}", _INVALID)
            for g in groups:
                require((g.attrs.get("type") or "stateful") == want, f"The rule group {g.id} is not a {want} rule "
                        f"group", _INVALID)
            total = sum(g.attrs.get("capacity") or 0 for g in groups)
            if total > MAX_POLICY_CAPACITY:
                raise LimitExceeded(f"The {want} rule groups of the policy reserve {total} capacity, more than "
                                    f"{MAX_POLICY_CAPACITY}", code="InsufficientCapacityException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("network_firewall",))
        if users:
            raise in_use(rec, users, code="InvalidOperationException", what=" (a firewall uses it)")


class NetworkFirewall(NetworkFirewallResource):
    def noun(self, rec: Record) -> str:
        return "firewall"

    def validate(self, op: Op, rec: Record, old: Record | None):
        vpc = rec.attrs["vpc"]
        subnets = [op.the(s) for s in rec.attrs.get("subnets") or []]
        require(bool(subnets), "A firewall needs at least one subnet mapping", _INVALID)
        azs: dict[str, str] = {}
        for s in subnets:
            require(s.attrs.get("vpc") == vpc, f"The subnet {s.id} is not in the firewall's VPC {vpc}", _INVALID)
            az = s.attrs.get("az")
            require(az not in azs, f"A firewall has one subnet per Availability Zone: {azs.get(az)} and {s.id} are "
                    f"both in {az}", _INVALID)
            azs[az] = s.id
        if old is None:
            count = len(op.tx.query("kind = ? AND region = ?", ("network_firewall", rec.region)))
            if count >= MAX_FIREWALLS:
                raise LimitExceeded(f"You have reached the maximum of {MAX_FIREWALLS} firewalls in {rec.region}",
                                    code="LimitExceededException")
            return
        if old.attrs.get("subnet_change_protection", True):
            require(sorted(old.attrs.get("subnets") or []) == sorted(rec.attrs.get("subnets") or []),
                    "The firewall has subnet change protection: turn it off before changing its subnets",
                    "InvalidOperationException")
        if old.attrs.get("policy_change_protection"):
            require(old.attrs.get("firewall_policy") == rec.attrs.get("firewall_policy"),
                    "The firewall has policy change protection: turn it off before changing its policy",
                    "InvalidOperationException")

    def create(self, op: Op, rec: Record):
        self._place(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._place(op, rec)

    def _place(self, op: Op, rec: Record):
        """One endpoint per subnet: a `vpce-` id kept while its subnet stays, and an address there."""
        kept = rec.outputs.get("endpoints") or {}
        endpoints = {}
        for i, sid in enumerate(rec.attrs.get("subnets") or []):
            subnet = op.the(sid)
            az = subnet.attrs["az"]
            prior = kept.get(az)
            if prior is not None and prior.get("subnet") == sid:
                endpoints[az] = prior
                continue
            vpce = f"vpce-{ids.hex17(op.seed, rec.seq * 100 + i + 1)}"
            endpoints[az] = {"id": vpce, "subnet": sid, "private_ip": op.private_ip(subnet, rec.id)}
        for az, gone in kept.items():  # an endpoint whose subnet left gives its address back
            if endpoints.get(az) is not gone:
                op.tx.release_private_ip(gone["subnet"], int(ipaddress.ip_address(gone["private_ip"])))
        rec.outputs["endpoints"] = dict(sorted(endpoints.items()))

    def outputs(self, op: Op, rec: Record) -> dict:
        endpoints = rec.outputs.get("endpoints") or {}
        key = rec.attrs.get("kms_key")
        return {"name": rec.name, "endpoints": endpoints,
                "endpoint_ids": [f"{az}:{e['id']}" for az, e in sorted(endpoints.items())],
                "encryption": {"type": "CUSTOMER_KMS", "key_id": key} if key else {"type": "AWS_OWNED_KMS_KEY"},
                "status": "READY"}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection", True):
            raise InvalidParameter(f"The firewall {rec.name} has delete protection: turn it off before deleting it",
                                   code="InvalidOperationException")
        users = users_of(op, rec, ("route_table",))
        if users:
            raise in_use(rec, users, code="InvalidOperationException", what=" (route tables send traffic to it)")


_NOT_PROTECTABLE = ("network", "gateway")


class ShieldProtection(Behaviour):
    service = "shield"

    def validate(self, op: Op, rec: Record, old: Record | None):
        target = op.the(rec.attrs["resource"])
        if target.kind == "load_balancer":
            require((target.attrs.get("type") or "application") not in _NOT_PROTECTABLE,
                    f"Shield Advanced cannot protect {target.id}: protect a Network Load Balancer's Elastic IPs",
                    "InvalidResourceException")
        if target.kind == "dns_zone":
            require(not target.attrs.get("private"), f"Shield Advanced protects public hosted zones; {target.id} is "
                    "private", "InvalidResourceException")
        for user, path in op.tx.referrers(target.id, "shield_protection"):
            if user.id != rec.id and path == "resource":
                raise Conflict(f"The resource {target.id} is already protected by {user.id}",
                               code="ResourceAlreadyExistsException")

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind,
                                                               ids.base36(op.seed, n, 8, "name"), 128)
        rec.id = ids.arn("shield", None, f"protection/{ids.uuid(op.seed, n, 'shield')}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "resource_arn": op.the(rec.attrs["resource"]).outputs.get("arn")
                or rec.attrs["resource"]}


class GuarddutyDetector(Behaviour):
    service = "guardduty"

    def validate(self, op: Op, rec: Record, old: Record | None):
        if old is None:
            for other in op.tx.query("kind = ? AND region = ?", ("guardduty_detector", rec.region)):
                if other.id != rec.id:
                    raise InvalidParameter("The request is rejected because a detector already exists for the current "
                                           f"account: {other.id}", code="BadRequestException")

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.digest(op.seed, n, "guardduty")[:32]

    def arn(self, rec: Record) -> str:
        return ids.arn("guardduty", rec.region, f"detector/{rec.id}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"status": "ENABLED" if rec.attrs.get("enable", True) else "DISABLED"}


BEHAVIOURS = {"network_firewall": NetworkFirewall(), "firewall_policy": FirewallPolicy(),
              "firewall_rule_group": FirewallRuleGroup(), "shield_protection": ShieldProtection(),
              "guardduty_detector": GuarddutyDetector()}
