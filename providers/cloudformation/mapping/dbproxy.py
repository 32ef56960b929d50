"""RDS Proxy: an `AWS::RDS::DBProxy` in the VPC's subnets, its target group registering the
database (`AWS::RDS::DBProxyTargetGroup`, named `default` as AWS's one target group must be),
and the role the proxy assumes to read its secrets (`AWS::IAM::Role`, GetSecretValue on those
secrets alone).

The secrets are the ARNs the author lists, or the target's master secret — the one RDS keeps
in Secrets Manager when the database manages its master password (`MasterUserSecret.SecretArn`).
An Aurora target is registered once its writer instance exists (AWS refuses a cluster with no
instance); TLS and IAM authentication are written as decided.
"""

from __future__ import annotations

import re

from archform.stdlib.kinds.dbproxy import FAMILY_OF

from ..intrinsics import Att
from ..units import seconds
from .common import REF, getatt


def proxy_name(address: str) -> str:
    """DBProxyName: a letter, then letters, digits and single hyphens, at most 60 characters."""
    name = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9]", "-", address)).strip("-")[:60].rstrip("-")
    return name if name[:1].isalpha() else ("p-" + name)[:60]


def rds_proxy(r):
    target = r.target("target")
    src = r.ctx.source(target)
    aurora = r.ctx.kind(target) == "aurora"
    cluster = aurora or src.raw("deployment") == "cluster"  # a Multi-AZ DB cluster is an AWS::RDS::DBCluster
    family = r.raw("engine_family") or FAMILY_OF.get(str(src.raw("engine")), "mysql")
    secrets = r.val("secrets") or [Att(target, "", "MasterUserSecret.SecretArn")]
    r.part("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "read-secrets", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secrets}]}}],
        "Tags": r.tags(),
    }, suffix="Role")
    r.part("AWS::RDS::DBProxy", {
        "DBProxyName": proxy_name(r.address),
        "EngineFamily": family.upper(),
        "RoleArn": r.att("Role", "Arn"),
        "Auth": [{"AuthScheme": "SECRETS", "SecretArn": s, "IAMAuth": "REQUIRED" if r.raw("iam_auth") else "DISABLED"}
                 for s in secrets],
        "RequireTLS": bool(r.raw("require_tls")),
        "IdleClientTimeout": seconds(r.get("idle_client_timeout")),
        "DebugLogging": True if r.raw("debug_logging") else None,
        "VpcSubnetIds": r.refs("subnets"),
        "VpcSecurityGroupIds": r.refs("security_groups") or None,
        "Tags": r.tags(),
    })
    r.part("AWS::RDS::DBProxyTargetGroup", {
        "DBProxyName": r.att(),
        "TargetGroupName": "default",
        "DBClusterIdentifiers": [r.ref("target")] if cluster else None,
        "DBInstanceIdentifiers": None if cluster else [r.ref("target")],
        "ConnectionPoolConfigurationInfo": {
            "MaxConnectionsPercent": r.val("max_connections_percent"),
            "MaxIdleConnectionsPercent": r.val("max_idle_connections_percent"),
            "ConnectionBorrowTimeout": seconds(r.get("connection_borrow_timeout")),
        },
    }, suffix="TargetGroup", depends=[Att(target, "Instance1")] if aurora else None)


MAPPERS = {"rds_proxy": rds_proxy}

TYPES = {"rds_proxy": ["AWS::RDS::DBProxy", "AWS::RDS::DBProxyTargetGroup", "AWS::IAM::Role"]}

EXPORTS = {"rds_proxy": {"id": REF, "arn": getatt("DBProxyArn"), "endpoint": getatt("Endpoint")}}
