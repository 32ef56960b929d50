"""CloudFormation from the same source: every example and test architecture generates
templates that cfn-lint (the real package) passes without errors; every kind has a mapping;
references, parameters, policies, dependencies and nested stacks come out as a reviewer would
write them; the output is deterministic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archform.providers.cloudformation import Options, generate
from archform.providers.cloudformation.write import text_of, write
from archform.providers.cloudformation.yaml_out import load as load_yaml
from archform.providers.cloudformation.yaml_out import to_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.arch"))
CASES = sorted((Path(__file__).parent / "test_cloudformation_cases").glob("*.arch"))
ARCHITECTURES = EXAMPLES + CASES

# Warnings and informational findings (`-c I`) cfn-lint may report on these templates, and why
# they are kept (none informational today: I3011, a stateful resource without DeletionPolicy, is
# answered by an explicit policy on every one):
KEPT_WARNINGS = {
    # Architectures name their Availability Zones (the checks and the modeled cloud reason about
    # them); writing `!Select [n, !GetAZs ""]` instead would place subnets in other zones for
    # accounts that lack one.
    "W3010",
    # Nested stack templates are local files for `aws cloudformation package` to upload (pass
    # --templates-url to write S3 URLs instead).
    "W3002",
    # Timestream for LiveAnalytics is in maintenance mode (closed to new customers since
    # 2025-06-20, cfn-lint's resource specification): the timestream_* kinds are for accounts
    # that use it already, and the model warns (stdlib/kinds/timestream.py).
    "W3697",
}


def lint(folder: Path, result) -> list:
    """cfn-lint every template, each for the region its stack is deployed in, with the
    informational rules on (`-c I`)."""
    from cfnlint.api import ManualArgs, lint_file
    found = []
    for template, _ in result.templates:
        config = ManualArgs(regions=[template.region], include_checks=["I"])
        for match in lint_file(folder / template.file, config=config):
            found.append((template.file, match.rule.id, match.message, match.linenumber))
    return found


def generated(path: Path, **options):
    result = generate(path, {}, Options(**options))
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    return result


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_cfn_lint_passes(path, tmp_path):
    result = generated(path)
    write(result, tmp_path, "yaml")
    found = lint(tmp_path, result)
    errors = [f for f in found if f[1][0] == "E"]
    assert errors == []
    # every warning and informational finding is one of the justified exceptions above
    assert {f[1] for f in found} <= KEPT_WARNINGS, [f for f in found if f[1] not in KEPT_WARNINGS]


def test_nested_stacks_pass_cfn_lint(tmp_path):
    """Beyond 500 resources: the parent holds nested stacks only; every child is a valid
    template of at most 500 resources, its parameters filled by the parent."""
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from generate import arch
    source = tmp_path / "forest.arch"
    source.write_text(arch(700))
    result = generated(source)
    parent, children = result.templates[0][1], result.templates[1:]
    assert len(children) >= 2
    assert {r["Type"] for r in parent["Resources"].values()} == {"AWS::CloudFormation::Stack"}
    for template, body in children:
        assert len(body["Resources"]) <= 500
        passed = parent["Resources"][template.lid]["Properties"].get("Parameters", {})
        assert set(passed) == set(body.get("Parameters", {}))
        for name, value in passed.items():
            if "Fn::GetAtt" in value:  # the producing sibling outputs it
                producer, output = value["Fn::GetAtt"]
                other = next(b for t, b in children if t.lid == producer)
                assert output.split(".", 1)[1] in other["Outputs"]
    write(result, tmp_path / "out", "yaml")
    found = lint(tmp_path / "out", result)
    assert [f for f in found if f[1][0] == "E"] == []
    assert {f[1] for f in found} <= KEPT_WARNINGS


def test_nested_children_refer_only_to_earlier_children():
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    result = generate(ROOT / "examples" / "ha_web.arch", {}, Options(limit=12))
    assert result.ok
    parent = result.templates[0][1]
    order = [t.lid for t, _ in result.templates[1:]]
    for lid, resource in parent["Resources"].items():
        for value in resource["Properties"].get("Parameters", {}).values():
            if "Fn::GetAtt" in value:
                assert order.index(value["Fn::GetAtt"][0]) < order.index(lid)


# --- the mapping -------------------------------------------------------------------------------

def test_every_kind_has_a_mapping():
    from archform.providers.cloudformation.mapping import EXPORTS, MAPPERS, TYPES, missing_kinds
    from archform.stdlib import catalogue
    assert missing_kinds(catalogue.kinds()) == []
    assert set(MAPPERS) == set(TYPES) == set(EXPORTS) == set(catalogue.kinds())
    for kind, cls in catalogue.kinds().items():  # every export the catalogue names is decided
        assert set(cls.exports) <= set(EXPORTS[kind]), kind


def test_the_every_kind_architecture_has_every_kind():
    from archform.dsl.resolve import resolve
    from archform.stdlib import catalogue
    desired, _ = resolve(CASES[[p.stem for p in CASES].index("every_kind")], {})
    assert {r.kind for r in desired.resources.values()} == set(catalogue.kinds())


def test_a_kind_without_mapping_is_an_error_naming_it(monkeypatch):
    from archform.providers.cloudformation import mapping
    monkeypatch.delitem(mapping.MAPPERS, "nat_gateway")
    result = generate(ROOT / "examples" / "ha_web.arch", {})
    assert not result.ok and result.templates == []
    assert any("no mapping for kind 'nat_gateway'" in d.summary for d in result.diagnostics)


def _resources(result) -> dict:
    out = {}
    for _, body in result.templates:
        out.update(body["Resources"])
    return out


def test_logical_ids_come_from_addresses():
    result = generated(ROOT / "examples" / "ha_web.arch")
    resources = _resources(result)
    assert resources["PrimaryWebFleet"]["Metadata"] == {"archform:address": "primary.web_fleet"}
    assert resources["PrimaryNetPrivateUsEast1a"]["Type"] == "AWS::EC2::Subnet"
    assert resources["PrimaryWebListenerHttps"]["Type"] == "AWS::ElasticLoadBalancingV2::Listener"
    assert resources["PrimaryNetIgwAttachment"]["Type"] == "AWS::EC2::VPCGatewayAttachment"


def test_clashing_addresses_get_distinct_ids():
    from archform.providers.cloudformation.logical_ids import base_ids
    ids = base_ids(["a.b_c", "a_b.c", "web"])
    assert ids["web"] == "Web"
    assert ids["a.b_c"] != ids["a_b.c"] and ids["a.b_c"].startswith("ABC")


def test_output_is_deterministic(tmp_path):
    for fmt in ("yaml", "json"):
        texts = []
        for _ in range(2):
            result = generated(CASES[[p.stem for p in CASES].index("multi_region")])
            texts.append([text_of(body, fmt) for _, body in result.templates] + [json.dumps(result.manifest)])
        assert texts[0] == texts[1]


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_yaml_and_json_say_the_same(path):
    for _, body in generated(path).templates:
        assert load_yaml(text_of(body, "yaml")) == json.loads(text_of(body, "json"))


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_SCALARS = st.one_of(_TEXT, st.integers(-10**6, 10**6), st.booleans(),
                     st.sampled_from(["yes", "No", "null", "~", "2012-10-17", "10.0.0.0/16", "1e3", "0x1F", "- a",
                                      "a: b", "#x", "x #y", "*a", "&a", "!Ref", "@x", "%x", "`x", "", " ", "a ",
                                      "line\nline\n", "tab\there", "${X}", "[a]", "{a}", "a,b", "'q'", '"q"']))
_KEYS = st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9:._-]{0,12}", fullmatch=True), _TEXT)
_FUNCS = st.sampled_from(["Ref", "Fn::Sub", "Fn::ImportValue", "Fn::Base64", "Fn::Join", "Fn::Select"])
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4),
    # a function's argument is text, a list or a map (CloudFormation has no other)
    st.builds(lambda f, v: {f: v}, _FUNCS, st.one_of(_TEXT, st.lists(inner, max_size=3),
                                                      st.dictionaries(_KEYS, inner, min_size=1, max_size=3)))),
    max_leaves=25)


@settings(max_examples=300)
@given(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=5))
def test_yaml_reads_back_as_written(doc):
    assert load_yaml(to_yaml(doc)) == doc


# --- references, parameters, dependencies, policies --------------------------------------------

def test_params_become_parameters_used_by_ref_and_sub():
    result = generated(ROOT / "examples" / "static_site.arch")
    (_, body), = result.templates
    assert body["Parameters"]["Domain"] == {"Type": "String", "Description": "archform param domain (string)",
                                            "Default": "docs.example.org"}
    resources = body["Resources"]
    assert resources["EdgeContent"]["Properties"]["BucketName"] == {"Ref": "Domain"}
    assert resources["EdgeLogs"]["Properties"]["BucketName"] == {"Fn::Sub": "${Domain}-logs"}
    assert resources["DocsWww"]["Properties"]["Name"] == {"Fn::Sub": "www.${Domain}"}
    assert resources["Docs"]["Properties"]["Name"] == {"Ref": "Domain"}


def test_a_param_of_a_catalogue_choice_has_its_allowed_values():
    result = generated(ROOT / "examples" / "ha_web.arch")
    param = result.templates[0][1]["Parameters"]["InstanceType"]
    assert param["Default"] == "m5.large" and "m5.large" in param["AllowedValues"] and "t3.micro" in param["AllowedValues"]


def test_a_param_given_on_the_command_line_is_the_default():
    result = generate(ROOT / "examples" / "static_site.arch", {"domain": "docs.example.net"})
    assert result.templates[0][1]["Parameters"]["Domain"]["Default"] == "docs.example.net"


def test_a_param_that_shapes_the_architecture_is_fixed_and_recorded(tmp_path):
    source = tmp_path / "zones.arch"
    source.write_text('param count: number = 2\n'
                      'region "us-east-1" as r {\n'
                      '  vpc v { cidr = 10.0.0.0/16 }\n'
                      '  subnet s for i in range(count) {\n'
                      '    vpc = v\n    cidr = cidrsubnet(v.cidr, 8, i)\n    az = "a"\n  }\n}\n')
    result = generated(source)
    body = result.templates[0][1]
    assert "Parameters" not in body
    fixed = body["Metadata"]["archform"]["parameters_fixed_at_generation"]
    assert fixed == {"count": {"value": 2, "why": "it changes which resources exist"}}


@pytest.mark.parametrize("default", ["0.0.0.0/0", "203.0.113.0/24"])
def test_a_cidr_param_of_a_rule_stays_a_parameter(tmp_path, default):
    """`param allowed: cidr = 0.0.0.0/0` used by an ingress rule was written as a literal, fixed
    "because no other value of it passes the checks" (untrue: the whole space has no next
    network to try), and any CIDR was fixed because the rule's description quoted it: a
    deployer could not narrow SSH to their office. It is a parameter."""
    source = tmp_path / "ssh.arch"
    source.write_text(f'param allowed: cidr = {default}\n'
                      'region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.0/16 }\n'
                      '  security_group ssh {\n    vpc = v\n    ingress { port = 22, from = allowed }\n  }\n}\n')
    result = generate(source, {}, Options())
    body = result.templates[0][1]
    assert "parameters_fixed_at_generation" not in body["Metadata"]["archform"]
    assert body["Parameters"]["Allowed"]["Default"] == default
    (rule,) = body["Resources"]["RSsh"]["Properties"]["SecurityGroupIngress"]
    assert rule["CidrIp"] == {"Ref": "Allowed"} and rule["Description"] == {"Fn::Sub": "tcp 22 from ${Allowed}"}


def test_a_value_made_of_two_params_carries_the_first(tmp_path):
    """`"${app}-${env}"`: one parameter per value; the other is fixed everywhere, so a deploy-time
    override never leaves a stale literal behind."""
    source = tmp_path / "two.arch"
    source.write_text('param env: string = "prod"\nparam app: string = "shop"\n'
                      'region "us-east-1" as r {\n  s3_bucket b {\n    bucket = "${app}-${env}-assets"\n'
                      '    tags = { env = env, app = app }\n  }\n}\n')
    body = generated(source).templates[0][1]
    assert set(body["Parameters"]) == {"Env"}
    props = body["Resources"]["RB"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "shop-${Env}-assets"}
    assert props["Tags"] == [{"Key": "app", "Value": "shop"}, {"Key": "env", "Value": {"Ref": "Env"}}]
    assert body["Metadata"]["archform"]["parameters_fixed_at_generation"]["app"]["value"] == "shop"


def test_amis_are_parameters_of_the_image_type():
    body = generated(ROOT / "examples" / "ha_ec2_eip.arch").templates[0][1]
    assert body["Parameters"]["Ami"]["Type"] == "AWS::EC2::Image::Id"
    data = body["Resources"]["IrelandServerGroupLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["ImageId"] == {"Ref": "Ami"}
    assert data["IamInstanceProfile"] == {"Arn": {"Fn::GetAtt": ["AttachEipProfile", "Arn"]}}
    assert "Fn::Base64" in data["UserData"]
    assert "${IrelandAddress.AllocationId}" in data["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "$(curl" in data["UserData"]["Fn::Base64"]["Fn::Sub"]


def test_depends_on_only_where_no_reference_says_so():
    resources = _resources(generated(ROOT / "examples" / "ha_web.arch"))
    # a route to the internet gateway must wait for its attachment: nothing refers to it
    assert resources["PrimaryNetPublicRoutesRouteInternet"]["DependsOn"] == "PrimaryNetIgwAttachment"
    # a subnet refers to its VPC: no DependsOn
    assert "DependsOn" not in resources["PrimaryNetPublicUsEast1a"]
    edge = _resources(generated(CASES[[p.stem for p in CASES].index("edge_cases")]))
    # the load balancer forwards to the Auto Scaling group in the architecture; in the template
    # the group registers with the target group the load balancer made for it: that order stands
    assert edge["MainWorkers"]["Properties"]["TargetGroupARNs"] == [{"Ref": "MainInternalAlbListenerHttpsTargets"}]
    assert "DependsOn" not in edge["MainInternalAlb"]
    # the DR plan covers the databases, which nothing in its resiliency policy refers to
    every = _resources(generated(CASES[[p.stem for p in CASES].index("every_kind")]))
    assert every["Dr"]["DependsOn"] == ["PrimaryDb", "PrimaryOrders"]


def test_explicit_depends_on_becomes_depends_on(tmp_path):
    source = tmp_path / "deps.arch"
    source.write_text('region "us-east-1" as r {\n'
                      '  s3_bucket logs { bucket = "archform-test-logs" }\n'
                      '  s3_bucket data {\n    bucket = "archform-test-data"\n    depends_on = [logs]\n  }\n'
                      '  s3_bucket site {\n    bucket = "archform-test-site"\n'
                      '    access_logging { target = logs }\n    depends_on = [logs]\n  }\n}\n')
    resources = _resources(generated(source))
    assert resources["RData"]["DependsOn"] == "RLogs"
    assert "DependsOn" not in resources["RSite"]  # its logging configuration refers to the log bucket


def test_deletion_policies():
    resources = _resources(generated(CASES[[p.stem for p in CASES].index("every_kind")]))
    assert resources["PrimaryDb"]["DeletionPolicy"] == resources["PrimaryDb"]["UpdateReplacePolicy"] == "Snapshot"
    assert resources["PrimaryOrders"]["DeletionPolicy"] == "Snapshot"
    assert resources["PrimaryOrdersInstance1"]["DeletionPolicy"] == "Delete"  # the cluster's snapshot has it
    assert resources["PrimaryCache"]["DeletionPolicy"] == "Snapshot"
    assert resources["PrimarySessions"]["DeletionPolicy"] == "Retain"  # DynamoDB cannot snapshot
    assert resources["PrimaryDbReplica"]["DeletionPolicy"] == "Delete"  # a read replica has no final snapshot
    assert "DeletionPolicy" not in resources["PrimaryMain"]
    web = _resources(generated(ROOT / "examples" / "ha_web.arch"))
    for lid in ("PrimaryOrders", "PrimaryOrdersInstance1", "PrimaryOrdersSubnetGroup"):  # prevent_destroy
        assert web[lid]["DeletionPolicy"] == web[lid]["UpdateReplacePolicy"] == "Retain"


def test_tags_are_carried():
    resources = _resources(generated(CASES[[p.stem for p in CASES].index("every_kind")]))
    assert resources["PrimaryMain"]["Properties"]["Tags"] == [{"Key": "Name", "Value": {"Fn::Sub": "main-${Env}"}},
                                                             {"Key": "env", "Value": {"Ref": "Env"}}]
    assert resources["PrimaryAppFleet"]["Properties"]["Tags"] == [
        {"Key": "tier", "Value": "app", "PropagateAtLaunch": True}]


def test_security_groups_that_name_groups_are_separate_rules():
    resources = _resources(generated(CASES[[p.stem for p in CASES].index("every_kind")]))
    rule = resources["PrimaryAppSgIngressAllFromSelf"]["Properties"]
    assert rule["GroupId"] == rule["SourceSecurityGroupId"] == {"Fn::GetAtt": ["PrimaryAppSg", "GroupId"]}
    group = resources["PrimaryAppSg"]["Properties"]
    assert group["SecurityGroupEgress"] == [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                             "CidrIp": "0.0.0.0/0", "Description": "tcp 443 to 0.0.0.0/0"}]
    assert "SecurityGroupEgress" not in resources["PrimaryWebSg"]["Properties"]  # AWS's default egress


def test_the_bucket_policy_lets_cloudfront_read_through_oac():
    resources = _resources(generated(ROOT / "examples" / "static_site.arch"))
    statement, = resources["EdgeContentPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"].endswith("distribution/${Cdn}")
    origin, = resources["Cdn"]["Properties"]["DistributionConfig"]["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnOacSite", "Id"]}


def test_certificates_validate_in_a_zone_of_the_same_stack():
    resources = _resources(generated(ROOT / "examples" / "ha_web.arch"))
    options = resources["PrimarySite"]["Properties"]["DomainValidationOptions"]
    assert options == [{"DomainName": {"Ref": "Domain"}, "HostedZoneId": {"Ref": "Shop"}},
                       {"DomainName": {"Fn::Sub": "www.${Domain}"}, "HostedZoneId": {"Ref": "Shop"}}]


def test_unexpressible_attributes_are_warnings_and_template_notes():
    result = generated(CASES[[p.stem for p in CASES].index("edge_cases")])
    warnings = [d.summary for d in result.diagnostics if not d.is_error and d.summary.startswith("CloudFormation")]
    assert any("custom_endpoint" in w for w in warnings)
    assert any("requester_pays" in w for w in warnings)
    notes = [body["Metadata"]["archform"].get("not_expressed", []) for _, body in result.templates]
    assert any("main.events: custom_endpoint" in n[0] for n in notes if n)


def test_an_unavailable_export_is_an_error(tmp_path):
    source = tmp_path / "x.arch"
    source.write_text('region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.0/16 }\n'
                      '  s3_bucket b { tags = { table = v.main_route_table } }\n}\n')
    result = generate(source, {})
    assert not result.ok
    assert any("vpc 'r.v' has no CloudFormation value for 'main_route_table'" in d.summary for d in result.diagnostics)


# --- stacks, regions, cross-region references ------------------------------------------------

def test_one_stack_per_region_and_global_stacks_where_needed():
    result = generated(CASES[[p.stem for p in CASES].index("multi_region")])
    stacks = [(s["name"], s["region"]) for s in result.manifest["stacks"]]
    assert stacks == [("multi-region-us-east-1", "us-east-1"), ("multi-region-eu-west-1", "eu-west-1"),
                      ("multi-region-global", "us-east-1"), ("multi-region-us-west-2", "us-west-2")]
    by_stack = {t.stack_name: body for t, body in result.templates}
    # Global Accelerator is managed only through us-west-2
    accelerator = by_stack["multi-region-us-west-2"]["Resources"]
    assert {r["Type"] for r in accelerator.values()} >= {"AWS::GlobalAccelerator::Accelerator"}
    # failover records between regions go in the global stack, deployed after both regions
    assert "ShopWwwStandby" in by_stack["multi-region-global"]["Resources"]


def test_cross_region_references_are_parameters_wired_by_the_manifest():
    result = generated(CASES[[p.stem for p in CASES].index("multi_region")])
    by_stack = {t.stack_name: body for t, body in result.templates}
    standby = by_stack["multi-region-eu-west-1"]
    # the secondary Aurora cluster joins the primary's global database, read from us-east-1
    cluster = standby["Resources"]["StandbyOrders"]["Properties"]
    assert cluster["GlobalClusterIdentifier"] == {"Ref": "PrimaryOrdersGlobalClusterRef"}
    assert standby["Parameters"]["PrimaryOrdersGlobalClusterRef"]["Type"] == "String"
    primary = by_stack["multi-region-us-east-1"]
    assert primary["Outputs"]["PrimaryOrdersGlobalClusterRef"]["Value"] == {"Ref": "PrimaryOrdersGlobalCluster"}
    entry = next(s for s in result.manifest["stacks"] if s["name"] == "multi-region-eu-west-1")
    assert entry["parameters_from"]["PrimaryOrdersGlobalClusterRef"] == {"stack": "multi-region-us-east-1",
                                                                         "output": "PrimaryOrdersGlobalClusterRef"}
    assert entry["after"] == ["multi-region-us-east-1"]
    # S3 replication names the other region's bucket by its ARN, known from its name
    rule, = primary["Resources"]["PrimaryAssets"]["Properties"]["ReplicationConfiguration"]["Rules"]
    assert rule["Destination"]["Bucket"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::shop-assets-standby"}


def test_same_region_references_between_stacks_are_imports():
    result = generated(CASES[[p.stem for p in CASES].index("multi_region")])
    by_stack = {t.stack_name: body for t, body in result.templates}
    check = by_stack["multi-region-global"]["Resources"]["PrimaryHealth"]["Properties"]["HealthCheckConfig"]
    assert check["FullyQualifiedDomainName"] == {"Fn::ImportValue": "multi-region:PrimaryWebDNSName"}
    out = by_stack["multi-region-us-east-1"]["Outputs"]["PrimaryWebDNSName"]
    assert out["Export"] == {"Name": "multi-region:PrimaryWebDNSName"}


def test_a_cycle_between_stacks_is_an_error(tmp_path):
    """Each region refers to the other: no stack can be deployed first."""
    source = tmp_path / "loop.arch"
    source.write_text('region "us-east-1" as a {\n  vpc v { cidr = 10.0.0.0/16 }\n'
                      '  vpc_peering p { vpc = v\n peer_vpc = b.v }\n}\n'
                      'region "eu-west-1" as b {\n  vpc v { cidr = 10.1.0.0/16 }\n'
                      '  vpc_peering p { vpc = v\n peer_vpc = a.v }\n}\n')
    result = generate(source, {})
    assert not result.ok
    assert any("refer to each other in a cycle" in d.summary for d in result.diagnostics)


# --- the command ---------------------------------------------------------------------------------

def _archform(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "archform.planner.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_command_writes_templates_and_manifest(tmp_path):
    out = tmp_path / "cfn"
    run = _archform("cfn", str(ROOT / "examples" / "ha_web.arch"), "-o", str(out), "--format", "json")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ha-web-us-east-1.json", "manifest.json"]
    assert json.loads((out / "ha-web-us-east-1.json").read_text())["AWSTemplateFormatVersion"] == "2010-09-09"
    assert "ha-web-us-east-1 (us-east-1)" in run.stderr


def test_writing_again_replaces_the_earlier_templates(tmp_path):
    out = tmp_path / "cfn"
    (tmp_path / "notes.txt").write_text("mine")
    write(generated(ROOT / "examples" / "ha_web.arch", limit=20), out, "yaml")
    assert len(list(out.glob("*.yaml"))) > 2
    write(generated(ROOT / "examples" / "ha_web.arch", extension="json"), out, "json")
    assert sorted(p.name for p in out.iterdir()) == ["ha-web-us-east-1.json", "manifest.json"]
    assert (tmp_path / "notes.txt").exists()


def test_command_prints_a_single_template(tmp_path):
    run = _archform("cfn", str(ROOT / "examples" / "static_site.arch"), "-o", "-", "-p", "domain=docs.example.net")
    assert run.returncode == 0, run.stderr
    body = load_yaml(run.stdout)
    assert body["Parameters"]["Domain"]["Default"] == "docs.example.net"


def test_command_reports_mistakes_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.arch"
    bad.write_text('region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.0/8 }\n}\n')
    run = _archform("cfn", str(bad), "-o", str(tmp_path / "out"))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "error:" in run.stderr
    assert not (tmp_path / "out").exists()


def test_help_does_not_import_the_generator():
    code = ("import sys; from archform.planner.cli import main\n"
            "assert 'archform.providers.cloudformation' not in sys.modules, 'imported'\n"
            "assert 'cfn' in main.commands")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def _refs(value) -> set[str]:
    """Logical ids a property tree refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub)."""
    import re
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
            found |= _refs(v)
    elif isinstance(value, list):
        for v in value:
            found |= _refs(v)
    return found


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_a_key_outlives_the_data_a_deleted_stack_keeps(path):
    """A KMS key used by a resource the stack keeps on deletion (Retain, Snapshot), or by one
    writing into it, is retained: deleted, it would leave the kept data unreadable once its
    waiting period ends (the central trail's key, a retained bucket's)."""
    for _, body in generated(path).templates:
        resources = body["Resources"]
        kept = {lid for lid, r in resources.items() if r.get("DeletionPolicy") in ("Retain", "Snapshot")}
        for lid, r in resources.items():
            used = _refs(r.get("Properties", {}))
            if lid not in kept and not used & kept:
                continue
            for key in used:
                if resources.get(key, {}).get("Type") == "AWS::KMS::Key":
                    assert resources[key]["DeletionPolicy"] == "Retain", f"{path.stem}: {key} (used by {lid})"
