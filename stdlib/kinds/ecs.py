"""Amazon ECS (notes §15.2) on EC2 or Fargate, in three modules: clusters here, task
definitions in `ecs_tasks.py`, services in `ecs_services.py`.

- `ecs_cluster`: where tasks run. Fargate (`capacity_providers = [fargate, fargate_spot]`) needs
  no instances; a `capacity_provider` block pairs the cluster with an Auto Scaling group whose
  instances run the EC2 launch type's tasks (§15.2.3: "the preferred approach to scaling"),
  with managed scaling and managed draining.
- `ecs_task_definition`: the containers of a task, its CPU and memory, its volumes (EFS, which
  both launch types mount, §15.2.2) and its two roles: the task role (what the application may
  do) and the execution role (what the agent needs to pull from ECR and read secrets).
- `ecs_service`: keeps `desired` tasks of a definition running, behind target groups, scaled by
  Application Auto Scaling on CPU, memory or ALB requests per target, step or scheduled (§15.2.3).

Every limit AWS gives is a diagnostic; the figures are in `_ecs_limits.py`. Safe defaults:
Container Insights on, a deployment circuit breaker that rolls back, no public IP for tasks,
read-only root file systems, EFS volumes encrypted in transit.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.kinds._ecs_limits import MIB, PROVIDERS_PER_STRATEGY
from archform.stdlib.schema import Block, Graph, Issue, Kind, View, deref
from archform.stdlib.types import Bool, Enum, IntRange, Percent, Ref, Str, Tags, pct

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
FARGATE_PROVIDERS = ("fargate", "fargate_spot")


def _mib(size) -> int | None:
    return int(size.bytes // MIB) if isinstance(size, v.Size) else None


def _percent(p) -> float | None:
    return float(p.value) if isinstance(p, v.Percent) else None


# --- cluster ----------------------------------------------------------------------------------------

class CapacityProvider(Block):
    """`capacity_provider NAME { autoscaling_group = fleet }`: an Auto Scaling group whose
    instances run the cluster's EC2 tasks. With managed scaling ECS sizes the group so its
    instances are `target_capacity` used; with managed termination protection it never
    scales in an instance that still runs tasks."""

    name: Str
    autoscaling_group: Ref["autoscaling_group"]
    managed_scaling: Bool = True
    target_capacity: Percent = pct(100)
    managed_termination_protection: Bool = False
    managed_draining: Bool = True


class StrategyItem(Block):
    """`default_strategy NAME { base = 1, weight = 1 }` (NAME: fargate, fargate_spot or one of
    the cluster's capacity providers): `base` tasks go there first, the rest by weight."""

    name: Str
    base: IntRange(0, 100000, what="base") = 0
    weight: IntRange(0, 1000, what="weight") = 1


def strategy_issues(items: list[StrategyItem], known: list[str], field: str, where: str) -> Iterable[Issue]:
    """AWS's rules for a capacity provider strategy (CreateService, PutClusterCapacityProviders)."""
    if len(items) > PROVIDERS_PER_STRATEGY:
        yield Issue(f"a capacity provider strategy names at most {PROVIDERS_PER_STRATEGY} providers, this one "
                    f"{len(items)}", (field,))
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item.name, str):
            continue
        if item.name not in known:
            hint = did_you_mean(item.name, known)
            yield Issue(f"'{item.name}' is not a capacity provider of {where} (it has "
                        f"{', '.join(known) or 'none'})", (field, i), help=hint)
        if item.name in seen:
            yield Issue(f"capacity provider '{item.name}' is named twice in the strategy", (field, i))
        seen.add(item.name)
    based = [i for i, item in enumerate(items) if isinstance(item.base, int) and item.base > 0]
    if len(based) > 1:
        yield Issue("only one capacity provider of a strategy may have a base", (field, based[1], "base"))
    if items and all(item.weight == 0 for item in items):
        yield Issue("a capacity provider strategy needs a provider with a weight above 0", (field,))
    names = {item.name for item in items if isinstance(item.name, str)}
    if names & set(FARGATE_PROVIDERS) and names - set(FARGATE_PROVIDERS):
        yield Issue("a capacity provider strategy uses Fargate providers or Auto Scaling group providers, not both",
                    (field,))


class EcsCluster(Kind):
    """An ECS cluster (notes §15.2): Fargate capacity (`capacity_providers = [fargate,
    fargate_spot]`) and/or `capacity_provider` blocks pairing it with Auto Scaling groups (the
    EC2 launch type's instances). `default_strategy` blocks say where a service's tasks go when
    it names neither a launch type nor a strategy. Container Insights (notes §19) is on."""

    kind: Literal["ecs_cluster"] = "ecs_cluster"
    title: ClassVar[str] = "ECS cluster"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    container_insights: Bool = True  # safe default (AWS: disabled)
    capacity_providers: list[Enum(*FARGATE_PROVIDERS, what="Fargate capacity provider")] = Field(default_factory=list)
    capacity_provider: list[CapacityProvider] = Field(default_factory=list)
    default_strategy: list[StrategyItem] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def providers(self) -> list[str]:
        return [p for p in self.capacity_providers if isinstance(p, str)] + \
               [p.name for p in self.capacity_provider if isinstance(p.name, str)]

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"an ECS cluster name is 1–255 letters, digits, '-' and '_', got '{self.name}'", ("name",))
        groups: dict = {}
        for i, cp in enumerate(self.capacity_provider):
            path = ("capacity_provider", i)
            if isinstance(cp.name, str) and cp.name in FARGATE_PROVIDERS + tuple(p.name for p in
                                                                               self.capacity_provider[:i]):
                yield Issue(f"capacity provider '{cp.name}' is declared twice", path)
            if isinstance(cp.name, str) and cp.name.lower().startswith(("aws", "ecs", "fargate")):
                yield Issue(f"a capacity provider's name may not begin with 'aws', 'ecs' or 'fargate', got "
                            f"'{cp.name}'", path)
            target = _percent(cp.target_capacity)
            if target is not None and not 1 <= target <= 100:
                yield Issue(f"target_capacity is between 1% and 100%, got {cp.target_capacity}",
                            (*path, "target_capacity"))
            if cp.managed_termination_protection is True and cp.managed_scaling is False:
                yield Issue("managed termination protection needs managed scaling: without it ECS does not decide "
                            "which instances the group scales in", (*path, "managed_termination_protection"),
                            help="managed_scaling = true")
            elif cp.managed_termination_protection is True:
                yield Issue("managed termination protection needs the group's instances protected from scale-in "
                            "(AWS refuses it otherwise), which an autoscaling_group does not set yet",
                            (*path, "managed_termination_protection"),
                            help="leave it off: managed draining (on) still moves tasks off an instance before "
                                 "it is terminated")
            address = getattr(cp.autoscaling_group, "address", None)
            group = deref(graph, cp.autoscaling_group)
            settings = group.model.launch_settings(graph) if group is not None else None
            if settings is not None and settings.iam_role is None:
                yield Issue(f"the instances of '{group.address}' run the ECS agent, which calls ECS, pulls images and "
                            "writes logs with the instances' role: give them one (notes §15.2.2, EC2 instance "
                            "profile)", (*path, "autoscaling_group"), severity="warning",
                            help="iam_role = <a role ec2 may assume, with AmazonEC2ContainerServiceforEC2Role>")
            if address in groups:
                yield Issue(f"Auto Scaling group '{address}' backs capacity provider '{groups[address]}' already: a "
                            "group belongs to one capacity provider", (*path, "autoscaling_group"))
            groups.setdefault(address, cp.name)
        yield from strategy_issues(self.default_strategy, self.providers(), "default_strategy", "this cluster")
