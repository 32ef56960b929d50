"""The catalogue: every resource kind archform knows, by name.

Kinds live in the modules of `stdlib/kinds/` (one per service family). `INDEX` says which
module defines which kind, so resolving a configuration imports only the families it uses
(importing all of them is a fifth of a small command's start-up); `kinds()` discovers and
imports everything, and a test keeps `INDEX` equal to what discovery finds. `adapter()` is
the discriminated union on `kind` (pydantic), for reading any resource back from JSON.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from archform.stdlib import kinds as _kinds_pkg
from archform.stdlib.schema import Kind


INDEX: dict[str, str] = {
    "api_gateway": "apigateway",
    "aurora": "database",
    "autoscaling_group": "autoscaling",
    "certificate": "security",
    "cloudfront": "edge",
    "dns_record": "dns",
    "dns_zone": "dns",
    "dr_plan": "dr",
    "dynamodb_table": "database",
    "ebs_volume": "compute",
    "efs": "storage",
    "egress_only_internet_gateway": "network",
    "elastic_ip": "network",
    "elasticache": "database",
    "global_accelerator": "edge",
    "health_check": "health_checks",
    "iam_policy": "security",
    "iam_role": "security",
    "iam_group": "iam",
    "iam_user": "iam",
    "instance_profile": "iam",
    "scp": "iam",
    "instance": "compute",
    "internet_gateway": "network",
    "lambda_event_source": "serverless",
    "lambda_function": "serverless",
    "launch_template": "compute",
    "load_balancer": "loadbalancing",
    "nat_gateway": "network",
    "network_acl": "firewall",
    "network_interface": "network",
    "placement_group": "compute",
    "rds": "database",
    "route_table": "routing",
    "s3_bucket": "storage",
    "security_group": "firewall",
    "sns_topic": "messaging",
    "sqs_queue": "messaging",
    "subnet": "network",
    "target_group": "loadbalancing",
    "vpc": "network",
    "vpc_endpoint": "routing",
    "vpc_peering": "routing",
    "workload": "workload",
    "kinesis_stream": "streaming",
    "firehose": "streaming",
    "event_bus": "events",
    "event_rule": "events",
    "state_machine": "workflows",
    "cognito_user_pool": "identity",
    "mq_broker": "mq",
    "documentdb_cluster": "clusterdb",
    "neptune_cluster": "clusterdb",
    "rds_proxy": "dbproxy",
    "msk_cluster": "kafka",
    "redshift_cluster": "redshift",
    "redshift_serverless": "redshift",
    "opensearch_domain": "opensearch",
    "glue_database": "analytics",
    "glue_crawler": "analytics",
    "athena_workgroup": "analytics",
    "emr_cluster": "emr",
    "keyspaces_keyspace": "keyspaces",
    "keyspaces_table": "keyspaces",
    "timestream_database": "timestream",
    "timestream_table": "timestream",
    "eks_cluster": "eks",
    "eks_node_group": "eks",
    "eks_fargate_profile": "eks",
    "beanstalk_application": "beanstalk",
    "beanstalk_environment": "beanstalk",
    "batch_compute_environment": "batch",
    "batch_job_queue": "batch",
    "batch_job_definition": "batch",
    "apprunner_service": "apprunner",
    "cognito_identity_pool": "identity_pools",
    "transit_gateway": "transit",
    "transit_gateway_attachment": "transit",
    "transit_gateway_route_table": "transit",
    "customer_gateway": "vpn",
    "vpn_gateway": "vpn",
    "vpn_connection": "vpn",
    "dx_connection": "directconnect",
    "dx_gateway": "directconnect",
    "dx_virtual_interface": "directconnect",
    "backup_vault": "backup",
    "backup_plan": "backup",
    "ecr_repository": "ecr",
    "ecs_cluster": "ecs",
    "ecs_task_definition": "ecs_tasks",
    "ecs_service": "ecs_services",
    "kms_key": "keys",
    "secret": "secrets",
    "ssm_parameter": "secrets",
    "waf_web_acl": "waf",
    "waf_ip_set": "waf",
    "cloudwatch_alarm": "monitoring",
    "log_group": "monitoring",
    "composite_alarm": "monitoring",
    "dashboard": "monitoring",
    "cloudtrail_trail": "audit",
    "flow_log": "audit",
    "config_recorder": "audit",
    "config_rule": "audit",
    "network_firewall": "netfirewall",
    "firewall_policy": "netfirewall",
    "firewall_rule_group": "netfirewall",
    "shield_protection": "threats",
    "guardduty_detector": "threats",
    "fsx_file_system": "fsx",
    "dms_replication_instance": "dms",
    "dms_endpoint": "dms",
    "dms_replication_task": "dms",
    "service_quota": "quotas",
}


class _LazyKinds:
    """A read-only mapping of kind name → model that imports a family when first asked."""

    def __contains__(self, name) -> bool:
        return name in INDEX or name in _extra()

    def __getitem__(self, name: str) -> type[Kind]:
        cls = get(name)
        if cls is None:
            raise KeyError(name)
        return cls

    def get(self, name: str, default=None):
        return get(name) or default

    def __iter__(self):
        return iter(sorted(set(INDEX) | set(_extra())))

    def __len__(self) -> int:
        return len(set(INDEX) | set(_extra()))

    def keys(self):
        return list(self)


LAZY = _LazyKinds()


def lazy() -> _LazyKinds:
    return LAZY


@lru_cache(maxsize=None)
def _module_kinds(module_name: str) -> dict[str, type[Kind]]:
    module = importlib.import_module(f"{_kinds_pkg.__name__}.{module_name}")
    found = {}
    for obj in vars(module).values():
        if (isinstance(obj, type) and issubclass(obj, Kind) and obj is not Kind
                and "kind" in obj.model_fields and obj.__module__ == module.__name__):
            found[obj.kind_name()] = obj
    return found


@lru_cache(maxsize=1)
def _extra() -> dict[str, type[Kind]]:
    """Kinds of modules INDEX does not know yet (a family being written): found by discovery."""
    known = set(INDEX.values())
    out = {}
    for info in pkgutil.iter_modules(_kinds_pkg.__path__):
        if info.name not in known and not info.name.startswith("_"):
            out.update(_module_kinds(info.name))
    return out


@lru_cache(maxsize=1)
def kinds() -> dict[str, type[Kind]]:
    found: dict[str, type[Kind]] = {}
    for info in sorted(pkgutil.iter_modules(_kinds_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_kinds_pkg.__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Kind) and obj is not Kind
                    and "kind" in obj.model_fields and obj.__module__ == module.__name__):
                name = obj.kind_name()
                if name in found and found[name] is not obj:
                    raise RuntimeError(f"kind '{name}' defined twice: {found[name]} and {obj}")
                found[name] = obj
    return dict(sorted(found.items()))


def get(kind: str) -> type[Kind] | None:
    module = INDEX.get(kind)
    if module is not None:
        return _module_kinds(module).get(kind)
    return _extra().get(kind)


@lru_cache(maxsize=1)
def adapter() -> TypeAdapter:
    """Validates any resource's attributes (with `kind`) into its model."""
    models = tuple(kinds().values())
    union = Annotated[Union[models], Field(discriminator="kind")]  # type: ignore[valid-type]
    return TypeAdapter(union)
