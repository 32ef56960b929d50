"""API Gateway APIs: a 10-character id, an invoke URL per protocol and stage, and a custom
domain name unique in its region (AWS refuses a second API claiming it). A REST API's route to
an AWS service is an `AWS` integration with AWS's URI for it
(`arn:aws:apigateway:REGION:sqs:path/ACCOUNT/QUEUE`, `…:kinesis:action/PutRecord`), the role it
calls with, and a mapping template (PutIntegration refuses a REST service route without
credentials or with a template that is not text)."""

from __future__ import annotations

from archform.providers.base import Conflict

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, require


class ApiGateway(Behaviour):
    service = "apigateway"

    def identity(self, op: Op, rec: Record):
        n = op.number()
        rec.seq = n
        rec.id = ids.base36(op.seed, n, 10, "api")

    def arn(self, rec: Record) -> str:
        path = "restapis" if rec.attrs.get("protocol") == "rest" else "apis"
        return f"arn:aws:apigateway:{rec.region}::/{path}/{rec.id}"

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        protocol = at.get("protocol") or "http"
        require(bool(at.get("route")), "An API needs at least one route", "BadRequestException")
        for route in at.get("route") or []:
            target = route.get("target")
            if target is not None:
                fn = op.the(target)
                require(fn.region == rec.region or protocol == "rest",
                        f"Integration function {fn.name} must be in the API's region {rec.region}",
                        "BadRequestException")
        for route in at.get("route") or []:
            if route.get("send_to") is not None:
                require(protocol in ("http", "rest"), "AWS service integrations are for HTTP and REST APIs",
                        "BadRequestException")
                op.the(route["send_to"])
                require(route.get("role") is not None, "CredentialsArn is required for an AWS service integration",
                        "BadRequestException")
                op.the(route["role"])
            template = route.get("request_template")
            require(template is None or (protocol == "rest" and route.get("send_to") is not None
                                         and isinstance(template, str)),
                    "Invalid mapping expression specified: request templates are a REST API's AWS integration's",
                    "BadRequestException")
        for auth in at.get("authorizer") or []:
            if auth.get("function") is not None:
                op.the(auth["function"])
        if protocol == "rest" and at.get("endpoint_type") == "private":
            require(bool(at.get("vpc_endpoints")), "A private API must name the VPC endpoints that reach it",
                    "BadRequestException")
        domain = at.get("domain")
        if domain:
            if at.get("certificate") is not None:
                op.the(at["certificate"])
            for other in op.tx.query("kind = 'api_gateway' AND region = ? AND owner IS NULL", (rec.region,)):
                if other.id != rec.id and other.attrs.get("domain") == domain:
                    raise Conflict(f"The domain name you provided already exists: {domain}",
                                   code="ConflictException")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        protocol = at.get("protocol") or "http"
        stage = (at.get("stage") or {}).get("name") or ("$default" if protocol == "http" else "prod")
        host = f"{rec.id}.execute-api.{rec.region}.amazonaws.com"
        if protocol == "websocket":
            endpoint = f"wss://{host}/{stage}"
        else:
            endpoint = f"https://{host}" + ("" if stage == "$default" else f"/{stage}")
        domain_name = None
        if at.get("domain"):
            edge = protocol == "rest" and (at.get("endpoint_type") or "edge") == "edge"
            domain_name = (f"d{ids.base36(op.seed, rec.seq, 13, 'cf')}.cloudfront.net" if edge else
                           f"d-{ids.base36(op.seed, rec.seq, 10, 'dom')}.execute-api.{rec.region}.amazonaws.com")
        out = {"endpoint": endpoint, "stage": stage, "domain_name": domain_name,
               "execution_arn": ids.arn("execute-api", rec.region, rec.id),
               "routes": sorted(r.get("name") for r in at.get("route") or [])}
        if protocol == "rest":
            integrations = {r["name"]: self._aws_integration(op, rec, r) for r in at.get("route") or []
                            if r.get("send_to") is not None}
            if integrations:
                out["integrations"] = dict(sorted(integrations.items()))
        return out

    def _aws_integration(self, op: Op, rec: Record, route: dict) -> dict:
        """What GetIntegration answers for a REST route to an AWS service."""
        target = op.the(route["send_to"])
        role = op.the(route["role"])
        if target.kind == "sqs_queue":
            uri = f"arn:aws:apigateway:{rec.region}:sqs:path/{ids.ACCOUNT}/{target.name}"
        else:
            service, action = _ACTIONS[target.kind]
            uri = f"arn:aws:apigateway:{rec.region}:{service}:action/{action}"
        return {"type": "AWS", "httpMethod": "POST", "uri": uri, "credentials": role.outputs.get("arn"),
                "passthroughBehavior": "NEVER", "customTemplate": route.get("request_template") is not None}


_ACTIONS = {"event_bus": ("events", "PutEvents"), "state_machine": ("states", "StartExecution"),
            "kinesis_stream": ("kinesis", "PutRecord")}

BEHAVIOURS = {"api_gateway": ApiGateway()}
