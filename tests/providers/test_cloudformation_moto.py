"""The templates deploy: every stack is created in moto's in-process CloudFormation, in the
manifest's order and region, with cross-region parameters read from the outputs of the stacks
deployed before (as the manifest says), and nested stacks uploaded to S3 as
`aws cloudformation package` would. What moto created is compared with archform's plan of the
same architecture: every resource the plan creates is there (or listed as a type moto cannot
deploy), with the plan's CIDRs, Availability Zones, ports, engines, sizes and names.

Moto does not implement every resource type. Those the mappings emit and moto cannot create
are listed in MOTO_UNSUPPORTED (and checked to be exactly those); they are removed from the
template before deploying, with everything that refers to them, and reported per architecture.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from moto import mock_aws  # noqa: E402
from moto.cloudformation.parsing import get_model_map  # noqa: E402

from archform.planner import render  # noqa: E402
from archform.providers.cloudformation import Options, generate  # noqa: E402
from archform.providers.cloudformation.mapping import TYPES  # noqa: E402
from archform.providers.cloudformation.units import gib  # noqa: E402
from workbench import Workbench  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "test_cloudformation_cases"

# Resource types the mappings emit that moto 5's CloudFormation does not create.
MOTO_UNSUPPORTED = [
    "AWS::AmazonMQ::Broker",  # moto has Amazon MQ's API, not its CloudFormation
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::AppRunner::AutoScalingConfiguration",  # moto has no App Runner
    "AWS::AppRunner::Service",
    "AWS::AppRunner::VpcConnector",
    "AWS::ApplicationAutoScaling::ScalableTarget",  # moto has Application Auto Scaling's API, not its CloudFormation
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::Athena::WorkGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
    "AWS::Cassandra::Keyspace",  # moto has no Amazon Keyspaces
    "AWS::Cassandra::Table",
    "AWS::CertificateManager::Certificate",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::VpcOrigin",
    "AWS::CloudTrail::Trail",  # moto has CloudTrail's API, not its CloudFormation
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Cognito::IdentityPool",
    "AWS::Cognito::IdentityPoolRoleAttachment",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Config::ConfigRule",  # moto has AWS Config's API, not its CloudFormation
    "AWS::Config::ConfigurationRecorder",
    "AWS::Config::DeliveryChannel",
    "AWS::DMS::Endpoint",  # moto has DMS's API, not its CloudFormation
    "AWS::DMS::ReplicationInstance",
    "AWS::DMS::ReplicationSubnetGroup",
    "AWS::DMS::ReplicationTask",
    "AWS::DirectConnect::Connection",
    "AWS::DirectConnect::DirectConnectGateway",
    "AWS::DirectConnect::DirectConnectGatewayAssociation",
    "AWS::DirectConnect::PrivateVirtualInterface",
    "AWS::DirectConnect::TransitVirtualInterface",
    "AWS::DocDB::DBCluster",
    "AWS::DocDB::DBInstance",
    "AWS::DocDB::DBSubnetGroup",
    "AWS::DynamoDB::GlobalTable",
    "AWS::EC2::CustomerGateway",
    "AWS::EC2::EIPAssociation",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::NetworkInterfaceAttachment",
    "AWS::EC2::PlacementGroup",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::TransitGatewayRoute",
    "AWS::EC2::TransitGatewayRouteTable",
    "AWS::EC2::TransitGatewayRouteTableAssociation",
    "AWS::EC2::TransitGatewayRouteTablePropagation",
    "AWS::EC2::TransitGatewayVpcAttachment",
    "AWS::EC2::VPCCidrBlock",
    "AWS::EC2::VPNConnection",
    "AWS::EC2::VPNConnectionRoute",
    "AWS::EC2::VPNGatewayRoutePropagation",
    "AWS::ECS::CapacityProvider",  # moto's ECS CloudFormation: clusters, task definitions and services only
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::EKS::Cluster",  # moto has EKS's API, not its CloudFormation
    "AWS::EKS::FargateProfile",
    "AWS::EKS::Nodegroup",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::ElasticBeanstalk::Application",  # moto has Elastic Beanstalk's API, not its CloudFormation
    "AWS::ElasticBeanstalk::ApplicationVersion",
    "AWS::ElasticBeanstalk::Environment",
    "AWS::ElasticLoadBalancingV2::ListenerCertificate",
    "AWS::FSx::FileSystem",
    "AWS::GlobalAccelerator::Accelerator",
    "AWS::GlobalAccelerator::EndpointGroup",
    "AWS::GlobalAccelerator::Listener",
    "AWS::Glue::Crawler",
    "AWS::Glue::Database",
    "AWS::GuardDuty::Detector",  # moto has no GuardDuty, Network Firewall or Shield CloudFormation
    "AWS::IAM::Group",  # moto has IAM's API; its CloudFormation lacks groups and additions
    "AWS::IAM::UserToGroupAddition",
    "AWS::KMS::ReplicaKey",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KinesisFirehose::DeliveryStream",  # moto has Firehose's API, not its CloudFormation
    "AWS::Lambda::Alias",
    "AWS::Lambda::Url",
    "AWS::Logs::MetricFilter",
    "AWS::Logs::SubscriptionFilter",
    "AWS::MSK::Cluster",
    "AWS::Neptune::DBCluster",
    "AWS::Neptune::DBInstance",
    "AWS::Neptune::DBSubnetGroup",
    "AWS::NetworkFirewall::Firewall",
    "AWS::NetworkFirewall::FirewallPolicy",
    "AWS::NetworkFirewall::RuleGroup",
    "AWS::OpenSearchService::Domain",
    "AWS::Organizations::Policy",  # moto has no Organizations in CloudFormation
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBProxy",
    "AWS::RDS::DBProxyTargetGroup",
    "AWS::RDS::GlobalCluster",
    "AWS::RedshiftServerless::Namespace",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::ResilienceHub::ResiliencyPolicy",
    "AWS::Route53::CidrCollection",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::ResourcePolicy",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::SecretsManager::Secret",
    "AWS::Shield::Protection",
    "AWS::Timestream::Database",  # moto has Timestream's API, not its CloudFormation
    "AWS::Timestream::Table",
    "AWS::WAFv2::IPSet",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
]

MOTO_AMI = "ami-12c6146b"  # one of the images moto knows


def test_unsupported_types_are_exactly_the_listed_ones():
    emitted = {t for types in TYPES.values() for t in types} | {"AWS::CloudFormation::Stack"}
    assert sorted(emitted - set(get_model_map())) == MOTO_UNSUPPORTED


# --- removing what moto cannot create ----------------------------------------------------------

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9:.]+)")


def _supports(rtype: str, attr: str | None) -> bool:
    """Whether moto creates `rtype` and can read its attribute `attr` (None: its Ref)."""
    model = get_model_map().get(rtype)
    if model is None:
        return False
    return attr is None or (hasattr(model, "get_cfn_attribute") and model.has_cfn_attr(attr))


def _names(value, found: set, types: dict):
    """Resource, parameter and import names a template value uses; a resource whose attribute
    moto cannot read counts as a use of "unreadable"."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            lid, attr = value["Fn::GetAtt"]
            found.add(lid if _supports(types.get(lid, ""), attr) or lid not in types else "unreadable")
        if "Fn::ImportValue" in value and isinstance(value["Fn::ImportValue"], str):
            found.add("import:" + value["Fn::ImportValue"])
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub if isinstance(sub, str) else sub[0]
            for name in _SUB_NAME.findall(text):
                lid, _, attr = name.partition(".")
                found.add(lid if not attr or lid not in types or _supports(types[lid], attr) else "unreadable")
        for v in value.values():
            _names(v, found, types)
    elif isinstance(value, list):
        for v in value:
            _names(v, found, types)


def prune(body: dict, gone: set) -> set:
    """Remove what moto cannot create and whatever uses it (or a name in `gone`); return the
    outputs removed with them."""
    resources = body["Resources"]
    types = {lid: r["Type"] for lid, r in resources.items()}
    gone = set(gone) | {"unreadable"} | {lid for lid, t in types.items() if not _supports(t, None)}
    # moto looks for the peer VPC of a peering in the peering's own region
    gone |= {lid for lid, r in resources.items() if "PeerRegion" in r.get("Properties", {})}
    changed = True
    while changed:
        changed = False
        for lid, r in resources.items():
            if lid in gone:
                continue
            used: set = set()
            _names(r.get("Properties", {}), used, types)
            depends = r.get("DependsOn", [])
            used.update([depends] if isinstance(depends, str) else depends)
            if used & gone:
                gone.add(lid)
                changed = True
    for lid in [k for k in resources if k in gone]:
        del resources[lid]
    removed_outputs = set()
    for name in list(body.get("Outputs", {})):
        used = set()
        _names(body["Outputs"][name], used, types)
        if used & gone:
            del body["Outputs"][name]
            removed_outputs.add(name)
    return removed_outputs


# --- deploying ------------------------------------------------------------------------------------

def deploy(result) -> dict:
    """Create every stack; return {logical id: (type, physical id, address, region)}.

    Moto cannot read a nested stack's outputs (`!GetAtt PartNN.Outputs.X`), so for a stack
    split into nested stacks the test plays the parent's part: it creates each child in order
    with the parameters the parent passes, read from the children created before."""
    bodies = {t.file: (t, json.loads(json.dumps(b))) for t, b in result.templates}
    outputs: dict = {}  # (stack, output) -> value, or None when removed
    created: dict = {}
    for entry in result.manifest["stacks"]:
        region = entry["region"]
        cf = boto3.client("cloudformation", region_name=region)
        template, body = bodies[entry["template"]]
        values = {}  # the parent's parameters
        gone = set()
        for name, p in body.get("Parameters", {}).items():
            source = entry.get("parameters_from", {}).get(name)
            if p["Type"] == "AWS::EC2::Image::Id":
                values[name] = MOTO_AMI
            elif name == "LambdaCodeBucket":  # the functions' packages, uploaded as a deployer would
                values[name] = _upload_code(body, region)
            elif source is not None:
                values[name] = outputs.get((source["stack"], source["output"]))
                if values[name] is None:
                    gone.add(name)
            elif "Default" in p:
                values[name] = str(p["Default"])
            elif p.get("NoEcho"):  # a secret (a broker user's password), given at deploy time
                values[name] = "a-deploy-time-secret"
        for (stack, output), value in outputs.items():
            if value is None:
                gone.add(f"import:{result.manifest['name']}:{output}")
        if not entry.get("nested"):
            removed = _create(cf, entry["name"], body, values, gone, created)
            for out in removed:
                outputs[(entry["name"], out)] = None
            for out in cf.describe_stacks(StackName=entry["name"])["Stacks"][0].get("Outputs", []):
                outputs[(entry["name"], out["OutputKey"])] = out["OutputValue"]
            continue
        child_outputs: dict = {}
        for child_file in entry["nested"]:
            child, child_body = bodies[child_file]
            passed = {}
            for name, value in body["Resources"][child.lid]["Properties"].get("Parameters", {}).items():
                if "Ref" in value:
                    passed[name] = values[value["Ref"]]
                else:
                    producer, output = value["Fn::GetAtt"]
                    passed[name] = child_outputs[producer][output.split(".", 1)[1]]
            for name, p in child_body.get("Parameters", {}).items():
                if p["Type"] == "AWS::EC2::Image::Id":
                    passed[name] = MOTO_AMI
            stack_name = f"{entry['name']}-{child.lid}"
            assert _create(cf, stack_name, child_body, passed, set(), created) == set(), "all supported types"
            child_outputs[child.lid] = {o["OutputKey"]: o["OutputValue"] for o in
                                        cf.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])}
        for name, out in body.get("Outputs", {}).items():
            producer, output = out["Value"]["Fn::GetAtt"]
            outputs[(entry["name"], name)] = child_outputs[producer][output.split(".", 1)[1]]
    return created


def _upload_code(body: dict, region: str) -> str:
    """A bucket holding a (tiny) deployment package for each function reading LambdaCodeBucket."""
    import io
    import zipfile
    bucket = f"archform-lambda-code-{region}"
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else
                                        {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("index.py", "def handle(event, context):\n    return None\n")
    for r in body["Resources"].values():
        code = r.get("Properties", {}).get("Code", {})
        if r["Type"] == "AWS::Lambda::Function" and code.get("S3Bucket") == {"Ref": "LambdaCodeBucket"}:
            s3.put_object(Bucket=bucket, Key=code["S3Key"], Body=package.getvalue())
    return bucket


def _create(cf, name: str, body: dict, values: dict, gone: set, created: dict) -> set:
    removed = prune(body, gone)
    params = [{"ParameterKey": k, "ParameterValue": values.get(k) or "removed"} for k in body.get("Parameters", {})
              if k in values]
    cf.create_stack(StackName=name, TemplateBody=json.dumps(body), Parameters=params)
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    for page in cf.get_paginator("list_stack_resources").paginate(StackName=name):
        for r in page["StackResourceSummaries"]:
            lid = r["LogicalResourceId"]
            assert r["ResourceStatus"] == "CREATE_COMPLETE", (lid, r)
            address = body["Resources"][lid]["Metadata"]["archform:address"]
            created[lid] = (r["ResourceType"], r["PhysicalResourceId"], address, cf.meta.region_name)
    return removed


# --- comparing with the plan ----------------------------------------------------------------------

def plan_creates(path: Path, tmp_path: Path) -> dict:
    bench = Workbench(tmp_path / "bench")
    try:
        plan = bench.plan(path.read_text(), file=str(path))
    finally:
        bench.close()
    return {c["address"]: c for c in render.to_json(plan)["resource_changes"]}


def _by_address(created: dict, rtype: str) -> dict:
    return {(c[2], lid): c for lid, c in created.items() if c[0] == rtype}


def compare(created: dict, plan: dict, result) -> list[str]:
    """Check what moto holds against the plan; return the addresses whose main resource was
    not deployed (a type moto cannot create, or one that needs it)."""
    main_ids = {}
    for template, body in result.templates:
        for lid, r in body["Resources"].items():
            address = r.get("Metadata", {}).get("archform:address")
            if address and address not in main_ids:
                main_ids[address] = lid
    deployed = {a for a, c in plan.items() if TYPES.get(c["type"])}  # a workload deploys nothing
    # made elsewhere, a parameter of the template: a VPN's transit gateway attachment (by the VPN
    # connection) and an existing Direct Connect line (ordered outside CloudFormation)
    deployed -= {a for a, c in plan.items() if (c["type"], bool((c["change"]["after"] or {}).get(
        {"transit_gateway_attachment": "vpn", "dx_connection": "connection_id"}.get(c["type"], "")))) in
        (("transit_gateway_attachment", True), ("dx_connection", True))}
    assert set(main_ids) == deployed, "every planned resource is in a template, and only those"
    missing = sorted(a for a, lid in main_ids.items() if lid not in created)
    for lid, (rtype, pid, address, region) in created.items():
        after = plan[address]["change"]["after"]
        kind = plan[address]["type"]
        check = CHECKS.get(rtype)
        if check is not None:
            check(boto3, pid, after, region, kind, created, plan)
    return missing


def _vpc(b, pid, after, region, *_):
    vpc = b.client("ec2", region_name=region).describe_vpcs(VpcIds=[pid])["Vpcs"][0]
    assert vpc["CidrBlock"] == after["cidr"]


def _subnet(b, pid, after, region, *_):
    subnet = b.client("ec2", region_name=region).describe_subnets(SubnetIds=[pid])["Subnets"][0]
    assert (subnet["CidrBlock"], subnet["AvailabilityZone"]) == (after["cidr"], after["az"])
    # (moto's CloudFormation ignores MapPublicIpOnLaunch: not compared)


def _ports(rule) -> tuple:
    if rule["protocol"] == "all":
        return ("-1", None, None)
    if rule["protocol"] == "icmp":
        return ("icmp", -1, -1)
    value = rule["port"] if rule["port"] is not None else rule["ports"]
    low, _, high = str(value).partition("..")
    return (rule["protocol"], int(low), int(high or low))


def _security_group(b, pid, after, region, kind, created, plan):
    group = b.client("ec2", region_name=region).describe_security_groups(GroupIds=[pid])["SecurityGroups"][0]
    assert group["Description"] == after["description"]
    found = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in group["IpPermissions"]}
    assert {_ports(r) for r in after["ingress"]} == found


def _instance(b, pid, after, region, kind, created, plan):
    ec2 = b.client("ec2", region_name=region)
    instance = ec2.describe_instances(InstanceIds=[pid])["Reservations"][0]["Instances"][0]
    assert instance["InstanceType"] == after["instance_type"]
    subnet = plan[after["subnet"]["$ref"]]["change"]["after"]
    assert instance["Placement"]["AvailabilityZone"] == subnet["az"]


def _volume(b, pid, after, region, kind, created, plan):
    volume = b.client("ec2", region_name=region).describe_volumes(VolumeIds=[pid])["Volumes"][0]
    # (moto's CloudFormation creates every volume as gp2: the type is not compared)
    assert (volume["Size"], volume["AvailabilityZone"]) == (gib(after["size"]), after["az"])
    attached = {a["InstanceId"] for a in volume.get("Attachments", [])}
    wanted = {pid_of(created, ref["$ref"]) for ref in after["attachments"]}
    assert attached == wanted


def pid_of(created: dict, address: str) -> str:
    return next(c[1] for c in created.values() if c[2] == address and c[0] in (
        "AWS::EC2::Instance", "AWS::EC2::Subnet", "AWS::EC2::VPC"))


def _load_balancer(b, pid, after, region, kind, created, plan):
    elb = b.client("elbv2", region_name=region)
    lb = elb.describe_load_balancers(LoadBalancerArns=[pid])["LoadBalancers"][0]
    assert lb["Type"] == after["type"]
    assert lb["Scheme"] == ("internal" if after["internal"] else "internet-facing")
    ports = {listener["Port"] for listener in elb.describe_listeners(LoadBalancerArn=pid)["Listeners"]}
    deployed = {c[2] for c in created.values() if c[0] == "AWS::ElasticLoadBalancingV2::Listener"}
    assert ports <= {listener["port"] for listener in after["listener"]}
    address = next((c[2] for c in created.values() if c[1] == pid), None)
    assert ports or address not in deployed  # this load balancer's listeners (not another's) were all removed


def _target_group(b, pid, after, region, kind, created, plan):
    if kind != "target_group":
        return  # one a load balancer made for a listener
    group = b.client("elbv2", region_name=region).describe_target_groups(TargetGroupArns=[pid])["TargetGroups"][0]
    assert (group["Port"], group["Protocol"]) == (after["port"], after["protocol"])


def _autoscaling_group(b, pid, after, region, *_):
    group = b.client("autoscaling", region_name=region).describe_auto_scaling_groups(
        AutoScalingGroupNames=[pid])["AutoScalingGroups"][0]
    desired = after["desired"] if after["desired"] is not None else after["min"]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (after["min"], after["max"], desired)


def _db_instance(b, pid, after, region, kind, *_):
    if kind != "rds":
        return
    db = b.client("rds", region_name=region).describe_db_instances(DBInstanceIdentifier=pid)["DBInstances"][0]
    assert db["DBInstanceClass"] == after["instance_class"]
    if after["replica_of"] is None:
        assert db["Engine"] == after["engine"]
        assert db["AllocatedStorage"] == gib(after["storage"])


def _table(b, pid, after, region, *_):
    table = b.client("dynamodb", region_name=region).describe_table(TableName=pid)["Table"]
    keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
    assert keys.get("HASH") == after["hash_key"] and keys.get("RANGE") == after["range_key"]


def _seconds(text: str) -> int:
    from archform.providers.cloudformation.units import seconds
    return seconds(text)


def _queue(b, pid, after, region, *_):
    attrs = b.client("sqs", region_name=region).get_queue_attributes(QueueUrl=pid, AttributeNames=["All"])["Attributes"]
    assert int(attrs["VisibilityTimeout"]) == _seconds(after["visibility_timeout"])
    assert int(attrs["MessageRetentionPeriod"]) == _seconds(after["retention"])
    assert (attrs.get("FifoQueue") == "true") == bool(after["fifo"])
    if after["name"] is not None:
        assert pid.endswith("/" + after["name"])


def _function(b, pid, after, region, *_):
    config = b.client("lambda", region_name=region).get_function(FunctionName=pid)["Configuration"]
    assert config["Runtime"] == after["runtime"] and config["Timeout"] == _seconds(after["timeout"])
    assert config["MemorySize"] == int(after["memory"].removesuffix("MiB").removesuffix("GiB")) * (
        1024 if after["memory"].endswith("GiB") else 1)


def _bucket(b, pid, after, region, *_):
    s3 = b.client("s3", region_name=region)
    if after["bucket"] is not None:
        assert pid == after["bucket"]
    s3.head_bucket(Bucket=pid)  # (moto's CloudFormation ignores versioning and lifecycle: not compared)


def _zone(b, pid, after, region, *_):
    zone = b.client("route53").get_hosted_zone(Id=pid)["HostedZone"]
    assert zone["Name"].rstrip(".") == after["domain"]


def _record(b, pid, after, region, kind, created, plan):
    zone_id = next(c[1] for c in created.values() if c[2] == after["zone"]["$ref"])
    records = b.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert any(r["Type"] == after["type"] for r in records)


def _role(b, pid, after, region, kind, *_):
    if kind != "iam_role":
        return  # a role a mapping made (S3 replication)
    role = b.client("iam").get_role(RoleName=pid)["Role"]
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        from urllib.parse import unquote
        document = json.loads(unquote(document))
    principals = document["Statement"][0]["Principal"]
    services = principals.get("Service", [])
    services = [services] if isinstance(services, str) else services
    assert {p for p in after["assumed_by"] if isinstance(p, str) and p.endswith(".amazonaws.com")} == set(services)


def _file_system(b, pid, after, region, kind, created, plan):
    efs = b.client("efs", region_name=region)
    targets = efs.describe_mount_targets(FileSystemId=pid)["MountTargets"]
    assert len(targets) == len(after["subnets"])


def _event_rule(b, pid, after, region, kind, created, plan):
    events = b.client("events", region_name=region)
    name = pid.rpartition("|")[2]  # AWS's Ref of a rule on another bus is "BUS|NAME", moto's the name
    bus = after["bus"] or "default"
    if isinstance(bus, dict):  # (the every_kind bus is named)
        bus = plan[bus["$ref"]]["change"]["after"]["name"]
    rule = events.describe_rule(Name=name, EventBusName=bus)
    assert rule["State"] == ("DISABLED" if after["enabled"] is False else "ENABLED")
    assert ("ScheduleExpression" in rule) == (after["schedule"] is not None)
    targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    assert len(targets) == len(after["target"])


def _state_machine(b, pid, after, region, *_):
    machine = b.client("stepfunctions", region_name=region).describe_state_machine(stateMachineArn=pid)
    assert machine["type"] == after["type"].upper()
    if after["name"] is not None:  # (moto's CloudFormation drops a Definition object: it is not compared)
        assert machine["name"] == after["name"]


CHECKS = {
    "AWS::EC2::VPC": _vpc, "AWS::EC2::Subnet": _subnet, "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::Instance": _instance, "AWS::EC2::Volume": _volume,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _load_balancer,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _target_group,
    "AWS::AutoScaling::AutoScalingGroup": _autoscaling_group, "AWS::RDS::DBInstance": _db_instance,
    "AWS::SQS::Queue": _queue, "AWS::Lambda::Function": _function,
    "AWS::DynamoDB::Table": _table, "AWS::S3::Bucket": _bucket, "AWS::Route53::HostedZone": _zone,
    "AWS::Route53::RecordSet": _record, "AWS::IAM::Role": _role, "AWS::EFS::FileSystem": _file_system,
    "AWS::Events::Rule": _event_rule, "AWS::StepFunctions::StateMachine": _state_machine,
}

# What each architecture cannot have in moto: the addresses whose main resource is of a type
# moto does not create, or uses one (or an attribute moto cannot read), so the comparison says
# exactly what was left out:
# - ha_web: Aurora (DBCluster), the ACM certificate;
# - dr_warm_standby: Aurora in both regions, the certificates, the DR plan, the primary failover
#   record (its health check id);
# - static_site: CloudFront, the certificate, and the alias records to the distribution;
# - serverless_api: API Gateway V2 (moto's CloudFormation has no ApiGatewayV2 types), the
#   certificate of its custom domain and the Cognito user pool;
# - fan_out: the bucket, which waits for the topic policy that lets S3 publish (TopicPolicy);
# - every_kind: the accelerator, CloudFront, the DR plan (Resilience Hub), ElastiCache, the
#   certificate, the network ACL, the egress-only gateway, Aurora, placement groups, the Cognito
#   user pool, Redshift Serverless, OpenSearch, Glue and Athena — and what
#   user pool, the Secrets Manager secret, the WAF web ACL and the CloudWatch alarms (moto's
#   CloudFormation has none of them) — and what
#   uses them: the launch template (placement group) and its Auto Scaling group, the subnets of
#   the VPC's secondary CIDR block (VPCCidrBlock) and the databases (and the Redshift cluster) in
#   them, the records aliasing
#   the distribution and accelerator, the failover record with a health check (moto cannot read
#   a health check's id);
# - multi_region: the accelerator, the global table, Aurora, the certificates, the DR plan, the
#   failover records (health check ids), the cross-region read replica (moto cannot read an
#   instance's ARN) and the cross-region peering (moto looks for the peer VPC in its own region);
# - secure_data_tier: Aurora, the certificate, the secret, the WAF ACL and IP set, the alarms and
#   the replica key (moto's CloudFormation has none of them);
# - stream_pipeline and every_kind: the Firehose delivery streams (moto's CloudFormation has no
#   AWS::KinesisFirehose::DeliveryStream); every_kind's ECS services (one waits for a listener
#   with an ACM certificate, the other uses a capacity provider: neither is moto's);
# - analytics: the delivery streams, OpenSearch, Glue and Athena (no CloudFormation types in moto),
#   and the delivery role, whose policy names the domain.
# - every_kind: the Cognito identity pool and the two roles whose trust names it, and the Kinesis
#   mapping with enhanced fan-out (its AWS::Kinesis::StreamConsumer);
# - mq_broker: the broker (moto's CloudFormation has no AWS::AmazonMQ::Broker).
# - beanstalk_web and every_kind: the Beanstalk applications and environments (moto's
#   CloudFormation has no AWS::ElasticBeanstalk types).
# - fargate_service: Aurora and the certificate as in ha_web, the task definition (its
#   environment reads Aurora's endpoint) and the service (it waits for the HTTPS listener).
# - every_kind: moto's CloudFormation has no customer gateways, VPN connections, transit gateway
#   VPC attachments or route tables, Direct Connect or AWS Backup types (the transit gateway,
#   the virtual private gateway and its route propagation deploy); hybrid_network and
#   backup_restore: the same types (and the DR plan), all but the hub, the VPCs and their routes.
# - every_kind: moto's CloudFormation has no AWS::Organizations::Policy (the SCP) and no
#   AWS::IAM::UserToGroupAddition (the group's members).
NOT_DEPLOYED = {
    "ha_web": ["primary.orders", "primary.site"],
    "static_site": ["cdn", "docs.apex", "docs.apex6", "docs.www", "edge.site"],
    "ha_ec2_eip": [],
    "serverless_queue_worker": [],
    "serverless_api": ["primary.api", "primary.shop", "primary.shop_users"],
    "queue_workers": [],
    "fan_out": ["primary.uploads"],
    "stream_pipeline": ["primary.clicks_to_lake"],
    "fargate_service": ["primary.orders", "primary.site", "primary.web", "primary.web_task"],
    "analytics": ["delivery_role", "primary.analysts", "primary.clicks_catalog", "primary.clicks_crawler",
                  "primary.clicks_to_lake", "primary.clicks_to_search", "primary.search"],
    "eks_cluster": ["primary.batch", "primary.general", "primary.platform", "primary.web"],
    "beanstalk_web": ["primary.order_workers", "primary.shop", "primary.storefront"],
    "dr_warm_standby": ["primary.orders", "primary.site", "shop.www_primary", "shop_dr", "standby.cert",
                        "standby.orders"],
    "every_kind": ["accelerator", "cdn", "deny_leaving", "dr", "dxgw", "guest_role", "operators", "player_role",
                   "primary.adhoc", "primary.admin", "primary.analysts", "primary.app_degraded", "primary.app_errors",
                   "primary.app_fleet", "primary.app_lt", "primary.audit", "primary.bad_domains",
                   "primary.bastion_flows", "primary.bastion_recovery", "primary.blocked", "primary.branch_vpn",
                   "primary.broker", "primary.buckets_versioned", "primary.cache", "primary.cert",
                   "primary.clicks_catalog", "primary.clicks_crawler", "primary.clicks_to_handler",
                   "primary.clicks_to_logs", "primary.config", "primary.cpu_load", "primary.data[a]",
                   "primary.data[b]", "primary.data_acl", "primary.db", "primary.db_pool", "primary.db_replica",
                   "primary.db_secret", "primary.detector", "primary.docs", "primary.eigw", "primary.fleet_cpu",
                   "primary.fragments", "primary.from_db", "primary.graph", "primary.hook", "primary.hpc",
                   "primary.hub_main", "primary.inspection", "primary.inspection_policy", "primary.k8s",
                   "primary.k8s_spot", "primary.k8s_web", "primary.kafka", "primary.keys_rotated", "primary.line",
                   "primary.members", "primary.metrics_db", "primary.mover", "primary.nat_ip_shield",
                   "primary.nightly_backup", "primary.no_ssh", "primary.office", "primary.office_vpn",
                   "primary.order_workers", "primary.orders", "primary.parts", "primary.players",
                   "primary.quarantine", "primary.readings", "primary.runner", "primary.search", "primary.shares",
                   "primary.shop", "primary.shop_acl", "primary.shop_board", "primary.spread", "primary.storefront",
                   "primary.suricata", "primary.telemetry", "primary.to_lake", "primary.to_lake_task",
                   "primary.transit_vif", "primary.vault", "primary.warehouse", "primary.web_service",
                   "primary.web_shield", "primary.workers", "zone.cdn", "zone.fast", "zone.www", "zone.www_backup"],
    "multi_region": ["edge", "primary.carts", "primary.orders", "primary.site", "shop.www_primary",
                     "shop.www_standby", "shop_dr", "standby.orders", "standby.reports_replica", "standby.site",
                     "standby.to_primary"],
    "forest": [],
    "mq_broker": ["primary.orders"],
    "hybrid_network": ["dxgw", "primary.app_att", "primary.backup_vpn", "primary.data_att", "primary.office",
                       "primary.shared_att", "primary.transit_vif"],
    "backup_restore": ["primary.hourly", "primary.vault", "shop", "standby.dr_vault"],
    "secure_data_tier": ["primary.app_errors", "primary.audit", "primary.blocked", "primary.db_password",
                         "primary.fleet_hot", "primary.orders", "primary.shop_degraded", "primary.shop_firewall",
                         "primary.site", "standby.data", "standby.orders",
                         "standby.vpc", "standby.vpc_flows"],  # their log group is encrypted by the replica key
}


def _architectures():
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    return sorted((ROOT / "examples").glob("*.arch")) + [CASES / "every_kind.arch", CASES / "multi_region.arch",
                                                          "forest"]


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mock_aws():
            yield


@pytest.mark.parametrize("source", _architectures(), ids=lambda p: Path(p).stem)
def test_deploys_and_matches_the_plan(source, tmp_path, aws):
    options = {}
    if source == "forest":  # nested stacks: a forest of 700 resources, beyond one template
        from generate import arch
        source = tmp_path / "forest.arch"
        source.write_text(arch(700).replace("ami-0bench", "ami-0123456789abcdef0"))
        options["limit"] = 500
    result = generate(source, {}, Options(**options))
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    if Path(source).stem == "forest":
        assert any(s.get("nested") for s in result.manifest["stacks"])
    created = deploy(result)
    plan = plan_creates(Path(source), tmp_path)
    missing = compare(created, plan, result)
    assert missing == NOT_DEPLOYED[Path(source).stem], " ".join(missing)
