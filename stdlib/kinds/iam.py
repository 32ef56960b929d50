"""IAM users, groups and instance profiles (notes §2, §2.6, §2.10), and Organizations service
control policies (notes §22.1). Roles and managed policies are in `security`.

Limits (IAM and Organizations quotas, AWS docs "IAM and AWS STS quotas" and "Quotas for AWS
Organizations"): inline policies of a user total at most 2,048 characters, of a group 5,120
(whitespace not counted); a user is in at most 10 groups; at most 20 managed policies on a user
or group (10 unless the quota is raised); 2 access keys a user; an SCP's document at most 5,120
characters; at most 5 SCPs attached to one root, OU or account.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.security import PolicyRef, attached_policy_issues, document_issues, listed_twice
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Document, IntRange, Ref, Str, Tags, Validated, fail, validator_of

USER_INLINE_MAX = 2048
GROUP_INLINE_MAX = 5120
GROUPS_PER_USER = 10
SCP_MAX = 5120          # characters of an SCP document (Quotas for AWS Organizations)
SCPS_PER_TARGET = 5


def policy_size(doc) -> int:
    """A document's size as AWS counts it: its JSON without whitespace."""
    return len(json.dumps(doc, separators=(",", ":"), default=str))


def _inline_size_issues(entity, what: str, limit: int) -> Iterable[Issue]:
    size = sum(policy_size(doc) for doc in entity.inline_policies.values())
    if size > limit:
        yield Issue(f"the inline policies of {what} total {size:,} characters; IAM allows {limit:,} (whitespace "
                    f"not counted)", ("inline_policies",), help="move statements into an iam_policy and attach it")


class IamUser(Kind):
    """An IAM user: one person (notes §2.10 "one physical user = one AWS user"). No console
    password unless `console_password = true` (the first sign-in must set one) and no access
    keys: give software a role, and people SSO or a console password with MFA. `access_keys`
    (at most 2) is a warning (notes §2.6: long-lived secrets). Permissions come from its
    groups (`iam_group { members = [...] }`, best practice, notes §2.4), `policies` and
    `inline_policies` (2,048 characters in all), within `permissions_boundary`."""

    kind: Literal["iam_user"] = "iam_user"
    title: ClassVar[str] = "IAM user"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}

    console_password: Bool = False
    access_keys: IntRange(0, 2, what="access_keys") = 0
    policies: list[PolicyRef] = Field(default_factory=list)
    inline_policies: dict[str, Document] = Field(default_factory=dict)
    permissions_boundary: PolicyRef = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from attached_policy_issues(self, "a user")
        yield from _inline_size_issues(self, "a user", USER_INLINE_MAX)
        if isinstance(self.access_keys, int) and self.access_keys > 0:
            yield Issue(f"this user has {self.access_keys} access key{'s' if self.access_keys > 1 else ''}: long-lived "
                        "secrets that leak (notes §2.6)", ("access_keys",), severity="warning",
                        help="give software an IAM role (an instance profile, a function's role) instead")
        groups = [g for g in graph.of_kind("iam_group")
                  if any(getattr(m, "address", None) == me.address for m in g.get("members") or [])]
        if len(groups) > GROUPS_PER_USER:
            yield Issue(f"a user is in at most {GROUPS_PER_USER} groups; {me.address} is in {len(groups)}", (),
                        related=tuple(Related(g.address, ("members",), "a group with this user") for g in groups))


class IamGroup(Kind):
    """An IAM group: the permissions of the users in `members` (notes §2.4: attach policies to
    groups, not users). Groups hold users, not other groups (§2.11); a group has no permissions
    boundary (§22.1.4). Inline policies total at most 5,120 characters."""

    kind: Literal["iam_group"] = "iam_group"
    title: ClassVar[str] = "IAM group"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}

    members: list[Ref["iam_user"]] = Field(default_factory=list)
    policies: list[PolicyRef] = Field(default_factory=list)
    inline_policies: dict[str, Document] = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from attached_policy_issues(self, "a group")
        yield from _inline_size_issues(self, "a group", GROUP_INLINE_MAX)
        yield from listed_twice(self.members, ("members",), "user")


class InstanceProfile(Kind):
    """An instance profile: the one role an EC2 instance (or a launch template's instances)
    runs as (notes §2.8). `iam_role` on an instance or launch template names either a role
    (archform makes its profile) or this."""

    kind: Literal["instance_profile"] = "instance_profile"
    title: ClassVar[str] = "Instance profile"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string",
                                         "profile_arn": "string", "profile_name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    role: Ref["iam_role"]
    name: Str = None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        role = deref(graph, self.role)
        if role is None:
            return
        principals = [p for p in role.get("assumed_by") or [] if isinstance(p, str)]
        if principals and len(principals) == len(role.get("assumed_by")) and "ec2.amazonaws.com" not in principals:
            yield Issue(f"role '{role.address}' cannot be assumed by EC2, so instances get no credentials from this "
                        "profile", ("role",), related=(Related(role.address, ("assumed_by",), "who may assume it"),),
                        help="add ec2 to the role's assumed_by")


def _target(x):
    text = validator_of(Str)(x)
    if not isinstance(text, str):
        return text
    if re.fullmatch(r"\d{12}|r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}", text):
        return text
    raise fail(f"'{text}' is not an SCP target: write the root (r-xxxx), an OU (ou-xxxx-xxxxxxxx) or a 12-digit "
               "account ID")


class Scp(Kind):
    """An AWS Organizations service control policy (notes §22.1): the most the principals of
    the accounts under `targets` (the root `r-…`, OUs `ou-…`, account IDs) may do. An SCP grants
    nothing; it limits. AWS attaches FullAWSAccess everywhere, so a deny-list SCP (Deny
    statements) only takes away; an allow-list replaces it. The document is at most 5,120
    characters; at most 5 SCPs are attached to one target. `archform iam can` applies every SCP
    of the configuration to the principal's account."""

    kind: Literal["scp"] = "scp"
    title: ClassVar[str] = "Service control policy"
    noun: ClassVar[str] = "SCP"
    family: ClassVar[str] = "security"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}

    document: Document
    targets: list[Validated(_target)] = Field(default_factory=list)
    description: Str = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from document_issues(self.document, ("document",), "identity")
        if v.is_unknown(self.document):
            return
        size = policy_size(self.document)
        if size > SCP_MAX:
            yield Issue(f"an SCP's document is at most {SCP_MAX:,} characters; this one is {size:,}", ("document",),
                        help="split it into two SCPs attached to the same targets (each must allow what an "
                             "allow-list allows)")
        if not self.targets:
            yield Issue("an SCP attached to nothing limits nothing: give targets (the root, OUs or accounts)",
                        ("targets",), severity="warning")
        for i, t in enumerate(self.targets):
            others = [s for s in graph.of_kind("scp") if t in (s.get("targets") or [])]
            if len(others) > SCPS_PER_TARGET and others[0].address == me.address:
                yield Issue(f"at most {SCPS_PER_TARGET} SCPs are attached to one target; {t} has {len(others)}",
                            ("targets", i), related=tuple(Related(s.address, ("targets",), "attached here")
                                                          for s in others[1:]))
