"""The modeled cloud's DocumentDB, Neptune, RDS Proxy and MSK: AWS-shaped endpoints and what
their APIs refuse (a subnet group of one AZ, a proxy target of another engine family or VPC, a
read replica, no secret; MSK subnets not two or three in distinct AZs, brokers not a multiple
of the AZs, shrinking brokers or storage)."""

from __future__ import annotations

import re

import pytest

from archform.providers.base import InvalidParameter
from archform.stdlib.types import size

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf"


def code_of(excinfo) -> str:
    return excinfo.value.code


@pytest.fixture
def net(network):
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    network.add("a2", "subnet", vpc=r("main"), cidr="10.0.4.0/24", az="us-east-1a")
    network.add("other", "vpc", cidr="10.9.0.0/16")
    network.add("x", "subnet", vpc=r("other"), cidr="10.9.1.0/24", az="us-east-1a")
    network.add("y", "subnet", vpc=r("other"), cidr="10.9.2.0/24", az="us-east-1b")
    return network


def test_documentdb_and_neptune_have_their_own_endpoints_and_ports(net):
    r = net.ref
    docs = net.add("docs", "documentdb_cluster", instance_class="db.r6g.large", instances=3, port=27017,
                   subnets=[r("a"), r("b"), r("c")])
    graph = net.add("graph", "neptune_cluster", instance_class="db.r6g.large", port=8182, subnets=[r("a"), r("b")])
    assert docs.outputs["endpoint"].startswith(f"{docs.id.rsplit(':', 1)[1]}.cluster-c")
    assert docs.outputs["endpoint"].endswith(".us-east-1.docdb.amazonaws.com")
    assert docs.outputs["reader_endpoint"].startswith(f"{docs.id.rsplit(':', 1)[1]}.cluster-ro-")
    assert [(i["az"], i["role"]) for i in docs.outputs["instances"]] == [
        ("us-east-1a", "writer"), ("us-east-1b", "reader"), ("us-east-1c", "reader")]
    assert graph.outputs["endpoint"].endswith(".us-east-1.neptune.amazonaws.com") and graph.outputs["port"] == 8182
    assert docs.outputs["arn"] == docs.id and docs.id.startswith("arn:aws:rds:us-east-1:123456789012:cluster:docs-")
    with pytest.raises(InvalidParameter) as e:
        net.add("lone", "documentdb_cluster", instance_class="db.r6g.large", subnets=[r("a"), r("a2")])
    assert code_of(e) == "DBSubnetGroupDoesNotCoverEnoughAZs"


def test_a_proxy_is_refused_what_register_db_proxy_targets_refuses(net):
    r = net.ref
    net.add("orders", "aurora", engine="aurora-postgresql", instance_class="db.r6g.large", subnets=[r("a"), r("b")], manage_master_password=True)
    net.add("keyed", "rds", engine="mysql", instance_class="db.m5.large", subnets=[r("a"), r("b")], manage_master_password=False)
    net.add("legacy", "rds", engine="oracle", instance_class="db.m5.large", subnets=[r("a"), r("b")], manage_master_password=True)
    net.add("far", "rds", engine="postgres", instance_class="db.m5.large", subnets=[r("x"), r("y")], manage_master_password=True)
    pool = net.add("pool", "rds_proxy", target=r("orders"), subnets=[r("a"), r("b")])
    assert pool.outputs["arn"].startswith("arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0")
    assert pool.id == pool.outputs["arn"] and re.match(r"pool-[a-z0-9]{8}\.proxy-c", pool.outputs["endpoint"])
    assert pool.outputs["engine_family"] == "POSTGRESQL"
    assert [n["az"] for n in pool.outputs["nodes"]] == ["us-east-1a", "us-east-1b"]
    refusals = {
        "InvalidSubnet": dict(target=r("orders"), subnets=[r("a"), r("a2")]),
        "InvalidParameterCombination": dict(target=r("orders"), subnets=[r("a"), r("b")], engine_family="mysql"),
        "InvalidParameterValue": dict(target=r("legacy"), subnets=[r("a"), r("b")]),
    }
    for n, (code, attrs) in enumerate(refusals.items()):
        with pytest.raises(InvalidParameter) as e:
            net.add(f"bad{n}", "rds_proxy", **attrs)
        assert code_of(e) == code, attrs
    with pytest.raises(InvalidParameter) as e:
        net.add("nosecret", "rds_proxy", target=r("keyed"), subnets=[r("a"), r("b")])
    assert "Secrets Manager secret" in str(e.value)
    net.add("withsecret", "rds_proxy", target=r("keyed"), subnets=[r("a"), r("b")], secrets=[SECRET])
    with pytest.raises(InvalidParameter) as e:
        net.add("elsewhere", "rds_proxy", target=r("far"), subnets=[r("a"), r("b")])
    assert "isn't the VPC" in str(e.value)


def test_msk_brokers_spread_over_the_azs_and_never_shrink(net, cloud):
    r = net.ref
    events = net.add("events", "msk_cluster", subnets=[r("a"), r("b"), r("c")], brokers=6, storage=size("100GiB"),
                     client_auth=["iam"], in_transit="tls")
    assert events.id.startswith("arn:aws:kafka:us-east-1:123456789012:cluster/") and events.outputs["arn"] == events.id
    assert [b["az"][-1] for b in events.outputs["brokers"]] == list("abcabc")
    assert events.outputs["bootstrap_brokers_iam"].count(":9098") == 6
    assert events.outputs["bootstrap_brokers_tls"] is None and events.outputs["bootstrap_brokers"] is None
    for attrs in (dict(subnets=[r("a")]), dict(subnets=[r("a"), r("a2")]),
                  dict(subnets=[r("a"), r("b"), r("c")], brokers=4)):
        with pytest.raises(InvalidParameter) as e:
            net.add(f"bad{len(attrs['subnets'])}{attrs.get('brokers', '')}", "msk_cluster", **attrs)
        assert code_of(e) == "BadRequestException"
    with pytest.raises(InvalidParameter) as e:
        cloud.update("msk_cluster", events.id, {**events.attrs, "brokers": 3}, ["brokers"])
    assert "can't be decreased" in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        cloud.update("msk_cluster", events.id, {**events.attrs, "storage": "50GiB"}, ["storage"])
    assert "only be increased" in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        cloud.update("msk_cluster", events.id, {**events.attrs, "storage": "17TiB"}, ["storage"])
    assert "between 1 and 16384 GiB" in str(e.value)
    grown = cloud.update("msk_cluster", events.id, {**events.attrs, "brokers": 9}, ["brokers"])
    assert len(grown.outputs["brokers"]) == 9
