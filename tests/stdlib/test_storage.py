"""S3 buckets and EFS file systems (notes §5.4, §10–11)."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.kinds.storage import bucket_name_problems
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view, w

REGION = "us-east-1"


def days(x) -> v.Duration:
    return v.Duration(Fraction(x) * 86400)


def messages(views: list[View], severity: str | None = None) -> list[str]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += list(me.model.check(me, graph))
    for rule in rules():
        found += list(rule(graph))
    return [i.message for i in found if severity is None or i.severity == severity]


def bucket(address="data", region=REGION, **attrs) -> View:
    return view(address, "s3_bucket", attrs, region)


# --- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, rule", [
    ("ab", "has 3 to 63 characters"),
    ("a" * 64, "has 3 to 63 characters"),
    ("MyBucket", "has no uppercase letters"),
    ("my_bucket", "has no underscores"),
    ("my!bucket", "uses only lowercase letters, digits, dots and hyphens"),
    ("-bucket", "starts with a letter or a digit"),
    ("bucket.", "ends with a letter or a digit"),
    ("my..bucket", "no two dots in a row"),
    ("192.168.5.4", "cannot be an IP address"),
    ("xn--bucket", "cannot start with 'xn--'"),
    ("sthree-bucket", "cannot start with 'sthree-'"),
    ("amzn-s3-demo-bucket", "cannot start with 'amzn-s3-demo-'"),
    ("bucket-s3alias", "cannot end with '-s3alias'"),
    ("bucket--ol-s3", "cannot end with '--ol-s3'"),
    ("bucket.mrap", "cannot end with '.mrap'"),
    ("bucket--x-s3", "cannot end with '--x-s3'"),
])
def test_each_naming_rule_has_its_message(name, rule):
    found = bucket_name_problems(name)
    assert len(found) == 1 and rule in found[0], found


def test_good_names():
    for name in ("my-bucket", "logs.example.com", "a1b", "0" * 63):
        assert bucket_name_problems(name) == []


def test_names_are_checked_on_the_bucket():
    assert any("has no uppercase letters" in m for m in messages([bucket(bucket="Data")]))
    assert messages([bucket(bucket="data-archform")]) == []


def test_bucket_names_are_globally_unique():
    views = [bucket("a", bucket="shared-name"), bucket("b", "eu-west-1", bucket="shared-name")]
    assert any("bucket name 'shared-name' is already taken by 'a'" in m for m in messages(views))


def test_defaults():
    m = bucket().model
    assert (m.encryption, m.block_public_access, m.versioning) == ("sse-s3", True, False)
    assert bucket(encryption="AES256").model.encryption == "sse-s3"


# --- replication ---------------------------------------------------------------------------

def repl(dest: str, **attrs) -> dict:
    return {"destination": ref(dest, "s3_bucket"), **attrs}


def test_replication_needs_versioning_on_both_sides():
    views = [bucket("a", replication=[repl("b")]), bucket("b", "eu-west-1")]
    msgs = messages(views)
    assert "replication requires versioning on the source bucket (notes §10.5)" in msgs
    assert any("versioning on the destination bucket too" in m for m in msgs)
    views = [bucket("a", versioning=True, replication=[repl("b", storage_class=w("GLACIER"))]),
             bucket("b", "eu-west-1", versioning=True)]
    assert messages(views) == []


def test_replication_does_not_chain():
    views = [bucket("a", versioning=True, replication=[repl("b")]),
             bucket("b", versioning=True, replication=[repl("c")]),
             bucket("c", versioning=True)]
    assert any("replication does not chain: objects that 'a' replicates into 'b' are not replicated on to 'c'" in m
               for m in messages(views))


def test_two_way_replication_is_not_a_chain():
    views = [bucket("a", versioning=True, replication=[repl("b")]),
             bucket("b", versioning=True, replication=[repl("a")])]
    assert messages(views) == []


def test_kms_objects_need_a_replica_key():
    views = [bucket("a", versioning=True, encryption=w("sse-kms"), replication=[repl("b")]),
             bucket("b", versioning=True)]
    assert any("SSE-KMS are not replicated" in m for m in messages(views, "warning"))


# --- lifecycle -----------------------------------------------------------------------------

def test_lifecycle_rules():
    ok = {"name": "archive", "prefix": "logs/", "transition_after": days(30), "storage_class": w("standard_ia"),
          "expire_after": days(365)}
    assert messages([bucket(lifecycle_rule=[ok])]) == []
    msgs = messages([bucket(lifecycle_rule=[{**ok, "transition_after": days(10)}])])
    assert any("at least 30 days after creation" in m for m in msgs)
    msgs = messages([bucket(lifecycle_rule=[{**ok, "expire_after": days(20)}])])
    assert any("expire" in m and "before or when they would transition" in m for m in msgs)
    msgs = messages([bucket(lifecycle_rule=[{"name": "noop", "prefix": "x/"}])])
    assert any("has no action" in m for m in msgs)
    msgs = messages([bucket(lifecycle_rule=[{"name": "half", "transition_after": days(90)}])])
    assert "a transition has both transition_after and storage_class" in msgs


def test_lifecycle_counts_whole_days():
    msgs = messages([bucket(lifecycle_rule=[{"name": "x", "abort_multipart_after": v.Duration(Fraction(3600))}])])
    assert any("lifecycle actions count whole days" in m for m in msgs)


def test_storage_class_names():
    rule = {"name": "x", "transition_after": days(90), "storage_class": w("GLACIER_FLEXIBLE_RETRIEVAL")}
    assert bucket(lifecycle_rule=[rule]).model.lifecycle_rule[0].storage_class == "glacier"
    with pytest.raises(ValidationError, match="not a valid S3 storage class"):
        bucket(lifecycle_rule=[{**rule, "storage_class": w("glacierr_deep")}])


def test_noncurrent_expiry_without_versioning_warns():
    msgs = messages([bucket(lifecycle_rule=[{"name": "old", "noncurrent_expire_after": days(30)}])], "warning")
    assert any("not versioned" in m for m in msgs)


# --- website, locks, logging -------------------------------------------------------------------

def test_website_with_blocked_public_access_warns():
    assert any("visitors will get 403 errors" in m for m in messages([bucket(website={})], "warning"))
    assert messages([bucket(website={}, block_public_access=False)]) == []


def test_website_cannot_be_requester_pays():
    msgs = messages([bucket(website={}, block_public_access=False, requester_pays=True)])
    assert any("a website cannot be requester-pays" in m for m in msgs)


def test_object_lock_requires_versioning():
    assert any("Object Lock requires versioning" in m for m in messages([bucket(object_lock=True)]))
    lock = {"mode": w("compliance"), "retention": days(365)}
    assert messages([bucket(versioning=True, object_lock=lock)]) == []
    msgs = messages([bucket(versioning=True, object_lock={"mode": w("governance")})])
    assert any("both a mode" in m for m in msgs)
    assert bucket(object_lock=False).model.object_lock is None


def test_access_logging_goes_elsewhere_in_the_same_region():
    msgs = messages([bucket("a", access_logging=ref("a", "s3_bucket"))])
    assert any("never log a bucket's accesses into itself" in m for m in msgs)
    msgs = messages([bucket("a", access_logging=ref("logs", "s3_bucket")), bucket("logs", "eu-west-1")])
    assert any("the access-log bucket must be in the same region" in m for m in msgs)
    assert messages([bucket("a", access_logging={"target": ref("logs", "s3_bucket"), "prefix": "a/"}),
                     bucket("logs")]) == []


def test_bucket_policy_is_a_resource_policy():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                      "Resource": "arn:aws:s3:::site/*"}]}
    assert any(m.startswith("a statement needs Principal") for m in messages([bucket(policy=policy)]))


# --- EFS -------------------------------------------------------------------------------------

def network() -> list[View]:
    vpc = {"cidr": v.Cidr(ipaddress.ip_network("10.0.0.0/16"))}
    return [view("main", "vpc", vpc),
            view("a1", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.1.0/24", "az": w("a")}),
            view("a2", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.2.0/24", "az": w("a")}),
            view("b1", "subnet", {"vpc": ref("main", "vpc"), "cidr": "10.0.3.0/24", "az": w("b")})]


SG = [ref("nfs", "security_group")]


def efs(**attrs) -> View:
    return view("files", "efs", attrs)


def test_efs_defaults():
    m = efs().model
    assert (m.performance_mode, m.throughput_mode, m.availability, m.backup) == \
        ("general_purpose", "bursting", "regional", False)
    assert efs(availability=w("one_zone"), az=w("a")).model.backup is True


def test_efs_one_zone_needs_an_az_and_mounts_only_there():
    assert any("needs az" in m for m in messages([efs(availability=w("one_zone"))]))
    msgs = messages(network() + [efs(availability=w("one_zone"), az=w("a"), subnets=[ref("b1", "subnet")],
                                     security_groups=SG)])
    assert any("mounts only in us-east-1a" in m for m in msgs)


def test_efs_one_mount_target_per_zone():
    msgs = messages(network() + [efs(subnets=[ref("a1", "subnet"), ref("a2", "subnet")], security_groups=SG)])
    assert any("one mount target per Availability Zone" in m for m in msgs)
    assert messages(network() + [efs(subnets=[ref("a1", "subnet"), ref("b1", "subnet")], security_groups=SG)]) == []


def test_efs_needs_a_security_group():
    msgs = messages(network() + [efs(subnets=[ref("a1", "subnet")])], "warning")
    assert any("need a security group" in m for m in msgs)


def test_efs_modes():
    assert any("max_io performance mode does not work with elastic" in m
               for m in messages([efs(performance_mode=w("max_io"), throughput_mode=w("elastic"))]))
    assert any("needs provisioned_throughput" in m for m in messages([efs(throughput_mode=w("provisioned"))]))
    assert messages([efs(throughput_mode=w("provisioned"), provisioned_throughput=Fraction(128))]) == []


def test_efs_lifecycle():
    assert messages([efs(transition_to_ia=days(30))]) == []
    assert any("transition_to_ia is one of" in m for m in messages([efs(transition_to_ia=days(45))]))
    msgs = messages([efs(transition_to_ia=days(30), transition_to_archive=days(90))])
    assert "the Archive storage class needs elastic throughput" in msgs
    msgs = messages([efs(throughput_mode=w("elastic"), transition_to_ia=days(90), transition_to_archive=days(30))])
    assert any("must be longer than transition_to_ia" in m for m in msgs)
