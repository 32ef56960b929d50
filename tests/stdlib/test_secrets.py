"""Secrets Manager secrets and SSM parameters (notes §23.3, §23.4): each of AWS's rules is one
diagnostic at the text at fault (its rendering kept as a snapshot); a secret generates its
password unless given one; values are sensitive; a SecureString cannot be made by
CloudFormation, and the generator says so."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPC

BASE = '''sensitive param token: string = "a-token-from-the-vault"

region "us-east-1" as east {
  s3_bucket code {}

  iam_role rotator_role {
    assumed_by = [lambda]
  }

  lambda_function rotator {
    runtime = python3.12
    handler = "index.handler"
    role    = rotator_role

    code {
      bucket = code
      key    = "rotator.zip"
    }
  }
%s
}
'''

SECRET = '''
  secret db {
    rotation {
      function = rotator
      every    = 30d
    }

    replica_regions = ["eu-west-1"]
  }'''


DB = SECRET + '''

''' + TWO_AZ_VPC + '''
  rds orders {
    engine                 = postgres
    instance_class         = db.t3.micro
    subnets                = [a, b]
    master_password_secret = db
  }'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_secret_generates_its_password_and_rotates():
    desired, found = diagnose(SECRET)
    assert found == []
    db = desired.resources["east.db"].model
    assert db.generates() and db.value is None and str(db.recovery_window) == "30d"


def test_values_are_sensitive():
    body = ('\n  secret api {\n    value = token\n  }\n\n  ssm_parameter key {\n    name         = "/shop/key"\n'
            '    type         = SecureString\n    secure_value = token\n  }')
    desired, found = diagnose(body)
    assert found == []
    assert "value" in desired.resources["east.api"].sensitive
    assert "secure_value" in desired.resources["east.key"].sensitive


def test_a_database_takes_its_master_password_from_a_secret():
    desired, found = diagnose(DB)
    assert found == []
    orders = desired.resources["east.orders"].model
    assert orders.master_password_secret.address == "east.db" and orders.manage_master_password is False


def test_a_string_list_is_stored_comma_separated():
    desired, found = diagnose('\n  ssm_parameter zones {\n    name  = "/shop/zones"\n    type  = StringList\n'
                              '    value = ["a", "b", "c"]\n  }')
    assert found == []
    assert desired.resources["east.zones"].model.stored() == "a,b,c"


LIMITS = {
    "value_and_generate": '\n  secret both {\n    value = token\n\n    generate {\n      length = 20\n    }\n  }',
    "password_too_long": '\n  secret long {\n    generate {\n      length = 5000\n    }\n  }',
    "template_without_key": '\n  secret json {\n    generate {\n      template = "{}"\n    }\n  }',
    "rotation_too_often": SECRET.replace("30d", "12h"),
    "rotation_too_rare": SECRET.replace("30d", "1200d"),
    "replica_in_own_region": SECRET.replace("eu-west-1", "us-east-1"),
    "replica_twice": SECRET.replace('["eu-west-1"]', '["eu-west-1", "eu-west-1"]'),
    "recovery_window_too_short": '\n  secret quick {\n    recovery_window = 1d\n  }',
    "secret_name_characters": '\n  secret named {\n    name = "shop db"\n  }',
    "secret_name_like_suffix": '\n  secret named {\n    name = "shop-db-abc123"\n  }',
    "rotation_function_of_wrong_kind": SECRET.replace("function = rotator", "function = code"),
    "parameter_reserved_name": '\n  ssm_parameter p {\n    name  = "/aws/shop"\n    value = "x"\n  }',
    "parameter_relative_hierarchy": '\n  ssm_parameter p {\n    name  = "shop/prod/url"\n    value = "x"\n  }',
    "parameter_too_deep": '\n  ssm_parameter p {\n    name  = "' + "/l" * 16 + '"\n    value = "x"\n  }',
    "parameter_name_characters": '\n  ssm_parameter p {\n    name  = "/shop/db url"\n    value = "x"\n  }',
    "parameter_without_value": '\n  ssm_parameter p {\n    name = "/shop/url"\n  }',
    "standard_value_over_4kb": '\n  ssm_parameter p {\n    name  = "/shop/blob"\n    value = "' + "x" * 4097 + '"\n  }',
    "advanced_value_over_8kb": '\n  ssm_parameter p {\n    name  = "/shop/blob"\n    tier  = Advanced\n'
                               '    value = "' + "x" * 8193 + '"\n  }',
    "secure_string_in_value": '\n  ssm_parameter p {\n    name  = "/shop/key"\n    type  = SecureString\n'
                              '    value = token\n  }',
    "secure_value_on_a_string": '\n  ssm_parameter p {\n    name         = "/shop/key"\n    secure_value = token\n  }',
    "kms_key_on_a_string": '\n  kms_key k {}\n\n  ssm_parameter p {\n    name    = "/shop/url"\n    value   = "x"\n'
                           '    kms_key = k\n  }',
    "list_on_a_string": '\n  ssm_parameter p {\n    name  = "/shop/zones"\n    value = ["a", "b"]\n  }',
    "value_against_pattern": '\n  ssm_parameter p {\n    name            = "/shop/port"\n    value           = "http"\n'
                             '    allowed_pattern = "^[0-9]+$"\n  }',
    "database_secret_and_password": DB.replace("master_password_secret = db", "master_password_secret = db\n"
                                               "    master_password        = token\n    manage_master_password = false"),
    "database_secret_and_managed": DB.replace("master_password_secret = db", "master_password_secret = db\n"
                                              "    manage_master_password = true"),
    "unknown_tier": '\n  ssm_parameter p {\n    name  = "/shop/url"\n    tier  = Premium\n    value = "x"\n  }',
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_secret_value_is_never_quoted_in_a_diagnostic():
    _, found = diagnose(LIMITS["secure_string_in_value"])
    assert found and all("a-token-from-the-vault" not in render(d) for d in found)
