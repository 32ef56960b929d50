"""DocumentDB, Neptune, RDS Proxy and MSK (issue 16): each rule is one diagnostic at the text at
fault (its rendering kept as a snapshot), and the defaults are the safe ones."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPCS

BASE = '''region "us-east-1" as east {
''' + TWO_AZ_VPCS + '''
  subnet c {
    vpc  = main
    cidr = 10.0.3.0/24
    az   = c
  }

  subnet a2 {
    vpc  = main
    cidr = 10.0.4.0/24
    az   = a
  }

  subnet elsewhere {
    vpc  = other
    cidr = 10.9.1.0/24
    az   = b
  }

  subnet elsewhere_c {
    vpc  = other
    cidr = 10.9.2.0/24
    az   = c
  }

  security_group db_sg {
    vpc = main
  }

  aurora orders {
    engine         = postgresql
    instance_class = db.r6g.large
    subnets        = [a, b, c]
  }

  rds legacy {
    engine         = oracle
    instance_class = db.m5.large
    subnets        = [a, b]
  }

  rds keyed {
    engine                 = mysql
    instance_class         = db.m5.large
    subnets                = [a, b]
    manage_master_password = false
    master_password        = "a-long-password-1"
  }

  rds mirror {
    replica_of     = keyed
    instance_class = db.m5.large
  }

  rds far {
    engine         = postgres
    instance_class = db.m5.large
    subnets        = [elsewhere, elsewhere_c]
  }

%s
}
'''

DOCDB = '''  documentdb_cluster docs {
    instance_class  = db.r6g.large
    instances       = 3
    subnets         = [a, b, c]
    security_groups = [db_sg]
  }'''

NEPTUNE = '''  neptune_cluster graph {
    instance_class = db.r6g.large
    subnets        = [a, b, c]
  }'''

PROXY = '''  rds_proxy pool {
    target          = orders
    subnets         = [a, b]
    security_groups = [db_sg]
  }'''

MSK = '''  msk_cluster events {
    subnets         = [a, b, c]
    security_groups = [db_sg]
  }'''


LAMBDA = '''

  iam_role fn_role {
    assumed_by = ["lambda"]
  }

  lambda_function api {
    runtime     = "python3.12"
    handler     = "app.handle"
    role        = fn_role
    environment = { DB_HOST = pool.endpoint }

    code {
      file = "app.zip"
    }
  }'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_each_kind_validates_with_safe_defaults():
    desired, found = diagnose("\n\n".join((DOCDB, NEPTUNE, PROXY, MSK)))
    assert found == []
    docs = desired.resources["east.docs"].model
    assert (docs.encrypted, docs.port, docs.engine_version, docs.manage_master_password) == (True, 27017, "5.0.0", True)
    assert docs.backup_retention.seconds == 7 * 86400
    graph = desired.resources["east.graph"].model
    assert (graph.iam_auth, graph.encrypted, graph.port, graph.instances) == (True, True, 8182, 2)
    pool = desired.resources["east.pool"].model
    assert (pool.require_tls, pool.iam_auth, pool.max_connections_percent) == (True, True, 100)
    assert str(pool.idle_client_timeout) == "30m"
    events = desired.resources["east.events"].model
    assert (events.brokers, events.in_transit, events.in_cluster_encryption, events.client_auth) == \
        (3, "tls", True, ["iam"])
    assert "master_password" in type(docs).sensitive


def test_a_proxy_of_a_database_with_its_own_password_lists_secrets():
    arn = '"arn:aws:secretsmanager:us-east-1:123456789012:secret:keyed-AbCdEf"'
    body = PROXY.replace("target          = orders", f"target          = keyed\n    secrets         = [{arn}]")
    assert diagnose(body)[1] == []


def test_a_function_in_the_proxy_s_vpc_reaches_it():
    body = PROXY + LAMBDA.replace('    role        = fn_role', '    role        = fn_role\n    subnets     = [a, b]\n'
                                  '    security_groups = [db_sg]').replace(
        'assumed_by = ["lambda"]', 'assumed_by = ["lambda"]\n    policies   = ["service-role/AWSLambdaVPCAccessExecutionRole"]')
    assert [d.summary for d in diagnose(body)[1] if d.is_error] == []


def test_an_unauthenticated_plaintext_cluster_is_warned():
    _, found = diagnose(_with(MSK, "    in_transit  = plaintext\n    client_auth = [unauthenticated]"))
    assert [d.severity for d in found] == ["warning"]
    assert "in clear text" in found[0].summary


def _with(block: str, extra: str) -> str:
    return block[:-4] + "\n" + extra + "\n  }"


LIMITS = {
    # DocumentDB
    "docdb_backups_off": _with(DOCDB, "    backup_retention = 0d"),
    "docdb_backups_too_long": _with(DOCDB, "    backup_retention = 36d"),
    "docdb_partial_day": _with(DOCDB, "    backup_retention = 36h"),
    "docdb_too_many_instances": DOCDB.replace("instances       = 3", "instances       = 17"),
    "docdb_instance_class": DOCDB.replace("db.r6g.large", "db.m5.large"),
    "docdb_one_az": DOCDB.replace("[a, b, c]", "[a, a2]"),
    "docdb_no_subnets": DOCDB.replace("[a, b, c]", "[]"),
    "docdb_two_vpcs": DOCDB.replace("[a, b, c]", "[a, elsewhere]"),
    "docdb_kms_unencrypted": _with(DOCDB, '    encrypted = false\n    kms_key   = "alias/docs"'),
    "docdb_short_password": _with(DOCDB, '    manage_master_password = false\n    master_password        = "short"'),
    "docdb_password_and_managed": _with(DOCDB, '    manage_master_password = true\n'
                                               '    master_password        = "a-long-password-1"'),
    "docdb_password_characters": _with(DOCDB, '    manage_master_password = false\n'
                                              '    master_password        = "has/slash-and@at"'),
    "docdb_username": _with(DOCDB, '    master_username = "9admin"'),
    "docdb_engine_version": _with(DOCDB, '    engine_version = "6.0"'),
    "docdb_promotion_tiers_count": _with(DOCDB, "    promotion_tiers = [0, 1]"),
    "docdb_promotion_tier_range": _with(DOCDB, "    promotion_tiers = [0, 1, 16]"),
    # Neptune
    "neptune_backups_off": _with(NEPTUNE, "    backup_retention = 0d"),
    "neptune_too_many_instances": _with(NEPTUNE, "    instances = 20"),
    "neptune_instance_class": NEPTUNE.replace("db.r6g.large", "db.m6g.large"),
    "neptune_engine_version": _with(NEPTUNE, '    engine_version = "2.0"'),
    "neptune_one_az": NEPTUNE.replace("[a, b, c]", "[a2]"),
    # RDS Proxy
    "proxy_engine_family": _with(PROXY, "    engine_family = mysql"),
    "proxy_unsupported_engine": PROXY.replace("target          = orders", "target          = legacy"),
    "proxy_of_a_replica": PROXY.replace("target          = orders", "target          = mirror\n"
                                        '    secrets         = ["arn:aws:secretsmanager:us-east-1:123456789012:'
                                        'secret:m-AbCdEf"]'),
    "proxy_needs_secrets": PROXY.replace("target          = orders", "target          = keyed"),
    "proxy_secret_arn": _with(PROXY, '    secrets = ["orders-password"]'),
    "proxy_secret_region": _with(PROXY, '    secrets = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf"]'),
    "proxy_one_az": PROXY.replace("[a, b]", "[a, a2]"),
    "proxy_no_subnets": PROXY.replace("[a, b]", "[]"),
    "proxy_other_vpc": PROXY.replace("target          = orders", "target          = far"),
    "proxy_idle_timeout": _with(PROXY, "    idle_client_timeout = 9h"),
    "proxy_max_connections": _with(PROXY, "    max_connections_percent = 0"),
    "proxy_idle_above_max": _with(PROXY, "    max_connections_percent      = 40\n"
                                         "    max_idle_connections_percent = 60"),
    "proxy_borrow_timeout": _with(PROXY, "    connection_borrow_timeout = 2h"),
    "proxy_target_kind": PROXY.replace("target          = orders", "target          = db_sg"),
    "proxy_from_lambda_outside_vpc": PROXY + LAMBDA,
    "proxy_secrets_quota": _with(PROXY, "    secrets = [" + ", ".join(
        f'"arn:aws:secretsmanager:us-east-1:123456789012:secret:s{i}-AbCdEf"' for i in range(201)) + "]"),
    "proxies_per_region": "\n\n".join(PROXY.replace("rds_proxy pool", f"rds_proxy pool{i}") for i in range(21)),
    # MSK
    "msk_brokers_multiple": _with(MSK, "    brokers = 4"),
    "msk_too_many_brokers": _with(MSK, "    brokers = 33"),
    "msk_one_subnet": MSK.replace("[a, b, c]", "[a]"),
    "msk_subnets_one_az": MSK.replace("[a, b, c]", "[a, a2]"),
    "msk_storage_too_big": _with(MSK, "    storage = 17TiB"),
    "msk_storage_too_small": _with(MSK, "    storage = 512MiB"),
    "msk_broker_type": _with(MSK, "    broker_type = kafka.m5.medium"),
    "msk_kafka_version": _with(MSK, '    kafka_version = "1.1.1"'),
    "msk_iam_over_plaintext": _with(MSK, "    in_transit = plaintext"),
    "msk_tls_without_ca": _with(MSK, "    client_auth = [tls]"),
    "msk_ca_without_tls": _with(MSK, '    certificate_authorities = ["arn:aws:acm-pca:us-east-1:123456789012:'
                                     'certificate-authority/x"]'),
    "msk_no_auth": _with(MSK, "    client_auth = []"),
    "msk_auth_twice": _with(MSK, "    client_auth = [iam, iam]"),
    "msk_monitoring": _with(MSK, "    enhanced_monitoring = per_topic"),
    "msk_two_vpcs": MSK.replace("[a, b, c]", "[a, elsewhere]"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_password_is_never_quoted_in_a_diagnostic():
    _, found = diagnose(LIMITS["docdb_password_characters"])
    assert found and all("has/slash" not in d.summary + d.help for d in found)
