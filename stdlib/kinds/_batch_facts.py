"""AWS Batch's figures and the instance type the modeled cloud launches: without pydantic, so the
modeled cloud reads them without loading the typed catalogue (tests/planner/test_light_plans.py)."""

from __future__ import annotations

from archform.stdlib import instance_types

TYPES = ("ec2", "spot", "fargate", "fargate_spot")
FARGATE = ("fargate", "fargate_spot")
STRATEGIES = ("best_fit", "best_fit_progressive", "spot_capacity_optimized", "spot_price_capacity_optimized")
SPOT_STRATEGIES = ("spot_capacity_optimized", "spot_price_capacity_optimized")
MAX_QUEUE_ENVIRONMENTS = 3  # CreateJobQueue: "You can associate up to three compute environments with a job queue"
MAX_FARGATE_SUBNETS = 16  # ComputeResource.subnets: "Fargate compute resources can contain up to 16 subnets"
MAX_FARGATE_SECURITY_GROUPS = 5  # ComputeResource.securityGroupIds, Fargate: up to 5
# AWS Batch's `optimal`: instance types of the C4, M4 and R4 families (C5/M5/R5 where a Region
# lacks them); the modeled cloud launches its first, in the table of the families it knows
OPTIMAL_MODELED = "m5.large"


def launch_type(name: str) -> str:
    """The instance type the modeled cloud launches for an entry of `instance_types`: the type
    itself, the smallest of a family, or OPTIMAL_MODELED for `optimal`."""
    if name == "optimal":
        return OPTIMAL_MODELED
    if instance_types.lookup(name) is not None:
        return name
    sizes = instance_types.sizes(name)
    return sizes[0] if sizes else OPTIMAL_MODELED
