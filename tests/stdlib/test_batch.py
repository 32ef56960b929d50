"""AWS Batch (notes §27.6): each of AWS's rules for a managed compute environment (EC2, SPOT,
FARGATE, FARGATE_SPOT) and a job queue (at most three compute environments, never EC2 and
Fargate together, one CPU architecture) is one diagnostic at the text at fault, its rendering
kept as a snapshot."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import NETWORK

BASE = '''region "us-east-1" as east {
''' + NETWORK + '''
  security_group batch_sg {
    vpc = main
  }

  batch_compute_environment ondemand {
%s
  }

  batch_compute_environment spot {
    type                = spot
    max_vcpus           = 256
    instance_types      = [m5, c5.xlarge]
    allocation_strategy = spot_price_capacity_optimized
    bid_percentage      = 60%%
    instance_role       = node
    subnets             = [a, b]
    security_groups     = [batch_sg]
  }

  batch_compute_environment spare {
    max_vcpus       = 32
    instance_types  = [c5]
    instance_role   = node
    subnets         = [a, b]
    security_groups = [batch_sg]
  }

  batch_compute_environment reserve {
    max_vcpus       = 32
    instance_types  = [r5]
    instance_role   = node
    subnets         = [a, b]
    security_groups = [batch_sg]
  }

  batch_compute_environment graviton {
    max_vcpus       = 64
    instance_types  = [m6g.large]
    instance_role   = node
    subnets         = [a, b]
    security_groups = [batch_sg]
  }

  batch_compute_environment serverless {
    type            = fargate
    max_vcpus       = 128
    subnets         = [a, b]
    security_groups = [batch_sg]
  }

  batch_compute_environment serverless_spot {
    type            = fargate_spot
    max_vcpus       = 128
    subnets         = [a, b]
    security_groups = [batch_sg]
  }

  batch_job_queue jobs {
%s
  }

  batch_job_definition etl {
%s
  }
}

iam_role node {
  assumed_by = [ec2]
}

iam_role batch_role {
  assumed_by = [batch]
}

iam_role task_role {
  assumed_by = ["ecs-tasks"]
}
'''

ENV = '''    min_vcpus       = 4
    desired_vcpus   = 8
    max_vcpus       = 64
    instance_types  = [optimal]
    instance_role   = node
    service_role    = batch_role
    subnets         = [a, b]
    security_groups = [batch_sg]'''

FARGATE_ENV = '''    type            = fargate
    max_vcpus       = 64
    subnets         = [a, b]
    security_groups = [batch_sg]'''

QUEUE = '''    priority             = 10
    compute_environments = [spot, ondemand]'''


JOB = '''    image    = "123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:1.2"
    vcpus    = 2
    memory   = 4GiB
    job_role = task_role
    attempts = 3
    timeout  = 2h'''

FARGATE_JOB = JOB + "\n    platform = fargate\n    execution_role = task_role"


def diagnose(env: str = ENV, queue: str = QUEUE, job: str = JOB):
    desired, diags = resolve_text(BASE % (env, queue, job), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_ec2_spot_and_fargate_environments_and_a_queue_validate():
    desired, found = diagnose()
    assert found == []
    env = desired.resources["east.ondemand"].model
    assert (env.type, env.enabled, env.allocation_strategy) == ("ec2", True, None)
    assert desired.resources["east.jobs"].model.priority == 10


@pytest.mark.parametrize("queue", ["    compute_environments = [serverless, serverless_spot]",
                                   "    compute_environments = [graviton]"])
def test_valid_queues(queue):
    assert diagnose(queue=queue)[1] == []


ENV_LIMITS = {
    "bad_name": ENV + '\n    name = "batch.ondemand"',
    "min_above_max": ENV.replace("min_vcpus       = 4", "min_vcpus       = 80"),
    "desired_above_max": ENV.replace("desired_vcpus   = 8", "desired_vcpus   = 65"),
    "desired_below_min": ENV.replace("desired_vcpus   = 8", "desired_vcpus   = 2"),
    "no_instance_types": ENV.replace("[optimal]", "[]"),
    "unknown_instance_type": ENV.replace("[optimal]", "[m5.huge]"),
    "mixed_architectures": ENV.replace("[optimal]", "[m5.large, m6g.large]"),
    "no_instance_role": ENV.replace("    instance_role   = node\n", ""),
    "instance_role_not_for_ec2": ENV.replace("instance_role   = node", "instance_role   = batch_role"),
    "service_role_not_for_batch": ENV.replace("service_role    = batch_role", "service_role    = node"),
    "spot_strategy_on_demand": ENV + "\n    allocation_strategy = spot_capacity_optimized",
    "bid_on_demand": ENV + "\n    bid_percentage = 50%",
    "spot_best_fit": ENV + "\n    type = spot\n    allocation_strategy = best_fit",
    "fargate_min_vcpus": FARGATE_ENV + "\n    min_vcpus = 2",
    "fargate_desired_vcpus": FARGATE_ENV + "\n    desired_vcpus = 2",
    "fargate_instance_types": FARGATE_ENV + "\n    instance_types = [m5.large]",
    "fargate_instance_role": FARGATE_ENV + "\n    instance_role = node",
    "fargate_allocation_strategy": FARGATE_ENV + "\n    allocation_strategy = best_fit_progressive",
    "fargate_17_subnets": FARGATE_ENV.replace("[a, b]", "[" + ", ".join(["a", "b"] * 8 + ["a"]) + "]"),
    "fargate_6_security_groups": FARGATE_ENV.replace("[batch_sg]", "[" + ", ".join(["batch_sg"] * 6) + "]"),
    "no_subnets": ENV.replace("[a, b]", "[]"),
    "no_security_groups": ENV.replace("    security_groups = [batch_sg]", ""),
    "subnets_of_two_vpcs": ENV.replace("[a, b]", "[a, elsewhere]"),
    "security_group_of_another_vpc": ENV.replace("[batch_sg]", "[other_sg]"),
    "unknown_type": ENV + "\n    type = unmanaged",
}

QUEUE_LIMITS = {
    "four_environments": "    compute_environments = [spot, ondemand, spare, reserve]",
    "fargate_and_ec2": "    compute_environments = [ondemand, serverless]",
    "listed_twice": "    compute_environments = [ondemand, ondemand]",
    "no_environments": "    compute_environments = []",
    "two_architectures": "    compute_environments = [ondemand, graviton]",
    "negative_priority": QUEUE.replace("priority             = 10", "priority             = -1"),
    "bad_name": QUEUE + '\n    name = "jobs!"',
}


FARGATE_QUEUE = "    compute_environments = [ondemand, serverless]"  # `ondemand` is the environment under test


@pytest.mark.parametrize("case", sorted(ENV_LIMITS))
def test_each_compute_environment_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(env=ENV_LIMITS[case], queue=FARGATE_QUEUE if case.startswith("fargate_") else QUEUE)
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


@pytest.mark.parametrize("case", sorted(QUEUE_LIMITS))
def test_each_job_queue_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(queue=QUEUE_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_fargate_job_definition_validates():
    assert diagnose(job=FARGATE_JOB)[1] == []


JOB_LIMITS = {
    "ec2_fraction_of_a_vcpu": JOB.replace("vcpus    = 2", "vcpus    = 0.5"),
    "ec2_public_ip": JOB + "\n    assign_public_ip = true",
    "eleven_attempts": JOB.replace("attempts = 3", "attempts = 11"),
    "timeout_under_a_minute": JOB.replace("timeout  = 2h", "timeout  = 30s"),
    "memory_under_4mib": JOB.replace("memory   = 4GiB", "memory   = 2MiB"),
    "fargate_without_execution_role": JOB + "\n    platform = fargate",
    "fargate_vcpus": FARGATE_JOB.replace("vcpus    = 2", "vcpus    = 3"),
    "fargate_memory": FARGATE_JOB.replace("memory   = 4GiB", "memory   = 20GiB"),
    "job_role_not_for_tasks": JOB.replace("job_role = task_role", "job_role = node"),
    "bad_name": JOB + '\n    name = "etl nightly"',
}


@pytest.mark.parametrize("case", sorted(JOB_LIMITS))
def test_each_job_definition_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(job=JOB_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_queue_whose_environments_are_all_disabled_is_warned_about():
    _, found = diagnose(env=ENV + "\n    enabled = false", queue="    compute_environments = [ondemand]")
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.jobs: every compute environment of this queue is disabled: its jobs wait in RUNNABLE until "
                    "one is enabled")]
