"""App Runner in the modeled cloud: AWS-shaped service ids, ARNs and URLs, the provisioned
instances spread over the region's AZs, and what CreateService refuses."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from archform.providers.base import InvalidParameter

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4"


@pytest.fixture
def runner(network):
    network.add("pull_role", "iam_role", region=None, assumed_by=["build.apprunner"])
    return network


def test_a_service_has_aws_shaped_ids_and_spreads_its_instances(runner, cloud):
    r = runner.ref
    s = runner.add("web", "apprunner_service", name="web-app", image=IMAGE, access_role=r("pull_role"), min_size=4)
    assert re.fullmatch(r"[0-9a-f]{32}", s.id)
    assert s.outputs["arn"] == f"arn:aws:apprunner:us-east-1:123456789012:service/web-app/{s.id}"
    assert re.fullmatch(r"[0-9a-z]{10}\.us-east-1\.awsapprunner\.com", s.outputs["url"])
    assert len(s.outputs["instances"]) == 4
    with cloud.store.reading() as tx:
        zones = Counter(tx.get(i).az for i in s.outputs["instances"])
    assert zones == {f"us-east-1{z}": 1 for z in "abcd"}  # the AZ with the fewest first, in name order
    fewer = cloud.update("apprunner_service", s.id, {**runner.sent["web"], "min_size": 1}, ["min_size"])
    assert len(fewer.outputs["instances"]) == 1


@pytest.mark.parametrize("data, message", [
    ({"image": "docker.io/library/nginx:latest"}, "is not in Amazon ECR or Amazon ECR Public"),
    ({"image": IMAGE}, "Authentication configuration is required for a private ECR image"),
    ({"image": "public.ecr.aws/nginx/nginx:latest", "cpu": 2, "memory": "8GB"},
     "The instance configuration 2 vCPU / 8 GB is not supported"),
])
def test_what_createservice_refuses(runner, cloud, data, message):
    attrs = {**runner.attrs("apprunner_service", image="public.ecr.aws/x/y:1"), **data}
    with pytest.raises(InvalidParameter) as e:
        cloud.create("apprunner_service", "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == "InvalidRequestException" and message in str(e.value)
