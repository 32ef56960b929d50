"""Elastic Beanstalk's deployment figures and what a deployment policy does: without pydantic, so
the modeled cloud reads them without loading the typed catalogue."""

from __future__ import annotations

SINGLE_INSTANCE_POLICIES = ("all_at_once", "immutable")
ROLLING = ("rolling", "rolling_with_additional_batch")
MAX_INSTANCES = 10000  # aws:autoscaling:asg MinSize/MaxSize: 1 to 10000
MAX_BATCH = 10000  # aws:elasticbeanstalk:command BatchSize (Fixed): 1 to 10000
EVALUATION_MINUTES = (3, 600)  # aws:elasticbeanstalk:trafficsplitting EvaluationTime, minutes


def policy_effect(policy: str, instances: int, batch_size: int | None, batch_percent: float | None) -> dict:
    """What a deployment of `policy` does to an environment of `instances` instances: its
    batches, the fewest instances in service meanwhile and the most running (Beanstalk's
    "How rolling deployments work"; a percentage batch rounds up, at least one instance)."""
    n = max(instances, 1)
    if policy in ROLLING:
        if batch_size is not None:
            batch = min(batch_size, n)
        else:
            share = 100.0 if batch_percent is None else batch_percent
            batch = max(1, min(n, -(-n * share // 100)))
        batch = int(batch)
        batches = -(-n // batch)
        if policy == "rolling":
            return {"policy": policy, "batches": batches, "batch": batch, "lowest_in_service": n - batch,
                    "most_running": n}
        return {"policy": policy, "batches": batches, "batch": batch, "lowest_in_service": n, "most_running": n + batch}
    if policy in ("immutable", "traffic_splitting"):
        return {"policy": policy, "batches": 1, "batch": n, "lowest_in_service": n, "most_running": 2 * n}
    return {"policy": "all_at_once", "batches": 1, "batch": n, "lowest_in_service": 0, "most_running": n}
