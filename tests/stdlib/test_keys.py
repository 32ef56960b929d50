"""KMS keys (notes §23.2): each of AWS's rules is one diagnostic at the text at fault (its
rendering kept as a snapshot); rotation is on by default for symmetric keys; a multi-region
primary has replicas in other regions; the kinds that encrypt name a key resource or a key
id/alias, and a key of another region is refused."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  kms_key data {
    multi_region = true
    aliases      = ["alias/orders-data"]
  }

  kms_key plain {
    description = "single-region"
  }
%s
}

region "eu-west-1" as west {
%s
}
'''


REPLICA = '\n  kms_key data {\n    replica_of = east.data\n  }'


def diagnose(east: str = "", west: str = REPLICA):
    desired, diags = resolve_text(BASE % (east, west), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_multi_region_key_and_its_replica_validate_with_rotation_on():
    desired, found = diagnose()
    assert found == []
    data = desired.resources["east.data"].model
    assert data.rotates() and data.effective_usage() == "ENCRYPT_DECRYPT"
    assert str(data.deletion_window) == "30d"
    assert desired.resources["west.data"].model.replica_of.address == "east.data"


def test_an_asymmetric_key_does_not_rotate_by_default():
    desired, found = diagnose('\n  kms_key signer {\n    spec  = RSA_2048\n    usage = SIGN_VERIFY\n  }')
    assert found == []
    assert not desired.resources["east.signer"].model.rotates()


def test_the_kinds_that_encrypt_take_a_key_resource_or_an_alias():
    body = '''
  sqs_queue jobs {
    encryption = kms
    kms_key    = data
  }

  sns_topic events {
    kms_key = "alias/aws/sns"
  }

  s3_bucket files {
    encryption = sse-kms
    kms_key    = plain
  }

  ebs_volume scratch {
    az      = a
    size    = 10GiB
    kms_key = plain
  }'''
    desired, found = diagnose(body)
    assert found == []
    assert desired.resources["east.jobs"].model.kms_key.address == "east.data"
    assert desired.resources["east.events"].model.kms_key == "alias/aws/sns"


LIMITS = {
    "usage_of_another_spec": '\n  kms_key mac {\n    spec  = HMAC_256\n    usage = ENCRYPT_DECRYPT\n  }',
    "ecc_encrypting": '\n  kms_key ecc {\n    spec  = ECC_NIST_P256\n    usage = ENCRYPT_DECRYPT\n  }',
    "rotating_an_asymmetric_key": '\n  kms_key rsa {\n    spec     = RSA_4096\n    usage    = SIGN_VERIFY\n'
                                  '    rotation = true\n  }',
    "deletion_window_too_short": '\n  kms_key short {\n    deletion_window = 3d\n  }',
    "deletion_window_too_long": '\n  kms_key long {\n    deletion_window = 45d\n  }',
    "rotation_period_too_short": '\n  kms_key fast {\n    rotation_period = 30d\n  }',
    "alias_without_prefix": '\n  kms_key named {\n    aliases = ["orders"]\n  }',
    "alias_of_aws": '\n  kms_key named {\n    aliases = ["alias/aws/orders"]\n  }',
    "alias_characters": '\n  kms_key named {\n    aliases = ["alias/orders data"]\n  }',
    "alias_taken": '\n  kms_key again {\n    aliases = ["alias/orders-data"]\n  }',
    "unknown_spec": '\n  kms_key odd {\n    spec = AES_256\n  }',
    "key_policy_without_principal": '\n  kms_key guarded {\n    policy = {\n      Version   = "2012-10-17"\n'
                                    '      Statement = [{ Effect = "Allow", Action = "kms:*", Resource = "*" }]\n'
                                    '    }\n  }',
    "replica_in_its_primary_region": '\n  kms_key copy {\n    replica_of = data\n  }',
    "queue_with_key_of_another_region": '\n  sqs_queue jobs {\n    encryption = kms\n    kms_key    = west.data\n  }',
}

WEST_LIMITS = {
    "replica_of_single_region_key": REPLICA + '\n  kms_key other {\n    replica_of = east.plain\n  }',
    "two_replicas_in_a_region": REPLICA + '\n  kms_key second {\n    replica_of = east.data\n  }',
    "replica_with_its_own_spec": '\n  kms_key data {\n    replica_of = east.data\n    spec       = RSA_2048\n  }',
}


@pytest.mark.parametrize("case", sorted(LIMITS) + sorted(WEST_LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case]) if case in LIMITS else diagnose(west=WEST_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot
