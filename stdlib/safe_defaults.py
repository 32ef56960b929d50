"""Defaults that differ from AWS's API defaults, chosen to be safe (issue 14), per kind: what
the catalogue (or `archform cfn`) sets, and what AWS would do if nothing were said. `archform
kinds <kind>` lists them; the README's "Safe defaults" section says the same."""

from __future__ import annotations

_LAUNCH = {
    "root_volume.encrypted": "true (AWS: the account's EBS encryption default, often off)",
    "metadata.http_tokens": "required, IMDSv2 only (AWS: optional, IMDSv1 allowed)",
}
_RETAIN = "CloudFormation DeletionPolicy/UpdateReplacePolicy Retain (AWS: Delete)"
_SNAPSHOT = "CloudFormation DeletionPolicy/UpdateReplacePolicy Snapshot (AWS: Delete)"
_PROTECT = "lifecycle { prevent_destroy = true } also turns on DeletionProtection"

SAFE_DEFAULTS: dict[str, dict[str, str]] = {
    "rds": {"encrypted": "true (AWS: false); a read replica follows its source",
            "publicly_accessible": "false, written explicitly (AWS: depends on the subnets)",
            "deletion": _SNAPSHOT, "prevent_destroy": _PROTECT},
    "aurora": {"encrypted": "true (AWS: false)", "publicly_accessible": "false on every instance, written explicitly",
               "deletion": _SNAPSHOT + ", secondaries of a global database too", "prevent_destroy": _PROTECT},
    "elasticache": {"encrypted": "true for Redis (AWS: false); Memcached cannot encrypt at rest",
                    "transit_encryption": "true for Redis, TLS (AWS: false)", "deletion": _SNAPSHOT},
    "efs": {"encrypted": "true (AWS: false)", "deletion": _RETAIN},
    "ebs_volume": {"encrypted": "true (AWS: the account's default)", "deletion": _SNAPSHOT},
    "instance": dict(_LAUNCH),
    "launch_template": dict(_LAUNCH),
    "autoscaling_group": {"launch." + k: v for k, v in _LAUNCH.items()},
    "s3_bucket": {"block_public_access": "true, and the public access block is written either way",
                  "deletion": _RETAIN},
    "cloudfront": {"viewer_protocol": "redirect_to_https (AWS: allow-all)"},
    "load_balancer": {"listener.ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06 for HTTPS and TLS listeners "
                                             "(AWS: ELBSecurityPolicy-2016-08, which accepts TLS 1.0)",
                      "drop_invalid_header_fields": "on for application load balancers (AWS: off)"},
    "security_group": {"rule description": "what the rule allows (`tcp 443 from 0.0.0.0/0`) when none is written"},
    "iam_role": {"policies": "AWS managed policy ARNs written with ${AWS::Partition}"},
    "dynamodb_table": {"deletion": _RETAIN, "prevent_destroy": _PROTECT},
    "cognito_user_pool": {"mfa": "optional, TOTP (AWS: off)", "password.min_length": "12 with every character class "
                          "(AWS: 8)", "deletion_protection": "true (AWS: inactive)",
                          "client": "PreventUserExistenceErrors enabled, SRP sign-in only (AWS: legacy, every flow)",
                          "deletion": "CloudFormation DeletionPolicy/UpdateReplacePolicy Retain (AWS: Delete)"},
    "api_gateway": {"route.auth": "iam: a route is public only where it says auth = none (AWS: NONE)",
                    "domain security policy": "TLS_1_2 (AWS: TLS_1_0 for REST API domains)",
                    "stage throttling": "written, at most the account's 10,000/s and bursts of 5,000 "
                                        "(AWS: unset, the account's limit shared by every API)",
                    "stage.access_logs": "on for HTTP and WebSocket APIs, in a log group kept 90 days (AWS: none); "
                                         "REST APIs opt in (they need the account's logging role)"},
    "kms_key": {"rotation": "on for symmetric keys, yearly (AWS: off)",
                "policy": "AWS's default key policy written explicitly (plus CloudWatch Logs for its log groups)"},
    "secret": {"generate": "a generated password when no value is given, so none is in a file",
               "value": "sensitive: a NoEcho CloudFormation parameter, never in a template"},
    "ssm_parameter": {"secure_value": "sensitive: never shown in plans, encrypted in the state"},
    "log_group": {"retention": "365d, written explicitly (AWS: never expire)"},
    "cloudtrail_trail": {"multi_region": "true, written explicitly (AWS's API: a single-region trail)",
                         "log_file_validation": "true, written explicitly (AWS's API: off)"},
    "mq_broker": {"publicly_accessible": "false, written explicitly (CloudFormation requires it)",
                  "auto_minor_version_upgrade": "true, written explicitly (AWS's API: false)",
                  "user": "sensitive: each password a NoEcho CloudFormation parameter, never in a template"},
    "documentdb_cluster": {"encrypted": "true (AWS: false)", "backup_retention": "7d (AWS: 1 day)",
                           "manage_master_password": "true unless a password is written: kept in Secrets Manager",
                           "master_password": "sensitive: a NoEcho CloudFormation parameter when written",
                           "CopyTagsToSnapshot": "true, written"},
    "neptune_cluster": {"encrypted": "true (AWS: false)", "iam_auth": "true (AWS: false)",
                        "backup_retention": "7d (AWS: 1 day)", "publicly_accessible": "false on every instance, "
                        "written explicitly", "CopyTagsToSnapshot": "true, written"},
    "rds_proxy": {"require_tls": "true (AWS: false)", "iam_auth": "true: REQUIRED (AWS: DISABLED)",
                  "secrets": "the target's RDS-managed master secret when none are listed; the proxy's role reads "
                             "only its secrets"},
    "msk_cluster": {"in_transit": "tls, written (TLS is AWS's default too)", "in_cluster_encryption": "true, written",
                    "client_auth": "iam (AWS: unauthenticated when none is given)",
                    "broker_logs": "true: a CloudWatch log group kept 30 days (AWS: off)"},
    "redshift_cluster": {"encrypted": "true, written explicitly", "publicly_accessible": "false, written explicitly",
                         "manage_master_password": "true unless a master_password is written: Redshift keeps it in "
                                                   "Secrets Manager (AWS: a password is required)",
                         "deletion": "CloudFormation DeletionPolicy/UpdateReplacePolicy Snapshot (AWS: Delete)"},
    "redshift_serverless": {"manage_admin_password": "true unless an admin_password is written",
                            "publicly_accessible": "false, written explicitly"},
    "opensearch_domain": {"encrypt_at_rest": "true (AWS: false)", "node_to_node_encryption": "true (AWS: false)",
                          "enforce_https": "true with TLS 1.2 at least (AWS: false, TLS 1.0)",
                          "subnets": "a domain without subnets (a public endpoint) is an error unless public = true",
                          "deletion": "CloudFormation DeletionPolicy/UpdateReplacePolicy Retain (AWS: Delete)"},
    "athena_workgroup": {"enforce": "true: the workgroup's result location and encryption win over a client's "
                                    "(AWS: true)",
                         "encryption": "sse_s3 on every query result (AWS: none)"},
    "eks_cluster": {"endpoint_public": "false: the API endpoint private only, both written (AWS: public, open to "
                                       "0.0.0.0/0, and private off)",
                    "secrets_encryption": "true: Kubernetes secrets envelope-encrypted with a KMS key of the cluster's "
                                          "own, rotated and retained, unless kms_key names one (AWS: no EncryptionConfig)",
                    "logging": "every control-plane log type to CloudWatch Logs (AWS: none)"},
    "transit_gateway": {"auto_accept_shared_attachments": "false, written (another account's attachment waits for "
                                                          "acceptance)"},
    "vpn_connection": {"preshared_keys": "sensitive: each key a NoEcho CloudFormation parameter; unwritten, AWS "
                                         "generates them"},
    "dx_virtual_interface": {"bgp_auth_key": "sensitive: a NoEcho CloudFormation parameter"},
    "backup_vault": {"deletion": _RETAIN + ": recovery points outlive the stack",
                     "kms_key": "encrypted always, with AWS Backup's AWS managed key unless kms_key names one"},
    "backup_plan": {"selection.role": "a role of AWS Backup's managed policies for backups and restores (AWS: the "
                                      "default service role, which may not exist yet)"},
    "ecr_repository": {"scan_on_push": "true (AWS: false)", "tag_immutability": "true, IMMUTABLE (AWS: MUTABLE)",
                       "encryption": "kms, AWS's managed aws/ecr key unless kms_key names one (AWS: AES256)"},
    "ecs_cluster": {"container_insights": "true (AWS: disabled)"},
    "ecs_task_definition": {"container.readonly_root_filesystem": "true (AWS: false)",
                            "volume.transit_encryption": "true for EFS volumes (AWS: DISABLED)"},
    "ecs_service": {"assign_public_ip": "false, written explicitly (AWS: DISABLED)",
                    "deployment.circuit_breaker": "true, with rollback (AWS: off)"},
    "network_firewall": {"deletion_protection": "true, written (AWS: false)",
                         "subnet_change_protection": "true, written (AWS: false)",
                         "encryption": "always, with an AWS-owned key unless kms_key names one"},
    "guardduty_detector": {"features": "S3 data events, EKS audit logs and EBS malware protection on, written "
                                       "(AWS: each a separate opt-in)"},
}
