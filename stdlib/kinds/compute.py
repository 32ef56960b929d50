"""Compute: instances, launch templates, Auto Scaling groups, placement groups, EBS volumes.

Limits and defaults from notes §3 (EC2), §4.3 (placement groups), §4.5 (hibernate), §5.1 (EBS),
§6.4 (ASG) and aws-facts "Placement". Instance types come from `stdlib/instance_types.py`.
Rules across resources: `stdlib/rules/spread_placement_limit.py` and
`stdlib/rules/cluster_placement_single_az.py`, which count members with `placement_members`.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar, Iterable, Literal

from pydantic import BaseModel, Field, model_validator

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib import instance_types
from archform.stdlib.kinds.network import az_of, elsewhere, security_group_vpc_issues, vpc_of
from archform.stdlib.schema import _CONFIG, Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import (AZ, Bool, Enum, Int, IntRange, Number, Ref, Size, SizeRange, Str, Tags, Validated,
                                   fail, validator_of)
from archform.stdlib.types import size as size_literal

GIB = 2**30


# --- attribute types ---------------------------------------------------------------------------

def _instance_type(x):
    """An instance type of the table (`m5.large`), written bare or quoted."""
    if isinstance(x, (v.Unknown, v.Interpolated)):
        return x
    text = x.text if isinstance(x, v.Word) else x
    if not isinstance(text, str):
        raise fail(f"expected an instance type such as m5.large, got {v.type_name(x)}")
    if instance_types.lookup(text):
        return text
    family = instance_types.family_of(text)
    if family in instance_types.FAMILIES:
        shown = ", ".join(s.split(".", 1)[1] for s in instance_types.sizes(family))
        raise fail(f"'{text}' is not an instance type: {family} comes in {shown}",
                   did_you_mean(text, instance_types.sizes(family)))
    raise fail(f"'{text}' is not an instance type archform knows",
               did_you_mean(text, instance_types.names()) or "write family.size, e.g. m5.large or t3.micro")


InstanceType = Validated(_instance_type)

_DEVICE = re.compile(r"/dev/(sd[a-z][0-9]*|xvd[a-z]{1,2}[0-9]*)")


def _device_name(x):
    """A block device name as EC2 takes it: /dev/xvda (Amazon Linux), /dev/sda1 (Ubuntu, Debian,
    Windows)."""
    if isinstance(x, (v.Unknown, v.Interpolated)):
        return x
    if not isinstance(x, str):
        raise fail(f"expected a device name such as \"/dev/xvda\", got {v.type_name(x)}")
    if not _DEVICE.fullmatch(x):
        raise fail(f"'{x}' is not a device name EC2 takes", "write /dev/xvda (Amazon Linux) or /dev/sda1 "
                                                            "(Ubuntu, Debian, Windows): the AMI's root device")
    return x


DeviceName = Validated(_device_name)

SSD_TYPES = ("gp2", "gp3", "io1", "io2")
VOLUME_TYPES = SSD_TYPES + ("st1", "sc1")
VolumeType = Enum(*VOLUME_TYPES, what="EBS volume type")


def _boot_volume_type(x):
    """Only SSD volume types can boot an instance (notes §5.1.5)."""
    name = validator_of(VolumeType)(x)
    if name in ("st1", "sc1"):
        raise fail(f"only SSD volume types ({', '.join(SSD_TYPES)}) can be boot volumes; {name} is an HDD type",
                   "use gp3, or attach the HDD as a separate ebs_volume")
    return name


BootVolumeType = Validated(_boot_volume_type)


def _gib(s) -> float | None:
    return float(s.bytes) / GIB if isinstance(s, v.Size) else None


# --- launch settings: shared by instance, launch_template and an ASG's launch block ---------------

class Metadata(Block):
    """The instance metadata service. Safe default: IMDSv2 only (`http_tokens = required`; AWS's
    API default is `optional`, which lets a server-side request forgery read the role's
    credentials with a plain GET)."""

    http_tokens: Enum("required", "optional", what="http_tokens") = "required"


class RootVolume(Block):
    """The boot EBS volume. Delete-on-termination is on by default for it (notes §5.1.1)."""

    size: SizeRange("1GiB", "16TiB", what="root volume size") = size_literal("8GiB")
    type: BootVolumeType = "gp3"
    encrypted: Bool = True  # safe default (AWS's API: the account's EBS default, often off)
    kms_key: Ref["kms_key"] | None = None
    iops: Int | None = None
    throughput: Int | None = None
    delete_on_termination: Bool = True
    # The AMI's root device (`aws ec2 describe-images --query 'Images[].RootDeviceName'`); unset,
    # /dev/xvda (Amazon Linux). A template that names another device adds an empty volume there
    # and leaves the root as the AMI made it: unencrypted, its size unchanged.
    device_name: DeviceName | None = None


class LaunchSettings(BaseModel):
    """What it takes to launch an instance (notes §6.4.1: the launch template's contents)."""

    model_config = _CONFIG

    ami: Str
    instance_type: InstanceType
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    key_name: Str | None = None
    iam_role: Ref["iam_role", "instance_profile"] | None = None
    user_data: Str | None = None
    root_volume: RootVolume = Field(default_factory=RootVolume)
    metadata: Metadata = Field(default_factory=Metadata)
    hibernation: Bool = False
    tenancy: Enum("default", "dedicated", "host", what="tenancy") = "default"
    purchase: Enum("on_demand", "spot", what="purchase option") = "on_demand"
    spot_max_price: Number | None = None
    ebs_optimized: Bool | None = None  # None: the instance type's default
    monitoring: Bool = False  # detailed (1-minute) CloudWatch monitoring
    associate_public_ip: Bool | None = None  # None: the subnet's map_public_ip
    placement_group: Ref["placement_group"] | None = None
    tags: Tags = Field(default_factory=dict)


USER_DATA_LIMIT = 16 * 1024  # bytes, before base64 encoding
HIBERNATION_RAM_LIMIT_GIB = 150  # notes §4.5


def launch_issues(s: LaunchSettings, me: View, graph: Graph, path: tuple = ()) -> Iterable[Issue]:
    """Rules about launch settings alone (or with the placement group they name)."""
    yield from hibernation_issues(s, path)
    if s.spot_max_price is not None and s.purchase != "spot":
        yield Issue("spot_max_price applies only to spot instances", (*path, "spot_max_price"),
                    help="set purchase = spot, or remove spot_max_price")
    if isinstance(s.spot_max_price, (int, float)) and s.spot_max_price <= 0:
        yield Issue(f"spot_max_price is a price per hour and must be above 0, got {s.spot_max_price}",
                    (*path, "spot_max_price"))
    if isinstance(s.user_data, str) and len(s.user_data.encode()) > USER_DATA_LIMIT:
        yield Issue(f"user data is limited to 16 KB, this is {len(s.user_data.encode())} bytes", (*path, "user_data"),
                    help="download a larger script from S3 in a short bootstrap, or bake it into the AMI (notes §5.2)")
    group = deref(graph, s.placement_group)
    if group is not None:
        t = instance_types.lookup(s.instance_type) if isinstance(s.instance_type, str) else None
        if group.get("strategy") == "cluster" and t is not None and t.burstable:
            yield Issue(f"burstable instances ({s.instance_type}) are not supported in cluster placement groups",
                        (*path, "instance_type"), severity="warning",
                        related=(Related(group.address, ("strategy",), "cluster placement group"),),
                        help="use a fixed-performance type such as c5 or m5 for low-latency clusters")


def hibernation_issues(s: LaunchSettings, path: tuple = ()) -> Iterable[Issue]:
    """Notes §4.5: RAM under 150 GB, and an encrypted EBS root volume larger than the RAM."""
    if s.hibernation is not True:
        return
    t = instance_types.lookup(s.instance_type) if isinstance(s.instance_type, str) else None
    if t is not None and t.memory_gib >= HIBERNATION_RAM_LIMIT_GIB:
        yield Issue(f"hibernation needs an instance type with less than {HIBERNATION_RAM_LIMIT_GIB} GiB of RAM; "
                    f"{t.name} has {t.memory_gib:g} GiB", (*path, "instance_type"),
                    help="pick a smaller type, or turn hibernation off (notes §4.5)")
    elif t is not None and t.bare_metal:
        yield Issue(f"hibernation is not supported on bare metal instances ({t.name})", (*path, "instance_type"))
    root = s.root_volume
    if root.encrypted is not True:
        yield Issue("hibernation saves RAM to the root volume, which must be encrypted", (*path, "root_volume", "encrypted"),
                    help="set root_volume { encrypted = true } (notes §4.5.2)")
    root_gib = _gib(root.size)
    fits = t is not None and t.memory_gib < HIBERNATION_RAM_LIMIT_GIB
    if fits and root_gib is not None and root_gib <= t.memory_gib:
        yield Issue(f"hibernation needs a root volume larger than the RAM: {root.size} root volume, "
                    f"{t.memory_gib:g} GiB of RAM in {t.name}", (*path, "root_volume", "size"),
                    help=f"make the root volume bigger, e.g. size = {math.ceil(t.memory_gib) + 8}GiB (notes §4.5)")


def placement_vpc_issues(graph: Graph, groups: list, subnet_refs: list, me: View, path: tuple) -> Iterable[Issue]:
    """Security groups must be in the VPC of the subnet(s) the instances launch into."""
    for ref in subnet_refs:
        subnet = deref(graph, ref)
        if subnet is not None:
            yield from security_group_vpc_issues(graph, groups, vpc_of(graph, subnet), subnet.address, path, me)
            return


# --- instance ---------------------------------------------------------------------------------

class Instance(Kind, LaunchSettings):
    """A virtual machine in one subnet, and so one AZ (notes §3, §26.5: not highly available
    by itself)."""

    kind: Literal["instance"] = "instance"
    title: ClassVar[str] = "EC2 instance"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "private_ip": "string",
                                         "public_ip": "string", "private_dns": "string", "public_dns": "string",
                                         "az": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({
        "ami", "subnet", "key_name", "tenancy", "hibernation", "purchase", "spot_max_price", "placement_group",
        "root_volume.encrypted", "root_volume.kms_key"})

    subnet: Ref["subnet"]
    source_dest_check: Bool = True

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from launch_issues(self, me, graph)
        subnet = deref(graph, self.subnet)
        if subnet is None:
            return
        if elsewhere(me, subnet):  # reported by the same-region rule
            return
        yield from placement_vpc_issues(graph, self.security_groups, [self.subnet], me, ("security_groups",))
        if self.associate_public_ip is True and subnet.get("public") is False:
            yield Issue(f"a public IP on an instance in private subnet '{subnet.address}' is unreachable from the "
                        "internet", ("associate_public_ip",), severity="warning",
                        help="place it in a public subnet, or reach it through a bastion host (notes §24.2.3)")


# --- launch template ------------------------------------------------------------------------------

class LaunchTemplate(Kind, LaunchSettings):
    """Reusable launch settings for Auto Scaling groups (notes §6.4.1). A change makes a new
    version rather than a new template."""

    kind: Literal["launch_template"] = "launch_template"
    title: ClassVar[str] = "Launch template"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "latest_version": "number"}

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from launch_issues(self, me, graph)
        vpcs = {}
        for i, ref in enumerate(self.security_groups):
            group = deref(graph, ref)
            if group is None:
                continue
            if elsewhere(me, group):  # reported by the same-region rule
                continue
            vpc = vpc_of(graph, group)
            if vpc and vpcs and vpc not in vpcs:
                first = next(iter(vpcs.values()))
                yield Issue(f"security groups of one launch must share a VPC: '{group.address}' is in '{vpc}', "
                            f"'{first}' in '{next(iter(vpcs))}'", ("security_groups", i),
                            related=(Related(first, ("vpc",), "the other group's VPC"),))
            vpcs.setdefault(vpc, group.address)


# --- Auto Scaling group --------------------------------------------------------------------------




# --- placement groups ----------------------------------------------------------------------------

SPREAD_LIMIT_PER_AZ = 7  # notes §4.3, aws-facts "Placement"


class PlacementGroup(Kind):
    """Where instances land relative to each other (notes §4.3): `cluster` packs them in one AZ
    for low latency; `spread` puts each on distinct hardware, at most 7 per AZ; `partition`
    splits them over up to 7 partitions per AZ (2 when not written), each on its own racks.
    `spread_level` is rack unless written (host-level spread exists only on AWS Outposts)."""

    kind: Literal["placement_group"] = "placement_group"
    title: ClassVar[str] = "Placement group"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"strategy", "partitions", "spread_level"})

    strategy: Enum("cluster", "spread", "partition", what="placement strategy")
    partitions: IntRange(1, 7, what="partitions per AZ of a partition placement group") | None = None
    spread_level: Enum("rack", "host", what="spread level") | None = None
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_fit_strategy(self):
        if self.partitions is not None and self.strategy != "partition":
            raise fail(f"partitions applies only to strategy = partition, not {self.strategy}")
        if self.spread_level is not None and self.strategy != "spread":
            raise fail(f"spread_level applies only to strategy = spread, not {self.strategy}")
        return self

    @property
    def partition_count(self) -> int:
        return self.partitions if isinstance(self.partitions, int) else (2 if self.strategy == "partition" else 0)


def placement_members(graph: Graph, group: str) -> list[tuple[View, dict[str, int]]]:
    """Who runs in placement group `group`, and how many instances each puts in which AZ.

    An instance counts 1 in its subnet's AZ. An Auto Scaling group (its own placement_group,
    else its launch settings') counts its `max` spread evenly over the distinct AZs of its
    subnets, rounded up per AZ: ceil(max / AZs) in each, the most any one AZ holds once the
    group has balanced. Members whose AZ is not known yet are left out."""
    members = []
    for instance in graph.of_kind("instance"):
        ref = instance.get("placement_group")
        az = az_of(graph, instance)
        if isinstance(ref, v.ResourceRef) and ref.address == group and az:
            members.append((instance, {az: 1}))
    for asg in graph.of_kind("autoscaling_group"):
        ref = asg.model.effective_placement_group(graph)
        if not (isinstance(ref, v.ResourceRef) and ref.address == group and isinstance(asg.model.max, int)):
            continue
        zones = sorted({az_of(graph, deref(graph, s)) for s in asg.model.subnets} - {None})
        if zones:
            each = math.ceil(asg.model.max / len(zones))
            members.append((asg, {az: each for az in zones}))
    return sorted(members, key=lambda m: m[0].address)


def member_path(member: View) -> tuple:
    """Where a member names its placement group, for diagnostics."""
    if member.kind == "instance" or member.get("placement_group") is not None:
        return ("placement_group",)
    return ("launch", "placement_group") if member.get("launch") is not None else ("launch_template",)


# --- EBS volumes ---------------------------------------------------------------------------------

MULTI_ATTACH_LIMIT = 16  # notes §5.1.6

# AWS's size and IOPS bounds per volume type (notes §5.1.5 names the types; figures from AWS docs)
_SIZE_GIB = {"gp2": (1, 16384), "gp3": (1, 16384), "io1": (4, 16384), "io2": (4, 65536),
             "st1": (125, 16384), "sc1": (125, 16384)}
_IOPS = {"gp3": (3000, 16000), "io1": (100, 64000), "io2": (100, 256000)}
_IOPS_PER_GIB = {"gp3": 500, "io1": 50, "io2": 1000}


class EbsVolume(Kind):
    """A network drive bound to one AZ (notes §5.1): attached to one instance at a time, or up
    to 16 in the same AZ with io1/io2 multi-attach. A volume can grow in place but not shrink."""

    kind: Literal["ebs_volume"] = "ebs_volume"
    title: ClassVar[str] = "EBS volume"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"az", "snapshot", "encrypted", "kms_key", "multi_attach"})

    az: AZ
    size: Size | None = None  # None: the snapshot's size
    type: VolumeType = "gp3"
    iops: Int | None = None
    throughput: Int | None = None  # MiB/s, gp3 only
    encrypted: Bool = True  # safe default (AWS's API: the account's EBS default, often off)
    kms_key: Ref["kms_key"] | None = None
    snapshot: Str | None = None
    multi_attach: Bool = False
    attachments: list[Ref["instance"]] = Field(default_factory=list)
    delete_on_termination: Bool = False  # off for volumes other than the root (notes §5.1.1)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.type, str):  # known before apply
            yield from self._shape_issues()
        yield from self._attachment_issues(graph)

    def _shape_issues(self) -> Iterable[Issue]:
        if self.size is None and self.snapshot is None:
            yield Issue("an EBS volume needs a size unless it is created from a snapshot", ("size",),
                        help="e.g. size = 100GiB")
        gib = _gib(self.size)
        low, high = _SIZE_GIB[self.type]
        if gib is not None and not low <= gib <= high:
            yield Issue(f"a {self.type} volume is between {low} GiB and {high} GiB, got {self.size}", ("size",))
        if self.iops is not None and self.type not in _IOPS:
            yield Issue(f"iops can be set only on gp3, io1 and io2 volumes, not {self.type}", ("iops",),
                        help="gp2 IOPS follow its size (3 per GiB); st1 and sc1 are throughput-based HDDs")
        elif isinstance(self.iops, int):
            lo, hi = _IOPS[self.type]
            if not lo <= self.iops <= hi:
                yield Issue(f"a {self.type} volume has between {lo} and {hi} IOPS, got {self.iops}", ("iops",))
            elif gib is not None and self.iops > gib * _IOPS_PER_GIB[self.type] and self.iops > lo:
                yield Issue(f"a {self.type} volume allows at most {_IOPS_PER_GIB[self.type]} IOPS per GiB: "
                            f"{self.size} allows {int(gib * _IOPS_PER_GIB[self.type])}, got {self.iops}", ("iops",))
        if self.type in ("io1", "io2") and self.iops is None:
            yield Issue(f"a {self.type} volume needs provisioned iops", ("iops",), help="e.g. iops = 3000")
        if self.throughput is not None and self.type != "gp3":
            yield Issue(f"throughput can be set only on gp3 volumes, not {self.type}", ("throughput",))
        elif isinstance(self.throughput, int) and not 125 <= self.throughput <= 1000:
            yield Issue(f"a gp3 volume has between 125 and 1000 MiB/s of throughput, got {self.throughput}",
                        ("throughput",))
        if self.multi_attach is True and self.type not in ("io1", "io2"):
            yield Issue(f"EBS multi-attach is available only for io1 and io2 volumes, not {self.type}",
                        ("multi_attach",), help="use type = io2, or EFS for a file system shared across instances")

    def _attachment_issues(self, graph: Graph) -> Iterable[Issue]:
        count = len(self.attachments)
        if count > 1 and self.multi_attach is not True:
            yield Issue(f"an EBS volume is attached to one instance at a time; this one lists {count}",
                        ("attachments",), help="set multi_attach = true on an io1/io2 volume, or use EFS (notes §5.5)")
        if count > MULTI_ATTACH_LIMIT:
            yield Issue(f"a multi-attach EBS volume is attached to at most {MULTI_ATTACH_LIMIT} instances, "
                        f"this one to {count}", ("attachments",), help="use EFS for more (notes §5.4)")
        for i, ref in enumerate(self.attachments):
            instance = deref(graph, ref)
            az = az_of(graph, instance)
            if az and isinstance(self.az, str) and az != self.az:
                yield Issue(f"an EBS volume is bound to its AZ: this one is in {self.az}, instance "
                            f"'{instance.address}' in {az}", ("attachments", i),
                            related=(Related(instance.address, ("subnet",), f"instance in {az}"),),
                            help="create the volume in the instance's AZ, or move it with a snapshot (notes §5.1.1)")
