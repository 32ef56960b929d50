"""Amazon ECR (notes §15.3): a private registry of Docker images, backed by S3, access by IAM.

AWS's rules, each a diagnostic here: a repository name is 2–256 lower-case letters, digits and
`.` `_` `-` `/` separators (AWS's `repositoryName` pattern); a lifecycle rule keeps the newest
`keep_last` images or expires images older than `expire_after` days (one of the two), a
`tagged` rule names its tag prefixes, a rule of `any` images is the last to run (AWS requires it
to have the highest priority number), and priorities are unique.

Safe by default (AWS's defaults are the opposite): images are scanned on push (notes §23.11,
Inspector "assesses container images as they are pushed"), tags are immutable (a pushed
`v1.2` always means the same image) and the repository is encrypted with KMS (AWS's managed
`aws/ecr` key unless `kms_key` names one).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.schema import Block, Graph, Issue, Kind, View
from archform.stdlib.types import Bool, Duration, Enum, IntRange, Str, Tags

# AWS's repositoryName pattern (ECR API reference, CreateRepository)
_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
DAY = 86400


class LifecycleRule(Block):
    """`lifecycle_rule NAME { priority = 1, tag_status = untagged, expire_after = 14d }`: ECR
    expires the images the rule selects beyond `keep_last` of them, or older than `expire_after`."""

    name: Str
    priority: IntRange(1, None, what="priority") | None = None  # None: its place in the list
    tag_status: Enum("untagged", "tagged", "any", what="tag status") = "untagged"
    tag_prefixes: list[Str] = Field(default_factory=list)
    keep_last: IntRange(1, None, what="keep_last") | None = None
    expire_after: Duration | None = None


class EcrRepository(Kind):
    """A private ECR repository (notes §15.3) that ECS tasks and EKS pods pull images from. Images
    are scanned on push and their tags immutable by default; `lifecycle_rule` blocks expire old
    or untagged images. `uri` is what a container's `image` reads when it names the repository."""

    kind: Literal["ecr_repository"] = "ecr_repository"
    title: ClassVar[str] = "ECR repository"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string", "uri": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "encryption", "kms_key"})

    name: Str | None = None
    scan_on_push: Bool = True  # safe default (AWS: false)
    tag_immutability: Bool = True  # safe default (AWS: MUTABLE)
    encryption: Enum("kms", "aes256", what="encryption type") = "kms"  # safe default (AWS: AES256)
    kms_key: Str | None = None  # None with kms: AWS's managed aws/ecr key
    lifecycle_rule: list[LifecycleRule] = Field(default_factory=list)
    force_delete: Bool = False
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not (2 <= len(self.name) <= 256 and _NAME.match(self.name)):
            yield Issue(f"an ECR repository name is 2–256 lower-case letters and digits, separated by '.', '_', "
                        f"'-' or '/', got '{self.name}'", ("name",), help="name = \"shop/web\"")
        if self.kms_key is not None and self.encryption == "aes256":
            yield Issue("kms_key is for encryption = kms: AES256 uses S3-managed keys", ("kms_key",),
                        help="encryption = kms")
        yield from self._lifecycle_issues()

    def _lifecycle_issues(self) -> Iterable[Issue]:
        rules = self.lifecycle_rule
        priorities: dict = {}
        for i, rule in enumerate(rules):
            path = ("lifecycle_rule", i)
            priority = rule.priority if rule.priority is not None else i + 1
            if priority in priorities:
                yield Issue(f"lifecycle rules '{priorities[priority]}' and '{rule.name}' both have priority "
                            f"{priority}: each rule has its own", (*path, "priority"))
            priorities.setdefault(priority, rule.name)
            if (rule.keep_last is None) == (rule.expire_after is None):
                yield Issue("a lifecycle rule keeps the newest images (keep_last = N) or expires old ones "
                            "(expire_after = 30d): write one of the two", path, help="keep_last = 10")
            if rule.expire_after is not None and hasattr(rule.expire_after, "seconds"):
                days = rule.expire_after.seconds / DAY
                if days < 1 or days != int(days):
                    yield Issue(f"expire_after counts whole days since the image was pushed, got {rule.expire_after}",
                                (*path, "expire_after"), help="expire_after = 14d")
            if rule.tag_status == "tagged" and not rule.tag_prefixes:
                yield Issue("a lifecycle rule of tagged images names the tag prefixes it selects", path,
                            help="tag_prefixes = [\"v\"]")
            if rule.tag_status != "tagged" and rule.tag_prefixes:
                yield Issue(f"tag_prefixes select tagged images; this rule is of {rule.tag_status} images",
                            (*path, "tag_prefixes"), help="tag_status = tagged")
        anys = [(i, r) for i, r in enumerate(rules) if r.tag_status == "any"]
        order = [r.priority if r.priority is not None else j + 1 for j, r in enumerate(rules)]
        if anys and len(rules) > 1 and all(isinstance(p, int) for p in order):
            i, rule = anys[0]
            mine, highest = order[i], max(order)
            if mine != highest or len(anys) > 1:
                yield Issue(f"a lifecycle rule of any images runs last: ECR requires it to have the highest priority "
                            f"number ({mine} is not the highest, {highest})", ("lifecycle_rule", i),
                            help="move it to the end, or give it the largest priority")
