"""Amazon EMR clusters (notes §19.4): known by their id (`j-` and 13 upper-case letters and
digits, as AWS's) and their ARN (`cluster/j-...`); names need not be unique, as in EMR.

RunJobFlow launches the cluster's EC2 instances in its one subnet (so its one AZ): the master
group's, the core group's and the task group's, each an owned `instance` record with its
`emr_role` (master, core or task) and its market (`purchase = spot` for spot groups), placed on
a host of its family in that AZ like any instance — so a host, a rack, the AZ or a spot
interruption reaches them in the chaos run. A resize (core or task count) launches or
terminates instances of that group; what RunJobFlow refuses: a master count other than 1 or 3,
managed scaling with its minimum above its maximum.
"""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids, placement
from ..operation import Op
from ..store import Record
from .base import Behaviour, require
from .compute import place_instance

GROUPS = ("master", "core", "task")


def _group(rec: Record, role: str) -> dict:
    """A group's type, count and market; a cluster without a task group has no task nodes."""
    g = rec.attrs.get(role) or {}
    default = {"master": 1, "core": 2, "task": 1 if g else 0}[role]
    count = g.get("count")
    return {"instance_type": g.get("instance_type") or "m5.xlarge",
            "count": int(count) if count is not None else default, "market": g.get("market") or "on_demand"}


class EmrCluster(Behaviour):
    service = "elasticmapreduce"

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        rec.id = "j-" + ids.upper_alnum(op.seed, n, 13, "emr")
        rec.name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                               256)

    def arn(self, rec: Record) -> str:
        return ids.arn("elasticmapreduce", rec.region, f"cluster/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        op.the(rec.attrs["subnet"])
        masters = _group(rec, "master")["count"]
        require(masters in (1, 3), f"The master instance group must have 1 or 3 instances, got {masters}.",
                "ValidationException")
        scaling = rec.attrs.get("managed_scaling") or {}
        if scaling and int(scaling.get("min") or 1) > int(scaling.get("max") or 10):
            raise InvalidParameter("MinimumCapacityUnits must be less than or equal to MaximumCapacityUnits.",
                                   code="ValidationException")

    def create(self, op: Op, rec: Record):
        self._sync(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._sync(op, rec)

    def _sync(self, op: Op, rec: Record):
        """Each group's instances up (or down) to its count: a resize launches in the cluster's
        subnet, or terminates the group's newest instances."""
        subnet = op.the(rec.attrs["subnet"])
        owned = op.tx.owned(rec.id, "instance")
        for role in GROUPS:
            g = _group(rec, role)
            members = sorted((m for m in owned if m.attrs.get("emr_role") == role), key=lambda m: m.seq)
            while len(members) > g["count"]:
                op.remove(members.pop())
            while len(members) < g["count"]:
                members.append(self._launch(op, rec, subnet, role, g))

    @staticmethod
    def _launch(op: Op, rec: Record, subnet: Record, role: str, g: dict) -> Record:
        attrs = {"instance_type": g["instance_type"], "subnet": subnet.id, "emr_role": role,
                 "purchase": "spot" if g["market"] == "spot" else None}
        inst = op.add_owned(rec, "instance", f"emr-{role}", attrs)
        inst.outputs["arn"] = ids.ec2_arn("instance", inst.region, inst.id)
        place_instance(op, inst, subnet, False)
        req = placement.request_for(op.tx, rec.region, inst.az, attrs)
        placement.bind(op.tx, inst, req, placement.choose(op.tx, req))
        inst.outputs["state"] = "running"
        op.tx.save(inst)
        op.tx.set_refs(inst.id, [("subnet", subnet.id)])
        return inst

    def outputs(self, op: Op, rec: Record) -> dict:
        owned = sorted(op.tx.owned(rec.id, "instance"), key=lambda m: m.seq)
        master = next((m for m in owned if m.attrs.get("emr_role") == "master"), None)
        counts = {role: sum(1 for m in owned if m.attrs.get("emr_role") == role) for role in GROUPS}
        return {"name": rec.name, "state": "WAITING" if rec.attrs.get("keep_alive", True) is not False else "RUNNING",
                "release_label": rec.attrs.get("release_label"),
                "master_dns": master.outputs.get("private_dns") if master is not None else None,
                "az": master.az if master is not None else None,
                "instances": {role: counts[role] for role in GROUPS}}

    def live(self, op: Op, rec: Record) -> dict:
        return {**rec.outputs, **self.outputs(op, rec)}


BEHAVIOURS = {"emr_cluster": EmrCluster()}
