"""Amazon MSK: a cluster is one `AWS::MSK::Cluster`.

The brokers spread over the client subnets' AZs; each gets `storage` of EBS. Encryption in
transit is written whole (client–broker TLS by default, and inside the cluster), at rest the
account's KMS key when named (AWS's managed key otherwise). Client authentication lists IAM
(the default), SASL/SCRAM, TLS with its private CAs, or unauthenticated access. The brokers'
logs go to a log group of the cluster's own, kept 30 days, unless `broker_logs = false`.
"""

from __future__ import annotations

from ..units import gib
from .common import REF

LOG_DAYS = 30
_TRANSIT = {"tls": "TLS", "tls_plaintext": "TLS_PLAINTEXT", "plaintext": "PLAINTEXT"}
_MONITORING = {"default": "DEFAULT", "per_broker": "PER_BROKER", "per_topic_per_broker": "PER_TOPIC_PER_BROKER",
               "per_topic_per_partition": "PER_TOPIC_PER_PARTITION"}


def cluster_name(address: str) -> str:
    import re
    return re.sub(r"[^A-Za-z0-9-]", "-", address)[:64]


def _auth(r):
    auths = set(r.raw("client_auth") or [])
    return {
        "Sasl": {"Iam": {"Enabled": True} if "iam" in auths else None,
                 "Scram": {"Enabled": True} if "sasl_scram" in auths else None} if auths & {"iam", "sasl_scram"}
        else None,
        "Tls": {"Enabled": True, "CertificateAuthorityArnList": r.val("certificate_authorities")}
        if "tls" in auths else None,
        "Unauthenticated": {"Enabled": "unauthenticated" in auths},
    }


def _broker_logs(r):
    """The brokers' logs to a log group of their own, kept 30 days (deleted with the stack)."""
    if not r.raw("broker_logs"):
        return None
    r.part("AWS::Logs::LogGroup", {"RetentionInDays": LOG_DAYS}, suffix="BrokerLogs", deletion="Delete")
    return {"BrokerLogs": {"CloudWatchLogs": {"Enabled": True, "LogGroup": r.att("BrokerLogs")}}}


def msk_cluster(r):
    kms = r.val("kms_key")
    r.part("AWS::MSK::Cluster", {
        "ClusterName": cluster_name(r.address),
        "KafkaVersion": r.val("kafka_version"),
        "NumberOfBrokerNodes": r.val("brokers"),
        "BrokerNodeGroupInfo": {
            "InstanceType": r.val("broker_type"),
            "ClientSubnets": r.refs("subnets"),
            "SecurityGroups": r.refs("security_groups") or None,
            "StorageInfo": {"EBSStorageInfo": {"VolumeSize": gib(r.get("storage"))}},
        },
        "EncryptionInfo": {
            "EncryptionInTransit": {"ClientBroker": _TRANSIT[r.raw("in_transit") or "tls"],
                                    "InCluster": bool(r.raw("in_cluster_encryption"))},
            "EncryptionAtRest": {"DataVolumeKMSKeyId": kms} if kms else None,
        },
        "ClientAuthentication": _auth(r),
        "EnhancedMonitoring": _MONITORING[r.raw("enhanced_monitoring") or "default"],
        "LoggingInfo": _broker_logs(r),
        "Tags": r.val("tags") or None,
    })


MAPPERS = {"msk_cluster": msk_cluster}

TYPES = {"msk_cluster": ["AWS::MSK::Cluster", "AWS::Logs::LogGroup"]}

EXPORTS = {"msk_cluster": {"id": REF, "arn": REF}}
