"""Members where they live: what a resource spread over several AZs runs in each of them,
drawn in the subnet of that AZ.

- a database cluster's instances (Aurora, DocumentDB, Neptune: the writer and its replicas; an
  RDS instance's primary and Multi-AZ standby, or a Multi-AZ DB cluster's writer and two
  readers; an ElastiCache cluster's nodes, primaries and replicas per shard): one node each;
- an Auto Scaling group's (or EKS node group's) instances, an ECS service's tasks: one node per
  AZ with its count (`--instances` draws every instance instead, `overlays.instances`);
- a load balancer's nodes: one in the subnet it is given in each AZ, as the modeled cloud
  keeps them (providers/simulated/behaviours/loadbalancing.py; an NLB has one static IP per
  AZ, notes §6.2.4), so the balancer repeats in its public subnets.

The placement is the modeled cloud's (providers/simulated/behaviours/database.py
`place_members`, as AWS places them): the AZs of the subnets sorted, the i-th member in the
i-th AZ in turn, in the first listed subnet of its AZ; an Auto Scaling group launches each
instance in the AZ with the fewest (providers/simulated/behaviours/compute.py), so its desired
count is spread evenly, the first AZs taking one more. Each member is joined to its resource by a thin
`member` edge that takes no part in the layout's ranks, so the resource keeps its place on the
traffic path and its members sit in their AZs' tiers.
"""

from __future__ import annotations

from .scene import Edge, Node, Scene, ref, refs

# resource kind → the kind its member nodes are drawn as (an icon of its own: `icons.py`)
MEMBER_KINDS = {"aurora": "aurora_instance", "documentdb_cluster": "db_instance", "neptune_cluster": "db_instance",
                "rds": "rds_instance", "elasticache": "cache_node",
                "autoscaling_group": "instances", "eks_node_group": "instances", "ecs_service": "ecs_tasks",
                "load_balancer": "load_balancer_node"}
# what a fleet's per-AZ node counts: its members' word (None: instances, "n × instance type")
FLEETS = {"autoscaling_group": None, "eks_node_group": None, "ecs_service": ("tasks", "task")}


def _azs(scene: Scene, subnets: list[str]) -> list[tuple[str, str]]:
    """(AZ, the first listed subnet in it) for each AZ of these subnets, AZs sorted."""
    first: dict[str, str] = {}
    for s in subnets:
        it = scene.items.get(s)
        if it is None or s not in scene.frame_of:
            continue
        az = it.attrs.get("az")
        if isinstance(az, str):
            first.setdefault(az, s)
    return sorted(first.items())


def roles(kind: str, a: dict) -> list[str]:
    """The members of a database resource, in the order the modeled cloud places them."""
    if kind in ("aurora", "documentdb_cluster", "neptune_cluster"):
        n = int(a.get("instances") or 1)
        return ["writer"] + ["reader"] * (n - 1)
    if kind == "rds":
        if a.get("deployment") == "cluster":
            return ["writer", "reader", "reader"]
        return ["primary", "standby"] if a.get("multi_az") else ["primary"]
    if kind == "elasticache":
        if a.get("engine") == "memcached":
            return ["node"] * int(a.get("nodes") or 1)
        out = []
        for _ in range(int(a.get("shards") or 1)):
            out += ["primary"] + ["replica"] * int(a.get("replicas_per_shard") or 0)
        return out
    return []


def _instance_type(scene: Scene, a: dict) -> str:
    launch = a.get("launch") if isinstance(a.get("launch"), dict) else {}
    itype = launch.get("instance_type") or (a.get("instance_types") or [None])[0]
    lt = ref(a.get("launch_template"))
    if itype is None and lt in scene.items:
        itype = scene.items[lt].attrs.get("instance_type")
    return str(itype or "instances")


def add(scene: Scene, fleets: bool = True) -> None:
    """Add the members of every spread resource of the scene (fleets' per-AZ nodes unless
    `fleets` is off, when `--instances` draws each instance)."""
    secondaries = {s for it in scene.items.values() if it.kind == "aurora" for s in refs(it.attrs.get("global_secondary"))}
    for address, it in sorted(scene.items.items()):
        member_kind = MEMBER_KINDS.get(it.kind)
        if member_kind is None or address not in scene.nodes or it.action == "delete":
            continue
        a = it.attrs
        if it.kind == "aurora" and a.get("serverless"):
            continue                                   # Aurora Serverless: capacity, not instances
        azs = _azs(scene, refs(a.get("subnets")))
        if len(azs) < 2 and it.kind not in FLEETS:
            continue                                   # in one subnet: the resource's node is there already
        parent = scene.nodes[address]
        if it.kind == "load_balancer":
            for az, subnet in azs:
                nid = f"{address}/{az}"
                scene.add_node(Node(nid, scene.frame_of[subnet], member_kind, f"{parent.title} node", [az],
                                    parent.category, address, minor=True,
                                    tooltip=f"{address}: its node in {az}"))
                scene.add_edge(Edge(address, nid, "member"))
            continue
        if it.kind in FLEETS:
            if not fleets or not azs:
                continue
            desired = a.get("desired")
            if desired is None:
                desired = a.get("min") or 0
            count = int(desired)
            words = FLEETS[it.kind]
            itype = _instance_type(scene, a)
            for i, (az, subnet) in enumerate(azs):
                n = count // len(azs) + (1 if i < count % len(azs) else 0)
                if n == 0:  # a scaled-down standby's empty AZ holds no instance: nothing drawn there
                    continue
                nid = f"{address}/{az}"
                one = words[1] if words else "instance"
                some = f"{count} {one}{'s' if count != 1 else ''}"
                title = f"{n} {one}{'s' if n != 1 else ''}" if words else f"{n} × {itype}"  # "2 tasks"
                scene.add_node(Node(nid, scene.frame_of[subnet], member_kind, title, [az],
                                    "compute", address, minor=True, tooltip=f"{address}: {n} of its {some} in {az}"))
                scene.add_edge(Edge(address, nid, "member"))
            continue
        size = a.get("instance_class") or a.get("node_type") or ""
        members = roles(it.kind, a)
        if address in secondaries:  # a global secondary is read-only: its instances are readers
            members = ["reader"] * len(members)
        for i, role in enumerate(members):
            az, subnet = azs[i % len(azs)]
            nid = f"{address}/{role}-{i + 1}"
            scene.add_node(Node(nid, scene.frame_of[subnet], member_kind, f"{parent.title} {role}",
                                [x for x in (str(size), az) if x], "database", address, minor=True,
                                tooltip=f"{address}: {role} (member {i + 1}) in {az}"))
            scene.add_edge(Edge(address, nid, "member"))
