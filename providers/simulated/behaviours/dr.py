"""DR plans: archform's own record of a recovery strategy, kept by the modeled cloud like any
resource (its id `drp-…`, an ARN shaped as a Resilience Hub resiliency policy). What the plan
is judged by — measured RTO and RPO — belongs to the failure engine of a later issue."""

from __future__ import annotations

from .. import ids
from ..store import Record
from .base import Behaviour


class DrPlan(Behaviour):
    service = "resiliencehub"

    def arn(self, rec: Record) -> str:
        return ids.arn("resiliencehub", rec.region or "us-east-1", f"resiliency-policy/{rec.id}")


BEHAVIOURS = {"dr_plan": DrPlan()}
