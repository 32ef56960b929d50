"""Cognito user pools in the modeled cloud: AWS's ids (`REGION_XXXXXXXXX`), ARNs, issuer URLs
and client ids, and its refusal to delete a pool whose deletion protection is on."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour


class CognitoUserPool(Behaviour):
    service = "cognito-idp"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = f"{rec.region}_{ids.base36(op.seed, n, 9, 'pool').upper().replace('0', 'A')}"

    def arn(self, rec: Record) -> str:
        return ids.arn("cognito-idp", rec.region, f"userpool/{rec.id}")

    def outputs(self, op: Op, rec: Record) -> dict:
        provider = f"cognito-idp.{rec.region}.amazonaws.com/{rec.id}"
        clients = {c.get("name"): ids.base36(op.seed, rec.seq * 1000 + i, 26, "client")
                   for i, c in enumerate(rec.attrs.get("client") or [])}
        first = next(iter(clients.values()), None)
        return {"issuer": f"https://{provider}", "provider_name": provider, "client_id": first,
                "clients": dict(sorted(clients.items()))}

    def check_delete(self, op: Op, rec: Record):
        if rec.attrs.get("deletion_protection", True):
            raise InvalidParameter("The user pool cannot be deleted because deletion protection is activated. "
                                   "Deletion protection must be inactivated first.", code="InvalidParameterException")


BEHAVIOURS = {"cognito_user_pool": CognitoUserPool()}
