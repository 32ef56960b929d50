"""Disaster recovery plans: an AWS Resilience Hub resiliency policy holding the plan's RTO and
RPO for every kind of disruption (software, hardware, Availability Zone, region), with the
tier its strategy implies. How well the architecture meets it is what the modeled cloud (and,
once deployed, a Resilience Hub assessment) measures.
"""

from __future__ import annotations

from ..units import seconds
from .common import REF

_TIERS = {"multi_site": "MissionCritical", "warm_standby": "Critical", "pilot_light": "Important",
          "backup_restore": "CoreServices"}


def policy_name(address: str) -> str:
    text = "".join(c if c.isalnum() else "-" for c in address).strip("-")
    return ("archform-" + text)[:60]


def dr_plan(r):
    target = {"RtoInSecs": seconds(r.get("rto")), "RpoInSecs": seconds(r.get("rpo"))}
    r.part("AWS::ResilienceHub::ResiliencyPolicy", {
        "PolicyName": policy_name(r.address),
        "PolicyDescription": f"{r.raw('strategy')}: {r.raw('primary')} recovers in {r.raw('secondary')}",
        "Tier": _TIERS[r.get("strategy")],
        "Policy": {"Software": target, "Hardware": target, "AZ": target, "Region": target},
        "Tags": r.val("tags") or None,
    })


MAPPERS = {"dr_plan": dr_plan}
TYPES = {"dr_plan": ["AWS::ResilienceHub::ResiliencyPolicy"]}
EXPORTS = {"dr_plan": {"id": REF}}
