"""Route 53: hosted zones (with their four name servers), records (identified as
ZONE_name_TYPE[_SET], one record set per name, type and set identifier) and health checks."""

from __future__ import annotations

from archform.providers.base import Conflict, InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, in_use, require, users_of

NS_TLDS = ("com", "net", "org", "co.uk")


def fqdn(name: str | None, domain: str) -> str:
    domain = domain.rstrip(".").lower()
    if name in (None, "", "@"):
        return domain
    name = str(name).lower()
    if name.endswith("."):
        return name.rstrip(".")
    if name == domain or name.endswith("." + domain):
        return name
    return f"{name}.{domain}"


class DnsZone(Behaviour):
    service = "route53"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = "Z0" + ids.upper_alnum(op.seed, n, 19, "zone")

    def arn(self, rec: Record) -> str:
        return f"arn:aws:route53:::hostedzone/{rec.id}"

    def validate(self, op: Op, rec: Record, old: Record | None):
        if rec.attrs.get("private"):
            require(bool(rec.attrs.get("vpcs")), "When you're creating a private hosted zone, you must specify a VPC",
                    "InvalidInput")

    def outputs(self, op: Op, rec: Record) -> dict:
        h = ids.digest(op.seed, rec.seq, "ns")
        shard = int(h[:4], 16) % 64
        servers = [f"ns-{512 * i + int(h[4 + 3 * i:7 + 3 * i], 16) % 512}.awsdns-{shard:02d}.{tld}"
                   for i, tld in enumerate(NS_TLDS)]
        return {"zone_id": rec.id, "name_servers": servers, "domain": rec.attrs.get("domain")}

    def check_delete(self, op: Op, rec: Record):
        records = users_of(op, rec, ("dns_record",))
        if records:
            raise in_use(rec, records, code="HostedZoneNotEmpty",
                         what=" (the hosted zone contains resource record sets other than the default SOA and NS)")


class DnsRecord(Behaviour):
    service = "route53"

    def validate(self, op: Op, rec: Record, old: Record | None):
        zone = op.the(rec.attrs["zone"])
        domain = str(zone.attrs.get("domain", ""))
        name = fqdn(rec.attrs.get("name"), domain)
        if not (name == domain or name.endswith("." + domain.lower())):
            raise InvalidParameter(f"RRSet with DNS name {name}. is not permitted in zone {domain}.",
                                   code="InvalidChangeBatch")
        if rec.attrs.get("type") == "CNAME" and name == domain:
            raise InvalidParameter(f"RRSet of type CNAME with DNS name {name}. is not permitted at apex in zone "
                                   f"{domain}.", code="InvalidChangeBatch")

    def identity(self, op: Op, rec: Record):
        rec.seq = op.number()
        zone = op.the(rec.attrs["zone"])
        name = fqdn(rec.attrs.get("name"), str(zone.attrs.get("domain", "")))
        rec.name = name
        parts = [zone.id, name, str(rec.attrs.get("type") or "A")]
        if rec.attrs.get("set_id"):
            parts.append(str(rec.attrs["set_id"]))
        rec.id = "_".join(parts)
        if op.get(rec.id) is not None:
            raise Conflict(f"[Tried to create resource record set [name='{name}.', type='{parts[2]}'"
                           + (f", set-identifier='{parts[3]}'" if len(parts) > 3 else "") + "] but it already exists]",
                           code="InvalidChangeBatch")

    def arn(self, rec: Record) -> None:
        return None

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"fqdn": rec.name}


class HealthCheck(Behaviour):
    service = "route53"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.uuid(op.seed, n, "healthcheck")

    def arn(self, rec: Record) -> str:
        return f"arn:aws:route53:::healthcheck/{rec.id}"

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("dns_record", "health_check"))
        if users:
            raise in_use(rec, users, code="HealthCheckInUse", what=" (a record or a calculated check uses it)")


BEHAVIOURS = {"dns_zone": DnsZone(), "dns_record": DnsRecord(), "health_check": HealthCheck()}
