"""The limits of Kinesis, Firehose, EventBridge and Step Functions as the user sees them: one
diagnostic at the text at fault, kept as a snapshot (issue 15: every limit a diagnostic with a
snapshot test). The rules themselves are tested in test_streaming.py and test_events.py."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  iam_role delivery {
    assumed_by      = [firehose]
    inline_policies = {
      write = {
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = ["s3:PutObject", "kinesis:GetRecords", "kinesis:DescribeStream"], Resource = "*" }]
      }
    }
  }

  iam_role flows {
    assumed_by = [states, events]
  }

  s3_bucket lake {}

  sqs_queue jobs {}

  kinesis_stream clicks {
%(stream)s
  }

  firehose to_lake {
    source = clicks
    role   = delivery

    s3 {
      bucket = lake
%(firehose)s
    }
  }

  event_rule placed {
%(rule)s

    target jobs {
      resource = jobs
%(target)s
    }
  }

  state_machine flow {
    role       = flows
%(machine)s
  }
}
'''

DEFAULTS = {"stream": "", "firehose": "", "rule": '    pattern = { source = ["shop"] }', "target": "",
            "machine": '    definition = { StartAt = "Done", States = { Done = { Type = "Succeed" } } }'}

CASES = {
    # Kinesis (notes §14.3)
    "stream_retention_floor": {"stream": "    retention = 12h"},
    "stream_retention_ceiling": {"stream": "    retention = 400d"},
    "stream_provisioned_needs_shards": {"stream": "    mode = provisioned"},
    "stream_on_demand_takes_no_shards": {"stream": "    shards = 2"},
    # Firehose (notes §14.4)
    "firehose_buffer_size_ceiling": {"firehose": "      buffer_size = 256MiB"},
    "firehose_buffer_interval_ceiling": {"firehose": "      buffer_interval = 901s"},
    # EventBridge
    "rule_schedule_rate_unit": {"rule": '    schedule = "rate(5 minute)"'},
    "rule_pattern_and_schedule": {"rule": '    pattern  = { source = ["shop"] }\n    schedule = "rate(5 minutes)"'},
    "target_retry_age_floor": {"target": "\n      retry {\n        max_age = 30s\n      }"},
    "target_retry_count_ceiling": {"target": "\n      retry {\n        max_retries = 186\n      }"},
    # Step Functions
    "machine_start_at_unknown": {"machine": '    definition = { StartAt = "Begin", States = { Done = { Type = "Succeed" } } }'},
    "machine_express_timeout": {"machine": '    type       = express\n    definition = { StartAt = "Wait", '
                                           'TimeoutSeconds = 600, States = { Wait = { Type = "Wait", Seconds = 1, '
                                           'End = true } } }'},
}


def source(case: dict) -> str:
    return BASE % {**DEFAULTS, **case}


def test_the_base_is_valid():
    _, diags = resolve_text(source({}), "main.arch")
    assert [d.summary for d in diags if d.is_error] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_limit_is_one_diagnostic_at_the_text_at_fault(name, snapshot):
    _, diags = resolve_text(source(CASES[name]), "main.arch")
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, [d.summary for d in diags if d.is_error]
    assert render(errors[0]) == snapshot
