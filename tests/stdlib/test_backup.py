"""AWS Backup (notes §25.5): each of AWS's rules for vaults and plans is one diagnostic at the
text at fault (a snapshot each); a plan's cron schedule gives the interval a DR plan counts as
its recovery point objective."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from archform.stdlib.kinds.backup import schedule_interval
from arch_text import TWO_AZ_VPC

BASE = '''region "us-east-1" as east {
  s3_bucket docs {
    versioning = true
  }

  backup_vault vault {
    lock {
      min_retention = 7d
      max_retention = 365d
      grace         = 3d
    }
  }

  backup_plan daily {
    rule daily {
      vault              = vault
      schedule           = "cron(0 */4 * * ? *)"
      cold_storage_after = 30d
      delete_after       = 120d

      copy_to {
        vault        = west.dr_vault
        delete_after = 35d
      }
    }

    selection data {
      resources = [docs]
    }
  }
}

region "us-west-2" as west {
  backup_vault dr_vault {
  }
}
'''


def diagnose(old: str = "", new: str = ""):
    assert old in BASE
    desired, diags = resolve_text(BASE.replace(old, new, 1), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_locked_vault_and_a_plan_copying_to_another_region_validate():
    desired, found = diagnose()
    assert found == []
    assert desired.resources["east.vault"].model.kms_key is None


LIMITS = {
    "vault_name": ("  backup_vault vault {\n", '  backup_vault vault {\n    name = "x"\n'),
    "lock_min_zero": ("min_retention = 7d", "min_retention = 12h"),
    "lock_max_below_min": ("max_retention = 365d", "max_retention = 5d"),
    "lock_max_too_long": ("max_retention = 365d", "max_retention = 36501d"),
    "lock_grace": ("grace         = 3d", "grace         = 1d"),
    "plan_without_rules": ("    rule daily {", "    rule_gone daily {"),
    "schedule_form": ('"cron(0 */4 * * ? *)"', '"every 4 hours"'),
    "schedule_too_often": ('"cron(0 */4 * * ? *)"', '"cron(*/30 * * * ? *)"'),
    "start_window": ("      delete_after       = 120d\n", "      delete_after       = 120d\n      start_window = 30m\n"),
    "completion_window": ("      delete_after       = 120d\n",
                          "      delete_after       = 120d\n      start_window = 8h\n      completion_window = 2h\n"),
    "cold_storage_90_days": ("delete_after       = 120d", "delete_after       = 100d"),
    "continuous_35_days": ("      delete_after       = 120d\n", "      delete_after       = 120d\n      continuous = true\n"),
    "outside_the_vault_lock": ("delete_after       = 120d", "delete_after       = 400d"),
    "selection_empty": ("      resources = [docs]\n", ""),
    "bucket_without_versioning": ("    versioning = true\n", ""),
}


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(name, snapshot):
    if name == "plan_without_rules":
        text = BASE
        start = text.index("    rule daily {")
        end = text.index("    selection data {")
        desired, diags = resolve_text(text[:start] + text[end:], "main.arch")
        found = [d for d in diags if d.is_error]
    else:
        _, found = diagnose(*LIMITS[name])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_a_copy_in_the_same_region_is_warned_about(snapshot):
    text = BASE.replace("vault        = west.dr_vault", "vault        = vault")
    _, diags = resolve_text(text, "main.arch")
    assert [d.severity for d in diags if d.is_error or d.severity == "warning"] == ["warning"]
    assert render(next(d for d in diags if d.severity == "warning")) == snapshot


@pytest.mark.parametrize("expression, hours", [
    ("cron(0 5 * * ? *)", 24), ("cron(0 */4 * * ? *)", 4), ("cron(0 0,12 * * ? *)", 12), ("cron(30 * * * ? *)", 1),
    ("cron(0 5 ? * SUN *)", 24 * 7), ("cron(0 5 1 * ? *)", 24 * 31), ("cron(0,30 * * * ? *)", 0.5),
])
def test_the_schedule_interval_is_the_shortest_gap_between_runs(expression, hours):
    assert schedule_interval(expression) == hours * 3600


def test_an_expression_that_is_not_cron_has_no_interval():
    assert schedule_interval("rate(1 day)") is None and schedule_interval("cron(0 5 * *)") is None


def test_cloudformation_writes_the_lock_the_lifecycle_the_cross_region_copy_and_a_role(tmp_path):
    from archform.providers.cloudformation import generate
    source = tmp_path / "backup.arch"
    source.write_text(BASE)
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    bodies = {t.region: b for t, b in result.templates}
    east = bodies["us-east-1"]["Resources"]
    (vault,) = [r for r in east.values() if r["Type"] == "AWS::Backup::BackupVault"]
    assert vault["DeletionPolicy"] == "Retain"
    assert vault["Properties"]["LockConfiguration"] == {"MinRetentionDays": 7, "MaxRetentionDays": 365,
                                                        "ChangeableForDays": 3}
    (plan,) = [r for r in east.values() if r["Type"] == "AWS::Backup::BackupPlan"]
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 */4 * * ? *)"
    assert rule["Lifecycle"] == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    assert (rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (480, 10080)
    (copy,) = rule["CopyActions"]
    assert copy["DestinationBackupVaultArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:backup:us-west-2:${AWS::AccountId}:backup-vault:west-dr_vault"}
    (selection,) = [r for r in east.values() if r["Type"] == "AWS::Backup::BackupSelection"]
    role = selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]
    assert east[role]["Type"] == "AWS::IAM::Role"
    assert "backup.amazonaws.com" in str(east[role]["Properties"]["AssumeRolePolicyDocument"])
    assert [t.region for t, _ in result.templates] == ["us-west-2", "us-east-1"]  # the copy's vault first


def test_documentdb_and_neptune_clusters_are_backed_up_by_reference(tmp_path):
    """Notes §25.5 lists DocumentDB and Neptune among the services AWS Backup covers: a selection
    names them, and the template's selection lists their ARNs."""
    from archform.providers.cloudformation import generate
    clusters = """""" + TWO_AZ_VPC + """
  documentdb_cluster catalog {
    instance_class         = db.r6g.large
    subnets                = [a, b]
    manage_master_password = true
  }

  neptune_cluster graph {
    instance_class = db.r6g.large
    subnets        = [a, b]
  }

  backup_vault vault {"""
    text = BASE.replace("  backup_vault vault {", clusters, 1).replace("resources = [docs]",
                                                                        "resources = [docs, catalog, graph]")
    _, diags = resolve_text(text, "main.arch")
    assert [d.summary for d in diags if d.is_error or d.severity == "warning"] == []
    source = tmp_path / "backup.arch"
    source.write_text(text)
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    east = next(b for t, b in result.templates if t.region == "us-east-1")["Resources"]
    (selection,) = [r for r in east.values() if r["Type"] == "AWS::Backup::BackupSelection"]
    named = str(selection["Properties"]["BackupSelection"]["Resources"])
    assert "EastCatalog" in named and "EastGraph" in named and named.count(":rds:") == 2  # cluster ARNs
