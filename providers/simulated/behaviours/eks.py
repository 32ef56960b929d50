"""Amazon EKS: clusters, managed node groups and Fargate profiles, each known by its name.

- A cluster: what CreateCluster refuses (a Kubernetes version EKS does not run, subnets in
  fewer than two AZs or of two VPCs, an endpoint reachable neither privately nor publicly),
  the API endpoint, OIDC issuer, certificate authority and cluster security group AWS gives;
  UpdateClusterVersion upgrades one minor version at a time and never down; a cluster with
  node groups or Fargate profiles cannot be deleted.
- A managed node group is an Auto Scaling group underneath: it launches its nodes (owned
  `instance` records, on hosts) exactly as `autoscaling_group` does, from its first instance
  type, spot when `capacity_type = spot`.
- A Fargate profile places the pods its selectors match (owned `fargate_pod` records), spread
  over its subnets' AZs, the AZ with the fewest first; its subnets must be private.
"""

from __future__ import annotations

import base64

from archform.providers.base import Conflict, InvalidParameter
from archform.stdlib.kinds._eks_versions import DEFAULT_VERSION, VERSIONS

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, in_use, require, users_of
from .common import by_az, check_groups_in_vpc, subnets_vpc
from .compute import AutoscalingGroup

CODE = "InvalidParameterException"


def _minor(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


class EksCluster(Named):
    service = "eks"
    name_max = 100
    name_taken_code = "ResourceInUseException"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Cluster already exists with name: {name}"

    def arn(self, rec: Record) -> str:
        return ids.arn("eks", rec.region, f"cluster/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        version = a.get("version") or DEFAULT_VERSION
        require(version in VERSIONS, f"unsupported Kubernetes version {version}", CODE)
        subnets = a.get("subnets") or []
        vpc = subnets_vpc(op, subnets, "cluster", code=CODE) if subnets else None
        require(len(by_az(op, subnets)) >= 2, "Subnets specified must be in at least two different AZs",
                "UnsupportedAvailabilityZoneException")
        check_groups_in_vpc(op, a.get("security_groups") or [], vpc, "the cluster's subnets", code=CODE)
        require(a.get("endpoint_private", True) or a.get("endpoint_public"),
                "Cluster must have either private or public endpoint access enabled", CODE)
        if old is not None:
            was = old.attrs.get("version") or DEFAULT_VERSION
            if version != was:
                step = (_minor(version)[0] - _minor(was)[0]) * 100 + _minor(version)[1] - _minor(was)[1]
                require(step == 1, f"Unsupported Kubernetes minor version update from {was} to {version}: a cluster "
                        "is upgraded one minor version at a time, and never down", CODE)

    def create(self, op: Op, rec: Record):
        key = ids.digest(op.seed, rec.seq, "eks").upper()
        authority = base64.b64encode(f"-----BEGIN CERTIFICATE-----{key}".encode()).decode()
        rec.outputs.update(endpoint=f"https://{key[:32]}.gr7.{rec.region}.eks.amazonaws.com",
                           oidc_issuer=f"https://oidc.eks.{rec.region}.amazonaws.com/id/{key[:32]}",
                           certificate_authority=authority,
                           security_group=f"sg-{ids.hex17(op.seed, rec.seq)}")

    def outputs(self, op: Op, rec: Record) -> dict:
        keep = ("endpoint", "oidc_issuer", "certificate_authority", "security_group")
        return {"name": rec.name, "status": "ACTIVE", "version": rec.attrs.get("version") or DEFAULT_VERSION,
                **{k: rec.outputs.get(k) for k in keep}}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("eks_node_group", "eks_fargate_profile"))
        if users:
            raise in_use(rec, users, code="ResourceInUseException", what=" (it has node groups or Fargate profiles)")


class EksNodeGroup(AutoscalingGroup):
    """The node group's own Auto Scaling group: the same launching, scaling in and AZ
    balancing as `autoscaling_group`, from the node group's first instance type."""

    service = "eks"
    name_max = 63
    name_taken_code = "ResourceInUseException"
    name_parent = "cluster"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"NodeGroup already exists with name {name} and cluster name {ids.name_in(taken.attrs.get('cluster'))}"

    def arn(self, rec: Record) -> str:
        return ids.arn("eks", rec.region, f"nodegroup/{ids.name_in(rec.attrs.get('cluster'))}/{rec.name}/"
                                          f"{ids.uuid(0, rec.seq, rec.name)}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        subnets = a.get("subnets") or []
        require(bool(subnets), "Subnets are required for a nodegroup", CODE)
        cluster = op.the(a["cluster"])
        vpc = subnets_vpc(op, subnets, "nodegroup", code=CODE)
        theirs = subnets_vpc(op, cluster.attrs.get("subnets") or [], "cluster", code=CODE)
        require(vpc == theirs, f"Subnets of the nodegroup are in {vpc}, the cluster {cluster.id} is in {theirs}", CODE)
        low, high, desired = int(a.get("min", 1)), int(a.get("max", 2)), a.get("desired")
        require(low <= high, f"Minimum capacity {low} can't be greater than maximum capacity {high}", CODE)
        if desired is not None:
            require(low <= int(desired) <= high, f"Desired capacity {desired} must be between minimum capacity {low} "
                    f"and maximum capacity {high}", CODE)
        require(bool(a.get("instance_types")), "At least one instance type is required", CODE)

    @staticmethod
    def settings(op: Op, rec: Record) -> dict:
        """Launch settings of the node group's Auto Scaling group: its first instance type,
        spot or on-demand, the cluster's security group on every node."""
        a = rec.attrs
        types = a.get("instance_types") or ["t3.medium"]
        return {"instance_type": types[0], "purchase": "spot" if a.get("capacity_type") == "spot" else None,
                "iam_role": a.get("role")}

    def create(self, op: Op, rec: Record):
        self._scale(op, rec, self._wanted(rec))

    def update(self, op: Op, rec: Record, old: Record):
        self._scale(op, rec, self._wanted(rec))

    @staticmethod
    def _wanted(rec: Record) -> int:
        desired = rec.attrs.get("desired")
        return int(desired if desired is not None else rec.attrs.get("min", 1))

    def outputs(self, op: Op, rec: Record) -> dict:
        out = super().outputs(op, rec)
        group = f"eks-{rec.name}-{ids.uuid(0, rec.seq, rec.id)}"
        return {**out, "autoscaling_group": group, "status": "ACTIVE"}


class EksFargateProfile(Named):
    service = "eks"
    name_max = 63
    name_taken_code = "ResourceInUseException"
    name_parent = "cluster"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def arn(self, rec: Record) -> str:
        return ids.arn("eks", rec.region, f"fargateprofile/{ids.name_in(rec.attrs.get('cluster'))}/{rec.name}/"
                                          f"{ids.uuid(0, rec.seq, rec.name)}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        subnets = a.get("subnets") or []
        require(bool(subnets), "Subnets are required for a Fargate profile", CODE)
        for sid in subnets:
            subnet = op.the(sid)
            if subnet.attrs.get("public") or subnet.attrs.get("map_public_ip"):
                raise InvalidParameter(f"Subnet {sid} provided in Fargate Profile is not a private subnet", code=CODE)
        cluster = op.the(a["cluster"])
        vpc = subnets_vpc(op, subnets, "Fargate profile", code=CODE)
        theirs = subnets_vpc(op, cluster.attrs.get("subnets") or [], "cluster", code=CODE)
        require(vpc == theirs, f"Subnets of the Fargate profile are in {vpc}, the cluster {cluster.id} is in "
                f"{theirs}", CODE)
        selectors = a.get("selector") or []
        require(1 <= len(selectors) <= 5, f"A Fargate profile takes 1 to 5 selectors, got {len(selectors)}", CODE)
        for volume in a.get("storage") or []:
            kind = op.the(volume).kind
            if kind != "efs":
                raise Conflict(f"Pods on Fargate cannot mount {kind} {volume}: only EFS", code=CODE)

    def create(self, op: Op, rec: Record):
        self._place(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._place(op, rec)

    @staticmethod
    def _place(op: Op, rec: Record):
        """The pods the selectors match, spread over the subnets' AZs (fewest first)."""
        zones = by_az(op, rec.attrs.get("subnets") or [])
        pods = [p for p in op.tx.owned(rec.id, "fargate_pod")]
        for p in pods:
            if p.subnet not in {s.id for group in zones.values() for s in group}:
                op.remove(p)
        pods = [p for p in op.tx.owned(rec.id, "fargate_pod")]
        wanted = int(rec.attrs.get("pods") or 0)
        while len(pods) > wanted:
            victim = max(pods, key=lambda p: p.seq)
            op.remove(victim)
            pods.remove(victim)
        counts = {az: sum(1 for p in pods if p.az == az) for az in zones}
        while len(pods) < wanted and zones:
            az = min(zones, key=lambda z: (counts[z], z))
            subnet = zones[az][0]
            pod = op.add_owned(rec, "fargate_pod", "pod", {"cpu": rec.attrs.get("pod_cpu"),
                                                          "memory": rec.attrs.get("pod_memory")},
                               az=az, subnet=subnet.id)
            pod.outputs["private_ip"] = op.private_ip(subnet, pod.id)
            op.tx.save(pod)
            counts[az] += 1
            pods.append(pod)
        rec.outputs["pods"] = [p.id for p in sorted(pods, key=lambda p: p.seq)]

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "status": "ACTIVE", "pods": rec.outputs.get("pods", [])}


BEHAVIOURS = {"eks_cluster": EksCluster(), "eks_node_group": EksNodeGroup(),
              "eks_fargate_profile": EksFargateProfile()}
