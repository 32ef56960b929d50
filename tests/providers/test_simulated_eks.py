"""Amazon EKS in the modeled cloud: AWS-shaped ARNs, endpoints and OIDC issuers; a managed node
group launching its nodes as an Auto Scaling group does (on hosts, over its subnets' AZs, spot
when asked); a Fargate profile's pods spread over its AZs; and what the EKS API refuses."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter

ACCT = "123456789012"
SHOP = f"arn:aws:eks:us-east-1:{ACCT}:cluster/shop"


@pytest.fixture
def eks(network):
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    network.add("cluster_role", "iam_role", region=None, assumed_by=["eks"])
    network.add("node_role", "iam_role", region=None, assumed_by=["ec2"])
    network.add("pod_role", "iam_role", region=None, assumed_by=["eks-fargate-pods"])
    network.add("k8s", "eks_cluster", name="shop", role=r("cluster_role"), subnets=[r("a"), r("b"), r("c")])
    return network


def test_a_cluster_has_aws_shaped_endpoint_issuer_and_arn(eks):
    k = eks.remotes["k8s"]
    assert k.id == k.outputs["arn"] == SHOP  # known by its ARN: a cluster "shop" may be in every region
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.us-east-1\.eks\.amazonaws\.com", k.outputs["endpoint"])
    token = k.outputs["endpoint"][8:40]
    assert k.outputs["oidc_issuer"] == f"https://oidc.eks.us-east-1.amazonaws.com/id/{token}"
    assert re.fullmatch(r"sg-0[0-9a-f]{16}", k.outputs["security_group"])
    assert k.outputs["status"] == "ACTIVE" and k.outputs["version"] == "1.35"


def test_a_node_group_launches_its_nodes_over_its_azs_like_an_auto_scaling_group(eks, cloud):
    r = eks.ref
    ng = eks.add("workers", "eks_node_group", cluster=r("k8s"), name="workers", role=r("node_role"),
                 subnets=[r("a"), r("b"), r("c")], instance_types=["m5.large"], min=3, max=9, desired=6)
    assert re.fullmatch(rf"arn:aws:eks:us-east-1:{ACCT}:nodegroup/shop/workers/[0-9a-f-]{{36}}", ng.outputs["arn"])
    assert ng.outputs["autoscaling_group"].startswith("eks-workers-")
    nodes = [cloud.read("instance", i) for i in ng.outputs["instances"]]
    assert len(nodes) == 6 == ng.outputs["desired_capacity"]
    assert Counter(n.attrs["subnet"] for n in nodes) == {eks.remotes[s].id: 2 for s in "abc"}
    assert {n.attrs["instance_type"] for n in nodes} == {"m5.large"}
    fewer = cloud.update("eks_node_group", ng.id, {**eks.sent["workers"], "desired": 3}, ["desired"])
    assert len(fewer.outputs["instances"]) == 3


def test_a_spot_node_group_launches_spot_instances(eks, cloud):
    r = eks.ref
    ng = eks.add("spot", "eks_node_group", cluster=r("k8s"), role=r("node_role"), subnets=[r("a"), r("b")],
                 instance_types=["m5.large", "m5a.large"], capacity_type="spot", min=2, max=4)
    assert {cloud.read("instance", i).attrs["purchase"] for i in ng.outputs["instances"]} == {"spot"}


def test_a_fargate_profile_spreads_its_pods_over_its_azs(eks):
    r = eks.ref
    fp = eks.add("web", "eks_fargate_profile", cluster=r("k8s"), pod_execution_role=r("pod_role"),
                 subnets=[r("a"), r("b"), r("c")], selector=[{"namespace": "web"}], pods=7)
    assert re.fullmatch(rf"arn:aws:eks:us-east-1:{ACCT}:fargateprofile/shop/.+/[0-9a-f-]{{36}}", fp.outputs["arn"])
    assert len(fp.outputs["pods"]) == 7


def test_a_cluster_with_a_node_group_is_not_deleted(eks, cloud):
    r = eks.ref
    eks.add("workers", "eks_node_group", cluster=r("k8s"), role=r("node_role"), subnets=[r("a")], min=1, max=2)
    with pytest.raises(DependencyViolation) as e:
        cloud.delete("eks_cluster", SHOP)
    assert e.value.code == "ResourceInUseException"


def test_one_minor_version_at_a_time(eks, cloud):
    sent = eks.sent["k8s"]
    with pytest.raises(InvalidParameter) as e:
        cloud.update("eks_cluster", SHOP, {**sent, "version": "1.33"}, ["version"])
    assert "one minor version at a time, and never down" in str(e.value)
    assert cloud.update("eks_cluster", SHOP, {**sent, "version": "1.36"}, ["version"]).outputs["version"] == "1.36"


@pytest.mark.parametrize("kind, data, code, message", [
    ("eks_cluster", {"subnets": ["a"]}, "UnsupportedAvailabilityZoneException",
     "Subnets specified must be in at least two different AZs"),
    ("eks_cluster", {"subnets": ["a", "b"], "version": "1.20"}, "InvalidParameterException",
     "unsupported Kubernetes version 1.20"),
    ("eks_cluster", {"subnets": ["a", "b"], "endpoint_private": False}, "InvalidParameterException",
     "Cluster must have either private or public endpoint access enabled"),
    ("eks_fargate_profile", {"subnets": ["pub"], "selector": [{"namespace": "web"}]}, "InvalidParameterException",
     "provided in Fargate Profile is not a private subnet"),
])
def test_what_the_eks_api_refuses(eks, cloud, kind, data, code, message):
    r = eks.ref
    eks.add("pub", "subnet", vpc=r("main"), cidr="10.0.9.0/24", az="us-east-1a", public=True)
    data = {k: [r(s) for s in x] if k == "subnets" else x for k, x in data.items()}
    if kind == "eks_cluster":
        attrs = eks.attrs(kind, role=r("cluster_role"), **data)
    else:
        attrs = eks.attrs(kind, cluster=r("k8s"), pod_execution_role=r("pod_role"), **data)
    with pytest.raises(InvalidParameter) as e:
        cloud.create(kind, "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == code and message in str(e.value)


def test_the_nodes_run_on_hosts_of_their_subnets_azs(eks, cloud):
    from archform.providers.simulated import console
    r = eks.ref
    ng = eks.add("workers", "eks_node_group", cluster=r("k8s"), role=r("node_role"), subnets=[r("a"), r("b")],
                 instance_types=["c6i.large"], min=4, max=4)
    rows = console.placements(cloud, {"east.workers": ng.id})
    assert len(rows) == 4 and all(row["host"] and row["rack"] for row in rows)
    assert Counter(row["az"] for row in rows) == {"us-east-1a": 2, "us-east-1b": 2}
    assert {row["instance_type"] for row in rows} == {"c6i.large"}


def test_node_group_and_profile_names_are_unique_in_their_cluster_not_the_region(eks, cloud):
    """Two clusters of one region may each have a node group "general" and a Fargate profile
    "web" (CreateNodegroup refuses a name only within its cluster); a second "general" in the
    same cluster is refused."""
    r = eks.ref
    eks.add("other", "eks_cluster", name="billing", role=r("cluster_role"), subnets=[r("a"), r("b")])
    made = [eks.add(f"ng_{c}", "eks_node_group", cluster=r(c), name="general", role=r("node_role"),
                    subnets=[r("a"), r("b")], min=1, max=2) for c in ("k8s", "other")]
    assert [m.outputs["arn"].split("/")[1:3] for m in made] == [["shop", "general"], ["billing", "general"]]
    for c in ("k8s", "other"):
        eks.add(f"fp_{c}", "eks_fargate_profile", cluster=r(c), name="web", pod_execution_role=r("pod_role"),
                subnets=[r("a"), r("b")], selector=[{"namespace": "web"}])
    with pytest.raises(Conflict) as e:
        eks.add("twice", "eks_node_group", cluster=r("k8s"), name="general", role=r("node_role"),
                subnets=[r("a")], min=1, max=2)
    assert e.value.code == "ResourceInUseException"
    assert "NodeGroup already exists with name general and cluster name shop" in str(e.value)
