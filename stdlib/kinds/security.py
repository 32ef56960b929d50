"""Security: ACM certificates (notes §6.3, §23.5) and IAM roles and policies (notes §2, §22).

Policy documents are checked for the shape of notes §2.4 — Version, Statement, and per
statement Effect, Action, Resource (and Principal where the policy kind needs one) — by
`policy_problems`, which S3 bucket policies reuse.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, field_validator

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds.dns import WildcardDomain, covers
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Choice, Document, DurationRange, Enum, OneOf, Ref, Str, Tags, Validated, dur, fail,
                                   validator_of)

# --- certificates ----------------------------------------------------------------------------


CertName = WildcardDomain


class Certificate(Kind):
    """A public TLS certificate from ACM, in one region (CloudFront uses those of us-east-1)."""

    kind: Literal["certificate"] = "certificate"
    title: ClassVar[str] = "ACM certificate"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"domain", "alternative_names", "validation", "key_algorithm"})

    domain: CertName
    alternative_names: list[CertName] = Field(default_factory=list)
    validation: Choice("dns", "email", what="validation method") = "dns"
    validation_zone: Ref["dns_zone"] = None
    key_algorithm: Choice("RSA_2048", "EC_prime256v1", "EC_secp384r1", what="key algorithm") = "RSA_2048"
    tags: Tags = Field(default_factory=dict)

    def names(self) -> list[str]:
        return [n for n in [self.domain, *self.alternative_names] if isinstance(n, str)]

    def covers(self, host: str) -> bool:
        """Whether this certificate is valid for a host name (exact or one-label wildcard)."""
        return any(covers(name, host) for name in self.names())

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        seen = {self.domain}
        for i, name in enumerate(self.alternative_names):
            if name in seen:
                yield Issue(f"'{name}' is listed twice in the certificate", ("alternative_names", i))
            seen.add(name)
        if len(seen) > 100:
            yield Issue(f"an ACM certificate holds at most 100 names (10 unless the quota is raised), "
                        f"got {len(seen)}", ("alternative_names",))
        if self.validation_zone is not None:
            yield from self._zone(graph)

    def _zone(self, graph: Graph) -> Iterable[Issue]:
        if self.validation == "email":
            yield Issue("validation_zone is for DNS validation; email validation sends mail to the domain's "
                        "contacts instead", ("validation_zone",))
            return
        zone = deref(graph, self.validation_zone)
        if zone is None or not isinstance(zone.model.domain, str):
            return
        related = (Related(zone.address, ("domain",), "zone declared here"),)
        if zone.model.private:
            yield Issue(f"ACM validates through public DNS; '{zone.address}' is a private hosted zone",
                        ("validation_zone",), related=related)
        for name in self.names():
            bare = name[2:] if name.startswith("*.") else name
            if not (bare == zone.model.domain or bare.endswith("." + zone.model.domain)):
                yield Issue(f"zone {zone.model.domain} cannot hold the validation record for {name}",
                            ("validation_zone",), related=related)


# --- IAM policy documents ------------------------------------------------------------------

_TOP_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                   "NotResource", "Condition")
_VERSIONS = ("2012-10-17", "2008-10-17")
# AWS matches actions case-insensitively ("S3:getobject" is s3:GetObject); prefixes are written in
# lower case, which a warning suggests
_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$")


def _text(x) -> str | None:
    if isinstance(x, str):
        return x
    if isinstance(x, v.Word):
        return x.text
    return None


def _strings(x) -> list | None:
    """A policy element that is one string or a list of them, as a list (None when malformed)."""
    items = x if isinstance(x, (list, tuple)) else [x]
    return items if all(_text(i) is not None or v.is_unknown(i) for i in items) else None


def policy_problems(doc, kind: str = "identity") -> list[tuple[tuple, str, str]]:
    """(path, message, severity) for each way a policy document breaks notes §2.4.

    `kind` is "identity" (attached to roles; no Principal), "resource" (bucket policies; needs a
    Principal) or "trust" (who may assume a role; needs a Principal, no Resource)."""
    if not isinstance(doc, dict):
        return [((), "a policy document is a map with Version and Statement", "error")]
    found = []
    for key in doc:
        if key not in _TOP_KEYS:
            found.append(((key,), f"'{key}' is not a policy element: expected Version, Id or Statement "
                                  + did_you_mean(key, _TOP_KEYS), "error"))
    version = doc.get("Version")
    if version is None:
        found.append((("Version",), "the policy has no Version; write Version = \"2012-10-17\" (without it "
                                    "policy variables are not supported)", "warning"))
    elif _text(version) not in _VERSIONS:
        found.append((("Version",), f"Version is \"2012-10-17\" (or the older \"2008-10-17\"), got {version!r}",
                      "error"))
    statements = doc.get("Statement")
    if statements is None:
        return found + [(("Statement",), "a policy needs a Statement: the permissions it grants or denies", "error")]
    many = isinstance(statements, (list, tuple))
    items = list(statements) if many else [statements]
    if not items:
        found.append((("Statement",), "Statement is empty", "error"))
    sids: dict[str, int] = {}
    for i, statement in enumerate(items):
        path = ("Statement", i) if many else ("Statement",)
        found += [(path + p, m, s) for p, m, s in _statement_problems(statement, kind)]
        sid = _text(statement.get("Sid")) if isinstance(statement, dict) else None
        if sid:
            if sid in sids:
                found.append((path + ("Sid",), f"Sid '{sid}' is used by two statements", "error"))
            sids[sid] = i
    return found


def _statement_problems(st, kind: str) -> list[tuple[tuple, str, str]]:
    if not isinstance(st, dict):
        return [((), "a statement is a map with Effect, Action and Resource", "error")]
    found = []
    for key in st:
        if key not in _STATEMENT_KEYS:
            found.append(((key,), f"'{key}' is not a statement element " + did_you_mean(key, _STATEMENT_KEYS),
                          "error"))
    effect = _text(st.get("Effect"))
    if effect is None:
        found.append((("Effect",), "a statement needs Effect = \"Allow\" or \"Deny\"", "error"))
    elif effect not in ("Allow", "Deny"):
        hint = f" (write \"{effect.capitalize()}\": it is case-sensitive)" if effect.lower() in ("allow", "deny") else ""
        found.append((("Effect",), f"Effect is \"Allow\" or \"Deny\", got {effect!r}{hint}", "error"))
    found += _exactly_one(st, "Action", "NotAction", "what it allows or denies, e.g. \"s3:GetObject\"")
    for name in ("Action", "NotAction"):
        if name in st:
            actions = _strings(st[name])
            if actions is None:
                found.append(((name,), f"{name} is an action name or a list of them", "error"))
                continue
            for a in actions:
                if isinstance(a, str) and not _ACTION.match(a):
                    found.append(((name,), f"an action is \"service:Action\" (e.g. \"s3:GetObject\") or \"*\", "
                                           f"got {a!r}", "error"))
                elif isinstance(a, str) and a != "*" and not a.split(":", 1)[0].islower():
                    service, _, verb = a.partition(":")
                    found.append(((name,), f"{a!r} matches as {service.lower()}:{verb} does (actions are not "
                                           f"case-sensitive), but service prefixes are written in lower case: "
                                           f"write \"{service.lower()}:{verb}\"", "warning"))
    if kind == "trust":
        found += [((k,), f"a trust policy says who may assume the role; it has no {k}", "error")
                  for k in ("Resource", "NotResource") if k in st]
    else:
        found += _exactly_one(st, "Resource", "NotResource", "what the actions apply to, e.g. an ARN or \"*\"")
    if kind == "identity":
        found += [((k,), f"{k} belongs to resource-based and trust policies; a policy attached to a role "
                         f"applies to that role", "error") for k in ("Principal", "NotPrincipal") if k in st]
    else:
        found += _exactly_one(st, "Principal", "NotPrincipal", "who the statement is about")
    if "Condition" in st and not isinstance(st["Condition"], dict):
        found.append((("Condition",), "Condition is a map of operators to maps, e.g. "
                                      "{ StringEquals = { \"aws:RequestedRegion\" = \"eu-west-1\" } }", "error"))
    sid = st.get("Sid")
    if sid is not None and not (isinstance(_text(sid), str) and re.fullmatch(r"[A-Za-z0-9]*", _text(sid))):
        found.append((("Sid",), f"Sid uses letters and digits only, got {sid!r}", "error"))
    return found


def _exactly_one(st: dict, a: str, b: str, what: str) -> list[tuple[tuple, str, str]]:
    if a in st and b in st:
        return [((b,), f"a statement has {a} or {b}, not both", "error")]
    if a not in st and b not in st:
        return [((a,), f"a statement needs {a}: {what}", "error")]
    return []


def document_issues(doc, path: tuple, kind: str = "identity") -> Iterable[Issue]:
    for p, message, severity in policy_problems(doc, kind):
        yield Issue(message, path + p, severity=severity)


def listed_twice(items: list, path: tuple, what: str) -> Iterable[Issue]:
    """An issue for each item of a list of references or names that repeats an earlier one."""
    seen: set = set()
    for i, item in enumerate(items):
        key = getattr(item, "address", item)
        if key in seen:
            yield Issue(f"{what} {key} is {'attached' if what == 'policy' else 'listed'} twice", (*path, i))
        seen.add(key)


def attached_policy_issues(entity, what: str) -> Iterable[Issue]:
    """The managed policies (at most 20, 10 unless the quota is raised; each once) and inline
    policy documents of a role, user or group."""
    if len(entity.policies) > 20:
        yield Issue(f"{what} has at most 20 managed policies attached (10 unless the quota is raised), "
                    f"got {len(entity.policies)}", ("policies",))
    yield from listed_twice(entity.policies, ("policies",), "policy")
    for name, doc in sorted(entity.inline_policies.items()):
        yield from document_issues(doc, ("inline_policies", name), "identity")


# --- IAM policies and roles ------------------------------------------------------------------

class IamPolicy(Kind):
    """A customer-managed IAM policy: a document attached to roles (notes §2.4)."""

    kind: Literal["iam_policy"] = "iam_policy"
    title: ClassVar[str] = "IAM policy"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}

    document: Document
    description: Str = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from document_issues(self.document, ("document",), "identity")


def _principal(x):
    """A service (`ec2`, "lambda.amazonaws.com"), an account ID, an ARN, or another role."""
    if isinstance(x, v.ResourceRef):
        return validator_of(Ref["iam_role"])(x)
    text = validator_of(Str)(x)
    if not isinstance(text, str):
        return text
    if re.fullmatch(r"\d{12}", text):
        return f"arn:aws:iam::{text}:root"
    if text.startswith("arn:") or text == "*" or text.endswith(".amazonaws.com"):
        return text
    if re.fullmatch(r"[a-z0-9][a-z0-9.-]*", text):
        return f"{text}.amazonaws.com"
    raise fail(f"'{text}' is not a principal: write a service (ec2, lambda, ecs-tasks or "
               f"\"ec2.amazonaws.com\"), a 12-digit account ID, an ARN, or a role")


def _managed_policy(x):
    """A managed policy ARN; a bare AWS managed policy name (ReadOnlyAccess) becomes its ARN."""
    text = validator_of(Str)(x)
    if not isinstance(text, str):
        return text
    if text.startswith("arn:"):
        if not re.fullmatch(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/.+", text):
            raise fail(f"'{text}' is not an IAM policy ARN (arn:aws:iam::aws:policy/NAME)")
        return text
    if re.fullmatch(r"[A-Za-z0-9+=,.@_/-]+", text):
        return f"arn:aws:iam::aws:policy/{text}"
    raise fail(f"'{text}' is not a managed policy name or ARN")


Principal = Validated(_principal)
PolicyRef = OneOf(Ref["iam_policy"], Validated(_managed_policy), what="an iam_policy or a managed policy ARN")


class WebIdentity(Block):
    """`web_identity { identity_pool = players, users = authenticated }`: the role a Cognito
    identity pool hands its signed-in users (or, `unauthenticated`, its guests), notes §16.5.
    The trust lets `cognito-identity.amazonaws.com` assume it with a web identity whose `aud` is
    that pool's id and whose `amr` says which users."""

    identity_pool: Ref["cognito_identity_pool"]
    users: Enum("authenticated", "unauthenticated", what="identity pool users") = "authenticated"


class IamRole(Kind):
    """An IAM role: who may assume it (a trust policy) and what it may do (notes §2.8).
    `assumed_by` names services, accounts and roles; `web_identity` makes it a Cognito identity
    pool's role for its signed-in users or its guests (notes §16.5)."""

    kind: Literal["iam_role"] = "iam_role"
    title: ClassVar[str] = "IAM role"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}

    assumed_by: list[Principal] = Field(default_factory=list)
    web_identity: WebIdentity | None = None
    policies: list[PolicyRef] = Field(default_factory=list)
    inline_policies: dict[str, Document] = Field(default_factory=dict)
    permissions_boundary: PolicyRef = None
    max_session: DurationRange("1h", "12h", what="max_session") = dur("1h")
    tags: Tags = Field(default_factory=dict)

    @field_validator("assumed_by", mode="before")
    @classmethod
    def _one_or_many(cls, x):
        return x if isinstance(x, (list, tuple)) else [x]

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.assumed_by and self.web_identity is None:
            yield Issue("a role needs assumed_by: the services, accounts or roles that may assume it",
                        ("assumed_by",), help="e.g. assumed_by = [ec2]")
        yield from _web_identity_issues(self, graph)
        yield from attached_policy_issues(self, "a role")
        for i, p in enumerate(self.assumed_by):
            if p == "*":
                yield Issue("assumed_by = \"*\" lets anyone assume the role", ("assumed_by", i), severity="warning")


def _wildcards(role: "IamRole") -> list[str]:
    """The actions a role allows by wildcard (`*`, `s3:*`) in its inline policies, and the
    administrator policies it has attached."""
    found = []
    for name, doc in sorted(role.inline_policies.items()):
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            actions = st.get("Action")
            for a in actions if isinstance(actions, list) else [actions]:
                if isinstance(a, str) and (a == "*" or a.endswith(":*")):
                    found.append(a)
    found += [p.rsplit("/", 1)[-1] for p in role.policies if isinstance(p, str)
              and p.rsplit("/", 1)[-1] in ("AdministratorAccess", "PowerUserAccess")]
    return found


def _web_identity_issues(role: "IamRole", graph: Graph) -> Iterable[Issue]:
    web = role.web_identity
    if web is None or web.users != "unauthenticated":
        return
    wide = _wildcards(role)
    if wide:
        yield Issue(f"this role is for guests of an identity pool, anyone who has the app: it allows "
                    f"{', '.join(sorted(set(wide)))}", ("web_identity", "users"), severity="warning",
                    help="allow guests only the actions and resources any visitor may use")
    pool = deref(graph, web.identity_pool)
    if pool is not None and pool.get("allow_unauthenticated") is not True:
        yield Issue(f"identity pool '{pool.address}' does not allow guests, so no one takes this unauthenticated "
                    f"role", ("web_identity", "users"),
                    related=(Related(pool.address, ("allow_unauthenticated",), "guests refused here"),),
                    help="set allow_unauthenticated = true on the pool, or remove this role")
