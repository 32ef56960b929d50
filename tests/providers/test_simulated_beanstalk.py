"""Elastic Beanstalk in the modeled cloud: an environment launches its instances as an Auto
Scaling group does (over its subnets' AZs, exactly one when single-instance), owns the load
balancer of a load-balanced web tier and the queue of a worker without one; a new source is
deployed by the environment's policy (in place, or a full new set of instances); and what the
Beanstalk API refuses."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter
from archform.stdlib.kinds.beanstalk import policy_effect
from archform.stdlib.types import pct

ACCT = "123456789012"
STACK = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"


@pytest.fixture
def eb(network):
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    network.add("bundles", "s3_bucket", bucket="archform-eb-bundles")
    network.add("shop", "beanstalk_application", name="shop")
    return network


def env(eb, handle, **attrs):
    r = eb.ref
    return eb.add(handle, "beanstalk_environment", application=r("shop"), solution_stack=STACK,
                  subnets=[r("a"), r("b"), r("c")], **attrs)


def test_a_load_balanced_web_environment_spreads_min_instances_behind_its_own_alb(eb, cloud):
    web = env(eb, "web", name="shop-web", min=3, max=9, instance_type="t3.small", public=True)
    assert re.fullmatch(r"e-[0-9a-z]{10}", web.id)
    assert web.outputs["arn"] == f"arn:aws:elasticbeanstalk:us-east-1:{ACCT}:environment/shop/shop-web"
    instances = [cloud.read("instance", i) for i in web.outputs["instances"]]
    assert Counter(i.attrs["subnet"] for i in instances) == {eb.remotes[s].id: 1 for s in "abc"}
    assert {i.attrs["instance_type"] for i in instances} == {"t3.small"}
    assert re.fullmatch(r"awseb-AWSEB-[0-9A-Z]{9}-[0-9]+\.us-east-1\.elb\.amazonaws\.com", web.outputs["endpoint_url"])
    assert web.outputs["cname"] == "shop-web.us-east-1.elasticbeanstalk.com"
    assert web.outputs["load_balancer"].startswith(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/")
    assert web.outputs["queue_url"] is None


def test_an_internal_load_balancer_by_default(eb):
    web = env(eb, "web")
    assert web.outputs["endpoint_url"].startswith("internal-awseb-AWSEB-")


def test_a_single_instance_environment_runs_one_instance_and_no_load_balancer(eb):
    one = env(eb, "one", load_balanced=False, deployment="immutable")
    assert len(one.outputs["instances"]) == 1
    assert one.outputs["load_balancer"] is None
    assert one.outputs["endpoint_url"] == one.outputs["cname"]


def test_a_worker_without_a_queue_gets_one_and_a_worker_with_one_reads_it(eb):
    made = env(eb, "jobs", tier="worker", min=2, max=4)
    assert re.fullmatch(rf"https://sqs\.us-east-1\.amazonaws\.com/{ACCT}/awseb-{made.id}-AWSEBWorkerQueue-[0-9A-Z]{{12}}",
                        made.outputs["queue_url"])
    assert made.outputs["cname"] is None and made.outputs["load_balancer"] is None
    queue = eb.add("orders", "sqs_queue")
    given = env(eb, "orders_worker", tier="worker", queue=eb.ref("orders"))
    assert given.outputs["queue_url"] == queue.id


def test_immutable_deploys_on_new_instances_rolling_in_place(eb, cloud):
    r = eb.ref
    bundle = {"bucket": r("bundles"), "key": "web/v1.zip"}
    rolling = env(eb, "rolling", min=4, max=8, deployment="rolling", batch_percent=pct(25), source=bundle)
    immutable = env(eb, "immutable", min=2, max=4, deployment="immutable", source=bundle)
    v2 = {**eb.sent["rolling"]["source"], "key": "web/v2.zip"}
    after = cloud.update("beanstalk_environment", rolling.id, {**eb.sent["rolling"], "source": v2}, ["source"])
    assert after.outputs["instances"] == rolling.outputs["instances"]
    assert after.outputs["last_deployment"] == {"policy": "rolling", "batches": 4, "batch": 1, "lowest_in_service": 3,
                                                "most_running": 4, "replaced": False}
    after = cloud.update("beanstalk_environment", immutable.id, {**eb.sent["immutable"], "source": v2}, ["source"])
    assert len(after.outputs["instances"]) == 2
    assert not set(after.outputs["instances"]) & set(immutable.outputs["instances"])
    assert after.outputs["last_deployment"]["replaced"] is True
    assert after.outputs["last_deployment"]["most_running"] == 4


@pytest.mark.parametrize("policy, size, percent, effect", [
    ("all_at_once", None, None, (1, 0, 6)),
    ("rolling", 2, None, (3, 4, 6)),
    ("rolling", None, 30.0, (3, 4, 6)),  # 30% of 6 rounds up to a batch of 2
    ("rolling_with_additional_batch", 2, None, (3, 6, 8)),
    ("immutable", None, None, (1, 6, 12)),
    ("traffic_splitting", None, None, (1, 6, 12)),
])
def test_what_each_deployment_policy_does_to_six_instances(policy, size, percent, effect):
    got = policy_effect(policy, 6, size, percent)
    assert (got["batches"], got["lowest_in_service"], got["most_running"]) == effect


def test_what_the_beanstalk_api_refuses(eb, cloud):
    with pytest.raises(InvalidParameter, match="single-instance environments support AllAtOnce and Immutable"):
        env(eb, "bad", load_balanced=False, deployment="rolling")
    with pytest.raises(InvalidParameter, match="TrafficSplitting requires a load-balanced web server"):
        env(eb, "bad2", tier="worker", deployment="traffic_splitting")
    with pytest.raises(InvalidParameter, match="two different Availability Zones"):
        eb.add("bad3", "beanstalk_environment", application=eb.ref("shop"), solution_stack=STACK,
               subnets=[eb.ref("a")])
    env(eb, "first", cname_prefix="shop-store")
    with pytest.raises((InvalidParameter, Conflict), match="is not available"):
        env(eb, "second", cname_prefix="shop-store")


def test_an_application_with_environments_cannot_be_deleted(eb, cloud):
    web = env(eb, "web")
    with pytest.raises(DependencyViolation):
        cloud.delete("beanstalk_application", eb.remotes["shop"].id)
    cloud.delete("beanstalk_environment", web.id)
    cloud.delete("beanstalk_application", eb.remotes["shop"].id)
