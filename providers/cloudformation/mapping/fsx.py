"""Amazon FSx (notes §13.2): `AWS::FSx::FileSystem` with its type's configuration block.

AWS encrypts every FSx file system at rest (`KmsKeyId` picks the key; scratch Lustre uses a key
FSx owns). Automatic backups are written explicitly: 7 days unless the author says otherwise,
where AWS's API default for Lustre is none; scratch Lustre takes no backup setting at all.
"""

from __future__ import annotations

from ..units import days, gib
from .common import REF, getatt

_CONFIG = {"windows": "WindowsConfiguration", "lustre": "LustreConfiguration", "ontap": "OntapConfiguration",
           "openzfs": "OpenZFSConfiguration"}
_MULTI_AZ = {("windows", "multi_az_1"), ("ontap", "multi_az_1"), ("ontap", "multi_az_2"), ("openzfs", "multi_az_1")}


def fsx_file_system(r):
    kind, deployment = r.raw("type"), r.raw("deployment")
    scratch = str(deployment).startswith("scratch")
    multi_az = (kind, deployment) in _MULTI_AZ
    config = {
        "DeploymentType": str(deployment).upper(),
        "AutomaticBackupRetentionDays": None if scratch else days(r.get("backup_retention")),
    }
    if kind == "lustre":
        config["PerUnitStorageThroughput"] = r.val("throughput_per_tib")
    else:
        config["ThroughputCapacity"] = r.val("throughput")
        config["PreferredSubnetId"] = r.ref("preferred_subnet") if multi_az else None
    if kind == "windows":
        config["ActiveDirectoryId"] = r.val("active_directory")
    r.part("AWS::FSx::FileSystem", {
        "FileSystemType": str(kind).upper(),
        "StorageCapacity": gib(r.get("storage_capacity")),
        "StorageType": str(r.raw("storage_type") or "ssd").upper(),
        "SubnetIds": r.refs("subnets"),
        "SecurityGroupIds": r.refs("security_groups") or None,
        "KmsKeyId": None if scratch else r.val("kms_key"),
        _CONFIG[kind]: config,
        "Tags": r.tags(),
    }, deletion="Retain")


MAPPERS = {"fsx_file_system": fsx_file_system}
TYPES = {"fsx_file_system": ["AWS::FSx::FileSystem"]}
EXPORTS = {"fsx_file_system": {"id": REF, "arn": getatt("ResourceARN"), "dns_name": getatt("DNSName")}}
