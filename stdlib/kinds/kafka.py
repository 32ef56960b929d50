"""Amazon MSK (notes §19.9): managed Apache Kafka. Broker nodes spread evenly over two or three
AZs (one client subnet in each), each with its EBS volume; partitions are replicated to brokers
of the other AZs, so the loss of one AZ leaves every partition served by its other replicas
(under-replicated until the AZ returns), which the chaos run reports.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.stdlib.schema import Graph, Issue, Kind, View, deref
from archform.stdlib.types import Bool, Choice, IntRange, Ref, SizeRange, Str, Tags, Validated, fail, size, validator_of

# AWS's MSK versions and broker sizes (Amazon MSK developer guide, "Supported Apache Kafka
# versions" and "Broker types"); quotas: 30 brokers per cluster.
KAFKA_VERSIONS = ("2.8.1", "3.3.2", "3.4.0", "3.5.1", "3.6.0", "3.7.x", "3.7.x.kraft", "3.8.x", "3.9.x", "4.0.x")
BROKER_SIZES = {"t3": ("small",), "m5": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
                                       "24xlarge"),
                "m7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")}
MAX_BROKERS = 30
AUTH = ("iam", "sasl_scram", "tls", "unauthenticated")


def _broker_type(x):
    text = validator_of(Str)(x.text if hasattr(x, "text") else x)
    if not isinstance(text, str):
        return text
    m = re.fullmatch(r"kafka\.([a-z0-9]+)\.([a-z0-9]+)", text)
    if m is None or m.group(2) not in BROKER_SIZES.get(m.group(1), ()):
        raise fail(f"'{text}' is not an MSK broker type: they are kafka.t3.small, kafka.m5.large to "
                   f"kafka.m5.24xlarge and kafka.m7g.large to kafka.m7g.16xlarge")
    return text


BrokerType = Validated(_broker_type, word=True)
KafkaVersion = Choice(*KAFKA_VERSIONS, what="MSK Kafka version")


class MskCluster(Kind):
    """An Amazon MSK cluster (notes §19.9): Apache Kafka brokers spread evenly over the AZs of
    its two or three client subnets (`brokers` a multiple of that), each with `storage` of EBS
    (1 GiB–16 TiB). Encrypted at rest always (an AWS managed key unless `kms_key`), TLS between
    clients and brokers and inside the cluster by default, clients authenticated with IAM by
    default, the brokers' logs kept 30 days in CloudWatch Logs (`broker_logs`). Losing an AZ
    loses its brokers; partitions keep serving from their replicas in the other AZs and are
    under-replicated until it returns."""

    kind: Literal["msk_cluster"] = "msk_cluster"
    title: ClassVar[str] = "MSK cluster"
    noun: ClassVar[str] = "MSK cluster"
    family: ClassVar[str] = "streaming"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"subnets", "security_groups", "kms_key", "in_cluster_encryption"})

    kafka_version: KafkaVersion = "3.6.0"
    broker_type: BrokerType = "kafka.m5.large"
    brokers: IntRange(1, MAX_BROKERS, what=f"brokers (at most {MAX_BROKERS} per cluster, AWS's quota)") = None
    subnets: list[Ref["subnet"]]
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    storage: SizeRange("1GiB", "16TiB", what="storage (EBS per broker)") = size("100GiB")
    kms_key: Str = None  # encryption at rest is always on: an AWS managed key unless this names one
    in_transit: Choice("tls", "tls_plaintext", "plaintext", what="client-broker encryption") = "tls"
    in_cluster_encryption: Bool = True
    client_auth: list[Choice(*AUTH, what="client authentication", aliases={"scram": "sasl_scram"})] = \
        Field(default_factory=lambda: ["iam"])
    certificate_authorities: list[Str] = Field(default_factory=list)  # ACM Private CA ARNs, for tls client auth
    enhanced_monitoring: Choice("default", "per_broker", "per_topic_per_broker", "per_topic_per_partition",
                                what="enhanced monitoring level") = "default"
    broker_logs: Bool = True  # safe default (AWS: off): the brokers' logs in a CloudWatch log group kept 30 days
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _one_broker_per_az(cls, data):
        """brokers: one per client subnet's AZ unless written."""
        if isinstance(data, dict) and "brokers" not in data and isinstance(data.get("subnets"), (list, tuple)):
            data = {**data, "brokers": len(data["subnets"]) or 3}
        return data

    def zones(self, graph: Graph) -> list:
        found = []
        for ref in self.subnets:
            s = deref(graph, ref)
            if s is not None and s.get("az") not in found:
                found.append(s.get("az"))
        return found

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._placement(graph)
        yield from self._security()

    def _placement(self, graph: Graph) -> Iterable[Issue]:
        n = len(self.subnets)
        if n not in (2, 3):
            yield Issue(f"an MSK cluster has two or three client subnets, one per AZ its brokers spread over "
                        f"(a multi-AZ setup, notes §19.9); got {n}",
                        ("subnets",))
        zones = self.zones(graph)
        if len(zones) < n:
            yield Issue(f"an MSK cluster's client subnets are each in a different Availability Zone; these {n} cover "
                        f"{len(zones)}", ("subnets",), help="pick one subnet per AZ")
        vpcs = {getattr(s.get("vpc"), "address", None) for s in (deref(graph, r) for r in self.subnets) if s}
        if len(vpcs) > 1:
            yield Issue(f"an MSK cluster's subnets are all in one VPC, these are in {len(vpcs)}", ("subnets",))
        if isinstance(self.brokers, int) and n in (2, 3) and self.brokers % n:
            yield Issue(f"brokers spread evenly over the AZs: with {n} client subnets, brokers is a multiple of {n}, "
                        f"got {self.brokers}", ("brokers",), help=f"brokers = {n * max(1, round(self.brokers / n))}")

    def _security(self) -> Iterable[Issue]:
        seen = set()
        for i, auth in enumerate(self.client_auth):
            if auth in seen:
                yield Issue(f"{auth} is listed twice in client_auth", ("client_auth", i))
            seen.add(auth)
            if auth in ("iam", "sasl_scram", "tls") and self.in_transit == "plaintext":
                yield Issue(f"{auth} client authentication runs over TLS: in_transit = plaintext leaves it no "
                            f"listener", ("client_auth", i), help="in_transit = tls (or tls_plaintext)")
        if not self.client_auth:
            yield Issue("an MSK cluster needs at least one client authentication: iam, sasl_scram, tls or "
                        "unauthenticated", ("client_auth",))
        if "tls" in seen and not self.certificate_authorities:
            yield Issue("tls client authentication checks client certificates against ACM Private CAs: list them "
                        "in certificate_authorities", ("client_auth",))
        if self.certificate_authorities and "tls" not in seen:
            yield Issue("certificate_authorities are for tls client authentication: add tls to client_auth",
                        ("certificate_authorities",))
        if "unauthenticated" in seen and self.in_transit == "plaintext":
            yield Issue("anyone who reaches the brokers may read and write every topic, in clear text: "
                        "unauthenticated access over plaintext", ("client_auth",), severity="warning")
