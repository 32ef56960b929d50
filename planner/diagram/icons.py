"""The AWS Architecture Icons the SVG and PNG diagrams draw: one icon per kind, with its name
under it.

The icons are AWS's official Architecture Icons as the `diagrams` package (PyPI, 0.25.1)
ships them, PNG under `resources/aws/<category>/<name>.png`; only those used here are copied,
into `icons/` beside this module as `<category>-<name>.png` (icons/NOTICE.md: where they come
from and the terms they are used under). Graphviz finds them by name through `imagepath`
(`dot.render`), so the DOT text names no folder of this machine; for SVG output
`embed_svg_images` replaces each file reference with the icon itself, once per icon (a
`<symbol>` that each node `<use>`s), so an SVG file or a report stays self-contained.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent / "icons"

# kind → the icon (`<category>-<name>.png`, the `diagrams` package's resources/aws/<category>/<name>.png)
ICONS: dict[str, str] = {
    "api_gateway": "network-api-gateway.png",
    "apprunner_service": "compute-app-runner.png",
    "athena_workgroup": "analytics-athena.png",
    "aurora": "database-aurora.png",
    "autoscaling_group": "compute-ec2-auto-scaling.png",
    "backup_plan": "storage-backup.png",
    "backup_vault": "storage-s3-glacier-vault.png",
    "batch_compute_environment": "compute-batch.png",
    "batch_job_definition": "compute-batch.png",
    "batch_job_queue": "compute-batch.png",
    "beanstalk_application": "compute-elastic-beanstalk-application.png",
    "beanstalk_environment": "compute-elastic-beanstalk.png",
    "certificate": "security-certificate-manager.png",
    "cloudfront": "network-cloudfront.png",
    "cloudtrail_trail": "management-cloudtrail.png",
    "cloudwatch_alarm": "management-cloudwatch-alarm.png",
    "cognito_identity_pool": "security-cognito.png",
    "cognito_user_pool": "security-cognito.png",
    "composite_alarm": "management-cloudwatch-alarm.png",
    "config_recorder": "management-config.png",
    "config_rule": "management-cloudwatch-rule.png",
    "customer_gateway": "network-vpc-customer-gateway.png",
    "dashboard": "management-cloudwatch.png",
    "service_quota": "management-trusted-advisor-checklist-fault-tolerant.png",  # Trusted Advisor checks service limits
    "dms_endpoint": "database-database-migration-service.png",
    "dms_replication_instance": "database-database-migration-service.png",
    "dms_replication_task": "database-database-migration-service.png",
    "dns_record": "network-route-53.png",
    "dns_zone": "network-route-53-hosted-zone.png",
    "documentdb_cluster": "database-documentdb-mongodb-compatibility.png",
    "dr_plan": "storage-cloudendure-disaster-recovery.png",
    "dx_connection": "network-direct-connect.png",
    "dx_gateway": "network-vpn-gateway.png",
    "dx_virtual_interface": "network-vpc-router.png",
    "dynamodb_table": "database-dynamodb-table.png",
    "ebs_volume": "storage-elastic-block-store-ebs-volume.png",
    "ecr_repository": "compute-ec2-container-registry-registry.png",
    "ecs_cluster": "compute-elastic-container-service.png",
    "ecs_service": "compute-elastic-container-service-service.png",
    "ecs_task_definition": "compute-elastic-container-service-task.png",
    "efs": "storage-elastic-file-system-efs-file-system.png",
    "egress_only_internet_gateway": "network-internet-gateway.png",
    "eks_cluster": "compute-elastic-kubernetes-service.png",
    "eks_fargate_profile": "compute-fargate.png",
    "eks_node_group": "compute-ec2-instances.png",
    "elastic_ip": "compute-ec2-elastic-ip-address.png",
    "elasticache": "database-elasticache.png",
    "emr_cluster": "analytics-emr-cluster.png",
    "event_bus": "integration-eventbridge-custom-event-bus-resource.png",
    "event_rule": "integration-eventbridge-rule.png",
    "firehose": "analytics-kinesis-data-firehose.png",
    "firewall_policy": "security-waf-filtering-rule.png",
    "firewall_rule_group": "security-waf-filtering-rule.png",
    "flow_log": "network-vpc-flow-logs.png",
    "fsx_file_system": "storage-fsx.png",
    "global_accelerator": "network-global-accelerator.png",
    "glue_crawler": "analytics-glue-crawlers.png",
    "glue_database": "analytics-glue-data-catalog.png",
    "guardduty_detector": "security-guardduty.png",
    "health_check": "management-trusted-advisor-checklist-fault-tolerant.png",
    "iam_group": "general-users.png",
    "iam_policy": "security-identity-and-access-management-iam-permissions.png",
    "iam_role": "security-identity-and-access-management-iam-role.png",
    "iam_user": "general-user.png",
    "instance": "compute-ec2-instance.png",
    "instance_profile": "security-identity-and-access-management-iam-add-on.png",
    "internet_gateway": "network-internet-gateway.png",
    "keyspaces_keyspace": "database-keyspaces-managed-apache-cassandra-service.png",
    "keyspaces_table": "database-keyspaces-managed-apache-cassandra-service.png",
    "kinesis_stream": "analytics-kinesis-data-streams.png",
    "kms_key": "security-key-management-service.png",
    "lambda_event_source": "integration-event-resource.png",
    "lambda_function": "compute-lambda-function.png",
    "launch_template": "compute-ec2-ami.png",
    "load_balancer": "network-elb-application-load-balancer.png",
    "log_group": "management-cloudwatch-logs.png",
    "mq_broker": "integration-mq.png",
    "msk_cluster": "analytics-managed-streaming-for-kafka.png",
    "nat_gateway": "network-nat-gateway.png",
    "neptune_cluster": "database-neptune.png",
    "network_acl": "network-nacl.png",
    "network_firewall": "network-network-firewall.png",
    "network_interface": "network-vpc-elastic-network-interface.png",
    "opensearch_domain": "analytics-amazon-opensearch-service.png",
    "placement_group": "compute-ec2-instances.png",
    "rds": "database-rds.png",
    "rds_proxy": "database-rds-instance.png",
    "redshift_cluster": "analytics-redshift.png",
    "redshift_serverless": "analytics-redshift-dense-compute-node.png",
    "route_table": "network-route-table.png",
    "s3_bucket": "storage-simple-storage-service-s3-bucket.png",
    "scp": "management-organizations-organizational-unit.png",
    "secret": "security-secrets-manager.png",
    "security_group": "general-generic-firewall.png",
    "shield_protection": "security-shield-advanced.png",
    "sns_topic": "integration-simple-notification-service-sns-topic.png",
    "sqs_queue": "integration-simple-queue-service-sqs-queue.png",
    "ssm_parameter": "management-systems-manager-parameter-store.png",
    "state_machine": "integration-step-functions.png",
    "subnet": "network-private-subnet.png",
    "target_group": "network-elastic-load-balancing.png",
    "timestream_database": "database-timestream.png",
    "timestream_table": "database-timestream.png",
    "transit_gateway": "network-transit-gateway.png",
    "transit_gateway_attachment": "network-transit-gateway-attachment.png",
    "transit_gateway_route_table": "network-route-table.png",
    "vpc": "network-vpc.png",
    "vpc_endpoint": "network-endpoint.png",
    "vpc_peering": "network-vpc-peering.png",
    "vpn_connection": "network-vpn-connection.png",
    "vpn_gateway": "network-vpn-gateway.png",
    "waf_ip_set": "security-waf-filtering-rule.png",
    "waf_web_acl": "security-waf.png",
    "workload": "general-client.png",
    # members of a resource in their AZs (members.py), and nodes that stand for no resource
    "aurora_instance": "database-aurora-instance.png",
    "db_instance": "database-rds-instance.png",
    "rds_instance": "database-rds-instance.png",
    "cache_node": "database-elasticache-cache-node.png",
    "instances": "compute-ec2-instances.png",
    "ecs_tasks": "compute-elastic-container-service-task.png",
    "load_balancer_node": "network-elb-application-load-balancer.png",
    "users": "general-users.png",
    "host": "general-traditional-server.png",
}

LOAD_BALANCERS = {"application": "network-elb-application-load-balancer.png",
                  "network": "network-elb-network-load-balancer.png",
                  "gateway": "network-elastic-load-balancing.png"}
PUBLIC_SUBNET = "network-public-subnet.png"


def icon_of(kind: str, attrs: dict | None = None) -> str | None:
    """The icon file (a name in ICON_DIR) of a node of this kind, or None."""
    if kind in ("load_balancer", "load_balancer_node") and attrs and str(attrs.get("type")) in LOAD_BALANCERS:
        return LOAD_BALANCERS[str(attrs["type"])]
    if kind == "subnet" and attrs and attrs.get("public"):
        return PUBLIC_SUBNET
    return ICONS.get(kind)


def used_files() -> set[str]:
    return set(ICONS.values()) | set(LOAD_BALANCERS.values()) | {PUBLIC_SUBNET}


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


_IMAGE = re.compile(r'<image xlink:href="([A-Za-z0-9._-]+\.png)" width="([0-9.]+)px" height="([0-9.]+)px"'
                    r' preserveAspectRatio="[^"]*" x="([-0-9.]+)" y="([-0-9.]+)"/>')


def embed_svg_images(svg: str) -> str:
    """Graphviz's SVG with each icon file reference replaced by the icon: one `<symbol>` per
    icon, holding it as a data URI, and a `<use>` where each node drew it."""
    used: dict[str, str] = {}

    def use(m: re.Match) -> str:
        name, w, h, x, y = m.groups()
        path = ICON_DIR / name
        if not path.is_file():
            return m.group(0)
        used[name] = f"icon-{name[:-4]}"
        return f'<use xlink:href="#{used[name]}" x="{x}" y="{y}" width="{w}" height="{h}"/>'

    svg = _IMAGE.sub(use, svg)
    if not used:
        return svg
    symbols = []
    for name in sorted(used):
        data = (ICON_DIR / name).read_bytes()
        w, h = _png_size(data)
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        symbols.append(f'<symbol id="{used[name]}" viewBox="0 0 {w} {h}"><image width="{w}" height="{h}" '
                       f'xlink:href="{uri}"/></symbol>')
    defs = "<defs>\n" + "\n".join(symbols) + "\n</defs>\n"
    return re.sub(r"(<svg[^>]*>\n?)", lambda m: m.group(1) + defs, svg, count=1)
