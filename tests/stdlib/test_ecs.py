"""Amazon ECS and ECR (notes §15.2, §15.3; issue 16): each of AWS's rules for a repository, a
cluster, a task definition and a service is one diagnostic at the text at fault (its rendering
kept as a snapshot), and the defaults are the safe ones."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPC

BASE = '''region "us-east-1" as east {
''' + TWO_AZ_VPC + '''
  security_group lb_sg {
    vpc = main
  }

  security_group app_sg {
    vpc = main

    ingress {
      port = 8080
      from = lb_sg
    }
  }

  target_group app {
    vpc         = main
    port        = 8080
    protocol    = HTTP
    target_type = ip
  }

  load_balancer front {
    type            = application
    internal        = true
    subnets         = [a, b]
    security_groups = [lb_sg]

    listener http {
      port    = 80
      forward = app
    }
  }

  efs shared {
    subnets         = [a, b]
    security_groups = [app_sg]
  }

  ecr_repository images {
    lifecycle_rule untagged {
      expire_after = 14d
    }

    lifecycle_rule releases {
      tag_status   = tagged
      tag_prefixes = ["v"]
      keep_last    = 30
    }
  }

  ecs_cluster apps {
    capacity_providers = [fargate, fargate_spot]

    default_strategy fargate {
      base   = 1
      weight = 1
    }
  }

  ecs_task_definition web_task {
    cpu            = 512
    memory         = 1GiB
    task_role      = task_role
    execution_role = exec_role

    container web {
      image  = images
      tag    = "v1.0.0"
      memory = 768MiB

      port_mapping {
        container_port = 8080
      }

      environment = {
        MODE = "production"
      }

      secrets = {
        DB_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
      }

      mount {
        volume = "shared"
        path   = "/srv/shared"
      }
    }

    volume shared {
      efs = shared
    }
  }

  ecs_service web {
    cluster         = apps
    task_definition = web_task
    launch_type     = fargate
    desired         = 3
    subnets         = [a, b]
    security_groups = [app_sg]
    min_tasks       = 3
    max_tasks       = 12

    load_balancer {
      target_group = app
      container    = "web"
      port         = 8080
    }

    scaling_policy requests {
      metric = request_count
      target = 1000
    }
  }

  vpc other {
    cidr = 10.9.0.0/16
  }

  subnet elsewhere {
    vpc  = other
    cidr = 10.9.1.0/24
    az   = a
  }

  autoscaling_group hosts {
    subnets = [a, b]
    min     = 2
    max     = 6

    launch {
      ami           = "ami-0a1b2c3d4e5f60718"
      instance_type = m5.large
    }
  }

  target_group by_instance {
    vpc      = main
    port     = 8080
    protocol = HTTP
  }
}

iam_role task_role {
  assumed_by = [ecs-tasks]
}

iam_role exec_role {
  assumed_by = [ecs-tasks]
  policies   = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
}
'''


def diagnose(text: str):
    desired, diags = resolve_text(text, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def edit(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_a_fargate_service_behind_an_alb_validates_with_safe_defaults():
    desired, found = diagnose(BASE)
    assert found == []
    repo = desired.resources["east.images"].model
    assert repo.scan_on_push is True and repo.tag_immutability is True and repo.encryption == "kms"
    cluster = desired.resources["east.apps"].model
    assert cluster.container_insights is True
    task = desired.resources["east.web_task"].model
    (web,) = task.container
    assert web.readonly_root_filesystem is True and web.essential is True
    assert task.volume[0].transit_encryption is True
    service = desired.resources["east.web"].model
    assert service.assign_public_ip is False
    assert service.deployment.circuit_breaker is True and service.deployment.rollback is True


def test_a_secret_looking_environment_variable_is_warned_about():
    _, found = diagnose(edit(('MODE = "production"', 'API_TOKEN = "abc"')))
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.web_task: environment variable API_TOKEN looks like a secret: plain environment values are "
                    "stored in the task definition for anyone who can read it")]


TASK = "    cpu            = 512\n    memory         = 1GiB"
SERVICE_NET = "    subnets         = [a, b]\n    security_groups = [app_sg]\n    min_tasks"
PROVIDER = "    default_strategy fargate {"
STRATEGY = "      base   = 1\n      weight = 1\n    }"


def test_az_rebalancing_is_on_for_a_spread_service_and_refused_beside_binpack():
    desired, _ = diagnose(BASE)
    assert desired.resources["east.web"].model.rebalances() is True
    _, found = diagnose(edit((SERVICE_NET, "    placement       = binpack\n    az_rebalancing  = true\n" + SERVICE_NET)))
    assert [(d.severity, d.summary) for d in found] == [
        ("error", "east.web: Availability Zone rebalancing needs tasks spread across AZs; placement = binpack does "
                  "not spread them (AWS refuses it)")]
    desired, found = diagnose(edit((SERVICE_NET, "    placement       = binpack\n" + SERVICE_NET)))
    assert found == [] and desired.resources["east.web"].model.rebalances() is False


def test_a_service_in_one_az_is_warned_about():
    _, found = diagnose(edit((SERVICE_NET, "    subnets         = [a]\n    security_groups = [app_sg]\n    min_tasks")))
    assert [d.severity for d in found] == ["warning"]
    assert "its tasks stop with that AZ" in found[0].summary


def _provider(body: str) -> tuple[str, str]:
    return PROVIDER, f"    capacity_provider {body}\n\n" + PROVIDER


LIMITS = {
    # ECR
    "repository_name": [("  ecr_repository images {", '  ecr_repository images {\n    name = "Shop/Web"')],
    "kms_key_with_aes256": [("  ecr_repository images {",
                             '  ecr_repository images {\n    encryption = aes256\n    kms_key    = "alias/ecr"')],
    "lifecycle_keep_and_expire": [("      expire_after = 14d", "      expire_after = 14d\n      keep_last    = 5")],
    "lifecycle_part_days": [("      expire_after = 14d", "      expire_after = 36h")],
    "lifecycle_tagged_without_prefixes": [('      tag_prefixes = ["v"]\n', "")],
    "lifecycle_any_not_last": [("lifecycle_rule untagged {\n      expire_after = 14d",
                                "lifecycle_rule untagged {\n      tag_status   = any\n      expire_after = 14d")],
    "lifecycle_same_priority": [("      expire_after = 14d", "      expire_after = 14d\n      priority     = 2")],
    # cluster
    "strategy_unknown_provider": [(PROVIDER, "    default_strategy fargat {")],
    "strategy_two_bases": [(STRATEGY, STRATEGY + "\n\n    default_strategy fargate_spot {\n      base = 2\n    }")],
    "strategy_mixes_fargate_and_asg": [
        _provider("fleet {\n      autoscaling_group = hosts\n    }"),
        (STRATEGY, STRATEGY + "\n\n    default_strategy fleet {\n      weight = 1\n    }")],
    "provider_name_prefix": [_provider("ecs_fleet {\n      autoscaling_group = hosts\n    }")],
    "termination_protection_without_scaling": [
        _provider("fleet {\n      autoscaling_group              = hosts\n      managed_scaling                = false\n"
                  "      managed_termination_protection = true\n    }")],
    "termination_protection_without_scale_in_protection": [
        _provider("fleet {\n      autoscaling_group              = hosts\n"
                  "      managed_termination_protection = true\n    }")],
    "one_group_two_providers": [
        _provider("fleet {\n      autoscaling_group = hosts\n    }\n\n    capacity_provider fleet2 {\n"
                  "      autoscaling_group = hosts\n    }")],
    "target_capacity_zero": [
        _provider("fleet {\n      autoscaling_group = hosts\n      target_capacity   = 0%\n    }")],
    # task definition
    "fargate_memory_for_cpu": [(TASK, "    cpu            = 1024\n    memory         = 1GiB")],
    "fargate_cpu": [(TASK, "    cpu            = 300\n    memory         = 1GiB")],
    "fargate_without_sizes": [(TASK, "    cpu            = 512")],
    "fargate_bridge": [(TASK, TASK + "\n    network_mode   = bridge")],
    "no_essential_container": [("      memory = 768MiB", "      memory = 768MiB\n      essential = false")],
    "containers_memory_over_task": [("      memory = 768MiB", "      memory = 2GiB")],
    "container_reservation_over_limit": [("      memory = 768MiB",
                                          "      memory = 768MiB\n      memory_reservation = 1GiB")],
    "awsvpc_host_port": [("        container_port = 8080", "        container_port = 8080\n        host_port      = 80")],
    "mount_unknown_volume": [('        volume = "shared"', '        volume = "sharde"')],
    "iam_auth_without_transit_encryption": [
        ("      efs = shared", "      efs                = shared\n      iam_authorization  = true\n"
                               "      transit_encryption = false")],
    "secrets_without_execution_role": [("    execution_role = exec_role\n", "")],
    "efs_without_a_mount_target_in_an_az": [("  efs shared {\n    subnets         = [a, b]",
                                             "  efs shared {\n    subnets         = [a]")],
    "secret_from_s3": [("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                        "arn:aws:s3:::shop-config/db-password")],
    "task_role_not_for_ecs_tasks": [("    task_role      = task_role", "    task_role      = ec2_role"),
                                    ("iam_role task_role {", "iam_role ec2_role {\n  assumed_by = [ec2]\n}\n\n"
                                                             "iam_role task_role {")],
    "ec2_task_ephemeral_storage": [(TASK, TASK + "\n    compatibilities   = [ec2]\n    ephemeral_storage = 30GiB"),
                                   ("    launch_type     = fargate", "    launch_type     = ec2")],
    "container_health_check_interval": [
        ("      mount {", "      health_check {\n        command  = [\"CMD-SHELL\", \"true\"]\n"
                          "        interval = 2s\n      }\n\n      mount {")],
    # service
    "target_type_instance_for_awsvpc": [("target_group = app", "target_group = by_instance")],
    "balancer_unknown_container": [('container    = "web"', 'container    = "api"')],
    "balancer_unmapped_port": [("      port         = 8080", "      port         = 9090")],
    "launch_type_and_strategy": [("    launch_type     = fargate",
                                  "    launch_type     = fargate\n\n    capacity_provider_strategy fargate_spot {\n"
                                  "      weight = 1\n    }\n")],
    "ec2_launch_for_fargate_task": [("    launch_type     = fargate", "    launch_type     = ec2")],
    "awsvpc_without_subnets": [(SERVICE_NET, "    min_tasks")],
    "subnets_of_two_vpcs": [(SERVICE_NET, "    subnets         = [a, elsewhere]\n    security_groups = [app_sg]\n"
                                          "    min_tasks")],
    "desired_outside_scaling_range": [("    desired         = 3", "    desired         = 20")],
    "min_tasks_over_max": [("    min_tasks       = 3", "    min_tasks       = 13")],
    "policy_without_target": [("      target = 1000\n", "")],
    "request_count_as_percent": [("      target = 1000", "      target = 50%")],
    "cpu_as_number": [("      metric = request_count\n      target = 1000", "      metric = cpu\n      target = 50")],
    "deployment_cannot_move": [("    max_tasks       = 12", "    max_tasks       = 12\n\n    deployment {\n"
                                                         "      min_healthy = 100%\n      max_percent = 100%\n    }")],
    "rollback_without_circuit_breaker": [("    max_tasks       = 12", "    max_tasks       = 12\n\n    deployment {\n"
                                                                   "      circuit_breaker = false\n    }")],
    "scheduled_min_over_max": [("    scaling_policy requests {",
                                "    scaling_policy night {\n      type     = scheduled\n"
                                "      schedule = \"cron(0 22 * * ? *)\"\n      min      = 5\n      max      = 2\n"
                                "    }\n\n    scaling_policy requests {")],
    "queue_backlog_without_queue": [("      metric = request_count\n      target = 1000",
                                     "      metric = queue_backlog\n      target = 100")],
    "queue_without_queue_backlog": [("      target = 1000", "      target = 1000\n      queue  = jobs"),
                                    ("  ecs_cluster apps {", "  sqs_queue jobs {\n  }\n\n  ecs_cluster apps {")],
    "metric_read_from_a_resource": [("      metric = request_count", "      metric = front.dns_name")],
    "desired_over_quota": [("    desired         = 3", "    desired         = 6000")],
}


def _no_containers() -> str:
    start = BASE.index("    container web {")
    end = BASE.index("    volume shared {")
    return BASE[:start] + BASE[end:]


@pytest.mark.parametrize("case", sorted([*LIMITS, "no_containers"]))
def test_each_rule_is_one_diagnostic(case, snapshot):
    text = _no_containers() if case == "no_containers" else edit(*LIMITS[case])
    _, found = diagnose(text)
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


# --- CloudFormation ------------------------------------------------------------------------------

def _generate(tmp_path, text: str):
    from archform.providers.cloudformation import generate
    source = tmp_path / "ecs.arch"
    source.write_text(text)
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    return result


def _parts(result, rtype: str) -> dict:
    return {lid: r for _, body in result.templates for lid, r in body["Resources"].items() if r["Type"] == rtype}


def test_cloudformation_writes_the_safe_defaults_and_aws_s_shapes(tmp_path):
    result = _generate(tmp_path, BASE)
    (repo,) = [r["Properties"] for r in _parts(result, "AWS::ECR::Repository").values()]
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True} and repo["ImageTagMutability"] == "IMMUTABLE"
    assert repo["EncryptionConfiguration"] == {"EncryptionType": "KMS"}
    import json
    rules = json.loads(repo["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    assert [r["selection"] for r in rules] == [
        {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
        {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 30}]
    (cluster,) = [r["Properties"] for r in _parts(result, "AWS::ECS::Cluster").values()]
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    (assoc,) = [r["Properties"] for r in _parts(result, "AWS::ECS::ClusterCapacityProviderAssociations").values()]
    assert assoc["CapacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert assoc["DefaultCapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}]
    (task,) = [r["Properties"] for r in _parts(result, "AWS::ECS::TaskDefinition").values()]
    assert (task["Cpu"], task["Memory"], task["NetworkMode"], task["RequiresCompatibilities"]) == \
        ("512", "1024", "awsvpc", ["FARGATE"])
    (web,) = task["ContainerDefinitions"]
    assert web["Image"] == {"Fn::Sub": "${EastImages.RepositoryUri}:v1.0.0"}
    assert web["Secrets"] == [{"Name": "DB_PASSWORD",
                               "ValueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}]
    assert web["ReadonlyRootFilesystem"] is True and web["Memory"] == 768
    assert task["Volumes"][0]["EFSVolumeConfiguration"]["TransitEncryption"] == "ENABLED"
    ((lid, service),) = _parts(result, "AWS::ECS::Service").items()
    props = service["Properties"]
    assert service["DependsOn"] == "EastFrontListenerHttp"  # ECS refuses a target group no listener uses
    assert props["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert props["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert props["LaunchType"] == "FARGATE" and props["PlatformVersion"] == "LATEST"
    assert "PlacementStrategies" not in props  # Fargate places tasks itself
    (target,) = [r["Properties"] for r in _parts(result, "AWS::ApplicationAutoScaling::ScalableTarget").values()]
    assert (target["MinCapacity"], target["MaxCapacity"], target["ScalableDimension"]) == \
        (3, 12, "ecs:service:DesiredCount")
    assert target["ResourceId"] == {"Fn::Sub": "service/${EastApps}/${EastWeb.Name}"}
    (policy,) = [r["Properties"] for r in _parts(result, "AWS::ApplicationAutoScaling::ScalingPolicy").values()]
    spec = policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
    assert spec == {"PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": {"Fn::Sub": "${EastFront.LoadBalancerFullName}/${EastApp.TargetGroupFullName}"}}


EC2_SERVICE = [
    (PROVIDER, "    capacity_provider fleet {\n      autoscaling_group = hosts\n    }\n\n" + PROVIDER),
    ("  ecs_service web {", '''  ecs_task_definition worker_task {
    compatibilities = [ec2]
    network_mode    = bridge

    container worker {
      image  = "public.ecr.aws/docker/library/busybox:1.36"
      cpu    = 256
      memory = 512MiB
    }
  }

  ecs_service workers {
    cluster         = apps
    task_definition = worker_task
    desired         = 2
    placement       = binpack

    capacity_provider_strategy fleet {
      weight = 1
    }

    min_tasks = 2
    max_tasks = 8

    scaling_policy busy {
      type       = step
      metric     = cpu
      threshold  = 75%
      adjustment = 2
    }

    scaling_policy night {
      type     = scheduled
      schedule = "cron(0 22 * * ? *)"
      max      = 2
    }
  }

  ecs_service web {'''),
]


def test_an_ec2_service_on_a_capacity_provider_in_cloudformation(tmp_path):
    result = _generate(tmp_path, edit(*EC2_SERVICE))
    (provider,) = [r["Properties"] for r in _parts(result, "AWS::ECS::CapacityProvider").values()]
    assert provider["AutoScalingGroupProvider"] == {
        "AutoScalingGroupArn": {"Ref": "EastHosts"},
        "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 100},
        "ManagedTerminationProtection": "DISABLED", "ManagedDraining": "ENABLED"}
    (assoc,) = [r["Properties"] for r in _parts(result, "AWS::ECS::ClusterCapacityProviderAssociations").values()]
    assert assoc["CapacityProviders"] == ["FARGATE", "FARGATE_SPOT", {"Ref": "EastAppsProviderFleet"}]
    services = _parts(result, "AWS::ECS::Service")
    workers = services["EastWorkers"]
    assert workers["DependsOn"] == "EastAppsProviders"  # the strategy's provider is the cluster's first
    assert workers["Properties"]["CapacityProviderStrategy"] == [
        {"CapacityProvider": {"Ref": "EastAppsProviderFleet"}, "Weight": 1}]
    assert workers["Properties"]["PlacementStrategies"] == [{"Type": "binpack", "Field": "memory"}]
    # CloudFormation's default (ENABLED) is refused beside binpack: the template says DISABLED
    assert workers["Properties"]["AvailabilityZoneRebalancing"] == "DISABLED"
    assert services["EastWeb"]["Properties"]["AvailabilityZoneRebalancing"] == "ENABLED"
    assert "NetworkConfiguration" not in workers["Properties"]
    (target,) = [r["Properties"] for lid, r in _parts(result, "AWS::ApplicationAutoScaling::ScalableTarget").items()
                 if lid.startswith("EastWorkers")]
    assert target["ScheduledActions"] == [{"ScheduledActionName": "night", "Schedule": "cron(0 22 * * ? *)",
                                           "ScalableTargetAction": {"MaxCapacity": 2}}]
    (alarm,) = [r["Properties"] for r in _parts(result, "AWS::CloudWatch::Alarm").values()]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == ("AWS/ECS", "CPUUtilization", 75)


def test_capacity_provider_instances_without_a_role_are_warned_about(snapshot):
    """Notes §15.2.2: on the EC2 launch type the ECS agent works with the instances' profile
    (register, pull images, write logs); an Auto Scaling group without one never joins."""
    _, found = diagnose(edit(*EC2_SERVICE))
    assert [d.severity for d in found] == ["warning"]
    assert render(found[0]) == snapshot
    with_role = edit(*EC2_SERVICE, ("      instance_type = m5.large\n",
                                    "      instance_type = m5.large\n      iam_role      = host_role\n"),
                     ("iam_role task_role {", "iam_role host_role {\n  assumed_by = [ec2]\n  policies   = "
                                              "[\"service-role/AmazonEC2ContainerServiceforEC2Role\"]\n}\n\n"
                                              "iam_role task_role {"))
    _, found = diagnose(with_role)
    assert found == [], [d.summary for d in found]


@pytest.mark.parametrize("pairs", [[], EC2_SERVICE], ids=["fargate", "ec2"])
def test_ecs_templates_pass_cfn_lint_with_informational_rules(tmp_path, pairs):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation.write import write
    result = _generate(tmp_path, edit(*pairs))
    write(result, tmp_path / "out", "yaml")
    found = [(m.rule.id, m.message) for t, _ in result.templates
             for m in lint_file(tmp_path / "out" / t.file, config=ManualArgs(regions=[t.region], include_checks=["I"]))]
    assert [f for f in found if f[0] != "W3010"] == []  # W3010: the architecture names its AZs on purpose


def test_an_ecs_service_consumes_a_queue_workload_and_says_how_many_messages_a_task_takes():
    from pathlib import Path
    text = (Path(__file__).parents[1] / "providers" / "chaos_cases" / "ecs_queue_workers.arch").read_text()
    _, found = diagnose(text)
    assert found == []
    _, found = diagnose(text.replace("    per_instance = 10\n", ""))
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "primary.orders_in: per_instance is 1: each task processes one message at a time")]


def test_backlog_scaling_in_cloudformation_is_metric_math_over_running_tasks(tmp_path):
    from pathlib import Path
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation.write import write
    text = (Path(__file__).parents[1] / "providers" / "chaos_cases" / "ecs_queue_workers.arch").read_text()
    result = _generate(tmp_path, text)
    (policy,) = [r["Properties"] for r in _parts(result, "AWS::ApplicationAutoScaling::ScalingPolicy").values()]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 20 and "PredefinedMetricSpecification" not in config
    visible, tasks, backlog = config["CustomizedMetricSpecification"]["Metrics"]
    assert visible["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "QueueName",
                                                              "Value": {"Fn::GetAtt": ["PrimaryOrders", "QueueName"]}}]
    assert tasks["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"
    assert backlog == {"Id": "backlog", "Label": "Messages visible per running task", "ReturnData": True,
                       "Expression": "visible / tasks"}
    write(result, tmp_path / "out", "yaml")
    found = [(m.rule.id, m.message) for t, _ in result.templates
             for m in lint_file(tmp_path / "out" / t.file, config=ManualArgs(regions=[t.region], include_checks=["I"]))]
    assert [f for f in found if f[0] != "W3010"] == []
