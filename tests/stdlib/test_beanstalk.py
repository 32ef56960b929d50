"""Elastic Beanstalk (notes §9.2–§9.4): each of AWS's rules for an application and an
environment — the tiers, single instance or load balanced, the five deployment policies and
their settings — is one diagnostic at the text at fault (its rendering kept as a snapshot); the
defaults are AWS's, with an internal load balancer."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import NETWORK

BASE = '''region "us-east-1" as east {
''' + NETWORK + '''
  sqs_queue jobs {
  }

  beanstalk_application shop {
%s
  }

  beanstalk_environment web {
%s
  }
}

iam_role app_role {
  assumed_by = [ec2]
}

iam_role eb_role {
  assumed_by = [elasticbeanstalk]
}
'''

APP = '''    description = "the shop"'''

ENV = '''    application    = shop
    solution_stack = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
    subnets        = [a, b]
    min            = 2
    max            = 6
    instance_role  = app_role
    service_role   = eb_role'''

SINGLE = ENV.replace("    min            = 2\n    max            = 6\n", "") + "\n    load_balanced = false"
WORKER = ENV + "\n    tier = worker"


def diagnose(app: str = APP, env: str = ENV):
    desired, diags = resolve_text(BASE % (app, env), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_web_environment_validates_with_aws_defaults_and_an_internal_load_balancer():
    desired, found = diagnose()
    assert found == []
    env = desired.resources["east.web"].model
    assert (env.tier, env.load_balanced, env.public, env.deployment) == ("web", True, False, "all_at_once")
    assert env.instance_type == "t3.micro"


@pytest.mark.parametrize("env", [SINGLE, WORKER, SINGLE + "\n    deployment = immutable",
                                 ENV + "\n    deployment = traffic_splitting\n    canary_percent = 20%\n"
                                       "    evaluation_time = 10m",
                                 ENV + "\n    deployment = rolling_with_additional_batch\n    batch_size = 2",
                                 ENV + "\n    lb_subnets = [edge_a, edge_b]\n    public = true",
                                 WORKER + "\n    queue = jobs\n    deployment = rolling\n    batch_percent = 50%"])
def test_valid_shapes(env):
    assert diagnose(env=env)[1] == []


APP_LIMITS = {
    "name_with_slash": APP + '\n    name = "shop/web"',
    "description_201": f'    description = "{"x" * 201}"',
}

ENV_LIMITS = {
    "bad_name": ENV + '\n    name = "-web"',
    "name_too_short": ENV + '\n    name = "web"',
    "solution_stack": ENV.replace("64bit Amazon Linux 2023 v6.1.0 running Node.js 20", "node 20"),
    "min_above_max": ENV.replace("min            = 2", "min            = 8"),
    "max_over_10000": ENV.replace("max            = 6", "max            = 10001"),
    "single_instance_max": SINGLE + "\n    max = 3",
    "single_instance_rolling": SINGLE + "\n    deployment = rolling",
    "single_instance_additional_batch": SINGLE + "\n    deployment = rolling_with_additional_batch",
    "single_instance_traffic_splitting": SINGLE + "\n    deployment = traffic_splitting",
    "worker_traffic_splitting": WORKER + "\n    deployment = traffic_splitting",
    "batch_size_and_percent": ENV + "\n    deployment = rolling\n    batch_size = 2\n    batch_percent = 25%",
    "batch_without_rolling": ENV + "\n    deployment = immutable\n    batch_size = 2",
    "batch_percent_zero": ENV + "\n    deployment = rolling\n    batch_percent = 0%",
    "batch_size_over_10000": ENV + "\n    deployment = rolling\n    batch_size = 10001",
    "canary_without_traffic_splitting": ENV + "\n    deployment = rolling\n    canary_percent = 20%",
    "canary_over_100": ENV + "\n    deployment = traffic_splitting\n    canary_percent = 120%",
    "evaluation_time_too_short": ENV + "\n    deployment = traffic_splitting\n    evaluation_time = 2m",
    "evaluation_time_too_long": ENV + "\n    deployment = traffic_splitting\n    evaluation_time = 11h",
    "queue_on_web": ENV + "\n    queue = jobs",
    "worker_lb_subnets": WORKER + "\n    lb_subnets = [edge_a, edge_b]",
    "worker_public": WORKER + "\n    public = true",
    "no_subnets": ENV.replace("[a, b]", "[]"),
    "subnets_of_two_vpcs": ENV.replace("[a, b]", "[a, elsewhere]"),
    "security_group_of_another_vpc": ENV + "\n    security_groups = [other_sg]",
    "load_balancer_in_one_az": ENV + "\n    lb_subnets = [edge_a]",
    "public_load_balancer_in_a_private_subnet": ENV + "\n    public = true\n    lb_subnets = [edge_a, b]",
    "instance_role_not_for_ec2": ENV.replace("instance_role  = app_role", "instance_role  = eb_role"),
    "service_role_not_for_beanstalk": ENV.replace("service_role   = eb_role", "service_role   = app_role"),
    "unknown_policy": ENV + "\n    deployment = blue_green",
}


@pytest.mark.parametrize("case", sorted(APP_LIMITS))
def test_each_application_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(app=APP_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


@pytest.mark.parametrize("case", sorted(ENV_LIMITS))
def test_each_environment_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(env=ENV_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


WARNINGS = {
    "instances_in_one_az": (ENV.replace("[a, b]", "[a, a2]") + "\n    lb_subnets = [edge_a, edge_b]",
                            "east.web: all instance subnets of this environment are in us-east-1a: its instances do "
                            "not survive the loss of that AZ"),
    "worker_in_one_az": (WORKER.replace("[a, b]", "[a, a2]"),
                         "east.web: all subnets of this environment are in us-east-1a: its instances do not survive "
                         "the loss of that AZ"),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warnings(case):
    env, summary = WARNINGS[case]
    _, found = diagnose(env=env)
    assert [(d.severity, d.summary) for d in found] == [("warning", summary)]
