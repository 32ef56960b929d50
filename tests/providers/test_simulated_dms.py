"""DMS in the modeled cloud: a replication instance's compute in its subnets' AZs (a Multi-AZ
standby in another), ARNs as DMS's, and what CreateReplicationInstance, CreateEndpoint and
CreateReplicationTask refuse."""

from __future__ import annotations

import pytest

from archform.providers.base import InvalidParameter


def test_a_multi_az_instance_has_its_standby_in_another_az(network):
    r = network.ref
    inst = network.add("mover", "dms_replication_instance", instance_class="dms.t3.medium", storage=50, multi_az=True,
                       subnets=[r("a"), r("b")], security_groups=[r("sg")])
    assert inst.outputs["nodes"] == [{"role": "primary", "az": "us-east-1a"}, {"role": "standby", "az": "us-east-1b"}]
    assert inst.outputs["arn"].startswith("arn:aws:dms:us-east-1:123456789012:rep:")
    assert inst.outputs["private_ip"].startswith("10.0.1.")


def test_what_the_dms_apis_refuse(network, cloud):
    r = network.ref
    network.add("a2", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1a")
    attrs = network.attrs("dms_replication_instance", subnets=[r("a"), r("a2")])
    with pytest.raises(InvalidParameter) as e:
        cloud.create("dms_replication_instance", "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == "ReplicationSubnetGroupDoesNotCoverEnoughAZs"
    attrs = network.attrs("dms_endpoint", type="source", engine="dynamodb", ssl_mode="none")
    with pytest.raises(InvalidParameter) as e:
        cloud.create("dms_endpoint", "bad2", "us-east-1", attrs, "t-bad2")
    assert str(e.value).endswith("dynamodb is not supported as a source endpoint.")
    network.add("mover", "dms_replication_instance", subnets=[r("a"), r("b")])
    network.add("src", "dms_endpoint", type="source", engine="mysql", server_name="db.example.com", port=3306)
    network.add("dst", "dms_endpoint", type="target", engine="mysql", server_name="db2.example.com", port=3306)
    attrs = network.attrs("dms_replication_task", instance=r("mover"), source=r("dst"), target=r("src"))
    with pytest.raises(InvalidParameter) as e:
        cloud.create("dms_replication_task", "bad3", "us-east-1", attrs, "t-bad3")
    assert e.value.code == "InvalidParameterValueException" and "is a target endpoint" in str(e.value)
