"""Every limit the notes (§14, §16.1) and AWS give for queues, topics, functions and event
source mappings, as the user sees it: one diagnostic at the text at fault, kept as a snapshot
(issue 15: "every limit … is a diagnostic with a snapshot test"). API Gateway's are in
test_apigateway.py, workloads' in tests/providers/test_chaos_workload.py."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  iam_role role {
    assumed_by = [lambda]
    policies   = ["service-role/AWSLambdaSQSQueueExecutionRole"]
  }

  sqs_queue jobs {
%(queue)s
  }

  sqs_queue dlq {}

  sns_topic events {
%(topic)s
  }

  lambda_function worker {
    runtime = python3.12
    handler = "worker.handle"
    role    = role
%(function)s

    code {
      file = "worker.zip"
    }
  }

  lambda_event_source feed {
    source   = jobs
    function = worker
%(mapping)s
  }
}
'''

CASES = {
    # SQS (notes §14.1)
    "queue_retention_floor": {"queue": "    retention = 30s"},
    "queue_retention_ceiling": {"queue": "    retention = 15d"},
    "queue_visibility_ceiling": {"queue": "    visibility_timeout = 13h"},
    "queue_long_polling_ceiling": {"queue": "    long_polling = 21s"},
    "queue_delay_ceiling": {"queue": "    delay = 16m"},
    "queue_message_size_ceiling": {"queue": "    max_message_size = 512KiB"},
    "queue_fifo_name": {"queue": "    name = \"orders\"\n    fifo = true"},
    "queue_max_receives_ceiling": {"queue": "    redrive {\n      dead_letter  = dlq\n      max_receives = 1001\n    }"},
    # SNS (notes §14.2)
    "topic_display_name": {"topic": "    display_name = \"" + "x" * 101 + "\""},
    "topic_fifo_to_standard_queue": {"topic": "    name = \"events.fifo\"\n    fifo = true\n\n    subscription work {\n"
                                              "      protocol = sqs\n      target   = jobs\n    }"},
    "topic_sms_endpoint": {"topic": "    subscription pager {\n      protocol = sms\n      endpoint = \"555-0100\"\n    }"},
    # Lambda (notes §16.1)
    "function_memory_floor": {"function": "    memory  = 64MiB"},
    "function_memory_ceiling": {"function": "    memory  = 20GiB"},
    "function_timeout_ceiling": {"function": "    timeout = 16m"},
    "function_storage_ceiling": {"function": "    ephemeral_storage = 11GiB"},
    "function_environment_size": {"function": "    environment = { BIG = \"" + "x" * 4100 + "\" }"},
    "function_reserved_ceiling": {"function": "    reserved_concurrency = 950"},
    "function_deprecated_runtime": {"function": "    runtime = python3.9", "replace_runtime": True},
    "function_layer_count": {"function": "    layers  = [" + ", ".join(
        f'"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1"' for i in range(6)) + "]"},
    "function_layer_region": {"function": "    layers  = [\"arn:aws:lambda:eu-west-1:123456789012:layer:deps:3\"]"},
    "function_layer_arn": {"function": "    layers  = [\"deps:3\"]"},
    "function_alias_name": {"function": '\n    alias "42" {}'},
    "function_alias_and_version_provisioned": {"function": "    provisioned_concurrency = 2\n\n"
                                                           "    alias live {\n      provisioned_concurrency = 2\n    }"},
    # event source mappings (notes §14.1, §16.1)
    "mapping_batch_ceiling": {"mapping": "    batch_size      = 10001\n    batching_window = 1s"},
    "mapping_batch_needs_window": {"mapping": "    batch_size = 100"},
    "mapping_window_ceiling": {"mapping": "    batching_window = 301s"},
    "mapping_visibility_below_timeout": {"queue": "    visibility_timeout = 10s",
                                         "function": "    timeout = 30s"},
}


def source(case: dict) -> str:
    parts = {k: case.get(k, "") for k in ("queue", "topic", "function", "mapping")}
    text = BASE % parts
    if case.get("replace_runtime"):  # the case's runtime instead of the base's
        text = text.replace("    runtime = python3.12\n", "", 1)
    return text


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_limit_is_one_diagnostic_at_the_text_at_fault(name, snapshot):
    _, diags = resolve_text(source(CASES[name]), "main.arch")
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, [d.summary for d in diags]
    assert render(errors[0]) == snapshot
