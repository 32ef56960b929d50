"""ACM certificates and IAM roles and policies (notes §2, §22, §23.5)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.kinds.security import policy_problems
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view, w

REGION = "us-east-1"


def messages(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    return [i.message for i in found if severity is None or i.severity == severity]


READ_BUCKET = {"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}


# --- certificates --------------------------------------------------------------------------

def test_certificate_names_and_coverage():
    c = build("certificate", {"domain": "Example.com", "alternative_names": ["*.example.com"]})
    assert c.validation == "dns"
    assert c.covers("www.example.com") and c.covers("example.com") and not c.covers("a.b.example.com")


def test_certificate_rejects_bad_names():
    with pytest.raises(ValidationError, match="leftmost"):
        build("certificate", {"domain": "www.*.example.com"})


def test_certificate_duplicate_names():
    msgs = messages([view("c", "certificate", {"domain": "example.com", "alternative_names": ["example.com"]})])
    assert "'example.com' is listed twice in the certificate" in msgs


def test_validation_zone_must_be_public_and_hold_the_names():
    zone = view("z", "dns_zone", {"domain": "example.com"}, None)
    ok = view("c", "certificate", {"domain": "www.example.com", "validation_zone": ref("z", "dns_zone")})
    assert messages([zone, ok]) == []
    bad = view("c", "certificate", {"domain": "www.other.org", "validation_zone": ref("z", "dns_zone")})
    assert "zone example.com cannot hold the validation record for www.other.org" in messages([zone, bad])
    private = view("z", "dns_zone", {"domain": "example.com", "private": True, "vpcs": [ref("v", "vpc")]}, None)
    assert any("is a private hosted zone" in m for m in messages([private, ok]))


# --- policy documents ----------------------------------------------------------------------

def test_valid_identity_policy():
    assert policy_problems(READ_BUCKET) == []


def test_statement_needs_effect_action_resource():
    found = [m for _, m, _ in policy_problems({"Version": "2012-10-17", "Statement": [{}]})]
    assert "a statement needs Effect = \"Allow\" or \"Deny\"" in found
    assert any(m.startswith("a statement needs Action") for m in found)
    assert any(m.startswith("a statement needs Resource") for m in found)


def test_effect_is_case_sensitive():
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}
    (path, message, _), = policy_problems(doc)
    assert path == ("Statement", "Effect") and "case-sensitive" in message


def test_action_format_and_unknown_elements():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*",
                                                   "Resources": "*"}]}
    found = [m for _, m, _ in policy_problems(doc)]
    assert any("an action is \"service:Action\"" in m for m in found)
    assert any("'Resources' is not a statement element" in m and "did you mean 'Resource'" in m for m in found)


def test_actions_are_case_insensitive_and_a_capitalised_prefix_is_a_warning():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:getobject", "S3:getobject"],
                                                   "Resource": "*"}]}
    (path, message, severity), = policy_problems(doc)
    assert severity == "warning" and path == ("Statement", 0, "Action")
    assert "'S3:getobject'" in message and 'write "s3:getobject"' in message


def test_principal_belongs_to_resource_policies():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                   "Resource": "*"}]}
    assert any("Principal belongs to resource-based" in m for _, m, _ in policy_problems(doc, "identity"))
    assert policy_problems(doc, "resource") == []


def test_missing_version_is_a_warning():
    (_, message, severity), = policy_problems({"Statement": READ_BUCKET["Statement"]})
    assert severity == "warning" and "Version" in message


def test_iam_policy_checks_its_document():
    assert messages([view("p", "iam_policy", {"document": READ_BUCKET}, None)]) == []
    msgs = messages([view("p", "iam_policy", {"document": {"Version": "2012-10-17"}}, None)])
    assert any("a policy needs a Statement" in m for m in msgs)


# --- roles ---------------------------------------------------------------------------------

def test_role_principals_are_normalized():
    role = build("iam_role", {"assumed_by": [w("ec2"), w("ecs-tasks"), "lambda.amazonaws.com", "123456789012"],
                              "policies": ["ReadOnlyAccess", ref("p", "iam_policy")]}, None)
    assert role.assumed_by == ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "lambda.amazonaws.com",
                               "arn:aws:iam::123456789012:root"]
    assert role.policies[0] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert build("iam_role", {"assumed_by": w("ec2")}, None).assumed_by == ["ec2.amazonaws.com"]


def test_role_rejects_bad_policies():
    with pytest.raises(ValidationError, match="not an IAM policy ARN"):
        build("iam_role", {"assumed_by": w("ec2"), "policies": ["arn:aws:s3:::bucket"]}, None)


def test_role_inline_policies_are_checked():
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    msgs = messages([view("r", "iam_role", {"assumed_by": w("ec2"), "inline_policies": {"s3": bad}}, None)])
    assert any(m.startswith("a statement needs Resource") for m in msgs)


def test_role_session_length():
    with pytest.raises(ValidationError, match="max_session must be between 1h and 12h"):
        build("iam_role", {"assumed_by": w("ec2"), "max_session": v.Duration(Fraction(13 * 3600))}, None)


def test_duplicate_attached_policy():
    msgs = messages([view("r", "iam_role", {"assumed_by": w("ec2"),
                                            "policies": ["ReadOnlyAccess", "ReadOnlyAccess"]}, None)])
    assert any("is attached twice" in m for m in msgs)
