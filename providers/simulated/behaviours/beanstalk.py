"""AWS Elastic Beanstalk: applications, known by their names, and environments (`e-…` ids).

- An application cannot be deleted while it has environments.
- An environment is an Auto Scaling group underneath (`AutoscalingGroup`'s launching, scaling
  and AZ balancing, `instance` records it owns, on hosts): `min` instances of its
  `instance_type`, exactly one when single-instance. A load-balanced web environment also owns
  its Application Load Balancer (`load_balancer` record, role `beanstalk`, with the DNS name the
  environment's CNAME points at); a worker without `queue` owns the SQS queue Beanstalk creates
  (`sqs_queue` record, with its URL). CreateEnvironment refuses what the API refuses: a
  deployment policy single-instance environments do not take, traffic splitting in a worker,
  min greater than max, a CNAME prefix already taken in the region.
- A new `source` is a deployment by the environment's policy: all at once and rolling update
  the instances in place; immutable and traffic splitting launch a full new set and terminate
  the old one once it is healthy (new instance ids); `last_deployment` tells the batches, the
  fewest instances in service and the most running meanwhile.
"""

from __future__ import annotations

from archform.stdlib.kinds._beanstalk_facts import ROLLING, SINGLE_INSTANCE_POLICIES, policy_effect

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, in_use, require, users_of
from .common import by_az, subnets_vpc
from .compute import AutoscalingGroup

CODE = "InvalidParameterValue"


class BeanstalkApplication(Named):
    service = "elasticbeanstalk"
    name_max = 100
    name_taken_code = "InvalidParameterValue"

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Application {name} already exists."

    def arn(self, rec: Record) -> str:
        return ids.arn("elasticbeanstalk", rec.region, f"application/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("beanstalk_environment",))
        if users:
            raise in_use(rec, users, code="InvalidParameterValue", what=" (it has running environments)")


def single(rec: Record) -> bool:
    return rec.attrs.get("load_balanced") is False


def balanced_web(rec: Record) -> bool:
    return (rec.attrs.get("tier") or "web") == "web" and not single(rec)


def capacity(rec: Record) -> tuple[int, int]:
    """The (min, max) of the environment's Auto Scaling group: 1 and 1 for a single instance."""
    if single(rec):
        return 1, 1
    a = rec.attrs
    return int(a.get("min") if a.get("min") is not None else 1), int(a.get("max") if a.get("max") is not None else 4)


class BeanstalkEnvironment(AutoscalingGroup):
    """The environment's own Auto Scaling group, launching `instance_type` instances with the
    environment's security groups and instance role."""

    service = "elasticbeanstalk"
    name_max = 40
    name_taken_code = "InvalidParameterValue"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Environment {name} already exists."

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return "e-" + ids.base36(op.seed, n, 10, "beanstalk")

    def arn(self, rec: Record) -> str:
        return ids.arn("elasticbeanstalk", rec.region, f"environment/{ids.name_in(rec.attrs.get('application'))}/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        subnets = a.get("subnets") or []
        require(bool(subnets), "Configuration validation exception: Invalid option specification (Namespace: "
                "'aws:ec2:vpc', OptionName: 'Subnets'): at least one subnet is required", "ConfigurationValidationException")
        vpc = subnets_vpc(op, subnets, "environment", code=CODE)
        if a.get("lb_subnets"):
            theirs = subnets_vpc(op, a["lb_subnets"], "environment's load balancer", code=CODE)
            require(theirs == vpc, f"ELBSubnets are in {theirs}, Subnets in {vpc}", CODE)
        low, high = capacity(rec)
        require(low <= high, f"Configuration validation exception: MinSize {low} is greater than MaxSize {high}",
                "ConfigurationValidationException")
        policy = a.get("deployment") or "all_at_once"
        if single(rec):
            require(policy in SINGLE_INSTANCE_POLICIES, f"Configuration validation exception: Invalid option value: "
                    f"'{policy}' (Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy'): "
                    "single-instance environments support AllAtOnce and Immutable only",
                    "ConfigurationValidationException")
        require(not (policy == "traffic_splitting" and (a.get("tier") or "web") == "worker"),
                "Configuration validation exception: TrafficSplitting requires a load-balanced web server environment",
                "ConfigurationValidationException")
        if balanced_web(rec):
            front = a.get("lb_subnets") or subnets
            require(len(by_az(op, front)) >= 2, "At least two subnets in two different Availability Zones must be "
                    "specified for the load balancer", CODE)
        prefix = a.get("cname_prefix")
        if prefix and old is None:
            for other in op.tx.query("kind = 'beanstalk_environment' AND region IS ?", (rec.region,)):
                require(other.id == rec.id or other.attrs.get("cname_prefix") != prefix,
                        f"DNS name ({prefix}.{rec.region}.elasticbeanstalk.com) is not available.", CODE)

    @staticmethod
    def settings(op: Op, rec: Record) -> dict:
        a = rec.attrs
        return {"instance_type": a.get("instance_type") or "t3.micro", "security_groups": a.get("security_groups") or [],
                "iam_role": a.get("instance_role")}

    def create(self, op: Op, rec: Record):
        self._own(op, rec)
        self._scale(op, rec, capacity(rec)[0])
        if rec.attrs.get("source") is not None:
            rec.outputs["last_deployment"] = {**self._effect(rec, capacity(rec)[0]), "replaced": False}

    def update(self, op: Op, rec: Record, old: Record):
        self._own(op, rec)
        low, high = capacity(rec)
        current = len(op.tx.owned(rec.id, "instance"))
        wanted = min(max(current, low), high)
        policy = rec.attrs.get("deployment") or "all_at_once"
        deployed = rec.attrs.get("source") != old.attrs.get("source") and rec.attrs.get("source") is not None
        replaced = deployed and policy in ("immutable", "traffic_splitting")
        if replaced:  # a full new set in a temporary group; the old instances go once it is healthy
            for member in op.tx.owned(rec.id, "instance"):
                op.remove(member)
        self._scale(op, rec, wanted)
        if deployed:
            rec.outputs["last_deployment"] = {**self._effect(rec, wanted), "replaced": replaced}

    @staticmethod
    def _effect(rec: Record, instances: int) -> dict:
        a = rec.attrs
        policy = a.get("deployment") or "all_at_once"
        percent = a.get("batch_percent")
        share = float(str(percent).rstrip("%")) if percent is not None and policy in ROLLING else None
        return policy_effect(policy, instances, a.get("batch_size") if policy in ROLLING else None, share)

    def _own(self, op: Op, rec: Record):
        """The load balancer of a load-balanced web environment, the queue of a worker without one."""
        lbs = op.tx.owned(rec.id, "load_balancer")
        if balanced_web(rec) and not lbs:
            lb = op.add_owned(rec, "load_balancer", "beanstalk", {"type": "application",
                                                                  "internal": rec.attrs.get("public") is not True})
            key = ids.base36(op.seed, lb.seq, 9, "awseb")
            lb.outputs["dns_name"] = (("internal-" if rec.attrs.get("public") is not True else "") +
                                      f"awseb-AWSEB-{key.upper()}-{int(ids.digest(op.seed, lb.seq)[:9], 16) % 10**10}"
                                      f".{rec.region}.elb.amazonaws.com")
            lb.outputs["arn"] = ids.arn("elasticloadbalancing", rec.region,
                                        f"loadbalancer/app/awseb-AWSEB-{key}/{ids.digest(op.seed, lb.seq)[:16]}")
            op.tx.save(lb)
        elif not balanced_web(rec):
            for lb in lbs:
                op.remove(lb)
        queues = op.tx.owned(rec.id, "sqs_queue")
        if rec.attrs.get("tier") == "worker" and not rec.attrs.get("queue") and not queues:
            q = op.add_owned(rec, "sqs_queue", "beanstalk", {"visibility_timeout": "300s"})
            name = f"awseb-{rec.id}-AWSEBWorkerQueue-{ids.base36(op.seed, q.seq, 12, 'queue').upper()}"
            q.outputs["url"] = f"https://sqs.{rec.region}.amazonaws.com/{ids.ACCOUNT}/{name}"
            op.tx.save(q)
        elif rec.attrs.get("tier") != "worker" or rec.attrs.get("queue"):
            for q in queues:
                op.remove(q)

    def outputs(self, op: Op, rec: Record) -> dict:
        out = super().outputs(op, rec)
        a = rec.attrs
        lb = next(iter(op.tx.owned(rec.id, "load_balancer")), None)
        queue = next(iter(op.tx.owned(rec.id, "sqs_queue")), None)
        web = (a.get("tier") or "web") == "web"
        cname = f"{a.get('cname_prefix') or rec.name}.{rec.region}.elasticbeanstalk.com" if web else None
        queue_url = queue.outputs.get("url") if queue is not None else (op.the(a["queue"]).id if a.get("queue")
                                                                         else None)
        return {**out, "cname": cname, "endpoint_url": lb.outputs.get("dns_name") if lb is not None else cname,
                "load_balancer": lb.outputs.get("arn") if lb is not None else None, "queue_url": queue_url,
                "autoscaling_group": f"awseb-{rec.id}-stack-AWSEBAutoScalingGroup-{ids.base36(0, rec.seq, 12).upper()}",
                "status": "Ready", "health": "Green", "last_deployment": rec.outputs.get("last_deployment")}


BEHAVIOURS = {"beanstalk_application": BeanstalkApplication(), "beanstalk_environment": BeanstalkEnvironment()}
