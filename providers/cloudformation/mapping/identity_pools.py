"""Cognito identity pools: `AWS::Cognito::IdentityPool`, and its roles in an
`AWS::Cognito::IdentityPoolRoleAttachment` (see `stdlib/kinds/identity_pools.py`).

The roles are the IAM roles whose `web_identity` names the pool. Each role's trust reads the
pool's id (its `aud` condition, written by `security.iam_role`); the attachment reads the roles'
ARNs and the pool's id. The pool itself reads neither, so the three resources form no loop:
pool, then roles, then the attachment. A role is global, placed in the stack of the region of
the pool it names; one also used by another region lands in the `global` stack, deployed after
the regions, and its pool's attachment cannot wait for it there: that is an error naming the
role, with the way out.
"""

from __future__ import annotations

import re

from ..intrinsics import Att, arn, sub
from ..logical_ids import camel
from .common import REF, getatt


def pool_roles(ctx, pool: str) -> dict[str, str]:
    """users (authenticated, unauthenticated) → the address of the IAM role for them."""
    found = {}
    for a in ctx.referrers(pool):
        if ctx.kind(a) == "iam_role":
            src = ctx.source(a)
            if src.target("web_identity", "identity_pool") == pool:
                found.setdefault(src.peek("web_identity", "users", default="authenticated"), a)
    return found


def cognito_identity_pool(r):
    m = r.model
    providers = []
    for i, p in enumerate(m.provider):
        pool = r.target("provider", i, "user_pool")
        providers.append({
            "ClientId": Att(pool, "Client" + camel(p.client)) if pool else None,
            "ProviderName": r.ref("provider", i, "user_pool", export="provider_name"),
            "ServerSideTokenCheck": bool(p.server_side_token_check),
        })
    logins = r.val("logins") or {}
    r.part("AWS::Cognito::IdentityPool", {
        # unnamed: the address, as the modeled cloud names it (AWS's API requires a name)
        "IdentityPoolName": r.val("name") or re.sub(r"[^a-z0-9]+", "_", r.address.lower()).strip("_"),
        "AllowUnauthenticatedIdentities": bool(m.allow_unauthenticated),
        "AllowClassicFlow": bool(m.allow_classic_flow),
        "CognitoIdentityProviders": providers or None,
        "SupportedLoginProviders": dict(sorted(logins.items())) or None,
        "DeveloperProviderName": r.val("developer_provider"),
        "IdentityPoolTags": [{"Key": k, "Value": v} for k, v in sorted((r.val("tags") or {}).items())] or None,
    })
    roles = pool_roles(r.ctx, r.address)
    if not roles:
        return
    for users, role in sorted(roles.items()):
        if not r.ctx.same_stack(r.address, role):
            r.error(f"IAM role '{role}' is the {users} role of this identity pool but goes in another stack "
                    f"(it is used by another region too), so the pool's role attachment cannot read it",
                    help="give this pool a role of its own, used by this region only")
            return
    r.part("AWS::Cognito::IdentityPoolRoleAttachment", {
        "IdentityPoolId": r.att(),
        "Roles": {users: r.ctx.out(role, "arn", r) for users, role in sorted(roles.items())},
    }, suffix="Roles")


def _arn(src):
    return arn("cognito-identity", sub("identitypool/", Att(src.address, "", None)))


MAPPERS = {"cognito_identity_pool": cognito_identity_pool}
TYPES = {"cognito_identity_pool": ["AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment"]}
EXPORTS = {"cognito_identity_pool": {"id": REF, "arn": _arn, "name": getatt("Name")}}
