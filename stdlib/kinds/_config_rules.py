"""AWS Config managed rules this catalogue knows (notes §21.3.1: "one of 75 AWS-managed config
rules or create custom rules"), by the identifier CloudFormation's `Source.SourceIdentifier`
takes, with the input parameters a rule cannot do without (AWS Config developer guide, each
rule's page: `REQUIRED_TAGS` needs `tag1Key`, …). A rule not listed here is a mistake with a
suggestion of the nearest identifier."""

from __future__ import annotations

# identifier → the input parameters AWS requires for it
MANAGED_RULES: dict[str, tuple[str, ...]] = {
    "ACCESS_KEYS_ROTATED": ("maxAccessKeyAge",),
    "ACM_CERTIFICATE_EXPIRATION_CHECK": (),
    "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK": (),
    "ALB_WAF_ENABLED": (),
    "API_GW_CACHE_ENABLED_AND_ENCRYPTED": (),
    "APPROVED_AMIS_BY_ID": ("amiIds",),
    "AUTOSCALING_GROUP_ELB_HEALTHCHECK_REQUIRED": (),
    "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED": (),
    "CLOUD_TRAIL_ENABLED": (),
    "CLOUD_TRAIL_ENCRYPTION_ENABLED": (),
    "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED": (),
    "CLOUDTRAIL_S3_DATAEVENTS_ENABLED": (),
    "CLOUDWATCH_ALARM_ACTION_CHECK": (),
    "CLOUDWATCH_LOG_GROUP_ENCRYPTED": (),
    "CW_LOGGROUP_RETENTION_PERIOD_CHECK": (),
    "DB_INSTANCE_BACKUP_ENABLED": (),
    "DESIRED_INSTANCE_TYPE": ("instanceType",),
    "DYNAMODB_PITR_ENABLED": (),
    "DYNAMODB_TABLE_ENCRYPTED_KMS": (),
    "EBS_OPTIMIZED_INSTANCE": (),
    "EC2_EBS_ENCRYPTION_BY_DEFAULT": (),
    "EC2_IMDSV2_CHECK": (),
    "EC2_INSTANCE_NO_PUBLIC_IP": (),
    "EC2_VOLUME_INUSE_CHECK": (),
    "EIP_ATTACHED": (),
    "ELB_LOGGING_ENABLED": (),
    "ENCRYPTED_VOLUMES": (),
    "GUARDDUTY_ENABLED_CENTRALIZED": (),
    "IAM_PASSWORD_POLICY": (),
    "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS": (),
    "IAM_ROOT_ACCESS_KEY_CHECK": (),
    "IAM_USER_MFA_ENABLED": (),
    "INCOMING_SSH_DISABLED": (),
    "INSTANCES_IN_VPC": (),
    "KMS_CMK_NOT_SCHEDULED_FOR_DELETION": (),
    "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED": (),
    "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS": (),
    "MULTI_REGION_CLOUD_TRAIL_ENABLED": (),
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK": (),
    "RDS_MULTI_AZ_SUPPORT": (),
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED": (),
    "RDS_STORAGE_ENCRYPTED": (),
    "REQUIRED_TAGS": ("tag1Key",),
    "RESTRICTED_INCOMING_TRAFFIC": (),
    "ROOT_ACCOUNT_MFA_ENABLED": (),
    "S3_BUCKET_LOGGING_ENABLED": (),
    "S3_BUCKET_PUBLIC_READ_PROHIBITED": (),
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED": (),
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED": (),
    "S3_BUCKET_SSL_REQUESTS_ONLY": (),
    "S3_BUCKET_VERSIONING_ENABLED": (),
    "SECRETSMANAGER_ROTATION_ENABLED_CHECK": (),
    "SNS_ENCRYPTED_KMS": (),
    "VPC_DEFAULT_SECURITY_GROUP_CLOSED": (),
    "VPC_FLOW_LOGS_ENABLED": (),
    "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS": (),
}

# ConfigRule `MaximumExecutionFrequency` (periodic rules) and a delivery channel's
# `DeliveryFrequency`, by the hours they stand for
FREQUENCIES = {1: "One_Hour", 3: "Three_Hours", 6: "Six_Hours", 12: "Twelve_Hours", 24: "TwentyFour_Hours"}

# VPC Flow Logs' fields (a custom format names some of them, in order; AWS's default format is
# version 2's first fourteen)
FLOW_LOG_FIELDS = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets",
    "bytes", "start", "end", "action", "log-status", "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type",
    "pkt-srcaddr", "pkt-dstaddr", "region", "az-id", "sublocation-type", "sublocation-id", "pkt-src-aws-service",
    "pkt-dst-aws-service", "flow-direction", "traffic-path", "ecs-cluster-arn", "ecs-cluster-name",
    "ecs-container-instance-arn", "ecs-container-instance-id", "ecs-container-id", "ecs-second-container-id",
    "ecs-service-name", "ecs-task-definition-arn", "ecs-task-arn", "ecs-task-id", "reject-reason")
