"""KMS keys (notes §23.2): customer managed keys, symmetric or asymmetric, with their key policy,
rotation, aliases, and multi-region primaries with replicas in other regions (§23.2.3).

AWS's rules, each a diagnostic here:

- The key spec decides the usage: a symmetric key (`SYMMETRIC_DEFAULT`) encrypts and decrypts;
  an RSA key encrypts or signs; an ECC key signs; an HMAC key generates and verifies MACs.
- Automatic rotation is for symmetric encryption keys only. It is on by default here (safe;
  AWS's API leaves it off), once a year unless `rotation_period` says otherwise (90–2560 days).
- A deleted key waits `deletion_window` (7–30 days, 30 by default) in "pending deletion",
  and can be cancelled until then.
- An alias is `alias/NAME`, never `alias/aws/…` (AWS's own keys), unique in its region.
- A replica (`replica_of`) names a multi-region primary of another region; it takes the
  primary's key material, spec and usage (so it sets neither), and a region holds at most one
  replica of a primary. Keys are per region (§23.2.1): every other reference to a key stays in
  its region, which the same-region rule checks.

`KmsKeyRef` is the type of the `kms_key` attributes of the kinds that encrypt: a `kms_key`
resource, or the id, ARN or alias of a key made elsewhere (`"alias/aws/rds"`).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.security import document_issues
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.security_facts import SYMMETRIC, USAGES, default_usage
from archform.stdlib.types import Bool, Choice, Document, DurationRange, OneOf, Ref, Str, Tags, dur

KmsKeyRef = OneOf(Ref["kms_key"], Str, what="a KMS key: a kms_key resource, or a key id, ARN or alias")

ALL_USAGES = ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")
# AWS's alias names: letters, digits, / _ - (CreateAlias `AliasName`, at most 256 characters)
_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]+$")


class KmsKey(Kind):
    """A customer managed KMS key (notes §23.2) in one region: symmetric by default (rotated
    yearly, on by default), or asymmetric (`spec = RSA_2048`, …, `usage = SIGN_VERIFY`). Its
    `policy` is the key policy (§23.2.2; unset: AWS's default, the account may use it through
    IAM). `aliases = ["alias/orders"]` name it. `multi_region = true` makes a primary that
    `kms_key` blocks in other regions replicate with `replica_of` (§23.2.3: same key id and
    material, each with its own policy). A deleted key is gone after `deletion_window`
    (7–30 days)."""

    kind: Literal["kms_key"] = "kms_key"
    title: ClassVar[str] = "KMS key"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "key_id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"spec", "usage", "multi_region", "replica_of"})

    description: Str | None = None
    spec: Choice(*USAGES, what="key spec") = SYMMETRIC
    usage: Choice(*ALL_USAGES, what="key usage") = None  # None: the spec's first usage
    rotation: Bool | None = None  # None: on for symmetric keys (safe default; AWS's API: off)
    rotation_period: DurationRange("90d", "2560d", what="rotation period") = dur("365d")
    deletion_window: DurationRange("7d", "30d", what="deletion window") = dur("30d")
    policy: Document | None = None
    multi_region: Bool = False
    replica_of: Ref.anywhere["kms_key"] = None
    aliases: list[Str] = Field(default_factory=list)
    enabled: Bool = True
    tags: Tags = Field(default_factory=dict)

    def effective_usage(self) -> str:
        return self.usage if isinstance(self.usage, str) else default_usage(self.spec)

    def rotates(self) -> bool:
        """Whether AWS rotates this key's material: on by default for symmetric keys."""
        if self.rotation is not None:
            return self.rotation is True
        return self.spec == SYMMETRIC

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.spec, str) and isinstance(self.usage, str) and self.usage not in USAGES[self.spec]:
            yield Issue(f"{self.spec} keys are for {' or '.join(USAGES[self.spec])}, not {self.usage}",
                        ("usage",), help=f"usage = {USAGES[self.spec][0]}")
        if self.rotation is True and self.spec != SYMMETRIC:
            yield Issue(f"automatic rotation is for symmetric encryption keys only; this key is {self.spec} "
                        "(notes §23.2.1)", ("rotation",), help="remove rotation, or rotate by making a new key")
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), kind="resource")
        for i, alias in enumerate(self.aliases):
            yield from _alias_issues(alias, ("aliases", i))
        yield from self._alias_taken(me, graph)
        if self.replica_of is not None:
            yield from self._replica_issues(me, graph)

    def _alias_taken(self, me: View, graph: Graph) -> Iterable[Issue]:
        mine = [a for a in self.aliases if isinstance(a, str)]
        for other in sorted(graph.of_kind("kms_key"), key=lambda o: o.address):
            if other.address == me.address or other.region != me.region:
                continue
            for i, alias in enumerate(mine):
                if alias in other.model.aliases and other.address < me.address:
                    yield Issue(f"{alias} already names '{other.address}': an alias names one key per region",
                                ("aliases", i), related=(Related(other.address, ("aliases",), "the alias is here"),))

    def _replica_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        primary = deref(graph, self.replica_of)
        if primary is None:
            return
        related = (Related(primary.address, (), "the primary key"),)
        if primary.model.replica_of is not None:
            yield Issue(f"'{primary.address}' is itself a replica: a replica names the primary key",
                        ("replica_of",), related=related)
        elif primary.model.multi_region is not True:
            yield Issue(f"only a multi-region key can be replicated; '{primary.address}' is a single-region key "
                        "(notes §23.2.3)", ("replica_of",), related=related,
                        help=f"set multi_region = true on '{primary.address}' (a new key: it is replaced)")
        if primary.region == me.region:
            yield Issue(f"a replica lives in another region than its primary; both are in {me.region}",
                        ("replica_of",), related=related)
        for name in ("spec", "usage", "multi_region", "rotation", "rotation_period"):
            if name in me.written:
                yield Issue(f"a replica takes {name} from its primary key; leave it out", (name,), related=related)
        for other in graph.of_kind("kms_key"):
            if (other.address < me.address and other.region == me.region
                    and getattr(other.model.replica_of, "address", None) == primary.address):
                yield Issue(f"a region holds one replica of a key; '{other.address}' replicates "
                            f"'{primary.address}' in {me.region} already", ("replica_of",),
                            related=(Related(other.address, ("replica_of",), "the other replica"),))


def _alias_issues(alias, path: tuple) -> Iterable[Issue]:
    if not isinstance(alias, str):
        return
    if alias.startswith("alias/aws/"):
        yield Issue(f"alias/aws/ names AWS managed keys; '{alias}' cannot name a customer key", path,
                    help="e.g. alias/" + alias[len("alias/aws/"):])
    elif not alias.startswith("alias/"):
        yield Issue(f"an alias name starts with alias/, got '{alias}'", path, help=f"alias/{alias}")
    elif not _ALIAS.match(alias) or len(alias) > 256:
        yield Issue(f"an alias is alias/ then 1–250 letters, digits, '/', '_' and '-', got '{alias}'", path)
