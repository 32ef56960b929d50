"""CloudFormation a user can hand to CloudFormation and trust (issue 14): templates that deploy
the first time (no ordering race, no deadlock), that build what the `.arch` says, and whose
defaults are safe."""

from __future__ import annotations

from pathlib import Path

from archform.providers.cloudformation import Options, generate

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "test_cloudformation_cases"


def generated(path: Path, **options):
    result = generate(path, {}, Options(**options))
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    return result


def resources(result) -> dict:
    out = {}
    for _, body in result.templates:
        out.update(body["Resources"])
    return out


def of_type(found: dict, type_: str) -> dict:
    return {lid: r for lid, r in found.items() if r["Type"] == type_}


# --- wrong architecture --------------------------------------------------------------------------

def test_databases_say_they_are_not_public():
    """An unset PubliclyAccessible makes an instance public in a VPC with an internet gateway."""
    for path in (ROOT / "examples" / "ha_web.arch", CASES / "every_kind.arch", CASES / "edge_cases.arch"):
        found = resources(generated(path))
        instances = of_type(found, "AWS::RDS::DBInstance")
        assert instances
        for lid, r in instances.items():
            assert r["Properties"]["PubliclyAccessible"] in (False, True), lid


def test_cloudfront_in_another_stack_reads_the_bucket_with_a_pattern_that_matches():
    """`StringEquals` with a `*` matches no distribution ARN: every request would be denied."""
    found = resources(generated(CASES / "every_kind.arch"))
    for policy in of_type(found, "AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for operator, values in statement.get("Condition", {}).items():
                for value in values.values():
                    text = str(value)
                    if "distribution/*" in text:
                        assert operator == "StringLike", statement


# --- deploy-blocking ---------------------------------------------------------------------------

def _depends(resource) -> list:
    found = resource.get("DependsOn", [])
    return [found] if isinstance(found, str) else found


def test_what_faces_the_internet_waits_for_the_gateway_attachment():
    """Internet-facing load balancers, and groups or instances that get public IPs, fail with
    "has no internet gateway" when created before the attachment (no reference orders them)."""
    web = resources(generated(ROOT / "examples" / "ha_web.arch"))
    assert "PrimaryNetIgwAttachment" in _depends(web["PrimaryWeb"])
    assert "PrimaryNetIgwAttachment" not in _depends(web["PrimaryWebFleet"])  # private subnets
    eip = resources(generated(ROOT / "examples" / "ha_ec2_eip.arch"))
    assert "IrelandIgwAttachment" in _depends(eip["IrelandServerGroup"])  # map_public_ip subnets
    edge = resources(generated(CASES / "edge_cases.arch"))
    assert "DependsOn" not in edge["MainInternalAlb"]  # internal


def test_a_request_count_policy_waits_for_the_listener():
    """ALBRequestCountPerTarget names a target group that AWS accepts only once a listener
    forwards to it; the policy refers to the load balancer and the group, not the listener."""
    every = resources(generated(CASES / "every_kind.arch"))
    assert _depends(every["PrimaryAppFleetPolicyRequests"]) == ["PrimaryWebListenerHttps"]
    assert "DependsOn" not in every["PrimaryAppFleetPolicyCpu"]


def test_scheduled_actions_keep_their_sizes_through_stack_updates():
    edge = resources(generated(CASES / "edge_cases.arch"))
    assert edge["MainWorkers"]["UpdatePolicy"]["AutoScalingScheduledAction"] == {
        "IgnoreUnmodifiedGroupSizeProperties": True}
    assert "AutoScalingRollingUpdate" in edge["MainWorkers"]["UpdatePolicy"]


def test_certificates_validate_in_the_zone_the_architecture_holds_deployed_before_them():
    """dr_warm_standby deadlocked: its certificates waited for validation records in a zone of
    a stack deployed after them. The zone now goes in `global-base`, its records in `global`."""
    result = generated(ROOT / "examples" / "dr_warm_standby.arch")
    assert not [d for d in result.diagnostics if "validated by DNS" in d.summary]
    order = [s["name"] for s in result.manifest["stacks"]]
    assert order[0] == "dr-warm-standby-global-base" and order[-1] == "dr-warm-standby-global"
    by_file = {t.file: body for t, body in result.templates}
    base = by_file["dr-warm-standby-global-base.yaml"]["Resources"]
    assert [r["Type"] for r in base.values()] == ["AWS::Route53::HostedZone"]
    glob = by_file["dr-warm-standby-global.yaml"]["Resources"]
    assert "AWS::Route53::RecordSet" in {r["Type"] for r in glob.values()}
    found = resources(result)
    assert found["PrimarySite"]["Properties"]["DomainValidationOptions"][0]["HostedZoneId"] == {
        "Fn::ImportValue": "dr-warm-standby:ShopRef"}
    assert found["StandbyCert"]["Properties"]["DomainValidationOptions"][0]["HostedZoneId"] == {"Ref": "ShopRef"}


def test_a_global_database_runs_the_primarys_engine_version_everywhere():
    found = resources(generated(ROOT / "examples" / "dr_warm_standby.arch"))
    assert found["PrimaryOrders"]["Properties"]["EngineVersion"] == "16.6"
    assert found["StandbyOrders"]["Properties"]["EngineVersion"] == "16.6"  # not written on the secondary
    assert found["StandbyOrders"]["Properties"]["KmsKeyId"] == "alias/aws/rds"


# --- logical IDs survive additions -----------------------------------------------------------------

def _ha_web_with(tmp_path, region_extra: str = "", root_extra: str = "") -> Path:
    text = (ROOT / "examples" / "ha_web.arch").read_text()
    head, sep, tail = text.partition('region "us-east-1" as primary {\n')
    source = tmp_path / "ha_web.arch"
    source.write_text(head + sep + region_extra + tail + root_extra)
    return source


def _ids(result) -> dict:
    return {r["Metadata"]["archform:address"] + "#" + lid: lid for lid, r in resources(result).items()}


def test_an_addition_never_renames_an_existing_resource(tmp_path):
    """A newcomer whose ID reads like an existing one takes the hash; the existing keeps its ID
    (CloudFormation would replace it: a new load balancer, a new DNS name)."""
    before = resources(generated(ROOT / "examples" / "ha_web.arch"))
    sg = ('  security_group net_igw_attachment {\n    vpc         = net.vpc\n'
          '    description = "named like the attachment"\n  }\n')
    check = '\nhealth_check primary_web {\n  type   = https\n  target = primary.web\n  path   = "/health"\n}\n'
    after = resources(generated(_ha_web_with(tmp_path, sg, check)))
    assert set(before) <= set(after)
    for lid in before:
        assert after[lid]["Metadata"] == before[lid]["Metadata"], lid
    assert after["PrimaryWeb"]["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer"
    assert after["PrimaryNetIgwAttachment"]["Type"] == "AWS::EC2::VPCGatewayAttachment"


def test_ids_of_the_previous_manifest_are_kept(tmp_path):
    """Where the plain reading would favour the newcomer, the previous manifest decides."""
    from archform.providers.cloudformation.logical_ids import assign
    first = assign([("primary_web", "")])
    assert first == {("primary_web", ""): "PrimaryWeb"}
    fresh = assign([("primary_web", ""), ("primary.web", "")])
    assert fresh[("primary.web", "")] == "PrimaryWeb"  # no history: the deeper address
    kept = assign([("primary_web", ""), ("primary.web", "")], {"primary_web#": "PrimaryWeb"})
    assert kept[("primary_web", "")] == "PrimaryWeb" and kept[("primary.web", "")].startswith("PrimaryWeb")
    assert kept[("primary.web", "")] != "PrimaryWeb"
    result = generated(ROOT / "examples" / "ha_web.arch")
    again = generated(ROOT / "examples" / "ha_web.arch", previous=result.manifest)
    assert result.manifest["logical_ids"] == again.manifest["logical_ids"]


def test_the_command_keeps_the_ids_of_the_manifest_in_its_folder(tmp_path):
    import json
    import subprocess
    import sys
    out = tmp_path / "cfn"
    run = [sys.executable, "-m", "archform.planner.cli", "cfn"]
    subprocess.run([*run, str(ROOT / "examples" / "ha_web.arch"), "-o", str(out)], check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["logical_ids"]["primary.web#"] = "TheShopAlb"  # as an earlier version of archform named it
    (out / "manifest.json").write_text(json.dumps(manifest))
    subprocess.run([*run, str(ROOT / "examples" / "ha_web.arch"), "-o", str(out)], check=True, capture_output=True)
    assert "TheShopAlb:" in (out / "ha-web-us-east-1.yaml").read_text()


_FLAT = """region "us-east-1" as primary {
  vpc main { cidr = 10.0.0.0/16 }
  subnet app for az in ["us-east-1a", "us-east-1b"] {
    vpc  = main
    cidr = cidrsubnet(10.0.0.0/16, 8, index(["us-east-1a", "us-east-1b"], az))
    az   = az
  }
  s3_bucket logs {}
}
"""

_MODULE = """param cidr: cidr
vpc main { cidr = cidr }
subnet app for az in ["us-east-1a", "us-east-1b"] {
  vpc  = main
  cidr = cidrsubnet(cidr, 8, index(["us-east-1a", "us-east-1b"], az))
  az   = az
}
s3_bucket logs {}
"""

_REFACTORED = """use "./stack" as stack
region "us-east-1" as primary {
  stack core { cidr = 10.0.0.0/16 }
}
moved primary.main -> primary.core.main
moved primary.app -> primary.core.app
moved primary.logs -> primary.stack.logs
moved primary.stack -> primary.core
"""


def test_moved_resources_keep_their_logical_ids(tmp_path):
    """Refactoring resources into a module with `moved` renamed every logical ID, so a stack
    update would have replaced them all: a new bucket (its name still taken by the retained old
    one), new subnets. The moved resources keep the IDs of their old addresses: from the
    previous manifest, or the plain IDs of the old addresses when there is none (chains and
    whole `for` collections too)."""
    (tmp_path / "main.arch").write_text(_FLAT)
    before = generated(tmp_path / "main.arch")
    (tmp_path / "stack.arch").write_text(_MODULE)
    (tmp_path / "main.arch").write_text(_REFACTORED)
    ids = set(before.manifest["logical_ids"].values())
    assert ids == {"PrimaryMain", "PrimaryAppUsEast1a", "PrimaryAppUsEast1b", "PrimaryLogs"}
    for previous in (before.manifest, None):
        after = generated(tmp_path / "main.arch", previous=previous)
        assert after.manifest["logical_ids"] == {
            "primary.core.app[us-east-1a]#": "PrimaryAppUsEast1a", "primary.core.app[us-east-1b]#": "PrimaryAppUsEast1b",
            "primary.core.logs#": "PrimaryLogs", "primary.core.main#": "PrimaryMain"}
        assert set(resources(after)) == ids


# --- safe by default -------------------------------------------------------------------------------

def test_safe_defaults_are_written():
    every = resources(generated(CASES / "every_kind.arch"))
    for lid, r in every.items():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::EC2::LaunchTemplate" and "ImageId" in props["LaunchTemplateData"]:
            assert props["LaunchTemplateData"]["MetadataOptions"] == {"HttpTokens": "required"}, lid
        if r["Type"] == "AWS::EC2::Instance":
            assert props["MetadataOptions"] == {"HttpTokens": "required"}, lid
        if r["Type"] in ("AWS::EFS::FileSystem", "AWS::S3::Bucket"):
            assert r["DeletionPolicy"] == r["UpdateReplacePolicy"] == "Retain", lid
        if r["Type"] == "AWS::EC2::Volume":
            assert r["DeletionPolicy"] == "Snapshot", lid
        if r["Type"] == "AWS::S3::Bucket":
            assert "PublicAccessBlockConfiguration" in props, lid
        if r["Type"] == "AWS::EC2::SecurityGroupIngress":
            assert props["Description"], lid
        for arn in props.get("ManagedPolicyArns", []):
            assert not (isinstance(arn, str) and arn.startswith("arn:aws:")), lid
    web = resources(generated(ROOT / "examples" / "ha_web.arch"))
    assert web["PrimaryOrders"]["Properties"]["DeletionProtection"] is True  # prevent_destroy
    assert web["PrimaryOrders"]["Properties"]["StorageEncrypted"] is True
    listener = web["PrimaryWebListenerHttps"]["Properties"]
    assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    dr = resources(generated(ROOT / "examples" / "dr_warm_standby.arch"))
    assert dr["StandbyOrders"]["DeletionPolicy"] == "Snapshot"  # a secondary cluster


def test_kinds_lists_the_safe_defaults():
    import subprocess
    import sys
    from archform.stdlib import catalogue
    from archform.stdlib.safe_defaults import SAFE_DEFAULTS
    assert set(SAFE_DEFAULTS) <= set(catalogue.kinds())
    shown = subprocess.run([sys.executable, "-m", "archform.planner.cli", "kinds", "aurora"], capture_output=True,
                           text=True, check=True).stdout
    assert "safe defaults" in shown and "encrypted" in shown
    shown = subprocess.run([sys.executable, "-m", "archform.planner.cli", "kinds", "instance"], capture_output=True,
                           text=True, check=True).stdout
    assert "metadata                   default {'http_tokens': 'required'}" in shown


def test_cloudfront_reaches_a_load_balancer_by_a_name_its_certificate_covers(tmp_path):
    """Over HTTPS, CloudFront checks the listener's certificate against the name it connects
    to: the elb.amazonaws.com name never matches, and every request would fail (502)."""
    bare = '\ncloudfront cdn {\n  origin web {\n    target = primary.web\n  }\n}\n'
    result = generate(_ha_web_with(tmp_path, root_extra=bare), {}, Options())
    assert not result.ok
    found, = [d for d in result.diagnostics if d.is_error]
    assert "elb.amazonaws.com" in found.summary and found.span.start_line > 140
    wrong = bare.replace("target = primary.web", 'target = primary.web\n    domain = "origin.example.org"')
    result = generate(_ha_web_with(tmp_path, root_extra=wrong), {}, Options())
    assert any("covers origin.example.org" in d.summary for d in result.diagnostics if d.is_error)
    named = bare.replace("target = primary.web", 'target = primary.web\n    domain = "www.${domain}"')
    cdn = resources(generated(_ha_web_with(tmp_path, root_extra=named)))["Cdn"]
    origin, = cdn["Properties"]["DistributionConfig"]["Origins"]
    assert origin["DomainName"] in ({"Fn::Sub": "www.${Domain}"}, "www.shop.example.com")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


# --- stacks in the order the architecture needs (issue 14, item 1) -------------------------------

REPLICATION = """
region "eu-west-1" as primary {
  s3_bucket source {
    versioning = true
    replication { destination = standby.copy }
  }
}
region "us-east-1" as standby {
  s3_bucket copy { versioning = true }
}
"""


def test_a_replication_destination_deploys_before_its_source(tmp_path):
    """S3 refuses to replicate to a bucket that does not exist: the replica's stack deploys first
    (eu-west-1's stack would otherwise go first: ids are ordered by name), and the manifest says so."""
    (tmp_path / "main.arch").write_text(REPLICATION)
    result = generated(tmp_path / "main.arch")
    stacks = result.manifest["stacks"]
    order = [s["name"] for s in stacks]
    assert order.index("main-us-east-1") < order.index("main-eu-west-1"), order
    source = next(s for s in stacks if s["name"] == "main-eu-west-1")
    assert "main-us-east-1" in source.get("after", []), source


def test_a_dependency_no_template_reference_carries_still_orders_the_stacks(tmp_path):
    """`depends_on` across regions (or any dependency of the architecture the templates carry
    no reference for) orders the stacks too."""
    (tmp_path / "main.arch").write_text(REPLICATION.replace(
        'region "eu-west-1" as primary {', 'region "eu-west-1" as primary {\n  s3_bucket late { depends_on = [standby.copy] }'))
    late = next(s for s in generated(tmp_path / "main.arch").manifest["stacks"] if s["name"] == "main-eu-west-1")
    assert late.get("after") == ["main-us-east-1"], late


def test_no_stack_refers_to_what_a_later_stack_makes():
    """In every example and case, a stack reads only the outputs of stacks deployed before it."""
    for path in sorted((ROOT / "examples").glob("*.arch")) + sorted(CASES.glob("*.arch")):
        result = generated(path)
        stacks = result.manifest["stacks"]
        deployed: set[str] = set()
        for stack in stacks:
            assert set(stack.get("after", [])) <= deployed, (path.name, stack["name"], stack.get("after"))
            deployed.add(stack["name"])
        exported = {}
        for t, body in result.templates:
            for out in (body.get("Outputs") or {}).values():
                name = (out.get("Export") or {}).get("Name")
                if isinstance(name, str):
                    exported[name] = t.stack_name if hasattr(t, "stack_name") else t.file
        position = {s["name"]: i for i, s in enumerate(stacks)}
        for t, body in result.templates:
            text = str(body)
            for name, maker in exported.items():
                if f"'Fn::ImportValue': '{name}'" in text and maker in position and t.stack_name in position:
                    assert position[maker] < position[t.stack_name], (path.name, t.stack_name, name, maker)


ROOT_DEVICE_CASE = '''
region "us-east-1" as east {
  vpc main {
    cidr = 10.0.0.0/16
  }
  subnet app {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = "a"
  }
  instance ubuntu {
    ami           = "ami-0abcdef1234567890"
    instance_type = t3.micro
    subnet        = app
    root_volume {
      device_name = "/dev/sda1"
    }
  }
  instance amazon_linux {
    ami           = "ami-0abcdef1234567890"
    instance_type = t3.micro
    subnet        = app
  }
  autoscaling_group workers {
    subnets = [app]
    min     = 1
    max     = 2
    launch {
      ami           = "ami-0abcdef1234567890"
      instance_type = t3.micro
      root_volume {
        device_name = "/dev/sda1"
        size        = 30GiB
      }
    }
  }
}
'''


def test_the_root_volume_is_mapped_on_the_amis_root_device(tmp_path):
    """Encryption of the root volume only takes on the AMI's root device: a mapping on
    /dev/xvda for an AMI that boots from /dev/sda1 adds an empty volume and leaves the root
    unencrypted. `root_volume { device_name }` says which (default /dev/xvda, Amazon Linux)."""
    source = tmp_path / "roots.arch"
    source.write_text(ROOT_DEVICE_CASE)
    found = resources(generated(source))
    ubuntu = found["EastUbuntu"]["Properties"]["BlockDeviceMappings"]
    assert [m["DeviceName"] for m in ubuntu] == ["/dev/sda1"] and ubuntu[0]["Ebs"]["Encrypted"] is True
    assert found["EastAmazonLinux"]["Properties"]["BlockDeviceMappings"][0]["DeviceName"] == "/dev/xvda"
    (template,) = of_type(found, "AWS::EC2::LaunchTemplate").values()
    mapping = template["Properties"]["LaunchTemplateData"]["BlockDeviceMappings"]
    assert [m["DeviceName"] for m in mapping] == ["/dev/sda1"] and mapping[0]["Ebs"]["VolumeSize"] == 30
    source.write_text(ROOT_DEVICE_CASE.replace('"/dev/sda1"\n    }', '"sda1"\n    }', 1))
    result = generate(source, {})
    (problem,) = [d for d in result.diagnostics if d.is_error]
    assert "'sda1' is not a device name EC2 takes" in problem.summary
