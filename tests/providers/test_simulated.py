"""The modeled cloud (providers/simulated): ids, addresses, exports, refusals, composite
behaviour, idempotency, determinism, threads and a killed process — on a real SQLite file."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections import Counter

import pytest

from archform.providers.base import (Conflict, DependencyViolation, InsufficientAddresses, InvalidParameter,
                                     LimitExceeded, NotFound, ProviderError, Unsupported)
from archform.providers.simulated import SimulatedCloud
from archform.stdlib import catalogue

HEX17 = r"0[0-9a-f]{16}"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
ACCT = "123456789012"
DOC_RANGES = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]

ID_FORMAT = {
    "vpc": rf"vpc-{HEX17}", "subnet": rf"subnet-{HEX17}", "internet_gateway": rf"igw-{HEX17}",
    "egress_only_internet_gateway": rf"eigw-{HEX17}", "nat_gateway": rf"nat-{HEX17}",
    "route_table": rf"rtb-{HEX17}", "network_acl": rf"acl-{HEX17}", "security_group": rf"sg-{HEX17}",
    "elastic_ip": rf"eipalloc-{HEX17}", "instance": rf"i-{HEX17}", "launch_template": rf"lt-{HEX17}",
    "ebs_volume": rf"vol-{HEX17}", "vpc_peering": rf"pcx-{HEX17}", "vpc_endpoint": rf"vpce-{HEX17}",
    "network_interface": rf"eni-{HEX17}", "placement_group": rf"pg-{HEX17}", "efs": rf"fs-{HEX17}",
    "dr_plan": rf"drp-{HEX17}",
    "load_balancer": rf"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/[a-z][a-z0-9-]{{0,31}}/[0-9a-f]{{16}}",
    "target_group": rf"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:targetgroup/[a-z][a-z0-9-]{{0,31}}/[0-9a-f]{{16}}",
    "certificate": rf"arn:aws:acm:us-east-1:{ACCT}:certificate/{UUID}",
    "iam_policy": rf"arn:aws:iam::{ACCT}:policy/[\w+=,.@-]{{1,128}}",
    "iam_role": r"[\w+=,.@-]{1,64}",
    "iam_user": r"[\w+=,.@-]{1,64}",
    "iam_group": r"[\w+=,.@-]{1,128}",
    "instance_profile": r"[\w+=,.@-]{1,128}",
    "scp": r"p-[0-9a-z]{8}", "s3_bucket": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "dns_zone": r"Z[0-9A-Z]{20}", "dns_record": r"Z[0-9A-Z]{20}_www\.example\.com_A", "health_check": UUID,
    "cloudfront": r"E[0-9A-Z]{13}",
    "global_accelerator": rf"arn:aws:globalaccelerator::{ACCT}:accelerator/{UUID}",
    "sqs_queue": rf"https://sqs\.us-east-1\.amazonaws\.com/{ACCT}/[A-Za-z0-9_-]{{1,80}}",
    "sns_topic": rf"arn:aws:sns:us-east-1:{ACCT}:[A-Za-z0-9_-]{{1,256}}",
    "lambda_event_source": UUID,
    "api_gateway": r"[a-z0-9]{10}",
    "cognito_user_pool": r"us-east-1_[0-9A-Z]{9}",
    "workload": r"workload-0[0-9a-f]{16}",
    "event_bus": rf"arn:aws:events:us-east-1:{ACCT}:event-bus/[A-Za-z0-9_.-]{{1,256}}",
    "event_rule": rf"arn:aws:events:us-east-1:{ACCT}:rule/[A-Za-z0-9_.-]{{1,256}}/[A-Za-z0-9_.-]{{1,64}}",
    "state_machine": rf"arn:aws:states:us-east-1:{ACCT}:stateMachine:[A-Za-z0-9_-]{{1,80}}",
    "mq_broker": rf"b-{UUID}",
    "msk_cluster": rf"arn:aws:kafka:us-east-1:{ACCT}:cluster/[A-Za-z][A-Za-z0-9-]{{0,63}}/{UUID}-[0-9]{{1,2}}",
    "fsx_file_system": r"fs-0[0-9a-f]{16}", "redshift_serverless": UUID,
    "emr_cluster": r"j-[0-9A-Z]{13}",
    "apprunner_service": r"[0-9a-f]{32}", "beanstalk_environment": r"e-[0-9a-z]{10}",
    "cognito_identity_pool": rf"us-east-1:{UUID}",
    "transit_gateway": rf"tgw-{HEX17}", "transit_gateway_attachment": rf"tgw-attach-{HEX17}",
    "transit_gateway_route_table": rf"tgw-rtb-{HEX17}", "customer_gateway": rf"cgw-{HEX17}",
    "vpn_gateway": rf"vgw-{HEX17}", "vpn_connection": rf"vpn-{HEX17}", "dx_connection": r"dxcon-[a-z0-9]{8}",
    "dx_gateway": UUID, "dx_virtual_interface": r"dxvif-[a-z0-9]{8}",
    "backup_plan": UUID,
    "ecs_task_definition": rf"arn:aws:ecs:us-east-1:{ACCT}:task-definition/[A-Za-z0-9_-]{{1,255}}:[0-9]+",
    "ecs_service": rf"arn:aws:ecs:us-east-1:{ACCT}:service/[A-Za-z0-9_-]{{1,255}}/[A-Za-z0-9_-]{{1,255}}",
    "kms_key": rf"arn:aws:kms:us-east-1:{ACCT}:key/{UUID}",
    "secret": rf"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:[A-Za-z0-9/_+=.@-]{{1,512}}-[A-Za-z0-9]{{6}}",
    "waf_web_acl": rf"arn:aws:wafv2:us-east-1:{ACCT}:regional/webacl/[\w-]{{1,128}}/{UUID}",
    "waf_ip_set": rf"arn:aws:wafv2:us-east-1:{ACCT}:regional/ipset/[\w-]{{1,128}}/{UUID}", "dashboard": r"[A-Za-z0-9_-]{1,255}",
    "cloudtrail_trail": rf"arn:aws:cloudtrail:us-east-1:{ACCT}:trail/[A-Za-z0-9][A-Za-z0-9._-]{{2,127}}",
    "flow_log": r"fl-[0-9a-f]{17}",
    "config_recorder": rf"arn:aws:config:us-east-1:{ACCT}:configuration-recorder/default/[0-9a-z]{{8}}",
    "config_rule": r"config-rule-[0-9a-z]{6}",
    "firewall_rule_group": rf"arn:aws:network-firewall:us-east-1:{ACCT}:state(ful|less)-rulegroup/[A-Za-z0-9-]{{1,128}}",
    "firewall_policy": rf"arn:aws:network-firewall:us-east-1:{ACCT}:firewall-policy/[A-Za-z0-9-]{{1,128}}",
    "network_firewall": rf"arn:aws:network-firewall:us-east-1:{ACCT}:firewall/[A-Za-z0-9-]{{1,128}}",
    "shield_protection": rf"arn:aws:shield::{ACCT}:protection/{UUID}",
    "guardduty_detector": r"[0-9a-f]{32}",
    "service_quota": rf"arn:aws:servicequotas:us-east-1:{ACCT}:(ec2|vpc)/L-[0-9A-F]{{8}}",
}

# a kind whose name is unique only in its region is known by its ARN (an id is unique in the
# account: the same name in two regions is two resources); the ARN holds a name of this shape
REGIONAL_NAME = {
    "autoscaling_group": r"[a-z0-9-]{1,255}",
    "rds": r"[a-z][a-z0-9-]{0,62}",
    "aurora": r"[a-z][a-z0-9-]{0,62}",
    "elasticache": r"[a-z][a-z0-9-]{0,39}",
    "dynamodb_table": r"[a-zA-Z0-9_.-]{3,255}",
    "lambda_function": r"[A-Za-z0-9_-]{1,64}",
    "kinesis_stream": r"[A-Za-z0-9_.-]{1,128}",
    "firehose": r"[A-Za-z0-9_.-]{1,64}",
    "documentdb_cluster": r"[a-z][a-z0-9-]{0,62}",
    "neptune_cluster": r"[a-z][a-z0-9-]{0,62}",
    "rds_proxy": r"[a-z][a-z0-9-]{0,59}",
    "dms_replication_instance": r"[a-z][a-z0-9-]{0,62}",
    "dms_endpoint": r"[a-z][a-z0-9-]{0,62}",
    "dms_replication_task": r"[a-z][a-z0-9-]{0,62}",
    "redshift_cluster": r"[a-z][a-z0-9-]{0,62}",
    "opensearch_domain": r"[a-z][a-z0-9-]{2,27}",
    "glue_database": r"[a-z0-9_]{1,255}",
    "glue_crawler": r"[a-z0-9-]{1,255}",
    "athena_workgroup": r"[A-Za-z0-9._-]{1,128}",
    "keyspaces_keyspace": r"[A-Za-z0-9][A-Za-z0-9_]{0,47}",
    "keyspaces_table": r"[A-Za-z0-9][A-Za-z0-9_]{0,47}",
    "timestream_database": r"[A-Za-z0-9_.-]{3,256}",
    "timestream_table": r"[A-Za-z0-9_.-]{3,256}",
    "eks_cluster": r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}",
    "eks_node_group": r"[0-9A-Za-z][A-Za-z0-9_-]{0,62}",
    "eks_fargate_profile": r"[0-9A-Za-z][A-Za-z0-9_-]{0,62}",
    "beanstalk_application": r"[^/]{1,100}",
    "batch_compute_environment": r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}",
    "batch_job_queue": r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}",
    "batch_job_definition": r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}",
    "backup_vault": r"[A-Za-z0-9_-]{2,50}",
    "ecr_repository": r"[a-z0-9][a-z0-9._/-]{1,255}",
    "ecs_cluster": r"[A-Za-z0-9_-]{1,255}",
    "ssm_parameter": r"/[A-Za-z0-9_./-]{1,1010}",
    "cloudwatch_alarm": r"[^\x00-\x1f]{1,255}",
    "log_group": r"[.\-_/#A-Za-z0-9]{1,512}",
    "composite_alarm": r"[^\x00-\x1f]{1,255}",
}

ARN_FORMAT = {
    "autoscaling_group": rf"arn:aws:autoscaling:us-east-1:{ACCT}:autoScalingGroup:{UUID}:autoScalingGroupName/{{id}}",
    "iam_role": rf"arn:aws:iam::{ACCT}:role/{{id}}",
    "iam_user": rf"arn:aws:iam::{ACCT}:user/{{id}}",
    "iam_group": rf"arn:aws:iam::{ACCT}:group/{{id}}",
    "instance_profile": rf"arn:aws:iam::{ACCT}:instance-profile/{{id}}",
    "scp": rf"arn:aws:organizations::{ACCT}:policy/o-[a-z0-9]+/service_control_policy/{{id}}",
    "rds": rf"arn:aws:rds:us-east-1:{ACCT}:db:{{id}}",
    "aurora": rf"arn:aws:rds:us-east-1:{ACCT}:cluster:{{id}}",
    "elasticache": rf"arn:aws:elasticache:us-east-1:{ACCT}:replicationgroup:{{id}}",
    "dynamodb_table": rf"arn:aws:dynamodb:us-east-1:{ACCT}:table/{{id}}",
    "s3_bucket": r"arn:aws:s3:::{id}",
    "vpc": rf"arn:aws:ec2:us-east-1:{ACCT}:vpc/{{id}}",
    "subnet": rf"arn:aws:ec2:us-east-1:{ACCT}:subnet/{{id}}",
    "instance": rf"arn:aws:ec2:us-east-1:{ACCT}:instance/{{id}}",
    "dns_zone": r"arn:aws:route53:::hostedzone/{id}",
    "cloudfront": rf"arn:aws:cloudfront::{ACCT}:distribution/{{id}}",
    "efs": rf"arn:aws:elasticfilesystem:us-east-1:{ACCT}:file-system/{{id}}",
    "sns_topic": r"{id}",
    "lambda_function": rf"arn:aws:lambda:us-east-1:{ACCT}:function:{{id}}",
    "lambda_event_source": rf"arn:aws:lambda:us-east-1:{ACCT}:event-source-mapping:{{id}}",
    "kinesis_stream": rf"arn:aws:kinesis:us-east-1:{ACCT}:stream/{{id}}",
    "api_gateway": r"arn:aws:apigateway:us-east-1::/apis/{id}",
    "cognito_user_pool": rf"arn:aws:cognito-idp:us-east-1:{ACCT}:userpool/{{id}}",
    "firehose": rf"arn:aws:firehose:us-east-1:{ACCT}:deliverystream/{{id}}",
    "event_bus": r"{id}", "event_rule": r"{id}", "state_machine": r"{id}",
    "mq_broker": rf"arn:aws:mq:us-east-1:{ACCT}:broker:[A-Za-z0-9_-]{{1,50}}:{{id}}",
    "documentdb_cluster": rf"arn:aws:rds:us-east-1:{ACCT}:cluster:{{id}}",
    "neptune_cluster": rf"arn:aws:rds:us-east-1:{ACCT}:cluster:{{id}}",
    "rds_proxy": rf"arn:aws:rds:us-east-1:{ACCT}:db-proxy:prx-{HEX17}",
    "msk_cluster": r"{id}",
    "fsx_file_system": rf"arn:aws:fsx:us-east-1:{ACCT}:file-system/{{id}}",
    "dms_replication_instance": rf"arn:aws:dms:us-east-1:{ACCT}:rep:[0-9A-Z]{{26}}",
    "dms_endpoint": rf"arn:aws:dms:us-east-1:{ACCT}:endpoint:[0-9A-Z]{{26}}",
    "dms_replication_task": rf"arn:aws:dms:us-east-1:{ACCT}:task:[0-9A-Z]{{26}}",
    "redshift_cluster": rf"arn:aws:redshift:us-east-1:{ACCT}:cluster:{{id}}",
    "redshift_serverless": rf"arn:aws:redshift-serverless:us-east-1:{ACCT}:workgroup/{{id}}",
    "opensearch_domain": rf"arn:aws:es:us-east-1:{ACCT}:domain/{{id}}",
    "glue_database": rf"arn:aws:glue:us-east-1:{ACCT}:database/{{id}}",
    "glue_crawler": rf"arn:aws:glue:us-east-1:{ACCT}:crawler/{{id}}",
    "athena_workgroup": rf"arn:aws:athena:us-east-1:{ACCT}:workgroup/{{id}}",
    "emr_cluster": rf"arn:aws:elasticmapreduce:us-east-1:{ACCT}:cluster/{{id}}",
    "keyspaces_keyspace": rf"arn:aws:cassandra:us-east-1:{ACCT}:/keyspace/{{id}}/",
    "keyspaces_table": rf"arn:aws:cassandra:us-east-1:{ACCT}:/keyspace/[A-Za-z0-9_]+/table/{{id}}",
    "timestream_database": rf"arn:aws:timestream:us-east-1:{ACCT}:database/{{id}}",
    "timestream_table": rf"arn:aws:timestream:us-east-1:{ACCT}:database/[A-Za-z0-9_.-]+/table/{{id}}",
    "eks_cluster": rf"arn:aws:eks:us-east-1:{ACCT}:cluster/{{id}}",
    "eks_node_group": rf"arn:aws:eks:us-east-1:{ACCT}:nodegroup/[A-Za-z0-9_-]+/{{id}}/{UUID}",
    "eks_fargate_profile": rf"arn:aws:eks:us-east-1:{ACCT}:fargateprofile/[A-Za-z0-9_-]+/{{id}}/{UUID}",
    "beanstalk_application": rf"arn:aws:elasticbeanstalk:us-east-1:{ACCT}:application/{{id}}",
    "beanstalk_environment": rf"arn:aws:elasticbeanstalk:us-east-1:{ACCT}:environment/[^/]+/[A-Za-z0-9-]{{4,40}}",
    "batch_compute_environment": rf"arn:aws:batch:us-east-1:{ACCT}:compute-environment/{{id}}",
    "batch_job_queue": rf"arn:aws:batch:us-east-1:{ACCT}:job-queue/{{id}}",
    "batch_job_definition": rf"arn:aws:batch:us-east-1:{ACCT}:job-definition/{{id}}:1",
    "apprunner_service": rf"arn:aws:apprunner:us-east-1:{ACCT}:service/[A-Za-z0-9_-]{{4,40}}/{{id}}",
    "cognito_identity_pool": rf"arn:aws:cognito-identity:us-east-1:{ACCT}:identitypool/{{id}}",
    "transit_gateway": rf"arn:aws:ec2:us-east-1:{ACCT}:transit-gateway/{{id}}",
    "vpn_connection": rf"arn:aws:ec2:us-east-1:{ACCT}:vpn-connection/{{id}}",
    "dx_connection": rf"arn:aws:directconnect:us-east-1:{ACCT}:dxcon/{{id}}",
    "dx_gateway": rf"arn:aws:directconnect::{ACCT}:dx-gateway/{{id}}",
    "backup_vault": rf"arn:aws:backup:us-east-1:{ACCT}:backup-vault:{{id}}",
    "backup_plan": rf"arn:aws:backup:us-east-1:{ACCT}:backup-plan:{{id}}",
    "ecr_repository": rf"arn:aws:ecr:us-east-1:{ACCT}:repository/{{id}}",
    "ecs_cluster": rf"arn:aws:ecs:us-east-1:{ACCT}:cluster/{{id}}",
    "ecs_task_definition": r"{id}", "ecs_service": r"{id}",
    "kms_key": r"{id}",
    "secret": r"{id}",
    "ssm_parameter": rf"arn:aws:ssm:us-east-1:{ACCT}:parameter/[A-Za-z0-9_./-]+",
    "waf_web_acl": r"{id}", "waf_ip_set": r"{id}",
    "cloudwatch_alarm": rf"arn:aws:cloudwatch:us-east-1:{ACCT}:alarm:{{id}}",
    "log_group": rf"arn:aws:logs:us-east-1:{ACCT}:log-group:{{id}}",
    "composite_alarm": rf"arn:aws:cloudwatch:us-east-1:{ACCT}:alarm:{{id}}",
    "dashboard": rf"arn:aws:cloudwatch::{ACCT}:dashboard/{{id}}",
    "cloudtrail_trail": r"{id}", "config_recorder": r"{id}",
    "flow_log": rf"arn:aws:ec2:us-east-1:{ACCT}:vpc-flow-log/{{id}}",
    "config_rule": rf"arn:aws:config:us-east-1:{ACCT}:config-rule/{{id}}",
    "firewall_rule_group": r"{id}", "firewall_policy": r"{id}", "network_firewall": r"{id}",
    "shield_protection": r"{id}",
    "service_quota": r"{id}",
    "guardduty_detector": rf"arn:aws:guardduty:us-east-1:{ACCT}:detector/{{id}}",
}

# exports that are legitimately empty for the resource built in the world
EMPTY_OK = {("s3_endpoint", "dns_name"), ("sqs_endpoint", "prefix_list"), ("logs", "website_endpoint"),
            ("audit_logs", "website_endpoint"),
            ("accelerator", "dual_stack_dns_name"),
            ("storefront", "queue_url")}  # a web environment reads no queue (a worker's is in test_simulated_beanstalk)


def code_of(excinfo) -> str:
    return excinfo.value.code


# --- one of every kind -----------------------------------------------------------------------------

def test_the_world_holds_one_of_every_catalogue_kind(world):
    missing = sorted(set(catalogue.kinds()) - set(world.kinds.values()))
    assert not missing, f"add a realistic example of {missing} to build_world in tests/providers/conftest.py"
    from archform.providers.simulated.behaviours import covered
    plain = sorted(set(catalogue.kinds()) - covered())
    assert not plain, f"{plain} have no behaviour of their own in providers/simulated/behaviours/"


def test_every_export_is_in_the_outputs(world):
    for handle, remote in world.remotes.items():
        model = catalogue.get(remote.kind)
        assert remote.outputs["id"] == remote.id
        for name in model.exports:
            assert name in remote.outputs, f"{remote.kind} {handle}: export '{name}' missing from the outputs"
            if (handle, name) not in EMPTY_OK:
                assert remote.outputs[name] not in (None, "", []), f"{remote.kind} {handle}: export '{name}' empty"
        if remote.kind not in ("dns_record", "workload"):  # a workload is archform's, not AWS's
            assert remote.outputs.get("arn", "").startswith("arn:aws:"), f"{handle} has no ARN"


def test_attributes_come_back_as_sent_and_read_agrees_with_create(world, cloud):
    for handle, remote in world.remotes.items():
        assert remote.attrs == world.sent[handle], handle
        again = cloud.read(remote.kind, remote.id)
        assert again is not None and again.attrs == remote.attrs
        # a subnet's free addresses change as others take them; an identity pool's roles as roles name it
        if remote.kind not in ("subnet", "cognito_identity_pool"):
            assert again.outputs == remote.outputs, handle
        assert again.token == f"token/{handle}"
    listed = {r.id for r in cloud.list()}
    assert listed == {r.id for r in world.remotes.values()}
    assert [r.id for r in cloud.list("vpc")] == [world["main"].id, world["peer"].id]
    assert cloud.read("subnet", world["main"].id) is None  # an id of another kind is not a subnet


def test_ids_and_arns_have_aws_shapes(world):
    for handle, remote in world.remotes.items():
        if remote.kind in REGIONAL_NAME:
            pattern = ARN_FORMAT[remote.kind].replace("{id}", f"(?:{REGIONAL_NAME[remote.kind]})")
            assert re.fullmatch(pattern, remote.outputs["arn"]), f"{handle}: {remote.outputs['arn']}"
            # the id is the ARN (a job definition's ARN adds the revision: a submission by the id runs the latest)
            assert remote.outputs["arn"] in (remote.id, remote.id + ":1"), f"{handle}: {remote.id}"
            continue
        assert re.fullmatch(ID_FORMAT[remote.kind], remote.id), f"{remote.kind} {handle}: {remote.id}"
        if remote.kind in ARN_FORMAT:
            pattern = ARN_FORMAT[remote.kind].replace("{id}", re.escape(remote.id))
            assert re.fullmatch(pattern, remote.outputs["arn"]), f"{handle}: {remote.outputs['arn']}"


def test_names_endpoints_and_dns_names(world):
    lb = world["web"].outputs
    assert re.fullmatch(r"web-[a-z0-9]{8}-\d{10}\.us-east-1\.elb\.amazonaws\.com", lb["dns_name"])
    assert lb["zone_id"] == "Z35SXDOTRQ7X7K"
    db = world["db"]
    assert re.fullmatch(rf"{db.id.rsplit(':', 1)[-1]}\.c[0-9a-z]{{11}}\.us-east-1\.rds\.amazonaws\.com", db.outputs["endpoint"])
    assert db.outputs["port"] == 5432
    orders = world["orders"]
    h = db.outputs["endpoint"].split(".")[1]  # one identifier per account and region, as AWS
    name = orders.id.rsplit(":", 1)[-1]  # arn:aws:rds:REGION:ACCOUNT:cluster:NAME
    assert orders.outputs["endpoint"] == f"{name}.cluster-{h}.us-east-1.rds.amazonaws.com"
    assert orders.outputs["reader_endpoint"] == f"{name}.cluster-ro-{h}.us-east-1.rds.amazonaws.com"
    assert re.fullmatch(r"d[0-9a-z]{13}\.cloudfront\.net", world["cdn"].outputs["domain_name"])
    assert world["cdn"].outputs["zone_id"] == "Z2FDTNDATAQYW2"
    site = world["site"].outputs
    assert site["website_endpoint"] == "archform-example-site.s3-website-us-east-1.amazonaws.com"
    assert site["regional_domain_name"] == "archform-example-site.s3.us-east-1.amazonaws.com"
    assert world["logs"].outputs["regional_domain_name"].endswith(".s3.eu-west-1.amazonaws.com")
    servers = world["zone"].outputs["name_servers"]
    assert len(servers) == 4 and [s.rsplit(".awsdns-", 1)[1].split(".", 1)[1] for s in servers] == \
        ["com", "net", "org", "co.uk"]
    assert world["www"].outputs["fqdn"] == "www.example.com"
    bastion = world["bastion"].outputs
    assert bastion["private_dns"] == "ip-" + bastion["private_ip"].replace(".", "-") + ".ec2.internal"
    assert bastion["public_dns"] == "ec2-" + bastion["public_ip"].replace(".", "-") + ".compute-1.amazonaws.com"
    assert world["cache"].outputs["endpoint"].startswith(f"master.{world['cache'].id.rsplit(':', 1)[-1]}.")
    assert world["cache"].outputs["endpoint"].endswith(".use1.cache.amazonaws.com")
    assert world["sessions"].outputs["stream_arn"].startswith(world["sessions"].outputs["arn"] + "/stream/")


def test_private_dns_outside_us_east_1(builder):
    r = builder.ref
    builder.add("v", "vpc", region="eu-west-1", cidr="10.9.0.0/16")
    builder.add("s", "subnet", region="eu-west-1", vpc=r("v"), cidr="10.9.1.0/24", az="eu-west-1b",
                map_public_ip=True)
    i = builder.add("i", "instance", region="eu-west-1", ami="ami-1", instance_type="t3.micro", subnet=r("s"))
    assert i.outputs["private_dns"] == "ip-10-9-1-4.eu-west-1.compute.internal"
    assert i.outputs["public_dns"].endswith(".eu-west-1.compute.amazonaws.com")
    assert i.outputs["az"] == "eu-west-1b"


def test_public_addresses_come_from_documentation_ranges(world):
    ips = [world["bastion"].outputs["public_ip"], world["nat_ip"].outputs["public_ip"],
           world["bastion_ip"].outputs["public_ip"], *world["accelerator"].outputs["ips"],
           *[n["public_ip"] for n in world["web"].outputs["nodes"]]]
    assert len(set(ips)) == len(ips)
    for ip in ips:
        assert any(ipaddress.ip_address(ip) in net for net in DOC_RANGES), ip
    assert world["nat_a"].outputs["public_ip"] == world["nat_ip"].outputs["public_ip"]


# --- addresses -------------------------------------------------------------------------------------

def _instance(builder, handle, subnet="s"):
    return builder.add(handle, "instance", ami="ami-1", instance_type="t3.micro", subnet=builder.ref(subnet))


def test_private_addresses_skip_the_reserved_five_and_are_released(builder, cloud):
    r = builder.ref
    builder.add("v", "vpc", cidr="10.0.0.0/16")
    subnet = builder.add("s", "subnet", vpc=r("v"), cidr="10.0.1.0/28", az="us-east-1a")
    assert subnet.outputs["available_ips"] == 11  # 16 addresses, 5 reserved
    made = [_instance(builder, f"i{n}") for n in range(11)]
    assert [m.outputs["private_ip"] for m in made] == [f"10.0.1.{n}" for n in range(4, 15)]
    assert cloud.read("subnet", subnet.id).outputs["available_ips"] == 0
    with pytest.raises(InsufficientAddresses) as e:
        _instance(builder, "one_too_many")
    assert code_of(e) == "InsufficientFreeAddressesInSubnet"
    cloud.delete("instance", made[2].id)  # 10.0.1.6 goes back to the subnet
    assert cloud.read("subnet", subnet.id).outputs["available_ips"] == 1
    assert _instance(builder, "again").outputs["private_ip"] == "10.0.1.6"


# --- refusals ------------------------------------------------------------------------------------------

def test_references_to_missing_ids_or_wrong_kinds_are_refused(network, cloud):
    attrs = network.attrs("subnet", vpc=network.ref("main"), cidr="10.0.9.0/24", az="us-east-1a")
    with pytest.raises(NotFound) as e:
        cloud.create("subnet", "x", "us-east-1", {**attrs, "vpc": "vpc-0123456789abcdef0"}, "t1")
    assert code_of(e) == "InvalidVpcID.NotFound"
    with pytest.raises(NotFound) as e:
        cloud.create("subnet", "x", "us-east-1", {**attrs, "vpc": network["a"].id}, "t2")
    assert code_of(e) == "InvalidVpcID.NotFound" and "is a subnet" in str(e.value)
    inst = network.attrs("instance", ami="ami-1", instance_type="t3.micro", subnet=network.ref("a"))
    with pytest.raises(NotFound) as e:
        cloud.create("instance", "i", "us-east-1", {**inst, "subnet": "subnet-0000000000000000f"}, "t3")
    assert code_of(e) == "InvalidSubnetID.NotFound"
    with pytest.raises(NotFound) as e:
        cloud.create("instance", "i", "us-east-1", {**inst, "security_groups": ["sg-0000000000000000f"]}, "t4")
    assert code_of(e) == "InvalidGroup.NotFound"
    with pytest.raises(NotFound) as e:  # ids are regional: the VPC is not visible from eu-west-1
        cloud.create("subnet", "x", "eu-west-1", {**attrs, "az": "eu-west-1a"}, "t5")
    assert code_of(e) == "InvalidVpcID.NotFound"
    with pytest.raises(InvalidParameter) as e:
        cloud.create("subnet", "x", "us-east-1", {**attrs, "colour": "blue"}, "t6")
    assert code_of(e) == "UnknownParameter"
    with pytest.raises(InvalidParameter) as e:
        cloud.create("subnet", "x", "us-east-1", {k: x for k, x in attrs.items() if k != "cidr"}, "t7")
    assert code_of(e) == "MissingParameter"


def test_literal_values_at_reference_sites_are_accepted(network, cloud):
    tg = network.attrs("target_group", vpc=network.ref("main"), port=80, protocol="HTTP", target_type="ip")
    made = cloud.create("target_group", "tg", "us-east-1", {**tg, "targets": ["10.0.1.50"]}, "t")
    assert made.attrs["targets"] == ["10.0.1.50"]
    role = network.attrs("iam_role", None, assumed_by=["ec2"], policies=["ReadOnlyAccess"])
    assert cloud.create("iam_role", "r", None, role, "t2").attrs["policies"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    with pytest.raises(NotFound) as e:  # one of ours, though: it must exist
        cloud.create("iam_role", "r2", None, {**role, "policies": [f"arn:aws:iam::{ACCT}:policy/gone"]}, "t3")
    assert code_of(e) == "NoSuchEntity"


def test_subnets_must_fit_their_vpc_and_not_overlap(network, cloud):
    r = network.ref
    with pytest.raises(InvalidParameter) as e:
        network.add("out", "subnet", vpc=r("main"), cidr="10.1.0.0/24", az="us-east-1a")
    assert code_of(e) == "InvalidSubnet.Range"
    with pytest.raises(Conflict) as e:
        network.add("overlap", "subnet", vpc=r("main"), cidr="10.0.1.128/25", az="us-east-1a")
    assert code_of(e) == "InvalidSubnet.Conflict"
    with pytest.raises(InvalidParameter):
        cloud.create("subnet", "z", "us-east-1", {**network.sent["a"], "cidr": "10.0.7.0/24", "az": "us-east-1z"}, "t")


def test_deleting_what_is_still_used_is_refused(network, cloud):
    r = network.ref
    vpc, a, sg = network["main"], network["a"], network["sg"]
    with pytest.raises(DependencyViolation) as e:
        cloud.delete("vpc", vpc.id)
    assert code_of(e) == "DependencyViolation" and a.id in str(e.value)
    igw = network.add("igw", "internet_gateway", vpc=r("main"))
    rt = network.add("rt", "route_table", vpc=r("main"), route=[{"destination": "internet", "target": r("igw")}])
    with pytest.raises(DependencyViolation):  # an internet gateway still routed
        cloud.delete("internet_gateway", igw.id)
    inst = network.add("i", "instance", ami="ami-1", instance_type="t3.micro", subnet=r("a"),
                       security_groups=[r("sg")])
    eni = network.add("eni", "network_interface", subnet=r("b"))
    with pytest.raises(DependencyViolation):  # a security group still attached
        cloud.delete("security_group", sg.id)
    with pytest.raises(DependencyViolation):  # a subnet with an instance
        cloud.delete("subnet", a.id)
    with pytest.raises(DependencyViolation):  # a subnet with a network interface
        cloud.delete("subnet", network["b"].id)
    for kind, remote in (("instance", inst), ("network_interface", eni), ("route_table", rt),
                         ("internet_gateway", igw), ("security_group", sg), ("subnet", a)):
        cloud.delete(kind, remote.id)
    with pytest.raises(DependencyViolation):  # subnet b is left
        cloud.delete("vpc", vpc.id)
    cloud.delete("subnet", network["b"].id)
    cloud.delete("vpc", vpc.id)
    assert cloud.list() == []
    with sqlite3.connect(cloud.path) as db:  # the default security group, main route table, ACL went too
        assert db.execute("SELECT COUNT(*) FROM resources").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM private_ips").fetchone()[0] == 0


def test_deleting_twice_or_deleting_nothing_is_not_an_error(network, cloud):
    cloud.delete("security_group", network["sg"].id)
    cloud.delete("security_group", network["sg"].id)
    cloud.delete("instance", "i-0000000000000000f")
    with pytest.raises(InvalidParameter):  # but an id of another kind is a mistake
        cloud.delete("subnet", network["main"].id)


def test_volumes_attach_in_their_own_az_and_to_few_instances(network, cloud):
    r = network.ref
    network.add("i1", "instance", ami="ami-1", instance_type="m5.large", subnet=r("a"))
    network.add("i2", "instance", ami="ami-1", instance_type="m5.large", subnet=r("a"))
    network.add("ib", "instance", ami="ami-1", instance_type="m5.large", subnet=r("b"))
    with pytest.raises(InvalidParameter) as e:
        network.add("v1", "ebs_volume", az="us-east-1a", size=network_size("10GiB"), attachments=[r("ib")])
    assert code_of(e) == "InvalidVolume.ZoneMismatch"
    with pytest.raises(Conflict) as e:
        network.add("v2", "ebs_volume", az="us-east-1a", size=network_size("10GiB"), attachments=[r("i1"), r("i2")])
    assert code_of(e) == "VolumeInUse"
    shared = network.add("v3", "ebs_volume", az="us-east-1a", size=network_size("100GiB"), type="io2", iops=3000,
                         multi_attach=True, attachments=[r("i1"), r("i2")])
    assert shared.attrs["attachments"] == [network["i1"].id, network["i2"].id]
    many = [network.add(f"m{n}", "instance", ami="ami-1", instance_type="m5.large", subnet=r("a")).id
            for n in range(15)]
    with pytest.raises(LimitExceeded) as e:
        cloud.update("ebs_volume", shared.id, {"attachments": [network["i1"].id, network["i2"].id, *many]}, ["attachments"])
    assert code_of(e) == "AttachmentLimitExceeded"
    cloud.delete("instance", network["i2"].id)  # terminating an instance detaches its volumes
    assert cloud.read("ebs_volume", shared.id).attrs["attachments"] == [network["i1"].id]


def network_size(text):
    from archform.stdlib.types import size
    return size(text)


def test_one_internet_gateway_per_vpc(network):
    network.add("igw", "internet_gateway", vpc=network.ref("main"))
    with pytest.raises(Conflict) as e:
        network.add("igw2", "internet_gateway", vpc=network.ref("main"))
    assert code_of(e) == "Resource.AlreadyAssociated"


def test_bucket_names_are_global(builder):
    builder.add("one", "s3_bucket", bucket="shared-name-bucket")
    with pytest.raises(Conflict) as e:
        builder.add("two", "s3_bucket", region="ap-southeast-2", bucket="shared-name-bucket")
    assert code_of(e) == "BucketAlreadyExists"


def test_at_most_five_elastic_ips_per_region_nat_gateways_included(network, cloud):
    r = network.ref
    network.add("igw", "internet_gateway", vpc=r("main"))
    network.add("nat", "nat_gateway", subnet=r("a"))  # allocates an Elastic IP of its own
    for n in range(4):
        network.add(f"eip{n}", "elastic_ip")
    with pytest.raises(LimitExceeded) as e:
        network.add("eip_too_many", "elastic_ip")
    assert code_of(e) == "AddressLimitExceeded"
    network.add("elsewhere", "elastic_ip", region="us-west-2")  # the limit is per region
    cloud.delete("elastic_ip", network["eip0"].id)
    network.add("eip_again", "elastic_ip")


def test_force_new_attributes_cannot_be_updated(network, cloud):
    a = network["a"]
    with pytest.raises(Unsupported) as e:
        cloud.update("subnet", a.id, {**a.attrs, "cidr": "10.0.3.0/24"}, ["cidr"])
    assert code_of(e) == "Unsupported" and "cidr" in str(e.value)
    inst = network.add("i", "instance", ami="ami-1", instance_type="t3.micro", subnet=network.ref("a"))
    root = {**inst.attrs["root_volume"], "encrypted": False}  # root volumes are encrypted by default
    with pytest.raises(Unsupported):
        cloud.update("instance", inst.id, {**inst.attrs, "root_volume": root}, ["root_volume"])
    changed = cloud.update("subnet", a.id, {**a.attrs, "map_public_ip": True, "tags": {"tier": "web"}},
                           ["map_public_ip", "tags"])
    assert changed.attrs["tags"] == {"tier": "web"} and changed.id == a.id
    with pytest.raises(NotFound):
        cloud.update("subnet", "subnet-0000000000000000f", a.attrs, [])


def test_a_refused_operation_leaves_no_trace(tmp_path):
    one, two = SimulatedCloud(tmp_path / "one.db"), SimulatedCloud(tmp_path / "two.db")
    v1 = one.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.0/16"}, "a")
    v2 = two.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.0/16"}, "a")
    with pytest.raises(ProviderError):
        one.create("subnet", "s", "us-east-1", {"vpc": v1.id, "cidr": "10.5.0.0/24", "az": "us-east-1a"}, "b")
    s1 = one.create("subnet", "s", "us-east-1", {"vpc": v1.id, "cidr": "10.0.0.0/24", "az": "us-east-1a"}, "c")
    s2 = two.create("subnet", "s", "us-east-1", {"vpc": v2.id, "cidr": "10.0.0.0/24", "az": "us-east-1a"}, "c")
    assert s1.id == s2.id and [r.id for r in one.list()] == [r.id for r in two.list()]
    assert one.find_by_token("b") is None


# --- idempotency ------------------------------------------------------------------------------------------

def test_a_token_used_again_returns_the_first_result(network, cloud):
    attrs = network.attrs("instance", ami="ami-1", instance_type="t3.micro", subnet=network.ref("a"))
    first = cloud.create("instance", "web", "us-east-1", attrs, "apply-1/web")
    again = cloud.create("instance", "web", "us-east-1", attrs, "apply-1/web")
    assert again == first
    assert len(cloud.list("instance")) == 1
    assert cloud.find_by_token("apply-1/web") == first
    assert cloud.find_by_token("apply-2/web") is None
    with pytest.raises(Conflict) as e:
        cloud.create("instance", "other", "us-east-1", attrs, "apply-1/web")
    assert code_of(e) == "IdempotentParameterMismatch"


# --- composite behaviour -----------------------------------------------------------------------------------

def _members(cloud, owner, kind):
    with sqlite3.connect(cloud.path) as db:
        return db.execute("SELECT id, az, subnet, role, json_extract(attrs, '$.private_ip') FROM resources "
                          "WHERE owner = ? AND kind = ? ORDER BY seq", (owner, kind)).fetchall()


def test_autoscaling_group_launches_and_adjusts_instances_across_azs(world, cloud):
    asg = world["app"]
    assert asg.outputs["desired_capacity"] == 4
    instances = [cloud.read("instance", i) for i in asg.outputs["instances"]]
    assert Counter(i.outputs["az"] for i in instances) == {"us-east-1a": 2, "us-east-1b": 1, "us-east-1c": 1}
    assert [i.outputs["az"] for i in instances] == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"]
    assert all(i.outputs["private_ip"].startswith("10.0.1") and i.outputs["public_ip"] is None for i in instances)
    assert all(i.attrs["instance_type"] == "m5.large" for i in instances)

    grown = cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 6}, ["desired"])
    zones = Counter(m[1] for m in _members(cloud, asg.id, "instance"))
    assert grown.outputs["desired_capacity"] == 6 and zones == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}
    assert set(asg.outputs["instances"]) <= set(grown.outputs["instances"])  # existing ones keep running

    shrunk = cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 3}, ["desired"])
    assert Counter(m[1] for m in _members(cloud, asg.id, "instance")) == {"us-east-1a": 1, "us-east-1b": 1,
                                                                         "us-east-1c": 1}
    assert shrunk.outputs["instances"] == asg.outputs["instances"][:3]  # the newest go first

    two_zones = [world["app_a"].id, world["app_b"].id]
    moved = cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 3, "subnets": two_zones}, ["subnets"])
    assert {m[2] for m in _members(cloud, asg.id, "instance")} == set(two_zones)
    assert moved.outputs["desired_capacity"] == 3

    kept = set(moved.outputs["instances"])
    bigger = {"ami": "ami-1", "instance_type": "m5.xlarge"}
    relaunched = cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 3, "subnets": two_zones,
                                                            "launch_template": None, "launch": bigger}, ["launch"])
    assert set(relaunched.outputs["instances"]) == kept  # without an instance refresh, instances stay
    refreshed = cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 3, "subnets": two_zones,
                                                           "launch_template": None, "instance_refresh": {},
                                                           "launch": {**bigger, "instance_type": "m5.2xlarge"}},
                             ["launch", "instance_refresh"])
    assert not set(refreshed.outputs["instances"]) & kept
    assert {cloud.read("instance", i).attrs["instance_type"] for i in refreshed.outputs["instances"]} == {"m5.2xlarge"}

    with pytest.raises(InvalidParameter) as e:
        cloud.update("autoscaling_group", asg.id, {**asg.attrs, "desired": 9}, ["desired"])
    assert code_of(e) == "ValidationError"
    before = cloud.read("subnet", world["app_a"].id).outputs["available_ips"]
    cloud.delete("autoscaling_group", asg.id)
    assert _members(cloud, asg.id, "instance") == []
    assert cloud.read("subnet", world["app_a"].id).outputs["available_ips"] > before


def test_load_balancer_has_a_node_per_az(world, cloud, builder):
    nodes = world["web"].outputs["nodes"]
    assert [n["az"] for n in nodes] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert all(n["public_ip"] for n in nodes)  # internet-facing
    lb = world["web"]
    fewer = cloud.update("load_balancer", lb.id, {**lb.attrs, "subnets": lb.attrs["subnets"][:2]}, ["subnets"])
    assert [n["az"] for n in fewer.outputs["nodes"]] == ["us-east-1a", "us-east-1b"]
    r = builder.ref
    with pytest.raises(InvalidParameter) as e:
        builder.add("lonely", "load_balancer", subnets=[r("pub_a")])
    assert code_of(e) == "ValidationError"
    with pytest.raises(InvalidParameter) as e:
        builder.add("twice", "load_balancer", type="network", subnets=[r("pub_a"), r("app_a")])
    assert code_of(e) == "InvalidConfigurationRequest"
    internal = builder.add("inner", "load_balancer", type="network", internal=True, subnets=[r("app_a"), r("app_b")])
    assert all(n["public_ip"] is None for n in internal.outputs["nodes"])
    assert internal.outputs["dns_name"].startswith("internal-inner-")
    with pytest.raises(DependencyViolation) as e:  # the listener still forwards to the target group
        cloud.delete("target_group", world["app_tg"].id)
    assert code_of(e) == "ResourceInUse"


def test_aurora_places_writer_and_replicas_across_azs(world, cloud):
    orders = world["orders"]
    members = _members(cloud, orders.id, "aurora_instance")
    name = orders.id.rsplit(":", 1)[-1]  # arn:aws:rds:REGION:ACCOUNT:cluster:NAME
    db = f"arn:aws:rds:us-east-1:{ACCT}:db:{name}"  # each instance is a DB instance of its own, known by its ARN
    assert [(m[0], m[1], m[3]) for m in members] == [
        (f"{db}-instance-1", "us-east-1a", "writer"),
        (f"{db}-instance-2", "us-east-1b", "reader"),
        (f"{db}-instance-3", "us-east-1a", "reader")]
    cloud.update("aurora", orders.id, {**orders.attrs, "instances": 5}, ["instances"])
    assert [m[1] for m in _members(cloud, orders.id, "aurora_instance")] == \
        ["us-east-1a", "us-east-1b", "us-east-1a", "us-east-1b", "us-east-1a"]
    cloud.update("aurora", orders.id, {**orders.attrs, "instances": 2}, ["instances"])
    assert [m[3] for m in _members(cloud, orders.id, "aurora_instance")] == ["writer", "reader"]
    rds = _members(cloud, world["db"].id, "rds_instance")
    assert [(m[1], m[3]) for m in rds] == [("us-east-1a", "primary"), ("us-east-1b", "standby")]


def test_database_subnet_groups_cover_two_azs(network):
    with pytest.raises(InvalidParameter) as e:
        network.add("db", "aurora", engine="postgresql", subnets=[network.ref("a")])
    assert code_of(e) == "DBSubnetGroupDoesNotCoverEnoughAZs"


# --- determinism, threads, a killed process ---------------------------------------------------------------

def test_the_same_operations_on_fresh_stores_give_the_same_ids(tmp_path, world_in):
    def run(name, **options):
        cloud = SimulatedCloud(tmp_path / name, **options)
        b = world_in(cloud)
        out = {h: (r.id, r.outputs) for h, r in b.remotes.items()}
        cloud.close()
        return out
    first, second = run("one.db"), run("two.db")
    assert first == second
    other = run("seeded.db", seed=7)
    assert other["main"][0] != first["main"][0]


def test_ten_threads_creating_at_once_get_distinct_ids_and_addresses(tmp_path):
    path = tmp_path / "cloud.db"
    setup = SimulatedCloud(path)
    vpc = setup.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.0/16"}, "vpc")
    shared = setup.create("subnet", "shared", "us-east-1", {"vpc": vpc.id, "cidr": "10.0.0.0/24",
                                                             "az": "us-east-1a"}, "shared")
    other = SimulatedCloud(path)  # a second connection to the same file, as another process would have
    results, errors = [], []

    def work(n: int):
        cloud = setup if n % 2 else other
        try:
            s = cloud.create("subnet", f"s{n}", "us-east-1", {"vpc": vpc.id, "cidr": f"10.0.{n + 1}.0/24",
                                                               "az": "us-east-1b"}, f"subnet-{n}")
            results.append(s)
            for k in range(5):
                results.append(cloud.create("instance", f"i{n}-{k}", "us-east-1",
                                            {"ami": "ami-1", "instance_type": "t3.micro", "subnet": shared.id},
                                            f"instance-{n}-{k}"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [r.id for r in results]
    assert len(ids) == 60 and len(set(ids)) == 60
    ips = [r.outputs["private_ip"] for r in results if r.kind == "instance"]
    assert len(set(ips)) == 50 and sorted(ips, key=ipaddress.ip_address)[0] == "10.0.0.4"
    assert setup.read("subnet", shared.id).outputs["available_ips"] == 251 - 50
    other.close()
    setup.close()


CHILD = textwrap.dedent("""
    import sys
    from archform.providers.simulated import SimulatedCloud
    cloud = SimulatedCloud(sys.argv[1])
    vpc = cloud.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.0/16"}, "vpc")
    a = cloud.create("subnet", "a", "us-east-1", {"vpc": vpc.id, "cidr": "10.0.0.0/18", "az": "us-east-1a"}, "a")
    b = cloud.create("subnet", "b", "us-east-1", {"vpc": vpc.id, "cidr": "10.0.64.0/18", "az": "us-east-1b"}, "b")
    launch = {"ami": "ami-1", "instance_type": "t3.micro"}
    n = 0
    while True:
        n += 1
        if n % 3:
            r = cloud.create("instance", f"i{n}", "us-east-1", {**launch, "subnet": a.id}, f"t{n}")
        else:
            r = cloud.create("autoscaling_group", f"g{n}", "us-east-1",
                             {"subnets": [a.id, b.id], "min": 4, "max": 4, "launch": launch}, f"t{n}")
        print(r.kind, r.id, flush=True)
""")


@pytest.mark.parametrize("kill_after", [1, 7, 25])
def test_a_killed_process_leaves_every_completed_record_whole(tmp_path, kill_after):
    path = str(tmp_path / "cloud.db")
    child = subprocess.Popen([sys.executable, "-c", CHILD, path], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    done = []
    try:
        for line in child.stdout:
            done.append(line.split())
            if len(done) >= kill_after:
                break
        child.send_signal(signal.SIGKILL)  # mid-way through whatever it does next
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(done) >= kill_after

    cloud = SimulatedCloud(path)
    assert cloud.store.integrity() == "ok"
    for kind, id in done:
        remote = cloud.read(kind, id)
        assert remote is not None, f"{kind} {id} was reported made and is gone"
        if kind == "instance":
            assert remote.outputs["private_ip"]
        else:
            assert remote.outputs["desired_capacity"] == 4
    with sqlite3.connect(path) as db:
        instances = db.execute("SELECT id, json_extract(outputs, '$.private_ip') FROM resources "
                               "WHERE kind = 'instance'").fetchall()
        held = dict(db.execute("SELECT holder, ip FROM private_ips").fetchall())
        groups = db.execute("SELECT id FROM resources WHERE kind = 'autoscaling_group'").fetchall()
        for (group,) in groups:  # a group is whole: all four instances or none of it
            assert db.execute("SELECT COUNT(*) FROM resources WHERE owner = ?", (group,)).fetchone()[0] == 4
    assert {i for i, _ in instances} == set(held)  # no instance without its address, no address without it
    assert all(str(ipaddress.ip_address(held[i])) == ip for i, ip in instances)
    fresh = cloud.create("instance", "after", "us-east-1",
                         {"ami": "ami-1", "instance_type": "t3.micro", "subnet": cloud.list("subnet")[0].id}, "after")
    assert fresh.outputs["private_ip"] not in {ip for _, ip in instances}
    cloud.close()


# --- drift from behind archform's back --------------------------------------------------------------------

def test_console_changes_are_what_the_provider_reads_next(network, cloud):
    from archform.providers.simulated import console
    a = network["a"]
    console.set_attributes(cloud, a.id, {"map_public_ip": True, "tags.team": "web"})
    now = cloud.read("subnet", a.id)
    assert now.attrs["map_public_ip"] is True and now.attrs["tags"] == {"team": "web"}
    assert console.remove(cloud, network["main"].id)[0] == network["main"].id  # refusing nothing
    assert cloud.read("vpc", network["main"].id) is None
    made = console.create(cloud, "s3_bucket", {"bucket": "made-by-hand"}, "eu-west-1")
    assert made.id == "made-by-hand" and cloud.read("s3_bucket", "made-by-hand").region == "eu-west-1"
    assert json.dumps(console.records(cloud), sort_keys=True)  # plain data


def test_malformed_values_are_refused_not_crashed_on(network, cloud):
    with pytest.raises(InvalidParameter) as e:
        cloud.create("autoscaling_group", "g", "us-east-1",
                     {"subnets": [network["a"].id], "min": "abc", "max": 2,
                      "launch": {"ami": "ami-1", "instance_type": "t3.micro"}}, "t")
    assert code_of(e) == "InvalidParameterValue"
    with pytest.raises(InvalidParameter):
        cloud.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.300/16"}, "t2")


def test_a_store_held_by_another_process_answers_throttled(tmp_path):
    from archform.providers.base import Throttled
    from archform.providers.simulated.store import Store
    path = tmp_path / "cloud.db"
    busy = Store(path, busy_timeout=0.1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    with pytest.raises(Throttled) as e:
        with busy.transaction():
            pass
    assert e.value.retryable and code_of(e) == "RequestLimitExceeded"
    holder.execute("ROLLBACK")
    with busy.transaction() as tx:  # free again
        assert tx.next_number() == 1
    busy.close()
    holder.close()


def test_validate_and_the_modeled_cloud_agree_where_a_name_is_unique():
    """`names_unique` (validate) refuses the same explicit name where the modeled cloud's
    behaviours do (their name_unique and name_parent, a table's parent), and nowhere else, so a
    duplicate is found at validate rather than half-way through an apply."""
    from archform.providers.simulated.behaviours import _TABLE
    from archform.providers.simulated.behaviours.base import Named
    from archform.providers.simulated.behaviours.keyspaces import ChildTable
    from archform.providers.simulated.store import Record
    from archform.stdlib.name_scopes import GLOBAL, SCOPE
    elsewhere = {"s3_bucket", "dashboard"}  # global: checked by s3_bucket_names_unique and the dashboard's check
    expected, global_ = {}, set()
    for kind, b in _TABLE.items():
        if not isinstance(b, Named) or kind in elsewhere:
            continue
        if b.explicit_name(Record("x", kind, "us-east-1", {"name": "probe"}, {})) != "probe":
            continue  # no name of the author's: generated, never two alike
        if b.name_unique == "global":
            global_.add(kind)
        expected[kind] = b.parent if isinstance(b, ChildTable) else b.name_parent
    assert SCOPE == expected and GLOBAL == global_


def test_the_public_address_pool_holds_an_estate_and_takes_the_lowest_free(tmp_path):
    """The modeled cloud had 762 public addresses (three documentation /24s) for every region,
    and scanned all taken ones per allocation: a 10,000-resource estate's load balancers failed
    with InsufficientAddressCapacity half-way through apply. The benchmarking range (RFC 2544)
    follows the documentation ones; none is anyone's real address."""
    import ipaddress

    from archform.providers.simulated.addressing import allocate_public
    cloud = SimulatedCloud(tmp_path / "cloud.db")
    try:
        with cloud.store.transaction() as tx:
            ips = [allocate_public(tx, f"holder-{i}", "us-east-1") for i in range(1500)]
            assert len(set(ips)) == 1500 and ips[0] == "192.0.2.1" and ips[762] == "198.18.0.1"
            assert all(not ipaddress.ip_address(ip).is_global for ip in ips)  # nobody's real address
            tx.release_public_ips("holder-5")
            assert allocate_public(tx, "again", "eu-west-1") == ips[5]  # the lowest free again
    finally:
        cloud.close()
