"""The edge: CloudFront distributions and Global Accelerator (both global)."""

from __future__ import annotations

from archform.providers.base import Conflict, InvalidParameter

from .. import endpoints, ids
from ..operation import Op
from ..store import Record
from .base import Behaviour


class CloudFront(Behaviour):
    service = "cloudfront"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = "E" + ids.upper_alnum(op.seed, n, 13, "distribution")

    def arn(self, rec: Record) -> str:
        return ids.arn("cloudfront", None, f"distribution/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        cert = op.get(rec.attrs.get("certificate"))
        if cert is not None and cert.region != "us-east-1":
            raise InvalidParameter(f"The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't "
                                   f"valid, or doesn't include a valid certificate chain ({cert.id} is in "
                                   f"{cert.region})", code="InvalidViewerCertificate")
        aliases = {str(a).lower() for a in rec.attrs.get("aliases") or []}
        if aliases:
            for other in op.tx.query("kind = 'cloudfront' AND id != ?", (rec.id or "",)):
                clash = sorted(aliases & {str(a).lower() for a in other.attrs.get("aliases") or []})
                if clash:
                    raise Conflict(f"One or more of the CNAMEs you provided are already associated with a different "
                                   f"resource: {clash[0]} ({other.id})", code="CNAMEAlreadyExists")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"domain_name": f"d{ids.base36(op.seed, rec.seq, 13, 'cf')}.cloudfront.net",
                "zone_id": endpoints.CLOUDFRONT_ZONE, "status": "Deployed"}


class GlobalAccelerator(Behaviour):
    service = "globalaccelerator"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.arn("globalaccelerator", None, f"accelerator/{ids.uuid(op.seed, n, 'ga')}")

    def arn(self, rec: Record) -> str:
        return rec.id

    def create(self, op: Op, rec: Record):
        rec.outputs["ips"] = [op.public_ip(rec.id, None), op.public_ip(rec.id, None)]

    def outputs(self, op: Op, rec: Record) -> dict:
        h = ids.digest(op.seed, rec.seq, "ga")[:16]
        dual = rec.attrs.get("ip_address_type") == "dual_stack"
        return {"dns_name": f"a{h}.awsglobalaccelerator.com", "ips": rec.outputs.get("ips", []),
                "dual_stack_dns_name": f"a{h}.dualstack.awsglobalaccelerator.com" if dual else None,
                "zone_id": endpoints.GLOBAL_ACCELERATOR_ZONE}


BEHAVIOURS = {"cloudfront": CloudFront(), "global_accelerator": GlobalAccelerator()}
