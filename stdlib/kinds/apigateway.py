"""API Gateway (notes §16.3): REST, HTTP and WebSocket APIs with their routes, integrations,
authorizers, stage, usage plan and custom domain.

One `api_gateway` is one API and its stage:

    api_gateway orders_api {
      protocol = http                      # http (default), rest or websocket
      route "GET /orders/{id}" {
        target = get_order                 # a Lambda proxy integration
        auth   = jwt                       # none, iam (the default), jwt, cognito or lambda
        authorizer = users
      }
      route "ANY /legacy/{proxy+}" { url = "https://legacy.example.com/{proxy}" }
      authorizer users { type = jwt, issuer = "https://…", audience = ["…"] }
      stage { name = "prod", throttle_rate = 500, throttle_burst = 200 }
      domain      = "api.example.com"
      certificate = api_cert
    }

Routes are `"METHOD /path"` for REST and HTTP APIs (`ANY` and `{param}` / `{proxy+}` path
parts allowed; HTTP APIs also take `$default`), and `$connect`, `$disconnect`, `$default` or an
action name for WebSocket APIs. A route forwards to a Lambda function (`target`) or an HTTP
endpoint (`url`) and must answer within the integration timeout: 29 s for REST and WebSocket
APIs, 30 s for HTTP APIs (50 ms at least).

Safe by default: a route requires IAM authorization unless it says `auth = none` (AWS's API
default is no authorization at all); the stage's throttling defaults to the account's region
limits (10,000 requests per second, bursts of 5,000), which a stage may only lower; a custom
domain takes TLS 1.2.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds.serverless import role_grants
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, DurationRange, Enum, IntRange, Ref, Str, Tags, dur

ACCOUNT_RATE = 10_000  # requests per second per account and region (API Gateway's default quota)
ACCOUNT_BURST = 5_000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_PATH_PART = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]+|\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\}")
_ACTION = re.compile(r"\$?[A-Za-z0-9_.-]{1,128}")
_TIMEOUT_MAX = {"rest": 29.0, "websocket": 29.0, "http": 30.0}
_AUTHS = {"rest": ("none", "iam", "cognito", "lambda"), "http": ("none", "iam", "jwt", "lambda"),
          "websocket": ("none", "iam", "lambda")}


# what an HTTP API's route may hand a request to directly (API Gateway's first-class AWS service
# integrations), and the action its role must allow for each
SERVICE_ACTIONS = {"sqs_queue": ("SQS-SendMessage", "sqs:SendMessage"),
                   "event_bus": ("EventBridge-PutEvents", "events:PutEvents"),
                   "state_machine": ("StepFunctions-StartExecution", "states:StartExecution"),
                   "kinesis_stream": ("Kinesis-PutRecord", "kinesis:PutRecord")}


class Route(Block):
    """`route "GET /orders/{id}" { target = fn }`: a route key, where it goes and who may call it.
    A route goes to a Lambda function (`target`), an HTTP endpoint (`url`) or, on an HTTP or REST
    API, straight to an AWS service (`send_to`: a queue, an event bus, a state machine or a
    Kinesis stream) with a `role` API Gateway assumes to call it. A REST API's service route is an
    `AWS` integration whose `request_template` (a VTL mapping template for JSON requests) makes
    the service's request; without one, archform writes the usual one for the service."""

    name: Str
    target: Ref["lambda_function"] | None = None
    url: Str | None = None
    send_to: Ref["sqs_queue", "event_bus", "state_machine", "kinesis_stream"] | None = None
    role: Ref["iam_role"] | None = None
    request_template: Str | None = None
    timeout: DurationRange("50ms", "30s", what="integration timeout") = dur("29s")
    auth: Enum("none", "iam", "jwt", "cognito", "lambda", what="route authorization") = "iam"
    authorizer: Str | None = None
    api_key: Bool = False


class Authorizer(Block):
    """`authorizer NAME { type = jwt | cognito | lambda }`: a JWT issuer and audience (HTTP
    APIs), Cognito user pools (REST APIs) or a Lambda function (any API)."""

    name: Str
    type: Enum("jwt", "cognito", "lambda", what="authorizer type")
    issuer: Str | None = None
    audience: list[Str] = Field(default_factory=list)
    user_pools: list[Str] = Field(default_factory=list)
    function: Ref["lambda_function"] | None = None
    identity_source: Str | None = None
    cache: DurationRange("0s", "1h", what="authorizer cache TTL") = dur("5m")


class Stage(Block):
    """The stage the API is deployed to, with its throttling and logs."""

    name: Str | None = None
    throttle_rate: IntRange(0, ACCOUNT_RATE, what="throttle_rate (requests per second)") = ACCOUNT_RATE
    throttle_burst: IntRange(0, ACCOUNT_BURST, what="throttle_burst") = ACCOUNT_BURST
    tracing: Bool = False
    detailed_metrics: Bool = False
    # access logs in a CloudWatch log group of their own: on for HTTP and WebSocket APIs (AWS's
    # default: none); a REST API's need the account's API Gateway logging role, so they are opt-in
    access_logs: Bool | None = None
    log_retention: DurationRange("1d", "3653d", what="log_retention") = dur("90d")


class UsagePlan(Block):
    """`usage_plan { rate, burst, quota, period }`: what each API key may call (REST APIs)."""

    rate: IntRange(0, ACCOUNT_RATE, what="usage plan rate") | None = None
    burst: IntRange(0, ACCOUNT_BURST, what="usage plan burst") | None = None
    quota: IntRange(1, None, what="usage plan quota") | None = None
    period: Enum("day", "week", "month", what="quota period") = "month"
    keys: list[Str] = Field(default_factory=list)


class ApiGateway(Kind):
    """An API Gateway API (notes §16.3): REST (`protocol = rest`, endpoint `edge` — AWS's
    default — `regional` or `private`), HTTP (the default) or WebSocket, with its routes
    (`route "GET /path" { target = <lambda_function> | url = "https://…" }`), authorizers
    (`authorizer NAME { type = jwt | cognito | lambda }`), one `stage` with throttling (at most
    the account's 10,000 requests per second and bursts of 5,000), a `usage_plan` with API keys
    (REST), and a custom `domain` with an ACM `certificate` (in us-east-1 for an edge API, in the
    API's region otherwise). Routes require IAM authorization unless they say `auth = none`.
    Integrations time out after at most 29 s (REST, WebSocket) or 30 s (HTTP). An HTTP or REST
    API's route may hand requests straight to an SQS queue, an event bus, a state machine or a
    Kinesis stream (`send_to`, with a `role` API Gateway assumes; on a REST API an `AWS`
    integration with a `request_template`, written for the service unless given). Exports
    `endpoint` (the invoke URL), `execution_arn` and, with a domain, `domain_name` (what a Route
    53 alias points at)."""

    kind: Literal["api_gateway"] = "api_gateway"
    title: ClassVar[str] = "API Gateway API"
    noun: ClassVar[str] = "API"
    family: ClassVar[str] = "serverless"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "execution_arn": "string", "domain_name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"protocol", "domain"})

    name: Str | None = None
    description: Str | None = None
    protocol: Enum("http", "rest", "websocket", what="API protocol") = "http"
    endpoint_type: Enum("edge", "regional", "private", what="endpoint type") | None = None
    vpc_endpoints: list[Ref["vpc_endpoint"]] = Field(default_factory=list)
    route_selection: Str = "$request.body.action"
    route: list[Route] = Field(default_factory=list)
    authorizer: list[Authorizer] = Field(default_factory=list)
    stage: Stage = Field(default_factory=Stage)
    usage_plan: UsagePlan | None = None
    domain: Str | None = None
    certificate: Ref.anywhere["certificate"] | None = None
    tags: Tags = Field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        """The endpoint type: REST APIs default to edge-optimized (AWS's default); HTTP and
        WebSocket APIs are regional."""
        if self.protocol != "rest":
            return "regional"
        return self.endpoint_type or "edge"

    @property
    def access_logs(self) -> bool:
        """Whether the stage writes access logs: as written, else on except for REST APIs."""
        if isinstance(self.stage.access_logs, bool):
            return self.stage.access_logs
        return self.protocol != "rest"

    @property
    def stage_name(self) -> str:
        if isinstance(self.stage.name, str):
            return self.stage.name
        return "$default" if self.protocol == "http" else "prod"

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not 1 <= len(self.name) <= 128:
            yield Issue(f"an API name has 1 to 128 characters, got {len(self.name)}", ("name",))
        if self.endpoint_type is not None and self.protocol != "rest":
            yield Issue(f"endpoint_type is for REST APIs; {self.protocol} APIs are regional", ("endpoint_type",))
        yield from self._private_issues()
        if not self.route:
            yield Issue("an API needs at least one route", (), help="route \"GET /\" { target = <lambda_function> }")
        names = [a.name for a in self.authorizer]
        seen: set = set()
        for i, route in enumerate(self.route):
            path = ("route", i)
            if route.name in seen:
                yield Issue(f"two routes are called '{route.name}'", path)
            seen.add(route.name)
            yield from self._route_issues(route, path, names, graph)
        for i, auth in enumerate(self.authorizer):
            yield from self._authorizer_issues(auth, ("authorizer", i), graph)
        if len(set(names)) != len(names):
            yield Issue("two authorizers have the same name", ("authorizer",))
        yield from self._stage_issues()
        yield from self._domain_issues(me, graph)

    def _private_issues(self) -> Iterable[Issue]:
        if self.endpoint == "private" and not self.vpc_endpoints:
            yield Issue("a private API is reached through interface VPC endpoints for execute-api: name them in "
                        "vpc_endpoints", ("vpc_endpoints",), help="vpc_endpoints = [<vpc_endpoint>] (notes §16.3.1)")
        if self.vpc_endpoints and self.endpoint != "private":
            yield Issue("vpc_endpoints are for private REST APIs (endpoint_type = private)", ("vpc_endpoints",))

    def _route_issues(self, route: Route, path: tuple, authorizers: list[str], graph: Graph) -> Iterable[Issue]:
        problem = route_key_problem(self.protocol, route.name)
        if problem:
            yield Issue(problem, (*path, "name"), help=_ROUTE_HELP[self.protocol])
        if sum(x is not None for x in (route.target, route.url, route.send_to)) != 1:
            yield Issue("a route forwards to a Lambda function (target = …), an HTTP endpoint (url = \"…\") or, on an "
                        "HTTP or REST API, an AWS service (send_to = …): exactly one", path)
        yield from self._service_issues(route, path, graph)
        if isinstance(route.url, str) and not route.url.startswith(("http://", "https://")):
            yield Issue(f"'{route.url}' is not an HTTP endpoint", (*path, "url"), help="url = \"https://…\"")
        if isinstance(route.timeout, v.Duration) and route.timeout.seconds > _TIMEOUT_MAX[self.protocol]:
            yield Issue(f"a {self.protocol} API's integration times out after at most "
                        f"{_TIMEOUT_MAX[self.protocol]:g}s, got {route.timeout}", (*path, "timeout"),
                        help="a longer task answers at once and finishes asynchronously (a queue, Step Functions)")
        allowed = _AUTHS[self.protocol]
        if route.auth not in allowed:
            yield Issue(f"a {self.protocol} API's routes take auth = {', '.join(allowed)}, not {route.auth}",
                        (*path, "auth"), help=did_you_mean(str(route.auth), list(allowed)))
        elif route.auth in ("jwt", "cognito", "lambda"):
            if route.authorizer is None:
                yield Issue(f"auth = {route.auth} needs authorizer = NAME", (*path, "auth"),
                            help="authorizers: " + (", ".join(authorizers) or "none declared"))
            elif route.authorizer not in authorizers:
                yield Issue(f"no authorizer is called '{route.authorizer}'", (*path, "authorizer"),
                            help=did_you_mean(route.authorizer, authorizers))
            else:
                kind = next(a.type for a in self.authorizer if a.name == route.authorizer)
                if kind != route.auth:
                    yield Issue(f"authorizer '{route.authorizer}' is a {kind} authorizer, but the route says "
                                f"auth = {route.auth}", (*path, "authorizer"))
        elif route.authorizer is not None:
            yield Issue(f"auth = {route.auth} takes no authorizer", (*path, "authorizer"))
        if self.protocol == "websocket" and route.auth != "none" and route.name != "$connect":
            yield Issue("a WebSocket API authorizes on $connect only", (*path, "auth"),
                        help="auth = none on the other routes: the connection is already authorized")
        if route.api_key is True:
            if self.protocol != "rest":
                yield Issue("API keys are for REST APIs", (*path, "api_key"))
            elif self.usage_plan is None:
                yield Issue("a route that requires an API key needs a usage_plan with keys", (*path, "api_key"),
                            help="usage_plan { rate = 100, burst = 50, quota = 10000, keys = [\"partner\"] }")

    def _service_issues(self, route: Route, path: tuple, graph: Graph) -> Iterable[Issue]:
        """A route to an AWS service: HTTP and REST APIs, with a role API Gateway may assume that
        may call the service; a request template on REST APIs only."""
        if route.send_to is None:
            if route.role is not None:
                yield Issue("role is for a route that sends to an AWS service (send_to = …)", (*path, "role"))
            if route.request_template is not None:
                yield Issue("request_template is for a REST API's route that sends to an AWS service (send_to = …)",
                            (*path, "request_template"))
            return
        if self.protocol == "websocket":
            yield Issue("send_to is an HTTP or REST API's AWS service integration; a websocket API forwards to a "
                        "function or a URL", (*path, "send_to"))
            return
        if route.request_template is not None and self.protocol != "rest":
            yield Issue("an HTTP API's AWS service integration maps the request itself (its first-class "
                        "integrations take no mapping template): request_template is a REST API's",
                        (*path, "request_template"), help="protocol = rest, or remove request_template")
        target = deref(graph, route.send_to)
        if self.protocol == "rest" and route.request_template is None and target is not None \
                and target.get("fifo") is True:
            yield Issue(f"FIFO queue '{target.address}' takes each message with a MessageGroupId, which the usual "
                        "SendMessage template does not set", (*path, "send_to"),
                        help="request_template = \"Action=SendMessage&MessageGroupId=orders&MessageDeduplicationId="
                             "$context.requestId&MessageBody=$util.urlEncode($input.body)\"")
        if route.role is None:
            yield Issue("a route that sends to an AWS service needs role = <iam_role> that API Gateway assumes to "
                        "call it", (*path, "send_to"))
            return
        role = deref(graph, route.role)
        if role is None:
            return
        principals = [p for p in role.model.assumed_by if isinstance(p, str)]
        if principals and len(principals) == len(role.model.assumed_by) and \
                "apigateway.amazonaws.com" not in principals and "*" not in principals:
            yield Issue(f"role '{role.address}' cannot be assumed by API Gateway", (*path, "role"),
                        related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                        help="add apigateway to the role's assumed_by")
            return
        action = SERVICE_ACTIONS[route.send_to.kind][1]
        if role_grants(role.model, graph, action) is False:
            yield Issue(f"role '{role.address}' does not allow {action}: API Gateway's call to "
                        f"'{route.send_to.address}' is refused (500)", (*path, "role"),
                        related=(Related(role.address, ("inline_policies",), "the role's permissions"),),
                        help=f"allow {action} on {route.send_to.address}.arn in an inline policy")

    def _authorizer_issues(self, auth: Authorizer, path: tuple, graph: Graph) -> Iterable[Issue]:
        # a route of this type on the wrong protocol has said so already: one mistake, one diagnostic
        said = any(r.authorizer == auth.name and r.auth not in _AUTHS[self.protocol] for r in self.route)
        if auth.type == "jwt":
            if self.protocol != "http" and not said:
                yield Issue("JWT authorizers are for HTTP APIs (REST APIs use cognito)", (*path, "type"))
            if auth.issuer is None or (isinstance(auth.issuer, str) and not auth.issuer.startswith("https://")):
                yield Issue("a JWT authorizer needs issuer = \"https://…\" (its OpenID issuer URL)", path)
            if not auth.audience:
                yield Issue("a JWT authorizer needs an audience (the app client ids it accepts)", path)
        elif auth.type == "cognito":
            if self.protocol != "rest" and not said:
                yield Issue("Cognito user pool authorizers are for REST APIs (HTTP APIs use jwt with the pool's "
                            "issuer)", (*path, "type"))
            if not auth.user_pools:
                yield Issue("a cognito authorizer needs user_pools = [\"arn:aws:cognito-idp:…\"]", path)
        elif auth.function is None:
            yield Issue("a lambda authorizer needs function = <lambda_function>", path)
        if auth.function is not None and auth.type != "lambda":
            yield Issue(f"function is for lambda authorizers, not {auth.type}", (*path, "function"))

    def _stage_issues(self) -> Iterable[Issue]:
        s = self.stage
        if isinstance(s.name, str) and not re.fullmatch(r"\$default|[A-Za-z0-9_-]{1,128}", s.name):
            yield Issue(f"'{s.name}' is not a stage name: letters, digits, - and _", ("stage", "name"))
        if s.name == "$default" and self.protocol != "http":
            yield Issue("only HTTP APIs have a $default stage", ("stage", "name"))
        if isinstance(s.throttle_rate, int) and isinstance(s.throttle_burst, int) and s.throttle_rate \
                and s.throttle_burst == 0:
            yield Issue("throttle_burst = 0 refuses every request", ("stage", "throttle_burst"), severity="warning")
        plan = self.usage_plan
        if plan is not None:
            if self.protocol != "rest":
                yield Issue("usage plans and API keys are for REST APIs", ("usage_plan",))
            if not plan.keys:
                yield Issue("a usage plan without keys lets nobody call its API's key-protected routes",
                            ("usage_plan", "keys"), severity="warning")

    def _domain_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.domain is None:
            if self.certificate is not None:
                yield Issue("certificate is for a custom domain: write domain = \"api.example.com\"", ("certificate",))
            return
        if self.certificate is None:
            yield Issue("a custom domain needs certificate = <certificate> that covers it", ("domain",))
            return
        cert = deref(graph, self.certificate)
        if cert is None:
            return
        if isinstance(self.domain, str) and not cert.model.covers(self.domain):
            yield Issue(f"certificate '{cert.address}' does not cover {self.domain}", ("certificate",),
                        related=(Related(cert.address, ("domain",), "certificate names"),))
        want = "us-east-1" if self.endpoint == "edge" else me.region
        if cert.region and want and cert.region != want:
            why = "an edge-optimized API's domain is served by CloudFront" if self.endpoint == "edge" else \
                f"a {self.endpoint} API's domain is served in its region"
            yield Issue(f"the certificate must be in {want}: {why}, and '{cert.address}' is in {cert.region}",
                        ("certificate",), related=(Related(cert.address, (), "the certificate"),))


_ROUTE_HELP = {"rest": "route \"GET /orders/{id}\"", "http": "route \"GET /orders/{id}\" or route \"$default\"",
               "websocket": "route \"$connect\", \"$disconnect\", \"$default\" or an action name such as \"send\""}


def route_key_problem(protocol: str, key: str) -> str | None:
    """What is wrong with a route key for a protocol, or None."""
    if not isinstance(key, str):
        return None
    if protocol == "websocket":
        if key.startswith("$") and key not in ("$connect", "$disconnect", "$default"):
            return f"'{key}' is not a WebSocket route: the $ routes are $connect, $disconnect and $default"
        return None if _ACTION.fullmatch(key) else f"'{key}' is not a WebSocket route key"
    if key == "$default":
        return None if protocol == "http" else "only HTTP APIs have a $default route"
    method, _, path = key.partition(" ")
    if method not in METHODS:
        return f"a route key is \"METHOD /path\"; '{method}' is not one of {', '.join(METHODS)}"
    if not path.startswith("/"):
        return f"a route's path starts with /, got '{path}'"
    parts = [p for p in path.split("/")[1:]]
    if path != "/" and any(not p for p in parts):
        return f"the path '{path}' has an empty part"
    for i, part in enumerate(parts if path != "/" else []):
        if not _PATH_PART.fullmatch(part):
            return f"'{part}' is not a path part: letters, digits, -._~ or a {{parameter}}"
        if part.endswith("+}") and i != len(parts) - 1:
            return f"a greedy parameter ({part}) is the last part of a path"
    return None
