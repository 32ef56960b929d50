"""Lambda functions (named per region; in a VPC, a Hyperplane ENI in each subnet) and event
source mappings (known by a UUID) that poll SQS queues, Kinesis streams and DynamoDB streams
for them."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, require
from .common import check_groups_in_vpc, subnets_vpc, sync_subnet_nodes
from .messaging import seconds

UNRESERVED_MIN = 100


def role_allows(op: Op, role: Record | None, action: str) -> bool:
    """Whether a role's inline and attached policies allow `action` (an attached policy the
    cloud does not hold, neither AWS-managed nor made here, is taken to allow it)."""
    from archform.stdlib.kinds.serverless import _MANAGED_GRANTS, _allows
    if role is None:
        return True
    if any(_allows(doc, action) for doc in (role.attrs.get("inline_policies") or {}).values()):
        return True
    names = {n.rsplit("/", 1)[-1] for n in _MANAGED_GRANTS.get(action.split(":", 1)[0], ())}
    for arn in role.attrs.get("policies") or []:
        policy = op.get(arn)
        if policy is not None:
            if _allows(policy.attrs.get("document"), action):
                return True
        elif not str(arn).startswith("arn:aws:iam::aws:policy/") or str(arn).rsplit("/", 1)[-1] in names:
            return True
    return False


def _concurrency_limit(op: Op) -> int:
    return int(op.limits["lambda_concurrency"])


class LambdaFunction(Named):
    service = "lambda"
    name_max = 64
    name_taken_code = "ResourceConflictException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Function already exist: {name}"

    def arn(self, rec: Record) -> str:
        return ids.arn("lambda", rec.region, f"function:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        subnets, groups = at.get("subnets") or [], at.get("security_groups") or []
        if subnets or groups:
            require(bool(subnets) and bool(groups), "A function in a VPC needs at least one subnet and one "
                    "security group (VpcConfig)", "InvalidParameterValueException")
            vpc = subnets_vpc(op, subnets, "function", code="InvalidParameterValueException")
            check_groups_in_vpc(op, groups, vpc, "the function's subnets", code="InvalidParameterValueException")
            require(role_allows(op, op.get(at.get("role")), "ec2:CreateNetworkInterface"),
                    "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
                    "InvalidParameterValueException")
        role = op.get(at.get("role"))
        if role is not None:
            principals = role.attrs.get("assumed_by") or []
            require(any(p in ("lambda.amazonaws.com", "*") or not isinstance(p, str) or p.startswith("arn:")
                        for p in principals) or not principals,
                    "The role defined for the function cannot be assumed by Lambda.",
                    "InvalidParameterValueException")
        reserved = at.get("reserved_concurrency")
        provisioned = at.get("provisioned_concurrency")
        if reserved is not None:
            others = sum(r.attrs.get("reserved_concurrency") or 0
                         for r in op.tx.query("kind = 'lambda_function' AND region = ? AND owner IS NULL",
                                              (rec.region,))
                         if r.id != rec.id)
            limit = _concurrency_limit(op)
            if limit - others - reserved < UNRESERVED_MIN:
                raise InvalidParameter("Specified ReservedConcurrentExecutions for function decreases account's "
                                       f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MIN}] "
                                       f"({others} reserved by other functions of {rec.region}, limit {limit}).",
                                       code="InvalidParameterValueException")
        if provisioned is not None and reserved is not None and provisioned > reserved:
            raise InvalidParameter(f"Requested Provisioned Concurrency ({provisioned}) should not be greater than the "
                                   f"reservedConcurrentExecution ({reserved}) for function",
                                   code="InvalidParameterValueException")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, rec)

    def update(self, op: Op, rec: Record, old: Record):
        """A Hyperplane ENI in each subnet of its VPC configuration (none outside a VPC)."""
        sync_subnet_nodes(op, rec, "lambda_eni", "vpc_eni", rec.attrs.get("subnets") or [])

    def outputs(self, op: Op, rec: Record) -> dict:
        url = None
        if rec.attrs.get("url"):
            url = f"https://{ids.base36(op.seed, rec.seq, 32, 'url')}.lambda-url.{rec.region}.on.aws/"
        enis = op.tx.owned(rec.id, "lambda_eni")
        aliases = sorted(a.get("name") for a in rec.attrs.get("alias") or [])
        published = bool(aliases) or rec.attrs.get("provisioned_concurrency") is not None
        function_arn = ids.arn("lambda", rec.region, f"function:{rec.name}")
        return {"name": rec.name, "function_url": url, "state": "Active", "version": "1" if published else "$LATEST",
                "aliases": {name: f"{function_arn}:{name}" for name in aliases},
                "vpc_enis": [{"id": e.id, "az": e.az, "subnet": e.subnet, "ip": e.attrs.get("private_ip")}
                             for e in enis]}

    def check_delete(self, op: Op, rec: Record):
        pass  # AWS deletes a function its mappings name; they fail until it returns


class LambdaEventSource(Behaviour):
    service = "lambda"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.uuid(op.seed, n, "esm")

    def arn(self, rec: Record) -> str:
        return ids.arn("lambda", rec.region, f"event-source-mapping:{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        source, function = op.the(at["source"]), op.the(at["function"])
        if source.kind == "sqs_queue":
            self._validate_queue(op, at, source, function)
        else:
            self._validate_stream(op, at, source, function)
        arn = source_arn(source)
        for other in op.tx.query("kind = 'lambda_event_source' AND owner IS NULL"):
            if other.id != rec.id and other.attrs.get("source") == source.id \
                    and other.attrs.get("function") == function.id:
                raise InvalidParameter(f"An event source mapping with {_SERVICE[source.kind]} arn \"{arn}\" and function "
                                       f"\"{function.name}\" already exists. Please update or delete the existing "
                                       f"mapping with UUID {other.id}", code="ResourceConflictException")

    def _validate_queue(self, op: Op, at: dict, queue: Record, function: Record):
        batch = at.get("batch_size") or 10
        window = seconds(at.get("batching_window"))
        if queue.attrs.get("fifo"):
            require(batch <= 10, f"Batch size {batch} is not valid for a FIFO queue: it must be between 1 and 10",
                    "InvalidParameterValueException")
            require(not window, "Batching window is not supported for FIFO queues", "InvalidParameterValueException")
        else:
            require(batch <= 10 or window > 0, "Maximum batch window in seconds must be greater than 0 if maximum "
                    "batch size is greater than 10", "InvalidParameterValueException")
        require(not any(at.get(a) is not None for a in ("starting_position", "parallelization_factor",
                                                         "bisect_on_error", "max_retry_attempts",
                                                         "max_record_age", "on_failure")),
                "Unsupported MaximumRetryAttempts, StartingPosition, ParallelizationFactor, BisectBatchOnFunctionError "
                "or DestinationConfig for an SQS event source", "InvalidParameterValueException")
        require(role_allows(op, op.get(function.attrs.get("role")), "sqs:ReceiveMessage"),
                "The provided execution role does not have permissions to call ReceiveMessage on SQS",
                "InvalidParameterValueException")
        visibility = seconds(queue.attrs.get("visibility_timeout"), 30)
        timeout = seconds(function.attrs.get("timeout"), 3)
        if visibility < timeout:
            raise InvalidParameter(f"Invalid request provided: Queue visibility timeout: {visibility:g} seconds is less "
                                   f"than Function timeout: {timeout:g} seconds", code="InvalidParameterValueException")

    def _validate_stream(self, op: Op, at: dict, source: Record, function: Record):
        arn = source_arn(source)
        require(arn is not None, f"Stream not found: table {source.name} has no stream enabled",
                "InvalidParameterValueException")
        position = at.get("starting_position")
        require(position is not None, "1 validation error detected: StartingPosition must be specified for a Kinesis "
                "or DynamoDB stream event source", "InvalidParameterValueException")
        require(position != "at_timestamp" or source.kind == "kinesis_stream",
                "Unsupported starting position AT_TIMESTAMP for a DynamoDB stream", "InvalidParameterValueException")
        require(position != "at_timestamp" or at.get("starting_timestamp") is not None,
                "StartingPositionTimestamp must be provided for AT_TIMESTAMP", "InvalidParameterValueException")
        action = "kinesis:GetRecords" if source.kind == "kinesis_stream" else "dynamodb:GetRecords"
        require(role_allows(op, op.get(function.attrs.get("role")), action),
                f"Cannot access stream {arn}. Please ensure the role can perform the GetRecords, GetShardIterator, "
                "DescribeStream, and ListStreams Actions on your stream in IAM.", "InvalidParameterValueException")
        target = op.get(at.get("on_failure"))
        require(target is None or target.kind != "sqs_queue" or not target.attrs.get("fifo"),
                "FIFO SQS queues are not supported as an on-failure destination", "InvalidParameterValueException")

    def outputs(self, op: Op, rec: Record) -> dict:
        source, function = op.get(rec.attrs.get("source")), op.get(rec.attrs.get("function"))
        position = rec.attrs.get("starting_position")
        out = {"uuid": rec.id, "state": "Enabled" if rec.attrs.get("enabled", True) else "Disabled",
               "event_source_arn": source_arn(source) if source else None,
               "function_arn": ids.arn("lambda", function.region, f"function:{function.name}") if function else None}
        if isinstance(position, str):
            out["starting_position"] = position.upper()
        return out


_SERVICE = {"sqs_queue": "SQS", "kinesis_stream": "Kinesis", "dynamodb_table": "DynamoDB stream"}


def source_arn(source: Record) -> str | None:
    """The ARN a mapping names its source by: a queue's, a stream's, a table's stream's."""
    if source.kind == "sqs_queue":
        return ids.arn("sqs", source.region, source.name)
    if source.kind == "kinesis_stream":
        return ids.arn("kinesis", source.region, f"stream/{source.name}")
    return (source.outputs or {}).get("stream_arn")


BEHAVIOURS = {"lambda_function": LambdaFunction(), "lambda_event_source": LambdaEventSource()}
