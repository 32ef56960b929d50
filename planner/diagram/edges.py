"""The lines between resources: what an architect reads a diagram for.

- traffic (solid): users → DNS → CloudFront / Global Accelerator → load balancer → target
  group → fleet, and fleet → database as security groups allow it (a rule letting members of
  `app_sg` reach members of `db_sg` on 5432 is traffic from the one to the other);
- failover (dashed): a secondary failover record to its target;
- replication (dashed blue): Aurora global databases, S3 replication, RDS read replicas,
  DynamoDB global tables — across regions where they cross;
- DR pairs (dashed pink, frame to frame): a DR plan's primary region to its secondary;
- monitors: a Route 53 health check to what it checks (or the alarm it follows), a WAF web ACL
  to the ALBs and APIs it filters;
- messaging (solid, as traffic): SNS → subscribed queues and functions, queue or stream →
  Lambda through an event source mapping, queue → dead-letter queue, Kinesis stream → Firehose
  → bucket;
- uses (dotted grey): certificates, roles, policies, launch templates, placement groups,
  Elastic IPs, volumes, route targets and associations, an alarm's scaling policy (and its SNS
  topics, as messaging) — drawn without weight in the layout.

`connect(scene)` appends them; edges to a frame end at its border (`lhead`/`ltail`).
"""

from __future__ import annotations

from .nesting import endpoint_node, region_frame, zone_frame
from .scene import Edge, Node, Scene, ref, refs
from .wiring import WIRES, Wiring, wires

USERS = "~users"
PUBLIC_CIDRS = ("0.0.0.0/0", "::/0")
SOURCES = ("instance", "autoscaling_group", "ecs_service")  # what opens connections a security group admits


def _label_ports(ports: set) -> str:
    shown = sorted(ports, key=lambda p: (not isinstance(p, int), str(p) if not isinstance(p, int) else f"{p:08d}"))
    return ", ".join(f":{p}" if p != "all" else "all" for p in shown)


def security_group_members(scene: Scene) -> dict[str, list[str]]:
    """Security group address → the resources it protects (Auto Scaling groups through their
    launch settings or template), sorted."""
    items = scene.items
    members: dict[str, set[str]] = {}
    template_groups = {a: refs(it.attrs.get("security_groups")) for a, it in items.items()
                       if it.kind == "launch_template"}
    for a, it in items.items():
        groups = list(refs(it.attrs.get("security_groups")))
        if it.kind == "autoscaling_group":
            launch = it.attrs.get("launch")
            if isinstance(launch, dict):
                groups += refs(launch.get("security_groups"))
            lt = ref(it.attrs.get("launch_template"))
            if lt:
                groups += template_groups.get(lt, [])
        if it.kind == "launch_template":
            continue
        for g in groups:
            members.setdefault(g, set()).add(a)
    return {g: sorted(m) for g, m in members.items()}


def connect(scene: Scene) -> None:
    items = scene.items
    edges: dict[tuple, Edge] = {}
    ports: dict[tuple, set] = {}

    def add(tail, head, kind, label="", ltail=None, lhead=None):
        if tail == head and not (ltail or lhead):
            return
        if tail not in scene.nodes or head not in scene.nodes:
            return
        key = (tail, head, kind, ltail, lhead)
        if key not in edges:
            edges[key] = Edge(tail, head, kind, label, ltail, lhead)
        elif label and label not in edges[key].label.split(", "):
            edges[key].label = ", ".join(x for x in (edges[key].label, label) if x)

    def traffic_port(tail, head, port):
        ports.setdefault((tail, head), set()).add(port)

    # --- traffic along declared wiring
    served: set[str] = set()   # resources something else sends traffic to
    wiring = Wiring(items, add, traffic_port, served)
    for a, it in sorted(items.items()):
        wire = WIRES.get(it.kind)
        if wire is not None:
            wire(a, it, wiring)

    # --- traffic allowed by security groups: from the compute a rule admits to what the group
    # protects (a load balancer sends only to its target groups, drawn above; egress rules
    # restate ingress from the other side and are not drawn)
    members = security_group_members(scene)
    exposed: set[str] = set()
    for g, it in sorted(items.items()):
        if it.kind != "security_group":
            continue
        for rule in it.attrs.get("ingress") or []:
            src = rule.get("from")
            port = rule.get("port") if rule.get("port") is not None else rule.get("ports")
            port = "all" if port is None else port
            source = ref(src)
            if source is None:
                if isinstance(src, str) and src in PUBLIC_CIDRS:
                    exposed.update(members.get(g, []))
                continue
            for s_member in members.get(source, []):
                if items[s_member].kind not in SOURCES:
                    continue
                for d_member in members.get(g, []):
                    if s_member != d_member:
                        traffic_port(s_member, d_member, port)
    for (tail, head), ps in sorted(ports.items()):
        add(tail, head, "traffic", _label_ports({p for p in ps if p is not None}))
        served.add(head)

    # --- users: to each hosted zone, and to what is exposed that nothing in front serves
    entries: list[tuple[str, str | None]] = []
    for a, it in sorted(items.items()):
        if it.kind == "dns_zone" and not it.attrs.get("private"):
            entries.append((a, zone_frame(a)))
        elif it.kind in ("cloudfront", "global_accelerator") and a not in served:
            entries.append((a, None))
        elif a in exposed and a not in served and it.kind in ("load_balancer", "instance", "autoscaling_group"):
            entries.append((a, None))
    if entries:
        scene.add_node(Node(USERS, None, "users", "Users", ["internet"], "other", minor=False,
                            tooltip="Users on the internet"))
        for a, frame in entries:
            add(USERS, a, "traffic", "", lhead=frame)

    # --- replication
    for a, it in sorted(items.items()):
        at, k = it.attrs, it.kind
        if k == "aurora":
            for sec in refs(at.get("global_secondary")):
                add(a, sec, "replication", "global database")
        elif k == "s3_bucket":
            for rule in at.get("replication") or []:
                dest = ref(rule.get("destination"))
                if dest:
                    add(a, dest, "replication", "replication")
        elif k == "rds":
            source = ref(at.get("replica_of"))
            if source:
                add(source, a, "replication", "read replica")
        elif k == "dynamodb_table" and at.get("replicas"):
            for region in at.get("replicas") or []:
                frame = region_frame(region)
                if frame in scene.frames:
                    head = _inside(scene, frame)
                    if head:
                        add(a, head, "replication", "global table", lhead=frame)

    # --- DMS: each endpoint to its database, a task's source database to its target's
    for a, it in sorted(items.items()):
        if it.kind == "dms_endpoint" and ref(it.attrs.get("database")):
            add(a, ref(it.attrs.get("database")), "traffic", str(it.attrs.get("type") or ""))
        elif it.kind == "dms_replication_task":
            ends = [items.get(ref(it.attrs.get(x)) or "") for x in ("source", "target")]
            dbs = [ref(e.attrs.get("database")) if e is not None else None for e in ends]
            if all(dbs):
                add(dbs[0], dbs[1], "replication", "DMS " + str(it.attrs.get("migration_type") or "").replace("_", " "))

    # --- connection pools: an RDS Proxy → its database
    for a, it in sorted(items.items()):
        if it.kind == "rds_proxy" and ref(it.attrs.get("target")):
            add(a, ref(it.attrs.get("target")), "traffic", "pooled")

    # --- DR pairs: primary region → secondary region
    for a, it in sorted(items.items()):
        if it.kind != "dr_plan":
            continue
        p_frame, s_frame = dr_frames(scene, it)
        label = f"{a}: {it.attrs.get('strategy')} (RTO {it.attrs.get('rto')}, RPO {it.attrs.get('rpo')})"
        if p_frame and s_frame:
            tail, head = _inside(scene, p_frame), _inside(scene, s_frame)
            if tail and head:
                add(tail, head, "dr", label, ltail=p_frame, lhead=s_frame)
        for store in refs(at_scope(it)):
            add(a, store, "uses")

    # --- uses: what one resource names of another, where nesting does not already show it.
    # Drawn from the thing used to its user, except a route table to its subnets and route
    # targets, a certificate to its validation zone and a peering to the peer VPC.
    for a, it in sorted(items.items()):
        at, k = it.attrs, it.kind
        outgoing: list[str] = []
        incoming: list[str] = []
        if k in ("route_table", "network_acl"):
            associated = refs(at.get("subnets"))
            if len(associated) > 1:
                outgoing += associated
            outgoing += [_route_target(items, t, at) for r in at.get("route") or [] for t in refs(r.get("target"))]
        outgoing += refs(at.get("validation_zone")) + refs(at.get("peer_vpc"))
        for attr in ("certificate", "iam_role", "launch_template", "placement_group", "instance",
                     "network_interface", "elastic_ip"):
            incoming += refs(at.get(attr))
        incoming += refs(at.get("policies")) + refs(at.get("attachments")) + refs(at.get("route_tables"))
        if k == "autoscaling_group" and isinstance(at.get("launch"), dict):
            for attr in ("iam_role", "placement_group"):
                incoming += refs(at["launch"].get(attr))
        if k == "load_balancer":
            incoming += [c for lst in at.get("listener") or [] for c in refs(lst.get("certificate"))]
        if k in ("eks_cluster", "eks_node_group", "eks_fargate_profile"):  # the control plane runs its nodes and pods
            for cluster in refs(at.get("cluster")):
                add(cluster, a, "manages")
            incoming += refs(at.get("role")) + refs(at.get("pod_execution_role")) + refs(at.get("storage"))
        if k == "beanstalk_environment":  # the application it runs, the roles, the bundle, a worker's queue
            for app in refs(at.get("application")):
                add(app, a, "manages")
            for queue in refs(at.get("queue")):
                add(queue, a, "traffic", "messages")
            incoming += refs(at.get("instance_role")) + refs(at.get("service_role"))
            incoming += refs((at.get("source") or {}).get("bucket"))
        if k == "batch_job_queue":  # jobs go to its compute environments, in order
            for i, env in enumerate(refs(at.get("compute_environments"))):
                add(a, env, "traffic", f"jobs ({i + 1})")
        if k == "batch_compute_environment":
            incoming += refs(at.get("instance_role")) + refs(at.get("service_role"))
        if k == "batch_job_definition":
            incoming += refs(at.get("job_role")) + refs(at.get("execution_role"))
        if k == "cognito_identity_pool":  # the user pools whose clients sign its users in
            incoming += [u for p in at.get("provider") or [] for u in refs(p.get("user_pool"))]
        if k in ("instance_profile", "iam_group"):  # the role a profile holds; the users a group holds
            incoming += refs(at.get("role")) + refs(at.get("members"))
        if k in ("iam_role", "iam_user"):  # the boundary that caps it
            incoming += refs(at.get("permissions_boundary"))
        if k == "iam_role" and isinstance(at.get("web_identity"), dict):  # a role the pool hands out
            outgoing += refs(at["web_identity"].get("identity_pool"))
        if isinstance(at.get("environment"), dict):  # what its code is told to call (`TABLE = orders.name`)
            called: dict[str, list[str]] = {}
            for var, value in sorted(at["environment"].items()):
                for other in refs(value if isinstance(value, list) else [value]):
                    called.setdefault(other, []).append(var)
            for other, names in called.items():
                if other != a and other in scene.nodes:
                    add(a, other, "traffic", ", ".join(names))
        for other in outgoing:
            if other != a and other in scene.nodes:
                framed = scene.frame_of.get(other)
                inside = framed in scene.ancestors(scene.nodes[a].frame) if framed else False
                add(a, other, "uses", "", lhead=framed if framed and not inside else None)
        for other in incoming:
            if other != a and other in scene.nodes:
                add(other, a, "uses")

    scene.edges.extend(sorted(edges.values(), key=Edge.key))


OPERATIONS = ("composite_alarm", "dashboard", "cloudtrail_trail", "flow_log", "config_recorder", "config_rule",
              "log_group")


def _operations(a, it, add) -> None:
    """What watches what: a composite alarm → its member alarms (and the topics it notifies), a
    dashboard → the alarms it shows, a flow log → the VPC, subnet or interface it captures; and
    where records go: a trail, a flow log, a Config recorder → the bucket or log group it writes
    to, a log group's subscription filters → their destinations."""
    at, k = it.attrs, it.kind
    if k == "composite_alarm":
        for member in refs(at.get("alarms")):
            add(a, member, "monitors", "rule")
        for topic in refs(at.get("alarm_actions")) + refs(at.get("ok_actions")):
            add(a, topic, "messaging", "notifies")
    elif k == "dashboard":
        for w in at.get("widget") or []:
            for alarm in refs(w.get("alarms")):
                add(a, alarm, "monitors", "shows")
    elif k == "flow_log":
        if ref(at.get("resource")):
            add(a, ref(at.get("resource")), "monitors", f"{at.get('traffic') or 'ALL'} traffic")
        if ref(at.get("destination")):
            add(a, ref(at.get("destination")), "uses", "flow records")
    elif k == "cloudtrail_trail":
        for field, label in (("bucket", "log files"), ("log_group", "events")):
            if ref(at.get(field)):
                add(a, ref(at.get(field)), "uses", label)
    elif k == "config_recorder":
        if ref(at.get("bucket")):
            add(a, ref(at.get("bucket")), "uses", "snapshots")
    elif k == "config_rule":
        if ref(at.get("recorder")):
            add(a, ref(at.get("recorder")), "uses", "evaluates")
    elif k == "log_group":
        for f in at.get("subscription_filter") or []:
            if ref(f.get("destination")):
                add(a, ref(f.get("destination")), "traffic", f"subscription {f.get('name')}")


MESSAGING = ("sns_topic", "sqs_queue", "lambda_event_source", "lambda_function", "api_gateway", "workload",
             "s3_bucket", "firehose")


def _messaging(a, it, add, served: set, items: dict) -> None:
    """SNS → its subscribed queues and functions, an API → the functions of its routes, a
    queue → its dead-letter queue, a queue → the function an event source mapping feeds (the
    mapping itself is a use of both), a function → its dead-letter target, a workload → where
    its demand arrives (and a queue → the Auto Scaling group that polls it), a bucket → where its
    event notifications go."""
    at, k = it.attrs, it.kind
    if k == "sns_topic":
        for sub in at.get("subscription") or []:
            target = ref(sub.get("target"))
            if target:
                add(a, target, "traffic", "filtered" if sub.get("filter_policy") else "")
                served.add(target)
    elif k == "sqs_queue":
        dlq = ref((at.get("redrive") or {}).get("dead_letter"))
        if dlq:
            add(a, dlq, "traffic", "dead letters")
    elif k == "lambda_event_source":
        source, function = ref(at.get("source")), ref(at.get("function"))
        if source and function:
            add(source, function, "traffic", f"batch {at.get('batch_size')}")
            served.add(function)
        for other in (source, function):
            if other:
                add(a, other, "uses")
    elif k == "api_gateway":  # an API → the functions its routes invoke, labelled with the routes
        routes: dict[str, list] = {}
        for route in at.get("route") or []:
            target = ref(route.get("target")) or ref(route.get("send_to"))
            if target:
                routes.setdefault(target, []).append(str(route.get("name")))
        for target, keys in sorted(routes.items()):
            add(a, target, "traffic", keys[0] if len(keys) == 1 else f"{len(keys)} routes")
            served.add(target)
    elif k == "s3_bucket":  # a bucket → the destinations of its event notifications
        for note in at.get("notification") or []:
            target = ref(note.get("target"))
            if target:
                add(a, target, "traffic", "events")
                served.add(target)
    elif k == "workload":  # modeled demand → where it arrives; a queue → the group that polls it
        source, consumer = ref(at.get("source")), ref(at.get("consumer"))
        if source:
            add(a, source, "traffic", f"{at.get('rate')}/s")
        if source and consumer in items and items[consumer].kind == "autoscaling_group":
            add(source, consumer, "traffic", "polled")
            served.add(consumer)
    elif k == "lambda_function":
        dlq = ref(at.get("dead_letter"))
        if dlq:
            add(a, dlq, "traffic", "dead letters")
        role = ref(at.get("role"))
        if role:
            add(role, a, "uses")
    elif k == "firehose":
        _firehose(a, at, add, served)


def _firehose(a, at, add, served: set) -> None:
    """A Kinesis stream → the delivery stream reading it → its bucket (or backup bucket), its
    OpenSearch domain, or its intermediate bucket → the Redshift cluster it COPYs into; the
    transform function and the role are uses."""
    source = ref(at.get("source"))
    if source:
        add(source, a, "traffic", "records")
        served.add(a)
    bucket = ref((at.get("s3") or {}).get("bucket"))
    if bucket:
        add(a, bucket, "traffic", "objects")
        served.add(bucket)
    redshift = at.get("redshift") or {}
    staging, cluster = ref(redshift.get("bucket")), ref(redshift.get("cluster"))
    if staging and cluster:  # through the intermediate bucket, then COPY into the cluster
        add(a, staging, "traffic", "objects")
        add(staging, cluster, "traffic", "COPY")
        served.update((staging, cluster))
    domain = ref((at.get("opensearch") or {}).get("domain"))
    if domain:
        add(a, domain, "traffic", "documents")
        served.add(domain)
    backup = ref((at.get("backup") or {}).get("bucket"))
    if backup and backup != bucket:
        add(a, backup, "traffic", "backup")
    transform, role = ref(at.get("transform")), ref(at.get("role"))
    if transform:
        add(a, transform, "uses")
    if role:
        add(role, a, "uses")


EVENTS = ("event_rule", "state_machine")


def _events(a, it, add, served: set) -> None:
    """An EventBridge rule: its bus → the rule → each target (a bus in another region too),
    a target → its dead-letter queue; a state machine uses its role."""
    at = it.attrs
    if it.kind == "event_rule":
        bus = ref(at.get("bus"))
        if bus:
            add(bus, a, "traffic", "events")
        for t in at.get("target") or []:
            target = ref(t.get("resource"))
            if target:
                add(a, target, "traffic", "schedule" if at.get("schedule") else "matched")
                served.add(target)
                dlq = ref(t.get("dead_letter"))
                if dlq:
                    add(a, dlq, "traffic", "dead letters")
            role = ref(t.get("role"))
            if role:
                add(role, a, "uses")
    else:
        role = ref(at.get("role"))
        if role:
            add(role, a, "uses")


def _route_target(items: dict, target: str, table: dict) -> str:
    """Where a route goes: a firewall's endpoint in the AZ of the table's subnets, else the target."""
    it = items.get(target)
    if it is None or it.kind != "network_firewall":
        return target
    zones = {items[s].attrs.get("az") for s in refs(table.get("subnets")) if s in items}
    return endpoint_node(target, zones.pop()) if len(zones) == 1 else target


def at_scope(it) -> list:
    return it.attrs.get("scope") or it.attrs.get("covers") or []


def dr_frames(scene: Scene, it) -> tuple[str | None, str | None]:
    """The region frames a DR plan pairs (a secondary with nothing deployed gets an empty frame)."""
    from .nesting import region_aliases
    aliases = region_aliases(scene.items)
    alias_of = {a: r for r, names in aliases.items() for a in names}
    out = []
    for role in ("primary", "secondary"):
        value = it.attrs.get(role)
        if not isinstance(value, str):
            out.append(None)
            continue
        region = alias_of.get(value, value)
        frame = region_frame(region)
        if frame not in scene.frames:
            from .scene import Frame
            scene.add_frame(Frame(frame, "region", f"Region {region} (nothing deployed)", None, order=(1, 2, region)))
            scene.add_node(Node(f"~region:{region}", frame, "placeholder", region, ["no resources"], "other",
                                minor=True))
        out.append(frame)
    return out[0], out[1]


def _inside(scene: Scene, frame: str) -> str | None:
    reps = scene.representatives()
    return reps.get(frame)


HYBRID = ("transit_gateway_attachment", "vpn_connection", "dx_virtual_interface", "dx_gateway", "backup_plan")


def _hybrid(a, it, add, served: set) -> None:
    """The hybrid network as a hub: each VPC (its frame) and VPN into the transit gateway,
    on-premises over VPN tunnels and Direct Connect virtual interfaces, a DX gateway to the
    gateways it reaches; a backup plan to its vaults, copies as replication."""
    at, k = it.attrs, it.kind
    if k == "transit_gateway_attachment":
        hub = ref(at.get("transit_gateway"))
        if hub and ref(at.get("vpc")):  # the attachment is drawn inside its VPC's frame
            add(hub, a, "traffic")
            served.add(a)
        elif hub:
            add(a, hub, "uses")
    elif k == "vpn_connection":
        gateway = ref(at.get("vpn_gateway")) or ref(at.get("transit_gateway"))
        add(ref(at.get("customer_gateway")), a, "traffic", "IPsec, 2 tunnels")
        if gateway:
            add(a, gateway, "traffic", at.get("routing") or "bgp")
            served.add(gateway)
    elif k == "dx_virtual_interface":
        add(ref(at.get("connection")), a, "traffic", f"VLAN {at.get('vlan')}")
        for gateway in refs(at.get("dx_gateway")) + refs(at.get("vpn_gateway")):
            add(a, gateway, "traffic", at.get("type") or "private")
    elif k == "dx_gateway":
        for gateway in refs(at.get("vpn_gateways")) + refs(at.get("transit_gateways")):
            add(a, gateway, "traffic", "association")
    elif k == "backup_plan":
        for rule in at.get("rule") or []:
            vault = ref(rule.get("vault"))
            if vault:
                add(a, vault, "uses")
                for copy in rule.get("copy_to") or []:
                    if ref(copy.get("vault")):
                        add(vault, ref(copy.get("vault")), "replication", "backup copy")
        for sel in at.get("selection") or []:
            for res in refs(sel.get("resources")):
                add(res, a, "uses")


CONTAINERS = ("ecs_service", "ecs_task_definition")


def _containers(a, it, add, served: set, items: dict, traffic_port) -> None:
    """A target group → the ECS service registering its tasks there; the cluster and task
    definition a service runs on, and what a task definition uses (its image's repository, its
    EFS volumes, its roles), drawn as uses."""
    at = it.attrs
    if it.kind == "ecs_service":
        for lb in at.get("load_balancer") or []:
            tg = ref(lb.get("target_group"))
            if tg:
                traffic_port(tg, a, lb.get("port"))
                served.add(a)
        for used in refs(at.get("cluster")) + refs(at.get("task_definition")):
            add(used, a, "uses")
        return
    used = [ref(c.get("image")) for c in at.get("container") or []]
    used += [ref(v.get("efs")) for v in at.get("volume") or []]
    used += refs(at.get("task_role")) + refs(at.get("execution_role"))
    for other in used:
        if other and other in items:
            add(other, a, "uses")


# the families whose lines are drawn by the functions above, registered beside the single kinds
# of wiring.py: `connect` looks each resource's kind up in WIRES
wires(*MESSAGING)(lambda a, it, w: _messaging(a, it, w.add, w.served, w.items))
wires(*EVENTS)(lambda a, it, w: _events(a, it, w.add, w.served))
wires(*HYBRID)(lambda a, it, w: _hybrid(a, it, w.add, w.served))
wires(*CONTAINERS)(lambda a, it, w: _containers(a, it, w.add, w.served, w.items, w.traffic_port))
wires(*OPERATIONS)(lambda a, it, w: _operations(a, it, w.add))


@wires("dx_connection")
def _dx_line(a, it, w: Wiring) -> None:
    """A Direct Connect line is the customer's router cross-connected to AWS at a DX location:
    drawn from on-premises (where the customer gateways stand) to the line."""
    from .nesting import ON_PREMISES
    onsite = sorted(x for x, other in w.items.items() if other.kind == "customer_gateway")
    if onsite:
        where = it.attrs.get("location")
        w.add(onsite[0], a, "traffic", f"cross-connect at {where}" if where else "cross-connect", ltail=ON_PREMISES)
