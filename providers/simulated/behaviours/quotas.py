"""Service Quotas in the modeled cloud: a `service_quota` raises the account's limit in its
region, which every check of that limit reads (`Op.limit`).

As AWS and Terraform's `aws_servicequotas_service_quota`: the quota's ARN is its identity (one
per quota and region: a second request while one is open is refused); a value above the quota
the account has is requested (and granted here), one at or below it requests nothing, so a quota
is never lowered; deleting the declaration forgets it and leaves the account's quota where it is.
"""

from __future__ import annotations

from archform.providers.base import Conflict
from archform.stdlib.quota_facts import QUOTAS

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour

# the quota's name in the modeled cloud's limits (providers/simulated/limits.py)
LIMIT_OF = {"elastic_ips": "elastic_ips_per_region", "vpcs": "vpcs_per_region",
            "cidr_blocks_per_vpc": "cidr_blocks_per_vpc", "rules_per_security_group": "rules_per_security_group",
            "security_groups_per_interface": "security_groups_per_interface"}


def _quota_arn(region: str | None, name: str) -> str:
    q = QUOTAS[name]
    return ids.arn("servicequotas", region, f"{q.service}/{q.code}")


class ServiceQuota(Behaviour):
    service = "servicequotas"

    def validate(self, op: Op, rec: Record, old: Record | None):
        name = rec.attrs["quota"]
        if old is None:
            taken = op.get(_quota_arn(rec.region, name))
            if taken is not None:
                raise Conflict(f"A request for {QUOTAS[name].title} in {rec.region} is already open "
                               f"({taken.address or taken.id})", code="ResourceAlreadyExistsException")

    def identity(self, op: Op, rec: Record):
        rec.seq = op.number()
        rec.id = _quota_arn(rec.region, rec.attrs["quota"])

    def arn(self, rec: Record) -> str:
        return rec.id

    def create(self, op: Op, rec: Record):
        self._raise(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._raise(op, rec)

    def _raise(self, op: Op, rec: Record):
        name = rec.attrs["quota"]
        op.tx.set_quota(rec.region, LIMIT_OF[name], max(int(rec.attrs["value"]), op.limit(LIMIT_OF[name], rec.region)))

    def outputs(self, op: Op, rec: Record) -> dict:
        q = QUOTAS[rec.attrs["quota"]]
        return {"value": op.limit(LIMIT_OF[q.name], rec.region), "default_value": q.default,
                "quota_code": q.code, "service_code": q.service}


BEHAVIOURS = {"service_quota": ServiceQuota()}
