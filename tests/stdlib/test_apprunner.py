"""AWS App Runner (notes §15.5): each of AWS's rules for a service is one diagnostic at the text
at fault (its rendering kept as a snapshot): one source, ECR images only, the vCPU/memory pairs,
the auto scaling and health check ranges, a VPC connector of one VPC."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  vpc main {
    cidr = 10.0.0.0/16
  }

  vpc other {
    cidr = 10.9.0.0/16
  }

  subnet a {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = a
  }

  subnet elsewhere {
    vpc  = other
    cidr = 10.9.1.0/24
    az   = b
  }

  security_group app_sg {
    vpc = main
  }

  security_group other_sg {
    vpc = other
  }

  apprunner_service web {
%s
  }
}

iam_role pull_role {
  assumed_by = ["build.apprunner"]
}

iam_role app_role {
  assumed_by = ["tasks.apprunner"]
}
'''

IMAGE = '''    image         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4"
    access_role   = pull_role
    instance_role = app_role
    port          = 3000'''

CODE = '''    repository    = "https://github.com/example/web"
    connection    = "arn:aws:apprunner:us-east-1:123456789012:connection/github/0123abcd"
    runtime       = nodejs18
    build_command = "npm ci"
    start_command = "node server.js"'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


@pytest.mark.parametrize("body", [IMAGE, CODE], ids=["image", "repository"])
def test_a_service_validates(body):
    desired, found = diagnose(body)
    assert found == []
    web = desired.resources["east.web"].model
    assert (web.cpu, str(web.memory), web.min_size, web.max_size, web.max_concurrency) == (1, "2GB", 1, 25, 100)


LIMITS = {
    "no_source": "    port = 80",
    "two_sources": IMAGE + '\n    repository = "https://github.com/example/web"',
    "not_ecr": '    image = "docker.io/library/nginx:latest"',
    "private_image_without_role": IMAGE.replace("    access_role   = pull_role\n", ""),
    "runtime_with_an_image": IMAGE + "\n    runtime = python3",
    "repository_without_connection": CODE.replace(
        '    connection    = "arn:aws:apprunner:us-east-1:123456789012:connection/github/0123abcd"\n', ""),
    "repository_without_runtime": CODE.replace("    runtime       = nodejs18\n", ""),
    "cpu": IMAGE + "\n    cpu = 3",
    "memory": IMAGE + "\n    cpu    = 2\n    memory = 8GB",
    "min_size_26": IMAGE + "\n    min_size = 26",
    "max_concurrency_201": IMAGE + "\n    max_concurrency = 201",
    "min_above_max": IMAGE + "\n    min_size = 5\n    max_size = 3",
    "health_check_interval": IMAGE + "\n\n    health_check {\n      interval = 30s\n    }",
    "health_check_path_on_tcp": IMAGE + '\n\n    health_check {\n      path = "/health"\n    }',
    "connector_two_vpcs": IMAGE + "\n\n    vpc_connector {\n      subnets = [a, elsewhere]\n    }",
    "connector_security_group": IMAGE + "\n\n    vpc_connector {\n      subnets         = [a]\n"
                                        "      security_groups = [other_sg]\n    }",
    "access_role_for_tasks": IMAGE.replace("access_role   = pull_role", "access_role   = app_role"),
    "bad_name": IMAGE + '\n    name = "web"',
    "auto_deploy_public_image": '    image       = "public.ecr.aws/nginx/nginx:latest"\n    auto_deploy = true',
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_private_service_is_warned_about_what_archform_does_not_declare():
    _, found = diagnose(IMAGE + "\n    public = false")
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.web: a private App Runner service is reached only through a VPC ingress connection and an "
                    "interface endpoint, which archform does not declare yet")]
