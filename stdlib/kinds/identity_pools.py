"""Cognito identity pools (notes §16.5: "Cognito Identity Pools. Also called Federated
Identities. Provide AWS credentials so they can access AWS resources directly").

A pool trusts identity providers — a user pool's app clients, the public logins (Google,
Facebook, Amazon, Apple) — and exchanges their tokens for temporary AWS credentials of an IAM
role: the pool's authenticated role for signed-in users, its unauthenticated role for guests
(when the pool allows them). A role says it is one of them by its trust:

    cognito_identity_pool players {
      provider {
        user_pool = customers
        client    = "web"
      }
    }

    iam_role player {
      web_identity {
        identity_pool = primary.players
        users         = authenticated      # or unauthenticated (guests)
      }
      inline_policies = { ... }
    }

The role's trust is the one AWS documents for identity pools: `Federated:
cognito-identity.amazonaws.com` may `sts:AssumeRoleWithWebIdentity` when the token's `aud` is
this pool's id and its `amr` says authenticated (or unauthenticated). Without the `aud`
condition any identity pool, of any account, could take the role. The pool's role attachment
(`AWS::Cognito::IdentityPoolRoleAttachment`) is written from the roles that name the pool: the
role reads the pool's id, the attachment reads the role's ARN, and neither the pool nor the
role reads the attachment, so there is no loop.

Safe defaults, where AWS's are weaker: guests are refused (`allow_unauthenticated = false`), the
basic (classic) flow is off, and a user pool provider checks on the server that the user is
still signed in (`server_side_token_check = true`; AWS: false), so a signed-out user's token
buys no more credentials.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Ref, Str, Tags

# AWS's public login providers (CreateIdentityPool `SupportedLoginProviders` keys)
LOGINS = ("accounts.google.com", "graph.facebook.com", "www.amazon.com", "appleid.apple.com")
_NAME = re.compile(r"[\w\s+=,.@-]{1,128}")
_DEVELOPER = re.compile(r"[\w._-]{1,100}")


class Provider(Block):
    """`provider { user_pool = customers, client = "web" }`: an app client of a user pool whose
    users get credentials (its ID tokens are exchanged)."""

    user_pool: Ref["cognito_user_pool"]
    client: Str
    server_side_token_check: Bool = True  # safe default (AWS: false)


class CognitoIdentityPool(Kind):
    """A Cognito identity pool (notes §16.5, "Federated Identities"): temporary AWS credentials
    for an application's users. `provider` blocks name user pool app clients; `logins` the
    public providers (Google, Facebook, Amazon, Apple) with their app ids; `developer_provider`
    a backend that signs its own users in. Signed-in users take the IAM role whose `web_identity`
    names this pool for `authenticated` users, guests (only with `allow_unauthenticated = true`)
    the `unauthenticated` one. Exports `id` (REGION:UUID), `arn`, `name`."""

    kind: Literal["cognito_identity_pool"] = "cognito_identity_pool"
    title: ClassVar[str] = "Cognito identity pool"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset()

    name: Str | None = None
    allow_unauthenticated: Bool = False  # guests get no credentials unless asked for
    allow_classic_flow: Bool = False     # the basic flow hands out role credentials without the pool's policy scoping
    provider: list[Provider] = Field(default_factory=list)
    logins: dict[Str, Str] = Field(default_factory=dict)
    developer_provider: Str | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.fullmatch(self.name):
            yield Issue(f"'{self.name}' is not an identity pool name: 1 to 128 letters, digits, spaces and +=,.@-_",
                        ("name",))
        if isinstance(self.developer_provider, str) and not _DEVELOPER.fullmatch(self.developer_provider):
            yield Issue("a developer provider name has 1 to 100 letters, digits, '.', '_' and '-'",
                        ("developer_provider",))
        for key in sorted(k for k in self.logins if isinstance(k, str) and k not in LOGINS):
            yield Issue(f"'{key}' is not a login provider an identity pool takes: {', '.join(LOGINS)}",
                        ("logins", key), help="a user pool is a `provider` block; another OIDC or SAML "
                        "provider federates through a user pool")
        if not (self.provider or self.logins or self.developer_provider or self.allow_unauthenticated is True):
            yield Issue("an identity pool with no provider and no guest access gives nobody credentials",
                        ("provider",), help="provider { user_pool = ..., client = \"web\" }")
        yield from self._provider_issues(graph)
        yield from self._role_issues(me, graph)

    def _provider_issues(self, graph: Graph) -> Iterable[Issue]:
        seen: set = set()
        for i, p in enumerate(self.provider):
            pool = deref(graph, p.user_pool)
            key = (getattr(p.user_pool, "address", None), p.client)
            if key in seen:
                yield Issue(f"client '{p.client}' of user pool '{key[0]}' is listed twice", ("provider", i))
            seen.add(key)
            if pool is None or not isinstance(p.client, str):
                continue
            names = [c.name for c in pool.get("client") or []]
            if p.client not in names:
                yield Issue(f"user pool '{pool.address}' has no client '{p.client}'", ("provider", i, "client"),
                            related=(Related(pool.address, ("client",), "its clients"),),
                            help=f"one of: {', '.join(names)}" if names else "add a `client` block to the user pool")

    def _role_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        roles = roles_of(graph, me.address)
        for users, found in sorted(roles.items()):
            if len(found) > 1:
                yield Issue(f"an identity pool has one role for {users} users; {len(found)} name this pool: "
                            f"{', '.join(sorted(r.address for r in found))}", (),
                            related=tuple(Related(r.address, ("web_identity",), "names this pool")
                                          for r in sorted(found, key=lambda r: r.address)),
                            help="keep one role for these users and give it every permission they need")
        if "authenticated" not in roles and (self.provider or self.logins or self.developer_provider):
            yield Issue("no IAM role is for this pool's signed-in users: they get no AWS credentials",
                        ("provider",) if self.provider else (), severity="warning",
                        help="iam_role NAME { web_identity { identity_pool = THIS_POOL, users = authenticated } }")
        if self.allow_unauthenticated is True:
            yield Issue("guests get AWS credentials without signing in: keep the unauthenticated role's "
                        "permissions to what any visitor may do", ("allow_unauthenticated",), severity="warning")


def roles_of(graph: Graph, pool: str) -> dict[str, list[View]]:
    """The IAM roles whose `web_identity` names `pool`, by the users they are for."""
    found: dict[str, list[View]] = {}
    for view in graph.referrers(pool):
        web = view.get("web_identity") if view.kind == "iam_role" else None
        if web is not None and getattr(web.identity_pool, "address", None) == pool:
            found.setdefault(web.users, []).append(view)
    return found
