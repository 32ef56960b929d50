"""Threat protection: Shield Advanced protections (notes §23.7, §23.9) and GuardDuty detectors
(notes §23.10).

- Shield Advanced protects a load balancer (Application or Classic; a Network Load Balancer
  through its Elastic IPs), a CloudFront distribution, an Elastic IP, a Global Accelerator or a
  public Route 53 hosted zone; one protection per resource. It needs a subscription:
  US$3,000 a month per organisation with a one-year commitment, plus data transfer out (notes
  §23.7; AWS Shield pricing) — `archform check` says so once per configuration.
- GuardDuty runs one detector per account per region; updated findings are exported every
  15 minutes, hour or 6 hours (AWS's default).
"""

from __future__ import annotations

from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.netsec_facts import FREQUENCIES, SHIELD_NOTE
from archform.stdlib.schema import Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Duration, Ref, Str, Tags, dur

GLOBAL_KINDS = ("cloudfront", "global_accelerator", "dns_zone")
SHIELD_REGION = "us-east-1"  # protections of global resources are made there (AWS Shield API)


class ShieldProtection(Kind):
    """A Shield Advanced protection of one `resource`: a load balancer (ALB or Classic), a
    CloudFront distribution, an Elastic IP, a Global Accelerator or a public hosted zone.
    Protections of global resources (CloudFront, Global Accelerator, Route 53) are declared in
    us-east-1. Needs the Shield Advanced subscription (US$3,000 a month per organisation, one-
    year commitment, notes §23.7); `health_check` speeds up detection."""

    kind: Literal["shield_protection"] = "shield_protection"
    title: ClassVar[str] = "Shield Advanced protection"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "resource"})

    name: Str | None = None
    resource: Ref["load_balancer", "cloudfront", "elastic_ip", "global_accelerator", "dns_zone"]
    health_check: Ref["health_check"] = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not 1 <= len(self.name) <= 128:
            yield Issue(f"a protection's name is 1–128 characters, got {len(self.name)}", ("name",))
        target = deref(graph, self.resource)
        if target is None:
            return
        related = (Related(target.address, (), "the protected resource"),)
        if target.kind in GLOBAL_KINDS:
            if me.region not in (None, SHIELD_REGION):
                yield Issue(f"{target.kind.replace('_', ' ')} '{target.address}' is global: its protection is made "
                            f"in {SHIELD_REGION}, and this one is declared in {me.region}", ("resource",),
                            related=related, help=f"declare it in a region \"{SHIELD_REGION}\" block")
        if target.kind == "load_balancer" and target.model.type in ("network", "gateway"):
            yield Issue(f"Shield Advanced protects Application and Classic Load Balancers; '{target.address}' is a "
                        f"{target.model.type} load balancer", ("resource",), related=related,
                        help="protect the Elastic IPs of a Network Load Balancer instead")
        if target.kind == "dns_zone" and target.model.private is True:
            yield Issue(f"Shield Advanced protects public hosted zones; '{target.address}' is private",
                        ("resource",), related=related)
        for other in graph.of_kind("shield_protection"):
            ref = other.model.resource
            if other.address < me.address and getattr(ref, "address", None) == target.address:
                yield Issue(f"'{target.address}' is already protected by '{other.address}'; a resource has one "
                            "Shield Advanced protection", ("resource",),
                            related=(Related(other.address, ("resource",), "the first protection"),))
        first = min(p.address for p in graph.of_kind("shield_protection"))
        if me.address == first:
            yield Issue(SHIELD_NOTE, ("resource",), severity="warning",
                        help="one subscription covers every account of the organisation")


class GuarddutyDetector(Kind):
    """A GuardDuty detector (notes §23.10): threat detection from CloudTrail events, VPC Flow
    Logs and DNS logs, one per account per region. `finding_publishing_frequency` (15m, 1h or
    6h, AWS's default) is how often updated findings are exported; S3 data events, EKS audit
    logs and EBS malware scanning are on by default (`s3_protection`, `eks_protection`,
    `malware_protection`)."""

    kind: Literal["guardduty_detector"] = "guardduty_detector"
    title: ClassVar[str] = "GuardDuty detector"
    family: ClassVar[str] = "security"
    exports: ClassVar[dict[str, str]] = {"id": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset()

    enable: Bool = True
    finding_publishing_frequency: Duration = dur("6h")
    s3_protection: Bool = True
    eks_protection: Bool = True
    malware_protection: Bool = True
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        freq = self.finding_publishing_frequency
        if isinstance(freq, v.Duration) and freq.seconds not in FREQUENCIES:
            yield Issue(f"GuardDuty exports updated findings every 15m, 1h or 6h, got {freq}",
                        ("finding_publishing_frequency",))
        for other in graph.of_kind("guardduty_detector"):
            if other.region == me.region and other.address < me.address:
                yield Issue(f"GuardDuty has one detector per account per region; '{other.address}' is already the "
                            f"detector of {me.region}", (), related=(Related(other.address, (), "the first detector"),))
                break
