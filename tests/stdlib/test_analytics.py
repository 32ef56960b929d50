"""Redshift, OpenSearch, Glue and Athena (notes §19): each of AWS's rules is one diagnostic at
the text at fault (its rendering kept as a snapshot); the defaults are the safe ones (encrypted,
private, HTTPS only, passwords kept by Redshift); the modeled cloud refuses what the APIs
refuse; Firehose delivers to a cluster or a domain."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPCS

BASE = '''sensitive param warehouse_password: string = "Warehouse-Pass-1"

region "us-east-1" as east {
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


# --- Firehose into a cluster or a domain ----------------------------------------------------------

PUBLIC_CLUSTER = CLUSTER.replace("    nodes ", "    publicly_accessible = true\n    nodes ")

TO_WAREHOUSE = PUBLIC_CLUSTER + '''

  firehose to_warehouse {
    role = delivery_role

    redshift {
      cluster      = wh
      table        = "events"
      columns      = ["id", "at", "body"]
      copy_options = "json 'auto'"
      bucket       = lake
      prefix       = "copy/"
    }
  }'''

TO_SEARCH = DOMAIN + '''

  firehose to_search {
    role = delivery_role

    opensearch {
      domain   = search
      index    = "clicks"
      rotation = hour
    }

    backup {
      bucket = lake
      prefix = "failed/"
    }
  }'''

DELIVERY_ROLE = '''
iam_role delivery_role {
  assumed_by      = [firehose]
  inline_policies = {
    deliver = {
      Version   = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:GetObject", "es:ESHttpPost", "es:ESHttpPut", "secretsmanager:GetSecretValue"]
          Resource = "*"
        },
      ]
    }
  }
}
'''


def diagnose_delivery(body: str):
    desired, diags = resolve_text(BASE % body + DELIVERY_ROLE, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_firehose_delivers_to_a_cluster_and_a_domain():
    for body in (TO_WAREHOUSE, TO_SEARCH):
        _, found = diagnose_delivery(body)
        assert [d.summary for d in found if d.is_error] == []
    _, found = diagnose_delivery(TO_WAREHOUSE)
    assert [d.summary for d in found] == ["east.wh: this Redshift cluster is reachable from the internet "
                                          "(publicly_accessible = true)"]


DELIVERY_LIMITS = {
    "firehose_redshift_private_cluster": TO_WAREHOUSE.replace("    publicly_accessible = true\n", ""),
    "firehose_redshift_own_password": TO_WAREHOUSE.replace(
        "    nodes ", "    master_password = warehouse_password\n    manage_master_password = false\n    nodes ", 1),
    "firehose_opensearch_without_backup": TO_SEARCH.replace('''

    backup {
      bucket = lake
      prefix = "failed/"
    }''', ""),
    "firehose_opensearch_index_name": TO_SEARCH.replace('"clicks"', '"_Clicks"'),
    "firehose_opensearch_vpc_domain_without_groups": TO_SEARCH.replace("    security_groups = [data_sg]\n", ""),
    "firehose_two_destinations": TO_SEARCH.replace("    opensearch {", "    s3 {\n      bucket = lake\n    }\n\n"
                                                   "    opensearch {"),
    "firehose_redshift_backup_failed_only": TO_WAREHOUSE.replace("\n  firehose to_warehouse {\n", '''
  firehose to_warehouse {
    backup {
      bucket = lake
      mode   = failed
    }
'''),
}


@pytest.mark.parametrize("case", sorted(DELIVERY_LIMITS))
def test_each_delivery_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose_delivery(DELIVERY_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


# --- CloudFormation ------------------------------------------------------------------------------

def _template(tmp_path, body: str) -> tuple[dict, str]:
    import json
    from archform.providers.cloudformation import generate
    source = tmp_path / "analytics.arch"
    source.write_text(BASE % body + DELIVERY_ROLE)
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    (template,) = [b for _, b in result.templates]
    return template, json.dumps(template)


def _of_type(template: dict, type_: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == type_]


def test_a_cluster_is_written_encrypted_private_with_its_snapshot_copy(tmp_path):
    template, text = _template(tmp_path, CLUSTER)
    (cluster,) = _of_type(template, "AWS::Redshift::Cluster")
    props = cluster["Properties"]
    assert props["Encrypted"] is True and props["PubliclyAccessible"] is False
    assert props["ManageMasterPassword"] is True and "MasterUserPassword" not in props
    assert props["MultiAZ"] is True and props["NumberOfNodes"] == 2 and props["ClusterType"] == "multi-node"
    assert props["DestinationRegion"] == "us-west-2" and props["SnapshotCopyRetentionPeriod"] == 7
    assert props["AutomatedSnapshotRetentionPeriod"] == 1
    assert cluster["DeletionPolicy"] == "Snapshot"
    (group,) = _of_type(template, "AWS::Redshift::ClusterSubnetGroup")
    assert len(group["Properties"]["SubnetIds"]) == 2


def test_an_own_master_password_is_a_noecho_parameter(tmp_path):
    template, text = _template(tmp_path, CLUSTER.replace(
        "    nodes ", '    master_password = "Literal-Pass-9"\n    manage_master_password = false\n    nodes '))
    assert "Literal-Pass-9" not in text
    (cluster,) = _of_type(template, "AWS::Redshift::Cluster")
    param = template["Parameters"][cluster["Properties"]["MasterUserPassword"]["Ref"]]
    assert param["NoEcho"] is True and "Default" not in param


def test_a_domain_is_written_zone_aware_with_standby_and_encrypted(tmp_path):
    template, _ = _template(tmp_path, DOMAIN)
    (domain,) = _of_type(template, "AWS::OpenSearchService::Domain")
    props = domain["Properties"]
    assert props["ClusterConfig"]["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 3}
    assert props["ClusterConfig"]["MultiAZWithStandbyEnabled"] is True
    assert props["ClusterConfig"]["DedicatedMasterCount"] == 3
    assert props["EncryptionAtRestOptions"]["Enabled"] is True
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"] == {"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}
    assert len(props["VPCOptions"]["SubnetIds"]) == 3


def test_glue_and_athena_are_written_with_their_paths_and_enforced_encryption(tmp_path):
    template, _ = _template(tmp_path, CATALOG + "\n\n" + ATHENA)
    (crawler,) = _of_type(template, "AWS::Glue::Crawler")
    assert crawler["Properties"]["Schedule"] == {"ScheduleExpression": "cron(15 2 * * ? *)"}
    (target,) = crawler["Properties"]["Targets"]["S3Targets"]
    assert target["Path"] == {"Fn::Sub": "s3://${EastLake}/events/"}
    (workgroup,) = _of_type(template, "AWS::Athena::WorkGroup")
    config = workgroup["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True and config["BytesScannedCutoffPerQuery"] == 10 ** 9
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}


def test_firehose_copies_into_redshift_with_the_cluster_secret(tmp_path):
    template, text = _template(tmp_path, TO_WAREHOUSE)
    (stream,) = _of_type(template, "AWS::KinesisFirehose::DeliveryStream")
    dest = stream["Properties"]["RedshiftDestinationConfiguration"]
    assert dest["SecretsManagerConfiguration"]["SecretARN"] == {"Fn::GetAtt": ["EastWh", "MasterPasswordSecretArn"]}
    assert "Password" not in dest and "Username" not in dest
    assert dest["CopyCommand"] == {"DataTableName": "events", "DataTableColumns": "id,at,body",
                                   "CopyOptions": "json 'auto'"}
    assert dest["S3Configuration"]["Prefix"] == "copy/"


def test_firehose_indexes_into_a_vpc_domain_through_its_subnets(tmp_path):
    template, _ = _template(tmp_path, TO_SEARCH)
    (stream,) = _of_type(template, "AWS::KinesisFirehose::DeliveryStream")
    dest = stream["Properties"]["AmazonopensearchserviceDestinationConfiguration"]
    assert dest["IndexRotationPeriod"] == "OneHour" and dest["S3BackupMode"] == "FailedDocumentsOnly"
    assert len(dest["VpcConfiguration"]["SubnetIds"]) == 3 and dest["VpcConfiguration"]["SecurityGroupIds"]


@pytest.mark.parametrize("body", [ALL, TO_WAREHOUSE, TO_SEARCH], ids=["every_kind", "to_redshift", "to_opensearch"])
def test_analytics_templates_pass_cfn_lint(tmp_path, body):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation import generate
    from archform.providers.cloudformation.write import write
    source = tmp_path / "analytics.arch"
    source.write_text(BASE % body + DELIVERY_ROLE)
    result = generate(source, {})
    assert result.ok
    write(result, tmp_path / "out", "yaml")
    found = [(m.rule.id, m.message) for template, _ in result.templates
             for m in lint_file(tmp_path / "out" / template.file,
                                config=ManualArgs(regions=[template.region], include_checks=["I"]))]
    assert [f for f in found if f[0] != "W3010"] == []


# --- the modeled cloud ------------------------------------------------------------------------------

def test_the_analytics_kinds_apply_and_a_second_plan_is_empty(tmp_path):
    from workbench import Workbench
    text = BASE % (ALL + TO_SEARCH[len(DOMAIN):]) + DELIVERY_ROLE
    bench = Workbench(tmp_path)
    try:
        _, result = bench.apply(text)
        assert not result.failed, result.failed
        assert bench.plan(text).summary.empty
        outputs = {a: r.outputs for a, r in bench.store.read().resources.items()}
    finally:
        bench.close()
    assert outputs["east.wh"]["endpoint"].endswith(".us-east-1.redshift.amazonaws.com")
    assert outputs["east.wh"]["master_password_secret_arn"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!")
    assert outputs["east.search"]["endpoint"].startswith("vpc-")
    assert outputs["east.adhoc"]["namespace_arn"].startswith("arn:aws:redshift-serverless:us-east-1:")


# --- DR plans over a warehouse ------------------------------------------------------------------

def _plan(secondary: str, rpo: str) -> str:
    return f'''
dr_plan warehouse_dr {{
  strategy  = backup_restore
  primary   = east
  secondary = "{secondary}"
  rpo       = {rpo}
  rto       = 4h
  scope     = [east.wh]
}}
'''


DR_LIMITS = {
    "dr_rpo_under_the_snapshot_schedule": _plan("us-west-2", "1h"),
    "dr_secondary_without_snapshot_copy": _plan("eu-west-1", "1d"),
}


@pytest.mark.parametrize("case", sorted(DR_LIMITS))
def test_each_dr_rule_over_a_cluster_is_one_diagnostic(case, snapshot):
    _, diags = resolve_text(BASE % CLUSTER + DR_LIMITS[case], "main.arch")
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, [d.summary for d in errors]
    assert render(errors[0]) == snapshot


def test_a_dr_plan_of_8_hours_over_a_copied_cluster_holds():
    _, diags = resolve_text(BASE % CLUSTER + _plan("us-west-2", "8h"), "main.arch")
    assert [d.summary for d in diags if d.is_error] == []


def test_masters_over_two_azs_are_warned_one_az_holds_their_majority():
    _, found = diagnose(DOMAIN.replace("zones           = 3", "zones           = 2").replace("[a, b, c]", "[a, b]")
                        .replace("instances       = 3", "instances       = 4").replace("    standby         = true\n", ""))
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "east.search: over 2 AZs, one of them holds a majority of the dedicated masters: losing that AZ "
                    "leaves the domain without a master (red)")]


def test_a_serverless_workgroup_in_us_west_1_takes_three_subnets_over_its_two_azs():
    """AWS's exception (Redshift management guide, Serverless considerations): US West (N.
    California) has two AZs, so a workgroup's three subnets span those two."""
    text = '''region "us-west-1" as west {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = a }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = b }
  subnet a2 { vpc = main, cidr = 10.0.3.0/24, az = a }
  redshift_serverless adhoc { subnets = [a, b, a2] }
  redshift_serverless thin { subnets = [a, b] }
}
'''
    _, diags = resolve_text(text, "main.arch")
    errors = [d for d in diags if d.is_error]
    assert [d.summary.split(":")[0] for d in errors] == ["west.thin"]
    assert "at least three subnets over two Availability Zones" in errors[0].summary
