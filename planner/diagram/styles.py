"""How things look: a colour and a shape per service category, AWS's group-frame conventions,
and the colours of the plan and chaos overlays.

Categories follow the AWS Architecture Icons families (compute orange, storage green, database
magenta, networking purple, security red, management pink), each with its own shape so a
diagram printed in grey still reads. Frames follow AWS's group conventions: a Region is a
dashed teal frame, a VPC a solid purple one, an Availability Zone dashed blue, a public subnet
green-filled, a private subnet teal-filled; a Route 53 hosted zone is a dashed purple frame
and the global services sit in a grey frame outside every region.
"""

from __future__ import annotations

from archform.stdlib import facets

FONT = "Helvetica,Arial,sans-serif"

# category → (border colour, fill colour, shape, extra node style, legend text)
CATEGORIES: dict[str, tuple[str, str, str, str, str]] = {
    "edge": ("#8C4FFF", "#F3EDFF", "octagon", "", "DNS and edge (Route 53, CloudFront, Global Accelerator)"),
    "loadbalancing": ("#7D3CD8", "#F1E9FD", "hexagon", "", "Load balancing"),
    "compute": ("#ED7100", "#FDF0E3", "box", "rounded", "Compute (EC2, Auto Scaling)"),
    "database": ("#C925D1", "#F9E8FA", "cylinder", "", "Databases (RDS, Aurora, ElastiCache, DynamoDB)"),
    "storage": ("#3F8624", "#EAF3E6", "folder", "", "Storage (S3, EBS, EFS)"),
    "network": ("#0972D3", "#E6F0FB", "ellipse", "", "Networking (gateways, routes, endpoints)"),
    "security": ("#DD344C", "#FCE9EC", "note", "", "Security and identity (security groups, IAM, ACM)"),
    "management": ("#E7157B", "#FDE7F2", "component", "", "Operations (monitoring, audit, backups, DR plans)"),
    "serverless": ("#D45B07", "#FEF1E6", "box3d", "", "Serverless (Lambda, API Gateway)"),
    "integration": ("#B0084D", "#FBE7EF", "tab", "", "Application integration (SQS, SNS)"),
    "analytics": ("#5A30B5", "#EFEAFB", "cds", "", "Analytics (Kinesis, Firehose)"),
    "workload": ("#687078", "#FFFFFF", "parallelogram", "dashed", "Modeled demand (workloads: not deployed)"),
    "other": ("#545B64", "#F2F3F3", "box", "", "Other"),
}
CATEGORY_ORDER = list(CATEGORIES)

# kind → (category, display name, minor)
KINDS: dict[str, tuple[str, str, bool]] = {
    "api_gateway": ("serverless", "API Gateway", False),
    "aurora": ("database", "Aurora", False),
    "autoscaling_group": ("compute", "Auto Scaling group", False),
    "certificate": ("security", "ACM certificate", True),
    "cloudfront": ("edge", "CloudFront", False),
    "dns_record": ("edge", "Route 53 record", False),
    "dns_zone": ("edge", "Route 53 hosted zone", False),
    "dr_plan": ("management", "DR plan", False),
    "dynamodb_table": ("database", "DynamoDB table", False),
    "ebs_volume": ("storage", "EBS volume", True),
    "efs": ("storage", "EFS file system", False),
    "fsx_file_system": ("storage", "FSx file system", False),
    "dms_replication_instance": ("database", "DMS replication instance", False),
    "dms_endpoint": ("database", "DMS endpoint", True),
    "dms_replication_task": ("database", "DMS replication task", False),
    "egress_only_internet_gateway": ("network", "Egress-only IGW", True),
    "elastic_ip": ("network", "Elastic IP", True),
    "elasticache": ("database", "ElastiCache", False),
    "global_accelerator": ("edge", "Global Accelerator", False),
    "health_check": ("edge", "Route 53 health check", True),
    "iam_policy": ("security", "IAM policy", True),
    "iam_role": ("security", "IAM role", True),
    "iam_group": ("security", "IAM group", True),
    "iam_user": ("security", "IAM user", True),
    "instance_profile": ("security", "Instance profile", True),
    "scp": ("security", "SCP", True),
    "instance": ("compute", "EC2 instance", False),
    "internet_gateway": ("network", "Internet gateway", False),
    "lambda_event_source": ("serverless", "Event source mapping", True),
    "lambda_function": ("serverless", "Lambda function", False),
    "launch_template": ("compute", "Launch template", True),
    "load_balancer": ("loadbalancing", "Load balancer", False),
    "nat_gateway": ("network", "NAT gateway", False),
    "network_acl": ("security", "Network ACL", True),
    "network_interface": ("network", "Network interface", True),
    "placement_group": ("compute", "Placement group", True),
    "rds": ("database", "RDS", False),
    "route_table": ("network", "Route table", True),
    "s3_bucket": ("storage", "S3 bucket", False),
    "security_group": ("security", "Security group", True),
    "sns_topic": ("integration", "SNS topic", False),
    "sqs_queue": ("integration", "SQS queue", False),
    "subnet": ("network", "Subnet", True),
    "target_group": ("loadbalancing", "Target group", True),
    "vpc": ("network", "VPC", True),
    "vpc_endpoint": ("network", "VPC endpoint", True),
    "vpc_peering": ("network", "VPC peering", False),
    "workload": ("workload", "Workload", False),
    "kinesis_stream": ("analytics", "Kinesis data stream", False),
    "firehose": ("analytics", "Firehose", False),
    "event_bus": ("integration", "EventBridge bus", False),
    "event_rule": ("integration", "EventBridge rule", False),
    "state_machine": ("integration", "Step Functions", False),
    "cognito_user_pool": ("security", "Cognito user pool", False),
    "mq_broker": ("integration", "Amazon MQ broker", False),
    "documentdb_cluster": ("database", "DocumentDB", False),
    "neptune_cluster": ("database", "Neptune", False),
    "rds_proxy": ("database", "RDS Proxy", False),
    "msk_cluster": ("analytics", "Amazon MSK", False),
    "redshift_cluster": ("analytics", "Redshift cluster", False),
    "redshift_serverless": ("analytics", "Redshift Serverless", False),
    "opensearch_domain": ("analytics", "OpenSearch domain", False),
    "glue_database": ("analytics", "Glue database", False),
    "glue_crawler": ("analytics", "Glue crawler", False),
    "athena_workgroup": ("analytics", "Athena workgroup", False),
    "emr_cluster": ("analytics", "EMR cluster", False),
    "keyspaces_keyspace": ("database", "Keyspaces keyspace", False),
    "keyspaces_table": ("database", "Keyspaces table", False),
    "timestream_database": ("database", "Timestream database", False),
    "timestream_table": ("database", "Timestream table", False),
    "eks_cluster": ("compute", "EKS cluster", False),
    "eks_node_group": ("compute", "EKS node group", False),
    "eks_fargate_profile": ("compute", "Fargate profile", False),
    "apprunner_service": ("compute", "App Runner service", False),
    "beanstalk_application": ("compute", "Beanstalk application", False),
    "beanstalk_environment": ("compute", "Beanstalk environment", False),
    "batch_compute_environment": ("compute", "Batch compute environment", False),
    "batch_job_queue": ("compute", "Batch job queue", False),
    "batch_job_definition": ("compute", "Batch job definition", True),
    "cognito_identity_pool": ("security", "Cognito identity pool", False),
    "transit_gateway": ("network", "Transit gateway", False),
    "transit_gateway_attachment": ("network", "TGW attachment", True),
    "transit_gateway_route_table": ("network", "TGW route table", True),
    "customer_gateway": ("network", "Customer gateway", False),
    "vpn_gateway": ("network", "Virtual private gateway", False),
    "vpn_connection": ("network", "Site-to-Site VPN", False),
    "dx_connection": ("network", "Direct Connect", False),
    "dx_gateway": ("network", "Direct Connect gateway", False),
    "dx_virtual_interface": ("network", "DX virtual interface", True),
    "backup_vault": ("storage", "Backup vault", False),
    "backup_plan": ("management", "Backup plan", False),
    "ecr_repository": ("compute", "ECR repository", False),
    "ecs_cluster": ("compute", "ECS cluster", False),
    "ecs_task_definition": ("compute", "ECS task definition", True),
    "ecs_service": ("compute", "ECS service", False),
    "kms_key": ("security", "KMS key", True),
    "secret": ("security", "Secrets Manager secret", True),
    "ssm_parameter": ("security", "SSM parameter", True),
    "waf_web_acl": ("security", "WAF web ACL", False),
    "waf_ip_set": ("security", "WAF IP set", True),
    "cloudwatch_alarm": ("management", "CloudWatch alarm", True),
    "log_group": ("management", "CloudWatch log group", True),
    "composite_alarm": ("management", "Composite alarm", True),
    "dashboard": ("management", "CloudWatch dashboard", True),
    "cloudtrail_trail": ("management", "CloudTrail trail", False),
    "flow_log": ("management", "VPC flow log", True),
    "config_recorder": ("management", "AWS Config recorder", False),
    "config_rule": ("management", "AWS Config rule", True),
    "service_quota": ("management", "Service quota", True),
    "network_firewall": ("security", "Network Firewall", False),
    "firewall_policy": ("security", "Firewall policy", True),
    "firewall_rule_group": ("security", "Firewall rule group", True),
    "shield_protection": ("security", "Shield Advanced protection", True),
    "guardduty_detector": ("security", "GuardDuty detector", False),
}


for _kind, _info in KINDS.items():
    facets.register("diagram", _kind, _info)


def kind_info(kind: str) -> tuple[str, str, bool]:
    return KINDS.get(kind, ("other", kind.replace("_", " "), False))


# frame kind → DOT attributes (AWS group conventions)
FRAMES: dict[str, dict[str, str]] = {
    "global": {"style": "dashed,rounded", "color": "#7D8998", "fontcolor": "#545B64", "penwidth": "1.2"},
    "region": {"style": "dashed", "color": "#00A4A6", "fontcolor": "#007E80", "penwidth": "1.6"},
    "vpc": {"style": "solid", "color": "#8C4FFF", "fontcolor": "#6B35D9", "penwidth": "1.6"},
    "az": {"style": "dashed", "color": "#147EBA", "fontcolor": "#147EBA", "penwidth": "1.2"},
    "subnet_public": {"style": "filled", "color": "#7AA116", "fillcolor": "#F2F6E8", "fontcolor": "#248814",
                      "penwidth": "1.2"},
    "subnet_private": {"style": "filled", "color": "#00A4A6", "fillcolor": "#E6F6F7", "fontcolor": "#007E80",
                       "penwidth": "1.2"},
    "zone": {"style": "dashed,rounded", "color": "#8C4FFF", "fontcolor": "#6B35D9", "penwidth": "1.2"},
    "dc": {"style": "dashed", "color": "#545B64", "fontcolor": "#545B64", "penwidth": "1"},
    "rack": {"style": "filled", "color": "#879196", "fillcolor": "#F2F3F3", "fontcolor": "#414D5C", "penwidth": "1"},
    "host": {"style": "filled,rounded", "color": "#AAB7B8", "fillcolor": "#FFFFFF", "fontcolor": "#414D5C",
             "penwidth": "1"},
}

# edge kind → DOT attributes
EDGES: dict[str, dict[str, str]] = {
    "traffic": {"color": "#232F3E", "penwidth": "1.4", "arrowsize": "0.7"},
    "failover": {"color": "#232F3E", "penwidth": "1.2", "style": "dashed", "arrowsize": "0.7"},
    "replication": {"color": "#0972D3", "penwidth": "1.8", "style": "dashed", "arrowsize": "0.8",
                    "fontcolor": "#0972D3"},
    "dr": {"color": "#E7157B", "penwidth": "2.4", "style": "dashed", "arrowsize": "1", "fontcolor": "#B0105D",
           "dir": "both", "arrowtail": "dot"},
    "chaos": {"color": "#D13212", "penwidth": "2.6", "arrowsize": "1", "fontcolor": "#D13212"},
    "reach_yes": {"color": "#1D8102", "penwidth": "2.6", "arrowsize": "1", "fontcolor": "#1D8102"},
    "reach_no": {"color": "#D13212", "penwidth": "2.6", "arrowsize": "1", "fontcolor": "#D13212",
                 "style": "dashed"},
    "monitors": {"color": "#8C4FFF", "penwidth": "1", "style": "dotted", "arrowsize": "0.6"},
    "manages": {"color": "#ED7100", "penwidth": "1", "style": "dotted", "arrowsize": "0.5"},
    "uses": {"color": "#AAB7B8", "penwidth": "0.9", "style": "dotted", "arrowsize": "0.5"},
    # a resource to its members in their AZs (members.py): a thin line, no arrow
    "member": {"color": "#C6CCD1", "penwidth": "0.8", "style": "dotted", "arrowhead": "none"},
}
EDGE_LEGEND = [
    ("traffic", "Traffic (requests, with their port)"),
    ("failover", "DNS failover to the secondary"),
    ("replication", "Replication (dashed, across regions)"),
    ("dr", "DR pair: primary ⇄ secondary region"),
]

# plan actions: (colour, fill, symbol, legend)
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "create": ("#1D8102", "#E9F7E5", "+", "create"),
    "update": ("#0972D3", "#E6F0FB", "~", "update in place"),
    "replace": ("#E07700", "#FFF1E0", "-/+", "replace"),
    "delete": ("#D13212", "#FDECEA", "-", "delete"),
    "no-op": ("#AAB7B8", "#FFFFFF", "", "no change"),
}

# chaos states: (colour, fill, legend)
CHAOS: dict[str, tuple[str, str, str]] = {
    "failed": ("#D13212", "#FDECEA", "failed (in the failed domain)"),
    "impaired": ("#B8860B", "#FFF8DC", "impaired (lost capacity)"),
    "took_over": ("#1D8102", "#E9F7E5", "took over (failed over to)"),
    # `diagram --reach`: the ends of the flow, and the resource whose rule blocks it
    "reach_end": ("#1D8102", "#E9F7E5", "an end of the flow"),
    "reach_blocks": ("#D13212", "#FDECEA", "its rule blocks the flow"),
}
