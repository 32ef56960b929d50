"""IAM users, groups, instance profiles and SCPs (stdlib/kinds/iam.py): their defaults and
limits (the modeled cloud: tests/providers/test_simulated_iam.py)."""

from __future__ import annotations

from archform.stdlib.kinds.iam import policy_size
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view

DENY_LEAVING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}


def issues(views: list[View]):
    graph = ViewGraph(views)
    return [(i.message, i.severity) for me in views for i in me.model.check(me, graph)]


def test_a_user_has_no_console_password_and_no_access_keys_by_default():
    user = build("iam_user", {})
    assert user.console_password is False and user.access_keys == 0
    assert issues([view("u", "iam_user", {}, None)]) == []


def test_access_keys_are_a_warning():
    found = issues([view("ci", "iam_user", {"access_keys": 1}, None)])
    assert found == [("this user has 1 access key: long-lived secrets that leak (notes §2.6)", "warning")]


def test_a_user_is_in_at_most_10_groups():
    groups = [view(f"g{i}", "iam_group", {"members": [ref("u", "iam_user")]}, None) for i in range(11)]
    found = issues([view("u", "iam_user", {}, None), *groups])
    assert ("a user is in at most 10 groups; u is in 11", "error") in found
    assert not any("at most 10 groups" in m for m, _ in issues([view("u", "iam_user", {}, None), *groups[:10]]))


def test_a_group_lists_a_member_once():
    found = issues([view("u", "iam_user", {}, None), view("g", "iam_group", {"members": [ref("u", "iam_user"), ref("u", "iam_user")]}, None)])
    assert ("user u is listed twice", "error") in found


def test_an_instance_profile_role_must_trust_ec2():
    role = view("r", "iam_role", {"assumed_by": ["lambda"]}, None)
    found = issues([role, view("p", "instance_profile", {"role": ref("r", "iam_role")}, None)])
    assert any("cannot be assumed by EC2" in m for m, _ in found)
    ok = view("r", "iam_role", {"assumed_by": ["ec2"]}, None)
    assert issues([ok, view("p", "instance_profile", {"role": ref("r", "iam_role")}, None)]) == []


def test_an_scp_counts_its_document_without_whitespace_and_needs_targets():
    assert policy_size(DENY_LEAVING) == len('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":'
                                            '"organizations:LeaveOrganization","Resource":"*"}]}')
    found = issues([view("s", "scp", {"document": DENY_LEAVING}, None)])
    assert found == [("an SCP attached to nothing limits nothing: give targets (the root, OUs or accounts)",
                      "warning")]


def test_at_most_5_scps_on_one_target():
    scps = [view(f"s{i}", "scp", {"document": DENY_LEAVING, "targets": ["r-ab12"]}, None) for i in range(6)]
    found = [m for m, _ in issues(scps)]
    assert found == ["at most 5 SCPs are attached to one target; r-ab12 has 6"]  # said once, at the first


def test_an_scp_takes_no_principal():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                   "Resource": "*"}]}
    assert any("Principal belongs to resource-based" in m for m, _ in issues([view("s", "scp", {
        "document": doc, "targets": ["r-ab12"]}, None)]))


# --- CloudFormation -------------------------------------------------------------------------

PROFILE_ARCH = """
iam_role app { assumed_by = [ec2] }
instance_profile app_profile { role = app }
iam_user ops {
  console_password = true
  access_keys      = 1
}
iam_group admins { members = [ops] }
region "us-east-1" as r {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = a
  }
  instance box {
    ami           = "ami-0abcdef1234567890"
    instance_type = t3.micro
    subnet        = a
    iam_role      = app_profile
  }
  launch_template lt {
    ami           = "ami-0abcdef1234567890"
    instance_type = t3.micro
    iam_role      = app_profile
  }
}
"""


def test_instances_launch_with_an_instance_profile_of_the_architecture(tmp_path):
    from archform.providers.cloudformation import Options, generate
    source = tmp_path / "profile.arch"
    source.write_text(PROFILE_ARCH)
    result = generate(source, {}, Options())
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    resources = {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}
    profiles = [lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::InstanceProfile"]
    assert profiles == ["AppProfile"]  # the role makes no second profile of its own
    assert resources["AppProfile"]["Properties"]["Roles"] == [{"Ref": "App"}]
    assert resources["RBox"]["Properties"]["IamInstanceProfile"] == {"Ref": "AppProfile"}
    data = resources["RLt"]["Properties"]["LaunchTemplateData"]
    assert data["IamInstanceProfile"] == {"Arn": {"Fn::GetAtt": ["AppProfile", "Arn"]}}
    assert resources["AdminsMembers"]["Properties"] == {"GroupName": {"Ref": "Admins"}, "Users": [{"Ref": "Ops"}]}
    assert "LoginProfile" not in resources["Ops"].get("Properties", {})
    warned = " ".join(d.summary for d in result.diagnostics)
    assert "console_password" in warned and "access_keys" in warned
