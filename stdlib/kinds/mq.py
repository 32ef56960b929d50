"""Amazon MQ (notes §14.6): a managed ActiveMQ or RabbitMQ broker, for applications that already
speak JMS, AMQP, MQTT or STOMP (SQS and SNS are the cloud-native choice, and scale further).

AWS's rules, each a diagnostic here:

- ActiveMQ runs `single_instance` (one broker, one AZ) or `active_standby` (two brokers in two
  AZs sharing storage; the standby takes over when the active one fails). RabbitMQ runs
  `single_instance` or `cluster` (three nodes over three AZs, one endpoint).
- A single-instance broker takes one subnet, an active/standby pair two in different AZs, a
  private RabbitMQ cluster at least one (AWS's CreateBroker `SubnetIds`), all of one VPC; the
  security groups are of that VPC.
- `mq.t3.micro` is for single-instance brokers (for evaluation). RabbitMQ brokers are encrypted
  with an AWS owned key only; ActiveMQ may use a KMS key of the account (`kms_key`).
- ActiveMQ has one or more users, RabbitMQ exactly one (its administrator). Passwords are
  12–250 characters, at least 4 of them different, without `,` `:` or `=`. The `user` blocks
  are sensitive: plans show `(sensitive)`, the state encrypts them, CloudFormation takes each
  password as a NoEcho parameter.

Safe by default: `publicly_accessible = false` and `auto_minor_version_upgrade = true`, both
written explicitly (CloudFormation requires them; AWS's API leaves the latter off).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.network import groups_outside
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Enum, Ref, Str, Tags

ENGINES = ("activemq", "rabbitmq")
# The engine versions Amazon MQ still supports (AWS's "Amazon MQ release notes" and version
# support calendar, 2025): ActiveMQ 5.17 and 5.16 reached end of support.
VERSIONS = {"activemq": ("5.18",), "rabbitmq": ("3.13",)}
DEFAULT_VERSION = {"activemq": "5.18", "rabbitmq": "3.13"}
# AWS's broker instance types (Amazon MQ developer guide, "Broker instance types").
INSTANCE_TYPES = {
    "activemq": ("mq.t3.micro", "mq.m5.large", "mq.m5.xlarge", "mq.m5.2xlarge", "mq.m5.4xlarge",
                 "mq.m7g.medium", "mq.m7g.large", "mq.m7g.xlarge", "mq.m7g.2xlarge", "mq.m7g.4xlarge"),
    "rabbitmq": ("mq.t3.micro", "mq.m5.large", "mq.m5.xlarge", "mq.m5.2xlarge", "mq.m5.4xlarge",
                 "mq.m7g.medium", "mq.m7g.large", "mq.m7g.xlarge", "mq.m7g.2xlarge", "mq.m7g.4xlarge"),
}
SHOWN = {"activemq": "an ActiveMQ broker", "rabbitmq": "a RabbitMQ broker"}
MODES = {"activemq": ("single_instance", "active_standby"), "rabbitmq": ("single_instance", "cluster")}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_.~-]{2,100}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class MqUser(Block):
    """`user NAME { password = ..., console_access = true }`: a broker user (NAME is the
    username). Sensitive: the whole block is a secret in plans and state."""

    name: Str
    password: Str
    console_access: Bool = False
    groups: list[Str] = Field(default_factory=list)


class MqLogs(Block):
    """`logs { general = true, audit = true }`: to CloudWatch Logs; audit logs are ActiveMQ's."""

    general: Bool = False
    audit: Bool = False


class Maintenance(Block):
    """`maintenance { day = sunday, time = "03:00", time_zone = "UTC" }`: when AWS may patch
    and upgrade the broker (a reboot: an active/standby pair fails over, a single one stops)."""

    day: Enum(*DAYS, what="day of the week")
    time: Str
    time_zone: Str = "UTC"


def password_issues(password, path: tuple) -> Iterable[Issue]:
    """AWS's rules for broker passwords. The messages never quote the value: it is a secret."""
    if not isinstance(password, str):
        return
    if not 12 <= len(password) <= 250:
        yield Issue(f"a broker password has 12–250 characters (this one has {len(password)})", path)
    if len(set(password)) < 4:
        yield Issue("a broker password has at least 4 different characters", path)
    bad = sorted(c for c in set(password) if c in ",:=")
    if bad:
        yield Issue(f"a broker password may not contain {', '.join(repr(c) for c in bad)}", path,
                    help="use other punctuation; commas, colons and equals signs are refused by Amazon MQ")


class MqBroker(Kind):
    """An Amazon MQ broker (notes §14.6), ActiveMQ or RabbitMQ: `single_instance` (one AZ: it
    stops when its AZ does), ActiveMQ `active_standby` (two AZs; clients use the failover URL and
    reconnect to the standby) or a RabbitMQ `cluster` (three nodes over three AZs, serving with
    one AZ down). In a VPC's subnets, private unless `publicly_accessible = true`; encrypted at
    rest with an AWS owned key, or `kms_key` (ActiveMQ)."""

    kind: Literal["mq_broker"] = "mq_broker"
    title: ClassVar[str] = "Amazon MQ broker"
    noun: ClassVar[str] = "Amazon MQ broker"
    family: ClassVar[str] = "messaging"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoints": "list",
                                         "console_url": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "engine", "deployment", "subnets", "publicly_accessible",
                                                     "kms_key"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"user"})
    secret_parts: ClassVar[dict[str, frozenset[str]]] = {"user": frozenset({"password"})}

    name: Str | None = None
    engine: Enum(*ENGINES, what="broker engine")
    engine_version: Str | None = None
    instance_type: Str = "mq.m5.large"
    deployment: Enum("single_instance", "active_standby", "cluster", what="deployment mode") = "single_instance"
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    publicly_accessible: Bool = False  # safe default, written explicitly
    user: list[MqUser] = Field(default_factory=list)
    kms_key: Str | None = None  # None: an AWS owned key
    logs: MqLogs | None = None
    maintenance: Maintenance | None = None
    auto_minor_version_upgrade: Bool = True  # safe default (AWS's API: false)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        engine = self.engine if self.engine in ENGINES else None
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a broker name has 1–50 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        if engine is None:
            return
        yield from self._engine_issues(engine)
        yield from self._user_issues(engine)
        yield from self._network_issues(engine, graph)
        if self.deployment == "single_instance":
            yield Issue("a single-instance broker lives in one Availability Zone: it stops when that AZ does",
                        ("deployment",), severity="warning",
                        help="deployment = active_standby" if engine == "activemq" else "deployment = cluster")

    def _engine_issues(self, engine: str) -> Iterable[Issue]:
        versions = VERSIONS[engine]
        if isinstance(self.engine_version, str) and self.engine_version not in versions:
            yield Issue(f"Amazon MQ supports {engine} {' and '.join(versions)}, not {self.engine_version}",
                        ("engine_version",), help=f"engine_version = \"{DEFAULT_VERSION[engine]}\"")
        if isinstance(self.deployment, str) and self.deployment not in MODES[engine]:
            modes = " or ".join(MODES[engine])
            other = "RabbitMQ" if engine == "activemq" else "ActiveMQ"
            yield Issue(f"{SHOWN[engine]} is deployed as {modes}; {self.deployment} is for {other}",
                        ("deployment",), help=f"deployment = {MODES[engine][1]}")
        types = INSTANCE_TYPES[engine]
        if isinstance(self.instance_type, str):
            if self.instance_type not in types:
                yield Issue(f"'{self.instance_type}' is not an instance type for {SHOWN[engine]}",
                            ("instance_type",), help="one of " + ", ".join(types))
            elif self.instance_type == "mq.t3.micro" and self.deployment != "single_instance":
                yield Issue(f"mq.t3.micro is for single-instance brokers only, this one is {self.deployment}",
                            ("instance_type",), help="instance_type = \"mq.m5.large\"")
        if engine == "rabbitmq" and self.kms_key is not None:
            yield Issue("a RabbitMQ broker is encrypted with an AWS owned key only", ("kms_key",),
                        help="remove kms_key, or use engine = activemq")
        if engine == "rabbitmq" and self.logs is not None and self.logs.audit is True:
            yield Issue("audit logs are ActiveMQ's: a RabbitMQ broker writes general logs only", ("logs", "audit"))
        m = self.maintenance
        if m is not None and isinstance(m.time, str) and not _TIME.match(m.time):
            yield Issue(f"the maintenance time is HH:MM in 24-hour form, got '{m.time}'", ("maintenance", "time"),
                        help="time = \"03:00\"")

    def _user_issues(self, engine: str) -> Iterable[Issue]:
        if engine == "activemq" and not self.user:
            yield Issue("an ActiveMQ broker needs at least one user", ("user",),
                        help="user admin { password = broker_password }  (a sensitive param)")
        if engine == "rabbitmq" and len(self.user) != 1:
            yield Issue(f"a RabbitMQ broker has exactly one user, for its management (this one has {len(self.user)})",
                        ("user",))
        seen = set()
        for i, u in enumerate(self.user):
            if isinstance(u.name, str):
                if not _USERNAME.match(u.name):
                    yield Issue("a broker username has 2–100 letters, digits, '-', '.', '_' and '~'",
                                ("user", i, "name"))
                if u.name in seen:
                    yield Issue(f"user '{u.name}' is declared twice", ("user", i, "name"))
                seen.add(u.name)
            yield from password_issues(u.password, ("user", i, "password"))
            if engine == "rabbitmq" and (u.groups or u.console_access is True):
                yield Issue("a RabbitMQ user has no groups or console_access (they are ActiveMQ's)", ("user", i))

    def _network_issues(self, engine: str, graph: Graph) -> Iterable[Issue]:
        n = len(self.subnets)
        public_rabbit = engine == "rabbitmq" and self.publicly_accessible is True
        if self.deployment == "single_instance" and n != 1 and not (public_rabbit and n == 0):
            yield Issue(f"a single-instance broker takes one subnet, this one has {n}", ("subnets",))
        elif self.deployment == "active_standby" and n != 2:
            yield Issue(f"an active/standby broker takes two subnets in different Availability Zones, this one "
                        f"has {n}", ("subnets",))
        elif self.deployment == "cluster" and n == 0 and not public_rabbit:
            yield Issue("a private RabbitMQ cluster needs at least one subnet", ("subnets",))
        if public_rabbit and (self.subnets or self.security_groups):
            yield Issue("a publicly accessible RabbitMQ broker is outside your VPC: it takes no subnets or "
                        "security groups", ("subnets",) if self.subnets else ("security_groups",),
                        help="remove them, or set publicly_accessible = false")
            return
        views = [deref(graph, s) for s in self.subnets]
        vpcs = {getattr(s.get("vpc"), "address", None) for s in views if s is not None} - {None}
        if len(vpcs) > 1:
            yield Issue(f"a broker's subnets are all of one VPC; these are of {len(vpcs)}: {', '.join(sorted(vpcs))}",
                        ("subnets",))
        zones = [s.get("az") for s in views if s is not None]
        if self.deployment == "active_standby" and len(zones) == 2 and zones[0] == zones[1]:
            yield Issue(f"an active/standby broker's two subnets are in different Availability Zones; both are in "
                        f"{zones[0]}", ("subnets",),
                        related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in views if s),
                        help="pick a subnet of another AZ for the standby")
        if len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, next(iter(vpcs)), "the broker's")
