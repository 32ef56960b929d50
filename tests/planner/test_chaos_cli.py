"""`archform chaos` through click's CliRunner: exit codes, formats, fault flags, --state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "dr_warm_standby.arch")
CASES = ROOT / "tests" / "providers" / "chaos_cases"


def chaos(*args, cwd=None):
    runner = CliRunner()
    return runner.invoke(main, ["chaos", *args], catch_exceptions=False)


def test_warm_standby_survives_its_primary_region_exit_0():
    result = chaos(EXAMPLE, "--fail", "region:us-east-1", "--duration", "30m")
    assert result.exit_code == 0, result.output
    assert "shop_dr  warm_standby us-east-1 → eu-west-1" in result.output
    assert "PolicyMet" in result.output and result.output.rstrip().endswith("every DR target met (exit 0)")


def test_a_breached_target_exits_3_and_json_says_why():
    result = chaos(str(CASES / "dr_backup_restore.arch"), "--fail", "region:us-east-1", "--format", "json")
    assert result.exit_code == 3
    doc = json.loads(result.output)
    assert doc["format"] == "archform-chaos" and doc["format_version"] == 1
    assert doc["summary"]["compliance"] == "PolicyBreached" and doc["summary"]["exit_code"] == 3
    assert doc["dr_plans"][0]["assessments"][0]["rto_met"] is False


def test_a_run_too_short_to_judge_says_so_instead_of_met_or_breached():
    """A fault the run never reached once reported "RTO 0s (met)"; a run that ended before the
    runbook had started, "breached" (exit 3) although its 10-minute RTO had not run out."""
    never = chaos(EXAMPLE, "--fail", "region:us-east-1", "--duration", "30s")
    assert never.exit_code == 1
    zero = chaos(EXAMPLE, "--fail", "region:us-east-1", "--for", "0s")
    assert zero.exit_code == 1 and "error: --for must be longer than 0s" in zero.output
    assert "error: the fault on region:us-east-1 starts at 1m, after the run ends (30s)" in never.output
    short = chaos(EXAMPLE, "--fail", "region:us-east-1", "--duration", "3m", "--format", "json")
    assert short.exit_code == 0, short.output
    doc = json.loads(short.output)
    (a,) = doc["dr_plans"][0]["assessments"]
    assert (a["status"], a["rto_met"], a["rpo_met"], a["observed_seconds"]) == ("NotMeasured", None, None, 120.0)
    assert doc["summary"]["compliance"] == "NotMeasured"
    text = chaos(EXAMPLE, "--fail", "region:us-east-1", "--duration", "3m").output
    assert "RTO not recovered (not measured: watched 2m, less than the target), RPO not measured" in text


def test_at_and_for_pair_with_fail_in_order(tmp_path):
    out = tmp_path / "report.json"
    result = chaos(str(CASES / "fleet.arch"), "--fail", "az:us-east-1a", "--at", "2m", "--for", "10m",
                   "--fail", "az:us-east-1b", "--at", "20m", "--duration", "40m", "--out", str(out))
    assert result.exit_code == 0, result.output
    faults = json.loads(out.read_text())["faults"]
    assert [(f["domain"], f["start"], f["end"]) for f in faults] == [("az:us-east-1a", 120.0, 720.0),
                                                                    ("az:us-east-1b", 1200.0, 1800.0)]  # the last --for


def test_without_a_dr_plan_there_is_nothing_to_breach():
    result = chaos(str(CASES / "caches.arch"), "--fail", "az:us-east-1a", "--duration", "10m")
    assert result.exit_code == 0 and "no DR plan to judge (exit 0)" in result.output
    assert "Memcached does not replicate" in result.output


@pytest.mark.parametrize("domain,message", [
    ("az:us-east-9a", "'us-east-9a' is not an Availability Zone"),
    ("regon:us-east-1", "did you mean 'region'?"),
    ("primary.web_flet", "did you mean 'primary.web_fleet'?"),
    ("primary.web/node", "has no part 'node'"),
    ("rds-failover:primary.web_fleet", "rds-failover fails over an rds or aurora database"),
    ("host:h-0000000000000000", "no host 'h-0000000000000000'"),
    ("az:us-west-2a", "nothing in this architecture is in us-west-2a's region; did you mean 'us-east-1a'?"),
    ("region:ap-south-1", "nothing in this architecture is in ap-south-1; its regions: us-east-1"),
    # a rack or data centre of the modeled world that holds nothing of the architecture fails nothing
    ("rack:us-east-1a-dc1-zz-r99", "no rack 'us-east-1a-dc1-zz-r99' holds anything of this architecture; "),
    ("dc:us-east-1f-dc9", "no data centre 'us-east-1f-dc9' holds anything of this architecture; "),
])
def test_a_domain_that_names_nothing_is_a_mistake(domain, message):
    result = chaos(str(CASES / "fleet.arch"), "--fail", domain, "--duration", "5m")
    assert result.exit_code == 1 and message in result.output


def test_bad_durations_and_a_broken_architecture_exit_1(tmp_path):
    assert "not a duration" in chaos(EXAMPLE, "--fail", "az:us-east-1a", "--at", "soon").output
    (tmp_path / "broken.arch").write_text('region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.0/8 }\n}\n')
    result = chaos(str(tmp_path / "broken.arch"), "--fail", "az:us-east-1a")
    assert result.exit_code == 1 and "error" in result.output


def test_state_uses_the_applied_cloud_and_leaves_it_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    fleet = str(CASES / "fleet.arch")
    applied = runner.invoke(main, ["apply", fleet, "--auto-approve"], catch_exceptions=False)
    assert applied.exit_code == 0, applied.output
    before = runner.invoke(main, ["sim", "list", "--all", "--format", "json"]).output
    result = chaos(fleet, "--fail", "az:us-east-1a", "--state", ".archform/state.db", "--duration", "10m")
    assert result.exit_code == 0, result.output
    assert "primary.web_fleet" in result.output
    assert runner.invoke(main, ["sim", "list", "--all", "--format", "json"]).output == before
    nothing = chaos(fleet, "--fail", "az:us-east-1a", "--state", "missing.db")
    assert nothing.exit_code == 1 and "nothing applied" in nothing.output


def test_chaos_is_listed_in_help():
    result = CliRunner().invoke(main, ["--help"])
    assert "chaos" in result.output
