"""Fixtures for the modeled cloud: a fresh cloud on a real file, and a builder that makes
attributes the way the planner sends them — validated by the catalogue model (so defaults are
filled and the JSON form is the real one), dumped with `model_dump(mode="json", by_alias=True)`,
references replaced by provider ids and exported values by their concrete values."""

from __future__ import annotations

import pytest

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.types import cidr, dur, size

__all__ = ["cidr", "dur", "size"]


class Ref:
    def __init__(self, name: str, attr: str | None = None):
        self.name, self.attr = name, attr


class Builder:
    """`b.add(name, kind, **attrs)` creates `name` in the cloud; attribute values are language
    values, with `b.ref(name)` / `b.out(name, attr)` for references."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.kinds: dict[str, str] = {}
        self.remotes: dict = {}
        self.sent: dict = {}

    ref = staticmethod(lambda name: Ref(name))
    out = staticmethod(lambda name, attr: Ref(name, attr))

    def _language(self, x):
        if isinstance(x, Ref):
            if x.attr is None:
                return v.ResourceRef(x.name, self.kinds[x.name])
            return v.Unknown(x.name, x.attr, "string", self.kinds[x.name])
        if isinstance(x, list):
            return [self._language(i) for i in x]
        if isinstance(x, dict):
            return {k: self._language(i) for k, i in x.items()}
        return x

    def _resolve(self, x):
        if isinstance(x, dict):
            if "$ref" in x and set(x) <= {"$ref", "attr"}:
                remote = self.remotes[x["$ref"]]
                return remote.id if x.get("attr") is None else remote.outputs[x["attr"]]
            return {k: self._resolve(i) for k, i in x.items()}
        if isinstance(x, list):
            return [self._resolve(i) for i in x]
        return x

    def attrs(self, kind: str, region: str | None = "us-east-1", **data) -> dict:
        model = catalogue.get(kind)
        data = {k.rstrip("_"): self._language(x) for k, x in data.items()}
        obj = model.model_validate(data, context={"region": region})
        dumped = obj.model_dump(mode="json", by_alias=True)
        dumped.pop("kind", None)
        return self._resolve(dumped)

    def add(self, handle: str, kind: str, region: str | None = "us-east-1", **data):
        attrs = self.attrs(kind, region, **data)
        self.kinds[handle] = kind
        self.sent[handle] = attrs
        remote = self.cloud.create(kind, handle, region, attrs, f"token/{handle}")
        self.remotes[handle] = remote
        return remote

    def __getitem__(self, name):
        return self.remotes[name]


# One of every kind, in an order where references come first: a three-tier VPC in us-east-1
# with everything that hangs off it, plus a bucket in eu-west-1.
def build_world(b: Builder, primary: str = "us-east-1"):
    r, o = b.ref, b.out
    b.add("eip_quota", "service_quota", quota="elastic_ips", value=10)
    b.add("main", "vpc", cidr="10.0.0.0/16", ipv6=True)
    b.add("peer", "vpc", cidr="10.1.0.0/16")
    for i, z in enumerate("abc"):
        b.add(f"pub_{z}", "subnet", vpc=r("main"), cidr=f"10.0.{i}.0/24", az=f"{primary}{z}", public=True,
              map_public_ip=True)
        b.add(f"app_{z}", "subnet", vpc=r("main"), cidr=f"10.0.{10 + i}.0/24", az=f"{primary}{z}")
    b.add("data_a", "subnet", vpc=r("main"), cidr="10.0.20.0/24", az=f"{primary}a")
    b.add("data_b", "subnet", vpc=r("main"), cidr="10.0.21.0/24", az=f"{primary}b")
    b.add("igw", "internet_gateway", vpc=r("main"))
    b.add("eigw", "egress_only_internet_gateway", vpc=r("main"))
    b.add("nat_ip", "elastic_ip")
    b.add("nat_a", "nat_gateway", subnet=r("pub_a"), elastic_ip=r("nat_ip"))
    b.add("public_rt", "route_table", vpc=r("main"), route=[{"destination": "internet", "target": r("igw")}],
          subnets=[r("pub_a"), r("pub_b"), r("pub_c")])
    b.add("private_rt", "route_table", vpc=r("main"), route=[{"destination": "internet", "target": r("nat_a")}],
          subnets=[r("app_a"), r("app_b"), r("app_c")])
    b.add("data_acl", "network_acl", vpc=r("main"), subnets=[r("data_a"), r("data_b")],
          ingress=[{"rule": 100, "protocol": "tcp", "ports": v.PortRange(5432, 5432), "cidr": "10.0.0.0/16"}],
          egress=[{"rule": 100, "protocol": "tcp", "ports": v.PortRange(1024, 65535), "cidr": "10.0.0.0/16"}])
    b.add("web_sg", "security_group", vpc=r("main"), ingress=[{"port": 443, "from": "internet"}])
    b.add("app_sg", "security_group", vpc=r("main"), ingress=[{"port": 8080, "from": r("web_sg")}])
    b.add("db_sg", "security_group", vpc=r("main"), ingress=[{"port": 5432, "from": r("app_sg")}])
    b.add("peering", "vpc_peering", vpc=r("main"), peer_vpc=r("peer"))
    b.add("s3_endpoint", "vpc_endpoint", vpc=r("main"), service="s3", type="gateway", route_tables=[r("private_rt")])
    b.add("sqs_endpoint", "vpc_endpoint", vpc=r("main"), service="sqs", subnets=[r("app_a"), r("app_b")],
          security_groups=[r("app_sg")])
    b.add("spread", "placement_group", strategy="spread")
    b.add("read_policy", "iam_policy", region=None,
          document={"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    b.add("app_role", "iam_role", region=None, assumed_by=["ec2"], policies=[r("read_policy")])
    b.add("ops_user", "iam_user", region=None, permissions_boundary=r("read_policy"))
    b.add("operators", "iam_group", region=None, members=[r("ops_user")], policies=["ReadOnlyAccess"])
    b.add("app_profile", "instance_profile", region=None, role=r("app_role"))
    b.add("no_leaving", "scp", region=None, targets=["ou-ab12-cd34ef56"], document={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]})
    b.add("bastion", "instance", ami="ami-0abcdef1234567890", instance_type="t3.micro", subnet=r("pub_a"),
          security_groups=[r("web_sg")], iam_role=r("app_role"))
    b.add("bastion_eni", "network_interface", subnet=r("pub_a"), instance=r("bastion"),
          security_groups=[r("web_sg")], secondary_private_ips=2)
    b.add("bastion_ip", "elastic_ip", instance=r("bastion"))
    b.add("data_volume", "ebs_volume", az=f"{primary}a", size=size("100GiB"), attachments=[r("bastion")])
    b.add("app_lt", "launch_template", ami="ami-0abcdef1234567890", instance_type="m5.large",
          security_groups=[r("app_sg")])
    b.add("cert", "certificate", domain="example.com", alternative_names=["*.example.com"])
    b.add("app_tg", "target_group", vpc=r("main"), port=8080, protocol="HTTP")
    b.add("app", "autoscaling_group", subnets=[r("app_a"), r("app_b"), r("app_c")], min=2, max=6, desired=4,
          launch_template=r("app_lt"), target_groups=[r("app_tg")], placement_group=r("spread"))
    b.add("web", "load_balancer", subnets=[r("pub_a"), r("pub_b"), r("pub_c")], security_groups=[r("web_sg")],
          listener=[{"name": "https", "port": 443, "certificate": r("cert"), "forward": r("app_tg")}])
    b.add("db", "rds", engine="postgres", instance_class="db.m5.large", subnets=[r("data_a"), r("data_b")],
          multi_az=True, security_groups=[r("db_sg")])
    b.add("orders", "aurora", engine="postgresql", subnets=[r("data_a"), r("data_b")], instances=3,
          security_groups=[r("db_sg")])
    b.add("cache", "elasticache", engine="redis", node_type="cache.t3.micro", subnets=[r("data_a"), r("data_b")],
          replicas_per_shard=1, multi_az=True, automatic_failover=True)
    b.add("sessions", "dynamodb_table", hash_key="id", stream="new_and_old_images")
    b.add("site", "s3_bucket", bucket="archform-example-site", versioning=True, website={"index": "index.html"})
    b.add("logs", "s3_bucket", region="eu-west-1")
    b.add("shared", "efs", subnets=[r("app_a"), r("app_b")], security_groups=[r("app_sg")])
    b.add("zone", "dns_zone", region=None, domain="example.com")
    b.add("web_health", "health_check", region=None, type="https", target=r("web"), path="/health")
    b.add("www", "dns_record", region=None, zone=r("zone"), name="www", type="A", alias=o("web", "dns_name"),
          health_check=r("web_health"))
    b.add("cdn", "cloudfront", region=None, origin=[{"name": "site", "target": r("site"), "access": "oac"}],
          default_origin="site", aliases=["cdn.example.com"], certificate=r("cert"))
    b.add("accelerator", "global_accelerator", region=None, endpoint=[{"target": r("web")}])
    b.add("dr", "dr_plan", region=None, strategy="warm_standby", primary="us-east-1", secondary="eu-west-1",
          rpo=dur("5s"), rto=dur("10m"), scope=[r("orders")])
    b.add("jobs_dlq", "sqs_queue", retention=dur("14d"))
    b.add("jobs", "sqs_queue", visibility_timeout=dur("3m"), redrive={"dead_letter": r("jobs_dlq"), "max_receives": 5})
    b.add("events", "sns_topic", subscription=[{"name": "work", "protocol": "sqs", "target": r("jobs")},
                                               {"name": "ops", "protocol": "email", "endpoint": "ops@example.com"}])
    b.add("fn_role", "iam_role", region=None, assumed_by=["lambda"],
          policies=["service-role/AWSLambdaSQSQueueExecutionRole", "service-role/AWSLambdaVPCAccessExecutionRole"])
    b.add("worker", "lambda_function", runtime="python3.12", handler="app.handle", role=r("fn_role"),
          code={"file": "worker.zip"}, timeout=dur("30s"), subnets=[r("app_a"), r("app_b")],
          security_groups=[r("app_sg")], url={})
    b.add("feed", "lambda_event_source", source=r("jobs"), function=r("worker"))
    b.add("api", "api_gateway", route=[{"name": "GET /orders", "target": r("worker"), "auth": "none"}],
          domain="api.example.com", certificate=r("cert"))
    b.add("members", "cognito_user_pool", client=[{"name": "web", "callback_urls": ["https://example.com/cb"],
                                                    "oauth_flows": ["code"]}], deletion_protection=False)
    b.add("orders_in", "workload", source=r("jobs"), rate=20, consumer=r("feed"), per_message=dur("200ms"))
    b.add("clicks", "kinesis_stream", retention=dur("48h"))
    b.add("delivery_role", "iam_role", region=None, assumed_by=["firehose"], inline_policies={"read": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kinesis:DescribeStream",
                                                                          "kinesis:GetRecords"], "Resource": "*"}]}})
    b.add("clicks_to_logs", "firehose", source=r("clicks"), role=r("delivery_role"),
          s3={"bucket": r("site"), "prefix": "clicks/"})
    b.add("orders_bus", "event_bus")
    b.add("flow_role", "iam_role", region=None, assumed_by=["states", "events"])
    b.add("flow", "state_machine", role=r("flow_role"),
          definition={"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": o("worker", "arn"),
                                                              "End": True}}})
    b.add("placed", "event_rule", bus=r("orders_bus"), pattern={"source": ["shop"]},
          target=[{"resource": r("jobs")}, {"resource": r("worker")}, {"resource": r("flow"), "role": r("flow_role")}])
    b.add("broker", "mq_broker", engine="activemq", deployment="active_standby", subnets=[r("data_a"), r("data_b")],
          security_groups=[r("app_sg")])  # no users: their passwords would come back as fingerprints
    b.add("docs", "documentdb_cluster", instance_class="db.r6g.large", subnets=[r("data_a"), r("data_b")], instances=2,
          security_groups=[r("db_sg")])
    b.add("graph", "neptune_cluster", instance_class="db.r6g.large", subnets=[r("data_a"), r("data_b")], iam_auth=True)
    b.add("orders_pool", "rds_proxy", target=r("orders"), subnets=[r("data_a"), r("data_b")],
          secrets=["arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf"], security_groups=[r("db_sg")])
    b.add("stream", "msk_cluster", subnets=[r("data_a"), r("data_b")], brokers=4, client_auth=["iam"],
          security_groups=[r("app_sg")])
    b.add("warehouse", "redshift_cluster", node_type="ra3.xlplus", nodes=2, multi_az=True, manage_master_password=True,
          subnets=[r("data_a"), r("data_b")], security_groups=[r("app_sg")])
    b.add("shares", "fsx_file_system", type="windows", deployment="multi_az_1", storage_capacity=size("32GiB"),
          throughput=32, subnets=[r("data_a"), r("data_b")], preferred_subnet=r("data_a"),
          security_groups=[r("app_sg")], active_directory="d-1234567890")
    b.add("mover", "dms_replication_instance", instance_class="dms.t3.medium", storage=50, multi_az=True,
          subnets=[r("data_a"), r("data_b")], security_groups=[r("app_sg")])
    b.add("from_orders", "dms_endpoint", type="source", engine="aurora-postgresql", database=r("orders"), username="archform",
          ssl_mode="require")  # no password: it would come back as a fingerprint
    b.add("to_site", "dms_endpoint", type="target", engine="s3", database=r("site"), ssl_mode="none")
    b.add("copy_orders", "dms_replication_task", instance=r("mover"), source=r("from_orders"), target=r("to_site"),
          migration_type="full_load")
    b.add("adhoc", "redshift_serverless", base_capacity=8, manage_admin_password=True,
          subnets=[r("app_a"), r("app_b"), r("app_c")])
    b.add("search", "opensearch_domain", instances=3, zones=3, standby=True, masters={"count": 3},
          subnets=[r("app_a"), r("app_b"), r("app_c")])
    b.add("catalog", "glue_database")
    b.add("crawler_role", "iam_role", region=None, assumed_by=["glue"])
    b.add("crawler", "glue_crawler", database=r("catalog"), role=r("crawler_role"),
          s3=[{"bucket": r("site"), "path": "clicks/"}])
    b.add("analysts", "athena_workgroup", results=r("site"), prefix="athena/")
    b.add("emr_service_role", "iam_role", region=None, assumed_by=["elasticmapreduce"])
    b.add("etl", "emr_cluster", subnet=r("app_a"), applications=["spark", "hive"], log_bucket=r("site"),
          service_role=r("emr_service_role"), instance_role=r("app_role"),
          core={"instance_type": "m5.xlarge", "count": 2}, task={"instance_type": "m5.xlarge", "count": 2,
                                                                 "market": "spot"})
    b.add("telemetry", "keyspaces_keyspace")
    b.add("readings", "keyspaces_table", keyspace=r("telemetry"), columns={"device": "text", "at": "timestamp"},
          partition_key=["device"], clustering_key=["at"])
    b.add("metrics", "timestream_database")
    b.add("cpu_load", "timestream_table", database=r("metrics"))
    b.add("eks_role", "iam_role", region=None, assumed_by=["eks"])
    b.add("k8s", "eks_cluster", role=r("eks_role"), subnets=[r("app_a"), r("app_b"), r("app_c")])
    b.add("k8s_nodes", "eks_node_group", cluster=r("k8s"), role=r("app_role"), subnets=[r("app_a"), r("app_b")],
          instance_types=["m5.large"], min=2, max=4)
    b.add("pods_role", "iam_role", region=None, assumed_by=["eks-fargate-pods"])
    b.add("k8s_web", "eks_fargate_profile", cluster=r("k8s"), pod_execution_role=r("pods_role"),
          subnets=[r("app_a"), r("app_b")], selector=[{"namespace": "web"}], pods=2)
    b.add("shop", "beanstalk_application", description="the shop")
    b.add("eb_role", "iam_role", region=None, assumed_by=["elasticbeanstalk"])
    b.add("storefront", "beanstalk_environment", application=r("shop"),
          solution_stack="64bit Amazon Linux 2023 v6.1.0 running Node.js 20", subnets=[r("app_a"), r("app_b")],
          min=2, max=4, service_role=r("eb_role"), deployment="rolling", batch_size=1,
          source={"bucket": r("site"), "key": "web/v1.zip"})
    b.add("crunch", "batch_compute_environment", type="spot", min_vcpus=4, max_vcpus=64,
          instance_types=["c5.large", "c5.xlarge"], instance_role=r("app_role"), subnets=[r("app_a"), r("app_b")],
          security_groups=[r("app_sg")])
    b.add("crunch_jobs", "batch_job_queue", priority=5, compute_environments=[r("crunch")])
    b.add("task_exec", "iam_role", region=None, assumed_by=["ecs-tasks"])
    b.add("crunch_job", "batch_job_definition", platform="fargate", image="public.ecr.aws/docker/library/busybox:1",
          vcpus=0.5, memory=size("1GiB"), execution_role=r("task_exec"), attempts=2)
    b.add("pull_role", "iam_role", region=None, assumed_by=["build.apprunner"])
    b.add("runner", "apprunner_service", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4",
          access_role=r("pull_role"), min_size=2, vpc_connector={"subnets": [r("app_a"), r("app_b")],
                                                                 "security_groups": [r("app_sg")]})
    b.add("players", "cognito_identity_pool", provider=[{"user_pool": r("members"), "client": "web"}])
    b.add("player_role", "iam_role", region=None, web_identity={"identity_pool": r("players")})
    b.add("hub", "transit_gateway")
    b.add("hub_att", "transit_gateway_attachment", transit_gateway=r("hub"), vpc=r("main"),
          subnets=[r("app_a"), r("app_b"), r("app_c")])
    b.add("office", "customer_gateway", ip_address="203.0.113.10", bgp_asn=65010)
    b.add("office_vpn", "vpn_connection", customer_gateway=r("office"), transit_gateway=r("hub"),
          inside_cidrs=["169.254.10.0/30", "169.254.11.0/30"])
    b.add("vpn_att", "transit_gateway_attachment", transit_gateway=r("hub"), vpn=r("office_vpn"))
    b.add("hub_rt", "transit_gateway_route_table", transit_gateway=r("hub"), propagations=[r("hub_att"), r("vpn_att")],
          route=[{"destination": "10.99.0.0/16", "blackhole": True}])
    b.add("vgw", "vpn_gateway", vpc=r("peer"))
    b.add("line", "dx_connection", location="EqDC2", bandwidth="10Gbps")
    b.add("dxgw", "dx_gateway", region=None, vpn_gateways=[r("vgw")])
    b.add("vif", "dx_virtual_interface", connection=r("line"), vlan=101, dx_gateway=r("dxgw"))
    b.add("vault", "backup_vault")
    b.add("plan", "backup_plan", rule=[{"name": "daily", "vault": r("vault"), "delete_after": dur("35d")}],
          selection=[{"name": "data", "resources": [r("data_volume")]}])
    b.add("images", "ecr_repository", lifecycle_rule=[{"name": "untagged", "expire_after": dur("14d")}])
    b.add("task_role", "iam_role", region=None, assumed_by=["ecs-tasks"])
    b.add("apps", "ecs_cluster", capacity_providers=["fargate"],
          capacity_provider=[{"name": "fleet", "autoscaling_group": r("app")}],
          default_strategy=[{"name": "fargate", "weight": 1}])
    b.add("web_task", "ecs_task_definition", cpu=256, memory=v.Size.of(512, "MiB"), execution_role=r("task_role"),
          container=[{"name": "web", "image": r("images"), "tag": "v1", "port_mapping": [{"container_port": 8080}]}],
          volume=[{"name": "shared", "efs": r("shared")}])
    b.add("ip_tg", "target_group", vpc=r("main"), port=8080, protocol="HTTP", target_type="ip")
    b.add("web_service", "ecs_service", cluster=r("apps"), task_definition=r("web_task"), launch_type="fargate",
          desired=3, subnets=[r("app_a"), r("app_b")], security_groups=[r("app_sg")],
          load_balancer=[{"target_group": r("ip_tg"), "container": "web", "port": 8080}])
    b.add("data_key", "kms_key", description="the world's data", aliases=["alias/world-data"])
    b.add("db_secret", "secret", kms_key=r("data_key"), rotation={"function": r("worker"), "every": dur("30d")},
          replica_regions=["eu-west-1"])
    b.add("db_url", "ssm_parameter", name="/world/prod/db-url", value="postgres://db.internal:5432/shop")
    b.add("blocked", "waf_ip_set", addresses=[cidr("203.0.113.7/32")])
    b.add("shop_acl", "waf_web_acl", resources=[r("web")],
          rule=[{"name": "blocklist", "priority": 0, "ip_set": r("blocked")},
                {"name": "common", "priority": 1, "managed": "AWSManagedRulesCommonRuleSet"},
                {"name": "per_client", "priority": 2, "rate_limit": 2000}])
    b.add("app_logs", "log_group", name="/world/app", retention=dur("30d"), kms_key=r("data_key"),
          metric_filter=[{"name": "errors", "pattern": "ERROR", "namespace": "World", "metric": "Errors"}])
    b.add("errors_alarm", "cloudwatch_alarm", namespace="World", metric="Errors", statistic="Sum", threshold=10,
          alarm_actions=[r("events")])
    b.add("errors_page", "composite_alarm", alarms=[r("errors_alarm")], rule="ALARM(errors_alarm)",
          alarm_actions=[r("events")])
    b.add("ops_board", "dashboard", name="world-ops", widget=[{"name": "errors", "alarms": [r("errors_alarm")]}])
    b.add("audit_logs", "s3_bucket", versioning=True)
    b.add("audit", "cloudtrail_trail", bucket=r("audit_logs"), log_group=r("app_logs"))
    b.add("vpc_flows", "flow_log", resource=r("main"), destination=r("audit_logs"), traffic="REJECT")
    b.add("config", "config_recorder", bucket=r("audit_logs"))
    b.add("versioned", "config_rule", identifier="S3_BUCKET_VERSIONING_ENABLED", recorder=r("config"))
    for i, z in enumerate("ab"):  # an endpoint subnet per AZ for the Network Firewall
        b.add(f"fw_{z}", "subnet", vpc=r("main"), cidr=f"10.0.30.{16 * i}/28", az=f"{primary}{z}")
    b.add("no_ssh", "firewall_rule_group", capacity=10,
          rule=[{"name": "ssh", "action": "drop", "protocol": "tcp", "port": 22}])
    b.add("fragments", "firewall_rule_group", type="stateless", capacity=10,
          rule=[{"name": "dns", "priority": 1, "action": "pass", "protocol": "udp", "port": 53}])
    b.add("fw_policy", "firewall_policy", stateless_rule_groups=[r("fragments")], stateful_rule_groups=[r("no_ssh")])
    b.add("inspection", "network_firewall", vpc=r("main"), subnets=[r("fw_a"), r("fw_b")],
          firewall_policy=r("fw_policy"))
    b.add("web_shield", "shield_protection", resource=r("web"))
    b.add("detector", "guardduty_detector", finding_publishing_frequency=dur("15m"))
    return b


@pytest.fixture
def cloud(tmp_path):
    from archform.providers.simulated import SimulatedCloud
    c = SimulatedCloud(tmp_path / "cloud.db")
    yield c
    c.close()


@pytest.fixture
def builder(cloud):
    return Builder(cloud)


@pytest.fixture
def world(builder):
    return build_world(builder)


@pytest.fixture
def network(builder):
    """A VPC with two subnets in two AZs, and a security group."""
    r = builder.ref
    builder.add("main", "vpc", cidr="10.0.0.0/16")
    builder.add("a", "subnet", vpc=r("main"), cidr="10.0.1.0/24", az="us-east-1a")
    builder.add("b", "subnet", vpc=r("main"), cidr="10.0.2.0/24", az="us-east-1b")
    builder.add("sg", "security_group", vpc=r("main"))
    return builder


@pytest.fixture
def world_in():
    """Build the whole world in a given cloud: `world_in(cloud)` → its Builder."""
    return lambda cloud: build_world(Builder(cloud))
