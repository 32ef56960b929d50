"""`archform iam can` through click's CliRunner: the answer and the statement that decided at its
file:line:col, exit codes 0 allowed / 1 denied / 2 usage error, and stable sorted JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/stdlib/iam_cases/policies.arch"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def can(*args):
    return CliRunner().invoke(main, ["iam", "can", *args], catch_exceptions=False)


def test_allowed_prints_each_layer_and_where_its_statement_is():
    result = can(CASE, "lambda_function.primary.worker", "sqs:ReceiveMessage", "sqs_queue.primary.jobs")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("allowed: lambda_function.primary.worker (as worker_role) sqs:ReceiveMessage on "
                        "sqs_queue.primary.jobs: allowed by an identity policy")
    assert "  3 ok  identity policy: allowed by the inline policy work of iam_role worker_role" in lines
    assert f"         at {CASE}:43:9 (worker_role)" in lines  # the statement's opening brace
    assert "  4 ok  permissions boundary: within the boundary (iam_policy boundary)" in lines


def test_an_explicit_deny_is_the_answer_and_exits_1():
    result = can(CASE, "admin_role", "dynamodb:DeleteTable", "primary.orders")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "denied: admin_role dynamodb:DeleteTable on primary.orders: explicit deny",
        "  1 NO  explicit deny: denied by a statement of the scp no_table_deletion",
        f"         at {CASE}:20:7 (no_table_deletion)",
    ]


def test_context_values_and_an_unknown_condition_are_reported():
    denied = can(CASE, "worker_role", "sqs:ReceiveMessage", "primary.jobs", "--context", "aws:SecureTransport=false")
    assert denied.exit_code == 1 and "queue policy of primary.jobs" in denied.output
    unknown = can(CASE, "analyst", "sns:Publish", "arn:aws:sns:eu-west-1:123456789012:x")
    assert unknown.exit_code == 1
    assert ("note: condition key aws:ResourceTag/team is not known to the catalogue: treated as not matched"
            in unknown.output)


def test_json_is_sorted_and_names_the_deciding_statement():
    result = can(CASE, "reader_profile", "s3:GetObject", "arn:aws:s3:::acme-reports/a.csv", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert result.output == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert (data["decision"], data["as"], data["reason"]) == ("allowed", "reader_role", "allowed by the resource's policy")
    assert data["decided_by"] == {"address": "primary.reports", "file": CASE, "line": 124, "col": 9}
    assert [s["layer"] for s in data["steps"]] == ["scp", "scp", "resource policy"]


@pytest.mark.parametrize("args,message", [
    (["nobody", "s3:GetObject", "primary.reports"], "no resource 'nobody' in this architecture"),
    (["primary.reports", "s3:GetObject", "primary.jobs"], "s3_bucket 'primary.reports' is not a role or user"),
    (["worker_role", "GetObject", "primary.jobs"], "is not an action: write service:Action"),
    (["worker_role", "sqs:ReceiveMessage", "primary.jbos"], "did you mean 'primary.jobs'"),
    (["worker_role", "sqs:ReceiveMessage", "primary.jobs", "--context", "novalue"], "--context takes KEY=VALUE"),
])
def test_usage_errors_exit_2(args, message):
    result = can(CASE, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_configuration_with_errors_exits_1(tmp_path):
    bad = tmp_path / "bad.arch"
    bad.write_text("iam_role r { assumed_by = [ec2], max_session = 20h }\n")
    result = can(str(bad), "r", "s3:GetObject", "arn:aws:s3:::b/k")
    assert result.exit_code == 1
    assert "max_session" in result.output


def test_an_action_matches_case_insensitively_as_in_aws():
    result = can(CASE, "worker_role", "SQS:receivemessage", "primary.jobs")
    assert result.exit_code == 0, result.output
    assert "allowed by the inline policy work of iam_role worker_role" in result.output


def test_a_users_boundary_that_does_not_apply_says_why():
    result = can(CASE, "analyst", "s3:PutObject", "arn:aws:s3:::acme-reports/a.csv", "--context",
                 "aws:SourceVpce=vpce-0a1b2c3d")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("allowed: analyst s3:PutObject")
    step = next(line for line in lines if "permissions boundary:" in line)
    assert step.startswith("  4     permissions boundary: the permissions boundary of analyst does not allow it, but "
                           "AWS does not apply a user's boundary to what a resource-based policy grants"), step
    assert " NO " not in result.output


OUTSIDE = "tests/stdlib/iam_cases/outside.arch"


def test_a_deny_that_may_apply_makes_an_allow_not_certain_and_context_decides_it():
    open_ = can(OUTSIDE, "ops", "ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*")
    assert open_.exit_code == 3, open_.output
    lines = open_.output.splitlines()
    assert lines[0] == ("not certain: ops ec2:RunInstances on arn:aws:ec2:*:123456789012:instance/*: "
                        "allowed by an identity policy")
    assert any(line.startswith("  3 ??  explicit deny: the scp region_lock denies it when its condition holds")
               and "--context aws:RequestedRegion=VALUE" in line for line in lines), lines
    given = can(OUTSIDE, "ops", "ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*",
                "--context", "aws:RequestedRegion=us-east-1")
    assert given.exit_code == 1 and "denied by a statement of the scp region_lock" in given.output
    data = json.loads(can(OUTSIDE, "ops", "ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*",
                          "--format", "json").output)
    assert (data["decision"], data["complete"]) == ("not certain", False)


def test_another_accounts_role_is_asked_about_by_arn():
    allowed = can(OUTSIDE, "arn:aws:iam::222233334444:role/partner", "s3:GetObject", "arn:aws:s3:::acme-data/x")
    assert allowed.exit_code == 3, allowed.output
    assert "ok  resource policy: allowed by the bucket policy of primary.data" in allowed.output
    assert "??  identity policy: the role is not in the configuration" in allowed.output
    refused = can(OUTSIDE, "arn:aws:iam::222233334444:role/partner", "s3:PutObject", "arn:aws:s3:::acme-data/x")
    assert refused.exit_code == 1, refused.output


def test_a_bucket_outside_the_configuration_is_not_certain():
    result = can(OUTSIDE, "app_role", "s3:GetObject", "arn:aws:s3:::partner-bucket/x",
                 "--context", "aws:RequestedRegion=eu-west-1")
    assert result.exit_code == 3, result.output
    assert "is not in the configuration and is perhaps in another account" in result.output
