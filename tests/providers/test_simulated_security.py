"""KMS keys, secrets, parameters, WAF and CloudWatch in the modeled cloud: AWS-shaped ids and
ARNs, and what their APIs refuse."""

from __future__ import annotations

import re

import pytest

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def test_a_key_is_known_by_its_arn_with_rotation_on(builder):
    key = builder.add("k", "kms_key", aliases=["alias/orders"])
    assert re.fullmatch(rf"arn:aws:kms:us-east-1:123456789012:key/{UUID}", key.id)
    assert key.outputs["key_id"] == key.id.rsplit("/", 1)[1]
    assert key.outputs["key_rotation_enabled"] is True and key.outputs["pending_window_days"] == 30
    signer = builder.add("s", "kms_key", spec="RSA_2048", usage="SIGN_VERIFY")
    assert signer.outputs["key_rotation_enabled"] is False and signer.outputs["key_usage"] == "SIGN_VERIFY"


def test_a_replica_shares_its_primary_key_id_in_another_region(builder, cloud):
    primary = builder.add("p", "kms_key", multi_region=True)
    replica = builder.add("r", "kms_key", region="eu-west-1", replica_of=builder.ref("p"))
    body = primary.outputs["key_id"]
    assert re.fullmatch(r"mrk-[0-9a-f]{32}", body)
    assert replica.id == f"arn:aws:kms:eu-west-1:123456789012:key/{body}"
    assert replica.outputs["multi_region_key_type"] == "REPLICA" and primary.outputs["multi_region_key_type"] == "PRIMARY"
    with pytest.raises(Conflict) as e:
        builder.add("r2", "kms_key", region="eu-west-1", replica_of=builder.ref("p"))
    assert e.value.code == "AlreadyExistsException"
    with pytest.raises(DependencyViolation):
        cloud.delete("kms_key", primary.id)


def test_kms_refuses_what_its_api_refuses(builder):
    single = builder.add("single", "kms_key")
    with pytest.raises(Exception) as e:
        builder.add("r", "kms_key", region="eu-west-1", replica_of=builder.ref("single"))
    assert e.value.code == "UnsupportedOperationException" and single.id in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        builder.add("odd", "kms_key", spec="ECC_NIST_P256", usage="ENCRYPT_DECRYPT")
    assert e.value.code == "ValidationException"
    builder.add("named", "kms_key", aliases=["alias/orders"])
    with pytest.raises(Conflict) as e:
        builder.add("again", "kms_key", aliases=["alias/orders"])
    assert e.value.code == "AlreadyExistsException"
