"""Security rules: encryption at rest and in transit, public exposure, open admin ports,
IMDSv1, wildcard IAM, unversioned and unlogged buckets, missing WAF, audit trails and flow logs."""

from __future__ import annotations

import ipaddress

from archform.dsl import values as v

from . import rule

ANYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


def _ports(r) -> tuple[int, int] | None:
    if r.protocol == "all":
        return 0, 65535
    if r.protocol not in ("tcp", "udp"):
        return None
    if isinstance(r.port, int):
        return r.port, r.port
    if isinstance(r.ports, v.PortRange):
        return r.ports.low, r.ports.high
    return None


@rule("AF-SEC-001", "high", "Administration port open to the internet",
      "notes §24.4 (security groups: least privilege); AWS Foundational Security Best Practices EC2.13/EC2.14",
      "admit SSH/RDP from a known CIDR or a bastion's security group, or use Session Manager and close the port",
      checkov=("CKV_AWS_24", "CKV_AWS_25"))
def admin_ports_open(graph):
    for sg in graph.of_kind("security_group"):
        for i, r in enumerate(sg.model.ingress):
            src = r.from_
            if not (isinstance(src, v.Cidr) and src.network in ANYWHERE):
                continue
            span = _ports(r)
            if span is None:
                continue
            for port, name in ADMIN_PORTS.items():
                if span[0] <= port <= span[1]:
                    yield sg.address, ("ingress", i), f"{name} (port {port}) is open to the whole internet ({src})", \
                        f"ingress:{r.protocol}:{span[0]}-{span[1]}:{src}:{port}"


@rule("AF-SEC-002", "high", "Database reachable from the internet",
      "notes §7 (RDS in private subnets); AWS Foundational Security Best Practices RDS.2",
      "set publicly_accessible = false and reach it through the application tier or a bastion",
      checkov=("CKV_AWS_17",))
def database_public(graph):
    for db in graph.of_kind("rds", "aurora"):
        if getattr(db.model, "publicly_accessible", False):
            yield db.address, ("publicly_accessible",), f"this {db.kind} is publicly accessible"


_AT_REST = {  # kind: (attribute, value meaning off, Checkov ids)
    "rds": ("encrypted", False), "aurora": ("encrypted", False), "ebs_volume": ("encrypted", False),
    "elasticache": ("encrypted", False), "sqs_queue": ("encryption", "none"),
}


@rule("AF-SEC-003", "high", "Data not encrypted at rest",
      "notes §2.5 (encryption at rest with KMS); AWS Well-Architected SEC08-BP02",
      "remove the setting that turns encryption off: archform encrypts by default",
      checkov=("CKV_AWS_16", "CKV_AWS_96", "CKV_AWS_3", "CKV_AWS_8", "CKV_AWS_29", "CKV_AWS_27"))
def not_encrypted(graph):
    for kind, (attr, off) in sorted(_AT_REST.items()):
        for r in graph.of_kind(kind):
            if getattr(r.model, attr, None) == off:
                yield r.address, (attr,), f"this {kind.replace('_', ' ')} is not encrypted at rest ({attr} = {off})"
    for r, path, launch in _launches(graph):
        if not launch.root_volume.encrypted:
            yield r.address, (*path, "root_volume", "encrypted"), "its instances' root volumes are not encrypted"


@rule("AF-SEC-004", "medium", "Bucket without S3 Block Public Access",
      "notes §11.3 (Block Public Access); AWS Foundational Security Best Practices S3.8",
      "keep block_public_access = true; serve public content through CloudFront with origin access control",
      checkov=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"))
def bucket_public(graph):
    for b in graph.of_kind("s3_bucket"):
        if b.model.block_public_access is False:
            yield b.address, ("block_public_access",), "Block Public Access is off: a policy or ACL can make it public"


@rule("AF-SEC-005", "medium", "Instance metadata reachable without a token (IMDSv1)",
      "notes §6 (instance metadata); AWS Foundational Security Best Practices EC2.8",
      "set metadata { http_tokens = required } (archform's default)", checkov=("CKV_AWS_79",))
def imds_v1(graph):
    for r, path, launch in _launches(graph):
        if launch.metadata.http_tokens != "required":
            yield r.address, (*path, "metadata", "http_tokens"), \
                "IMDSv1 is allowed: an SSRF in the application can read the instance role's credentials"


@rule("AF-SEC-006", "high", "IAM policy allows every action",
      "notes §2.4 (least privilege); AWS IAM best practices (grant least privilege)",
      "name the actions the role needs (and the resources they apply to)", checkov=("CKV_AWS_62", "CKV_AWS_63"))
def wildcard_iam(graph):
    for p in graph.of_kind("iam_policy"):
        yield from _wildcards(p.address, ("document",), p.model.document)
    for holder in graph.of_kind("iam_role", "iam_user", "iam_group"):
        for name, doc in sorted(holder.model.inline_policies.items()):
            yield from _wildcards(holder.address, ("inline_policies", name), doc)


def _wildcards(address: str, path: tuple, doc):
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for i, st in enumerate(statements):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if "*" in actions:
            resources = st.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            what = "on every resource: full administrator" if "*" in resources else "(Action = \"*\")"
            sid = st.get("Sid")
            yield address, (*path, "Statement", i, "Action"), f"statement {i} allows every action {what}", \
                ".".join(map(str, path)) + (f":Sid={sid}" if isinstance(sid, str) and sid else
                                            f":Resource={','.join(sorted(map(str, resources)))}")


@rule("AF-SEC-007", "low", "Bucket without versioning",
      "notes §10.4 (versioning protects against overwrites and deletes); AWS S3 best practices",
      "set versioning = true (and a lifecycle rule for old versions)", checkov=("CKV_AWS_21",))
def bucket_unversioned(graph):
    for b in graph.of_kind("s3_bucket"):
        if not b.model.versioning and b.model.website is None:
            yield b.address, ("versioning",), "versioning is off: an overwrite or a delete cannot be undone"


@rule("AF-SEC-008", "low", "Bucket without access logs",
      "notes §11.4 (server access logging); AWS Foundational Security Best Practices S3.9",
      "set access_logging = <a logs bucket>", checkov=("CKV_AWS_18",))
def bucket_unlogged(graph):
    logs = {ref.address for b in graph.of_kind("s3_bucket") for ref in _logging_targets(b)}
    for b in graph.of_kind("s3_bucket"):
        if b.model.access_logging is None and b.address not in logs:
            yield b.address, ("access_logging",), "no server access logs: who read or changed what is not recorded"


def _logging_targets(bucket):
    target = getattr(bucket.model.access_logging, "target", None)
    return [target] if isinstance(target, v.ResourceRef) else []


@rule("AF-SEC-009", "medium", "Load balancer serving plain HTTP",
      "notes §8 (TLS at the load balancer); AWS Foundational Security Best Practices ELB.1",
      "serve HTTPS with a certificate and redirect HTTP to it: listener { port = 80, redirect = https }",
      checkov=("CKV_AWS_2",))
def plain_http(graph):
    for lb in graph.of_kind("load_balancer"):
        if lb.model.type != "application" or lb.model.internal:
            continue
        for i, listener in enumerate(lb.model.listener):
            if listener.protocol == "HTTP" and listener.redirect is None:
                yield lb.address, ("listener", i), \
                    f"listener '{listener.name}' serves HTTP without redirecting to HTTPS", f"listener:{listener.name}"


@rule("AF-SEC-010", "medium", "Cache without encryption in transit",
      "notes §7.6 (ElastiCache encryption); AWS Foundational Security Best Practices ElastiCache.5",
      "set transit_encryption = true", checkov=("CKV_AWS_30",))
def cache_plaintext(graph):
    for c in graph.of_kind("elasticache"):
        if c.model.transit_encryption is False:
            yield c.address, ("transit_encryption",), "clients talk to it in plain text"


def _launches(graph):
    """(resource, path, launch settings) for instances and Auto Scaling groups written inline."""
    for i in graph.of_kind("instance"):
        yield i, (), i.model
    for t in graph.of_kind("launch_template"):
        yield t, (), t.model
    for g in graph.of_kind("autoscaling_group"):
        if g.model.launch is not None:
            yield g, ("launch",), g.model.launch


@rule("AF-SEC-011", "medium", "Internet-facing endpoint without a WAF web ACL",
      "notes §26.3 (WAF in front of what the internet reaches); AWS Foundational Security Best Practices "
      "CloudFront.6 and APIGateway.4",
      "declare a waf_web_acl (AWS's managed common rule set and a rate-based rule are a start) and list the "
      "load balancer or REST API in its resources, or set web_acl on the distribution",
      checkov=("CKV_AWS_68",))
def no_waf(graph):
    protected = {getattr(ref, "address", None) for acl in graph.of_kind("waf_web_acl") for ref in acl.model.resources}
    for cdn in graph.of_kind("cloudfront"):
        if cdn.model.web_acl is None:
            yield cdn.address, ("web_acl",), "the distribution answers the internet with no WAF in front of it"
    for lb in graph.of_kind("load_balancer"):
        if lb.model.type == "application" and not lb.model.internal and lb.address not in protected:
            yield lb.address, (), "an internet-facing load balancer with no WAF web ACL protecting it"
    for api in graph.of_kind("api_gateway"):
        if api.model.protocol == "rest" and api.model.endpoint_type != "private" \
                and api.address not in protected:
            yield api.address, (), "a public REST API with no WAF web ACL protecting its stage"


@rule("AF-SEC-012", "medium", "Region without a CloudTrail trail",
      "notes §21.2 (CloudTrail: audit of every API call, applied to all regions by default); CIS AWS Foundations "
      "3.1; AWS Foundational Security Best Practices CloudTrail.1",
      "declare a cloudtrail_trail (multi-region by default) delivering to a bucket of its own",
      checkov=("CKV_AWS_67",))
def no_trail(graph):
    trails = graph.of_kind("cloudtrail_trail")
    everywhere = any(t.model.multi_region is not False for t in trails)
    covered = {t.region for t in trails}
    for t in trails:
        if t.model.multi_region is False:
            yield t.address, ("multi_region",), \
                f"this trail records only {t.region}: API calls in the account's other regions are not recorded"
    if everywhere:
        return
    by_region: dict = {}
    for r in graph.all():
        if r.region is not None:
            by_region.setdefault(r.region, []).append(r.address)
    for region, addresses in sorted(by_region.items()):
        if region not in covered:
            # about the account's region, not a resource: placed on the region's block, its
            # fingerprint the region's alone (not the first resource's, which changes as resources come)
            yield "", ("region", region), f"no CloudTrail trail records the API calls made in {region}", \
                f"region:{region}"


@rule("AF-SEC-013", "low", "VPC without flow logs",
      "notes §24.7 (VPC Flow Logs: which connections were accepted or rejected); AWS Foundational Security Best "
      "Practices EC2.6; AWS Config rule VPC_FLOW_LOGS_ENABLED",
      "declare a flow_log { resource = <the vpc>, destination = <a log group or bucket> } (REJECT traffic at least)",
      checkov=("CKV2_AWS_11",))  # Checkov 3.3.30 checks it in Terraform only (a graph check)
def vpc_without_flow_logs(graph):
    logged = {getattr(f.model.resource, "address", None) for f in graph.of_kind("flow_log")}
    for vpc in graph.of_kind("vpc"):
        if vpc.address not in logged:
            yield vpc.address, (), "no flow log records this VPC's traffic: a connection cannot be traced afterwards"


@rule("AF-SEC-014", "low", "CloudTrail log files not validated",
      "notes §21.2; CIS AWS Foundations 3.2; AWS Foundational Security Best Practices CloudTrail.4",
      "remove log_file_validation = false (archform turns it on by default)", checkov=("CKV_AWS_36",))
def trail_unvalidated(graph):
    for t in graph.of_kind("cloudtrail_trail"):
        if t.model.log_file_validation is False:
            yield t.address, ("log_file_validation",), \
                "log file validation is off: a log file changed or deleted after delivery goes unnoticed"
