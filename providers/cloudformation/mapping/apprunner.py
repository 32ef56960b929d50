"""AWS App Runner: a service is an `AWS::AppRunner::Service`, with an
`AWS::AppRunner::AutoScalingConfiguration` of its own (min/max size, max concurrency) and, for
a `vpc_connector`, an `AWS::AppRunner::VpcConnector`. The source is an image repository (ECR or
ECR Public, with the access role for a private one) or a code repository read through its
connection and built with a managed runtime; the instance's vCPU and memory are written as App
Runner spells them ("1 vCPU", "2 GB")."""

from __future__ import annotations

import re

from archform.stdlib.kinds.apprunner import image_repository_type

from ..units import seconds
from .common import getatt

_RUNTIMES = {"python3": "PYTHON_3", "python311": "PYTHON_311", "nodejs12": "NODEJS_12", "nodejs14": "NODEJS_14",
             "nodejs16": "NODEJS_16", "nodejs18": "NODEJS_18", "corretto8": "CORRETTO_8", "corretto11": "CORRETTO_11",
             "go1": "GO_1", "dotnet6": "DOTNET_6", "php81": "PHP_81", "ruby31": "RUBY_31"}


def _gb(text: str) -> str:
    """"2GB" / "2GiB" / "512MiB" → App Runner's "2 GB" / "0.5 GB"."""
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]+)", str(text))
    number, unit = float(m.group(1)), m.group(2)
    gb = number / 1024 if unit in ("MB", "MiB") else number
    return f"{gb:g} GB"


def _source(r) -> dict:
    env = r.val("environment") or None
    env_list = [{"Name": k, "Value": r.val("environment", k)} for k in sorted(env)] if env else None
    image = r.raw("image")
    if image is not None:
        return {"ImageRepository": {"ImageIdentifier": r.val("image"),
                                    "ImageRepositoryType": image_repository_type(image),
                                    "ImageConfiguration": {"Port": r.text("port"),
                                                           "RuntimeEnvironmentVariables": env_list}},
                "AuthenticationConfiguration": {"AccessRoleArn": r.ref("access_role", export="arn")}
                if r.target("access_role") else None,
                "AutoDeploymentsEnabled": bool(r.raw("auto_deploy"))}
    return {"CodeRepository": {"RepositoryUrl": r.val("repository"),
                               "SourceCodeVersion": {"Type": "BRANCH", "Value": r.val("branch")},
                               "CodeConfiguration": {"ConfigurationSource": "API", "CodeConfigurationValues": {
                                   "Runtime": _RUNTIMES.get(r.raw("runtime"), r.raw("runtime")),
                                   "BuildCommand": r.val("build_command"), "StartCommand": r.val("start_command"),
                                   "Port": r.text("port"), "RuntimeEnvironmentVariables": env_list}}},
            "AuthenticationConfiguration": {"ConnectionArn": r.val("connection")},
            "AutoDeploymentsEnabled": bool(r.raw("auto_deploy"))}


def _health_check(r) -> dict | None:
    hc = r.raw("health_check")
    if hc is None:
        return None
    return {"Protocol": (hc.get("protocol") or "tcp").upper(), "Path": r.val("health_check", "path"),
            "Interval": int(seconds(r.get("health_check", "interval"))),
            "Timeout": int(seconds(r.get("health_check", "timeout"))),
            "HealthyThreshold": r.val("health_check", "healthy_threshold"),
            "UnhealthyThreshold": r.val("health_check", "unhealthy_threshold")}


def apprunner_service(r):
    r.part("AWS::AppRunner::AutoScalingConfiguration", {
        "MinSize": r.val("min_size"), "MaxSize": r.val("max_size"), "MaxConcurrency": r.val("max_concurrency"),
    }, suffix="Scaling")
    connector = r.raw("vpc_connector")
    if connector is not None:
        r.part("AWS::AppRunner::VpcConnector", {
            "Subnets": r.refs("vpc_connector", "subnets"),
            "SecurityGroups": r.refs("vpc_connector", "security_groups") or None,
        }, suffix="Connector")
    r.part("AWS::AppRunner::Service", {
        "ServiceName": r.val("name"),
        "SourceConfiguration": _source(r),
        "InstanceConfiguration": {"Cpu": f"{float(r.raw('cpu') or 1):g} vCPU", "Memory": _gb(r.raw("memory") or "2GB"),
                                  "InstanceRoleArn": r.ref("instance_role", export="arn")
                                  if r.target("instance_role") else None},
        "AutoScalingConfigurationArn": r.att("Scaling", "AutoScalingConfigurationArn"),
        "HealthCheckConfiguration": _health_check(r),
        "NetworkConfiguration": {
            "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": r.att("Connector", "VpcConnectorArn")}
            if connector is not None else {"EgressType": "DEFAULT"},
            "IngressConfiguration": {"IsPubliclyAccessible": r.raw("public") is not False},
        },
        "Tags": r.tags(),
    })


MAPPERS = {"apprunner_service": apprunner_service}

TYPES = {"apprunner_service": ["AWS::AppRunner::Service", "AWS::AppRunner::AutoScalingConfiguration",
                               "AWS::AppRunner::VpcConnector"]}

EXPORTS = {"apprunner_service": {"id": getatt("ServiceId"), "arn": getatt("ServiceArn"), "url": getatt("ServiceUrl")}}
