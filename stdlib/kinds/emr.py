"""Amazon EMR (notes §19.4): managed Hadoop/Spark clusters of EC2 instances.

A cluster has three instance groups (notes §19.4): the master (manages the cluster, one node,
or three for high availability), core nodes (run tasks and store HDFS data) and optional task
nodes (run tasks only, "typically spot instances"). Each group has an instance type, a count and
a market (`on_demand` or `spot`, notes §19.4 "Purchasing options").

AWS's rules, each a diagnostic here (Amazon EMR management guide: "Plan and configure primary
nodes", "Instance purchasing options", "Using managed scaling"):

- an EMR cluster runs in one subnet, so in one Availability Zone: losing it loses the cluster;
- one master node, or three (multi-master, release emr-5.23.0 or later);
- the master on spot is warned: a spot interruption of the master terminates the cluster;
  core nodes on spot are warned: they hold HDFS blocks, which are lost with them; task nodes
  on spot are fine (they hold no data);
- managed scaling: 1 ≤ minimum ≤ maximum, and the on-demand and core ceilings no more than
  the maximum;
- the service role is assumed by EMR (elasticmapreduce.amazonaws.com), the instance role by
  EC2; without them EMR's default roles (EMR_DefaultRole, EMR_EC2_DefaultRole) are used.

Safe by default: no public addresses unless the subnet gives them, logs to `log_bucket` when
named, termination protection written explicitly (AWS's default, off, unless set).
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.stdlib.kinds.compute import InstanceType
from archform.stdlib.kinds.streaming import trusts
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Enum, IntRange, Ref, Str, Tags

# The applications EMR installs (Amazon EMR release guide, "Applications"); the value is the
# name CloudFormation and the EMR API take.
APPLICATIONS = {"spark": "Spark", "hadoop": "Hadoop", "hive": "Hive", "hbase": "HBase", "presto": "Presto",
                "trino": "Trino", "flink": "Flink", "livy": "Livy", "jupyterhub": "JupyterHub",
                "zeppelin": "Zeppelin", "pig": "Pig", "tez": "Tez", "hue": "Hue", "oozie": "Oozie",
                "zookeeper": "ZooKeeper", "phoenix": "Phoenix", "hcatalog": "HCatalog", "sqoop": "Sqoop"}
DEFAULT_RELEASE = "emr-7.5.0"
MULTI_MASTER_SINCE = (5, 23, 0)  # EMR management guide, "Plan and configure primary nodes"
_RELEASE = re.compile(r"^emr-(\d+)\.(\d+)\.(\d+)$")
MARKETS = ("on_demand", "spot")


def release_version(label) -> tuple[int, int, int] | None:
    m = _RELEASE.match(label) if isinstance(label, str) else None
    return tuple(int(g) for g in m.groups()) if m else None


class InstanceGroup(Block):
    """`core { instance_type = m5.xlarge, count = 2, market = on_demand }`: one instance group
    of the cluster: its EC2 instance type, how many instances and how they are bought."""

    instance_type: InstanceType = "m5.xlarge"
    count: IntRange(0, what="instance count") = 1
    market: Enum(*MARKETS, what="market") = "on_demand"


def _core() -> InstanceGroup:
    return InstanceGroup(count=2)


class ManagedScaling(Block):
    """`managed_scaling { min = 2, max = 10 }`: EMR managed scaling in instances: it resizes the
    core and task groups between `min` and `max`; `max_on_demand` caps the on-demand share
    (the rest are spot), `max_core` caps the core nodes (the rest are task nodes)."""

    min: IntRange(1, what="managed scaling minimum") = 1
    max: IntRange(1, what="managed scaling maximum") = 10
    max_on_demand: IntRange(1, what="max_on_demand") | None = None
    max_core: IntRange(1, what="max_core") | None = None


class EmrCluster(Kind):
    """An Amazon EMR cluster (notes §19.4): Hadoop, Spark, Hive, Presto, Flink... on EC2 instances
    in one subnet (one AZ). A `master` group (1 node, or 3), `core` nodes that run tasks and hold
    HDFS, optional `task` nodes that only run tasks (typically spot). Optional managed scaling,
    termination protection, logs to an S3 bucket. A spot interruption (two minutes' notice)
    loses the task nodes and the cluster keeps running; losing the AZ loses the cluster."""

    kind: Literal["emr_cluster"] = "emr_cluster"
    title: ClassVar[str] = "EMR cluster"
    noun: ClassVar[str] = "EMR cluster"
    family: ClassVar[str] = "analytics"
    exports: ClassVar[dict[str, str]] = {"id": "string", "arn": "string", "master_dns": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name", "release_label", "applications", "subnet", "master",
                                                     "service_role", "instance_role", "log_bucket", "log_prefix",
                                                     # an instance group's type and market: CloudFormation
                                                     # replaces the cluster (InstanceGroupConfig)
                                                     "core.instance_type", "core.market", "task.instance_type",
                                                     "task.market"})

    name: Str | None = None
    release_label: Str = DEFAULT_RELEASE
    applications: list[Enum(*APPLICATIONS, what="EMR application")] = Field(default_factory=lambda: ["spark"])
    subnet: Ref["subnet"]
    master: InstanceGroup = Field(default_factory=InstanceGroup)
    core: InstanceGroup = Field(default_factory=_core)
    task: InstanceGroup | None = None
    managed_scaling: ManagedScaling | None = None
    termination_protection: Bool = False
    keep_alive: Bool = True  # a long-running cluster: it waits for steps instead of ending when idle
    log_bucket: Ref["s3_bucket"] | None = None
    log_prefix: Str = "emr-logs/"
    service_role: Ref["iam_role"] | None = None
    instance_role: Ref["iam_role"] | None = None
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        yield from self._release()
        yield from self._groups()
        yield from self._scaling()
        yield from self._roles(graph)

    def _release(self) -> Iterable[Issue]:
        version = release_version(self.release_label)
        if isinstance(self.release_label, str) and version is None:
            yield Issue(f"an EMR release label looks like emr-7.5.0, got '{self.release_label}'", ("release_label",),
                        help=f"release_label = \"{DEFAULT_RELEASE}\"")
        seen = set()
        for i, app in enumerate(self.applications):
            if app in seen:
                yield Issue(f"{app} is listed twice in applications", ("applications", i))
            seen.add(app)

    def _groups(self) -> Iterable[Issue]:
        m = self.master
        if isinstance(m.count, int) and m.count not in (1, 3):
            yield Issue(f"an EMR cluster has one master node, or three for high availability, not {m.count}",
                        ("master", "count"), help="count = 1 (or 3)")
        version = release_version(self.release_label)
        if m.count == 3 and version is not None and version < MULTI_MASTER_SINCE:
            yield Issue(f"three master nodes need release emr-5.23.0 or later, this cluster runs {self.release_label}",
                        ("master", "count"), help=f"release_label = \"{DEFAULT_RELEASE}\"")
        if m.market == "spot":
            yield Issue("the master node is on spot: a spot interruption of the master terminates the whole cluster "
                        "(notes §19.4: the master is long running)", ("master", "market"), severity="warning",
                        help="market = on_demand for the master")
        if self.core.market == "spot":
            yield Issue("the core nodes are on spot: they hold the cluster's HDFS blocks, and a spot interruption "
                        "loses the blocks they held (notes §19.4: core nodes store data)", ("core", "market"),
                        severity="warning", help="core on on_demand, and spot capacity as task nodes")
        if self.core.count == 0 and self.task is not None and (self.task.count or 0) > 0:
            yield Issue("task nodes run on a cluster with core nodes: core holds HDFS and the YARN services task "
                        "nodes report to", ("core", "count"), help="core { count = 1 } or more")

    def _scaling(self) -> Iterable[Issue]:
        s = self.managed_scaling
        if s is None or not isinstance(s.min, int) or not isinstance(s.max, int):
            return
        if s.min > s.max:
            yield Issue(f"managed scaling's minimum ({s.min}) is above its maximum ({s.max})",
                        ("managed_scaling", "min"))
        for field in ("max_on_demand", "max_core"):
            value = getattr(s, field)
            if isinstance(value, int) and value > s.max:
                yield Issue(f"{field} ({value}) is above managed scaling's maximum ({s.max})",
                            ("managed_scaling", field), help=f"{field} = {s.max}")

    def _roles(self, graph: Graph) -> Iterable[Issue]:
        for field, service in (("service_role", "elasticmapreduce.amazonaws.com"),
                               ("instance_role", "ec2.amazonaws.com")):
            role = deref(graph, getattr(self, field))
            if role is not None and not trusts(role, service):
                yield Issue(f"the {field.replace('_', ' ')} must be one {service.split('.')[0]} may assume: "
                            f"'{role.address}' does not trust {service}", (field,),
                            related=(Related(role.address, ("assumed_by",), "its trust policy"),),
                            help=f"add {service.split('.')[0]} to the role's assumed_by")
