"""Where the policies of a request come from in a resolved architecture: the principal's
identity policies (a role's, or a user's and its groups'), its permissions boundary, the target
resource's own policy (bucket, queue, topic and key policies), the organisation's SCPs, and the
request context the design implies (aws:SourceVpc and aws:SourceVpce when the principal runs in
a VPC with an endpoint for the target's service; the evaluator adds aws:PrincipalArn and
aws:RequestedRegion).

Resources have no ARN before they exist: each gets a stand-in ARN of AWS's shape with the
modeled cloud's account (123456789012) and its name (its `name` when written, else its
address), so `arn:aws:sqs:*:*:*` or `arn:aws:s3:::logs/*` match as they would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archform.stdlib.schema import Graph, View, deref

from .statements import Statement, Where, statements_of

ACCOUNT = "123456789012"  # the modeled cloud's account (providers/simulated/ids.py)

# kind: (service, resource part with {name}; "" region for global services)
_ARNS = {
    "s3_bucket": ("s3", "{name}"), "sqs_queue": ("sqs", "{name}"), "sns_topic": ("sns", "{name}"),
    "kms_key": ("kms", "key/{name}"), "kinesis_stream": ("kinesis", "stream/{name}"),
    "dynamodb_table": ("dynamodb", "table/{name}"), "lambda_function": ("lambda", "function:{name}"),
    "iam_role": ("iam", "role/{name}"), "iam_user": ("iam", "user/{name}"), "iam_group": ("iam", "group/{name}"),
    "iam_policy": ("iam", "policy/{name}"), "secret": ("secretsmanager", "secret:{name}"),
    "ssm_parameter": ("ssm", "parameter/{name}"), "instance": ("ec2", "instance/{name}"),
}
_NO_REGION = ("s3", "iam")
_NO_ACCOUNT = ("s3",)
RESOURCE_POLICY_KINDS = ("s3_bucket", "sqs_queue", "sns_topic", "kms_key")
# attributes through which a compute resource runs as a role (or an instance profile)
_ROLE_ATTRS = ("role", "iam_role", "task_role", "service_role", "execution_role")

# AWS managed policies whose documents are short and stable enough to hold here; any other
# managed policy is unknown, and an answer that depends on it says so.
_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_LOGS = {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}
MANAGED = {
    "AdministratorAccess": [_ALL],
    "PowerUserAccess": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                                       "iam:ListRoles", "organizations:DescribeOrganization",
                                                       "account:ListRegions", "account:GetAccountInformation"],
                         "Resource": "*"}],
    "AWSLambdaBasicExecutionRole": [_LOGS],
    "AWSLambdaSQSQueueExecutionRole": [_LOGS, {"Effect": "Allow", "Action": [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": "*"}],
    "AWSLambdaKinesisExecutionRole": [_LOGS, {"Effect": "Allow", "Action": [
        "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator",
        "kinesis:ListShards", "kinesis:ListStreams", "kinesis:SubscribeToShard"], "Resource": "*"}],
    "AWSLambdaDynamoDBExecutionRole": [_LOGS, {"Effect": "Allow", "Action": [
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
        "Resource": "*"}],
    "AmazonSQSFullAccess": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    "AmazonS3FullAccess": [{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}],
    "AmazonKinesisFullAccess": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}],
    "AmazonDynamoDBFullAccess": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
}


def arn_of(graph: Graph, address: str) -> str:
    """The stand-in ARN of a resource of the architecture."""
    view = graph.get(address)
    kind = view.kind if view is not None else ""
    service, part = _ARNS.get(kind, (kind.split("_", 1)[0] or "unknown", kind + "/{name}"))
    name = (view.get("name") or view.get("bucket")) if view is not None else None
    name = name if isinstance(name, str) else address.replace(".", "-")
    region = "" if service in _NO_REGION else (view.region if view is not None and view.region else "*")
    account = "" if service in _NO_ACCOUNT else ACCOUNT
    return f"arn:aws:{service}:{region}:{account}:{part.format(name=name)}"


def principal_of(graph: Graph, view: View) -> View | None:
    """The role or user a resource acts as: itself, or the role a function, instance, task or
    launch template runs with (through its instance profile)."""
    if view.kind in ("iam_role", "iam_user"):
        return view
    if view.kind == "instance_profile":
        return deref(graph, view.get("role"))
    for attr in _ROLE_ATTRS:
        target = deref(graph, view.get(attr))
        if target is not None and target.kind in ("iam_role", "instance_profile"):
            return principal_of(graph, target)
    launch = view.get("launch")  # an Auto Scaling group's inline launch settings, or its template
    if isinstance(launch, dict) or hasattr(launch, "iam_role"):
        role = deref(graph, launch.get("iam_role") if isinstance(launch, dict) else launch.iam_role)
        if role is not None:
            return principal_of(graph, role)
    template = deref(graph, view.get("launch_template"))
    return principal_of(graph, template) if template is not None and template is not view else None


@dataclass
class Identity:
    """A principal's identity policies, its boundary, and the policies nobody can read here."""

    statements: list[Statement] = field(default_factory=list)
    boundary: list[Statement] | None = None
    boundary_at: Where | None = None
    unknown: list[str] = field(default_factory=list)


def _attached(graph: Graph, holder: View, path_name: str = "policies") -> tuple[list[Statement], list[str]]:
    found, unknown = [], []
    what = f"{holder.kind} {holder.address}"
    for name, doc in sorted((holder.get("inline_policies") or {}).items()):
        found += statements_of(doc, Where(holder.address, ("inline_policies", name), f"inline policy {name} of {what}"))
    for i, p in enumerate(holder.get(path_name) or []):
        got, missing = _policy(graph, p, Where(holder.address, (path_name, i), f"policy attached to {what}"))
        found += got
        unknown += missing
    return found, unknown


def _policy(graph: Graph, ref, where: Where) -> tuple[list[Statement], list[str]]:
    policy = deref(graph, ref)
    if policy is not None:
        return statements_of(policy.get("document"), Where(policy.address, ("document",),
                                                            f"iam_policy {policy.address}")), []
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if ref.startswith("arn:aws:iam::aws:policy/") and name in MANAGED:
            doc = {"Version": "2012-10-17", "Statement": MANAGED[name]}
            found = statements_of(doc, Where(where.address, where.path, f"AWS managed policy {name}"))
            for st in found:  # its statements are not written anywhere: point at where it is attached
                st.where = Where(where.address, where.path, st.where.what)
            return found, []
        return [], [ref]
    return [], []


def identity_of(graph: Graph, principal: View) -> Identity:
    statements, unknown = _attached(graph, principal)
    if principal.kind == "iam_user":
        for group in graph.of_kind("iam_group"):
            if any(getattr(m, "address", None) == principal.address for m in group.get("members") or []):
                got, missing = _attached(graph, group)
                statements += got
                unknown += missing
    out = Identity(statements, unknown=unknown)
    boundary = principal.get("permissions_boundary")
    if boundary is not None:
        at = Where(principal.address, ("permissions_boundary",), f"permissions boundary of {principal.address}")
        out.boundary, missing = _policy(graph, boundary, at)
        out.boundary_at = at
        if missing:  # a boundary nobody can read here: the answer cannot be decided
            out.unknown += missing
    return out


def resource_policy(graph: Graph, view: View | None) -> tuple[list[Statement], bool]:
    """The target's own policy statements, and whether it has a policy at all."""
    if view is None or view.kind not in RESOURCE_POLICY_KINDS:
        return [], False
    doc = view.get("policy")
    if doc is None:
        return [], False
    return statements_of(doc, Where(view.address, ("policy",), f"{_NOUNS[view.kind]} of {view.address}")), True


_NOUNS = {"s3_bucket": "bucket policy", "sqs_queue": "queue policy", "sns_topic": "topic policy",
          "kms_key": "key policy"}


def scps(graph: Graph) -> dict[str, list[tuple[View, list[Statement]]]]:
    """The SCPs of the architecture by the root, OU or account they are attached to."""
    found: dict[str, list] = {}
    for view in sorted(graph.of_kind("scp"), key=lambda x: x.address):
        statements = statements_of(view.get("document"), Where(view.address, ("document",), f"scp {view.address}"))
        for target in view.get("targets") or []:
            found.setdefault(str(target), []).append((view, statements))
    return found


def context_of(graph: Graph, principal_view: View, target: View | None, extra: dict) -> dict:
    """The request context: HTTPS (every SDK uses it), the principal's account, the VPC and
    endpoint a principal in a VPC reaches the target's service through, and what was given."""
    ctx = {"aws:SecureTransport": "true", "aws:PrincipalAccount": ACCOUNT}
    vpc = _vpc_of(graph, principal_view)
    if vpc is not None and target is not None:
        service = _ARNS.get(target.kind, ("",))[0]
        for endpoint in sorted(graph.of_kind("vpc_endpoint"), key=lambda x: x.address):
            name = endpoint.get("service")
            if getattr(endpoint.get("vpc"), "address", None) == vpc and isinstance(name, str) \
                    and name.rsplit(".", 1)[-1] == service:
                ctx["aws:SourceVpc"] = f"{vpc}.id"
                ctx["aws:SourceVpce"] = f"{endpoint.address}.id"
                break
    ctx.update(extra)
    return ctx


def _vpc_of(graph: Graph, view: View) -> str | None:
    subnets = view.get("subnets") or ([view.get("subnet")] if view.get("subnet") is not None else [])
    for s in subnets:
        subnet = deref(graph, s)
        if subnet is not None and getattr(subnet.get("vpc"), "address", None):
            return subnet.get("vpc").address
    return None


def find(graph: Graph, text: str) -> View | None:
    """A resource by its address, written bare (`primary.jobs`) or after its kind
    (`sqs_queue.primary.jobs`)."""
    view = graph.get(text)
    if view is None and "." in text:
        kind, rest = text.split(".", 1)
        view = graph.get(rest)
        if view is not None and view.kind != kind:
            return None
    return view


def by_arn(graph: Graph, arn: str) -> View | None:
    """The resource whose stand-in ARN is `arn` (or, for an S3 object ARN, its bucket)."""
    for view in graph.all():
        mine = arn_of(graph, view.address)
        if arn == mine or (view.kind == "s3_bucket" and arn.startswith(mine + "/")):
            return view
    return None


def target_of(graph: Graph, text: str):
    """The Target RESOURCE names (an address or an ARN), or None when no resource has that address."""
    from .statements import Target
    if text.startswith("arn:"):
        view = by_arn(graph, text)
        return Target(view.address if view is not None else None, text)
    view = find(graph, text)
    return None if view is None else Target(view.address, arn_of(graph, view.address))
