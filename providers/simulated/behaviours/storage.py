"""S3 buckets (one namespace across all regions) and EFS file systems (a mount target, with an
address, in each subnet's AZ)."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import endpoints, ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, require
from .common import check_groups_in_vpc, one_subnet_per_az, subnets_vpc, sync_subnet_nodes


class S3Bucket(Named):
    service = "s3"
    name_max = 63
    name_unique = "global"
    name_taken_code = "BucketAlreadyExists"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("bucket")

    def taken_message(self, name: str, taken: Record) -> str:
        return (f"The requested bucket name '{name}' is not available. The bucket namespace is shared by all users "
                "of the system. Please select a different name and try again.")

    def arn(self, rec: Record) -> str:
        return f"arn:aws:s3:::{rec.name}"

    def validate(self, op: Op, rec: Record, old: Record | None):
        replication = rec.attrs.get("replication") or []
        if replication:
            require(bool(rec.attrs.get("versioning")), "Versioning must be 'Enabled' on the bucket to apply a "
                                                       "replication configuration", "InvalidRequest")
            for rule in replication:
                dest = op.the(rule["destination"])
                require(bool(dest.attrs.get("versioning")),
                        f"Destination bucket must have versioning enabled: {dest.name}", "InvalidRequest")

    def outputs(self, op: Op, rec: Record) -> dict:
        name, region = rec.name, rec.region or "us-east-1"
        return {"name": name, "domain_name": f"{name}.s3.amazonaws.com",
                "regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
                "website_endpoint": endpoints.s3_website(name, region) if rec.attrs.get("website") else None,
                "zone_id": endpoints.s3_zone(region)}


class Efs(Behaviour):
    service = "elasticfilesystem"

    def arn(self, rec: Record) -> str:
        return ids.arn("elasticfilesystem", rec.region, f"file-system/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        subnets = rec.attrs.get("subnets") or []
        if not subnets:
            return
        vpc = subnets_vpc(op, subnets, "file system", code="MountTargetConflict")
        one_subnet_per_az(op, subnets, "A file system has one mount target per Availability Zone",
                          "MountTargetConflict")
        if rec.attrs.get("availability") == "one_zone":
            az = rec.attrs.get("az")
            for sid in subnets:
                theirs = op.the(sid).attrs["az"]
                if theirs != az:
                    raise InvalidParameter(f"Subnet {sid} is in {theirs}, but this One Zone file system is in {az}",
                                           code="AvailabilityZonesMismatch")
        check_groups_in_vpc(op, rec.attrs.get("security_groups") or [], vpc, "the mount targets' subnets",
                            code="SecurityGroupNotFound")
        rec.az = rec.attrs.get("az")

    def create(self, op: Op, rec: Record):
        self.update(op, rec, rec)

    def update(self, op: Op, rec: Record, old: Record):
        sync_subnet_nodes(op, rec, "efs_mount_target", "mount_target", rec.attrs.get("subnets") or [])

    def outputs(self, op: Op, rec: Record) -> dict:
        targets = op.tx.owned(rec.id, "efs_mount_target")
        return {"dns_name": f"{rec.id}.efs.{rec.region}.amazonaws.com",
                "mount_targets": [{"id": t.id, "az": t.az, "subnet": t.subnet, "ip": t.attrs.get("private_ip")}
                                  for t in targets]}


BEHAVIOURS = {"s3_bucket": S3Bucket(), "efs": Efs()}
