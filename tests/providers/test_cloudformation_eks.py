"""EKS and App Runner in CloudFormation: the safe defaults written where a reviewer sees them
(a private endpoint, secrets encrypted with a rotating, retained KMS key of the cluster's own,
every control-plane log), node groups and Fargate profiles as AWS spells them, App Runner's
source, instance and scaling configuration; every template clean under cfn-lint's
informational rules too."""

from __future__ import annotations

from pathlib import Path

import pytest

from archform.providers.cloudformation import generate
from archform.providers.cloudformation.write import write

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eks_cluster.arch"
APPRUNNER = ROOT / "tests" / "providers" / "chaos_cases" / "apprunner.arch"


def _resources(path: Path, params: dict | None = None) -> dict:
    result = generate(path, params or {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    (template,) = [body for _, body in result.templates]
    return template["Resources"]


def _of(resources: dict, rtype: str) -> dict:
    return {k: r for k, r in resources.items() if r["Type"] == rtype}


def test_the_cluster_writes_its_safe_defaults():
    res = _resources(EXAMPLE)
    (cluster,) = _of(res, "AWS::EKS::Cluster").values()
    props = cluster["Properties"]
    assert props["Version"] == "1.35"
    vpc = props["ResourcesVpcConfig"]
    assert (vpc["EndpointPrivateAccess"], vpc["EndpointPublicAccess"]) == (True, False)
    assert "PublicAccessCidrs" not in vpc and len(vpc["SubnetIds"]) == 3
    (key_id, key), = _of(res, "AWS::KMS::Key").items()
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    assert props["EncryptionConfig"] == [{"Provider": {"KeyArn": {"Fn::GetAtt": [key_id, "Arn"]}},
                                          "Resources": ["secrets"]}]
    assert [t["Type"] for t in props["Logging"]["ClusterLogging"]["EnabledTypes"]] == [
        "api", "audit", "authenticator", "controllerManager", "scheduler"]


def test_a_public_endpoint_is_limited_to_its_cidrs_and_a_key_of_the_account_is_used(tmp_path):
    text = EXAMPLE.read_text().replace('    subnets = net.private\n    tags    = { Team = "platform" }',
                                       '    subnets = net.private\n    endpoint_public = true\n'
                                       '    public_cidrs = [203.0.113.0/24]\n    kms_key = "arn:aws:kms:us-west-2:'
                                       '123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"')
    assert text != EXAMPLE.read_text()
    (tmp_path / "eks.arch").write_text(text)
    res = _resources(tmp_path / "eks.arch")
    (cluster,) = _of(res, "AWS::EKS::Cluster").values()
    vpc = cluster["Properties"]["ResourcesVpcConfig"]
    assert vpc["EndpointPublicAccess"] is True and vpc["PublicAccessCidrs"] == ["203.0.113.0/24"]
    assert not _of(res, "AWS::KMS::Key")
    assert cluster["Properties"]["EncryptionConfig"][0]["Provider"]["KeyArn"].startswith("arn:aws:kms:")


def test_node_groups_and_the_fargate_profile_as_aws_spells_them():
    res = _resources(EXAMPLE)
    groups = {r["Metadata"]["archform:address"]: r["Properties"] for r in _of(res, "AWS::EKS::Nodegroup").values()}
    batch, general = groups["primary.batch"], groups["primary.general"]
    assert general["ScalingConfig"] == {"MinSize": 3, "MaxSize": 12, "DesiredSize": 6}
    assert general["UpdateConfig"] == {"MaxUnavailable": 1} and general["CapacityType"] == "ON_DEMAND"
    assert general["AmiType"] == "AL2023_x86_64_STANDARD" and general["DiskSize"] == 20
    assert batch["CapacityType"] == "SPOT" and batch["InstanceTypes"] == ["m5.xlarge", "m5a.xlarge", "m6i.xlarge"]
    assert batch["Taints"] == [{"Key": "spot", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert batch["Labels"] == {"pool": "batch"}
    (profile,) = _of(res, "AWS::EKS::FargateProfile").values()
    assert profile["Properties"]["Selectors"] == [{"Namespace": "web"}]
    # pods, pod_cpu, pod_memory and storage are for the modeled cloud: Kubernetes decides them
    assert sorted(profile["Properties"]) == ["ClusterName", "PodExecutionRoleArn", "Selectors", "Subnets"]


def test_app_runner_services():
    res = _resources(APPRUNNER)
    services = {r["Metadata"]["archform:address"]: r["Properties"] for r in _of(res, "AWS::AppRunner::Service").values()}
    api, site = services["primary.api"], services["primary.site"]
    assert api["SourceConfiguration"]["ImageRepository"]["ImageRepositoryType"] == "ECR"
    assert "AccessRoleArn" in api["SourceConfiguration"]["AuthenticationConfiguration"]
    assert site["SourceConfiguration"]["ImageRepository"]["ImageRepositoryType"] == "ECR_PUBLIC"
    assert site["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]["Port"] == "80"
    assert api["InstanceConfiguration"] == {"Cpu": "1 vCPU", "Memory": "2 GB"}
    assert api["NetworkConfiguration"]["EgressConfiguration"]["EgressType"] == "VPC"
    assert site["NetworkConfiguration"]["EgressConfiguration"] == {"EgressType": "DEFAULT"}
    scaling = [r["Properties"] for r in _of(res, "AWS::AppRunner::AutoScalingConfiguration").values()]
    assert scaling == [{"MinSize": 3, "MaxSize": 25, "MaxConcurrency": 100}] * 2
    (connector,) = _of(res, "AWS::AppRunner::VpcConnector").values()
    assert len(connector["Properties"]["Subnets"]) == 2


@pytest.mark.parametrize("path", [EXAMPLE, APPRUNNER], ids=lambda p: p.stem)
def test_templates_pass_cfn_lint_with_informational_rules(tmp_path, path):
    from cfnlint.api import ManualArgs, lint_file
    result = generate(path, {})
    assert result.ok
    write(result, tmp_path / "out", "yaml")
    found = [(m.rule.id, m.message) for t, _ in result.templates
             for m in lint_file(tmp_path / "out" / t.file, config=ManualArgs(regions=[t.region], include_checks=["I"]))]
    assert [f for f in found if f[0] != "W3010"] == []  # W3010: the architecture names its AZs on purpose
