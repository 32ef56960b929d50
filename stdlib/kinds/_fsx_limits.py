"""FSx's limits per file-system type and deployment type, as AWS documents them.

Storage capacity (GiB), from the CreateFileSystem API reference, `StorageCapacity`
(https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-create-file-system-request/storage-capacity.html):

- Lustre SCRATCH_2, PERSISTENT_1 and PERSISTENT_2 on SSD: 1200 GiB, 2400 GiB, then increments
  of 2400 GiB; SCRATCH_1: 1200, 2400, then increments of 3600 GiB; PERSISTENT_1 on HDD:
  increments of 6000 GiB at 12 MB/s/TiB, of 1800 GiB at 40 MB/s/TiB.
- ONTAP: 1,024 × HA pairs to 524,288 × HA pairs (one HA pair here).
- OpenZFS: 64 GiB to 524,288 GiB (512 TiB).
- Windows File Server: SSD 32–65,536 GiB, HDD 2,000–65,536 GiB.

Throughput capacity (MB/s):

- Windows: 2^n between 8 and 2048 (CreateFileSystemWindowsConfiguration `ThroughputCapacity`,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-create-file-system-windows-configuration/throughput-capacity.html).
- ONTAP (per HA pair): SINGLE_AZ_1 and MULTI_AZ_1 128–4096 doubling, SINGLE_AZ_2 1536, 3072 or
  6144, MULTI_AZ_2 384–6144 (`ThroughputCapacityPerHAPair`,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-create-file-system-ontap-configuration/throughput-capacity-per-ha-pair.html).
- OpenZFS: SINGLE_AZ_1 (and HA_1) 64–4096, SINGLE_AZ_2 (and HA_2) and MULTI_AZ_1 160–10240
  (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-create-file-system-open-zfs-configuration/throughput-capacity.html).
- Lustre persistent, per TiB of storage: PERSISTENT_1 SSD 50, 100, 200; PERSISTENT_2 125, 250,
  500, 1000 (`PerUnitStorageThroughput`,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-update-file-system-lustre-configuration/per-unit-storage-throughput.html);
  PERSISTENT_1 HDD 12 or 40 (the storage capacity page above).

Deployment types (the API's `DeploymentType` of each configuration): Windows MULTI_AZ_1
(SSD and HDD), SINGLE_AZ_1 (SSD only), SINGLE_AZ_2 (SSD and HDD); ONTAP and OpenZFS as below,
SSD only; Lustre is single-AZ (scratch or persistent; HDD on PERSISTENT_1 only). Scratch
file systems have no backups ("Amazon FSx doesn't support backups on scratch file systems",
AWS re:Post knowledge center, fsx-for-lustre-scratch-file-system). Automatic backups are kept
0–90 days (0 turns them off; CreateFileSystemOntapConfiguration `AutomaticBackupRetentionDays`).
"""

from __future__ import annotations

TYPES = ("windows", "lustre", "ontap", "openzfs")

# type -> deployment types (lower case, as written), the first the default
DEPLOYMENTS: dict[str, tuple[str, ...]] = {
    "windows": ("single_az_2", "single_az_1", "multi_az_1"),
    "lustre": ("persistent_2", "persistent_1", "scratch_2", "scratch_1"),
    "ontap": ("single_az_1", "single_az_2", "multi_az_1", "multi_az_2"),
    "openzfs": ("single_az_1", "single_az_2", "single_az_ha_1", "single_az_ha_2", "multi_az_1"),
}
MULTI_AZ = frozenset({("windows", "multi_az_1"), ("ontap", "multi_az_1"), ("ontap", "multi_az_2"),
                      ("openzfs", "multi_az_1")})
SCRATCH = frozenset({"scratch_1", "scratch_2"})

# (type, deployment) pairs that take HDD storage
HDD = frozenset({("windows", "single_az_2"), ("windows", "multi_az_1"), ("lustre", "persistent_1")})

# type -> (SSD min, max) GiB for the ranged types; HDD for Windows
RANGES = {("windows", "ssd"): (32, 65536), ("windows", "hdd"): (2000, 65536),
          ("ontap", "ssd"): (1024, 524288), ("openzfs", "ssd"): (64, 524288)}

_DOUBLING = lambda lo, hi: tuple(2 ** n for n in range(lo.bit_length() - 1, hi.bit_length()))  # noqa: E731
THROUGHPUT: dict[tuple[str, str], tuple[int, ...]] = {
    **{("windows", d): _DOUBLING(8, 2048) for d in DEPLOYMENTS["windows"]},
    ("ontap", "single_az_1"): _DOUBLING(128, 4096), ("ontap", "multi_az_1"): _DOUBLING(128, 4096),
    ("ontap", "single_az_2"): (1536, 3072, 6144), ("ontap", "multi_az_2"): (384, 768, 1536, 3072, 6144),
    **{("openzfs", d): (64, 128, 256, 512, 1024, 2048, 3072, 4096) for d in ("single_az_1", "single_az_ha_1")},
    **{("openzfs", d): (160, 320, 640, 1280, 2560, 3840, 5120, 7680, 10240)
       for d in ("single_az_2", "single_az_ha_2", "multi_az_1")},
}
# (deployment, storage type) -> MB/s per TiB for persistent Lustre
PER_TIB = {("persistent_1", "ssd"): (50, 100, 200), ("persistent_1", "hdd"): (12, 40),
           ("persistent_2", "ssd"): (125, 250, 500, 1000)}
HDD_INCREMENT = {12: 6000, 40: 1800}  # PERSISTENT_1 HDD: MB/s/TiB -> GiB increment


def lustre_capacity_rule(deployment: str, storage_type: str, per_tib) -> tuple[str, callable] | None:
    """The rule a Lustre capacity follows, in words, and its test."""
    if deployment == "scratch_1":
        return "1200 GiB, 2400 GiB or a multiple of 3600 GiB", lambda g: g in (1200, 2400) or g % 3600 == 0
    if storage_type == "hdd":
        step = HDD_INCREMENT.get(per_tib)
        if step is None:
            return None
        return f"a multiple of {step} GiB at {per_tib} MB/s/TiB", lambda g: g % step == 0
    return "1200 GiB, 2400 GiB or a multiple of 2400 GiB", lambda g: g in (1200, 2400) or g % 2400 == 0
