"""Redshift, OpenSearch, Glue and Athena in the modeled cloud: the nodes placed per AZ (what the
chaos run fails), and what CreateCluster, CreateWorkgroup, CreateDomain, CreateCrawler and
CreateWorkGroup refuse."""

from __future__ import annotations

import pytest

from archform.providers.base import InvalidParameter


@pytest.fixture
def three(network):
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    network.add("a2", "subnet", vpc=r("main"), cidr="10.0.4.0/24", az="us-east-1a")
    return network


def test_a_multi_az_cluster_has_compute_in_two_azs(three, cloud):
    r = three.ref
    c = three.add("wh", "redshift_cluster", node_type="ra3.xlplus", nodes=2, multi_az=True, port=5439,
                  manage_master_password=True, subnets=[r("a"), r("b")])
    assert c.outputs["arn"] == c.id and c.id.startswith("arn:aws:redshift:us-east-1:123456789012:cluster:wh-")
    assert c.outputs["port"] == 5439
    assert [(n["role"], n["az"]) for n in c.outputs["nodes"]] == [("primary", "us-east-1a"),
                                                                   ("secondary", "us-east-1b")]


def test_domain_nodes_spread_over_its_zones_with_a_standby_zone(three):
    r = three.ref
    d = three.add("search", "opensearch_domain", instances=3, zones=3, standby=True, masters={"count": 3},
                  subnets=[r("a"), r("b"), r("c")])
    assert d.outputs["zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert d.outputs["arn"] == d.id and d.id.startswith("arn:aws:es:us-east-1:123456789012:domain/search-")


@pytest.mark.parametrize("kind, data, code, message", [
    ("redshift_cluster", {"node_type": "ra3.4xlarge", "nodes": 1, "subnets": ["a"]}, "InvalidParameterCombination",
     "Number of nodes for node type ra3.4xlarge must be between 2 and 64."),
    ("redshift_cluster", {"node_type": "dc2.large", "nodes": 2, "multi_az": True, "subnets": ["a", "b"]},
     "InvalidParameterCombination", "Multi-AZ is supported only for RA3 clusters with two or more nodes."),
    ("redshift_cluster", {"node_type": "ra3.xlplus", "nodes": 2, "multi_az": True, "subnets": ["a", "a2"]},
     "InvalidClusterSubnetGroupStateFault", "for a Multi-AZ cluster."),
    ("redshift_serverless", {"base_capacity": 12, "subnets": ["a", "b", "c"]}, "ValidationException",
     "Base capacity must be between 8 and 512 RPUs, in units of 8."),
    ("redshift_serverless", {"base_capacity": 8, "subnets": ["a", "b"]}, "ValidationException",
     "Your workgroup requires at least three subnets in at least three Availability Zones."),
    ("opensearch_domain", {"instances": 3, "zones": 3, "subnets": ["a", "b"]}, "ValidationException",
     "You must specify exactly 3 subnets because you've set zone count to 3."),
    ("opensearch_domain", {"instances": 3, "zones": 2, "subnets": ["a", "b"]}, "ValidationException",
     "You must choose a multiple of 2 data nodes for a 2 Availability Zone deployment."),
    ("opensearch_domain", {"instances": 2, "zones": 2, "standby": True, "subnets": ["a", "b"]}, "ValidationException",
     "Multi-AZ with Standby requires three Availability Zones and dedicated master nodes."),
    ("athena_workgroup", {"name": "primary"}, "InvalidRequestException", "WorkGroup primary already exists"),
], ids=["redshift_single_node", "redshift_multi_az_dc2", "redshift_multi_az_one_az", "serverless_rpu_step",
        "serverless_two_azs", "opensearch_subnets_zones", "opensearch_nodes_zones", "opensearch_standby",
        "athena_primary"])
def test_what_the_apis_refuse(three, cloud, kind, data, code, message):
    r = three.ref
    data = {k: [r(s) for s in v] if k == "subnets" else v for k, v in data.items()}
    if kind == "athena_workgroup":
        three.add("lake", "s3_bucket")
        data["results"] = r("lake")
    attrs = three.attrs(kind, **data)
    with pytest.raises(InvalidParameter) as e:
        cloud.create(kind, "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == code and str(e.value).endswith(message)
