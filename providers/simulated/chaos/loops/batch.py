"""AWS Batch compute environments during a run (notes §27.6):

- A managed EC2 or SPOT environment's instances are an Auto Scaling group Batch creates: the
  `asg` loop runs them (status checks, replacing lost instances in the surviving AZs of its
  subnets, spot interruptions), holding the instances its `desired_vcpus` (else `min_vcpus`)
  need. This module tells it how to read an environment as a group. A Fargate environment
  holds no capacity between jobs: an AZ's loss leaves it its other subnets.
- A fault on an environment impairs its instances (or one, `primary.ce/i-…`); the group
  replaces them.
"""

from __future__ import annotations

import math

from archform.stdlib import instance_types
from archform.stdlib.facets import provides
from archform.stdlib.kinds._batch_facts import FARGATE, launch_type

from ..world import Loop
from .asg import UNDERNEATH


def environment_as_group(rec) -> dict:
    """A compute environment, read as the Auto Scaling group Batch makes for it (instances of
    its first instance type, enough for its vCPUs)."""
    a = rec.attrs
    itype = launch_type((a.get("instance_types") or ["optimal"])[0])
    t = instance_types.lookup(itype)
    per = t.vcpus if t is not None else 2

    def count(vcpus) -> int:
        return math.ceil(int(vcpus or 0) / per)

    fargate = a.get("type") in FARGATE
    low = 0 if fargate else count(a.get("min_vcpus"))
    desired = low if fargate or a.get("desired_vcpus") is None else count(a.get("desired_vcpus"))
    return {"subnets": [] if fargate else a.get("subnets") or [], "min": low,
            "max": 0 if fargate else count(a.get("max_vcpus")), "desired": desired,
            "launch": {"instance_type": itype, "purchase": "spot" if a.get("type") == "spot" else None}}


UNDERNEATH["batch_compute_environment"] = environment_as_group


@provides("failures", "batch_compute_environment")
class Batch(Loop):
    name = "batch"

    def parts(self, rec) -> list[str]:
        if rec.kind == "batch_compute_environment" and rec.id in self.world.asg.by_id:
            return sorted(self.world.asg.by_id[rec.id].members)
        return []

    def fail_part(self, rec, part, up) -> bool:
        if rec.kind != "batch_compute_environment":
            return False
        group = self.world.asg.by_id.get(rec.id)
        instances = [i for i in group.members.values() if part is None or i.id == part] if group else []
        self.world.ec2.break_instances(instances, up, f"a fault on {rec.address}")
        return True
