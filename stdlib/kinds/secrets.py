"""Secrets Manager secrets (notes §23.4) and SSM Parameter Store parameters (notes §23.3).

AWS's rules, each a diagnostic here:

- A secret holds a `value` (sensitive: plans show `(sensitive)`, the state encrypts it,
  CloudFormation takes it as a NoEcho parameter) or a password Secrets Manager generates
  (`generate { length = 32 }`, 1–4,096 characters; the default when neither is written, so no
  secret text is ever in a file). Rotation runs a Lambda function every 1–1,000 days (AWS's
  `AutomaticallyAfterDays`). A deleted secret is recoverable for 7–30 days. Replicas go to
  other regions (§24.4.2), each at most once, never the secret's own.
- A secret's name is 1–512 letters, digits and `/_+=.@-`; it does not end in a hyphen and six
  characters (Secrets Manager adds that suffix to the ARN, and a name looking like it confuses
  partial-ARN lookups).
- A parameter's name is a hierarchy `/app/prod/db-url` (a leading `/`, at most 15 levels) or a
  plain name, at most 1,011 characters, not beginning with `aws` or `ssm`. A standard
  parameter's value is at most 4 KB, an advanced one's 8 KB. A `SecureString`'s value is
  written as `secure_value` (sensitive) and may name its KMS key; a `String` or `StringList`
  holds `value`. CloudFormation cannot create SecureString parameters (its mapping says so).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.kinds.security import document_issues
from archform.stdlib.schema import Block, Graph, Issue, Kind, View
from archform.stdlib.types import (Bool, Choice, Document, DurationRange, IntRange, OneOf, ListOf, Ref, Region, Str,
                                   Tags, dur)

_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SUFFIX_LIKE = re.compile(r"-[A-Za-z0-9]{6}$")
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_.\-/]+$")
# AWS's value limits per tier (Systems Manager user guide, "Managing parameter tiers")
VALUE_LIMIT = {"Standard": 4096, "Advanced": 8192, "Intelligent-Tiering": 8192}
MAX_LEVELS = 15


class Generate(Block):
    """`generate { length = 32, exclude_punctuation = true }`: a password Secrets Manager makes
    (CloudFormation's `GenerateSecretString`); `key` with `template` makes a JSON secret
    (`template = "{\\"username\\":\\"app\\"}"`, `key = "password"`)."""

    length: IntRange(1, 4096, what="password length") = 32
    exclude_characters: Str | None = None
    exclude_punctuation: Bool = False
    include_space: Bool = False
    require_each_type: Bool = True
    template: Str | None = None
    key: Str | None = None


class Rotation(Block):
    """`rotation { function = rotator, every = 30d }`: a Lambda function rotates the secret."""

    function: Ref["lambda_function"]
    every: DurationRange("1d", "1000d", what="rotation interval") = dur("30d")
    rotate_now: Bool = True


class Secret(Kind):
    """A Secrets Manager secret (notes §23.4): a `value` (sensitive) or a generated password
    (`generate { … }`, the default), encrypted with `kms_key` (unset: the AWS managed key
    aws/secretsmanager), rotated by a Lambda function (`rotation { function = f, every = 30d }`),
    replicated to other regions (`replica_regions = ["eu-west-1"]`, each encrypted with that
    region's aws/secretsmanager key; notes §24.4.2: promote one if the region fails). An
    `rds` or `aurora` takes its master password from one with `master_password_secret` (the
    generated password's `key` in its JSON, if any); without it, `manage_master_password` (their
    default) has RDS keep the password in a secret of its own."""

    kind: Literal["secret"] = "secret"
    title: ClassVar[str] = "Secrets Manager secret"
    noun: ClassVar[str] = "secret"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"value"})

    name: Str | None = None
    description: Str | None = None
    value: Str | None = None
    generate: Generate | None = None
    kms_key: KmsKeyRef | None = None
    rotation: Rotation | None = None
    replica_regions: list[Region] = Field(default_factory=list)
    recovery_window: DurationRange("7d", "30d", what="recovery window") = dur("30d")
    policy: Document | None = None
    tags: Tags = Field(default_factory=dict)

    def generates(self) -> bool:
        return self.value is None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str):
            if not _SECRET_NAME.match(self.name):
                yield Issue(f"a secret's name is 1–512 letters, digits and /_+=.@-, got '{self.name}'", ("name",))
            elif _SUFFIX_LIKE.search(self.name):
                yield Issue(f"'{self.name}' ends like the -XXXXXX suffix Secrets Manager adds to ARNs; lookups by "
                            "partial ARN would be ambiguous", ("name",), help="end the name otherwise")
        if self.value is not None and self.generate is not None:
            yield Issue("a secret has a value or generates one, not both", ("generate",),
                        help="remove value (safest: the password is then never in a file) or generate")
        if self.generate is not None and (self.generate.template is None) != (self.generate.key is None):
            yield Issue("template and key go together: the generated password is stored under key in the JSON "
                        "template", ("generate", "key" if self.generate.key is None else "template"))
        seen: set[str] = set()
        for i, region in enumerate(self.replica_regions):
            if region == me.region:
                yield Issue(f"a replica is in another region than its secret; this one is in {me.region}",
                            ("replica_regions", i))
            elif region in seen:
                yield Issue(f"{region} holds one replica of a secret: it is listed twice", ("replica_regions", i))
            seen.add(region)
        if self.policy is not None:
            yield from document_issues(self.policy, ("policy",), kind="resource")


ParamValue = OneOf(Str, ListOf(Str), what="a parameter value: a string, or a list of strings for a StringList")


class SsmParameter(Kind):
    """An SSM Parameter Store parameter (notes §23.3): `String`, `StringList` (a list, stored
    comma-separated) or `SecureString` (`secure_value`, sensitive, encrypted with `kms_key` or
    the AWS managed key aws/ssm), named in a hierarchy (`/shop/prod/db-url`), standard (4 KB)
    or advanced (8 KB, with parameter policies). CloudFormation cannot create a SecureString:
    apply it here, and templates read it with `{{resolve:ssm-secure:NAME}}`."""

    kind: Literal["ssm_parameter"] = "ssm_parameter"
    title: ClassVar[str] = "SSM parameter"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"secure_value"})

    name: Str | None = None
    type: Choice("String", "StringList", "SecureString", what="parameter type") = "String"
    value: ParamValue | None = None
    secure_value: Str | None = None
    tier: Choice("Standard", "Advanced", "Intelligent-Tiering", what="parameter tier") = "Standard"
    kms_key: KmsKeyRef | None = None
    description: Str | None = None
    allowed_pattern: Str | None = None
    data_type: Choice("text", "aws:ec2:image", what="data type") = "text"
    tags: Tags = Field(default_factory=dict)

    def stored(self) -> str | None:
        """The value as Parameter Store keeps it (a StringList joined with commas)."""
        value = self.secure_value if self.type == "SecureString" else self.value
        if isinstance(value, list):
            return ",".join(x for x in value if isinstance(x, str)) if all(isinstance(x, str) for x in value) else None
        return value if isinstance(value, str) else None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str):
            yield from _name_issues(self.name)
        yield from self._value_issues()
        if self.kms_key is not None and self.type != "SecureString":
            yield Issue(f"kms_key encrypts SecureString parameters; this one is a {self.type}", ("kms_key",))
        if isinstance(self.description, str) and len(self.description) > 1024:
            yield Issue(f"a parameter's description is at most 1,024 characters, got {len(self.description)}",
                        ("description",))
        if isinstance(self.allowed_pattern, str) and isinstance(self.value, str):
            try:
                if not re.fullmatch(self.allowed_pattern, self.value):
                    yield Issue(f"the value does not match allowed_pattern {self.allowed_pattern}", ("value",))
            except re.error as e:
                yield Issue(f"allowed_pattern is not a regular expression: {e}", ("allowed_pattern",))

    def _value_issues(self) -> Iterable[Issue]:
        secure = self.type == "SecureString"
        if secure and self.value is not None:
            yield Issue("a SecureString's value is written as secure_value (sensitive: never shown in plans, "
                        "encrypted in the state)", ("value",), help="rename value to secure_value")
            return
        if not secure and self.secure_value is not None:
            yield Issue(f"secure_value is for type = SecureString; this parameter is a {self.type}",
                        ("secure_value",), help="type = SecureString, or write value")
            return
        field = "secure_value" if secure else "value"
        if getattr(self, field) is None:
            yield Issue(f"a parameter needs a {field}", (), help=f'e.g. {field} = "..."')
            return
        if isinstance(self.value, list) and self.type != "StringList":
            yield Issue(f"a list of values is a StringList; this parameter is a {self.type}", ("value",),
                        help="type = StringList")
        stored = self.stored()
        limit = VALUE_LIMIT.get(self.tier) if isinstance(self.tier, str) else None
        if stored is not None and limit and len(stored.encode()) > limit:
            what = "an advanced" if self.tier != "Standard" else "a standard"
            yield Issue(f"{what} parameter's value is at most {limit // 1024} KB, this one is "
                        f"{len(stored.encode()):,} bytes", (field,),
                        help="tier = Advanced (8 KB)" if self.tier == "Standard" else "keep larger values in S3")


def _name_issues(name: str) -> Iterable[Issue]:
    bare = name.lstrip("/").lower()
    if len(name) > 1011:
        yield Issue(f"a parameter's name is at most 1,011 characters, got {len(name)}", ("name",))
    elif not _PARAM_NAME.match(name):
        yield Issue(f"a parameter's name has letters, digits and . - _ / only, got '{name}'", ("name",))
    elif bare.startswith(("aws", "ssm")):
        yield Issue(f"parameter names beginning with aws or ssm are reserved, got '{name}'", ("name",))
    elif "/" in name and not name.startswith("/"):
        yield Issue(f"a hierarchical name starts with '/', got '{name}'", ("name",), help=f"/{name}")
    elif name.count("/") > MAX_LEVELS:
        yield Issue(f"a parameter hierarchy has at most {MAX_LEVELS} levels, '{name}' has {name.count('/')}",
                    ("name",))
    elif "//" in name or name.endswith("/"):
        yield Issue(f"each level of a hierarchical name is non-empty, got '{name}'", ("name",))
