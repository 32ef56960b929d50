"""Which AWS shape stands for each kind: a name in diagrams.net's AWS 2024 library
(`mxgraph.aws4.*`, used by the draw.io export) for every kind, every synthetic node and every
frame.

A shape is either a service icon (`("resIcon", "aurora")`: a coloured square with the
service's glyph, `shape=mxgraph.aws4.resourceIcon;resIcon=mxgraph.aws4.aurora`) or a resource
icon (`("shape", "nat_gateway")`: the glyph alone in its category's colour,
`shape=mxgraph.aws4.nat_gateway`); AWS's diagrams use the first for services and the second for
the resources inside them, and so does this table. Frames are AWS groups where the library has
one (Region, VPC, subnets, the AWS Cloud around global services, a corporate data centre) and
plain frames in AWS's colours where it has none (Availability Zone, hosted zone): the library's
own Groups palette draws an Availability Zone that way too.

The names are checked against the library's list (tests/planner/data/drawio_aws4_library.txt,
extracted from diagrams.net's sidebar source); a kind missing here fails a test naming it.
"""

from __future__ import annotations

# kind → (form, name): form "resIcon" (service icon) or "shape" (resource icon)
SHAPES: dict[str, tuple[str, str]] = {
    "api_gateway": ("resIcon", "api_gateway"),
    "apprunner_service": ("resIcon", "app_runner"),
    "athena_workgroup": ("resIcon", "athena"),
    "aurora": ("resIcon", "aurora"),
    "autoscaling_group": ("resIcon", "auto_scaling2"),
    "backup_plan": ("shape", "backup_plan"),
    "backup_vault": ("shape", "backup_vault"),
    "batch_compute_environment": ("resIcon", "batch"),
    "batch_job_definition": ("resIcon", "batch"),
    "batch_job_queue": ("shape", "queue"),
    "beanstalk_application": ("resIcon", "elastic_beanstalk"),
    "beanstalk_environment": ("resIcon", "elastic_beanstalk"),
    "certificate": ("resIcon", "certificate_manager_3"),
    "cloudfront": ("resIcon", "cloudfront"),
    "cloudtrail_trail": ("resIcon", "cloudtrail"),
    "cloudwatch_alarm": ("shape", "alarm"),
    "cognito_identity_pool": ("resIcon", "cognito"),
    "cognito_user_pool": ("resIcon", "cognito"),
    "composite_alarm": ("shape", "alarm"),
    "config_recorder": ("resIcon", "config"),
    "config_rule": ("shape", "rule_3"),
    "customer_gateway": ("shape", "customer_gateway"),
    "dashboard": ("resIcon", "cloudwatch_2"),
    "dms_endpoint": ("resIcon", "database_migration_service"),
    "dms_replication_instance": ("resIcon", "database_migration_service"),
    "dms_replication_task": ("shape", "database_migration_workflow_job"),
    "dns_record": ("resIcon", "route_53"),
    "dns_zone": ("shape", "hosted_zone"),
    "documentdb_cluster": ("resIcon", "documentdb_with_mongodb_compatibility"),
    "dr_plan": ("resIcon", "resilience_hub"),
    "dx_connection": ("resIcon", "direct_connect"),
    "dx_gateway": ("shape", "gateway"),
    "dx_virtual_interface": ("shape", "router"),
    "dynamodb_table": ("resIcon", "dynamodb"),
    "ebs_volume": ("shape", "volume"),
    "ecr_repository": ("shape", "registry"),
    "ecs_cluster": ("resIcon", "ecs"),
    "ecs_service": ("shape", "ecs_service"),
    "ecs_task_definition": ("shape", "ecs_task"),
    "efs": ("resIcon", "elastic_file_system"),
    "egress_only_internet_gateway": ("shape", "internet_gateway"),
    "eks_cluster": ("resIcon", "eks"),
    "eks_fargate_profile": ("resIcon", "fargate"),
    "eks_node_group": ("shape", "instances"),
    "elastic_ip": ("shape", "elastic_ip_address"),
    "elasticache": ("resIcon", "elasticache"),
    "emr_cluster": ("resIcon", "emr"),
    "event_bus": ("shape", "eventbridge_custom_event_bus_resource"),
    "event_rule": ("shape", "rule_3"),
    "firehose": ("resIcon", "kinesis_data_firehose"),
    "firewall_policy": ("shape", "filtering_rule"),
    "firewall_rule_group": ("shape", "rule_2"),
    "flow_log": ("shape", "flow_logs"),
    "fsx_file_system": ("resIcon", "fsx"),
    "global_accelerator": ("resIcon", "global_accelerator"),
    "glue_crawler": ("shape", "glue_crawlers"),
    "glue_database": ("shape", "glue_data_catalog"),
    "guardduty_detector": ("resIcon", "guardduty"),
    "health_check": ("shape", "route_53_readiness_checks"),
    "iam_group": ("shape", "users"),
    "iam_policy": ("shape", "permissions"),
    "iam_role": ("shape", "role"),
    "iam_user": ("shape", "user"),
    "instance": ("shape", "instance2"),
    "instance_profile": ("shape", "role"),
    "internet_gateway": ("shape", "internet_gateway"),
    "keyspaces_keyspace": ("resIcon", "keyspaces"),
    "keyspaces_table": ("resIcon", "keyspaces"),
    "kinesis_stream": ("resIcon", "kinesis_data_streams"),
    "kms_key": ("shape", "data_encryption_key"),
    "lambda_event_source": ("shape", "event_resource"),
    "lambda_function": ("shape", "lambda_function"),
    "launch_template": ("shape", "ami"),
    "load_balancer": ("shape", "application_load_balancer"),
    "log_group": ("shape", "cloudwatch_logs"),
    "mq_broker": ("shape", "mq_broker"),
    "msk_cluster": ("resIcon", "managed_streaming_for_kafka"),
    "nat_gateway": ("shape", "nat_gateway"),
    "neptune_cluster": ("resIcon", "neptune"),
    "network_acl": ("shape", "network_access_control_list"),
    "network_firewall": ("resIcon", "network_firewall"),
    "network_interface": ("shape", "elastic_network_interface"),
    "opensearch_domain": ("resIcon", "elasticsearch_service"),
    "placement_group": ("shape", "optimized_instance"),
    "rds": ("resIcon", "rds"),
    "rds_proxy": ("shape", "rds_proxy"),
    "redshift_cluster": ("resIcon", "redshift"),
    "redshift_serverless": ("shape", "redshift_ra3"),
    "route_table": ("shape", "route_table"),
    "s3_bucket": ("shape", "bucket"),
    "scp": ("shape", "organizations_organizational_unit"),
    "service_quota": ("resIcon", "trusted_advisor"),  # the library has no Service Quotas icon
    "secret": ("resIcon", "secrets_manager"),
    "security_group": ("shape", "generic_firewall"),
    "shield_protection": ("shape", "shield_shield_advanced"),
    "sns_topic": ("shape", "topic"),
    "sqs_queue": ("shape", "queue"),
    "ssm_parameter": ("shape", "parameter_store"),
    "state_machine": ("resIcon", "step_functions"),
    "subnet": ("shape", "vpc_virtual_private_cloud_vpc"),
    "target_group": ("shape", "resource"),
    "timestream_database": ("resIcon", "timestream"),
    "timestream_table": ("resIcon", "timestream"),
    "transit_gateway": ("resIcon", "transit_gateway"),
    "transit_gateway_attachment": ("shape", "transit_gateway_attachment"),
    "transit_gateway_route_table": ("shape", "route_table"),
    "vpc": ("resIcon", "vpc"),
    "vpc_endpoint": ("shape", "endpoints"),
    "vpc_peering": ("shape", "peering"),
    "vpn_connection": ("shape", "vpn_connection"),
    "vpn_gateway": ("shape", "vpn_gateway"),
    "waf_ip_set": ("shape", "filtering_rule"),
    "waf_web_acl": ("resIcon", "waf"),
    "workload": ("shape", "generic_application"),
    # members of a resource in their AZs (members.py)
    "aurora_instance": ("shape", "aurora_instance"),
    "db_instance": ("shape", "rds_instance"),
    "rds_instance": ("shape", "rds_instance"),
    "cache_node": ("shape", "cache_node"),
    "instances": ("shape", "instances"),
    "ecs_tasks": ("shape", "ecs_task"),
    "load_balancer_node": ("shape", "application_load_balancer"),
    # nodes that stand for no resource: the internet's users, a host
    "users": ("shape", "users"),
    "host": ("shape", "traditional_server"),
    "placeholder": ("resIcon", "general"),
}

# a load balancer's shape by its type (notes §6.2: application, network, gateway)
LOAD_BALANCERS = {"application": "application_load_balancer", "network": "network_load_balancer",
                  "gateway": "gateway_load_balancer"}

# frame kind → (group icon or None for a plain frame, stroke, fill, font colour, dashed);
# colours are the library's own for each group (its Groups palette)
GROUPS: dict[str, tuple[str | None, str, str, str, bool]] = {
    "global": ("group_aws_cloud_alt", "#232F3E", "none", "#232F3E", False),
    "region": ("group_region", "#00A4A6", "none", "#147EBA", True),
    "vpc": ("group_vpc2", "#8C4FFF", "none", "#AAB7B8", False),
    "az": (None, "#147EBA", "none", "#147EBA", True),
    "subnet_public": ("group_security_group", "#7AA116", "#F2F6E8", "#248814", False),
    "subnet_private": ("group_security_group", "#00A4A6", "#E6F6F7", "#147EBA", False),
    "zone": (None, "#8C4FFF", "none", "#6B35D9", True),
    "dc": ("group_corporate_data_center", "#7D8998", "none", "#5A6C86", False),
    "rack": (None, "#5A6C86", "#EFF0F3", "#232F3D", False),
    "host": ("group_ec2_instance_contents", "#D86613", "none", "#D86613", False),
}


def shape_of(kind: str, attrs: dict | None = None) -> tuple[str, str]:
    """The (form, name) of a node of this kind; an instance of a group (`--instances`,
    `--physical`) is an EC2 instance."""
    if kind in ("load_balancer", "load_balancer_node") and attrs:
        name = LOAD_BALANCERS.get(str(attrs.get("type") or "application"))
        if name:
            return ("shape", name)
    return SHAPES.get(kind, ("resIcon", "general"))


def group_of(frame_kind: str, public: bool = False) -> tuple[str | None, str, str, str, bool]:
    key = f"subnet_{'public' if public else 'private'}" if frame_kind == "subnet" else frame_kind
    return GROUPS.get(key, GROUPS["rack"])
