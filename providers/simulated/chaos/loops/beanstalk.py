"""Elastic Beanstalk environments during a run (notes §9.2):

- An environment's instances are an Auto Scaling group Beanstalk creates: the `asg` loop runs
  them (status checks, replacing lost instances in the surviving AZs of its subnets, rebalancing
  when an AZ returns), from `min` instances (one for a single-instance environment). This module
  tells it how to read an environment as a group.
- Health (enhanced health reporting): Beanstalk checks its instances every
  `BEANSTALK_HEALTH_CHECK_SECONDS`, and lowers an environment's health only after
  `BEANSTALK_FAILED_CHECKS` failed checks in a row: Degraded while fewer than its minimum
  instances are in service, Severe when none is (a single-instance environment's one instance
  lost, in its AZ, is relaunched in another AZ of its subnets). It is Ok again at the first check
  that finds the group back to its minimum; each change is on the timeline.
- A fault on the environment impairs its instances (or one, `primary.web/i-…`); the group
  replaces them.
"""

from __future__ import annotations

import math

from archform.stdlib.facets import provides

from .. import figures
from ..world import Loop
from .asg import UNDERNEATH


def environment_as_group(rec) -> dict:
    """An environment, read as the Auto Scaling group Beanstalk makes for it."""
    a = rec.attrs
    if a.get("load_balanced") is False:
        low = high = 1
    else:
        low = int(a.get("min") if a.get("min") is not None else 1)
        high = int(a.get("max") if a.get("max") is not None else 4)
    return {"subnets": a.get("subnets") or [], "min": low, "max": high, "desired": low,
            "launch": {"instance_type": a.get("instance_type") or "t3.micro"}}


UNDERNEATH["beanstalk_environment"] = environment_as_group


class Environment:
    __slots__ = ("id", "address", "minimum", "health", "failed", "checking")

    def __init__(self, rec):
        self.id, self.address = rec.id, rec.address
        self.minimum = environment_as_group(rec)["min"]
        self.health = "Ok"
        self.failed = 0  # checks failed in a row
        self.checking = False


@provides("failures", "beanstalk_environment")
class Beanstalk(Loop):
    name = "beanstalk"

    def __init__(self, world):
        super().__init__(world)
        self.environments: dict[str, Environment] = {}

    def load(self):
        for rec in self.world.of_kind("beanstalk_environment"):
            self.environments[rec.id] = Environment(rec)
        if self.environments:
            self.world.ec2.watch(self.instances_changed)

    def instances_changed(self, batch) -> None:
        """Its instances changed: the health checks that follow find it (the next one on the
        environment's own 10-second cadence)."""
        touched = {i.group for i in batch if i.group in self.environments}
        every = figures.BEANSTALK_HEALTH_CHECK_SECONDS
        for env_id in sorted(touched):
            env = self.environments[env_id]
            if not env.checking:
                env.checking = True
                phase = self.sim.rng(f"beanstalk-health/{env.id}").uniform(0, every)
                k = math.floor((self.sim.now - phase) / every) + 1
                self.sim.at(round(phase + k * every, 1), self._check, env)

    def _check(self, env: Environment) -> None:
        group = self.world.asg.by_id.get(env.id)
        if group is None:
            env.checking = False
            return
        running = group.in_service()
        env.failed = env.failed + 1 if running < env.minimum else 0
        if env.failed == 0 or env.failed >= figures.BEANSTALK_FAILED_CHECKS:
            self._report(env, running)
        if env.failed or env.health != "Ok":
            self.sim.after(figures.BEANSTALK_HEALTH_CHECK_SECONDS, self._check, env)
        else:
            env.checking = False

    def _report(self, env: Environment, running: int) -> None:
        health = "Ok" if running >= env.minimum else ("Severe" if running == 0 else "Degraded")
        if health == env.health:
            return
        env.health = health
        detail = {"Ok": f"health Ok: {running} instances in service, its minimum of {env.minimum}",
                  "Degraded": f"health Degraded: {running} of its minimum {env.minimum} instances in service; "
                              "its Auto Scaling group replaces the others",
                  "Severe": "health Severe: no instance in service; its Auto Scaling group launches replacements"}
        self.sim.log("beanstalk.health", env.address, detail[health], running)

    def parts(self, rec) -> list[str]:
        if rec.kind == "beanstalk_environment" and rec.id in self.world.asg.by_id:
            return sorted(self.world.asg.by_id[rec.id].members)
        return []

    def fail_part(self, rec, part, up) -> bool:
        if rec.kind != "beanstalk_environment":
            return False
        group = self.world.asg.by_id.get(rec.id)
        instances = [i for i in group.members.values() if part is None or i.id == part] if group else []
        self.world.ec2.break_instances(instances, up, f"a fault on {rec.address}")
        return True
