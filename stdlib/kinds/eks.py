"""Amazon EKS (notes §15.4): managed Kubernetes clusters, their managed node groups (EC2
instances, on-demand or spot, run by an Auto Scaling group AWS creates) and Fargate profiles
(pods on serverless capacity).

AWS's rules, each a diagnostic here:

- A cluster runs a Kubernetes version of EKS's calendar (`VERSIONS`); one in extended support
  is warned about (it costs six times the hourly price). Its subnets are in at least two
  Availability Zones of one VPC (CreateCluster refuses fewer); at most 5 security groups; its
  API endpoint is reachable privately, publicly, or both, never neither, from at most 40
  public CIDR blocks; the service CIDR is a private /12–/24 that does not overlap the VPC.
- A cluster has at most 30 managed node groups and 10 Fargate profiles (EKS's quotas).
- A managed node group: between `min` and `max` nodes starting at `desired`, at most 450
  (nodes per managed node group), in subnets of the cluster's VPC; instance types of the AMI's
  architecture; an update replaces 1–100 nodes (or 1–100%) at a time; Kubernetes labels and
  at most 50 taints.
- A Fargate profile: 1–5 selectors (a namespace and up to 5 labels each), private subnets of
  the cluster's VPC only, a pod execution role Fargate can assume; and, from the notes, pods
  on Fargate can only use EFS for storage (EKS supports EBS, EFS and FSx on nodes).

Safe by default: the API endpoint private only (`endpoint_public = false`), Kubernetes secrets
envelope-encrypted with a KMS key (one is made for the cluster unless `kms_key` names one),
every control-plane log type sent to CloudWatch Logs.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib import instance_types
from archform.stdlib.kinds.compute import InstanceType
from archform.stdlib.kinds.network import az_of, elsewhere, groups_outside, vpc_of
from archform.stdlib.kinds._eks_versions import DEFAULT_VERSION, EXTENDED_VERSIONS, STANDARD_VERSIONS, VERSIONS
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Cidr, Enum, IntRange, Number, Percent, Ref, SizeRange, Str, Tags, size

LOG_TYPES = ("api", "audit", "authenticator", "controller_manager", "scheduler")
# AWS's quotas (Amazon EKS service quotas; "not adjustable" for nodes per node group)
MAX_NODE_GROUPS = 30
MAX_FARGATE_PROFILES = 10
MAX_NODES = 450
MAX_SECURITY_GROUPS = 5
MAX_PUBLIC_CIDRS = 40
MAX_SELECTORS = 5
MAX_SELECTOR_LABELS = 5
MAX_TAINTS = 50
# Node AMIs EKS publishes (Amazon Linux 2 AMIs are not published for Kubernetes 1.33 and later)
AMI_TYPES = {"al2023_x86_64_standard": "x86_64", "al2023_arm_64_standard": "arm64",
             "al2023_x86_64_nvidia": "x86_64", "bottlerocket_x86_64": "x86_64", "bottlerocket_arm_64": "arm64"}
SERVICE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)$")
_LABEL_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?)$")


def label_key_issue(key: str) -> str | None:
    """What is wrong with a Kubernetes label or taint key (`[prefix/]name`), or None."""
    prefix, _, name = key.rpartition("/")
    if not _LABEL_NAME.match(name):
        return (f"'{key}' is not a Kubernetes label key: the name is 1–63 letters, digits, '-', '_' and '.', "
                "beginning and ending with a letter or digit")
    if prefix and not _LABEL_PREFIX.match(prefix):
        return f"'{key}' is not a Kubernetes label key: its prefix is a DNS subdomain of at most 253 characters"
    return None


def label_issues(labels: dict, path: tuple) -> Iterable[Issue]:
    for key, value in labels.items():
        problem = label_key_issue(str(key))
        if problem:
            yield Issue(problem, (*path, key))
        elif isinstance(value, str) and not _LABEL_VALUE.match(value):
            yield Issue(f"label {key}'s value '{value}' is not a Kubernetes label value: at most 63 letters, digits, "
                        "'-', '_' and '.', beginning and ending with a letter or digit", (*path, key))


def assumable(graph: Graph, role_ref, service: str, what: str, path: tuple) -> Iterable[Issue]:
    """A role that names its principals must let `service` assume it."""
    role = deref(graph, role_ref)
    if role is None:
        return
    principals = [p for p in role.model.assumed_by if isinstance(p, str)]
    if principals and len(principals) == len(role.model.assumed_by) and service not in principals \
            and "*" not in principals:
        short = service.removesuffix(".amazonaws.com")
        yield Issue(f"role '{role.address}' cannot be assumed by {service}: {what}", path,
                    related=(Related(role.address, ("assumed_by",), "who may assume the role"),),
                    help=f"add {short} to the role's assumed_by")


# AWS managed policies each role needs (Amazon EKS user guide: cluster, node and pod execution IAM roles)
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
POD_POLICIES = ("AmazonEKSFargatePodExecutionRolePolicy",)


def managed_policy_issues(graph: Graph, role_ref, wanted: tuple[str, ...], what: str, path: tuple) -> Iterable[Issue]:
    """A warning when a role whose permissions archform can read (AWS managed policies only, no
    inline ones) lacks the managed policies EKS asks for."""
    role = deref(graph, role_ref)
    if role is None or role.model.inline_policies:
        return
    names = set()
    for p in role.model.policies:
        if not isinstance(p, str):
            return  # a policy of the configuration may grant the same
        names.add(p.rsplit("/", 1)[-1])
    missing = [n for n in wanted if n not in names]
    if missing:
        yield Issue(f"role '{role.address}' lacks {', '.join(missing)}: {what}", path, severity="warning",
                    related=(Related(role.address, ("policies",), "the role's policies"),),
                    help="policies = [" + ", ".join(f'"{n}"' for n in wanted) + "]")


def same_vpc_issues(graph: Graph, me: View, subnets: list, cluster: View | None, what: str) -> Iterable[Issue]:
    """The subnets of a node group or Fargate profile are of its cluster's VPC."""
    if cluster is None or elsewhere(me, cluster):
        return
    theirs = {vpc_of(graph, deref(graph, s)) for s in cluster.model.subnets} - {None}
    if len(theirs) != 1:
        return
    vpc = next(iter(theirs))
    for i, ref in enumerate(subnets):
        subnet = deref(graph, ref)
        mine = vpc_of(graph, subnet)
        if mine is not None and mine != vpc:
            yield Issue(f"subnet '{subnet.address}' is of VPC '{mine}'; {what} of cluster '{cluster.address}' are of "
                        f"its VPC '{vpc}'", ("subnets", i),
                        related=(Related(cluster.address, ("subnets",), "the cluster's subnets"),))


class EksCluster(Kind):
    """An Amazon EKS cluster (notes §15.4): the Kubernetes control plane AWS runs over three
    AZs, reached through its API endpoint, with worker nodes of managed node groups
    (`eks_node_group`) and pods on Fargate (`eks_fargate_profile`). Its subnets are in at
    least two AZs (the control plane's network interfaces go there). The endpoint is private
    unless `endpoint_public = true` (then limit it with `public_cidrs`); Kubernetes secrets
    are encrypted with a KMS key; every control-plane log type goes to CloudWatch Logs."""

    kind: Literal["eks_cluster"] = "eks_cluster"
    title: ClassVar[str] = "EKS cluster"
    noun: ClassVar[str] = "EKS cluster"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "endpoint": "string",
                                         "certificate_authority": "string", "oidc_issuer": "string",
                                         "security_group": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "role", "subnets", "security_groups", "kms_key",
                                                     "service_cidr"})

    name: Str | None = None
    version: Str = DEFAULT_VERSION
    role: Ref["iam_role"]
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    endpoint_private: Bool = True  # safe default
    endpoint_public: Bool = False  # safe default (AWS: true, open to 0.0.0.0/0)
    public_cidrs: list[Cidr] = Field(default_factory=list)
    secrets_encryption: Bool = True  # safe default: a KMS key of the cluster's own unless kms_key
    kms_key: Str | None = None
    logging: list[Enum(*LOG_TYPES, what="control-plane log type")] = Field(default_factory=lambda: list(LOG_TYPES))
    service_cidr: Cidr | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _CLUSTER_NAME.match(self.name):
            yield Issue(f"an EKS cluster name is 1–100 letters, digits, '-' and '_', beginning with a letter or digit, "
                        f"got '{self.name}'", ("name",))
        if isinstance(self.version, str):
            if self.version not in VERSIONS:
                yield Issue(f"EKS does not run Kubernetes {self.version}: it supports {', '.join(VERSIONS)}",
                            ("version",), help=f"version = \"{DEFAULT_VERSION}\"")
            elif self.version in EXTENDED_VERSIONS:
                yield Issue(f"Kubernetes {self.version} is in EKS's extended support, at six times the cluster's "
                            "hourly price", ("version",), severity="warning",
                            help=f"upgrade to {' or '.join(STANDARD_VERSIONS)}")
        yield from assumable(graph, self.role, "eks.amazonaws.com", "EKS refuses a cluster role it cannot assume",
                             ("role",))
        yield from managed_policy_issues(graph, self.role, CLUSTER_POLICIES, "the control plane manages the cluster's "
                                         "network interfaces and nodes with it", ("role",))
        yield from self._network_issues(me, graph)
        yield from self._endpoint_issues()
        if self.kms_key is not None and self.secrets_encryption is False:
            yield Issue("kms_key is the key for secrets encryption, which is off", ("kms_key",),
                        help="remove kms_key, or set secrets_encryption = true")
        seen = set()
        for i, kind in enumerate(self.logging):
            if kind in seen:
                yield Issue(f"log type {kind} is listed twice", ("logging", i))
            seen.add(kind)
        yield from self._quota_issues(me, graph)

    def _network_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        views = [deref(graph, s) for s in self.subnets]
        known = [s for s in views if s is not None and not elsewhere(me, s)]
        vpcs = sorted({vpc_of(graph, s) for s in known} - {None})
        if len(vpcs) > 1:
            yield Issue(f"an EKS cluster's subnets are all of one VPC; these are of {len(vpcs)}: {', '.join(vpcs)}",
                        ("subnets",))
        zones = sorted({az_of(graph, s) for s in known} - {None})
        if len(known) == len(self.subnets) and len(zones) < 2:
            where = f"all in {zones[0]}" if zones else "none given"
            yield Issue(f"an EKS cluster needs subnets in at least two Availability Zones ({where}): the control "
                        "plane places its network interfaces there, and CreateCluster refuses fewer",
                        ("subnets",), related=tuple(Related(s.address, ("az",), "this subnet's AZ") for s in known),
                        help="add a subnet of another AZ")
        if len(self.security_groups) > MAX_SECURITY_GROUPS:
            yield Issue(f"an EKS cluster takes at most {MAX_SECURITY_GROUPS} security groups, got "
                        f"{len(self.security_groups)}", ("security_groups",))
        if len(vpcs) == 1:
            yield from groups_outside(graph, self.security_groups, vpcs[0], "the cluster's")
        if isinstance(self.service_cidr, v.Cidr):
            yield from self._service_cidr_issues(graph, vpcs)

    def _service_cidr_issues(self, graph: Graph, vpcs: list[str]) -> Iterable[Issue]:
        net = self.service_cidr.network
        if net.version != 4 or not any(net.subnet_of(r) for r in SERVICE_RANGES) or not 12 <= net.prefixlen <= 24:
            yield Issue(f"the service CIDR {net} must be a /12 to /24 block of 10.0.0.0/8, 172.16.0.0/12 or "
                        "192.168.0.0/16", ("service_cidr",), help="service_cidr = 172.20.0.0/16")
            return
        vpc = graph.get(vpcs[0]) if len(vpcs) == 1 else None
        blocks = [vpc.model.cidr, *vpc.model.secondary_cidrs] if vpc is not None else []
        for block in blocks:
            if isinstance(block, v.Cidr) and block.network.version == 4 and block.network.overlaps(net):
                yield Issue(f"the service CIDR {net} overlaps the VPC's {block.network}: Kubernetes services and "
                            "the VPC's addresses would collide", ("service_cidr",),
                            related=(Related(vpc.address, ("cidr",), "the VPC's range"),))

    def _endpoint_issues(self) -> Iterable[Issue]:
        if self.endpoint_private is False and self.endpoint_public is False:
            yield Issue("the cluster's API endpoint must be reachable privately, publicly or both; both are off",
                        ("endpoint_private",), help="endpoint_private = true")
        if self.public_cidrs and self.endpoint_public is not True:
            yield Issue("public_cidrs limit the public endpoint, which is off", ("public_cidrs",),
                        help="remove public_cidrs, or set endpoint_public = true")
        if len(self.public_cidrs) > MAX_PUBLIC_CIDRS:
            yield Issue(f"the public endpoint takes at most {MAX_PUBLIC_CIDRS} CIDR blocks, got {len(self.public_cidrs)}",
                        ("public_cidrs",))
        for i, block in enumerate(self.public_cidrs):
            if isinstance(block, v.Cidr) and block.network.version != 4:
                yield Issue(f"the public endpoint's CIDR blocks are IPv4, got {block}", ("public_cidrs", i))
        everyone = not self.public_cidrs or any(isinstance(b, v.Cidr) and b.network.prefixlen == 0
                                                for b in self.public_cidrs)
        if self.endpoint_public is True and everyone:
            yield Issue("the cluster's API endpoint is open to the whole internet (0.0.0.0/0)", ("endpoint_public",),
                        severity="warning", help="list the networks that may reach it: public_cidrs = [203.0.113.0/24]")

    def _quota_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        users = graph.referrers(me.address)
        for kind, limit in (("eks_node_group", MAX_NODE_GROUPS), ("eks_fargate_profile", MAX_FARGATE_PROFILES)):
            mine = [u for u in users if u.kind == kind and getattr(u.get("cluster"), "address", None) == me.address]
            if len(mine) > limit:
                what = "managed node groups" if kind == "eks_node_group" else "Fargate profiles"
                yield Issue(f"an EKS cluster has at most {limit} {what}, this one has {len(mine)}", (),
                            related=tuple(Related(u.address, (), "one of them") for u in mine[limit:limit + 3]))


class Taint(Block):
    """`taint { key = "dedicated", value = "gpu", effect = no_schedule }`: pods without a
    matching toleration are kept off (or evicted from) the group's nodes."""

    key: Str
    value: Str | None = None
    effect: Enum("no_schedule", "no_execute", "prefer_no_schedule", what="taint effect")


class EksNodeGroup(Kind):
    """An EKS managed node group (notes §15.4): EC2 instances AWS launches, registers with the
    cluster and replaces, through an Auto Scaling group of its own over the subnets' AZs —
    between `min` and `max` nodes, starting at `desired`. `capacity_type = spot` runs spot
    instances (give several instance types; AWS turns on capacity rebalancing, replacing a
    node on its 2-minute interruption notice). Updates replace `max_unavailable` nodes at a
    time."""

    kind: Literal["eks_node_group"] = "eks_node_group"
    title: ClassVar[str] = "EKS managed node group"
    noun: ClassVar[str] = "EKS node group"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "autoscaling_group": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"cluster", "name", "role", "subnets", "instance_types",
                                                     "capacity_type", "disk_size", "ami_type"})

    cluster: Ref["eks_cluster"]
    name: Str | None = None
    role: Ref["iam_role"]
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    instance_types: list[InstanceType] = Field(default_factory=lambda: ["t3.medium"])
    capacity_type: Enum("on_demand", "spot", what="capacity type") = "on_demand"
    ami_type: Enum(*AMI_TYPES, what="node AMI type") = "al2023_x86_64_standard"
    disk_size: SizeRange("1GiB", "16TiB", what="disk_size") = size("20GiB")
    min: IntRange(0, what="min") = 1
    max: IntRange(1, what="max") = 2
    desired: IntRange(0, what="desired") | None = None  # None: starts at min
    max_unavailable: IntRange(1, 100, what="max_unavailable") | None = None
    max_unavailable_percent: Percent | None = None
    labels: dict[str, Str] = Field(default_factory=dict)
    taint: list[Taint] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a node group name is 1–63 letters, digits, '-' and '_', beginning with a letter or digit, "
                        f"got '{self.name}'", ("name",))
        yield from self._capacity_issues()
        yield from self._type_issues()
        yield from assumable(graph, self.role, "ec2.amazonaws.com", "the nodes are EC2 instances that assume it",
                             ("role",))
        yield from managed_policy_issues(graph, self.role, NODE_POLICIES, "EKS refuses a node group whose role lacks "
                                         "its managed policies (nodes join the cluster, run the VPC CNI and pull "
                                         "images with them)", ("role",))
        if not self.subnets:
            yield Issue("a node group needs at least one subnet", ("subnets",))
        cluster = deref(graph, self.cluster)
        yield from same_vpc_issues(graph, me, self.subnets, cluster, "the node groups")
        zones = {az_of(graph, deref(graph, s)) for s in self.subnets}
        if len(zones) == 1 and None not in zones:
            yield Issue(f"all subnets of this node group are in {next(iter(zones))}: its nodes do not survive the loss "
                        "of that AZ", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")
        if self.max_unavailable is not None and self.max_unavailable_percent is not None:
            yield Issue("an update replaces max_unavailable nodes or max_unavailable_percent of them: write one",
                        ("max_unavailable_percent",))
        p = self.max_unavailable_percent
        if isinstance(p, v.Percent) and not 1 <= p.value <= 100:
            yield Issue(f"max_unavailable_percent is 1%–100%, got {p}", ("max_unavailable_percent",))
        yield from label_issues(self.labels, ("labels",))
        yield from self._taint_issues()

    def _capacity_issues(self) -> Iterable[Issue]:
        values = {"min": self.min, "desired": self.desired, "max": self.max}
        for low, high, path in (("min", "max", "max"), ("min", "desired", "desired"), ("desired", "max", "desired")):
            a, b = values[low], values[high]
            if isinstance(a, int) and isinstance(b, int) and a > b:
                yield Issue(f"a node group needs min ≤ desired ≤ max; {low} = {a} is greater than {high} = {b}",
                            (path,))
                return
        if isinstance(self.max, int) and self.max > MAX_NODES:
            yield Issue(f"a managed node group has at most {MAX_NODES} nodes (EKS's quota), max = {self.max}",
                        ("max",), help="split the nodes over several node groups")

    def _type_issues(self) -> Iterable[Issue]:
        if not self.instance_types:
            yield Issue("a node group needs at least one instance type", ("instance_types",))
        arch = AMI_TYPES.get(self.ami_type) if isinstance(self.ami_type, str) else None
        for i, name in enumerate(self.instance_types):
            t = instance_types.lookup(name) if isinstance(name, str) else None
            if t is None or arch is None:
                continue
            if t.arch != arch:
                yield Issue(f"{name} is an {t.arch} instance type; the {self.ami_type} AMI runs on {arch}",
                            ("instance_types", i),
                            help="use Graviton types (m7g, c7g…) with an arm_64 AMI" if arch == "arm64" else
                            "use an arm_64 AMI type for Graviton instances")
            elif self.ami_type == "al2023_x86_64_nvidia" and not t.accelerators:
                yield Issue(f"{name} has no GPU; the {self.ami_type} AMI is for NVIDIA GPU instances",
                            ("instance_types", i))
        if self.capacity_type == "spot" and len(self.instance_types) == 1:
            yield Issue("a spot node group with one instance type is interrupted whenever that type's spot capacity "
                        "runs out", ("instance_types",), severity="warning",
                        help="list several instance types of the same size, e.g. [m5.large, m5a.large, m6i.large]")
        if self.capacity_type == "on_demand" and len(self.instance_types) > 1:
            yield Issue("an on-demand node group launches its first instance type only (AWS's prioritized "
                        "allocation): the others are spares", ("instance_types",), severity="warning")

    def _taint_issues(self) -> Iterable[Issue]:
        if len(self.taint) > MAX_TAINTS:
            yield Issue(f"a node group has at most {MAX_TAINTS} taints, got {len(self.taint)}", ("taint",))
        for i, t in enumerate(self.taint):
            problem = label_key_issue(t.key) if isinstance(t.key, str) else None
            if problem:
                yield Issue(problem.replace("label key", "taint key"), ("taint", i, "key"))
            if isinstance(t.value, str) and not _LABEL_VALUE.match(t.value):
                yield Issue(f"taint value '{t.value}' is at most 63 letters, digits, '-', '_' and '.'",
                            ("taint", i, "value"))


class Selector(Block):
    """`selector { namespace = "web", labels = { tier = "front" } }`: pods of the namespace
    (with all of these labels) run on Fargate."""

    namespace: Str
    labels: dict[str, Str] = Field(default_factory=dict)


class EksFargateProfile(Kind):
    """An EKS Fargate profile (notes §15.4): the pods its selectors match run on Fargate — one
    pod per microVM, in the profile's private subnets, spread over their AZs. Fargate pods can
    only use EFS for storage (`storage`). `pods`, `pod_cpu` and `pod_memory` tell the modeled
    cloud how many pods the selectors match and what they take of the AZs' Fargate capacity
    (Kubernetes deployments decide it; CloudFormation does not)."""

    kind: Literal["eks_fargate_profile"] = "eks_fargate_profile"
    title: ClassVar[str] = "EKS Fargate profile"
    noun: ClassVar[str] = "Fargate profile"
    family: ClassVar[str] = "containers"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"cluster", "name", "pod_execution_role", "subnets", "selector"})

    cluster: Ref["eks_cluster"]
    name: Str | None = None
    pod_execution_role: Ref["iam_role"]
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    selector: list[Selector] = Field(default_factory=list)
    storage: list[Ref["efs", "ebs_volume", "s3_bucket"]] = Field(default_factory=list)
    pods: IntRange(0, what="pods") = 0
    pod_cpu: Number = 0.25
    pod_memory: SizeRange("512MiB", "120GiB", what="pod_memory") = size("512MiB")
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _NAME.match(self.name):
            yield Issue(f"a Fargate profile name is 1–63 letters, digits, '-' and '_', beginning with a letter or "
                        f"digit, got '{self.name}'", ("name",))
        if not self.selector:
            yield Issue("a Fargate profile needs at least one selector: the pods it runs",
                        ("selector",), help="selector { namespace = \"default\" }")
        if len(self.selector) > MAX_SELECTORS:
            yield Issue(f"a Fargate profile has at most {MAX_SELECTORS} selectors, got {len(self.selector)}",
                        ("selector",), help="split the namespaces over several profiles")
        for i, s in enumerate(self.selector):
            if isinstance(s.namespace, str) and not _NAMESPACE.match(s.namespace):
                yield Issue(f"'{s.namespace}' is not a Kubernetes namespace: at most 63 lower-case letters, digits and "
                            "'-', beginning and ending with a letter or digit", ("selector", i, "namespace"))
            if len(s.labels) > MAX_SELECTOR_LABELS:
                yield Issue(f"a Fargate profile selector matches at most {MAX_SELECTOR_LABELS} labels, got "
                            f"{len(s.labels)}", ("selector", i, "labels"))
            yield from label_issues(s.labels, ("selector", i, "labels"))
        yield from assumable(graph, self.pod_execution_role, "eks-fargate-pods.amazonaws.com",
                             "Fargate pulls the pods' images and writes their logs with it", ("pod_execution_role",))
        yield from managed_policy_issues(graph, self.pod_execution_role, POD_POLICIES, "Fargate pulls the pods' "
                                         "images from ECR with it", ("pod_execution_role",))
        yield from self._subnet_issues(me, graph)
        for i, ref in enumerate(self.storage):
            if getattr(ref, "kind", "efs") != "efs":
                yield Issue(f"pods on Fargate can only use EFS for storage, not {ref.kind} '{ref.address}' (notes "
                            "§15.4: EKS supports EBS, EFS and FSx; Fargate can only use EFS)", ("storage", i),
                            help="mount an efs file system, or run these pods on a managed node group")
        yield from self._size_issues()

    def _subnet_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a Fargate profile needs at least one private subnet", ("subnets",))
        for i, ref in enumerate(self.subnets):
            subnet = deref(graph, ref)
            if subnet is not None and (subnet.get("public") is True or subnet.get("map_public_ip") is True):
                yield Issue(f"Fargate pods run in private subnets only; '{subnet.address}' is public", ("subnets", i),
                            related=(Related(subnet.address, ("public",) if subnet.get("public") is True
                                             else ("map_public_ip",), "public"),),
                            help="use private subnets (with a NAT gateway or VPC endpoints to pull images)")
        yield from same_vpc_issues(graph, me, self.subnets, deref(graph, self.cluster), "the Fargate profiles")

    def _size_issues(self) -> Iterable[Issue]:
        """A pod's vCPU and memory are one of Fargate's combinations."""
        if not isinstance(self.pod_cpu, (int, float)):
            return
        cpu = f"{self.pod_cpu:g}"
        if cpu not in FARGATE_MEMORY:
            yield Issue(f"a Fargate pod has {', '.join(FARGATE_MEMORY)} vCPU, not {cpu}", ("pod_cpu",))
            return
        if not isinstance(self.pod_memory, v.Size):
            return
        gib = self.pod_memory.bytes / (1 << 30)
        allowed = FARGATE_MEMORY[cpu]
        if not any(abs(gib - m) < 1e-9 for m in allowed):
            shown = ", ".join(f"{m:g} GiB" for m in allowed) if len(allowed) <= 8 else \
                f"{allowed[0]:g}–{allowed[-1]:g} GiB in {allowed[1] - allowed[0]:g} GiB steps"
            yield Issue(f"a Fargate pod with {cpu} vCPU takes {shown} of memory, not {self.pod_memory}",
                        ("pod_memory",))


def _steps(lo: int, hi: int, step: int) -> tuple[float, ...]:
    return tuple(float(x) for x in range(lo, hi + 1, step))


# Fargate's vCPU/memory combinations (AWS Fargate pod configuration)
FARGATE_MEMORY: dict[str, tuple[float, ...]] = {
    "0.25": (0.5, 1.0, 2.0),
    "0.5": _steps(1, 4, 1),
    "1": _steps(2, 8, 1),
    "2": _steps(4, 16, 1),
    "4": _steps(8, 30, 1),
    "8": _steps(16, 60, 4),
    "16": _steps(32, 120, 8),
}
