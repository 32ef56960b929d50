"""Identity for an application's users (notes §16.5): Cognito user pools — sign-up and sign-in
for external users, a serverless database of users — with their app clients.

    cognito_user_pool customers {
      sign_in = [email]
      mfa     = optional            # off, optional (the default here) or required
      password { min_length = 12 }

      client web {
        callback_urls = ["https://shop.example.com/callback"]
        oauth_flows   = [code]
      }
    }

A pool's `issuer` is what a JWT authorizer of an HTTP API checks (`api_gateway` `authorizer {
type = jwt, issuer = customers.issuer, audience = [customers.client_id] }`), and its `arn` what
a REST API's `cognito` authorizer names.

Safe defaults, where AWS's API defaults are weaker: MFA `optional` with TOTP (AWS: off);
passwords of 12 characters with every character class (AWS: 8); deletion protection on (AWS:
off); clients that do not reveal whether a user exists (AWS: legacy, they do) and that sign in
with SRP only, never a plain password (AWS: every flow).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.schema import Block, Graph, Issue, Kind, View
from archform.stdlib.types import Bool, DurationRange, Enum, IntRange, Str, Tags, dur

ATTRIBUTES = ("email", "phone", "username")
FLOWS = ("code", "implicit", "client_credentials")
SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
CLIENT_LIMIT = 1000  # app clients per user pool (Cognito's quota)


class Password(Block):
    """`password { ... }`: what a password must hold (Cognito: 6 to 99 characters)."""

    min_length: IntRange(6, 99, what="password min_length") = 12
    lowercase: Bool = True
    uppercase: Bool = True
    numbers: Bool = True
    symbols: Bool = True
    temporary_validity: DurationRange("1d", "365d", what="temporary password validity") = dur("7d")


class Client(Block):
    """`client NAME { ... }`: an application that signs users in (its id is what JWTs carry as
    their audience). Token lifetimes are Cognito's ranges: access and ID tokens 5 min to 1 day
    (1 h by default), refresh tokens 1 h to 10 years (30 days by default)."""

    name: Str
    generate_secret: Bool = False
    callback_urls: list[Str] = Field(default_factory=list)
    logout_urls: list[Str] = Field(default_factory=list)
    oauth_flows: list[Enum(*FLOWS, what="OAuth flow")] = Field(default_factory=list)
    scopes: list[Str] = Field(default_factory=lambda: ["openid", "email"])
    access_token: DurationRange("5m", "1d", what="access token validity") = dur("1h")
    id_token: DurationRange("5m", "1d", what="ID token validity") = dur("1h")
    refresh_token: DurationRange("1h", "3650d", what="refresh token validity") = dur("30d")


class CognitoUserPool(Kind):
    """A Cognito user pool (notes §16.5): sign-up and sign-in for an application's users, with
    `sign_in` attributes (email, phone, username), a `password` policy (6 to 99 characters),
    `mfa` off | optional | required (TOTP, and SMS when `sms_role` is given), advanced security
    (off | audit | enforced), deletion protection, and app `client`s with their OAuth flows,
    callback URLs and token lifetimes. Exports `issuer` (for JWT authorizers), `client_id` (its
    first client's), `arn`, `id`."""

    kind: Literal["cognito_user_pool"] = "cognito_user_pool"
    title: ClassVar[str] = "Cognito user pool"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "issuer": "string",
                                         "client_id": "string", "provider_name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "sign_in"})

    name: Str | None = None
    sign_in: list[Enum(*ATTRIBUTES, what="sign-in attribute")] = Field(default_factory=lambda: ["email"])
    mfa: Enum("off", "optional", "required", what="MFA") = "optional"
    sms_role: Str | None = None
    password: Password = Field(default_factory=Password)
    advanced_security: Enum("off", "audit", "enforced", what="advanced security mode") = "off"
    deletion_protection: Bool = True
    self_sign_up: Bool = True
    client: list[Client] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not re.fullmatch(r"[\w\s+=,.@-]{1,128}", self.name):
            yield Issue(f"'{self.name}' is not a user pool name: 1 to 128 letters, digits, spaces and +=,.@-",
                        ("name",))
        if not self.sign_in:
            yield Issue("a user pool signs users in with at least one of email, phone or username", ("sign_in",))
        if len(set(self.sign_in)) != len(self.sign_in):
            yield Issue("a sign-in attribute is listed twice", ("sign_in",))
        if "username" in self.sign_in and len(self.sign_in) > 1:
            yield Issue("with username sign-in, email and phone are aliases of the username: list username alone, "
                        "or email and phone without it", ("sign_in",))
        if self.mfa == "off":
            yield Issue("mfa = off: a stolen password is enough to sign in", ("mfa",), severity="warning",
                        help="mfa = optional lets users turn TOTP on; required makes every user")
        if "phone" in self.sign_in and self.sms_role is None and self.mfa == "required":
            yield Issue("required MFA for users who sign in with a phone number sends SMS codes: give sms_role (an IAM "
                        "role ARN Cognito may use to send SMS)", ("sms_role",))
        if len(self.client) > CLIENT_LIMIT:
            yield Issue(f"a user pool has at most {CLIENT_LIMIT} app clients", ("client",))
        names: set = set()
        for i, c in enumerate(self.client):
            yield from _client_issues(c, ("client", i), names)


def _client_issues(c: Client, path: tuple, names: set) -> Iterable[Issue]:
    if c.name in names:
        yield Issue(f"two clients are called '{c.name}'", path)
    names.add(c.name)
    if c.oauth_flows and not c.callback_urls and "client_credentials" not in c.oauth_flows:
        yield Issue("an OAuth client with the code or implicit flow needs callback_urls", (*path, "oauth_flows"),
                    help="callback_urls = [\"https://app.example.com/callback\"]")
    for j, url in enumerate(c.callback_urls):
        if isinstance(url, str) and not (url.startswith("https://") or url.startswith("http://localhost")):
            yield Issue(f"a callback URL is HTTPS (http only for localhost), got {url}", (*path, "callback_urls", j))
    if "client_credentials" in c.oauth_flows:
        if len(c.oauth_flows) > 1:
            yield Issue("client_credentials cannot be combined with the code or implicit flow", (*path, "oauth_flows"))
        if c.generate_secret is not True:
            yield Issue("the client_credentials flow needs a client secret: generate_secret = true",
                        (*path, "generate_secret"))
    if "implicit" in c.oauth_flows:
        yield Issue("the implicit flow returns tokens in the URL: use code (with PKCE) instead", (*path, "oauth_flows"),
                    severity="warning")
    for j, scope in enumerate(c.scopes):
        if isinstance(scope, str) and scope not in SCOPES and "/" not in scope:
            yield Issue(f"'{scope}' is not a Cognito scope: {', '.join(SCOPES)}, or a resource server's "
                        "\"server/scope\"", (*path, "scopes", j))
