"""CloudWatch alarms and log groups (notes §21.1): each of AWS's rules is one diagnostic at the
text at fault (its rendering kept as a snapshot): an alarm's period, M of N datapoints, 30
dimensions, its actions (SNS, a step or simple scaling policy, EC2 recovery on a system
status check); a log group's retention among AWS's periods, 1 day to 10 years or never."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPC

BASE = '''region "us-east-1" as east {
''' + TWO_AZ_VPC + '''
  instance box {
    ami           = "ami-0abcdef1234567890"
    instance_type = t3.micro
    subnet        = a
  }

  autoscaling_group fleet {
    subnets = [a, b]
    min     = 2
    max     = 6

    launch {
      ami           = "ami-0abcdef1234567890"
      instance_type = t3.micro
    }

    scaling_policy cpu {
      metric = cpu
      target = 50%
    }

    scaling_policy burst {
      type       = step
      metric     = cpu
      threshold  = 80%
      adjustment = 2
    }
  }

  kms_key ops_key {}

  sns_topic ops {
    kms_key = ops_key
  }

  sns_topic plain {}
BODY
}
'''

ALARM = '''
  cloudwatch_alarm hot {
    namespace           = "AWS/EC2"
    metric              = "CPUUtilization"
    dimensions          = { AutoScalingGroupName = fleet.name }
    period              = 1m
    evaluation_periods  = 3
    datapoints_to_alarm = 2
    threshold           = 80
    alarm_actions       = [ops]

    scale {
      group  = fleet
      policy = "burst"
    }
  }'''

LOGS = '''
  log_group app {
    name      = "/shop/app"
    retention = 30d

    metric_filter errors {
      pattern   = "ERROR"
      namespace = "Shop"
      metric    = "Errors"
    }
  }'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE.replace("BODY", body), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_an_alarm_and_a_log_group_validate_with_their_defaults():
    desired, found = diagnose(ALARM + "\n" + LOGS + '\n\n  log_group forever {\n    retention = never\n  }'
                              '\n\n  log_group defaults {}')
    assert found == []
    hot = desired.resources["east.hot"].model
    assert hot.needed() == 2 and hot.statistic == "Average" and hot.missing_data == "missing"
    assert desired.resources["east.app"].model.retention_days() == 30
    assert desired.resources["east.forever"].model.retention_days() is None
    assert desired.resources["east.defaults"].model.retention_days() == 365


def test_an_instance_is_recovered_on_its_system_status_check():
    _, found = diagnose('\n  cloudwatch_alarm recovery {\n    metric     = "StatusCheckFailed_System"\n'
                        '    statistic  = Maximum\n    threshold  = 1\n    instance   = box\n    ec2_action = recover\n  }')
    assert found == []


LIMITS = {
    "period_not_a_multiple_of_60": ALARM.replace("period              = 1m", "period              = 90s"),
    "period_of_20s": ALARM.replace("period              = 1m", "period              = 20s"),
    "more_datapoints_than_periods": ALARM.replace("datapoints_to_alarm = 2", "datapoints_to_alarm = 4"),
    "zero_evaluation_periods": ALARM.replace("evaluation_periods  = 3", "evaluation_periods  = 0"),
    "too_many_dimensions": ALARM.replace("{ AutoScalingGroupName = fleet.name }",
                                         "{ " + ", ".join(f'D{i} = "x"' for i in range(31)) + " }"),
    "statistic_and_percentile": ALARM.replace("threshold           = 80",
                                              "threshold           = 80\n    statistic = Maximum\n    percentile = 99"),
    "percentile_out_of_range": ALARM.replace("threshold           = 80", "threshold           = 80\n    percentile = 100"),
    "unknown_comparison": ALARM.replace("threshold           = 80", "threshold           = 80\n    comparison = \"=\""),
    "missing_namespace": ALARM.replace('    namespace           = "AWS/EC2"\n', ""),
    "scaling_policy_not_there": ALARM.replace('policy = "burst"', 'policy = "bursts"'),
    "target_tracking_policy": ALARM.replace('policy = "burst"', 'policy = "cpu"'),
    "action_not_a_topic": ALARM.replace("alarm_actions       = [ops]", "alarm_actions       = [fleet]"),
    "ec2_action_without_instance": ALARM + '\n\n  cloudwatch_alarm stop {\n    namespace  = "AWS/EC2"\n'
                                           '    metric     = "CPUUtilization"\n    threshold  = 1\n'
                                           '    ec2_action = stop\n  }',
    "recover_on_another_metric": '\n  cloudwatch_alarm recovery {\n    metric     = "CPUUtilization"\n'
                                 '    threshold  = 1\n    instance   = box\n    ec2_action = recover\n  }',
    "topic_with_aws_managed_key": ALARM.replace("alarm_actions       = [ops]", "alarm_actions       = [plain]"),
    "retention_not_allowed": LOGS.replace("30d", "45d"),
    "retention_over_ten_years": LOGS.replace("30d", "4000d"),
    "log_group_name": LOGS.replace('"/shop/app"', '"/shop app"'),
    "filters_on_infrequent_access": LOGS.replace('retention = 30d', 'retention = 30d\n    log_class = INFREQUENT_ACCESS'),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_health_check_on_an_alarm_of_another_region_is_one_diagnostic(snapshot):
    text = BASE.replace("BODY", ALARM) + '''
health_check hot_check {
  type         = cloudwatch_alarm
  alarm        = east.hot
  alarm_region = "eu-west-1"
}
'''
    _, diags = resolve_text(text, "main.arch")
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, [d.summary for d in diags]
    assert render(errors[0]) == snapshot
