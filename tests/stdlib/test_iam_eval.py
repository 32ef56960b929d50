"""IAM evaluation (stdlib/iam): a table of requests over iam_cases/policies.arch, each with the
answer AWS's policy evaluation logic gives and the statement that decides it (the resource and
the path of the statement in its model, which `archform iam can` prints as file:line:col)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archform.dsl.check import build_graph
from archform.dsl.resolve import resolve_with_spans
from archform.stdlib.iam import Target, arn_of, can, principal_of
from archform.stdlib.iam.sources import find, target_of
from archform.stdlib.iam.statements import Statement, Where, conditions_hold

CASE = Path(__file__).parent / "iam_cases" / "policies.arch"
WORK = ("inline_policies", "work", "Statement")


@pytest.fixture(scope="module")
def graph():
    desired, diags, _ = resolve_with_spans(CASE, {})
    assert not [d for d in diags if d.is_error], diags
    return build_graph(desired)


def ask(graph, principal, action, resource, context=None):
    who = principal_of(graph, find(graph, principal))
    return can(graph, who, action, target_of(graph, resource), context or {})


# (why, principal, action, resource, context, allowed, reason, decided by (address, path) or None)
TABLE = [
    ("identity policy allows, within the boundary", "worker_role", "sqs:ReceiveMessage", "primary.jobs", {}, True,
     "allowed by an identity policy", ("worker_role", (*WORK, 0))),
    ("a function asks as its role", "lambda_function.primary.worker", "sqs:DeleteMessage", "primary.jobs", {}, True,
     "allowed by an identity policy", ("worker_role", (*WORK, 0))),
    ("the statement names another resource", "worker_role", "sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:123456789012:other",
     {}, False, "no policy allows it (implicit deny)", None),
    ("wildcard action and resource (s3:Get*, acme-reports/*)", "worker_role", "s3:GetObjectTagging",
     "arn:aws:s3:::acme-reports/2026/q1.csv", {}, True, "allowed by an identity policy", ("worker_role", (*WORK, 1))),
    ("explicit deny wins over the allow beside it", "worker_role", "s3:GetObject", "arn:aws:s3:::acme-reports/secret/k",
     {}, False, "explicit deny", ("worker_role", (*WORK, 2))),
    ("the boundary cuts what the role's policy allows", "worker_role", "kinesis:GetRecords", "primary.clicks", {},
     False, "outside the permissions boundary", ("worker_role", ("permissions_boundary",))),
    ("an SCP's explicit deny", "admin_role", "dynamodb:DeleteTable", "primary.orders", {}, False, "explicit deny",
     ("no_table_deletion", ("document", "Statement", 0))),
    ("an SCP allow-list cuts AdministratorAccess (NotAction)", "admin_role", "kms:ScheduleKeyDeletion", "primary.clicks",
     {}, False, "no SCP allows it", ("allow_list", ("document",))),
    ("AdministratorAccess within the SCPs", "admin_role", "kinesis:PutRecord", "primary.clicks", {}, True,
     "allowed by an identity policy", ("admin_role", ("policies", 0))),
    ("NotAction allows what it does not name", "deployer_role", "ec2:RunInstances", "primary.clicks", {}, True,
     "allowed by an identity policy", ("deployer_role", ("inline_policies", "deploy", "Statement", 0))),
    ("NotAction does not allow what it names", "deployer_role", "iam:CreateUser", "primary.clicks", {}, False,
     "no policy allows it (implicit deny)", None),
    ("the resource policy alone grants, same account", "reader_profile", "s3:GetObject",
     "arn:aws:s3:::acme-reports/a.csv", {}, True, "allowed by the resource's policy",
     ("primary.reports", ("policy", "Statement", 0))),
    ("a bucket policy's deny on a condition (no VPC endpoint)", "reader_role", "s3:PutObject",
     "arn:aws:s3:::acme-reports/a.csv", {}, False, "explicit deny", ("primary.reports", ("policy", "Statement", 1))),
    ("through the endpoint the condition names", "reader_role", "s3:PutObject", "arn:aws:s3:::acme-reports/a.csv",
     {"aws:SourceVpce": "vpce-0a1b2c3d"}, True, "allowed by the resource's policy",
     ("primary.reports", ("policy", "Statement", 0))),
    ("a resource policy naming the role's ARN stays within its boundary", "worker_role", "s3:PutObject",
     "arn:aws:s3:::acme-reports/a.csv", {"aws:SourceVpce": "vpce-0a1b2c3d"}, False, "outside the permissions boundary",
     ("worker_role", ("permissions_boundary",))),
    ("a resource policy granting a user is not cut by its boundary", "analyst", "s3:PutObject",
     "arn:aws:s3:::acme-reports/a.csv", {"aws:SourceVpce": "vpce-0a1b2c3d"}, True, "allowed by the resource's policy",
     ("primary.reports", ("policy", "Statement", 0))),
    ("a queue refuses plain HTTP (aws:SecureTransport)", "worker_role", "sqs:ReceiveMessage", "primary.jobs",
     {"aws:SecureTransport": "false"}, False, "explicit deny", ("primary.jobs", ("policy", "Statement", 0))),
    ("aws:PrincipalOrgID absent: the topic's allow does not hold", "reader_role", "sns:Publish", "primary.alerts", {},
     False, "no policy allows it (implicit deny)", None),
    ("aws:PrincipalOrgID of the organisation", "reader_role", "sns:Publish", "primary.alerts",
     {"aws:PrincipalOrgID": "o-acme"}, True, "allowed by the resource's policy",
     ("primary.alerts", ("policy", "Statement", 0))),
    ("a group's policy on an unknown condition key is not matched", "analyst", "sns:Publish", "arn:aws:sns:eu-west-1:1:x",
     {}, False, "no policy allows it (implicit deny)", None),
]


@pytest.mark.parametrize("why,principal,action,resource,context,allowed,reason,by", TABLE, ids=[t[0] for t in TABLE])
def test_evaluation_table(graph, why, principal, action, resource, context, allowed, reason, by):
    d = ask(graph, principal, action, resource, context)
    assert (d.allowed, d.reason) == (allowed, reason), d.steps
    assert (None if d.decided_by is None else (d.decided_by.address, d.decided_by.path)) == by


def test_an_unknown_condition_is_said_to_be_treated_as_not_matched(graph):
    d = ask(graph, "analyst", "sns:Publish", "arn:aws:sns:eu-west-1:1:x")
    assert d.notes == ["condition key aws:ResourceTag/team is not known to the catalogue: treated as not matched "
                       "(give its value with --context aws:ResourceTag/team=VALUE)"]
    assert d.complete  # matched, the group's Allow would still be outside analyst's boundary
    notes: list = []
    st = Statement("Allow", Where("x", (), ""), conditions={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01"}})
    assert conditions_hold(st, {}, notes) is False
    assert notes == ["condition operator DateGreaterThan is not evaluated: treated as not matched"]


def test_a_managed_policy_not_in_the_configuration_leaves_a_denial_open():
    desired, _, _ = resolve_with_spans(Path(__file__).parents[2] / "examples" / "analytics.arch", {})
    g = build_graph(desired)
    d = can(g, g.get("crawler_role"), "s3:PutObject", Target(None, "arn:aws:s3:::elsewhere/x"))
    assert not d.allowed and not d.complete
    assert any("AWSGlueServiceRole" in n for n in d.notes)


def test_stand_in_arns_have_aws_shapes(graph):
    assert arn_of(graph, "primary.reports") == "arn:aws:s3:::acme-reports"
    assert arn_of(graph, "primary.jobs") == "arn:aws:sqs:eu-west-1:123456789012:primary-jobs"
    assert arn_of(graph, "worker_role") == "arn:aws:iam::123456789012:role/worker_role"


def test_not_principal_denies_everyone_it_does_not_name(graph):
    from archform.stdlib.iam.evaluate import Request
    who = graph.get("worker_role")
    req = Request(graph, who, "s3:GetObject", Target(None, "arn:aws:s3:::b/k"), None, {})
    st = Statement("Deny", Where("x", (), ""), not_principals=[("AWS", "arn:aws:iam::123456789012:role/admin_role")])
    assert req.names_principal(st)
    spared = Statement("Deny", Where("x", (), ""), not_principals=[("AWS", "arn:aws:iam::123456789012:role/worker_role")])
    assert not req.names_principal(spared)


def test_a_fleet_asks_as_the_role_of_its_launch_settings():
    desired, _, _ = resolve_with_spans(Path(__file__).parents[2] / "examples" / "queue_workers.arch", {})
    g = build_graph(desired)
    fleet = next(v for v in g.of_kind("autoscaling_group"))
    assert principal_of(g, fleet).address == "worker_role"


OUTSIDE = Path(__file__).parent / "iam_cases" / "outside.arch"
PARTNER = "arn:aws:iam::222233334444:role/partner"


@pytest.fixture(scope="module")
def outside():
    desired, diags, _ = resolve_with_spans(OUTSIDE, {})
    assert not [d for d in diags if d.is_error], diags
    return build_graph(desired)


def ask_any(graph, principal, action, resource, context=None):
    from archform.stdlib.iam.evaluate import principal_by_arn
    who = principal_by_arn(principal) if principal.startswith("arn:") else principal_of(graph, find(graph, principal))
    return can(graph, who, action, target_of(graph, resource), context or {})


def _open(d):
    return [(s.layer, s.at.address if s.at else None) for s in d.steps if s.verdict == "open"]


# (why, principal, action, resource, context, allowed, certain, reason, what is open)
OUTSIDE_TABLE = [
    ("the region lock denies a request to us-east-1 (aws:RequestedRegion from the ARN)", "ops", "ec2:RunInstances",
     "arn:aws:ec2:us-east-1:123456789012:instance/*", {}, False, True, "explicit deny", []),
    ("--context gives aws:RequestedRegion", "ops", "ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*",
     {"aws:RequestedRegion": "us-east-1"}, False, True, "explicit deny", []),
    ("in eu-west-1 the lock does not apply", "ops", "ec2:RunInstances", "arn:aws:ec2:eu-west-1:123456789012:instance/*",
     {}, True, True, "allowed by an identity policy", []),
    ("no region known: the lock's Deny could reverse the Allow", "ops", "ec2:RunInstances",
     "arn:aws:ec2:*:123456789012:instance/*", {}, True, False, "allowed by an identity policy",
     [("explicit deny", "region_lock")]),
    ("an undecided Allow could reverse a denial", "app_role", "s3:ListBucket", "primary.data", {}, False, False,
     "no policy allows it (implicit deny)", [("identity policy", "app_role")]),
    ("aws:PrincipalArn: the bucket denies a user", "analyst", "s3:PutObject", "arn:aws:s3:::acme-data/x", {}, False,
     True, "explicit deny", []),
    ("another account's role the bucket allows: its own policies are not known", PARTNER, "s3:GetObject",
     "arn:aws:s3:::acme-data/x", {}, False, False,
     "allowed by the resource's policy, if the principal's own policies allow it too", [("identity policy", None)]),
    ("another account's role the bucket does not allow", PARTNER, "s3:PutObject", "arn:aws:s3:::acme-data/x", {},
     False, True, "the resource's policy does not allow the other account", []),
    ("a bucket outside the configuration may be another account's", "app_role", "s3:GetObject",
     "arn:aws:s3:::partner-bucket/x", {"aws:RequestedRegion": "eu-west-1"}, True, False,
     "allowed by an identity policy", [("resource policy", None)]),
    ("a queue of another account", "app_role", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:222233334444:inbox", {}, True,
     False, "allowed by an identity policy", [("resource policy", None)]),
    ("a queue of the account outside the configuration", "app_role", "sqs:SendMessage",
     "arn:aws:sqs:eu-west-1:123456789012:other", {}, True, True, "allowed by an identity policy", []),
]


@pytest.mark.parametrize("why,principal,action,resource,context,allowed,certain,reason,open_", OUTSIDE_TABLE,
                         ids=[t[0] for t in OUTSIDE_TABLE])
def test_what_the_configuration_cannot_decide(outside, why, principal, action, resource, context, allowed, certain,
                                              reason, open_):
    d = ask_any(outside, principal, action, resource, context)
    assert (d.allowed, d.complete, d.reason) == (allowed, certain, reason), d.steps
    assert _open(d) == open_


def test_the_undecided_deny_names_its_key(outside):
    d = ask_any(outside, "ops", "ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*")
    step, = [s for s in d.steps if s.verdict == "open"]
    assert "scp region_lock denies it when its condition holds" in step.text
    assert "--context aws:RequestedRegion=VALUE" in step.text
