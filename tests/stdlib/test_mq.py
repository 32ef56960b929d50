"""Amazon MQ (notes §14.6): each of AWS's rules for a broker is one diagnostic at the text at
fault (its rendering kept as a snapshot); the defaults are the safe ones; the modeled cloud
gives AWS-shaped ids and endpoints and refuses what CreateBroker refuses; an AZ loss stops a
single-instance broker, fails an active/standby pair over and leaves a RabbitMQ cluster
serving; CloudFormation takes each password as a NoEcho parameter."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPCS

BASE = '''sensitive param mq_password: string = "correct-horse-battery"

region "us-east-1" as east {
''' + TWO_AZ_VPCS + '''
  subnet c {
    vpc  = main
    cidr = 10.0.3.0/24
    az   = c
  }

  subnet a2 {
    vpc  = main
    cidr = 10.0.4.0/24
    az   = a
  }

  subnet elsewhere {
    vpc  = other
    cidr = 10.9.1.0/24
    az   = b
  }

  security_group mq_sg {
    vpc = main
  }

  security_group other_sg {
    vpc = other
  }

  mq_broker orders {
%s
  }
}
'''

ACTIVE = '''    engine          = activemq
    deployment      = active_standby
    subnets         = [a, b]
    security_groups = [mq_sg]

    user orders_admin {
      password       = mq_password
      console_access = true
    }'''

RABBIT = '''    engine     = rabbitmq
    deployment = cluster
    subnets    = [a, b, c]

    user orders_admin {
      password = mq_password
    }'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_an_active_standby_broker_validates_with_safe_defaults():
    desired, found = diagnose(ACTIVE)
    assert found == []
    broker = desired.resources["east.orders"].model
    assert broker.publicly_accessible is False and broker.auto_minor_version_upgrade is True
    assert broker.kms_key is None and broker.instance_type == "mq.m5.large"
    assert "user" in desired.resources["east.orders"].sensitive


def test_a_rabbitmq_cluster_validates():
    assert diagnose(RABBIT)[1] == []


def test_a_single_instance_broker_is_warned_about_its_one_az():
    _, found = diagnose(ACTIVE.replace("active_standby", "single_instance").replace("[a, b]", "[a]"))
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.orders: a single-instance broker lives in one Availability Zone: it stops when that AZ "
                    "does")]


LIMITS = {
    "old_engine_version": ACTIVE + '\n    engine_version = "5.15"',
    "cluster_for_activemq": ACTIVE.replace("active_standby", "cluster"),
    "active_standby_for_rabbitmq": RABBIT.replace("cluster", "active_standby").replace("[a, b, c]", "[a, b]"),
    "unknown_instance_type": ACTIVE + '\n    instance_type = "mq.r5.large"',
    "micro_not_single": ACTIVE + '\n    instance_type = "mq.t3.micro"',
    "rabbitmq_kms_key": RABBIT + '\n    kms_key = "alias/mq"',
    "rabbitmq_audit_logs": RABBIT + '\n    logs {\n      general = true\n      audit   = true\n    }',
    "maintenance_time": ACTIVE + '\n    maintenance {\n      day  = sunday\n      time = "3am"\n    }',
    "activemq_without_users": ACTIVE.split("\n\n")[0],
    "rabbitmq_two_users": RABBIT + '\n\n    user ops {\n      password = mq_password\n    }',
    "short_password": ACTIVE.replace("mq_password", '"short-one"'),
    "password_with_colon": ACTIVE.replace("mq_password", '"abcd:efgh-ijkl"'),
    "single_with_two_subnets": ACTIVE.replace("active_standby", "single_instance"),
    "active_standby_one_subnet": ACTIVE.replace("[a, b]", "[a]"),
    "active_standby_one_az": ACTIVE.replace("[a, b]", "[a, a2]"),
    "subnets_of_two_vpcs": ACTIVE.replace("[a, b]", "[a, elsewhere]"),
    "security_group_of_another_vpc": ACTIVE.replace("[mq_sg]", "[other_sg]"),
    "private_cluster_without_subnets": RABBIT.replace("    subnets    = [a, b, c]\n", ""),
    "public_rabbitmq_in_subnets": RABBIT + "\n    publicly_accessible = true",
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_password_is_never_quoted_in_a_diagnostic():
    _, found = diagnose(ACTIVE.replace("mq_password", '"abcd:efgh-ijkl"'))
    assert found and all("abcd" not in d.summary + d.help for d in found)


# --- CloudFormation ------------------------------------------------------------------------------

def _template(tmp_path, body: str, outputs: str = "") -> tuple[dict, str]:
    import json
    from archform.providers.cloudformation import generate
    source = tmp_path / "mq.arch"
    source.write_text(BASE % body + outputs)
    result = generate(source, {})
    assert result.ok
    (template,) = [b for _, b in result.templates]
    return template, json.dumps(template)


def test_a_literal_password_becomes_a_noecho_parameter_never_written(tmp_path):
    template, text = _template(tmp_path, ACTIVE.replace("mq_password", '"literal-broker-secret"'))
    assert "literal-broker-secret" not in text
    (broker,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::AmazonMQ::Broker"]
    (user,) = broker["Users"]
    param = template["Parameters"][user["Password"]["Ref"]]
    assert param["NoEcho"] is True and "Default" not in param
    assert broker["DeploymentMode"] == "ACTIVE_STANDBY_MULTI_AZ" and broker["EngineType"] == "ACTIVEMQ"
    assert broker["PubliclyAccessible"] is False and broker["AutoMinorVersionUpgrade"] is True
    assert broker["EncryptionOptions"] == {"UseAwsOwnedKey": True}
    assert broker["EngineVersion"] == "5.18" and len(broker["SubnetIds"]) == 2


def test_a_sensitive_param_password_stays_a_noecho_parameter(tmp_path):
    template, text = _template(tmp_path, RABBIT)
    assert "correct-horse-battery" not in text
    (broker,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::AmazonMQ::Broker"]
    (user,) = broker["Users"]
    assert template["Parameters"][user["Password"]["Ref"]]["NoEcho"] is True
    assert broker["DeploymentMode"] == "CLUSTER_MULTI_AZ" and broker["EngineType"] == "RABBITMQ"


def test_the_console_url_and_endpoints_are_read_from_the_broker(tmp_path):
    outputs = "\noutput console = east.orders.console_url\noutput wire = east.orders.endpoints\n"
    template, _ = _template(tmp_path, RABBIT, outputs)
    (lid,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::AmazonMQ::Broker"]
    assert template["Outputs"]["Console"]["Value"] == {"Fn::Select": [0, {"Fn::GetAtt": [lid, "ConsoleURLs"]}]}
    assert template["Outputs"]["Wire"]["Value"] == {"Fn::Join": [",", {"Fn::GetAtt": [lid, "AmqpEndpoints"]}]}


@pytest.mark.parametrize("body", [ACTIVE, RABBIT], ids=["activemq", "rabbitmq"])
def test_broker_templates_pass_cfn_lint_with_informational_rules(tmp_path, body):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation import generate
    from archform.providers.cloudformation.write import write
    source = tmp_path / "mq.arch"
    source.write_text(BASE % (body + '\n    logs {\n      general = true\n    }') +
                      "\noutput console = east.orders.console_url\noutput wire = east.orders.endpoints\n")
    result = generate(source, {})
    assert result.ok
    write(result, tmp_path / "out", "yaml")
    found = [(m.rule.id, m.message) for t, _ in result.templates
             for m in lint_file(tmp_path / "out" / t.file, config=ManualArgs(regions=[t.region], include_checks=["I"]))]
    assert [f for f in found if f[0] != "W3010"] == []  # W3010: the architecture names its AZs on purpose
