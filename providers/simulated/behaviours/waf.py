"""WAF web ACLs and IP sets, known by their ARNs:
`arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID` (a CLOUDFRONT one `global/…`, in
us-east-1), named per scope and region. What CreateWebACL, CreateIPSet and AssociateWebACL
refuse: a CLOUDFRONT resource outside us-east-1, rules over the 1,500 WCU capacity, an IP set of
another scope, an association to a load balancer other than an ALB or to an API that is not a
REST API, an IP set still used by a web ACL."""

from __future__ import annotations

import ipaddress

from archform.providers.base import Conflict, InvalidParameter, LimitExceeded
from archform.stdlib.security_facts import CLOUDFRONT_REGION, MANAGED_GROUPS, MAX_CAPACITY

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, in_use, require, users_of

_CAPACITY = {"rate_limit": 2, "ip_set": 1, "countries": 1}


def _scope(rec: Record) -> str:
    return rec.attrs.get("scope") or "REGIONAL"


class WafResource(Behaviour):
    service = "wafv2"
    noun = "webacl"

    def validate(self, op: Op, rec: Record, old: Record | None):
        require(_scope(rec) != "CLOUDFRONT" or rec.region == CLOUDFRONT_REGION,
                f"The scope CLOUDFRONT is valid in {CLOUDFRONT_REGION} only, not {rec.region}",
                "WAFInvalidParameterException")

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                           128)
        for other in op.tx.query("kind = ? AND region = ?", (rec.kind, rec.region)):
            if other.name == name and _scope(other) == _scope(rec):
                raise Conflict(f"AWS WAF couldn't perform the operation because some resource in your request is a "
                               f"duplicate of an existing one: {name}", code="WAFDuplicateItemException")
        rec.name = name
        where = "global" if _scope(rec) == "CLOUDFRONT" else "regional"
        rec.id = ids.arn("wafv2", rec.region, f"{where}/{self.noun}/{name}/{ids.uuid(op.seed, n, 'waf')}")

    def arn(self, rec: Record) -> str:
        return rec.id


class WafWebAcl(WafResource):
    noun = "webacl"

    def validate(self, op: Op, rec: Record, old: Record | None):
        super().validate(op, rec, old)
        for rule in rec.attrs.get("rule") or []:
            ip_set = op.get(rule.get("ip_set"))
            if ip_set is not None:
                require(_scope(ip_set) == _scope(rec), f"The IP set {ip_set.id} is of scope {_scope(ip_set)}, not "
                        f"{_scope(rec)}", "WAFNonexistentItemException")
        used = capacity(rec.attrs)
        if used > MAX_CAPACITY:
            raise LimitExceeded(f"AWS WAF couldn't perform the operation because you exceeded your resource limit: "
                                f"the web ACL needs {used} WCUs, the limit is {MAX_CAPACITY}",
                                code="WAFLimitsExceededException")
        for target_id in rec.attrs.get("resources") or []:
            target = op.the(target_id)
            require(_scope(rec) == "REGIONAL", "A CLOUDFRONT web ACL is associated through the distribution's "
                    "WebACLId", "WAFInvalidParameterException")
            if target.kind == "load_balancer":
                require((target.attrs.get("type") or "application") == "application",
                        f"AWS WAF cannot be associated with {target.id}: only Application Load Balancers are "
                        "supported", "WAFInvalidParameterException")
            elif target.kind == "api_gateway":
                require(target.attrs.get("protocol") == "rest", f"AWS WAF cannot be associated with the API "
                        f"{target.id}: only REST API stages are supported", "WAFInvalidParameterException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "capacity": capacity(rec.attrs), "scope": _scope(rec),
                "associations": sorted(rec.attrs.get("resources") or [])}


class WafIpSet(WafResource):
    noun = "ipset"

    def validate(self, op: Op, rec: Record, old: Record | None):
        super().validate(op, rec, old)
        version = 4 if (rec.attrs.get("ip_version") or "IPV4") == "IPV4" else 6
        for cidr in rec.attrs.get("addresses") or []:
            try:
                net = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise InvalidParameter(f"{cidr} is not a CIDR range", code="WAFInvalidParameterException") from None
            require(net.version == version and net.prefixlen > 0, f"The address {cidr} is not valid for an "
                    f"IPV{version} IP set (any range but /0)", "WAFInvalidParameterException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "scope": _scope(rec), "address_count": len(rec.attrs.get("addresses") or [])}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("waf_web_acl",))
        if users:
            raise in_use(rec, users, code="WAFAssociatedItemException", what=" (a web ACL's rule uses it)")


def capacity(attrs: dict) -> int:
    total = 0
    for rule in attrs.get("rule") or []:
        if rule.get("managed"):
            total += MANAGED_GROUPS.get(rule["managed"], 0)
        else:
            total += next((c for k, c in _CAPACITY.items() if rule.get(k)), 0)
    return total


BEHAVIOURS = {"waf_web_acl": WafWebAcl(), "waf_ip_set": WafIpSet()}
