"""Cognito identity pools in the modeled cloud: AWS's ids (`REGION:UUID`) and ARNs, the app
clients it refuses when its user pool has no such client (as CreateIdentityPool does), and the
pool's roles, read as AWS's GetIdentityPoolRoles answers: the IAM roles whose web-identity trust
names the pool, by the users they are for."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour


class CognitoIdentityPool(Behaviour):
    service = "cognito-identity"

    def validate(self, op: Op, rec: Record, old: Record | None) -> None:
        for p in rec.attrs.get("provider") or []:
            pool = op.get(p.get("user_pool"))
            if pool is None:
                continue  # the reference check reports it
            clients = (pool.outputs or {}).get("clients") or {}
            if p.get("client") not in clients:
                raise InvalidParameter(f"Invalid ProviderName/ClientId combination: user pool {pool.id} has no "
                                       f"client '{p.get('client')}'", code="InvalidParameterException")

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        rec.id = f"{rec.region}:{ids.uuid(op.seed, n, 'identitypool')}"
        rec.name = rec.attrs.get("name") or ids.slug(rec.address, "identity_pool").replace("-", "_")

    def arn(self, rec: Record) -> str:
        return ids.arn("cognito-identity", rec.region, f"identitypool/{rec.id}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "roles": self._roles(op, rec)}

    def live(self, op: Op, rec: Record) -> dict:
        return {**rec.outputs, "roles": self._roles(op, rec)}

    def _roles(self, op: Op, rec: Record) -> dict:
        roles = {}
        for user, _path in op.tx.referrers(rec.id):
            web = user.attrs.get("web_identity") if user.kind == "iam_role" else None
            if isinstance(web, dict) and web.get("identity_pool") == rec.id:
                roles.setdefault(web.get("users") or "authenticated", user.outputs.get("arn"))
        return dict(sorted(roles.items()))


BEHAVIOURS = {"cognito_identity_pool": CognitoIdentityPool()}
