"""Serverless: Lambda functions (notes §16.1) and the event source mappings that feed them from
SQS queues (notes §14.1, §16.1), Kinesis streams (§14.3) and DynamoDB streams (§16.2.3).

Defaults are AWS's (128 MiB, 3 s, 512 MiB of /tmp, x86_64), except that a function URL
requires IAM authentication unless `auth = none` is written.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from archform.dsl import values as v
from archform.stdlib.kinds.messaging import seconds_of
from archform.stdlib.kinds.network import az_of, elsewhere, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (Bool, DurationRange, Enum, IntRange, OneOf, Ref, SizeRange, Str, Tags, Validated,
                                   block_flag, dur, fail, size, validator_of)

# The runtimes AWS supports for new functions, as of December 2026 (AWS's runtime deprecation
# schedule: nodejs20.x, python3.9-3.11, java11/17, ruby3.2, provided.al2 and dotnet8 are deprecated)
RUNTIMES = ("python3.12", "python3.13", "python3.14", "nodejs22.x", "nodejs24.x", "java21", "java25",
            "dotnet10", "ruby3.3", "ruby3.4", "provided.al2023")
DEPRECATED = ("python3.9", "python3.10", "python3.11", "nodejs18.x", "nodejs20.x", "java8.al2", "java11", "java17",
              "dotnet8", "ruby3.2", "provided.al2")

ENV_LIMIT = 4096  # bytes of environment variables, keys and values (notes §16.1.2)
ACCOUNT_CONCURRENCY = 1000  # concurrent executions per region (notes §16.1.3)
UNRESERVED_MIN = 100  # AWS keeps this many executions unreserved


def _runtime(x):
    text = x.text if isinstance(x, v.Word) else x
    if isinstance(text, str) and text in DEPRECATED:
        raise fail(f"runtime {text} is deprecated: Lambda no longer creates functions with it",
                   f"use a current runtime: {', '.join(r for r in RUNTIMES if r[:3] == text[:3])}")
    return validator_of(Enum(*RUNTIMES, what="Lambda runtime"))(x)


Runtime = Validated(_runtime, word=True)


class Code(Block):
    """`code { file = "build/worker.zip" }` or `code { bucket = artifacts, key = "worker.zip" }`:
    a deployment package on disk (CloudFormation needs it uploaded: `aws cloudformation
    package`) or an object in S3."""

    file: Str | None = None
    bucket: OneOf(Ref["s3_bucket"], Str, what="an s3_bucket or a bucket name") | None = None
    key: Str | None = None
    version: Str | None = None


class FunctionUrl(Block):
    """`url { auth = aws_iam }`: an HTTPS endpoint of its own. `auth = none` makes it public."""

    auth: Enum("aws_iam", "none", what="function URL auth type") = "aws_iam"
    invoke_mode: Enum("buffered", "response_stream", what="invoke mode") = "buffered"


class Alias(Block):
    """`alias live { provisioned_concurrency = 5 }`: a name callers use for the version each
    deployment publishes (notes §16.1), so that traffic moves to new code by moving the alias."""

    name: Str
    description: Str | None = None
    provisioned_concurrency: IntRange(1, ACCOUNT_CONCURRENCY, what="provisioned_concurrency") | None = None


LAYER_LIMIT = 5  # layers per function (AWS's Lambda quotas)
_LAYER = re.compile(r"arn:aws[a-z-]*:lambda:([a-z0-9-]+):[0-9]{12}:layer:[A-Za-z0-9_-]{1,140}:[0-9]+")
_ALIAS = re.compile(r"(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}")


class LambdaFunction(Kind):
    """A Lambda function (notes §16.1): a runtime and handler, code from a file or S3, 128 MiB
    to 10 GiB of memory (128 MiB by default), a timeout of up to 15 min (3 s by default), 512
    MiB to 10 GiB of /tmp, up to 4 KB of environment, an execution role, optionally subnets and
    security groups of a VPC (an ENI in each subnet), reserved and provisioned concurrency, a
    dead-letter target for failed asynchronous invocations, a function URL (`url { ... }`,
    whose address is exported as `function_url`), up to 5 `layers` (layer version ARNs of its
    region) and aliases (`alias live { provisioned_concurrency = 5 }`) on the version each
    deployment publishes."""

    kind: Literal["lambda_function"] = "lambda_function"
    title: ClassVar[str] = "Lambda function"
    family: ClassVar[str] = "serverless"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string",
                                         "function_url": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    runtime: Runtime
    handler: Str | None = None
    code: Code
    role: Ref["iam_role"]
    architecture: Enum("x86_64", "arm64", what="architecture") = "x86_64"
    memory: SizeRange("128MiB", "10240MiB", what="memory") = size("128MiB")
    timeout: DurationRange("1s", "15m", what="timeout") = dur("3s")
    ephemeral_storage: SizeRange("512MiB", "10240MiB", what="ephemeral_storage") = size("512MiB")
    environment: dict[str, Str] = Field(default_factory=dict)
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    reserved_concurrency: IntRange(0, ACCOUNT_CONCURRENCY - UNRESERVED_MIN, what="reserved_concurrency") | None = None
    provisioned_concurrency: IntRange(1, ACCOUNT_CONCURRENCY, what="provisioned_concurrency") | None = None
    dead_letter: Ref["sqs_queue", "sns_topic"] | None = None
    url: FunctionUrl | None = None
    layers: list[Str] = Field(default_factory=list)
    alias: list[Alias] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    @field_validator("url", mode="before")
    @classmethod
    def _url_flag(cls, x):
        """`url = true` means a URL with the default settings (IAM auth)."""
        return block_flag(x)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and len(self.name) > 64:
            yield Issue(f"a function name has at most 64 characters, got {len(self.name)}", ("name",))
        if isinstance(self.runtime, str) and not self.runtime.startswith("provided") and self.handler is None:
            yield Issue(f"a {self.runtime} function needs a handler", ("handler",),
                        help="e.g. handler = \"app.handler\" (module.function)")
        yield from self._code_issues()
        yield from self._memory_issues()
        env = sum(len(k) + len(x) for k, x in self.environment.items() if isinstance(x, str))
        if env > ENV_LIMIT:
            yield Issue(f"a function's environment holds at most 4 KB, got {env} bytes", ("environment",),
                        help="keep large settings in SSM Parameter Store or Secrets Manager (notes §16.1.2)")
        yield from self._role_issues(graph)
        yield from self._vpc_issues(me, graph)
        role = deref(graph, self.role)
        if self.subnets and role is not None and role_grants(role.model, graph, "ec2:CreateNetworkInterface") is False:
            yield Issue(f"role '{role.address}' may not create network interfaces: Lambda refuses a function in a "
                        "VPC whose role lacks ec2:CreateNetworkInterface, DescribeNetworkInterfaces and "
                        "DeleteNetworkInterface", ("role",),
                        related=(Related(role.address, ("policies",), "the function's role"),),
                        help="attach \"service-role/AWSLambdaVPCAccessExecutionRole\" to the role")
        reserved, provisioned = self.reserved_concurrency, self.provisioned_concurrency
        if isinstance(reserved, int) and isinstance(provisioned, int) and provisioned > reserved:
            yield Issue(f"provisioned_concurrency = {provisioned} is more than reserved_concurrency = {reserved}",
                        ("provisioned_concurrency",))
        if reserved == 0:
            yield Issue("reserved_concurrency = 0 throttles every invocation of this function", ("reserved_concurrency",),
                        severity="warning")
        yield from self._layer_issues(me)
        yield from self._alias_issues()
        if self.url is not None and self.url.auth == "none":
            yield Issue("auth = none lets anyone on the internet invoke this function", ("url", "auth"),
                        severity="warning", help="keep auth = aws_iam unless the function checks callers itself")

    def _layer_issues(self, me: View) -> Iterable[Issue]:
        if len(self.layers) > LAYER_LIMIT:
            yield Issue(f"a function has at most {LAYER_LIMIT} layers, got {len(self.layers)}", ("layers",))
        for i, arn in enumerate(self.layers):
            if not isinstance(arn, str):
                continue
            m = _LAYER.fullmatch(arn)
            if m is None:
                yield Issue(f"'{arn}' is not a layer version ARN", ("layers", i),
                            help="arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION")
            elif me.region and m.group(1) != me.region:
                yield Issue(f"a layer must be in the function's region {me.region}, this one is in {m.group(1)}",
                            ("layers", i), help="publish the layer in each region that uses it")
        if len(set(self.layers)) != len(self.layers):
            yield Issue("a layer is listed twice", ("layers",))

    def _alias_issues(self) -> Iterable[Issue]:
        names: set = set()
        for i, alias in enumerate(self.alias):
            path = ("alias", i)
            if isinstance(alias.name, str) and not _ALIAS.fullmatch(alias.name):
                yield Issue(f"'{alias.name}' is not an alias name: letters, digits, - and _, not only digits "
                            "(a version number)", (*path, "name"))
            if alias.name in names:
                yield Issue(f"two aliases are called '{alias.name}'", path)
            names.add(alias.name)
            if alias.provisioned_concurrency is not None and self.provisioned_concurrency is not None:
                yield Issue("provisioned concurrency is on the function's version and on alias "
                            f"'{alias.name}': set it on the alias alone", (*path, "provisioned_concurrency"))
            reserved = self.reserved_concurrency
            if isinstance(reserved, int) and isinstance(alias.provisioned_concurrency, int) \
                    and alias.provisioned_concurrency > reserved:
                yield Issue(f"alias '{alias.name}' provisions {alias.provisioned_concurrency} executions, more than "
                            f"reserved_concurrency = {reserved}", (*path, "provisioned_concurrency"))

    def _code_issues(self) -> Iterable[Issue]:
        has_file, has_s3 = self.code.file is not None, self.code.bucket is not None or self.code.key is not None
        if has_file == has_s3:
            yield Issue("a function's code comes from a file or from S3: write code { file = \"…\" } or "
                        "code { bucket = …, key = \"…\" }", ("code",))
        elif has_s3 and (self.code.bucket is None or self.code.key is None):
            yield Issue("code from S3 needs both bucket and key", ("code",))
        if self.code.version is not None and not has_s3:
            yield Issue("code.version is an S3 object version", ("code", "version"))

    def _memory_issues(self) -> Iterable[Issue]:
        if isinstance(self.memory, v.Size) and self.memory.bytes % (1 << 20):
            yield Issue(f"memory is set in whole MiB, got {self.memory}", ("memory",))
        if isinstance(self.ephemeral_storage, v.Size) and self.ephemeral_storage.bytes % (1 << 20):
            yield Issue(f"ephemeral_storage is set in whole MiB, got {self.ephemeral_storage}", ("ephemeral_storage",))

    def _role_issues(self, graph: Graph) -> Iterable[Issue]:
        role = deref(graph, self.role)
        if role is None:
            return
        principals = [p for p in role.model.assumed_by if isinstance(p, str)]
        if principals and len(principals) == len(role.model.assumed_by) and "lambda.amazonaws.com" not in principals \
                and "*" not in principals:
            yield Issue(f"role '{role.address}' cannot be assumed by Lambda", ("role",),
                        related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                        help="add lambda to the role's assumed_by")

    def _vpc_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if bool(self.subnets) != bool(self.security_groups):
            yield Issue("a function in a VPC needs both subnets and security_groups",
                        ("subnets",) if not self.subnets else ("security_groups",))
        vpcs: dict[str, str] = {}
        for i, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is None or elsewhere(me, subnet):
                continue
            vpc = vpc_of(graph, subnet)
            if vpc and vpcs and vpc not in vpcs:
                yield Issue(f"the subnets of a function must share one VPC: '{subnet.address}' is in '{vpc}'",
                            ("subnets", i))
            vpcs.setdefault(vpc, subnet.address)
        for i, ref in enumerate(self.security_groups):
            group = deref(graph, ref)
            theirs = group.get("vpc") if group is not None else None
            if isinstance(theirs, v.ResourceRef) and vpcs and theirs.address not in vpcs:
                yield Issue(f"security group '{group.address}' is in VPC '{theirs.address}', not in the VPC of this "
                            "function's subnets", ("security_groups", i))
        zones = {az_of(graph, deref(graph, r)) for r in self.subnets}
        if len(zones) == 1 and None not in zones:
            yield Issue(f"all subnets of this function are in {next(iter(zones))}: it stops when that AZ is lost",
                        ("subnets",), severity="warning", help="add subnets in at least two Availability Zones")


# AWS managed policies that allow an action (by its service prefix) a function's role needs
_MANAGED_GRANTS = {
    "sqs": ("AWSLambdaSQSQueueExecutionRole", "AmazonSQSFullAccess", "AdministratorAccess", "PowerUserAccess"),
    "ec2": ("service-role/AWSLambdaVPCAccessExecutionRole", "service-role/AWSLambdaENIManagementAccess",
            "AmazonEC2FullAccess", "AdministratorAccess", "PowerUserAccess"),
    "kinesis": ("service-role/AWSLambdaKinesisExecutionRole", "AmazonKinesisFullAccess", "AmazonKinesisReadOnlyAccess",
                "AdministratorAccess", "PowerUserAccess"),
    "dynamodb": ("service-role/AWSLambdaDynamoDBExecutionRole", "AmazonDynamoDBFullAccess",
                 "AmazonDynamoDBReadOnlyAccess", "AdministratorAccess", "PowerUserAccess"),
    "s3": ("AmazonS3FullAccess", "AdministratorAccess", "PowerUserAccess"),
    "lambda": ("service-role/AWSLambdaRole", "AWSLambda_FullAccess", "AdministratorAccess", "PowerUserAccess"),
}


def _allows(doc, action: str) -> bool:
    import fnmatch
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        actions = st.get("Action")
        for a in actions if isinstance(actions, list) else [actions]:
            text = a.text if isinstance(a, v.Word) else a
            if isinstance(text, str) and fnmatch.fnmatch(action.lower(), text.lower()):
                return True
    return False


def role_grants(role, graph: Graph, action: str) -> bool | None:
    """Whether an IAM role's policies allow `action`: True, False, or None when a managed
    policy archform cannot read (a customer policy outside the configuration) decides it."""
    unknown = False
    for doc in role.inline_policies.values():
        if _allows(doc, action):
            return True
    for p in role.policies:
        policy = deref(graph, p)
        if policy is not None:
            if _allows(policy.model.document, action):
                return True
        elif isinstance(p, str) and p.startswith("arn:aws:iam::aws:policy/"):
            names = _MANAGED_GRANTS.get(action.split(":", 1)[0], ())
            if p.rsplit("/", 1)[-1] in {n.rsplit("/", 1)[-1] for n in names}:
                return True
        else:
            unknown = True
    return None if unknown else False


STREAM_SOURCES = ("kinesis_stream", "dynamodb_table")
# what the function's role must allow to read each source, and the managed policy that does
_READS = {
    "sqs_queue": ("sqs:ReceiveMessage", "the queue", "sqs:ReceiveMessage, sqs:DeleteMessage and "
                  "sqs:GetQueueAttributes", "service-role/AWSLambdaSQSQueueExecutionRole"),
    "kinesis_stream": ("kinesis:GetRecords", "the stream", "kinesis:GetRecords, GetShardIterator, DescribeStream "
                       "and ListShards", "service-role/AWSLambdaKinesisExecutionRole"),
    "dynamodb_table": ("dynamodb:GetRecords", "the table's stream", "dynamodb:GetRecords, GetShardIterator, "
                       "DescribeStream and ListStreams", "service-role/AWSLambdaDynamoDBExecutionRole"),
}
_SENDS = {"sqs_queue": "sqs:SendMessage", "sns_topic": "sns:Publish", "s3_bucket": "s3:PutObject"}
_STREAM_ONLY = ("starting_position", "starting_timestamp", "parallelization_factor", "bisect_on_error",
                "max_retry_attempts", "max_record_age", "on_failure")


class LambdaEventSource(Kind):
    """An event source mapping: Lambda polls a source and invokes the function with batches.

    From an SQS queue: up to 10,000 messages a batch from a standard queue (more than 10 needs
    a batching window), up to 10 from a FIFO queue (notes §14.1, §16.1); the queue's visibility
    timeout should be at least six times the function's timeout, so a retried batch is not
    received twice; failed messages go to the queue's own dead-letter queue.

    From a Kinesis stream or a DynamoDB table's stream (`stream` set on the table): a
    `starting_position` is required (trim_horizon, latest, or at_timestamp with
    `starting_timestamp`, Kinesis only); batches of 1 to 10,000 records (100 by default), a
    batching window up to 300 s, `parallelization_factor` (1–10 batches per shard at once),
    `bisect_on_error`, `max_retry_attempts` (-1 for until the record expires, up to 10,000),
    `max_record_age` and an `on_failure` destination (an SQS queue, SNS topic or S3 bucket)
    that receives what the function could not process. The function's role must allow reading
    the source (the AWS managed policy AWSLambdaKinesisExecutionRole or
    AWSLambdaDynamoDBExecutionRole does). From a Kinesis stream, `fan_out = true` reads through
    an enhanced fan-out consumer of its own: 2 MB/s per shard pushed to it, not a share of the
    shards' 2 MB/s (notes §14.3); a stream registers at most 20 such consumers."""

    kind: Literal["lambda_event_source"] = "lambda_event_source"
    title: ClassVar[str] = "Lambda event source mapping"
    noun: ClassVar[str] = "event source mapping"
    family: ClassVar[str] = "serverless"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"source", "starting_position", "starting_timestamp"})

    source: Ref["sqs_queue", "kinesis_stream", "dynamodb_table"]
    function: Ref["lambda_function"]
    batch_size: IntRange(1, 10000, what="batch_size") = 10
    batching_window: DurationRange("0s", "300s", what="batching_window") = dur("0s")
    enabled: Bool = True
    max_concurrency: IntRange(2, 1000, what="max_concurrency") | None = None
    report_batch_item_failures: Bool = False
    starting_position: Enum("trim_horizon", "latest", "at_timestamp", what="starting position") | None = None
    starting_timestamp: Str | None = None
    parallelization_factor: IntRange(1, 10, what="parallelization_factor") | None = None
    bisect_on_error: Bool | None = None
    max_retry_attempts: IntRange(-1, 10000, what="max_retry_attempts") | None = None
    max_record_age: DurationRange("60s", "7d", what="max_record_age") | None = None
    on_failure: Ref["sqs_queue", "sns_topic", "s3_bucket"] | None = None
    # Kinesis enhanced fan-out: a stream consumer of its own, with 2 MB/s per shard pushed to it
    # rather than a share of the shards' 2 MB/s and 5 reads a second (notes §14.3)
    fan_out: Bool | None = None  # None: a standard reader (written as nothing, so older states plan no change)

    @model_validator(mode="before")
    @classmethod
    def _stream_batch(cls, data):
        """Lambda's default batch is 10 messages from a queue and 100 records from a stream."""
        if isinstance(data, dict) and "batch_size" not in data \
                and getattr(data.get("source"), "kind", None) in STREAM_SOURCES:
            return {**data, "batch_size": 100}
        return data

    def source_kind(self) -> str | None:
        return getattr(self.source, "kind", None)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        kind = self.source_kind()
        if kind in STREAM_SOURCES:
            yield from self._stream_issues(me, graph)
        elif kind == "sqs_queue":
            yield from self._queue_issues(graph)
            if self.fan_out is True:
                yield Issue("enhanced fan-out is for a mapping from a Kinesis stream", ("fan_out",))
        source, function = deref(graph, self.source), deref(graph, self.function)
        if source is None or function is None:
            return
        if source.kind == "sqs_queue":
            yield from self._timeout_issues(source, function)
        role = deref(graph, function.model.role)
        action, what, actions, managed = _READS[source.kind]
        if role is not None and role_grants(role.model, graph, action) is False:
            yield Issue(f"the role of function '{function.address}' may not read {what}: Lambda refuses the "
                        f"mapping without {actions}", ("function",),
                        related=(Related(role.address, ("policies",), "the function's role"),),
                        help=f"attach \"{managed}\" to the role, or allow those actions on {what} in an inline "
                             "policy")

    def _queue_issues(self, graph: Graph) -> Iterable[Issue]:
        for attr in _STREAM_ONLY:
            if getattr(self, attr) is not None:
                yield Issue(f"{attr} is for Kinesis and DynamoDB stream sources, not an SQS queue", (attr,),
                            help="a queue sends what fails to its own dead-letter queue (redrive)"
                            if attr == "on_failure" else "")
        queue = deref(graph, self.source)
        fifo = queue.model.fifo if queue is not None else None
        if fifo is True:
            if isinstance(self.batch_size, int) and self.batch_size > 10:
                yield Issue(f"a FIFO queue delivers batches of 1 to 10 messages, got batch_size = {self.batch_size}",
                            ("batch_size",), related=(Related(queue.address, ("fifo",), "a FIFO queue"),))
            if seconds_of(self.batching_window):
                yield Issue("a batching window is not supported for FIFO queues", ("batching_window",))
        elif isinstance(self.batch_size, int) and self.batch_size > 10 and not seconds_of(self.batching_window):
            yield Issue(f"batch_size = {self.batch_size} (more than 10) needs a batching window of at least 1s",
                        ("batching_window",), help="e.g. batching_window = 5s")

    def _stream_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        kind = self.source_kind()
        if self.fan_out is True and kind != "kinesis_stream":
            yield Issue("enhanced fan-out is a Kinesis stream's: a DynamoDB stream's readers share it",
                        ("fan_out",))
        if self.starting_position is None:
            yield Issue("a mapping from a stream needs starting_position: trim_horizon (the oldest record kept), "
                        "latest (records from now on) or at_timestamp", ("starting_position",),
                        help="e.g. starting_position = trim_horizon")
        if self.starting_position == "at_timestamp":
            if kind == "dynamodb_table":
                yield Issue("a DynamoDB stream starts at trim_horizon or latest, not at_timestamp",
                            ("starting_position",))
            elif self.starting_timestamp is None:
                yield Issue("starting_position = at_timestamp needs starting_timestamp (e.g. \"2026-01-01T00:00:00Z\")",
                            ("starting_timestamp",))
        if self.starting_timestamp is not None and self.starting_position != "at_timestamp":
            yield Issue("starting_timestamp is for starting_position = at_timestamp", ("starting_timestamp",))
        if isinstance(self.starting_timestamp, str) and not _is_time(self.starting_timestamp):
            yield Issue(f"starting_timestamp is a time in ISO 8601, got '{self.starting_timestamp}'",
                        ("starting_timestamp",), help="e.g. starting_timestamp = \"2026-01-01T00:00:00Z\"")
        if kind == "dynamodb_table":
            table = deref(graph, self.source)
            if table is not None and table.model.stream is None:
                yield Issue(f"table '{table.address}' has no stream for Lambda to read", ("source",),
                            related=(Related(table.address, ("stream",), "the table"),),
                            help="set stream = new_and_old_images (or keys_only, new_image, old_image) on the table")
        target = deref(graph, self.on_failure)
        if target is not None and target.kind == "sqs_queue" and target.model.fifo is True:
            yield Issue(f"an on-failure destination is a standard queue; '{target.address}' is FIFO", ("on_failure",))
        function = deref(graph, self.function)
        role = deref(graph, function.model.role) if target is not None and function is not None else None
        action = _SENDS.get(target.kind) if target is not None else None
        if role is not None and action and role_grants(role.model, graph, action) is False:
            yield Issue(f"the role of function '{function.address}' may not send to '{target.address}' ({action}): "
                        "Lambda cannot record the batches it gives up on", ("on_failure",), severity="warning",
                        related=(Related(role.address, ("policies",), "the function's role"),),
                        help=f"allow {action} on it in an inline policy of the role")

    def _timeout_issues(self, queue: View, function: View) -> Iterable[Issue]:
        visibility = seconds_of(queue.model.visibility_timeout)
        timeout = seconds_of(function.model.timeout)
        if visibility is None or timeout is None:
            return
        related = (Related(queue.address, ("visibility_timeout",), "the queue's visibility timeout"),
                   Related(function.address, ("timeout",), "the function's timeout"))
        if visibility < timeout:
            yield Issue(f"the queue's visibility timeout ({queue.model.visibility_timeout}) is less than the "
                        f"function's timeout ({function.model.timeout}): Lambda refuses the mapping", ("source",),
                        related=related)
        elif visibility < 6 * timeout:
            yield Issue(f"the queue's visibility timeout ({queue.model.visibility_timeout}) is less than six times "
                        f"the function's timeout ({function.model.timeout}): a batch retried after throttling can "
                        "become visible again while it is still processed", ("source",), severity="warning",
                        related=related, help=f"set the queue's visibility_timeout to at least {int(6 * timeout)}s")


def _is_time(text: str) -> bool:
    from datetime import datetime
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text
