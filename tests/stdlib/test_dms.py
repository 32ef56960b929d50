"""AWS DMS (notes §25.3): a replication instance's subnet group, an endpoint's engine against the
resource it names and its direction, a task's endpoints and table mappings — each rule one
diagnostic; the defaults are the safe ones (private instance, SSL required)."""

from __future__ import annotations

import pytest

from archform.dsl.resolve import resolve_text

BASE = '''sensitive param db_password: string = "Source-Pass-123"

region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = a }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = b }
  subnet a2 { vpc = main, cidr = 10.0.3.0/24, az = a }
  security_group dms_sg { vpc = main }
  rds legacy { engine = mysql, instance_class = db.m5.large, subnets = [a, b], master_password = db_password }
  aurora orders { engine = aurora-postgresql, instance_class = db.r6g.large, subnets = [a, b] }
  s3_bucket lake {}

  dms_replication_instance mover {
    instance_class  = dms.c5.large
    subnets         = [a, b]
    security_groups = [dms_sg]
  }

  dms_endpoint src {
    type     = source
    engine   = mysql
    database = legacy
    username = "admin"
    password = db_password
  }

  dms_endpoint dst {
    type         = target
    engine       = s3
    database     = lake
    service_role = dms_role
  }

  dms_replication_task copy {
    instance = mover
    source   = src
    target   = dst
  }
%s
}

iam_role dms_role {
  assumed_by = [dms]
}
'''


def diagnose(text: str):
    desired, diags = resolve_text(text, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def errors(text: str) -> list[str]:
    return [d.summary for d in diagnose(text)[1] if d.is_error]


def test_a_migration_validates_with_safe_defaults():
    desired, found = diagnose(BASE % "")
    assert found == []
    mover = desired.resources["east.mover"].model
    assert mover.publicly_accessible is False and mover.storage == 50 and mover.multi_az is False
    assert desired.resources["east.src"].model.ssl_mode == "require"
    assert "password" in type(desired.resources["east.src"].model).sensitive
    task = desired.resources["east.copy"].model
    assert task.migration_type == "full_load_and_cdc"
    assert task.table_mappings["rules"][0]["object-locator"] == {"schema-name": "%", "table-name": "%"}


@pytest.mark.parametrize("change, message", [
    (("subnets         = [a, b]", "subnets = [a, a2]"), "a replication subnet group covers at least two Availability "
                                                        "Zones; these subnets cover 1"),
    (("instance_class  = dms.c5.large", "instance_class = db.m5.large"), "is not a DMS replication instance class"),
    (("instance_class  = dms.c5.large", "storage = 7000"), "storage (GB) must be between 5 and 6144, got 7000"),
    (("engine   = mysql", "engine   = postgres"), "'east.legacy' runs mysql, not postgres"),
    (("engine   = mysql", "engine   = s3"), "'east.legacy' (rds) is reached with engine mysql or mariadb"),
    (("type         = target\n    engine       = s3", "type = source\n    engine = dynamodb"),
     "dynamodb is a DMS target only, never a source"),
    (("    service_role = dms_role\n", ""), "an s3 endpoint reaches the service through an IAM role"),
    (("    password = db_password\n", ""), "a mysql endpoint signs in to the database: set username and password"),
    (("    database = legacy\n", ""), "an endpoint names where the data is"),
    (("source   = src\n    target   = dst", "source   = dst\n    target   = src"), "'east.dst' is a target endpoint"),
])
def test_each_rule_is_one_diagnostic(change, message):
    found = errors(BASE.replace(*change) % "")
    assert len(found) >= 1 and any(message in f for f in found), found


def test_an_aurora_endpoint_uses_the_cluster_engine():
    text = BASE.replace("database = legacy", "database = orders").replace("engine   = mysql", "engine = aurora")
    (found,) = errors(text % "")
    assert "runs aurora-postgresql: its endpoint engine is aurora-postgresql" in found


def test_an_on_premises_source_names_its_server_and_port():
    text = BASE.replace("database = legacy", 'server_name = "db.corp.example.com", port = 3306')
    assert errors(text % "") == []
    (found,) = errors(BASE.replace("database = legacy", 'server_name = "db.corp.example.com"') % "")
    assert "needs its port" in found


@pytest.mark.parametrize("mappings, message", [
    ("{ rules = [] }", "table_mappings has a non-empty list of rules"),
    ('{ rules = [{ "rule-type" = "selection", "rule-id" = "1", "rule-name" = "x", "rule-action" = "exclude", '
     '"object-locator" = { "schema-name" = "%", "table-name" = "%" } }] }', "selects no table"),
    ('{ rules = [{ "rule-type" = "filter", "rule-id" = "1" }] }', "rule-type selection, transformation"),
])
def test_table_mappings_are_checked(mappings, message):
    text = (BASE % "").replace("    target   = dst\n", f"    target   = dst\n    table_mappings = {mappings}\n")
    found = errors(text)
    assert any(message in f for f in found), found


def test_a_public_instance_and_plain_text_are_warned():
    text = BASE.replace("subnets         = [a, b]", "subnets = [a, b], publicly_accessible = true")
    text = text.replace('username = "admin"', 'username = "admin"\n    ssl_mode = none')
    _, found = diagnose(text % "")
    assert sorted(d.severity for d in found) == ["warning", "warning"]
    assert any("public address" in d.summary for d in found) and any("unencrypted" in d.summary for d in found)
