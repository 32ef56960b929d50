"""The setting of a failure rehearsal (`archform chaos`, and `archform diagram|report --chaos`):
the faults of `--fail` paired with their `--at` and `--for`, and an architecture applied to a
new modeled cloud in a folder, its ids seeded."""

from __future__ import annotations


def fault_specs(fails, ats, fors):
    """The faults to run: `--at` and `--for` pair with the `--fail` flags in order (the first
    `--at` with the first `--fail`…); a fault without its own takes the last one given, else
    1m and "until the end". ValueError for a time that does not parse."""
    from archform.providers.simulated.chaos.faults import FaultSpec
    from archform.providers.simulated.chaos.units import parse
    specs = []
    for i, domain in enumerate(fails):
        at = ats[min(i, len(ats) - 1)] if ats else "1m"
        length = fors[min(i, len(fors) - 1)] if fors else None
        specs.append(FaultSpec(domain, parse(at), parse(length) if length else None))
    return specs


def fresh_cloud(path, params: dict, seed: int, folder: str, allow=()):
    """Apply the architecture at `path` to a new modeled cloud in `folder`: (cloud, failures).
    `allow`: folders it may read besides its own (--allow-path)."""
    from archform.dsl.resolve import resolve
    desired, diags = resolve(path, params, allow=allow)
    errors = [d for d in diags if d.is_error]
    if errors or desired is None:
        return None, errors
    return apply_fresh(desired, seed, folder)


def apply_fresh(desired, seed: int, folder: str):
    """Apply a resolved architecture to a new modeled cloud in `folder`: (cloud, failures)."""
    from archform.providers.simulated import SimulatedCloud
    from .apply import apply_plan
    from .planning import PlanRequest, make_plan
    from .state import StateStore
    store = StateStore(f"{folder}/state.db")
    cloud = SimulatedCloud(f"{folder}/cloud.db", seed=seed)
    try:
        plan, plan_diags = make_plan(desired, store.read(), cloud, PlanRequest())
        if plan is None or plan.errored:
            cloud.close()
            return None, [d for d in plan_diags if d.is_error]
        result = apply_plan(plan, store, cloud, parallelism=1)
    finally:
        store.close()
    if result.failed:
        cloud.close()
        return None, [f"{r.address}: {r.action} failed: {r.error}" for r in result.failed]
    return cloud, []
