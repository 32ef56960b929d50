"""AWS App Runner (notes §15.5): a web app or API from a container image or a source code
repository, on instances App Runner runs and scales for you.

AWS's rules, each a diagnostic here:

- The source is an `image` (Amazon ECR, private or public) or a code `repository` (with the
  connection App Runner reads it through, and a managed runtime): exactly one. A private ECR
  image needs an `access_role` App Runner's build service can assume.
- An instance is one of App Runner's vCPU/memory pairs (0.25 vCPU with 0.5 or 1 GB … 4 vCPU
  with 8, 10 or 12 GB).
- Auto scaling: 1–25 provisioned instances (`min_size`), at most 25 (`max_size`), each taking
  1–200 concurrent requests (`max_concurrency`) before another starts.
- Health checks every 1–20 s, a 1–20 s timeout, 1–20 checks each way; a path for HTTP only.
- Automatic deployment is for private ECR images and repositories, not ECR Public.
- A VPC connector (`vpc_connector { subnets, security_groups }`) sends the service's outbound
  traffic into a VPC (to reach a private database); its subnets are of one VPC.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.network import groups_outside, vpc_of
from archform.stdlib.kinds._apprunner_limits import _PRIVATE_ECR, INSTANCE_PAIRS
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, DurationRange, Enum, IntRange, Number, Port, Ref, Size, Str, Tags, dur,
                                   size)

RUNTIMES = ("python3", "python311", "nodejs12", "nodejs14", "nodejs16", "nodejs18", "corretto8", "corretto11",
            "go1", "dotnet6", "php81", "ruby31")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$")


def image_repository_type(image: str) -> str:
    """ECR_PUBLIC for the public gallery, else ECR (App Runner takes images from ECR only)."""
    return "ECR_PUBLIC" if image.startswith("public.ecr.aws/") else "ECR"


class HealthCheck(Block):
    """`health_check { protocol = http, path = "/health", interval = 5s }`: App Runner's
    check of each instance (TCP by default)."""

    protocol: Enum("tcp", "http", what="health check protocol") = "tcp"
    path: Str | None = None
    interval: DurationRange("1s", "20s", what="interval") = dur("5s")
    timeout: DurationRange("1s", "20s", what="timeout") = dur("2s")
    healthy_threshold: IntRange(1, 20, what="healthy_threshold") = 1
    unhealthy_threshold: IntRange(1, 20, what="unhealthy_threshold") = 5


class VpcConnector(Block):
    """`vpc_connector { subnets = [...], security_groups = [...] }`: outbound traffic into a VPC."""

    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)


class AppRunnerService(Kind):
    """An App Runner service (notes §15.5): a web app or API from a container `image` or a
    source `repository`, served at an HTTPS URL App Runner gives, on instances of a vCPU/memory
    pair it spreads over the region's AZs and scales between `min_size` and `max_size` by
    `max_concurrency` requests per instance. Outbound traffic goes to the internet, or through a
    `vpc_connector` into a VPC."""

    kind: Literal["apprunner_service"] = "apprunner_service"
    title: ClassVar[str] = "App Runner service"
    noun: ClassVar[str] = "App Runner service"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "url": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    image: Str | None = None
    repository: Str | None = None
    branch: Str = "main"
    connection: Str | None = None  # the App Runner connection (ARN) to the repository's provider
    runtime: Enum(*RUNTIMES, what="App Runner runtime") | None = None
    build_command: Str | None = None
    start_command: Str | None = None
    port: Port = 8080
    environment: dict[str, Str] = Field(default_factory=dict)
    access_role: Ref["iam_role"] | None = None
    instance_role: Ref["iam_role"] | None = None
    auto_deploy: Bool = False
    cpu: Number = 1
    memory: Size = size("2GB")
    min_size: IntRange(1, 25, what="min_size") = 1
    max_size: IntRange(1, 25, what="max_size") = 25
    max_concurrency: IntRange(1, 200, what="max_concurrency") = 100
    health_check: HealthCheck | None = None
    vpc_connector: VpcConnector | None = None
    public: Bool = True
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"an App Runner service name is 4–40 letters, digits, '-' and '_', beginning with a letter or "
                        f"digit, got '{self.name}'", ("name",))
        yield from self._source_issues(graph)
        yield from self._instance_issues()
        if isinstance(self.min_size, int) and isinstance(self.max_size, int) and self.min_size > self.max_size:
            yield Issue(f"min_size = {self.min_size} is greater than max_size = {self.max_size}", ("min_size",))
        hc = self.health_check
        if hc is not None and hc.path is not None and hc.protocol != "http":
            yield Issue("a health check path is for protocol = http", ("health_check", "path"),
                        help="protocol = http")
        yield from self._connector_issues(graph)
        if self.public is False:
            yield Issue("a private App Runner service is reached only through a VPC ingress connection and an "
                        "interface endpoint, which archform does not declare yet", ("public",), severity="warning",
                        help="declare them outside archform, or keep public = true")

    def _source_issues(self, graph: Graph) -> Iterable[Issue]:
        if (self.image is None) == (self.repository is None):
            yield Issue("an App Runner service runs an image or builds a repository: write exactly one",
                        ("repository",) if self.repository is not None else (),
                        help="image = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest\"")
            return
        if isinstance(self.image, str):
            if not (_PRIVATE_ECR.match(self.image) or self.image.startswith("public.ecr.aws/")):
                yield Issue(f"App Runner takes images from Amazon ECR (private or public) only, not '{self.image}'",
                            ("image",), help="push it to an ECR repository")
            elif _PRIVATE_ECR.match(self.image) and self.access_role is None:
                yield Issue("a private ECR image needs an access_role App Runner pulls it with", ("image",),
                            help="access_role = <iam_role assumed by build.apprunner>")
            elif self.image.startswith("public.ecr.aws/") and self.auto_deploy is True:
                yield Issue("App Runner deploys an ECR Public image once: automatic deployment is for private ECR "
                            "images and repositories", ("auto_deploy",), help="auto_deploy = false")
            for field in ("runtime", "build_command", "start_command", "connection"):
                if getattr(self, field) is not None:
                    yield Issue(f"{field} is for a repository source; an image brings its own", (field,))
        if self.repository is not None:
            if self.connection is None:
                yield Issue("a repository source needs the connection App Runner reads it through", ("repository",),
                            help="connection = \"arn:aws:apprunner:…:connection/github/…\"")
            if self.runtime is None:
                yield Issue("a repository source needs a runtime to build with", ("repository",),
                            help=f"runtime = {RUNTIMES[0]}")
        for field, service in (("access_role", "build.apprunner.amazonaws.com"),
                               ("instance_role", "tasks.apprunner.amazonaws.com")):
            role = deref(graph, getattr(self, field))
            if role is None:
                continue
            principals = [p for p in role.model.assumed_by if isinstance(p, str)]
            if principals and len(principals) == len(role.model.assumed_by) and service not in principals \
                    and "*" not in principals:
                yield Issue(f"role '{role.address}' cannot be assumed by {service}", (field,),
                            related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                            help=f"add {service.removesuffix('.amazonaws.com')} to the role's assumed_by")

    def _instance_issues(self) -> Iterable[Issue]:
        if not isinstance(self.cpu, (int, float)):
            return
        cpu = f"{self.cpu:g}"
        if cpu not in INSTANCE_PAIRS:
            yield Issue(f"an App Runner instance has {', '.join(INSTANCE_PAIRS)} vCPU, not {cpu}", ("cpu",))
            return
        if isinstance(self.memory, v.Size):
            gb = self.memory.bytes / 1e9 if self.memory.bytes % (1 << 20) else self.memory.bytes / (1 << 30)
            allowed = INSTANCE_PAIRS[cpu]
            if not any(abs(gb - m) < 1e-9 for m in allowed):
                yield Issue(f"an App Runner instance with {cpu} vCPU has "
                            f"{' or '.join(f'{m:g} GB' for m in allowed)} of memory, not {self.memory}", ("memory",))

    def _connector_issues(self, graph: Graph) -> Iterable[Issue]:
        c = self.vpc_connector
        if c is None:
            return
        if not c.subnets:
            yield Issue("a VPC connector needs at least one subnet", ("vpc_connector", "subnets"))
        vpcs = sorted({vpc_of(graph, deref(graph, s)) for s in c.subnets} - {None})
        if len(vpcs) > 1:
            yield Issue(f"a VPC connector's subnets are of one VPC; these are of {len(vpcs)}: {', '.join(vpcs)}",
                        ("vpc_connector", "subnets"))
        elif vpcs:
            yield from groups_outside(graph, c.security_groups, vpcs[0], "the connector's",
                                      ("vpc_connector", "security_groups"))
