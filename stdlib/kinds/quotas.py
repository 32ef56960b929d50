"""Service quotas: an account's regional limits raised above AWS's defaults (Service Quotas).

AWS limits each account per region (notes §4.2: 5 Elastic IPs; §24.2.2: 5 VPCs, a soft limit
that can be raised). An architecture that needs more declares the increase, as Terraform's
`aws_servicequotas_service_quota` does:

    service_quota eips { quota = elastic_ips, value = 20 }

Then validate counts against 20 in that region, the plan orders the increase before what counts
against it (every Elastic IP of the region, and public NAT gateways, which allocate one), and the
modeled cloud raises the account's limit when it applies it. AWS's rules, each a diagnostic:

- only an adjustable quota can be raised, at most to its ceiling here (a higher value is a
  request AWS support decides, not one an apply can wait for), and never lowered: a value below
  AWS's default is refused; one at or below what the account already has requests nothing (the
  account keeps its quota, as with Terraform's resource);
- one declaration per quota and region;
- security groups per network interface × rules per security group is at most 1,000 (AWS
  refuses an increase of either past it).

Destroying the declaration forgets it; AWS lowers no quota, and neither does the modeled cloud.
CloudFormation has no resource type for a quota increase: `archform cfn` says so and leaves it
out (request it before deploying).
"""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from archform.stdlib.quota_facts import PRODUCT_LIMIT, QUOTAS, quota, raised_by
from archform.stdlib.schema import Graph, Issue, Kind, Related, View
from archform.stdlib.types import Enum, Int


class ServiceQuota(Kind):
    """An account's regional quota raised above AWS's default (Service Quotas): `quota` is one of
    elastic_ips (5), vpcs (5), cidr_blocks_per_vpc (5), rules_per_security_group (60) or
    security_groups_per_interface (5); `value` what it becomes, up to the quota's ceiling. Validate
    counts against it, the plan orders the increase before what counts against it, and the
    modeled cloud raises the account's limit. AWS lowers no quota: a value at or below what the
    account has requests nothing, and a destroyed declaration leaves the quota where it was.
    CloudFormation has no resource for it: `archform cfn` prints the request to make before
    deploying, and manifest.json lists it under before_deploy."""

    kind: Literal["service_quota"] = "service_quota"
    title: ClassVar[str] = "Service quota"
    family: ClassVar[str] = "operations"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "value": "number",
                                         "default_value": "number", "quota_code": "string", "service_code": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"quota"})

    quota: Enum(*QUOTAS, what="quota")
    value: Int

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        q = QUOTAS.get(self.quota) if isinstance(self.quota, str) else None
        if q is None:
            return
        if isinstance(self.value, int):
            if self.value < q.default:
                yield Issue(f"a quota cannot be lowered: {q.title} is {q.default} by default, not {self.value}",
                            ("value",), help=f"value = {q.default} or more, or remove the declaration")
            elif self.value > q.ceiling:
                yield Issue(f"{q.title} goes up to {q.ceiling} here, not {self.value}: a higher value is a request "
                            "AWS support decides", ("value",), help=f"value = {q.ceiling} or less")
        first = raised_by(graph, me.region, self.quota)
        if first is not None and first.address != me.address:
            yield Issue(f"quota {self.quota} is raised twice in {me.region}", ("quota",),
                        related=(Related(first.address, ("quota",), "first raised here"),),
                        help="keep one declaration per quota and region")
        if self.quota in ("rules_per_security_group", "security_groups_per_interface"):
            rules = quota(graph, me.region, "rules_per_security_group")
            groups = quota(graph, me.region, "security_groups_per_interface")
            if rules * groups > PRODUCT_LIMIT:
                yield Issue(f"security groups per network interface × rules per security group is at most "
                            f"{PRODUCT_LIMIT:,}: {groups} × {rules} = {groups * rules:,}", ("value",),
                            help="raise one of the two less")

    def orders_before(self) -> tuple[str, ...]:
        """The kinds (in the same region) whose creation waits for this increase."""
        q = QUOTAS.get(self.quota) if isinstance(self.quota, str) else None
        return q.counts if q is not None else ()
