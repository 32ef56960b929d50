"""Amazon FSx file systems (notes §13.2) in the modeled cloud.

A file system's id is `fs-` and 17 hexadecimal digits, as AWS's; its file servers are owned
`fsx_server` records in its subnets' AZs: one (`primary`) for a single-AZ deployment, two
(`preferred` in the preferred subnet, `standby` in the other) for a Multi-AZ one. CreateFileSystem
refuses what AWS refuses: a subnet count the deployment type does not take, a Multi-AZ pair of
subnets in one AZ, a preferred subnet outside the list, a Windows file system with no Active
Directory, backups on scratch Lustre, security groups of another VPC.
"""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, require
from .common import add_node, by_az, check_groups_in_vpc, subnets_vpc
from .messaging import seconds

MULTI_AZ = {("windows", "multi_az_1"), ("ontap", "multi_az_1"), ("ontap", "multi_az_2"), ("openzfs", "multi_az_1")}


def multi_az(rec: Record) -> bool:
    return (rec.attrs.get("type"), rec.attrs.get("deployment")) in MULTI_AZ


class FsxFileSystem(Behaviour):
    service = "fsx"

    def arn(self, rec: Record) -> str:
        return ids.arn("fsx", rec.region, f"file-system/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        subnets = at.get("subnets") or []
        want = 2 if multi_az(rec) else 1
        require(len(subnets) == want, f"The {str(at.get('deployment')).upper()} deployment type requires "
                f"{'exactly two subnets' if want == 2 else 'exactly one subnet'}; {len(subnets)} were given.",
                "InvalidNetworkSettings")
        vpc = subnets_vpc(op, subnets, "file system", code="InvalidNetworkSettings")
        zones = by_az(op, subnets)
        if want == 2:
            require(len(zones) == 2, "The subnets of a Multi-AZ file system must be in different Availability "
                    "Zones.", "InvalidNetworkSettings")
            require(at.get("preferred_subnet") in subnets, "The preferred subnet must be one of the file system's "
                    "subnets.", "InvalidNetworkSettings")
        if at.get("type") == "windows" and not at.get("active_directory"):
            raise InvalidParameter("A Windows file system must join an Active Directory.", code="ActiveDirectoryError")
        if str(at.get("deployment", "")).startswith("scratch") and (seconds(at.get("backup_retention")) or 0):
            raise InvalidParameter("Automatic backups are not supported on scratch file systems.", code="BadRequest")
        check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the file system's subnets",
                            code="InvalidSecurityGroupId")
        rec.az = next(iter(zones), None) if want == 1 else None

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        rec.id = f"fs-{ids.hex17(op.seed, n)}"

    def create(self, op: Op, rec: Record):
        subnets = rec.attrs.get("subnets") or []
        if multi_az(rec):
            preferred = rec.attrs.get("preferred_subnet")
            other = next(s for s in subnets if s != preferred)
            roles = [("preferred", preferred), ("standby", other)]
        else:
            roles = [("primary", subnets[0])]
        for role, sid in roles:
            add_node(op, rec, "fsx_server", role, op.the(sid), attrs={"name": role}, id=f"{rec.id}-{role}")

    def update(self, op: Op, rec: Record, old: Record):
        for node in op.tx.owned(rec.id, "fsx_server"):
            op.remove(node)
        self.create(op, rec)

    def outputs(self, op: Op, rec: Record) -> dict:
        servers = op.tx.owned(rec.id, "fsx_server")
        return {"dns_name": f"{rec.id}.fsx.{rec.region}.amazonaws.com",
                "lifecycle": "AVAILABLE", "az": servers[0].az if servers else None,
                "file_servers": [{"role": s.role, "az": s.az, "ip": s.attrs.get("private_ip")}
                                 for s in sorted(servers, key=lambda s: s.role)]}


BEHAVIOURS = {"fsx_file_system": FsxFileSystem()}
