"""The figures of Amazon ECS and Fargate that the ECS kinds check, with where they come from.

The notes (§15.2) describe ECS and Fargate but give no numbers; these are AWS's (the ECS
developer guide's "Task CPU and memory", "Amazon ECS service quotas" and the API reference),
kept in one place so a reader can tell them apart from the model's.
"""

from __future__ import annotations

MIB = 1024 * 1024
GIB = 1024 * MIB


def rebalances(written, placement) -> bool:
    """AvailabilityZoneRebalancing as ECS sets it for a new service (since June 2025): as
    written (`az_rebalancing`), else on when the service spreads its tasks across AZs."""
    return written if isinstance(written, bool) else (placement or "spread") == "spread"


def _steps(lo_gib: int, hi_gib: int, step_gib: int = 1) -> tuple[int, ...]:
    return tuple(g * 1024 for g in range(lo_gib, hi_gib + 1, step_gib))


# Fargate (Linux) task sizes: CPU units → the memory (MiB) Fargate offers with them
# (ECS developer guide, "Task CPU and memory"; 8 and 16 vCPU need platform version 1.4.0)
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1, 4),
    1024: _steps(2, 8),
    2048: _steps(4, 16),
    4096: _steps(8, 30),
    8192: _steps(16, 60, 4),
    16384: _steps(32, 120, 8),
}

CONTAINERS_PER_TASK_DEFINITION = 10   # service quota "Containers per task definition"
LOAD_BALANCERS_PER_SERVICE = 5        # service quota "Target groups per service"
TASKS_PER_SERVICE = 5000              # service quota "Tasks per service"
PROVIDERS_PER_STRATEGY = 20           # CreateService: "up to 20 capacity providers in a strategy"
EC2_MIN_TASK_MEMORY_MIB = 6           # a container's memory limit is at least 6 MiB (Docker's minimum)
FARGATE_EPHEMERAL_GIB = (21, 200)     # ephemeralStorage.sizeInGiB: 21–200 (20 GiB without it)


def shown_memory(mib: int) -> str:
    """512 → '512MiB', 2048 → '2GiB'."""
    return f"{mib // 1024}GiB" if mib % 1024 == 0 else f"{mib}MiB"


def memory_choices(cpu: int) -> str:
    """The memory Fargate offers with `cpu` units, as a reader writes it: a list, or a range."""
    offered = FARGATE_SIZES[cpu]
    if len(offered) <= 4:
        return ", ".join(shown_memory(m) for m in offered)
    step = offered[1] - offered[0]
    return f"{shown_memory(offered[0])} to {shown_memory(offered[-1])} in steps of {shown_memory(step)}"
