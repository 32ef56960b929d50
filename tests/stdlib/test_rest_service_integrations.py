"""REST APIs' AWS service integrations (issue 15): a REST route with `send_to` is an `AWS`
integration (`arn:aws:apigateway:REGION:sqs:path/ACCOUNT/QUEUE`, `…:SERVICE:action/ACTION`)
called with the route's role, its request made by a mapping template (the route's, or the usual
one for the service). Its rules as diagnostics (snapshots), its CloudFormation (cfn-lint clean)
and the modeled cloud's integration."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

ARCH = '''region "eu-west-1" as primary {
  sqs_queue orders {}

  sqs_queue ordered {
    fifo = true
  }

  kinesis_stream clicks {
    retention = 24h
  }

  event_bus shop {}

  state_machine checkout {
    role       = flow_role
    definition = { StartAt = "Done", States = { Done = { Type = "Succeed" } } }
  }

  api_gateway intake {
    protocol      = %(protocol)s
    endpoint_type = regional

%(routes)s
  }
}

iam_role api_send {
  assumed_by      = [apigateway]
  inline_policies = {
    send = {
      Version   = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["sqs:SendMessage", "kinesis:PutRecord", "events:PutEvents", "states:StartExecution"]
          Resource = "*"
        },
      ]
    }
  }
}

iam_role flow_role {
  assumed_by = [states]
}
'''

ROUTES = '''    route "POST /orders" {
      send_to = orders
      role    = api_send
    }

    route "POST /clicks" {
      send_to = clicks
      role    = api_send
    }

    route "POST /events" {
      send_to = shop
      role    = api_send
    }

    route "POST /checkout/{cart}" {
      send_to          = checkout
      role             = api_send
      request_template = "{\\"stateMachineArn\\": \\"${checkout.arn}\\", \\"name\\": \\"$context.requestId\\", \\"input\\": \\"$util.escapeJavaScript($input.body)\\"}"
    }'''


def arch(routes: str = ROUTES, protocol: str = "rest") -> str:
    if protocol != "rest":
        return (ARCH % {"protocol": protocol, "routes": routes}).replace("    endpoint_type = regional\n", "")
    return ARCH % {"protocol": protocol, "routes": routes}


def errors(text: str):
    _, diags = resolve_text(text, "main.arch")
    return [d for d in diags if d.is_error]


def test_a_rest_api_sends_to_each_service_and_validates():
    assert errors(arch()) == []


LIMITS = {
    "template_on_an_http_api": arch(ROUTES.split("\n\n")[3], protocol="http"),
    "template_without_send_to": arch('''    route "POST /orders" {
      url              = "https://orders.example.com/"
      request_template = "{}"
    }'''),
    "fifo_without_template": arch('''    route "POST /ordered" {
      send_to = ordered
      role    = api_send
    }'''),
    "rest_service_route_without_role": arch('''    route "POST /orders" {
      send_to = orders
    }'''),
    "websocket_send_to": arch('''    route "$default" {
      send_to = orders
      role    = api_send
      auth    = none
    }''', protocol="websocket"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    found = errors(LIMITS[case])
    assert len(found) == 1, [d.summary for d in found]
    assert render(found[0]) == snapshot


def test_a_fifo_queue_with_its_own_template_validates():
    assert errors(arch('''    route "POST /ordered" {
      send_to          = ordered
      role             = api_send
      request_template = "Action=SendMessage&MessageGroupId=orders&MessageDeduplicationId=$context.requestId&MessageBody=$util.urlEncode($input.body)"
    }''')) == []


# --- CloudFormation ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from archform.providers.cloudformation import generate
    folder = tmp_path_factory.mktemp("rest-service")
    (folder / "rest.arch").write_text(arch())
    result = generate(folder / "rest.arch", {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    return folder, result


def _methods(result) -> dict:
    (body,) = [b for _, b in result.templates]
    return {r["Properties"]["ResourceId"]["Ref"]: r["Properties"] for r in body["Resources"].values()
            if r["Type"] == "AWS::ApiGateway::Method"}


def test_each_service_route_is_an_aws_integration_with_the_role_and_a_template(generated):
    _, result = generated
    methods = _methods(result)
    sqs = methods["PrimaryIntakeResourceOrders"]["Integration"]
    assert sqs["Type"] == "AWS" and sqs["IntegrationHttpMethod"] == "POST"
    assert sqs["Uri"] == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/"
                                     "${PrimaryOrders.QueueName}"}
    assert sqs["Credentials"] == {"Fn::GetAtt": ["ApiSend", "Arn"]}
    assert sqs["RequestTemplates"] == {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}
    assert sqs["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"}
    assert sqs["PassthroughBehavior"] == "NEVER"
    kinesis = methods["PrimaryIntakeResourceClicks"]["Integration"]
    assert kinesis["Uri"] == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:kinesis:action/PutRecord"}
    assert kinesis["RequestTemplates"]["application/json"] == {"Fn::Sub": (
        '{"StreamName": "${PrimaryClicks}", "Data": "$util.base64Encode($input.body)", '
        '"PartitionKey": "$context.requestId"}')}
    assert kinesis["RequestParameters"]["integration.request.header.X-Amz-Target"] == "'Kinesis_20131202.PutRecord'"
    events = methods["PrimaryIntakeResourceEvents"]["Integration"]
    assert events["Uri"] == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:events:action/PutEvents"}
    assert "archform.primary.intake" in events["RequestTemplates"]["application/json"]["Fn::Sub"]
    written = methods["PrimaryIntakeResourceCheckoutCart"]["Integration"]
    assert written["Uri"] == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"}
    assert written["RequestTemplates"] == {"application/json": {"Fn::Sub": (
        '{"stateMachineArn": "${PrimaryCheckout}", "name": "$context.requestId", '
        '"input": "$util.escapeJavaScript($input.body)"}')}}
    for method in methods.values():
        codes = [r["StatusCode"] for r in method["Integration"]["IntegrationResponses"]]
        assert codes == ["200", "400", "500"] == [r["StatusCode"] for r in method["MethodResponses"]]


def test_the_template_passes_cfn_lint_with_informational_rules(generated):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation.write import write
    folder, result = generated
    write(result, folder / "cfn", "yaml")
    for template, _ in result.templates:
        found = lint_file(folder / "cfn" / template.file,
                          config=ManualArgs(regions=[template.region], include_checks=["I"]))
        assert [(m.rule.id, m.message) for m in found] == []


# --- the modeled cloud ---------------------------------------------------------------------------

def test_the_modeled_cloud_answers_each_integration_as_aws_does(tmp_path):
    from workbench import Workbench
    bench = Workbench(tmp_path)
    try:
        _, result = bench.apply(arch())
        assert not result.failed, result.failed
        records = bench.store.read().resources
        api = bench.cloud.read("api_gateway", records["primary.intake"].id)
        found = api.outputs["integrations"]
        role = records["api_send"].outputs["arn"]
        queue = records["primary.orders"].outputs["name"]
        assert found["POST /orders"] == {
            "type": "AWS", "httpMethod": "POST", "uri": f"arn:aws:apigateway:eu-west-1:sqs:path/123456789012/{queue}",
            "credentials": role, "passthroughBehavior": "NEVER", "customTemplate": False}
        assert found["POST /clicks"]["uri"] == "arn:aws:apigateway:eu-west-1:kinesis:action/PutRecord"
        assert found["POST /events"]["uri"] == "arn:aws:apigateway:eu-west-1:events:action/PutEvents"
        assert found["POST /checkout/{cart}"]["uri"] == "arn:aws:apigateway:eu-west-1:states:action/StartExecution"
        assert found["POST /checkout/{cart}"]["customTemplate"] is True
        assert bench.plan(arch()).summary.empty
    finally:
        bench.close()


def test_the_modeled_cloud_refuses_a_template_on_an_http_api():
    from archform.providers.base import InvalidParameter
    from archform.providers.simulated.behaviours.apigateway import ApiGateway
    from archform.providers.simulated.store import Record

    class Op:
        def the(self, id):
            return Record(id, "sqs_queue", "eu-west-1", {}, {})
    rec = Record("api", "api_gateway", "eu-west-1", {"protocol": "http", "route": [
        {"name": "POST /orders", "send_to": "q", "role": "r", "request_template": "{}"}]}, {})
    with pytest.raises(InvalidParameter, match="request templates are a REST API's AWS integration's"):
        ApiGateway().validate(Op(), rec, None)
