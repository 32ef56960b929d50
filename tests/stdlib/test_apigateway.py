"""API Gateway (notes §16.3): each limit and rule is one diagnostic at the text at fault (its
rendering kept as a snapshot), the defaults are the safe ones, and the modeled cloud, the chaos
run and CloudFormation do what AWS does with the same API."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  iam_role fn_role {
    assumed_by = [lambda]
    policies   = ["service-role/AWSLambdaBasicExecutionRole"]
  }

  lambda_function handler {
    runtime = python3.12
    handler = "app.handle"
    role    = fn_role

    code {
      bucket = "artifacts"
      key    = "app.zip"
    }
  }

  certificate api_cert {
    domain = "api.example.com"
  }

  api_gateway api {
%s
  }
}
'''

GOOD = '''    route "GET /orders/{id}" {
      target = handler
      auth   = none
    }'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def messages(body: str) -> list[str]:
    return [d.summary for d in diagnose(body)[1]]


def test_a_good_api_validates_with_safe_defaults():
    desired, found = diagnose(GOOD + '\n    route "POST /orders" { target = handler }')
    assert found == []
    api = desired.resources["east.api"].model
    assert api.protocol == "http" and api.endpoint == "regional" and api.stage_name == "$default"
    assert [r.auth for r in api.route] == ["none", "iam"]  # IAM unless a route says none
    assert (api.stage.throttle_rate, api.stage.throttle_burst) == (10_000, 5_000)


# each limit of the notes and of AWS, as the user sees it (one diagnostic each, at the text at fault)
LIMITS = {
    "route_key": '    route "FETCH /orders" { target = handler }',
    "greedy_not_last": '    route "GET /{proxy+}/x" { target = handler }',
    "rest_default_route": '    protocol = rest\n    route "$default" { target = handler }',
    "websocket_dollar_route": '    protocol = websocket\n    route "$close" {\n      target = handler\n'
                              '      auth = none\n    }',
    "http_timeout": '    route "GET /slow" {\n      target  = handler\n      timeout = 31s\n    }',
    "rest_timeout": '    protocol = rest\n    route "GET /slow" {\n      target  = handler\n      timeout = 30s\n    }',
    "timeout_floor": '    route "GET /fast" {\n      target  = handler\n      timeout = 10ms\n    }',
    "throttle_rate": GOOD + '\n    stage { throttle_rate = 20000 }',
    "throttle_burst": GOOD + '\n    stage { throttle_burst = 6000 }',
    "no_target": '    route "GET /" { auth = none }',
    "both_targets": '    route "GET /" {\n      target = handler\n      url    = "https://x.example.com"\n    }',
    "jwt_on_rest": '    protocol = rest\n    route "GET /" {\n      target     = handler\n      auth       = jwt\n'
                   '      authorizer = users\n    }\n    authorizer users {\n      type     = jwt\n'
                   '      issuer   = "https://issuer.example.com"\n      audience = ["app"]\n    }',
    "unknown_authorizer": '    route "GET /" {\n      target     = handler\n      auth       = jwt\n'
                          '      authorizer = user\n    }\n    authorizer users {\n      type     = jwt\n'
                          '      issuer   = "https://issuer.example.com"\n      audience = ["app"]\n    }',
    "api_key_on_http": '    route "GET /" {\n      target  = handler\n      api_key = true\n    }',
    "api_key_without_plan": '    protocol = rest\n    route "GET /" {\n      target  = handler\n      api_key = true\n'
                            '    }',
    "domain_without_certificate": GOOD + '\n    domain = "api.example.com"',
    "certificate_not_covering": GOOD + '\n    domain      = "shop.example.com"\n    certificate = api_cert',
    "edge_private_without_endpoints": '    protocol      = rest\n    endpoint_type = private\n' + GOOD,
    "no_routes": '    name = "empty"',
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_limit_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_an_edge_apis_certificate_is_in_us_east_1():
    text = '''region "eu-west-1" as ireland {
  iam_role fn_role {
    assumed_by = [lambda]
  }
  lambda_function handler {
    runtime = python3.12
    handler = "app.handle"
    role    = fn_role
    code {
      bucket = "artifacts"
      key    = "app.zip"
    }
  }
  certificate cert {
    domain = "api.example.com"
  }
  api_gateway api {
    protocol = rest
    route "GET /" {
      target = handler
      auth   = none
    }
    domain      = "api.example.com"
    certificate = cert
  }
}
'''
    _, diags = resolve_text(text, "main.arch")
    errors = [d.summary for d in diags if d.is_error]
    assert len(errors) == 1 and "must be in us-east-1" in errors[0] and "edge-optimized" in errors[0]
    regional = text.replace("protocol = rest", "protocol      = rest\n    endpoint_type = regional")
    _, diags = resolve_text(regional, "main.arch")
    assert [d.summary for d in diags if d.is_error] == []


def test_websocket_apis_authorize_on_connect_only():
    body = ('    protocol = websocket\n    route "$connect" {\n      target = handler\n      auth = iam\n    }\n'
            '    route "send" {\n      target = handler\n      auth = iam\n    }')
    assert messages(body) == ["east.api: a WebSocket API authorizes on $connect only"]


# --- the modeled cloud, chaos and CloudFormation -------------------------------------------------

def test_the_modeled_cloud_gives_aws_shaped_endpoints_and_refuses_a_taken_domain(tmp_path):
    from workbench import Workbench
    bench = Workbench(tmp_path)
    try:
        text = BASE % (GOOD + '\n    domain      = "api.example.com"\n    certificate = api_cert')
        _, result = bench.apply(text)
        assert not result.failed
        api = bench.store.read().resources["east.api"]
        assert len(api.id) == 10 and api.id.isalnum() and api.id.islower()
        assert api.outputs["endpoint"] == f"https://{api.id}.execute-api.us-east-1.amazonaws.com"
        assert api.outputs["execution_arn"] == f"arn:aws:execute-api:us-east-1:123456789012:{api.id}"
        assert api.outputs["domain_name"].endswith(".execute-api.us-east-1.amazonaws.com")
        assert bench.plan(text).summary.empty
        second = text.replace("  api_gateway api {", "  api_gateway other {\n" + GOOD +
                              '\n    domain      = "api.example.com"\n    certificate = api_cert\n  }\n\n'
                              "  api_gateway api {")
        _, result = bench.apply(second)
        assert result.failed
        assert "The domain name you provided already exists" in " ".join(r.error for r in result.failed)
    finally:
        bench.close()


def test_templates_invoke_only_through_this_api(tmp_path):
    from archform.providers.cloudformation import generate
    source = tmp_path / "api.arch"
    source.write_text(BASE % (GOOD + '\n    route "ANY /legacy/{proxy+}" {\n      url  = "https://old.example.com/{proxy}"'
                                     '\n      auth = none\n    }'))
    result = generate(source, {})
    assert result.ok
    (body,) = [b for _, b in result.templates]
    res = body["Resources"]
    permission = res["EastApiInvokeHandler"]["Properties"]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert "${EastApi}/*" in permission["SourceArn"]["Fn::Sub"]
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in res.values() if r["Type"] == "AWS::ApiGatewayV2::Route"}
    assert set(routes) == {"GET /orders/{id}", "ANY /legacy/{proxy+}"}
    assert {r["AuthorizationType"] for r in routes.values()} == {"NONE"}
    integrations = [r["Properties"] for r in res.values() if r["Type"] == "AWS::ApiGatewayV2::Integration"]
    assert sorted(i["IntegrationType"] for i in integrations) == ["AWS_PROXY", "HTTP_PROXY"]
    assert all(i["TimeoutInMillis"] == 29000 for i in integrations)


SERVICE = '''region "us-east-1" as east {
  sqs_queue orders {}

  iam_role api_role {
    assumed_by      = [%s]
    inline_policies = {
      send = {
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = ["%s"], Resource = orders.arn }]
      }
    }
  }

  api_gateway intake {
%s
    route "POST /orders" {
      send_to = orders
%s
      auth    = none
    }
  }
}
'''


def service(principal="apigateway", action="sqs:SendMessage", protocol="", role="      role    = api_role"):
    return SERVICE % (principal, action, protocol, role)


@pytest.mark.parametrize("text, message", [
    (service(role=""), "a route that sends to an AWS service needs role"),
    (service(principal="lambda"), "role 'east.api_role' cannot be assumed by API Gateway"),
    (service(action="sqs:ReceiveMessage"), "role 'east.api_role' does not allow sqs:SendMessage"),
])
def test_a_route_to_an_aws_service_needs_a_role_that_may_call_it(text, message):
    _, diags = resolve_text(text, "main.arch")
    found = [d.summary for d in diags if d.is_error]
    assert len(found) == 1 and message in found[0], found


def test_a_route_hands_the_request_body_to_the_queue(tmp_path):
    from cfnlint.api import ManualArgs, lint_file

    from archform.providers.cloudformation import generate
    from archform.providers.cloudformation.write import write
    source = tmp_path / "svc.arch"
    source.write_text(service())
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    (body,) = [b for _, b in result.templates]
    integration = body["Resources"]["EastIntakeIntegrationPOSTOrders"]["Properties"]
    assert integration["IntegrationSubtype"] == "SQS-SendMessage"
    assert integration["CredentialsArn"] == {"Fn::GetAtt": ["EastApiRole", "Arn"]}
    assert integration["RequestParameters"] == {"QueueUrl": {"Ref": "EastOrders"}, "MessageBody": "$request.body"}
    write(result, tmp_path / "out", "yaml")
    (template,) = (tmp_path / "out").glob("*.yaml")
    assert [m.rule.id for m in lint_file(template, config=ManualArgs(regions=["us-east-1"]))] == []
