"""Redshift, OpenSearch, Glue and Athena (notes §19): each of AWS's rules is one diagnostic at
the text at fault (its rendering kept as a snapshot); the defaults are the safe ones (encrypted,
private, HTTPS only, passwords kept by Redshift); the modeled cloud refuses what the APIs
refuse; Firehose delivers to a cluster or a domain."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''sensitive param warehouse_password: string = "Warehouse-Pass-1"

region "us-east-1" as east {
  vpc main {
    cidr = 10.0.0.0/16
  }

  vpc other {
    cidr = 10.9.0.0/16
  }

  subnet a {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = a
  }

  subnet b {
    vpc  = main
    cidr = 10.0.2.0/24
    az   = b
  }

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

  security_group data_sg {
    vpc = main
  }

  security_group other_sg {
    vpc = other
  }

  s3_bucket lake {}

%s
}

iam_role crawler_role {
  assumed_by      = [glue]
  inline_policies = {
    read = {
      Version   = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:ListBucket"]
          Resource = "*"
        },
      ]
    }
  }
}

iam_role lambda_role {
  assumed_by      = [lambda]
  inline_policies = {
    read = {
      Version   = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = "*"
        },
      ]
    }
  }
}
'''

CLUSTER = '''  redshift_cluster wh {
    node_type       = ra3.xlplus
    nodes           = 2
    multi_az        = true
    subnets         = [a, b]
    security_groups = [data_sg]

    snapshot_copy {
      region = "us-west-2"
    }
  }'''

SERVERLESS = '''  redshift_serverless adhoc {
    base_capacity = 16
    subnets       = [a, b, c]
  }'''

DOMAIN = '''  opensearch_domain search {
    instances       = 3
    zones           = 3
    standby         = true
    subnets         = [a, b, c]
    security_groups = [data_sg]

    masters {
      count = 3
    }
  }'''

CATALOG = '''  glue_database events {}

  glue_crawler events_crawler {
    database = events
    role     = crawler_role
    schedule = "cron(15 2 * * ? *)"

    s3 {
      bucket = lake
      path   = "events/"
    }
  }'''

ATHENA = '''  athena_workgroup analysts {
    results              = lake
    prefix               = "athena/"
    bytes_scanned_cutoff = 1GB
  }'''

ALL = "\n\n".join((CLUSTER, SERVERLESS, DOMAIN, CATALOG, ATHENA))


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_the_analytics_kinds_validate_with_safe_defaults():
    desired, found = diagnose(ALL)
    assert found == []
    wh = desired.resources["east.wh"].model
    assert wh.encrypted is True and wh.publicly_accessible is False and wh.manage_master_password is True
    assert "master_password" in type(wh).sensitive and "admin_password" in type(desired.resources["east.adhoc"].model).sensitive
    search = desired.resources["east.search"].model
    assert (search.encrypt_at_rest, search.node_to_node_encryption, search.enforce_https) == (True, True, True)
    assert search.public is False
    athena = desired.resources["east.analysts"].model
    assert athena.enforce is True and athena.encryption == "sse_s3"
    assert desired.resources["east.adhoc"].model.manage_admin_password is True


def test_a_single_az_cluster_is_warned_that_its_rpo_is_the_snapshot_schedule():
    _, found = diagnose(CLUSTER.replace("    multi_az        = true\n", ""))
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.wh: without Multi-AZ this cluster lives in one AZ: losing it means restoring from the "
                    "last automated snapshot, taken every 8 hours or 5 GB of changes (notes §19.2.2), so up to 8 "
                    "hours of loaded data may be lost")]


def test_a_domain_without_zone_awareness_is_warned_it_is_lost_with_its_az():
    _, found = diagnose('''  opensearch_domain search {
    instances       = 2
    subnets         = [a]
    security_groups = [data_sg]
  }''')
    assert [d.severity for d in found] == ["warning"]
    assert "lost with that AZ" in found[0].summary


def test_a_password_is_never_quoted_in_a_diagnostic():
    _, found = diagnose(CLUSTER.replace("    nodes           = 2\n",
                                        '    nodes           = 2\n    master_password = "secret word"\n'
                                        "    manage_master_password = false\n"))
    assert found and all("secret word" not in d.summary + d.help for d in found)


LIMITS = {
    # Redshift clusters
    "cluster_node_type": CLUSTER.replace("ra3.xlplus", "ra3.medium"),
    "cluster_single_node_not_offered": CLUSTER.replace("ra3.xlplus", "ra3.4xlarge").replace("= 2\n", "= 1\n")
                                              .replace("    multi_az        = true\n", ""),
    "cluster_too_many_nodes": CLUSTER.replace("= 2\n", "= 40\n"),
    "cluster_nodes_over_128": CLUSTER.replace("= 2\n", "= 129\n"),
    "cluster_multi_az_not_ra3": CLUSTER.replace("ra3.xlplus", "dc2.large"),
    "cluster_multi_az_one_node": CLUSTER.replace("= 2\n", "= 1\n"),
    "cluster_multi_az_one_zone": CLUSTER.replace("[a, b]", "[a, a2]"),
    "cluster_without_subnets": CLUSTER.replace("    subnets         = [a, b]\n", ""),
    "cluster_subnets_of_two_vpcs": CLUSTER.replace("[a, b]", "[a, elsewhere]"),
    "cluster_security_group_of_another_vpc": CLUSTER.replace("[data_sg]", "[other_sg]"),
    "cluster_retention_zero": CLUSTER.replace("    nodes ", "    snapshot_retention = 0d\n    nodes "),
    "cluster_retention_over_35_days": CLUSTER.replace("    nodes ", "    snapshot_retention = 36d\n    nodes "),
    "cluster_copy_to_own_region": CLUSTER.replace("us-west-2", "us-east-1"),
    "cluster_copy_retention": CLUSTER.replace('"us-west-2"', '"us-west-2"\n      retention = 40d'),
    "cluster_copy_without_grant": CLUSTER.replace("    nodes ", '    kms_key = "alias/warehouse"\n    nodes '),
    "cluster_port": CLUSTER.replace("    nodes ", "    port = 80\n    nodes "),
    "cluster_database_name": CLUSTER.replace("    nodes ", '    database = "Sales-DB"\n    nodes '),
    "cluster_password_and_managed": CLUSTER.replace("    nodes ", "    master_password = warehouse_password\n"
                                                   "    manage_master_password = true\n    nodes "),
    "cluster_short_password": CLUSTER.replace("    nodes ", '    master_password = "Ab1"\n    nodes '),
    "cluster_password_classes": CLUSTER.replace("    nodes ", '    master_password = "alllowercase1"\n    nodes '),
    "cluster_unencrypted": CLUSTER.replace("    nodes ", "    encrypted = false\n    nodes "),
    # Redshift Serverless
    "serverless_base_capacity_step": SERVERLESS.replace("16", "20"),
    "serverless_base_capacity_range": SERVERLESS.replace("16", "600"),
    "serverless_max_below_base": SERVERLESS.replace("    subnets ", "    max_capacity = 8\n    subnets "),
    "serverless_two_zones": SERVERLESS.replace("[a, b, c]", "[a, b]"),
    "serverless_port": SERVERLESS.replace("    subnets ", "    port          = 6000\n    subnets "),
    # OpenSearch
    "domain_masters_count": DOMAIN.replace("count = 3", "count = 4"),
    "domain_nodes_not_multiple_of_zones": DOMAIN.replace("instances       = 3", "instances       = 4"),
    "domain_subnets_not_zones": DOMAIN.replace("[a, b, c]", "[a, b]"),
    "domain_zones_in_one_az": DOMAIN.replace("[a, b, c]", "[a, a2, b]"),
    "domain_standby_two_zones": DOMAIN.replace("zones           = 3", "zones           = 2")
                                      .replace("[a, b, c]", "[a, b]").replace("instances       = 3",
                                                                              "instances       = 4"),
    "domain_standby_without_masters": DOMAIN.replace("\n\n    masters {\n      count = 3\n    }", ""),
    "domain_standby_elasticsearch": DOMAIN.replace("    zones ", "    engine_version = Elasticsearch_7.10\n    zones "),
    "domain_standby_on_t3": DOMAIN.replace("    zones ", '    instance_type = "t3.medium.search"\n    zones '),
    "domain_public_by_omission": DOMAIN.replace("    subnets         = [a, b, c]\n", "")
                                       .replace("    security_groups = [data_sg]\n", ""),
    "domain_instance_type": DOMAIN.replace("    zones ", '    instance_type = "r6g.large"\n    zones '),
    "domain_ebs_too_small": DOMAIN.replace("    masters {", "    storage {\n      size = 5GiB\n    }\n\n    masters {"),
    "domain_name": DOMAIN.replace("    zones ", '    name = "Search_Domain"\n    zones '),
    "domain_security_group_of_another_vpc": DOMAIN.replace("[data_sg]", "[other_sg]"),
    # Glue
    "glue_database_name": CATALOG.replace("glue_database events {}", 'glue_database events {\n    name = "Events"\n  }'),
    "crawler_schedule_fields": CATALOG.replace("cron(15 2 * * ? *)", "cron(15 2 * * ?)"),
    "crawler_schedule_too_often": CATALOG.replace("cron(15 2 * * ? *)", "cron(0/2 * * * ? *)"),
    "crawler_without_targets": CATALOG.replace('''

    s3 {
      bucket = lake
      path   = "events/"
    }''', ""),
    "crawler_role_not_for_glue": CATALOG.replace("crawler_role", "lambda_role"),
    # Athena
    "athena_name_primary": ATHENA.replace("    results ", '    name                 = "primary"\n    results '),
    "athena_name_characters": ATHENA.replace("    results ", '    name                 = "ad hoc"\n    results '),
    "athena_kms_without_key": ATHENA.replace("    results ", "    encryption           = sse_kms\n    results "),
    "athena_key_with_sse_s3": ATHENA.replace("    results ", '    kms_key              = "alias/athena"\n    results '),
    "athena_cutoff_below_10mb": ATHENA.replace("1GB", "1MB"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot
