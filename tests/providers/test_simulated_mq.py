"""Amazon MQ in the modeled cloud: AWS-shaped ids, ARNs and endpoints, the instances placed one
per AZ, and what CreateBroker refuses."""

from __future__ import annotations

import re

import pytest

from archform.providers.base import InvalidParameter

USER = [{"name": "orders_app", "password": "a-long-broker-secret"}]


def _broker(network, name, **data):
    r = network.ref
    return network.add(name, "mq_broker", **{"engine": "activemq", "user": USER, "security_groups": [r("sg")],
                                             **data})


def test_an_active_standby_broker_has_aws_shaped_ids_and_two_endpoints_per_protocol(network, cloud):
    r = network.ref
    b = _broker(network, "pair", deployment="active_standby", subnets=[r("a"), r("b")])
    assert re.fullmatch(r"b-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", b.id)
    assert b.outputs["arn"] == f"arn:aws:mq:us-east-1:123456789012:broker:{b.outputs['name']}:{b.id}"
    openwire = [e for e in b.outputs["endpoints"] if e.startswith("ssl://")]
    assert openwire == [f"ssl://{b.id}-1.mq.us-east-1.amazonaws.com:61617",
                        f"ssl://{b.id}-2.mq.us-east-1.amazonaws.com:61617"]
    assert b.outputs["failover_url"] == f"failover:({openwire[0]},{openwire[1]})"
    assert b.outputs["console_url"] == f"https://{b.id}-1.mq.us-east-1.amazonaws.com:8162"
    stored = cloud.read("mq_broker", b.id).attrs["user"]  # sensitive: the cloud keeps fingerprints only
    assert "a-long-broker-secret" not in str(stored) and stored[0]["password"].startswith("(set, hmac-sha256 ")


def test_a_rabbitmq_broker_has_one_amqps_endpoint(network):
    r = network.ref
    b = _broker(network, "rabbit", engine="rabbitmq", deployment="cluster", subnets=[r("a"), r("b")])
    assert b.outputs["endpoints"] == [f"amqps://{b.id}.mq.us-east-1.amazonaws.com:5671"]
    assert b.outputs["deployment_mode"] == "CLUSTER_MULTI_AZ"


@pytest.mark.parametrize("data, message", [
    ({"deployment": "cluster", "subnets": ["a", "b"]},
     "Broker engine type [ACTIVEMQ] does not support deployment mode [CLUSTER_MULTI_AZ]."),
    ({"deployment": "single_instance", "subnets": ["a", "b"]},
     "Specify 1 subnet for deployment mode [SINGLE_INSTANCE]; 2 given."),
    ({"deployment": "active_standby", "subnets": ["a"]},
     "Specify 2 subnets for deployment mode [ACTIVE_STANDBY_MULTI_AZ]; 1 given."),
    ({"deployment": "active_standby", "subnets": ["a", "a2"]},
     "The subnets of an ACTIVE_STANDBY_MULTI_AZ broker must be in different Availability Zones."),
])
def test_what_createbroker_refuses(network, cloud, data, message):
    r = network.ref
    network.add("a2", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1a")
    attrs = network.attrs("mq_broker", engine="activemq", user=USER, deployment=data["deployment"],
                          subnets=[r(s) for s in data["subnets"]])
    with pytest.raises(InvalidParameter) as e:
        cloud.create("mq_broker", "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == "BadRequestException" and str(e.value).endswith(message)


def test_applying_brokers_keeps_no_password_and_a_second_plan_is_empty(tmp_path):
    from pathlib import Path

    from workbench import Workbench
    text = (Path(__file__).parent / "chaos_cases" / "mq_brokers.arch").read_text()
    bench = Workbench(tmp_path / "bench")
    try:
        _, result = bench.apply(text)
        assert not result.failed
        assert bench.plan(text).summary.empty
        pair = bench.store.read().resources["primary.pair"]
        assert pair.outputs["deployment_mode"] == "ACTIVE_STANDBY_MULTI_AZ"
    finally:
        bench.close()
    for f in (tmp_path / "bench").rglob("*"):
        if f.is_file():
            assert b"a-test-broker-secret" not in f.read_bytes(), f
