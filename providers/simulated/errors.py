"""AWS's error codes for the refusals the modeled cloud makes, by the kind they are about."""

from __future__ import annotations

from archform.providers.base import NotFound

# What AWS answers when an id of this kind does not exist (or is not visible in the region)
NOT_FOUND_CODE = {
    "vpc": "InvalidVpcID.NotFound",
    "subnet": "InvalidSubnetID.NotFound",
    "security_group": "InvalidGroup.NotFound",
    "internet_gateway": "InvalidInternetGatewayID.NotFound",
    "egress_only_internet_gateway": "InvalidEgressOnlyInternetGatewayId.NotFound",
    "nat_gateway": "NatGatewayNotFound",
    "route_table": "InvalidRouteTableID.NotFound",
    "network_acl": "InvalidNetworkAclID.NotFound",
    "elastic_ip": "InvalidAllocationID.NotFound",
    "instance": "InvalidInstanceID.NotFound",
    "launch_template": "InvalidLaunchTemplateId.NotFound",
    "ebs_volume": "InvalidVolume.NotFound",
    "vpc_peering": "InvalidVpcPeeringConnectionID.NotFound",
    "vpc_endpoint": "InvalidVpcEndpointId.NotFound",
    "network_interface": "InvalidNetworkInterfaceID.NotFound",
    "placement_group": "InvalidPlacementGroup.Unknown",
    "autoscaling_group": "ValidationError",
    "load_balancer": "LoadBalancerNotFound",
    "target_group": "TargetGroupNotFound",
    "certificate": "CertificateNotFound",
    "iam_role": "NoSuchEntity",
    "iam_policy": "NoSuchEntity",
    "rds": "DBInstanceNotFound",
    "aurora": "DBClusterNotFoundFault",
    "elasticache": "ReplicationGroupNotFoundFault",
    "dynamodb_table": "ResourceNotFoundException",
    "s3_bucket": "NoSuchBucket",
    "efs": "FileSystemNotFound",
    "dns_zone": "NoSuchHostedZone",
    "dns_record": "InvalidChangeBatch",
    "health_check": "NoSuchHealthCheck",
    "cloudfront": "NoSuchDistribution",
    "global_accelerator": "AcceleratorNotFoundException",
    "dr_plan": "ResourceNotFoundException",
    "sqs_queue": "AWS.SimpleQueueService.NonExistentQueue",
    "sns_topic": "NotFound",
    "lambda_function": "ResourceNotFoundException",
    "lambda_event_source": "ResourceNotFoundException",
    "kinesis_stream": "ResourceNotFoundException",
    "firehose": "ResourceNotFoundException",
    "event_bus": "ResourceNotFoundException",
    "event_rule": "ResourceNotFoundException",
    "state_machine": "StateMachineDoesNotExist",
    "mq_broker": "NotFoundException",
    "documentdb_cluster": "DBClusterNotFoundFault",
    "neptune_cluster": "DBClusterNotFoundFault",
    "rds_proxy": "DBProxyNotFoundFault",
    "msk_cluster": "NotFoundException",
    "redshift_cluster": "ClusterNotFound",
    "redshift_serverless": "ResourceNotFoundException",
    "opensearch_domain": "ResourceNotFoundException",
    "glue_database": "EntityNotFoundException",
    "glue_crawler": "EntityNotFoundException",
    "athena_workgroup": "InvalidRequestException",
    "emr_cluster": "InvalidRequestException",
    "keyspaces_keyspace": "ResourceNotFoundException",
    "keyspaces_table": "ResourceNotFoundException",
    "timestream_database": "ResourceNotFoundException",
    "timestream_table": "ResourceNotFoundException",
    "eks_cluster": "ResourceNotFoundException",
    "eks_node_group": "ResourceNotFoundException",
    "eks_fargate_profile": "ResourceNotFoundException",
    "apprunner_service": "ResourceNotFoundException",
    "cognito_identity_pool": "ResourceNotFoundException",
    "transit_gateway": "InvalidTransitGatewayID.NotFound",
    "transit_gateway_attachment": "InvalidTransitGatewayAttachmentID.NotFound",
    "transit_gateway_route_table": "InvalidRouteTableID.NotFound",
    "customer_gateway": "InvalidCustomerGatewayID.NotFound",
    "vpn_gateway": "InvalidVpnGatewayID.NotFound",
    "vpn_connection": "InvalidVpnConnectionID.NotFound",
    "dx_connection": "DirectConnectClientException",
    "dx_gateway": "DirectConnectClientException",
    "dx_virtual_interface": "DirectConnectClientException",
    "backup_vault": "ResourceNotFoundException",
    "backup_plan": "ResourceNotFoundException",
    "ecr_repository": "RepositoryNotFoundException",
    "ecs_cluster": "ClusterNotFoundException",
    "ecs_task_definition": "ClientException",
    "ecs_service": "ServiceNotFoundException",
    "kms_key": "NotFoundException",
    "secret": "ResourceNotFoundException",
    "ssm_parameter": "ParameterNotFound",
    "waf_web_acl": "WAFNonexistentItemException",
    "waf_ip_set": "WAFNonexistentItemException",
    "cloudwatch_alarm": "ResourceNotFound",
    "log_group": "ResourceNotFoundException",
}


def not_found(kinds: tuple[str, ...] | str, value, *, where: str = "", actual: str | None = None,
              region: str | None = None) -> NotFound:
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    first = next((k for k in kinds if k in NOT_FOUND_CODE), None)
    code = NOT_FOUND_CODE.get(first, "NotFound") if first else "NotFound"
    what = " or ".join(k for k in kinds if k != "*") or "resource"
    if actual is not None:
        message = f"The id '{value}' is a {actual}, not a {what}"
    elif region is not None:
        message = f"The {what} id '{value}' does not exist in {region}"
    else:
        message = f"The {what} id '{value}' does not exist"
    return NotFound(message + (f" (in {where})" if where else ""), code=code)
