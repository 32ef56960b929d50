"""S3 event notifications (notes §10.9): AWS's rules as diagnostics, and CloudFormation that S3
accepts the first time — the destination's policy lets S3 send, and the bucket waits for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from archform.dsl.resolve import resolve_text

ROOT = Path(__file__).resolve().parents[2]

BASE = '''region "us-east-1" as east {
  s3_bucket uploads {
    bucket = "archform-test-uploads"
%s
  }

  sns_topic topic {
    encryption = none
  }

  sns_topic managed {}

  sqs_queue queue {}

  sqs_queue ordered {
    fifo = true
  }

  sqs_queue managed_queue {
    encryption = kms
  }
}
'''


def problems(body: str) -> list[str]:
    _, diags = resolve_text(BASE % body, "main.arch")
    return [d.summary for d in diags if d.is_error]


def test_a_notification_to_a_topic_and_a_queue_validates():
    body = ('    notification a {\n      target = topic\n      prefix = "in/"\n    }\n'
            '    notification b {\n      target = queue\n      prefix = "out/"\n    }')
    assert problems(body) == []


@pytest.mark.parametrize("body, message", [
    ('    notification a {\n      events = ["s3:ObjectCreated:Upload"]\n      target = topic\n    }',
     "'s3:ObjectCreated:Upload' is not an S3 event type"),
    ('    notification a {\n      target = ordered\n    }', "S3 cannot notify a FIFO queue"),
    ('    notification a {\n      target = managed\n    }', "encrypted with the AWS-managed key alias/aws/sns"),
    ('    notification a {\n      target = managed_queue\n    }', "encrypted with the AWS-managed key alias/aws/sqs"),
    ('    notification a {\n      target = topic\n      prefix = "in/"\n    }\n'
     '    notification b {\n      events = ["s3:ObjectCreated:Put"]\n      target = queue\n      prefix = "in/raw/"\n    }',
     "notifications 'a' and 'b' overlap"),
])
def test_each_rule_is_one_diagnostic(body, message):
    found = problems(body)
    assert len(found) == 1 and message in found[0], found


def test_disjoint_filters_or_event_types_do_not_overlap():
    suffixes = ('    notification a {\n      target = topic\n      suffix = ".jpg"\n    }\n'
                '    notification b {\n      target = queue\n      suffix = ".png"\n    }')
    kinds = ('    notification a {\n      target = topic\n    }\n'
             '    notification b {\n      events = ["s3:ObjectRemoved:*"]\n      target = queue\n    }')
    assert problems(suffixes) == [] and problems(kinds) == []


def test_templates_let_s3_send_and_make_the_bucket_wait():
    from archform.providers.cloudformation import generate
    result = generate(ROOT / "examples" / "fan_out.arch", {})
    assert result.ok
    res = {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}
    bucket = res["PrimaryUploads"]
    assert bucket["DependsOn"] == "PrimaryUploadsTopicPolicy"
    config = bucket["Properties"]["NotificationConfiguration"]
    assert config == {"TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": {"Ref": "PrimaryUploadsTopic"}}]}
    (statement,) = res["PrimaryUploadsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"} and statement["Action"] == "sns:Publish"
    # the bucket's ARN by its name: a reference would make the policy wait for the bucket, and the
    # bucket waits for the policy
    assert statement["Condition"] == {"ArnLike": {"aws:SourceArn": {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::archform-example-uploads"}}}
