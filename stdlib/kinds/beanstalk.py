"""AWS Elastic Beanstalk (notes §9.2–§9.4): an application and its environments — the EC2
instances of an Auto Scaling group Beanstalk creates, behind an Application Load Balancer when
the environment is load balanced, reading an SQS queue when it is a worker.

AWS's rules, each a diagnostic here (Elastic Beanstalk developer guide, "Deployment policies and
settings", "Supported deployment policies", and the `aws:elasticbeanstalk:command`,
`aws:elasticbeanstalk:trafficsplitting` and `aws:autoscaling:asg` option references):

- An application name is 1–100 characters without '/'; an environment name 4–40 letters, digits
  and hyphens, neither beginning nor ending with a hyphen.
- Instances: 1 ≤ min ≤ max ≤ 10000; a single-instance environment runs exactly one (min and
  max do not apply).
- The five deployment policies (notes §9.4): all at once and immutable in every environment;
  rolling and rolling with an additional batch only where there are several instances (a
  load-balanced environment); traffic splitting only where a load balancer splits the traffic
  (a load-balanced web environment). A rolling batch is a fixed 1–10000 instances or 1–100% of
  them (one or the other); traffic splitting sends 1–100% of the traffic (default 10%) to the
  new instances for an evaluation time of 3–600 minutes (default 5).
- A worker environment reads an SQS queue (`queue`; without one Beanstalk creates one) and has
  no load balancer; a web environment has no queue.
- The instances' subnets are of one VPC; a load balancer spans subnets in at least two AZs (an
  ALB's own rule); the instance role is one EC2 can assume, the service role one Beanstalk can.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.stdlib.kinds.compute import InstanceType
from archform.stdlib.kinds.eks import assumable
from archform.stdlib.kinds.network import az_of, elsewhere, groups_outside, vpc_of
from archform.stdlib.schema import Block, Graph, Issue, Kind, Related, View, deref
from archform.stdlib.types import Bool, Duration, Enum, IntRange, Percent, Ref, Str, Tags

POLICIES = ("all_at_once", "rolling", "rolling_with_additional_batch", "immutable", "traffic_splitting")
# Supported deployment policies (Elastic Beanstalk developer guide): single-instance environments
# take all at once and immutable only
from archform.stdlib.kinds._beanstalk_facts import (EVALUATION_MINUTES, MAX_BATCH, MAX_INSTANCES, ROLLING,  # noqa: F401
                                                    SINGLE_INSTANCE_POLICIES, policy_effect)

_ENV_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{2,38})[A-Za-z0-9]$")
# "64bit Amazon Linux 2023 v6.1.0 running Node.js 20", "64bit Windows Server 2022 v2.15.0 running IIS 10.0"
_STACK = re.compile(r"^64bit (Amazon Linux( 2| 2023)?|Windows Server( Core)? [0-9R ]+) (v[0-9.]+ )?running .+$")


class BeanstalkApplication(Kind):
    """An Elastic Beanstalk application (notes §9.2): the collection its environments, versions
    and saved configurations belong to. Beanstalk itself is free; the environments' instances,
    load balancers and queues are what cost."""

    kind: Literal["beanstalk_application"] = "beanstalk_application"
    title: ClassVar[str] = "Elastic Beanstalk application"
    noun: ClassVar[str] = "Beanstalk application"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "name": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Str | None = None
    description: Str | None = None

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not (1 <= len(self.name) <= 100 and "/" not in self.name):
            yield Issue(f"a Beanstalk application name is 1–100 characters without '/', got '{self.name}'", ("name",))
        if isinstance(self.description, str) and len(self.description) > 200:
            yield Issue(f"a Beanstalk application's description is at most 200 characters, got "
                        f"{len(self.description)}", ("description",))


class Source(Block):
    """`source { bucket = releases, key = "web/v42.zip" }`: the application version (source
    bundle) the environment runs; a new key is a new version, deployed by `deployment`."""

    bucket: Ref["s3_bucket"]
    key: Str


class BeanstalkEnvironment(Kind):
    """An Elastic Beanstalk environment (notes §9.2–§9.4): the instances running one version of
    an application, in an Auto Scaling group Beanstalk creates over the subnets' AZs (between
    `min` and `max`, from `min`). A `web` environment that is `load_balanced` has an Application
    Load Balancer in front (in `lb_subnets`, else the instances' subnets), a single-instance one
    is its one instance; a `worker` environment reads its SQS `queue` (Beanstalk creates one when none
    is given). A new `source` is deployed by `deployment`: all at once (every instance out of
    service at once), rolling (a batch at a time, capacity reduced by a batch), rolling with an
    additional batch (a new batch first, full capacity), immutable (a full new set of instances
    in a second group) or traffic splitting (a new set taking `canary_percent` of the traffic
    for `evaluation_time`, 10% for 5 minutes unless written). The load balancer is internal unless `public = true`."""

    kind: Literal["beanstalk_environment"] = "beanstalk_environment"
    title: ClassVar[str] = "Elastic Beanstalk environment"
    noun: ClassVar[str] = "Beanstalk environment"
    family: ClassVar[str] = "compute"
    exports: ClassVar[dict[str, str]] = {"id": "string", "endpoint_url": "string", "cname": "string",
                                         "autoscaling_group": "string", "load_balancer": "string",
                                         "queue_url": "string"}
    force_new: ClassVar[frozenset[str]] = frozenset({"application", "name", "tier", "cname_prefix", "solution_stack",
                                                     "subnets", "lb_subnets", "public"})

    application: Ref["beanstalk_application"]
    name: Str | None = None
    cname_prefix: Str | None = None
    tier: Enum("web", "worker", what="environment tier") = "web"
    solution_stack: Str
    instance_type: InstanceType = "t3.micro"
    load_balanced: Bool = True
    public: Bool = False  # safe default: an internal load balancer
    min: IntRange(1, MAX_INSTANCES, what="min") = 1
    max: IntRange(1, MAX_INSTANCES, what="max") = 4
    subnets: list[Ref["subnet"]] = Field(default_factory=list)
    lb_subnets: list[Ref["subnet"]] = Field(default_factory=list)
    security_groups: list[Ref["security_group"]] = Field(default_factory=list)
    instance_role: Ref["iam_role"] | None = None
    service_role: Ref["iam_role"] | None = None
    queue: Ref["sqs_queue"] | None = None
    source: Source | None = None
    deployment: Enum(*POLICIES, what="deployment policy") = "all_at_once"
    batch_size: IntRange(1, MAX_BATCH, what="batch_size") | None = None
    batch_percent: Percent | None = None
    canary_percent: Percent | None = None
    evaluation_time: Duration | None = None
    environment: dict[str, Str] = Field(default_factory=dict)
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.name, str) and not _ENV_NAME.match(self.name):
            yield Issue(f"a Beanstalk environment name is 4–40 letters, digits and hyphens, neither beginning nor "
                        f"ending with a hyphen, got '{self.name}'", ("name",))
        if isinstance(self.solution_stack, str) and not _STACK.match(self.solution_stack):
            yield Issue(f"'{self.solution_stack}' is not a Beanstalk solution stack name", ("solution_stack",),
                        help='e.g. solution_stack = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"')
        yield from self._capacity_issues()
        yield from self._tier_issues()
        yield from self._deployment_issues()
        yield from self._network_issues(me, graph)
        if self.instance_role is not None:
            yield from assumable(graph, self.instance_role, "ec2.amazonaws.com", "the environment's instances are "
                                 "EC2 instances that assume it", ("instance_role",))
        if self.service_role is not None:
            yield from assumable(graph, self.service_role, "elasticbeanstalk.amazonaws.com", "Beanstalk manages the "
                                 "environment's resources and health with it", ("service_role",))

    def _capacity_issues(self) -> Iterable[Issue]:
        if isinstance(self.min, int) and isinstance(self.max, int) and self.min > self.max:
            yield Issue(f"a Beanstalk environment needs min ≤ max; min = {self.min} is greater than max = {self.max}",
                        ("max",))
        if self.load_balanced is False:
            for field in ("min", "max"):
                value = getattr(self, field)
                if isinstance(value, int) and value != 1 and field in self.model_fields_set:
                    yield Issue(f"a single-instance environment runs exactly one instance; {field} = {value} does not "
                                "apply", (field,), help="set load_balanced = true to scale between min and max")

    def _tier_issues(self) -> Iterable[Issue]:
        if self.tier == "web" and self.queue is not None:
            yield Issue("a web environment serves HTTP requests and reads no queue; a worker environment reads one",
                        ("queue",), help="tier = worker")
        if self.lb_subnets and (self.tier == "worker" or self.load_balanced is False):
            what = "a worker environment" if self.tier == "worker" else "a single-instance environment"
            yield Issue(f"{what} has no load balancer: lb_subnets do not apply", ("lb_subnets",))
        if self.public is True and (self.tier == "worker" or self.load_balanced is False):
            what = "a worker environment" if self.tier == "worker" else "a single-instance environment"
            yield Issue(f"{what} has no load balancer to make public", ("public",))

    def _deployment_issues(self) -> Iterable[Issue]:
        policy = self.deployment
        if self.load_balanced is False and policy not in SINGLE_INSTANCE_POLICIES and isinstance(policy, str):
            yield Issue(f"a single-instance environment deploys all at once or immutably, not {policy.replace('_', ' ')}"
                        " (notes §9.4; Beanstalk's supported deployment policies)", ("deployment",),
                        help="deployment = immutable")
        elif policy == "traffic_splitting" and self.tier == "worker":
            yield Issue("traffic splitting shifts a share of the load balancer's traffic to the new instances; a "
                        "worker environment has no load balancer", ("deployment",), help="deployment = immutable")
        if self.batch_size is not None and self.batch_percent is not None:
            yield Issue("a rolling batch is batch_size instances or batch_percent of them: write one",
                        ("batch_percent",))
        for field in ("batch_size", "batch_percent"):
            if getattr(self, field) is not None and policy not in ROLLING:
                yield Issue(f"{field} sizes the batches of a rolling deployment; this environment deploys "
                            f"{str(policy).replace('_', ' ')}", (field,),
                            help="deployment = rolling, or remove " + field)
        p = self.batch_percent
        if isinstance(p, v.Percent) and not 1 <= p.value <= 100:
            yield Issue(f"batch_percent is 1%–100%, got {p}", ("batch_percent",))
        for field in ("canary_percent", "evaluation_time"):
            if getattr(self, field) is not None and policy != "traffic_splitting":
                yield Issue(f"{field} belongs to traffic-splitting deployments; this environment deploys "
                            f"{str(policy).replace('_', ' ')}", (field,), help="deployment = traffic_splitting")
        c = self.canary_percent
        if isinstance(c, v.Percent) and not 1 <= c.value <= 100:
            yield Issue(f"canary_percent is 1%–100% of the traffic, got {c}", ("canary_percent",))
        t = self.evaluation_time
        if isinstance(t, v.Duration):
            lo, hi = EVALUATION_MINUTES
            if not lo * 60 <= t.total_seconds <= hi * 60 or t.total_seconds % 60:
                yield Issue(f"evaluation_time is a whole number of minutes from {lo} to {hi}, got {t}",
                            ("evaluation_time",))

    def _network_issues(self, me: View, graph: Graph) -> Iterable[Issue]:
        if not self.subnets:
            yield Issue("a Beanstalk environment needs the subnets its instances run in", ("subnets",))
            return
        views = [deref(graph, s) for s in [*self.subnets, *self.lb_subnets]]
        known = [s for s in views if s is not None and not elsewhere(me, s)]
        vpcs = sorted({vpc_of(graph, s) for s in known} - {None})
        if len(vpcs) > 1:
            yield Issue(f"a Beanstalk environment's subnets are all of one VPC; these are of {len(vpcs)}: "
                        f"{', '.join(vpcs)}", ("subnets",))
        elif vpcs:
            yield from groups_outside(graph, self.security_groups, vpcs[0], "the environment's")
        mine = [deref(graph, s) for s in self.subnets]
        zones = sorted({az_of(graph, s) for s in mine if s is not None} - {None})
        balancer = self.tier == "web" and self.load_balanced is not False
        if balancer:
            front = [deref(graph, s) for s in (self.lb_subnets or self.subnets)]
            front_zones = sorted({az_of(graph, s) for s in front if s is not None} - {None})
            path = ("lb_subnets",) if self.lb_subnets else ("subnets",)
            if len(front_zones) == 1 and None not in front:
                yield Issue(f"the environment's Application Load Balancer needs subnets in at least two Availability "
                            f"Zones (all in {front_zones[0]})", path, help="add a subnet of another AZ")
        elif self.load_balanced is not False and len(zones) == 1 and None not in mine:
            yield Issue(f"all subnets of this environment are in {zones[0]}: its instances do not survive the loss of "
                        "that AZ", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")
        if balancer and len(zones) == 1 and None not in mine and len(self.subnets) == len(mine):
            yield Issue(f"all instance subnets of this environment are in {zones[0]}: its instances do not survive the "
                        "loss of that AZ", ("subnets",), severity="warning",
                        help="add subnets in at least two Availability Zones (notes §26.5)")
        if self.public is True and balancer:
            for i, ref in enumerate(self.lb_subnets or self.subnets):
                s = deref(graph, ref)
                if s is not None and s.get("public") is False:
                    yield Issue(f"an internet-facing load balancer goes in public subnets; '{s.address}' is private",
                                ("lb_subnets" if self.lb_subnets else "subnets", i),
                                related=(Related(s.address, ("public",), "private"),),
                                help="lb_subnets = [your public subnets]")
