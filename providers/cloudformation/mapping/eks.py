"""Amazon EKS: a cluster is an `AWS::EKS::Cluster` (and, for secrets encryption without a key
of the account's, an `AWS::KMS::Key` of its own with rotation on); a managed node group an
`AWS::EKS::Nodegroup`; a Fargate profile an `AWS::EKS::FargateProfile`.

The safe defaults are written where a reviewer sees them: the endpoint's private and public
access both, the secrets' encryption, every control-plane log type. A Fargate profile's
`pods`, `pod_cpu`, `pod_memory` and `storage` are for the modeled cloud: Kubernetes
deployments and storage classes decide them, not CloudFormation.
"""

from __future__ import annotations

from ..intrinsics import arn
from ..units import size_bytes
from .common import REF, getatt

_LOG_TYPES = {"api": "api", "audit": "audit", "authenticator": "authenticator",
              "controller_manager": "controllerManager", "scheduler": "scheduler"}
_GIB = 2 ** 30
_AMI_TYPES = {"al2023_x86_64_standard": "AL2023_x86_64_STANDARD", "al2023_arm_64_standard": "AL2023_ARM_64_STANDARD",
              "al2023_x86_64_nvidia": "AL2023_x86_64_NVIDIA", "bottlerocket_x86_64": "BOTTLEROCKET_x86_64",
              "bottlerocket_arm_64": "BOTTLEROCKET_ARM_64"}


def _key_policy() -> dict:
    """The account administers the key; EKS uses it through the cluster role's grants."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": arn("iam", "root", region=False)},
         "Action": "kms:*", "Resource": "*"}]}


def eks_cluster(r):
    from archform.stdlib.kinds.eks import DEFAULT_VERSION
    encrypted = r.raw("secrets_encryption") is not False
    key = None
    if encrypted:
        key = r.val("kms_key")
        if key is None:
            r.part("AWS::KMS::Key", {"Description": f"Kubernetes secrets of EKS cluster {r.address}",
                                     "EnableKeyRotation": True, "KeyPolicy": _key_policy()}, suffix="SecretsKey",
                   deletion="Retain")  # the cluster's secrets are unreadable without it
            key = r.att("SecretsKey", "Arn")
    public = r.raw("endpoint_public") is True
    service = r.val("service_cidr")
    logging = r.raw("logging")
    r.part("AWS::EKS::Cluster", {
        "Name": r.val("name"),
        "Version": r.val("version") or DEFAULT_VERSION,
        "RoleArn": r.ref("role", export="arn"),
        "ResourcesVpcConfig": {
            "SubnetIds": r.refs("subnets"),
            "SecurityGroupIds": r.refs("security_groups") or None,
            "EndpointPrivateAccess": r.raw("endpoint_private") is not False,
            "EndpointPublicAccess": public,
            "PublicAccessCidrs": r.val("public_cidrs") or None if public else None,
        },
        "EncryptionConfig": [{"Provider": {"KeyArn": key}, "Resources": ["secrets"]}] if encrypted else None,
        "Logging": {"ClusterLogging": {"EnabledTypes": [{"Type": _LOG_TYPES[t]} for t in logging]}}
        if logging else None,
        "KubernetesNetworkConfig": {"ServiceIpv4Cidr": service} if service is not None else None,
        "Tags": r.tags(),
    })


def eks_node_group(r):
    taints = r.raw("taint") or []
    percent = r.raw("max_unavailable_percent")
    r.part("AWS::EKS::Nodegroup", {
        "ClusterName": r.ref("cluster"),
        "NodegroupName": r.val("name"),
        "NodeRole": r.ref("role", export="arn"),
        "Subnets": r.refs("subnets"),
        "InstanceTypes": r.val("instance_types"),
        "CapacityType": (r.raw("capacity_type") or "on_demand").upper(),
        "AmiType": _AMI_TYPES[r.raw("ami_type") or "al2023_x86_64_standard"],
        "DiskSize": int(size_bytes(r.get("disk_size")) // _GIB),
        "ScalingConfig": {"MinSize": r.val("min"), "MaxSize": r.val("max"),
                          "DesiredSize": r.val("desired") if r.peek("desired") is not None else r.val("min")},
        "UpdateConfig": {"MaxUnavailable": r.val("max_unavailable")} if r.peek("max_unavailable") is not None else
        {"MaxUnavailablePercentage": int(float(str(percent).rstrip("%")))} if percent is not None else None,
        "Labels": r.val("labels") or None,
        "Taints": [{"Key": r.val("taint", i, "key"), "Value": r.val("taint", i, "value"),
                    "Effect": t["effect"].upper()} for i, t in enumerate(taints)] or None,
        "Tags": r.val("tags") or None,  # a map here, not a list
    })


def eks_fargate_profile(r):
    selectors = r.raw("selector") or []
    r.part("AWS::EKS::FargateProfile", {
        "ClusterName": r.ref("cluster"),
        "FargateProfileName": r.val("name"),
        "PodExecutionRoleArn": r.ref("pod_execution_role", export="arn"),
        "Subnets": r.refs("subnets"),
        "Selectors": [{"Namespace": r.val("selector", i, "namespace"),
                       "Labels": [{"Key": k, "Value": r.val("selector", i, "labels", k)}
                                  for k in sorted(s.get("labels") or {})] or None}
                      for i, s in enumerate(selectors)],
        "Tags": r.tags(),
    })


MAPPERS = {"eks_cluster": eks_cluster, "eks_node_group": eks_node_group, "eks_fargate_profile": eks_fargate_profile}

TYPES = {
    "eks_cluster": ["AWS::EKS::Cluster", "AWS::KMS::Key"],
    "eks_node_group": ["AWS::EKS::Nodegroup"],
    "eks_fargate_profile": ["AWS::EKS::FargateProfile"],
}

EXPORTS = {
    "eks_cluster": {"id": REF, "arn": getatt("Arn"), "endpoint": getatt("Endpoint"),
                    "certificate_authority": getatt("CertificateAuthorityData"),
                    "oidc_issuer": getatt("OpenIdConnectIssuerUrl"), "security_group": getatt("ClusterSecurityGroupId")},
    "eks_node_group": {"id": REF, "arn": getatt("Arn"), "autoscaling_group": None},
    "eks_fargate_profile": {"id": REF, "arn": getatt("Arn")},
}
