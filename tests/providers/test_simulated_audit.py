"""The modeled cloud's CloudTrail, VPC Flow Logs, AWS Config, composite alarms, dashboards and
subscription filters: AWS's ids and ARNs, and what their APIs refuse."""

from __future__ import annotations

import pytest

from archform.providers.base import Conflict, InvalidParameter, LimitExceeded, NotFound
from archform.stdlib.types import dur


def test_a_trail_is_known_by_its_name_logs_from_the_start_in_every_region(builder):
    builder.add("audit", "s3_bucket")
    trail = builder.add("main", "cloudtrail_trail", name="org-trail", bucket=builder.ref("audit"))
    assert trail.outputs["name"] == "org-trail"
    assert trail.id == trail.outputs["arn"] == "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail"
    assert trail.outputs["is_logging"] and trail.outputs["is_multi_region"] and trail.outputs["log_file_validation"]


def test_a_trail_writes_to_a_central_bucket_of_another_region_but_logs_to_a_group_of_its_own(builder):
    """A central logging bucket may be anywhere (CloudTrail writes where the bucket is); the
    CloudWatch Logs group is delivered in the trail's home region, so one elsewhere is not found."""
    builder.add("central", "s3_bucket", region="eu-west-1")
    trail = builder.add("main", "cloudtrail_trail", bucket=builder.ref("central"))
    assert trail.attrs["bucket"] == builder["central"].id
    builder.add("far_logs", "log_group", region="eu-west-1")
    with pytest.raises(NotFound):
        builder.add("other", "cloudtrail_trail", bucket=builder.ref("central"), log_group=builder.ref("far_logs"))


def test_cloudtrail_refuses_a_sixth_trail_in_a_region_and_a_multi_region_trail_without_global_events(builder):
    builder.add("audit", "s3_bucket")
    with pytest.raises(InvalidParameter) as e:
        builder.add("g", "cloudtrail_trail", bucket=builder.ref("audit"), include_global_events=False)
    assert e.value.code == "InvalidParameterCombinationException"
    for i in range(5):
        builder.add(f"t{i}", "cloudtrail_trail", bucket=builder.ref("audit"), multi_region=False)
    with pytest.raises(LimitExceeded) as e:
        builder.add("t5", "cloudtrail_trail", bucket=builder.ref("audit"), multi_region=False)
    assert e.value.code == "MaximumNumberOfTrailsExceededException"
    builder.add("audit_eu", "s3_bucket", region="eu-west-1")
    builder.add("named", "cloudtrail_trail", name="org", bucket=builder.ref("audit_eu"), multi_region=False,
                region="eu-west-1")
    with pytest.raises(Conflict) as e:
        builder.add("again", "cloudtrail_trail", name="org", bucket=builder.ref("audit_eu"), multi_region=False,
                    region="eu-west-1")
    assert e.value.code == "TrailAlreadyExistsException"


def test_a_flow_log_has_an_fl_id_and_refuses_an_interval_or_a_duplicate_aws_refuses(network):
    r = network.ref
    network.add("flows", "log_group")
    flow = network.add("f", "flow_log", resource=r("main"), destination=r("flows"), aggregation_interval=dur("60s"))
    assert flow.id.startswith("fl-") and len(flow.id) == 20
    assert flow.outputs["arn"] == f"arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/{flow.id}"
    assert flow.outputs["delivery"] == "cloud-watch-logs"
    with pytest.raises(InvalidParameter) as e:
        network.add("g", "flow_log", resource=r("a"), destination=r("flows"), aggregation_interval=dur("300s"))
    assert "Valid values are 60 and 600" in str(e.value)
    with pytest.raises(InvalidParameter) as e:
        network.add("again", "flow_log", resource=r("main"), destination=r("flows"))
    assert e.value.code == "FlowLogAlreadyExists"
    network.add("rejects", "flow_log", resource=r("main"), destination=r("flows"), traffic="REJECT")


def test_a_flow_log_goes_to_a_direct_put_firehose_stream_only(network):
    """Notes §24.7: Firehose is a flow log destination; AWS delivers to Direct PUT streams only."""
    r = network.ref
    network.add("delivery_role", "iam_role", region=None, assumed_by=["firehose"], inline_policies={"deliver": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kinesis:*", "s3:PutObject"],
                                                "Resource": "*"}]}})
    network.add("archive", "s3_bucket")
    network.add("direct", "firehose", role=r("delivery_role"), s3={"bucket": r("archive")})
    flow = network.add("f", "flow_log", resource=r("main"), destination=r("direct"))
    assert flow.outputs["delivery"] == "kinesis-data-firehose"
    network.add("clicks", "kinesis_stream")
    network.add("from_stream", "firehose", source=r("clicks"), role=r("delivery_role"), s3={"bucket": r("archive")})
    with pytest.raises(InvalidParameter) as e:
        network.add("g", "flow_log", resource=r("main"), destination=r("from_stream"))
    assert "Direct PUT" in str(e.value)


def test_config_has_one_recorder_a_region_and_rules_need_their_parameters(builder):
    builder.add("logs", "s3_bucket")
    rec = builder.add("rec", "config_recorder", bucket=builder.ref("logs"))
    assert rec.outputs["name"] == "default" and rec.outputs["recording"]
    assert rec.id.startswith("arn:aws:config:us-east-1:123456789012:configuration-recorder/default/")
    with pytest.raises(LimitExceeded) as e:
        builder.add("rec2", "config_recorder", name="other", bucket=builder.ref("logs"))
    assert e.value.code == "MaxNumberOfConfigurationRecordersExceededException"
    builder.add("logs_eu", "s3_bucket", region="eu-west-1")
    builder.add("rec_eu", "config_recorder", bucket=builder.ref("logs_eu"), region="eu-west-1")  # per region
    rule = builder.add("versioned", "config_rule", identifier="S3_BUCKET_VERSIONING_ENABLED",
                       recorder=builder.ref("rec"))
    assert rule.id.startswith("config-rule-") and len(rule.id) == len("config-rule-") + 6
    assert rule.outputs["arn"] == f"arn:aws:config:us-east-1:123456789012:config-rule/{rule.id}"
    with pytest.raises(InvalidParameter) as e:
        builder.add("tags", "config_rule", identifier="REQUIRED_TAGS", recorder=builder.ref("rec"))
    assert e.value.code == "InvalidParameterValueException" and "tag1Key" in str(e.value)


def test_a_composite_alarm_shares_the_alarms_names_and_refuses_a_rule_naming_a_missing_alarm(builder):
    builder.add("hot", "cloudwatch_alarm", name="shop-hot", namespace="Shop", metric="Errors", threshold=1)
    builder.add("slow", "cloudwatch_alarm", namespace="Shop", metric="Latency", threshold=1)
    both = builder.add("both", "composite_alarm", name="shop-both", alarms=[builder.ref("hot"), builder.ref("slow")],
                       rule='ALARM("shop-hot") AND ALARM(slow)')
    assert both.outputs["arn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-both"
    assert both.outputs["state"] == "INSUFFICIENT_DATA"
    anyone = builder.add("any", "composite_alarm", alarms=[builder.ref("hot"), builder.ref("slow")])
    assert anyone.outputs["rule"] == "ALARM(hot) OR ALARM(slow)"
    with pytest.raises(InvalidParameter) as e:
        builder.add("bad", "composite_alarm", alarms=[builder.ref("hot")], rule="ALARM(hot) OR ALARM(gone)")
    assert "alarms [gone] in the alarm rule do not exist" in str(e.value)
    with pytest.raises(Conflict):  # one namespace for metric and composite alarms
        builder.add("clash", "composite_alarm", name="shop-hot", alarms=[builder.ref("slow")])


def test_a_dashboard_is_global_and_a_log_group_takes_two_subscription_filters(builder):
    board = builder.add("ops", "dashboard", name="ops", widget=[{"name": "t", "markdown": "hi"}])
    assert board.outputs["arn"] == "arn:aws:cloudwatch::123456789012:dashboard/ops"
    with pytest.raises(Conflict):  # dashboards are global: the name is the account's
        builder.add("ops_eu", "dashboard", name="ops", region="eu-west-1")
    builder.add("k", "kinesis_stream")
    subs = [{"name": f"s{i}", "pattern": "", "destination": builder.ref("k")} for i in range(3)]
    group = builder.add("app", "log_group", subscription_filter=subs[:2])
    assert group.outputs["subscription_filters"] == ["s0", "s1"]
    with pytest.raises(InvalidParameter) as e:
        builder.add("app2", "log_group", subscription_filter=subs)
    assert e.value.code == "LimitExceededException"
