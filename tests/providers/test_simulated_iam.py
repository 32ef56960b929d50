"""IAM users, groups, instance profiles and SCPs in the modeled cloud: their ids and ARNs, and
IAM's DeleteConflict for what is still in use."""

from __future__ import annotations

import pytest

from archform.providers.base import Conflict, DependencyViolation

DENY_LEAVING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}




def test_iam_refuses_to_delete_what_is_in_use(builder, cloud):
    r = builder.ref
    user = builder.add("u", "iam_user", region=None)
    builder.add("g", "iam_group", region=None, members=[r("u")])
    role = builder.add("role", "iam_role", region=None, assumed_by=["ec2"])
    profile = builder.add("p", "instance_profile", region=None, role=r("role"))
    assert profile.outputs["profile_arn"].startswith("arn:aws:iam::123456789012:instance-profile/")
    with pytest.raises(DependencyViolation) as e:
        cloud.delete("iam_user", user.id)
    assert e.value.code == "DeleteConflict"
    with pytest.raises(DependencyViolation):
        cloud.delete("iam_role", role.id)
    scp = builder.add("s", "scp", region=None, document=DENY_LEAVING, targets=["r-ab12"])
    assert scp.id.startswith("p-") and len(scp.id) == 10


def test_an_instance_profile_takes_the_name_it_is_given_once_in_the_account(builder):
    """`name = "app-profile"` is the profile's name (it was ignored for a generated one), and
    IAM refuses it a second time, in any region."""
    r = builder.ref
    builder.add("role", "iam_role", region=None, assumed_by=["ec2"])
    profile = builder.add("p", "instance_profile", region=None, role=r("role"), name="app-profile")
    assert profile.id == profile.outputs["profile_name"] == "app-profile"
    assert profile.outputs["profile_arn"] == "arn:aws:iam::123456789012:instance-profile/app-profile"
    with pytest.raises(Conflict) as e:
        builder.add("again", "instance_profile", region=None, role=r("role"), name="app-profile")
    assert e.value.code == "EntityAlreadyExists"
