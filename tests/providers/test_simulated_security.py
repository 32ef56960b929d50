"""KMS keys, secrets, parameters, WAF and CloudWatch in the modeled cloud: AWS-shaped ids and
ARNs, and what their APIs refuse."""

from __future__ import annotations

import re

import pytest

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter, NotFound

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


def test_a_secret_has_the_arn_suffix_secrets_manager_adds_and_keeps_no_value(builder, cloud):
    s = builder.add("api", "secret", name="shop/api-token", value="a-token-nobody-sees")
    assert re.fullmatch(r"arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/api-token-[A-Za-z0-9]{6}", s.id)
    assert s.outputs["name"] == "shop/api-token" and s.outputs["kms_key_id"] == "alias/aws/secretsmanager"
    stored = cloud.read("secret", s.id).attrs["value"]
    assert "a-token-nobody-sees" not in str(stored) and stored.startswith("(set, hmac-sha256 ")
    with pytest.raises(Conflict) as e:
        builder.add("again", "secret", name="shop/api-token")
    assert e.value.code == "ResourceExistsException"


def test_a_secret_refuses_a_replica_in_its_own_region(builder):
    with pytest.raises(InvalidParameter) as e:
        builder.add("db", "secret", replica_regions=["us-east-1"])
    assert e.value.code == "InvalidParameterException"


def test_a_parameter_is_known_by_its_name_and_versions_each_change(builder, cloud):
    p = builder.add("url", "ssm_parameter", name="/shop/prod/db-url", value="postgres://a")
    assert p.id == "arn:aws:ssm:us-east-1:123456789012:parameter/shop/prod/db-url"  # its ARN: a name per region
    assert p.outputs["arn"] == "arn:aws:ssm:us-east-1:123456789012:parameter/shop/prod/db-url"
    assert p.outputs["version"] == 1 and p.outputs["tier"] == "Standard"
    changed = cloud.update("ssm_parameter", p.id, {"value": "postgres://b"})
    assert changed.outputs["version"] == 2


def test_parameter_store_refuses_what_put_parameter_refuses(builder, cloud):
    with pytest.raises(InvalidParameter) as e:
        builder.add("big", "ssm_parameter", name="/shop/big", value="x" * 4097)
    assert e.value.code == "ValidationException" and "4096" in str(e.value)
    big = builder.add("big_ok", "ssm_parameter", name="/shop/big", tier="Advanced", value="x" * 4097)
    with pytest.raises(InvalidParameter) as e:
        cloud.update("ssm_parameter", big.id, {"tier": "Standard", "value": "x"})
    assert "can't be reverted" in str(e.value)
    with pytest.raises(InvalidParameter):
        builder.add("reserved", "ssm_parameter", name="/ssm/shop", value="x")
    with pytest.raises(Conflict) as e:
        builder.add("twice", "ssm_parameter", name="/shop/big", value="y")
    assert e.value.code == "ParameterAlreadyExists"
    secure = builder.add("key", "ssm_parameter", name="/shop/key", type="SecureString", secure_value="s3cr3t-value")
    assert "s3cr3t-value" not in str(cloud.read("ssm_parameter", secure.id).attrs)
    assert secure.outputs["key_id"] == "alias/aws/ssm"


def _alb(network, name="web", type_="application"):
    r = network.ref
    return network.add(name, "load_balancer", type=type_, subnets=[r("a"), r("b")],
                       **({"security_groups": [r("sg")]} if type_ == "application" else {}))


def test_a_web_acl_has_a_wafv2_arn_its_capacity_and_its_associations(network, cloud):
    from archform.stdlib.types import cidr
    r = network.ref
    web = _alb(network)
    network.add("blocked", "waf_ip_set", addresses=[cidr("203.0.113.7/32")])
    acl = network.add("acl", "waf_web_acl", resources=[r("web")],
                      rule=[{"name": "blocklist", "priority": 0, "ip_set": r("blocked")},
                            {"name": "common", "priority": 1, "managed": "AWSManagedRulesCommonRuleSet"},
                            {"name": "per_client", "priority": 2, "rate_limit": 100}])
    assert re.fullmatch(rf"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/[\w-]+/{UUID}", acl.id)
    assert acl.outputs["capacity"] == 703 and acl.outputs["associations"] == [web.id]
    with pytest.raises(DependencyViolation) as e:
        cloud.delete("waf_ip_set", network["blocked"].id)
    assert e.value.code == "WAFAssociatedItemException"


def test_a_web_acl_protects_a_cognito_user_pool(network):
    """Notes §23.6.1: a Cognito user pool is among what a regional web ACL is associated with."""
    pool = network.add("members", "cognito_user_pool")
    acl = network.add("acl", "waf_web_acl", resources=[network.ref("members")],
                      rule=[{"name": "per_client", "priority": 0, "rate_limit": 100}])
    assert acl.outputs["associations"] == [pool.id]


def test_waf_refuses_what_its_api_refuses(network):
    r = network.ref
    _alb(network, "tcp", "network")
    with pytest.raises(InvalidParameter) as e:
        network.add("acl", "waf_web_acl", resources=[r("tcp")])
    assert e.value.code == "WAFInvalidParameterException" and "Application Load Balancers" in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        network.add("edge", "waf_web_acl", region="eu-west-1", scope="CLOUDFRONT")
    assert "us-east-1" in str(e.value)
    from archform.providers.base import LimitExceeded
    with pytest.raises(LimitExceeded) as e:
        network.add("big", "waf_web_acl", rule=[{"name": f"r{i}", "priority": i,
                                                 "managed": "AWSManagedRulesCommonRuleSet"} for i in range(3)])
    assert e.value.code == "WAFLimitsExceededException"


def test_an_alarm_is_known_by_its_name_and_starts_without_data(builder):
    topic = builder.add("ops", "sns_topic")
    alarm = builder.add("hot", "cloudwatch_alarm", name="shop-hot", namespace="Shop", metric="Errors", threshold=1,
                        alarm_actions=[builder.ref("ops")])
    assert alarm.id == alarm.outputs["arn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-hot"
    assert alarm.outputs["state"] == "INSUFFICIENT_DATA"
    assert topic.id in alarm.attrs["alarm_actions"]


def test_cloudwatch_refuses_what_put_metric_alarm_refuses(builder):
    from archform.stdlib.types import dur
    with pytest.raises(InvalidParameter) as e:
        builder.add("odd", "cloudwatch_alarm", namespace="Shop", metric="Errors", threshold=1, period=dur("90s"))
    assert e.value.code == "ValidationError" and "multiple of 60" in str(e.value)
    with pytest.raises(InvalidParameter):
        builder.add("mn", "cloudwatch_alarm", namespace="Shop", metric="Errors", threshold=1, evaluation_periods=2,
                    datapoints_to_alarm=3)
    builder.add("far", "sns_topic", region="eu-west-1")
    with pytest.raises(NotFound) as e:  # a topic of another region is not found from this one
        builder.add("x", "cloudwatch_alarm", namespace="Shop", metric="Errors", threshold=1,
                    alarm_actions=[builder.ref("far")])
    assert "us-east-1" in str(e.value)


def test_a_log_group_keeps_its_retention_and_refuses_a_key_of_another_region(builder):
    from archform.stdlib.types import dur
    group = builder.add("app", "log_group", name="/shop/app", retention=dur("30d"))
    assert group.id == "arn:aws:logs:us-east-1:123456789012:log-group:/shop/app" and group.outputs["retention_days"] == 30
    assert group.outputs["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/shop/app"
    builder.add("far_key", "kms_key", region="eu-west-1")
    with pytest.raises(NotFound):  # KMS keys are per region (notes §23.2.1)
        builder.add("enc", "log_group", name="/shop/enc", kms_key=builder.ref("far_key"))
