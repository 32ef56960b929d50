"""What a node says: its name, what it is, and the one or two facts an architect looks for
(an Auto Scaling group's capacity, a database's engine and size, a record's target…).

`describe(item)` returns the lines under the title; each line is short, so a diagram of a
hundred resources stays readable. Nothing here reads anything but the item's attributes.
"""

from __future__ import annotations

from .scene import Item, ref
from .styles import kind_info


def local_name(address: str, region_alias: str | None) -> str:
    """The address without its region prefix (the region frame already says it)."""
    if region_alias and address.startswith(region_alias + "."):
        return address[len(region_alias) + 1:]
    return address


def _short(address: str | None) -> str:
    """A route target without its region alias (`net.nat_gw[us-east-1a]`)."""
    if not address:
        return "?"
    return address.split(".", 1)[-1]


def _ports(listeners) -> str:
    out = []
    for lst in listeners or []:
        port = lst.get("port")
        proto = lst.get("protocol") or ""
        if port is not None:
            out.append(f"{proto} :{port}".strip())
    return ", ".join(out)


def _capacity(a: dict) -> str:
    desired, lo, hi = a.get("desired"), a.get("min"), a.get("max")
    shown = desired if desired is not None else lo
    return f"{shown} (min {lo}, max {hi})"


def _instance_type(a: dict) -> str | None:
    launch = a.get("launch")
    if isinstance(launch, dict):
        return launch.get("instance_type")
    return a.get("instance_type")


def describe(item: Item) -> list[str]:
    a, k = item.attrs, item.kind
    _, display, _ = kind_info(k)
    lines = [display]
    fn = _DETAILS.get(k)
    if fn is not None:
        extra = fn(a)
        if isinstance(extra, str):
            extra = [extra]
        lines.extend(x for x in extra if x)
    return lines


def _asg(a):
    itype = _instance_type(a)
    return [f"{_capacity(a)}" + (f" × {itype}" if itype else "")]


def _lb(a):
    kind = {"application": "ALB", "network": "NLB", "gateway": "GWLB", "classic": "CLB"}.get(a.get("type"), a.get("type"))
    facing = "internal" if a.get("internal") else "internet-facing"
    return [f"{kind} · {facing}", _ports(a.get("listener"))]


def _aurora(a):
    if a.get("serverless"):
        size = f"serverless {a.get('min_capacity')}–{a.get('max_capacity')} ACU"
    else:
        size = f"{a.get('instances')} × {a.get('instance_class')}"
    out = [f"{a.get('engine')} · {size}"]
    if a.get("global_secondary"):
        out.append("global database (writer)")
    return out


def _rds(a):
    out = [f"{a.get('engine') or 'replica'} · {a.get('instance_class')}"]
    flags = []
    if a.get("multi_az"):
        flags.append("Multi-AZ")
    if a.get("deployment") and a.get("deployment") != "instance":
        flags.append(str(a.get("deployment")).replace("_", " "))
    if ref(a.get("replica_of")):
        flags.append("read replica")
    if flags:
        out.append(" · ".join(flags))
    return out


def _cache(a):
    nodes = a.get("nodes")
    if a.get("engine") == "redis" or nodes is None:
        shape = f"{a.get('shards') or 1} shard × {1 + (a.get('replicas_per_shard') or 0)}"
    else:
        shape = f"{nodes} nodes"
    return [f"{a.get('engine')} · {a.get('node_type')}", shape + (" · Multi-AZ" if a.get("multi_az") else "")]


def _dynamo(a):
    replicas = a.get("replicas") or []
    return [a.get("billing", "").replace("_", "-") + (f" · global ({len(replicas) + 1} regions)" if replicas else "")]


def _s3(a):
    flags = []
    if a.get("versioning"):
        flags.append("versioned")
    if a.get("website"):
        flags.append("website")
    if a.get("replication"):
        flags.append("replicated")
    return [a.get("bucket") or "", " · ".join(flags)]


def _record(a):
    target = ref(a.get("alias"))
    what = f"{a.get('type')} → alias" if target else f"{a.get('type')}"
    policy = []
    if a.get("failover"):
        policy.append(f"failover {a.get('failover')}")
    if a.get("weight") is not None:
        policy.append(f"weight {a.get('weight')}")
    if a.get("latency_region"):
        policy.append(f"latency {a.get('latency_region')}")
    name = a.get("name") or ""
    return [f"{name} {what}".strip(), " · ".join(policy)]


def _cdn(a):
    aliases = a.get("aliases") or []
    return [aliases[0] if aliases else "", f"price class {a.get('price_class')}" if a.get("price_class") else ""]


def _ga(a):
    ports = a.get("ports") or []
    return [f"{a.get('protocol')} " + ", ".join(str(p) for p in ports)]


def _sg(a):
    rules = []
    for r in a.get("ingress") or []:
        port = r.get("port") if r.get("port") is not None else r.get("ports")
        rules.append("all" if port is None else str(port))
    return ["in: " + ", ".join(dict.fromkeys(rules)) if rules else "no ingress"]


def _tg(a):
    return [f"{a.get('protocol')} :{a.get('port')}" if a.get("port") else str(a.get("target_type"))]


def _instance(a):
    return [str(a.get("instance_type"))]


def _dr(a):
    return [f"{a.get('strategy')}", f"RTO {a.get('rto')} · RPO {a.get('rpo')}"]


def _health(a):
    return [f"{a.get('type')}" + (f" {a.get('path')}" if a.get("path") else "")]


def _cert(a):
    return [a.get("domain") or ""]


def _ebs(a):
    return [f"{a.get('size')} {a.get('type')}"]


def _efs(a):
    return [str(a.get("performance_mode") or "").replace("_", " ")]


def _endpoint(a):
    return [f"{a.get('service')} ({a.get('type')})"]


def _placement(a):
    parts = a.get("partitions")
    return [str(a.get("strategy")) + (f" · {parts} partitions" if parts else "")]


def _role(a):
    who = [str(x).split(".")[0] for x in a.get("assumed_by") or []]
    return ["assumed by " + ", ".join(who) if who else ""]


def _user(a):
    keys = a.get("access_keys") or 0
    return [", ".join(x for x in ("console" if a.get("console_password") else "",
                                  f"{keys} access key{'s' if keys != 1 else ''}" if keys else "") if x)]


def _group(a):
    n = len(a.get("members") or [])
    return [f"{n} member{'s' if n != 1 else ''}"]


def _scp(a):
    targets = a.get("targets") or []
    return [f"on {', '.join(str(t) for t in targets)}" if targets else "attached to nothing"]


def _quota(a):
    from archform.stdlib.quota_facts import QUOTAS
    q = QUOTAS.get(a.get("quota"))
    return [f"{q.title}: {a.get('value')} (default {q.default})" if q else str(a.get("quota"))]


def _nacl(a):
    return [f"{len(a.get('ingress') or [])} in / {len(a.get('egress') or [])} out rules"]


def _routes(a):
    out = []
    for r in a.get("route") or []:
        target = ref(r.get("target"))
        out.append(f"{r.get('destination')} → {_short(target) if target else r.get('target')}")
    return out[:2]


def _nat(a):
    return [str(a.get("connectivity"))]


def _zone(a):
    return [str(a.get("domain")) + (" (private)" if a.get("private") else "")]


def _cidr(a):
    return [str(a.get("cidr"))]


def _queue(a):
    out = ["FIFO" if a.get("fifo") else "standard", f"visibility {a.get('visibility_timeout')}"]
    redrive = a.get("redrive")
    if isinstance(redrive, dict):
        out.append(f"DLQ after {redrive.get('max_receives')} receives")
    return out


def _topic(a):
    subs = a.get("subscription") or []
    kind = "FIFO" if a.get("fifo") else "standard"
    return [f"{kind}, {len(subs)} subscription{'s' if len(subs) != 1 else ''}"]


def _function(a):
    return [f"{a.get('runtime')}, {a.get('memory')}, {a.get('timeout')}"]


def _mapping(a):
    return [f"batch {a.get('batch_size')}"]


def _stream(a):
    mode = f"{a.get('shards')} shards" if a.get("mode") == "provisioned" else "on demand"
    return [f"{mode}, kept {a.get('retention')}"]


_FIREHOSE_TARGETS = (("s3", "S3"), ("redshift", "Redshift"), ("opensearch", "OpenSearch"), ("http", "HTTP endpoint"))


def _firehose(a):
    target = next((name for key, name in _FIREHOSE_TARGETS if a.get(key)), "its destination")
    return [f"→ {target}" + (", transformed" if a.get("transform") else "")]


def _broker(a):
    engine = {"activemq": "ActiveMQ", "rabbitmq": "RabbitMQ"}.get(a.get("engine"), a.get("engine"))
    mode = (a.get("deployment") or "single_instance").replace("_", " ").replace("active standby", "active/standby")
    return [f"{engine}, {mode}"]


def _docdb(a):
    return [f"{a.get('instances')} × {a.get('instance_class')}", f"MongoDB-compatible {a.get('engine_version')}"]


def _neptune(a):
    return [f"{a.get('instances')} × {a.get('instance_class')}", "graph · IAM auth" if a.get("iam_auth") else "graph"]


def _proxy(a):
    flags = [f for f, on in (("TLS required", a.get("require_tls")), ("IAM auth", a.get("iam_auth"))) if on]
    return [" · ".join(flags) or "connection pool"]


def _msk(a):
    return [f"{a.get('brokers')} × {a.get('broker_type')}",
            f"Kafka {a.get('kafka_version')} · {a.get('storage')} per broker"]


def _redshift(a):
    nodes = a.get("nodes") or 2
    out = [f"{nodes} × {a.get('node_type')}" + (" · Multi-AZ" if a.get("multi_az") else " · one AZ")]
    copy = a.get("snapshot_copy")
    if copy:
        out.append(f"snapshots → {copy.get('region')}")
    return out


def _redshift_serverless(a):
    top = f"–{a.get('max_capacity')}" if a.get("max_capacity") else ""
    return [f"{a.get('base_capacity')}{top} RPU"]


def _opensearch(a):
    zones = a.get("zones") or 1
    masters = (a.get("masters") or {}).get("count")
    out = [f"{a.get('instances')} × {a.get('instance_type')}"]
    out.append((f"{zones} AZs" if zones > 1 else "one AZ") + (" + standby" if a.get("standby") else "") +
               (f" · {masters} masters" if masters else ""))
    return out


def _crawler(a):
    return [a.get("schedule") or "on demand"]


def _athena(a):
    return [f"results {(a.get('encryption') or 'sse_s3').upper().replace('_', '-')}"]
def _emr(a):
    out = [f"{a.get('release_label')} · " + ", ".join(a.get("applications") or [])]
    for role in ("master", "core", "task"):
        g = a.get(role)
        if g and g.get("count"):
            out.append(f"{role} {g.get('count')} × {g.get('instance_type')}" +
                       (" (spot)" if g.get("market") == "spot" else ""))
    return out


def _keyspaces_table(a):
    capacity = "on-demand" if a.get("capacity") != "provisioned" else \
        f"{a.get('read_capacity')} RCU / {a.get('write_capacity')} WCU"
    return [capacity + (" · PITR" if a.get("point_in_time_recovery") else "")]


def _keyspace(a):
    regions = a.get("regions") or []
    return [f"multi-Region: {', '.join(regions)}"] if regions else []


def _timestream_table(a):
    return [f"memory {a.get('memory_retention')} → magnetic {a.get('magnetic_retention')}"]


def _eks_cluster(a):
    endpoint = "public + private endpoint" if a.get("endpoint_public") else "private endpoint"
    return [f"Kubernetes {a.get('version')}, {endpoint}"]


def _node_group(a):
    types = a.get("instance_types") or []
    shown = types[0] + (f" +{len(types) - 1}" if len(types) > 1 else "") if types else ""
    return [f"{_capacity(a)}" + (f" × {shown}" if shown else "") + (", spot" if a.get("capacity_type") == "spot"
                                                                     else "")]


def _fargate_profile(a):
    namespaces = ", ".join(str(s.get("namespace")) for s in a.get("selector") or [])
    pods = a.get("pods") or 0
    return [f"namespaces {namespaces}" if namespaces else "", f"{pods} pods" if pods else ""]


def _apprunner(a):
    source = "image" if a.get("image") else f"{a.get('runtime')} build" if a.get("repository") else ""
    return [f"{source}, {a.get('cpu')} vCPU, {a.get('min_size')}–{a.get('max_size')} instances",
            "egress through a VPC connector" if a.get("vpc_connector") else ""]


def _beanstalk_environment(a):
    policy = str(a.get("deployment") or "all_at_once").replace("_", " ")
    if a.get("load_balanced") is False:
        shape = "single instance"
    else:
        shape = f"{a.get('min')}–{a.get('max')} × {a.get('instance_type')}" + (", ALB" if a.get("tier") != "worker"
                                                                                else "")
    return [f"{a.get('tier') or 'web'} tier, {shape}", f"deploys {policy}"]


def _batch_environment(a):
    kind = str(a.get("type") or "ec2").replace("_", " ")
    low = a.get("min_vcpus") or 0
    types = a.get("instance_types") or []
    shown = f", {types[0]}" + (f" +{len(types) - 1}" if len(types) > 1 else "") if types else ""
    return [f"{kind}, {low}–{a.get('max_vcpus')} vCPUs{shown}"]


def _batch_queue(a):
    return [f"priority {a.get('priority')}, {len(a.get('compute_environments') or [])} environments"]


def _batch_job(a):
    return [f"{a.get('platform')}, {a.get('vcpus')} vCPU, {a.get('memory')}", f"{a.get('attempts')} attempts"]


def _hub(a):
    return [f"hub, ASN {a.get('amazon_side_asn')}" + (", ECMP" if a.get("vpn_ecmp") else "")]


def _vpn(a):
    return [f"2 tunnels, {a.get('routing') or 'bgp'}"]


def _dx(a):
    return [f"{a.get('bandwidth')} at {a.get('location')}"]


def _vif(a):
    return [f"{a.get('type')}, VLAN {a.get('vlan')}"]


def _cgw(a):
    return [f"{a.get('ip_address')}, ASN {a.get('bgp_asn')}"]


def _backup(a):
    rules = a.get("rule") or []
    return [", ".join(f"{r.get('name')}: {r.get('schedule')}" for r in rules[:2])] if rules else []

_FSX_NAMES = {"windows": "Windows File Server", "lustre": "Lustre", "ontap": "NetApp ONTAP", "openzfs": "OpenZFS"}


def _fsx(a):
    kind, deployment = a.get("type"), str(a.get("deployment") or "")
    multi = deployment.startswith("multi_az")
    where = "Multi-AZ" if multi else ("scratch" if deployment.startswith("scratch") else "one AZ")
    out = [f"{_FSX_NAMES.get(kind, kind)} · {where}",
           f"{a.get('storage_capacity')} {str(a.get('storage_type') or 'ssd').upper()}"]
    retention = a.get("backup_retention")
    if retention and not str(retention).startswith("0"):
        out[-1] += f" · backups {retention}"
    return out


def _dms_instance(a):
    return [f"{a.get('instance_class')} · {a.get('storage')} GB", "Multi-AZ" if a.get("multi_az") else "one AZ"]


def _dms_endpoint(a):
    return [f"{a.get('type')} · {a.get('engine')}" + ("" if a.get("ssl_mode") == "none" else " · TLS")]


def _dms_task(a):
    return [str(a.get("migration_type") or "").replace("_", " ")]



_DETAILS = {
    "autoscaling_group": _asg, "load_balancer": _lb, "aurora": _aurora, "rds": _rds, "elasticache": _cache,
    "dynamodb_table": _dynamo, "s3_bucket": _s3, "dns_record": _record, "cloudfront": _cdn,
    "global_accelerator": _ga, "security_group": _sg, "target_group": _tg, "instance": _instance,
    "dr_plan": _dr, "health_check": _health, "certificate": _cert, "ebs_volume": _ebs, "efs": _efs,
    "vpc_endpoint": _endpoint, "placement_group": _placement, "iam_role": _role, "iam_user": _user, "iam_group": _group, "scp": _scp, "service_quota": _quota, "network_acl": _nacl,
    "route_table": _routes, "nat_gateway": _nat, "dns_zone": _zone, "subnet": _cidr, "vpc": _cidr,
    "launch_template": _instance, "sqs_queue": _queue, "sns_topic": _topic, "lambda_function": _function,
    "lambda_event_source": _mapping, "kinesis_stream": _stream, "firehose": _firehose,
    "mq_broker": _broker,
    "documentdb_cluster": _docdb, "neptune_cluster": _neptune, "rds_proxy": _proxy, "msk_cluster": _msk,
    "redshift_cluster": _redshift, "redshift_serverless": _redshift_serverless, "opensearch_domain": _opensearch,
    "glue_crawler": _crawler, "athena_workgroup": _athena, "emr_cluster": _emr, "keyspaces_table": _keyspaces_table,
    "keyspaces_keyspace": _keyspace, "timestream_table": _timestream_table,
    "eks_cluster": _eks_cluster, "eks_node_group": _node_group, "eks_fargate_profile": _fargate_profile,
    "apprunner_service": _apprunner, "beanstalk_environment": _beanstalk_environment,
    "batch_compute_environment": _batch_environment, "batch_job_queue": _batch_queue,
    "batch_job_definition": _batch_job,
    "transit_gateway": _hub, "vpn_connection": _vpn, "dx_connection": _dx, "dx_virtual_interface": _vif,
    "backup_plan": _backup, "customer_gateway": _cgw, "fsx_file_system": _fsx,
    "dms_replication_instance": _dms_instance, "dms_endpoint": _dms_endpoint, "dms_replication_task": _dms_task,
}


def _rule(a):
    n = len(a.get("target") or [])
    when = a.get("schedule") or "event pattern"
    off = ", disabled" if a.get("enabled") is False else ""
    return [f"{when}, {n} target{'s' if n != 1 else ''}{off}"]


def _machine(a):
    states = (a.get("definition") or {}).get("States") if isinstance(a.get("definition"), dict) else None
    n = len(states) if isinstance(states, dict) else 0
    return [f"{a.get('type') or 'standard'}, {n} state{'s' if n != 1 else ''}"]


_DETAILS.update({"event_rule": _rule, "state_machine": _machine})


def _ecs_service(a):
    strategy = [i.get("name") for i in a.get("capacity_provider_strategy") or []]
    how = (a.get("launch_type") or "").replace("fargate", "Fargate").replace("ec2", "EC2") or " + ".join(strategy) \
        or "default strategy"
    scaled = f" (min {a['min_tasks']}, max {a['max_tasks']})" if a.get("min_tasks") is not None else ""
    return [f"{how}, {a.get('desired')} task{'s' if a.get('desired') != 1 else ''}{scaled}"]


def _task_definition(a):
    n = len(a.get("container") or [])
    size = f"{a['cpu']} CPU / {a['memory']}" if a.get("cpu") and a.get("memory") else a.get("network_mode") or ""
    return [f"{size}, {n} container{'s' if n != 1 else ''}"]


def _repository(a):
    return [", ".join(x for x in ("scan on push" if a.get("scan_on_push") is not False else "",
                                   "immutable tags" if a.get("tag_immutability") is not False else "mutable tags") if x)]


_DETAILS.update({"ecs_service": _ecs_service, "ecs_task_definition": _task_definition, "ecr_repository": _repository})
def _key(a):
    kind = "symmetric" if (a.get("spec") or "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" else a.get("spec")
    role = ", replica" if a.get("replica_of") else ", multi-region" if a.get("multi_region") else ""
    return [f"{kind}{role}"]


def _acl(a):
    n = len(a.get("rule") or [])
    return [f"{a.get('scope') or 'REGIONAL'}, {n} rule{'s' if n != 1 else ''}, default {a.get('default_action')}"]


def _alarm(a):
    stat = f"p{a['percentile']:g}" if a.get("percentile") is not None else a.get("statistic") or "Average"
    return [f"{a.get('metric')} {stat} {a.get('comparison') or '>='} {a.get('threshold')}"]


def _log_group(a):
    retention = a.get("retention")
    return ["kept forever" if retention == "never" else f"kept {retention}"]


def _composite(a):
    return [str(a.get("rule") or " OR ".join(f"ALARM({r})" for r in (a.get("alarms") or [])))[:60]]


def _trail(a):
    where = "all regions" if a.get("multi_region", True) is not False else "one region"
    checks = ", validated" if a.get("log_file_validation", True) is not False else ""
    return [f"{where}{checks}"]


def _flow_log(a):
    seconds = a.get("aggregation_interval") or "600s"
    return [f"{a.get('traffic') or 'ALL'} traffic, every {seconds}"]


def _config_rule(a):
    return [str(a.get("identifier"))]


def _dashboard(a):
    n = len(a.get("widget") or [])
    return [f"{n} widget{'s' if n != 1 else ''}"]


_DETAILS.update({"kms_key": _key, "waf_web_acl": _acl, "cloudwatch_alarm": _alarm, "log_group": _log_group,
                 "composite_alarm": _composite, "cloudtrail_trail": _trail, "flow_log": _flow_log,
                 "config_rule": _config_rule, "dashboard": _dashboard})


def _firewall(a):
    n = len(a.get("subnets") or [])
    guard = "delete protection" if a.get("deletion_protection", True) is not False else "no delete protection"
    return [f"{n} endpoint{'s' if n != 1 else ''} (one per AZ), {guard}"]


def _rule_group(a):
    what = ("domain list" if a.get("domains") else "Suricata rules" if a.get("suricata")
            else f"{len(a.get('rule') or [])} rule{'s' if len(a.get('rule') or []) != 1 else ''}")
    return [f"{a.get('type') or 'stateful'}, {what}, capacity {a.get('capacity')}"]


def _detector(a):
    return [f"findings every {a.get('finding_publishing_frequency') or '6h'}"]


_DETAILS.update({"network_firewall": _firewall, "firewall_rule_group": _rule_group, "guardduty_detector": _detector})
