"""Rules across many resources, run after every resource has been checked on its own.

Each rule is one module of this package exporting one function of the same name,
`rule(graph) -> Iterable[Issue]`, whose issues carry the `address` they are about. Rules are
discovered in module-name order and are pure functions of the resolved graph. `KINDS` says
which kinds a rule looks at, so a configuration without them does not import it (a test
keeps it true); a rule missing from `KINDS` always runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache


KINDS: dict[str, tuple[str, ...]] = {
    "cloudfront_certificate_region": ("cloudfront",),
    "cluster_placement_single_az": ("placement_group",),
    "dns_cname_exclusive": ("dns_record",),
    "dns_record_sets": ("dns_record",),
    "dr_data_tier_running": ("dr_plan",),
    "dr_multi_site_capacity": ("dr_plan",),
    "dr_plan_regions": ("dr_plan",),
    "dr_rpo_backups": ("dr_plan",),
    "dr_rpo_replication": ("dr_plan",),
    "dr_warm_standby_copy": ("dr_plan",),
    "elastic_ip_association": ("elastic_ip", "nat_gateway"),
    "elastic_ip_limit": ("elastic_ip", "nat_gateway"),
    "internet_gateway_per_vpc": ("internet_gateway",),
    "network_acl_association": ("network_acl",),
    "network_firewall_limit": ("network_firewall",),
    "placement_group_limit": ("placement_group",),
    "rds_proxy_from_vpc": ("rds_proxy", "lambda_function"),
    "route_table_association": ("route_table",),
    "s3_bucket_names_unique": ("s3_bucket",),
    "s3_replication_chain": ("s3_bucket",),
    "spread_placement_limit": ("placement_group",),
    "subnet_overlap": ("subnet",),
    "vpc_limit": ("vpc",),
    "reachability": ("load_balancer", "rds", "aurora", "elasticache"),
    "dr_rpo_redshift_snapshots": ("dr_plan", "redshift_cluster"),
    "waf_cloudfront_scope": ("cloudfront",),
    "names_unique": ("apprunner_service", "athena_workgroup", "backup_vault", "batch_compute_environment",
                     "batch_job_definition", "batch_job_queue", "beanstalk_application", "beanstalk_environment",
                     "cloudtrail_trail", "cloudwatch_alarm", "composite_alarm", "config_recorder", "config_rule",
                     "ecr_repository", "ecs_cluster", "ecs_service", "eks_cluster", "eks_fargate_profile",
                     "eks_node_group", "event_bus", "firehose", "glue_crawler", "glue_database",
                     "keyspaces_keyspace", "keyspaces_table", "kinesis_stream", "lambda_function", "log_group",
                     "mq_broker", "opensearch_domain", "secret", "sns_topic", "sqs_queue", "ssm_parameter",
                     "state_machine", "timestream_database", "timestream_table", "instance_profile"),
}


def rules_for(kinds_present) -> tuple:
    """The rules that can find something in a graph holding these kinds, in name order."""
    present = set(kinds_present)
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        wanted = KINDS.get(info.name)
        if wanted is not None and present.isdisjoint(wanted):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(getattr(module, info.name))
    return tuple(found)


@lru_cache(maxsize=1)
def rules() -> tuple:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(getattr(module, info.name))
    return tuple(found)
