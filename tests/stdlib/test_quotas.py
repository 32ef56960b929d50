"""Service quotas (`service_quota`): an account's regional limit raised above AWS's default.
More than 5 Elastic IPs in a region was a hard error however the account's quota stood; now a
declared increase is what validate counts against, what the plan makes first, and what the
modeled cloud enforces — never lowered, as AWS lowers no quota."""

from __future__ import annotations

import pytest

from archform.dsl.resolve import resolve_text
from workbench import Workbench


def arch(body: str) -> str:
    return 'region "us-east-1" as p {\n' + body + "\n}\n"


EIPS = "  elastic_ip e for i in [1, 2, 3, 4, 5, 6, 7] { }\n"


def said(text: str) -> list[tuple[str, str, int]]:
    _, diags = resolve_text(text, "main.arch")
    return [(d.severity, d.summary, d.span.start_line if d.span else 0) for d in diags]


def test_elastic_ips_count_against_the_quota_the_architecture_raises():
    over = said(arch(EIPS))
    assert [s for s in over if s[0] == "error"] == [
        ("error", "p.e[6]: an account has at most 5 Elastic IP addresses per region; 7 are allocated in us-east-1: "
                  "'p.e[1]', 'p.e[2]', 'p.e[3]', 'p.e[4]', 'p.e[5]', 'p.e[6]', 'p.e[7]'", 2),
        ("error", "p.e[7]: an account has at most 5 Elastic IP addresses per region; 7 are allocated in us-east-1: "
                  "'p.e[1]', 'p.e[2]', 'p.e[3]', 'p.e[4]', 'p.e[5]', 'p.e[6]', 'p.e[7]'", 2),
    ]
    assert said(arch("  service_quota eips { quota = elastic_ips, value = 10 }\n" + EIPS)) == []
    short = said(arch("  service_quota eips { quota = elastic_ips, value = 6 }\n" + EIPS))
    assert [s[1] for s in short] == [
        "p.e[7]: the account's Elastic IP quota is raised to 6 in us-east-1; 7 are allocated in us-east-1: "
        "'p.e[1]', 'p.e[2]', 'p.e[3]', 'p.e[4]', 'p.e[5]', 'p.e[6]', 'p.e[7]'"]
    # a quota of another region does not count here
    other = 'region "eu-west-1" as q {\n  service_quota eips { quota = elastic_ips, value = 10 }\n}\n'
    assert len([s for s in said(other + arch(EIPS)) if s[0] == "error"]) == 2


def test_vpcs_cidr_blocks_and_security_group_rules_read_their_quota():
    vpcs = "".join(f"  vpc v{i} {{ cidr = 10.{i}.0.0/16 }}\n" for i in range(7))
    assert [s[1] for s in said(arch(vpcs))][:1] == [
        "p.v5: an account has at most 5 VPCs per region by default; 7 are declared in us-east-1"]
    assert said(arch("  service_quota vpcs { quota = vpcs, value = 7 }\n" + vpcs)) == []
    blocks = "  vpc big { cidr = 10.0.0.0/16, secondary_cidrs = [10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16, " \
             "10.4.0.0/16, 10.5.0.0/16] }\n"
    assert [s[1] for s in said(arch(blocks))] == ["p.big: a VPC has at most 5 CIDR blocks by default, this one has 6"]
    assert said(arch("  service_quota blocks { quota = cidr_blocks_per_vpc, value = 6 }\n" + blocks)) == []
    rules = "".join(f"    ingress {{ port = {1000 + i}, from = 10.0.0.0/8 }}\n" for i in range(61))
    group = "  vpc main { cidr = 10.0.0.0/16 }\n  security_group many {\n    vpc = main\n" + rules + "  }\n"
    assert [s[1] for s in said(arch(group))] == [
        "p.many: a security group has at most 60 ingress rules by default, this one has 61"]
    assert said(arch("  service_quota rules { quota = rules_per_security_group, value = 100 }\n" + group)) == []


@pytest.mark.parametrize("body, message", [
    ("service_quota q { quota = elastic_ips, value = 3 }",
     "p.q: a quota cannot be lowered: EC2-VPC Elastic IPs is 5 by default, not 3"),
    ("service_quota q { quota = security_groups_per_interface, value = 17 }",
     "p.q: Security groups per network interface goes up to 16 here, not 17: a higher value is a request AWS "
     "support decides"),
    ("service_quota q { quota = elastic_ips, value = 9 }\n  service_quota r { quota = elastic_ips, value = 10 }",
     "p.r: quota elastic_ips is raised twice in us-east-1"),
    ("service_quota q { quota = security_groups_per_interface, value = 16 }\n"
     "  service_quota r { quota = rules_per_security_group, value = 100 }",
     "p.q: security groups per network interface × rules per security group is at most 1,000: 16 × 100 = 1,600"),
    ("service_quota q { quota = elastic_ip, value = 9 }",
     "p.q: quota: 'elastic_ip' is not a valid quota: expected one of elastic_ips, vpcs, cidr_blocks_per_vpc, "
     "rules_per_security_group, security_groups_per_interface"),
])
def test_what_aws_refuses_of_a_quota_is_an_error(body, message):
    errors = [s[1] for s in said(arch("  " + body)) if s[0] == "error"]
    assert message in errors, errors


def test_the_plan_makes_the_increase_before_what_counts_against_it():
    text = arch("  service_quota eips { quota = elastic_ips, value = 8 }\n" + EIPS +
                "  vpc main { cidr = 10.0.0.0/16 }\n"
                "  subnet pub { vpc = main, cidr = 10.0.1.0/24, az = \"us-east-1a\", public = true }\n"
                "  internet_gateway igw { vpc = main }\n"
                "  nat_gateway nat { subnet = pub }\n")
    desired, diags = resolve_text(text, "main.arch")
    assert not [d for d in diags if d.is_error], diags
    assert "p.eips" in desired.resources["p.e[3]"].deps
    assert "p.eips" in desired.resources["p.nat"].deps  # a public NAT gateway allocates an address
    assert "p.eips" not in desired.resources["p.main"].deps


def test_the_modeled_cloud_raises_the_limit_and_never_lowers_it(tmp_path):
    """As Terraform's aws_servicequotas_service_quota: a value above the account's quota is
    requested, one at or below it requests nothing (the apply goes on; it failed, and every
    address after it was not attempted); a destroyed declaration leaves the quota raised."""
    bench = Workbench(tmp_path)
    try:
        text = arch("  service_quota eips { quota = elastic_ips, value = 8 }\n" + EIPS)
        _, result = bench.apply(text)
        assert not result.failed, [r.error for r in result.failed]
        assert bench.plan(text).summary.empty
        quota = bench.cloud.read("service_quota", result.results[0].id)
        assert quota.outputs["value"] == 8 and quota.outputs["default_value"] == 5
        # asking for less requests nothing: the account keeps 8
        _, result = bench.apply(text.replace("value = 8", "value = 7"))
        assert not result.failed, [r.error for r in result.failed]
        assert bench.cloud.read("service_quota", quota.id).outputs["value"] == 8
        _, result = bench.apply(None, destroy=True)
        assert not result.failed and bench.store.read().resources == {}
        _, result = bench.apply(arch("  service_quota eips { quota = elastic_ips, value = 6 }\n"))
        assert not result.failed
        assert bench.cloud.read("service_quota", quota.id).outputs["value"] == 8
    finally:
        bench.close()


def test_cloudformation_leaves_the_quota_out_and_the_manifest_lists_the_request(tmp_path):
    from archform.providers.cloudformation import generate
    (tmp_path / "main.arch").write_text('region "us-west-2" as w {\n  service_quota eips { quota = elastic_ips, '
                                        'value = 8 }\n' + EIPS + "}\n")
    result = generate(tmp_path / "main.arch", {})
    command = ("aws service-quotas request-service-quota-increase --region us-west-2 --service-code ec2 "
               "--quota-code L-0263D0A3 --desired-value 8")
    assert result.manifest["before_deploy"] == [command]
    (warned,) = [d for d in result.diagnostics if "service_quota" in d.summary]
    assert warned.severity == "warning" and command in warned.help
    assert all(r["Type"] != "AWS::ServiceQuotas::ServiceQuota" for _, body in result.templates
               for r in body["Resources"].values())
