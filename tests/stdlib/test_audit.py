"""CloudTrail trails, VPC Flow Logs, AWS Config, composite alarms, dashboards and subscription
filters (notes §21.1–§21.3, §24.7): safe defaults a user relies on, and each of AWS's rules one
diagnostic at the text at fault."""

from __future__ import annotations

import pytest

from archform.dsl.resolve import resolve_text
from archform.stdlib import alarm_rule

BASE = '''region "us-east-1" as east {
  vpc main {
    cidr = 10.0.0.0/16
  }

  s3_bucket audit {
    versioning = true
  }

  log_group events {}

  kinesis_stream feed {}

  cloudwatch_alarm hot {
    namespace = "AWS/EC2"
    metric    = "CPUUtilization"
    threshold = 80
  }

  cloudwatch_alarm errors {
    name      = "shop-errors"
    namespace = "Shop"
    metric    = "Errors"
    threshold = 1
  }
BODY
}
'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE.replace("BODY", body), "main.arch")
    return desired, [d for d in diags if d.is_error], [d for d in diags if d.severity == "warning"]


def test_the_defaults_are_the_safe_ones():
    desired, errors, _ = diagnose('''
  cloudtrail_trail trail { bucket = audit }
  flow_log flows { resource = main, destination = events }
  config_recorder rec { bucket = audit }
  config_rule versioned { identifier = S3_BUCKET_VERSIONING_ENABLED, recorder = rec }
  composite_alarm page { alarms = [hot, errors] }''')
    assert errors == []
    trail = desired.resources["east.trail"].model
    # AWS's API leaves log file validation off and a trail single-region: archform turns both on
    assert trail.multi_region is True and trail.log_file_validation is True and trail.management_events == "all"
    flows = desired.resources["east.flows"].model
    assert flows.traffic == "ALL" and flows.aggregation_interval.seconds == 600
    rec = desired.resources["east.rec"].model
    assert rec.name == "default" and rec.all_supported is True
    # without a rule, a composite alarm is in ALARM when any member is
    assert desired.resources["east.page"].model.rule_text() == "ALARM(hot) OR ALARM(errors)"


CASES = {  # name: (body, the phrase of the one error)
    "third_subscription_filter": ('\n  log_group app {\n' + ''.join(
        f'    subscription_filter s{i} {{ destination = feed }}\n' for i in range(3)) + '  }',
        "at most 2 subscription filters"),
    "distribution_to_lambda": ('\n  iam_role fn_role { assumed_by = [lambda] }\n  lambda_function fn {\n'
                               '    runtime = nodejs22.x\n    handler = "index.handler"\n    role = fn_role\n'
                               '    code {\n      bucket = audit\n      key = "fn.zip"\n    }\n  }\n  log_group app {\n'
                               '    subscription_filter s { destination = fn, distribution = random }\n  }',
                               "distribution is for a subscription filter delivering to a Kinesis stream"),
    "flow_log_interval": ("\n  flow_log f {\n    resource = main\n    destination = events\n"
                          "    aggregation_interval = 2m\n  }", "aggregates over 60s or 600s"),
    "flow_log_parquet_to_logs": ("\n  flow_log f {\n    resource = main\n    destination = events\n"
                                 "    file_format = parquet\n  }", "file_format is for flow logs delivered to S3"),
    "flow_log_unknown_field": ('\n  flow_log f {\n    resource = main\n    destination = audit\n'
                               '    fields = ["srcaddr", "dst-addr"]\n  }', "not a valid flow log field"),
    "trail_without_global_events": ("\n  cloudtrail_trail t {\n    bucket = audit\n"
                                    "    include_global_events = false\n  }", "include_global_events cannot be false"),
    "trail_recording_nothing": ("\n  cloudtrail_trail t {\n    bucket = audit\n    management_events = none\n  }",
                                "this trail records nothing"),
    "trail_name": ('\n  cloudtrail_trail t {\n    bucket = audit\n    name = "-x"\n  }', "a trail's name is 3–128"),
    "recorder_types_and_all": ('\n  config_recorder r {\n    bucket = audit\n'
                               '    resource_types = ["AWS::EC2::Instance"]\n  }', "not both"),
    "recorder_bad_type": ('\n  config_recorder r {\n    bucket = audit\n    all_supported = false\n'
                          '    resource_types = ["EC2::Instance"]\n  }', "written AWS::Service::Resource"),
    "rule_frequency": ("\n  config_recorder r { bucket = audit }\n  config_rule c {\n"
                       "    identifier = ACCESS_KEYS_ROTATED\n    recorder = r\n"
                       '    parameters = { maxAccessKeyAge = "90" }\n    frequency = 2h\n  }',
                       "AWS Config runs every 1h, 3h, 6h, 12h or 24h"),
    "composite_not_a_member": ('\n  composite_alarm c {\n    alarms = [hot]\n'
                               '    rule = "ALARM(hot) AND ALARM(shop-errors)"\n  }',
                               "the rule names 'shop-errors', which is not one of this composite alarm's alarms"),
    "composite_unclosed": ('\n  composite_alarm c {\n    alarms = [hot]\n    rule = "(ALARM(hot) OR TRUE"\n  }',
                           "a '(' is not closed"),
    "composite_of_itself": ('\n  composite_alarm c {\n    alarms = [hot, c]\n    rule = "ALARM(hot)"\n  }',
                            "a composite alarm cannot watch itself"),
    "dashboard_widget_of_nothing": ("\n  dashboard d {\n    widget empty { title = \"?\" }\n  }",
                                    "widget 'empty' shows one of"),
    "dashboard_name": ('\n  dashboard d {\n    name = "ops board"\n  }', "a dashboard's name is 1–255"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_is_one_diagnostic(case):
    body, phrase = CASES[case]
    _, errors, _ = diagnose(body)
    assert len(errors) == 1, [d.summary for d in errors]
    from archform.dsl.diagnostics import render
    assert phrase in render(errors[0])


def test_a_member_the_rule_leaves_out_is_a_warning():
    _, errors, warnings = diagnose('\n  composite_alarm c {\n    alarms = [hot, errors]\n    rule = "ALARM(hot)"\n  }')
    assert errors == []
    assert [w.summary for w in warnings if "the rule does not name it" in w.summary]


def test_two_recorders_recording_global_resources_is_a_warning():
    text = BASE.replace("BODY", "\n  config_recorder r { bucket = audit }") + '''
region "eu-west-1" as ireland {
  s3_bucket audit { versioning = true }
  config_recorder r { bucket = audit }
}
'''
    _, diags = resolve_text(text, "main.arch")
    warned = [d for d in diags if d.severity == "warning" and "global IAM resources" in d.summary]
    assert len(warned) == 1 and not [d for d in diags if d.is_error]


def test_a_composite_rule_parses_with_aws_precedence_and_evaluates_over_states():
    tree = alarm_rule.parse('ALARM(a) OR ALARM("b-2") AND NOT OK(c)')
    assert alarm_rule.names(tree) == ["a", "b-2", "c"]
    assert alarm_rule.holds(tree, {"a": "ALARM"})  # OR binds last
    assert not alarm_rule.holds(tree, {"b-2": "ALARM", "c": "OK"})
    assert alarm_rule.holds(tree, {"b-2": "ALARM", "c": "INSUFFICIENT_DATA"})
    assert alarm_rule.holds(alarm_rule.parse("(TRUE)"), {})
    for bad in ("", "ALARM()", "ALARM(a) AND", "ALARM(a) ALARM(b)", "alarm(a)", "ALARM(a))", "x" * 10_241):
        with pytest.raises(alarm_rule.RuleError):
            alarm_rule.parse(bad)


def test_a_long_or_deep_rule_is_a_diagnostic_or_a_flat_tree_never_a_recursion_error():
    """The longest rule AWS takes (10,240 characters) is ~780 ANDed states: one node, evaluated
    without recursing per term; nesting beyond MAX_DEPTH is refused where it goes too deep."""
    long = alarm_rule.parse(" AND ".join(["ALARM(a)"] * 780))
    assert len(long.args) == 780 and alarm_rule.holds(long, {"a": "ALARM"})
    for deep in ("NOT " * 300 + "ALARM(a)", "(" * 300 + "ALARM(a)" + ")" * 300):
        with pytest.raises(alarm_rule.RuleError, match="more than 100 deep"):
            alarm_rule.parse(deep)


FIREHOSE = '''
  iam_role delivery {
    assumed_by      = [firehose]
    inline_policies = {
      write = {
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = ["s3:PutObject"], Resource = "*" }]
      }
    }
  }

  firehose flows_out {
    role = delivery

    s3 {
      bucket = audit
    }
  }

  flow_log flows {
    resource    = main
    destination = flows_out
  }'''


def test_a_flow_log_goes_to_a_direct_put_firehose_stream_without_a_role(tmp_path):
    """Notes §24.7: flow logs go to S3, CloudWatch Logs or Firehose; a same-account Firehose
    stream takes them by ARN, with no delivery role (as S3)."""
    from archform.providers.cloudformation import generate
    _, errors, _ = diagnose(FIREHOSE)
    assert errors == [], [d.summary for d in errors]
    source = tmp_path / "flows.arch"
    source.write_text(BASE.replace("BODY", FIREHOSE))
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    resources = {k: v for _, body in result.templates for k, v in body["Resources"].items()}
    (flow,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::FlowLog"]
    assert flow["LogDestinationType"] == "kinesis-data-firehose"
    assert flow["LogDestination"] == {"Fn::GetAtt": ["EastFlowsOut", "Arn"]}
    assert "DeliverLogsPermissionArn" not in flow and "LogGroupName" not in flow
