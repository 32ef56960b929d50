"""Amazon FSx (notes §13.2): managed Windows File Server, Lustre, NetApp ONTAP and OpenZFS
file systems, and a file system's AZs.

The limits are AWS's, per type and deployment type (`_fsx_limits.py` cites each page):
storage capacity ranges and increments, throughput capacities, which deployment types are
Multi-AZ and which take HDD storage. A Multi-AZ file system has two subnets in two AZs and a
`preferred_subnet` where its active file server runs; a single-AZ one has one subnet and
lives (and is lost) with its AZ. Scratch Lustre (notes §13.2: "temporary storage, data is not
replicated") has no backups. Encryption at rest is always on (AWS encrypts every FSx file
system; `kms_key` picks the key). Automatic daily backups are on by default (7 days; AWS's
API default for Lustre is off).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field, model_validator

from archform.dsl import values as v
from archform.stdlib.kinds import _fsx_limits as lim
from archform.stdlib.kinds.keys import KmsKeyRef
from archform.stdlib.kinds.network import groups_outside
from archform.stdlib.kinds.redshift import days, subnet_zones
from archform.stdlib.schema import Graph, Issue, Kind, Related, View
from archform.stdlib.types import DurationRange, Enum, Int, Ref, Size, Str, Tags, dur

GIB = 1024 ** 3
BACKUP_EVERY = "daily"  # notes §13.2: "Data is backed up to S3 daily"
_DIRECTORY = re.compile(r"^d-[0-9a-f]{10}$")
_ALL_DEPLOYMENTS = tuple(sorted({d for ds in lim.DEPLOYMENTS.values() for d in ds}))


def fsx_multi_az(attrs: dict) -> bool:
    """Whether a file system's attributes describe a Multi-AZ deployment."""
    return (attrs.get("type"), attrs.get("deployment")) in lim.MULTI_AZ


class FsxFileSystem(Kind):
    """An Amazon FSx file system (notes §13.2): `type` windows, lustre, ontap or openzfs, of a
    `deployment` type AWS offers for it (Lustre scratch_1, scratch_2, persistent_1,
    persistent_2; Multi-AZ multi_az_1/2 for Windows, ONTAP and OpenZFS), `storage_capacity`
    and `throughput` (MB/s; Lustre persistent: `throughput_per_tib`) as AWS allows them per
    type and storage type (ssd, hdd). A single-AZ file system is in one subnet and is lost with
    its AZ — restored from its last daily backup, kept `backup_retention` (0–90 days, 7 by
    default; scratch Lustre has none and loses its data); a Multi-AZ one has two subnets and
    its standby file server takes over. Always encrypted at rest; Windows joins the Active
    Directory `active_directory` (a directory id, d-…)."""

    kind: Literal["fsx_file_system"] = "fsx_file_system"
    title: ClassVar[str] = "FSx file system"
    noun: ClassVar[str] = "FSx file system"
    family: ClassVar[str] = "storage"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "dns_name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"type", "deployment", "storage_type", "subnets", "kms_key",
                                                     "active_directory", "preferred_subnet"})

    type: Enum(*lim.TYPES, what="FSx file system type")
    deployment: Enum(*_ALL_DEPLOYMENTS, what="FSx deployment type") = None
    storage_type: Enum("ssd", "hdd", what="FSx storage type") = "ssd"
    storage_capacity: Size
    throughput: Int = None  # MB/s: Windows, ONTAP, OpenZFS
    throughput_per_tib: Int = None  # MB/s per TiB: persistent Lustre
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    preferred_subnet: Ref["subnet"] | None = None
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    backup_retention: DurationRange("0d", "90d", what="backup_retention") = None
    kms_key: KmsKeyRef = None
    active_directory: Str = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        """The first deployment type of the type (persistent_2 for Lustre: AWS's SCRATCH_1 loses
        its data), and 7 days of backups except on scratch (which has none)."""
        if not isinstance(data, dict):
            return data
        kind = str(getattr(data.get("type"), "text", data.get("type")) or "")
        if data.get("deployment") is None and kind in lim.DEPLOYMENTS:
            data = {**data, "deployment": lim.DEPLOYMENTS[kind][0]}
        if "backup_retention" not in data:
            scratch = str(getattr(data.get("deployment"), "text", data.get("deployment"))) in lim.SCRATCH
            data = {**data, "backup_retention": dur("0d") if scratch else dur("7d")}
        return data

    @property
    def multi_az(self) -> bool:
        return (self.type, self.deployment) in lim.MULTI_AZ

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if self.type not in lim.TYPES or not isinstance(self.deployment, str):
            return  # a value known only after apply: nothing to check yet
        if self.deployment not in lim.DEPLOYMENTS.get(self.type, (self.deployment,)):
            yield Issue(f"'{self.deployment}' is not a deployment type of FSx for {self.type}: "
                        + ", ".join(lim.DEPLOYMENTS[self.type]), ("deployment",),
                        help=f"deployment = {lim.DEPLOYMENTS[self.type][0]}")
            return
        if self.storage_type == "hdd" and (self.type, self.deployment) not in lim.HDD:
            takes = ", ".join(f"{t} {d}" for t, d in sorted(lim.HDD))
            yield Issue(f"HDD storage is not offered for FSx for {self.type} {self.deployment}; only {takes}",
                        ("storage_type",), help="storage_type = ssd")
            return
        yield from self._storage()
        yield from self._throughput()
        yield from self._network(graph)
        yield from self._backups()
        yield from self._directory()

    def _gib(self) -> int | None:
        if not isinstance(self.storage_capacity, v.Size):
            return None
        return int(self.storage_capacity.bytes // GIB) if self.storage_capacity.bytes % GIB == 0 else -1

    def _storage(self) -> Iterable[Issue]:
        gib = self._gib()
        if gib is None:
            return
        if gib < 0:
            yield Issue(f"storage_capacity is a whole number of GiB, got {self.storage_capacity}",
                        ("storage_capacity",))
            return
        span = lim.RANGES.get((self.type, self.storage_type))
        if span is not None:
            lo, hi = span
            if not lo <= gib <= hi:
                yield Issue(f"FSx for {self.type} on {self.storage_type.upper()} stores {lo}–{hi} GiB, got {gib} GiB",
                            ("storage_capacity",))
            return
        rule = lim.lustre_capacity_rule(self.deployment, self.storage_type, self.throughput_per_tib)
        if rule is not None and not (gib > 0 and rule[1](gib)):
            yield Issue(f"FSx for Lustre {self.deployment} on {self.storage_type.upper()} stores {rule[0]}, "
                        f"got {gib} GiB", ("storage_capacity",))

    def _throughput(self) -> Iterable[Issue]:
        if self.type == "lustre":
            if self.throughput is not None:
                yield Issue("FSx for Lustre's throughput follows its storage: set throughput_per_tib (persistent) "
                            "instead of throughput", ("throughput",))
                return
            allowed = lim.PER_TIB.get((self.deployment, self.storage_type))
            if allowed is None and self.throughput_per_tib is not None:
                yield Issue(f"throughput_per_tib is for persistent Lustre; {self.deployment} has a fixed "
                            "throughput per TiB", ("throughput_per_tib",))
            elif allowed is not None and self.throughput_per_tib is None:
                yield Issue(f"persistent Lustre needs throughput_per_tib: one of "
                            f"{', '.join(map(str, allowed))} MB/s/TiB", ("throughput_per_tib",),
                            help=f"throughput_per_tib = {allowed[0]}")
            elif allowed is not None and self.throughput_per_tib not in allowed:
                yield Issue(f"{self.deployment} on {self.storage_type.upper()} takes a throughput_per_tib of "
                            f"{', '.join(map(str, allowed))} MB/s/TiB, got {self.throughput_per_tib}",
                            ("throughput_per_tib",))
            return
        if self.throughput_per_tib is not None:
            yield Issue("throughput_per_tib is for persistent Lustre; set throughput (MB/s)", ("throughput_per_tib",))
        allowed = lim.THROUGHPUT[(self.type, self.deployment)]
        if self.throughput is None:
            yield Issue(f"FSx for {self.type} needs a throughput capacity: one of "
                        f"{', '.join(map(str, allowed))} MB/s", ("throughput",), help=f"throughput = {allowed[0]}")
        elif isinstance(self.throughput, int) and self.throughput not in allowed:
            yield Issue(f"FSx for {self.type} {self.deployment} takes a throughput of "
                        f"{', '.join(map(str, allowed))} MB/s, got {self.throughput}", ("throughput",))

    def _network(self, graph: Graph) -> Iterable[Issue]:
        want = 2 if self.multi_az else 1
        if len(self.subnets) != want:
            what = ("a Multi-AZ file system has two subnets, its active and standby file servers' AZs"
                    if self.multi_az else f"a single-AZ file system ({self.deployment}) is in one subnet")
            yield Issue(f"{what}; this one has {len(self.subnets)}", ("subnets",),
                        help="subnets = [data_a, data_b]" if self.multi_az else "subnets = [data_a]")
            return
        views, zones, vpcs = subnet_zones(graph, self.subnets)
        if self.multi_az and len(views) == 2 and len(zones) < 2:
            yield Issue("a Multi-AZ file system's two subnets are in two Availability Zones; these are both in "
                        f"{next(iter(zones))}", ("subnets",),
                        related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in views))
        if len(vpcs) > 1:
            yield Issue("a file system's subnets are of one VPC", ("subnets",))
        elif len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, next(iter(vpcs)), "the file system's")
        pref = self.preferred_subnet
        if self.multi_az and pref is None:
            yield Issue("a Multi-AZ file system names its preferred_subnet: where its active file server runs",
                        ("preferred_subnet",), help="preferred_subnet = data_a (one of its subnets)")
        elif pref is not None and not self.multi_az:
            yield Issue("preferred_subnet is for Multi-AZ file systems", ("preferred_subnet",))
        elif pref is not None and pref.address not in {s.address for s in self.subnets}:
            yield Issue(f"the preferred subnet is one of the file system's subnets; '{pref.address}' is not",
                        ("preferred_subnet",))
        if not self.security_groups:
            yield Issue("no security group given: the VPC's default group applies to the file system's network "
                        "interfaces", ("security_groups",), severity="warning",
                        help="a group allowing the clients' protocol (SMB 445, NFS 2049, Lustre 988)")

    def _backups(self) -> Iterable[Issue]:
        d = days(self.backup_retention)
        if d is None:
            return
        if d != int(d):
            yield Issue(f"backup_retention counts whole days, got {self.backup_retention}", ("backup_retention",))
        if self.deployment in lim.SCRATCH and d > 0:
            yield Issue("scratch Lustre file systems have no backups (data is not replicated, notes §13.2)",
                        ("backup_retention",), help="remove backup_retention, or deployment = persistent_2")
        elif self.deployment in lim.SCRATCH:
            yield Issue(f"a {self.deployment} file system's data is lost when its file server or AZ fails: it is "
                        "not replicated and has no backups (notes §13.2)", ("deployment",), severity="warning",
                        help="keep the data in S3 too, or deployment = persistent_2")
        elif d == 0 and not self.multi_az:
            yield Issue("backups are off (backup_retention = 0d) on a single-AZ file system: losing its AZ loses "
                        "its data", ("backup_retention",), severity="warning", help="backup_retention = 7d")

    def _directory(self) -> Iterable[Issue]:
        ad = self.active_directory
        if self.type == "windows" and ad is None:
            yield Issue("FSx for Windows File Server joins an Active Directory: set active_directory to the "
                        "directory's id (AWS Managed Microsoft AD, d-…)", ("active_directory",),
                        help='active_directory = "d-1234567890"')
        elif self.type != "windows" and ad is not None:
            yield Issue(f"active_directory is for FSx for Windows File Server, not {self.type}", ("active_directory",))
        elif isinstance(ad, str) and not _DIRECTORY.match(ad):
            yield Issue(f"a directory id is 'd-' and 10 hexadecimal digits, got '{ad}'", ("active_directory",))
