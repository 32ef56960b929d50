"""API Gateway: HTTP and WebSocket APIs as `AWS::ApiGatewayV2::*` (the API, an integration and a
route per route, authorizers, a stage that deploys itself, a custom domain and its mapping);
REST APIs as `AWS::ApiGateway::*` (the API, a resource per path part, a method per route, a
deployment, the stage, authorizers, a usage plan with its keys, a custom domain and its base
path mapping). Every function a route or an authorizer invokes gets the `lambda:InvokeFunction`
permission for this API alone (its execution ARN).

A REST deployment is a snapshot of the routes: its logical ID carries a short hash of them, so
a changed route makes a new deployment (CloudFormation would otherwise keep the old one).
"""

from __future__ import annotations

import hashlib
import json

from ..intrinsics import ACCOUNT, PARTITION, REGION, URL_SUFFIX, Att, sub
from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt

_V2_AUTH = {"none": "NONE", "iam": "AWS_IAM", "jwt": "JWT", "lambda": "CUSTOM"}
_V1_AUTH = {"none": "NONE", "iam": "AWS_IAM", "cognito": "COGNITO_USER_POOLS", "lambda": "CUSTOM"}
_ENDPOINT = {"edge": "EDGE", "regional": "REGIONAL", "private": "PRIVATE"}


def _invoke_uri(function_arn):
    return sub("arn:", PARTITION, ":apigateway:", REGION, ":lambda:path/2015-03-31/functions/", function_arn,
               "/invocations")


def _execution_arn(r):
    return sub("arn:", PARTITION, ":execute-api:", REGION, ":", ACCOUNT, ":", r.att())


def _permissions(r, routes):
    """One permission per function the API invokes (routes and authorizers)."""
    functions = sorted({r.target("route", i, "target") for i, _ in routes if r.target("route", i, "target")} |
                       {r.target("authorizer", i, "function") for i, _ in enumerate(r.peek("authorizer") or [])
                        if r.target("authorizer", i, "function")})
    for address in functions:
        r.part("AWS::Lambda::Permission", {
            "Action": "lambda:InvokeFunction",
            "FunctionName": r.ctx.out(address, "arn", r),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": sub(_execution_arn(r), "/*"),
        }, suffix="Invoke" + camel(address.rsplit(".", 1)[-1]))


def _throttle(r) -> dict:
    return {"ThrottlingRateLimit": r.val("stage", "throttle_rate"), "ThrottlingBurstLimit": r.val("stage", "throttle_burst")}


def api_gateway(r):
    m = r.model
    routes = list(enumerate(r.peek("route") or []))
    if m.protocol == "rest":
        _rest(r, m, routes)
    else:
        _v2(r, m, routes)
    _permissions(r, routes)


# --- HTTP and WebSocket ------------------------------------------------------------------------

def _v2(r, m, routes):
    websocket = m.protocol == "websocket"
    r.part("AWS::ApiGatewayV2::Api", {
        "Name": r.val("name") or r.address,
        "Description": r.val("description"),
        "ProtocolType": "WEBSOCKET" if websocket else "HTTP",
        "RouteSelectionExpression": r.val("route_selection") if websocket else None,
        "Tags": dict(sorted((r.val("tags") or {}).items())) or None,
    })
    authorizers = {}
    for i, auth in enumerate(m.authorizer):
        suffix = "Authorizer" + camel(auth.name)
        authorizers[auth.name] = suffix
        lam = auth.type == "lambda"
        source = auth.identity_source or ("route.request.header.Authorization" if websocket
                                          else "$request.header.Authorization")
        r.part("AWS::ApiGatewayV2::Authorizer", {
            "ApiId": r.att(),
            "Name": auth.name,
            "AuthorizerType": "REQUEST" if lam else "JWT",
            "IdentitySource": [source],
            "JwtConfiguration": None if lam else {"Issuer": r.val("authorizer", i, "issuer"),
                                                  "Audience": r.val("authorizer", i, "audience")},
            "AuthorizerUri": _invoke_uri(r.ref("authorizer", i, "function", export="arn")) if lam else None,
            "AuthorizerPayloadFormatVersion": "2.0" if lam and not websocket else None,
            "AuthorizerResultTtlInSeconds": seconds(r.get("authorizer", i, "cache")) if lam and not websocket
            else None,
        }, suffix=suffix)
    for i, route in routes:
        key = _route_suffix(route["name"])
        lam = r.target("route", i, "target") is not None
        service = r.target("route", i, "send_to")
        if service is not None:
            integration = _service_integration(r, i, service)
        else:
            integration = {
                "IntegrationType": "AWS_PROXY" if lam else "HTTP_PROXY",
                "IntegrationUri": r.ref("route", i, "target", export="arn") if lam else r.val("route", i, "url"),
                "IntegrationMethod": None if lam else (_method(route["name"]) if not websocket else "POST"),
                "PayloadFormatVersion": "2.0" if lam and not websocket else None,
            }
        r.part("AWS::ApiGatewayV2::Integration", {
            "ApiId": r.att(), **integration,
            "TimeoutInMillis": int(seconds(r.get("route", i, "timeout")) * 1000),
        }, suffix="Integration" + key)
        auth = m.route[i].auth
        r.part("AWS::ApiGatewayV2::Route", {
            "ApiId": r.att(),
            "RouteKey": route["name"],
            "Target": sub("integrations/", r.att("Integration" + key)),
            "AuthorizationType": _V2_AUTH[auth],
            "AuthorizerId": r.att(authorizers[m.route[i].authorizer]) if m.route[i].authorizer in authorizers
            else None,
        }, suffix="Route" + key)
    r.part("AWS::ApiGatewayV2::Stage", {
        "ApiId": r.att(),
        "StageName": m.stage_name,
        "AutoDeploy": True,
        "DefaultRouteSettings": {**_throttle(r), "DetailedMetricsEnabled": True if m.stage.detailed_metrics
                                 else None},
        "AccessLogSettings": _access_logs(r, m, websocket),
    }, suffix="Stage")
    if m.domain is not None:
        r.part("AWS::ApiGatewayV2::DomainName", {
            "DomainName": r.val("domain"),
            "DomainNameConfigurations": [{"CertificateArn": r.ref("certificate", export="arn"),
                                          "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}],
        }, suffix="Domain")
        r.part("AWS::ApiGatewayV2::ApiMapping", {
            "ApiId": r.att(), "DomainName": r.att("Domain"), "Stage": r.att("Stage"),
        }, suffix="ApiMapping")


_LOG_FORMAT = {"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
               "requestTime": "$context.requestTime", "routeKey": "$context.routeKey",
               "status": "$context.status", "responseLength": "$context.responseLength",
               "integrationError": "$context.integrationErrorMessage"}


def _access_logs(r, m, websocket: bool):
    """A log group of the API's own and the stage's access log settings (JSON lines)."""
    if not m.access_logs:
        return None
    fields = dict(_LOG_FORMAT, **({"eventType": "$context.eventType", "connectionId": "$context.connectionId"}
                                  if websocket else {}))
    return _log_group(r, fields)


def _log_group(r, fields: dict) -> dict:
    """The stage's log group (its own, kept as long as `stage.log_retention` says) and the access
    log settings that write JSON lines of `fields` to it."""
    r.part("AWS::Logs::LogGroup", {"RetentionInDays": _retention_days(seconds(r.get("stage", "log_retention")))},
           suffix="AccessLogs", deletion="Delete")
    return {"DestinationArn": r.att("AccessLogs", "Arn"),
            "Format": json.dumps({k: fields[k] for k in sorted(fields)}, separators=(",", ":"))}


_RETENTIONS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
               3653)


def _retention_days(secs: float) -> int:
    """CloudWatch Logs keeps a group for one of its fixed periods: the nearest at least as long."""
    days = secs / 86400
    return next((d for d in _RETENTIONS if d >= days), _RETENTIONS[-1])


def _service_integration(r, i: int, service: str) -> dict:
    """An HTTP API's first-class AWS service integration: the request body goes to the queue,
    bus, state machine or stream, called with the route's role."""
    from archform.stdlib.kinds.apigateway import SERVICE_ACTIONS
    kind = r.ctx.kind(service)
    subtype = SERVICE_ACTIONS[kind][0]
    ref = r.ctx.out
    params = {
        "sqs_queue": lambda: {"QueueUrl": ref(service, "url", r), "MessageBody": "$request.body"},
        "event_bus": lambda: {"EventBusName": ref(service, "name", r), "Detail": "$request.body",
                              "DetailType": "api-request", "Source": sub("archform.", r.address)},
        "state_machine": lambda: {"StateMachineArn": ref(service, "arn", r), "Input": "$request.body"},
        "kinesis_stream": lambda: {"StreamName": ref(service, "name", r), "Data": "$request.body",
                                   "PartitionKey": "$context.requestId"},
    }[kind]()
    return {"IntegrationType": "AWS_PROXY", "IntegrationSubtype": subtype, "PayloadFormatVersion": "1.0",
            "CredentialsArn": r.ref("route", i, "role", export="arn"), "RequestParameters": params}


def _method(key: str) -> str:
    return key.split(" ", 1)[0] if " " in key else "ANY"


def _route_suffix(key: str) -> str:
    """`GET /orders/{id}` → `GETOrdersId`; `$connect` → `Connect`; a path of digits alone takes
    `Root` after it (`GET /1` → `GET1Root`), and a key of no letters or digits is `DefaultRoot`."""
    text = camel(key.replace("$", " ").replace("+", " plus "))
    if not text:
        return "DefaultRoot"
    rest = text[len(_method(key)):]
    return text + "Root" if rest and not any(c.isalpha() for c in rest) else text


# --- REST --------------------------------------------------------------------------------------

def _rest(r, m, routes):
    endpoint = _ENDPOINT[m.endpoint]
    private = endpoint == "PRIVATE"
    vpces = r.refs("vpc_endpoints")
    r.part("AWS::ApiGateway::RestApi", {
        "Name": r.val("name") or r.address,
        "Description": r.val("description"),
        "EndpointConfiguration": {"Types": [endpoint], "VpcEndpointIds": vpces if private else None},
        "Policy": _private_policy(vpces) if private else None,
        "Tags": r.tags(),
    })
    resources = _resources(r, [route["name"] for _, route in routes])
    authorizers = {}
    for i, auth in enumerate(m.authorizer):
        suffix = "Authorizer" + camel(auth.name)
        authorizers[auth.name] = suffix
        lam = auth.type == "lambda"
        r.part("AWS::ApiGateway::Authorizer", {
            "RestApiId": r.att(),
            "Name": auth.name,
            "Type": "TOKEN" if lam else "COGNITO_USER_POOLS",
            "ProviderARNs": None if lam else r.val("authorizer", i, "user_pools"),
            "AuthorizerUri": _invoke_uri(r.ref("authorizer", i, "function", export="arn")) if lam else None,
            "IdentitySource": auth.identity_source or "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": seconds(r.get("authorizer", i, "cache")),
        }, suffix=suffix)
    methods = []
    for i, route in routes:
        method, _, path = route["name"].partition(" ")
        lam = r.target("route", i, "target") is not None
        service = r.target("route", i, "send_to")
        auth = m.route[i].auth
        suffix = "Method" + _route_suffix(route["name"])
        methods.append(r.att(suffix))
        if service is not None:
            integration = _rest_service_integration(r, i, service)
        else:
            integration = {
                "Type": "AWS_PROXY" if lam else "HTTP_PROXY",
                "IntegrationHttpMethod": "POST" if lam else method,
                "Uri": _invoke_uri(r.ref("route", i, "target", export="arn")) if lam else r.val("route", i, "url"),
                "RequestParameters": None if lam else {f"integration.request.path.{p}": f"method.request.path.{p}"
                                                       for p in _params(path)} or None,
            }
        r.part("AWS::ApiGateway::Method", {
            "RestApiId": r.att(),
            "ResourceId": resources[path],
            "HttpMethod": method,
            "AuthorizationType": _V1_AUTH[auth],
            "AuthorizerId": r.att(authorizers[m.route[i].authorizer]) if m.route[i].authorizer in authorizers
            else None,
            "ApiKeyRequired": True if m.route[i].api_key else None,
            "RequestParameters": {f"method.request.path.{p}": True for p in _params(path)} or None,
            "Integration": {**integration, "TimeoutInMillis": int(seconds(r.get("route", i, "timeout")) * 1000)},
            "MethodResponses": [{"StatusCode": code} for code, _ in _SERVICE_RESPONSES] if service else None,
        }, suffix=suffix)
    snapshot = hashlib.sha256(json.dumps([route for _, route in routes], sort_keys=True,
                                         default=str).encode()).hexdigest()[:8].upper()
    deployment = "Deployment" + snapshot
    r.part("AWS::ApiGateway::Deployment", {"RestApiId": r.att(), "Description": f"routes {snapshot}"},
           suffix=deployment, depends=methods)
    r.part("AWS::ApiGateway::Stage", {
        "RestApiId": r.att(),
        "DeploymentId": r.att(deployment),
        "StageName": m.stage_name,
        "TracingEnabled": True if m.stage.tracing else None,
        "AccessLogSetting": _rest_access_logs(r, m),
        "MethodSettings": [{"HttpMethod": "*", "ResourcePath": "/*", **_throttle(r),
                            "MetricsEnabled": True if m.stage.detailed_metrics else None}],
    }, suffix="Stage")
    if m.usage_plan is not None:
        _usage_plan(r, m)
    if m.domain is not None:
        cert = r.ref("certificate", export="arn")
        r.part("AWS::ApiGateway::DomainName", {
            "DomainName": r.val("domain"),
            "CertificateArn": cert if endpoint == "EDGE" else None,
            "RegionalCertificateArn": cert if endpoint != "EDGE" else None,
            "EndpointConfiguration": {"Types": ["EDGE" if endpoint == "EDGE" else "REGIONAL"]},
            "SecurityPolicy": "TLS_1_2",
        }, suffix="Domain")
        r.part("AWS::ApiGateway::BasePathMapping", {
            "DomainName": r.att("Domain"), "RestApiId": r.att(), "Stage": r.att("Stage"),
        }, suffix="BasePathMapping")


# a non-proxy integration answers only with the statuses it maps: the service's 2xx as 200, its
# 4xx as 400 and its 5xx as 500 (unmapped, the client would see 500 for all)
_SERVICE_RESPONSES = (("200", None), ("400", "4\\d{2}"), ("500", "5\\d{2}"))


def _rest_service_integration(r, i: int, service: str) -> dict:
    """A REST API's `AWS` integration: the service's API called with the route's role, the
    request made by the route's mapping template or the usual one for the service (SQS's query
    API by path, the JSON APIs by action)."""
    kind = r.ctx.kind(service)
    out = r.ctx.out
    json_type = "'application/x-amz-json-1.1'"
    if kind == "sqs_queue":
        uri = sub("arn:", PARTITION, ":apigateway:", REGION, ":sqs:path/", ACCOUNT, "/", out(service, "name", r))
        template = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
        headers = {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"}
    else:
        service_name, action = {"event_bus": ("events", "PutEvents"), "state_machine": ("states", "StartExecution"),
                                "kinesis_stream": ("kinesis", "PutRecord")}[kind]
        uri = sub("arn:", PARTITION, ":apigateway:", REGION, f":{service_name}:action/{action}")
        template = {
            "event_bus": lambda: sub('{"Entries": [{"EventBusName": "', out(service, "name", r),
                                     '", "Source": "archform.', r.address, '", "DetailType": "api-request", '
                                     '"Detail": "$util.escapeJavaScript($input.body)"}]}'),
            "state_machine": lambda: sub('{"stateMachineArn": "', out(service, "arn", r),
                                         '", "input": "$util.escapeJavaScript($input.body)"}'),
            "kinesis_stream": lambda: sub('{"StreamName": "', out(service, "name", r),
                                          '", "Data": "$util.base64Encode($input.body)", '
                                          '"PartitionKey": "$context.requestId"}'),
        }[kind]()
        target = {"events": "AWSEvents.PutEvents", "states": "AWSStepFunctions.StartExecution",
                  "kinesis": "Kinesis_20131202.PutRecord"}[service_name]
        headers = {"integration.request.header.Content-Type": json_type,
                   "integration.request.header.X-Amz-Target": f"'{target}'"}
    written = r.val("route", i, "request_template")
    return {
        "Type": "AWS",
        "IntegrationHttpMethod": "POST",
        "Uri": uri,
        "Credentials": r.ref("route", i, "role", export="arn"),
        "RequestParameters": headers,
        "RequestTemplates": {"application/json": written if written is not None else template},
        "PassthroughBehavior": "NEVER",  # a request of another content type is refused (415), not passed on raw
        "IntegrationResponses": [{"StatusCode": code, "SelectionPattern": pattern}
                                 for code, pattern in _SERVICE_RESPONSES],
    }


def _rest_access_logs(r, m):
    if not m.access_logs:
        return None
    return _log_group(r, {k: x.replace("routeKey", "resourcePath") for k, x in _LOG_FORMAT.items()})


def _params(path: str) -> list[str]:
    return [p.strip("{}+") for p in path.split("/") if p.startswith("{")]


def _resources(r, keys: list[str]) -> dict:
    """A resource per path part (`/orders`, then `/orders/{id}`): path → its id."""
    found = {"/": r.att("", "RootResourceId")}
    for key in keys:
        path = key.partition(" ")[2]
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            here = (parent.rstrip("/") + "/" + part)
            if here not in found:
                suffix = "Resource" + camel(here.replace("+", " plus "))
                r.part("AWS::ApiGateway::Resource", {"RestApiId": r.att(), "ParentId": found[parent],
                                                     "PathPart": part}, suffix=suffix)
                found[here] = r.att(suffix)
            parent = here
    return found


def _private_policy(vpces: list) -> dict:
    """A private API answers only calls through its VPC endpoints (without a policy, none)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringEquals": {"aws:SourceVpce": vpces}}}]}


def _usage_plan(r, m):
    plan = m.usage_plan
    throttle = {"RateLimit": r.val("usage_plan", "rate"), "BurstLimit": r.val("usage_plan", "burst")}
    r.part("AWS::ApiGateway::UsagePlan", {
        "ApiStages": [{"ApiId": r.att(), "Stage": r.att("Stage")}],
        "Throttle": throttle if plan.rate is not None or plan.burst is not None else None,
        "Quota": {"Limit": r.val("usage_plan", "quota"), "Period": plan.period.upper()} if plan.quota is not None
        else None,
    }, suffix="UsagePlan")
    for name in plan.keys:
        key = "Key" + camel(name)
        r.part("AWS::ApiGateway::ApiKey", {"Name": name, "Enabled": True}, suffix=key)
        r.part("AWS::ApiGateway::UsagePlanKey", {"KeyId": r.att(key), "KeyType": "API_KEY",
                                                 "UsagePlanId": r.att("UsagePlan")}, suffix="UsagePlan" + key)


# --- exports -----------------------------------------------------------------------------------

def _endpoint(src):
    m = src.model
    if m.protocol == "rest":
        return sub("https://", Att(src.address), ".execute-api.", REGION, ".", URL_SUFFIX, "/", m.stage_name)
    base = Att(src.address, "", "ApiEndpoint")
    return base if m.stage_name == "$default" else sub(base, "/", m.stage_name)


def _arn(src):
    path = "restapis" if src.model.protocol == "rest" else "apis"
    return sub("arn:", PARTITION, ":apigateway:", REGION, "::/", path, "/", Att(src.address))


def _domain_name(src):
    m = src.model
    if m.domain is None:
        return None
    attr = "DistributionDomainName" if m.protocol == "rest" and m.endpoint == "edge" else "RegionalDomainName"
    return Att(src.address, "Domain", attr)


def alias_target(src):
    """(DNS name, hosted zone id) a Route 53 alias to this API's custom domain writes."""
    m = src.model
    if m.protocol == "rest" and m.endpoint == "edge":
        return Att(src.address, "Domain", "DistributionDomainName"), Att(src.address, "Domain",
                                                                         "DistributionHostedZoneId")
    return Att(src.address, "Domain", "RegionalDomainName"), Att(src.address, "Domain", "RegionalHostedZoneId")


MAPPERS = {"api_gateway": api_gateway}

TYPES = {
    "api_gateway": ["AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Integration",
                    "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::DomainName",
                    "AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource",
                    "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
                    "AWS::ApiGateway::Stage", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey",
                    "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::DomainName",
                    "AWS::ApiGateway::BasePathMapping", "AWS::Lambda::Permission", "AWS::Logs::LogGroup"],
}

EXPORTS = {
    "api_gateway": {"id": REF, "arn": _arn, "endpoint": _endpoint, "execution_arn": _execution_arn,
                    "domain_name": _domain_name},
}
