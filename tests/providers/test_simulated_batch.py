"""AWS Batch in the modeled cloud: an EC2 or spot compute environment holds the instances its
vCPUs need (of its first instance type, over its subnets' AZs, spot for SPOT), a Fargate one
none; a job queue lists its environments in order; and what the Batch API refuses."""

from __future__ import annotations

from collections import Counter

import pytest

from archform.providers.base import DependencyViolation, InvalidParameter

ACCT = "123456789012"


@pytest.fixture
def batch(network):
    r = network.ref
    network.add("node", "iam_role", region=None, assumed_by=["ec2"])
    network.add("ondemand", "batch_compute_environment", name="ondemand", min_vcpus=4, desired_vcpus=8, max_vcpus=64,
                instance_types=["c5.xlarge"], instance_role=r("node"), subnets=[r("a"), r("b")],
                security_groups=[r("sg")])
    network.add("serverless", "batch_compute_environment", type="fargate", max_vcpus=64, subnets=[r("a"), r("b")],
                security_groups=[r("sg")])
    return network


def test_an_ec2_environment_holds_the_instances_its_desired_vcpus_need(batch, cloud):
    env = batch.remotes["ondemand"]
    assert env.outputs["arn"] == f"arn:aws:batch:us-east-1:{ACCT}:compute-environment/ondemand"
    assert env.outputs["ecs_cluster"].startswith(f"arn:aws:ecs:us-east-1:{ACCT}:cluster/AWSBatch-ondemand-")
    instances = [cloud.read("instance", i) for i in env.outputs["instances"]]
    assert len(instances) == 2  # 8 vCPUs of 4-vCPU c5.xlarge
    assert {i.attrs["instance_type"] for i in instances} == {"c5.xlarge"}
    assert Counter(i.attrs["subnet"] for i in instances) == {batch.remotes["a"].id: 1, batch.remotes["b"].id: 1}
    fewer = cloud.update("batch_compute_environment", env.id, {**batch.sent["ondemand"], "desired_vcpus": 4},
                         ["desired_vcpus"])
    assert len(fewer.outputs["instances"]) == 1


def test_a_spot_environment_launches_spot_instances_a_fargate_one_none(batch, cloud):
    r = batch.ref
    spot = batch.add("spot", "batch_compute_environment", type="spot", min_vcpus=2, max_vcpus=16,
                     instance_types=["optimal"], instance_role=r("node"), subnets=[r("a"), r("b")],
                     security_groups=[r("sg")])
    assert {cloud.read("instance", i).attrs["purchase"] for i in spot.outputs["instances"]} == {"spot"}
    assert batch.remotes["serverless"].outputs["instances"] == []


def test_a_queue_lists_its_environments_in_order(batch):
    r = batch.ref
    q = batch.add("jobs", "batch_job_queue", name="jobs", priority=10, compute_environments=[r("ondemand")])
    assert q.outputs["arn"] == f"arn:aws:batch:us-east-1:{ACCT}:job-queue/jobs"
    assert q.outputs["compute_environment_order"] == [
        {"order": 1, "compute_environment": "arn:aws:batch:us-east-1:123456789012:compute-environment/ondemand"}]


def test_what_the_batch_api_refuses(batch, cloud):
    r = batch.ref
    with pytest.raises(InvalidParameter, match="can't be mixed"):
        batch.add("mixed", "batch_job_queue", compute_environments=[r("ondemand"), r("serverless")])
    with pytest.raises(InvalidParameter, match="1 to 3 compute environments"):
        batch.add("many", "batch_job_queue", compute_environments=[r("ondemand")] * 4)
    batch.add("jobs", "batch_job_queue", compute_environments=[r("ondemand")])
    with pytest.raises(DependencyViolation, match="JobQueue relationship"):
        cloud.delete("batch_compute_environment", batch.remotes["ondemand"].id)


def test_each_change_to_a_job_definition_is_a_new_revision(batch, cloud):
    r = batch.ref
    batch.add("exec", "iam_role", region=None, assumed_by=["ecs-tasks"])
    job = batch.add("etl", "batch_job_definition", name="etl", platform="fargate", image="etl:1", vcpus=1,
                    execution_role=r("exec"))
    assert job.outputs["arn"] == f"arn:aws:batch:us-east-1:{ACCT}:job-definition/etl:1"
    again = cloud.update("batch_job_definition", job.id, {**batch.sent["etl"], "image": "etl:2"}, ["image"])
    assert again.outputs["revision"] == 2 and again.outputs["arn"].endswith("job-definition/etl:2")
    with pytest.raises(InvalidParameter, match="executionRoleArn"):
        batch.add("bare", "batch_job_definition", platform="fargate", image="etl:1", vcpus=1)
