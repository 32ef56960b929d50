"""Where each resource sits: a strict tree Region > VPC > Availability Zone > Subnet, with the
global services (Route 53, CloudFront, Global Accelerator, IAM, health checks, DR plans) in a
frame of their own outside every region.

A resource goes into the smallest frame that holds everything it lives in:

- a VPC, a subnet and a Route 53 hosted zone are frames themselves (with a small node inside
  carrying their address); a record sits in its zone;
- something in one subnet (an instance, a NAT gateway, a network interface) sits in it;
- something spread over subnets (a load balancer, an Auto Scaling group, a database, a route
  table's associations) sits in the subnet if it is one, in the AZ if they share one, else in
  the VPC (a VPC spans AZs; nothing else crosses a frame);
- something of a VPC but of no subnet (security groups, target groups, gateways) sits in the VPC;
- an EBS volume sits in the AZ of the instance it is attached to;
- a customer gateway (the customer's own VPN device) sits in an on-premises frame outside
  every AWS frame;
- everything else regional sits in its region.
"""

from __future__ import annotations

import ipaddress
import re

from .labels import describe, local_name
from .scene import Frame, Item, Node, Scene, ref, refs
from .styles import kind_info

GLOBAL = "cluster_global"
ON_PREMISES = "cluster_on_premises"
# what stands for equipment in the customer's own data center (an AWS resource records it, but
# it is not in any Region): drawn outside the AWS frames, as architects draw it
OUTSIDE_AWS = {"customer_gateway"}


def region_frame(region: str) -> str:
    return f"cluster_region_{region}"


def vpc_frame(address: str) -> str:
    return f"cluster_vpc_{address}"


def az_frame(vpc: str | None, region: str, az: str) -> str:
    return f"cluster_az_{vpc or region}_{az}"


def subnet_frame(address: str) -> str:
    return f"cluster_subnet_{address}"


def zone_frame(address: str) -> str:
    return f"cluster_zone_{address}"


def region_aliases(items: dict[str, Item]) -> dict[str, list[str]]:
    """Region name → the aliases its resources are written under (`primary`, …), sorted."""
    out: dict[str, set[str]] = {}
    for it in items.values():
        if it.region:
            out.setdefault(it.region, set()).add(it.address.split(".", 1)[0])
    return {r: sorted(a) for r, a in out.items()}


def _cidr_key(cidr) -> tuple:
    try:
        net = ipaddress.ip_network(str(cidr), strict=False)
        return (net.version, int(net.network_address), net.prefixlen)
    except ValueError:
        return (9, 0, 0)


def build(items: dict[str, Item], dr_regions: list[str] = ()) -> Scene:
    """The scene's frames and nodes (no edges yet) for these resources."""
    scene = Scene(items=items)
    aliases = region_aliases(items)
    alias_of = {a: r for r, names in aliases.items() for a in names}
    alias_first = {r: names[0] for r, names in aliases.items()}

    def ensure_region(region: str) -> str:
        fid = region_frame(region)
        if fid not in scene.frames:
            names = aliases.get(region, [])
            label = f"Region {region}" + (f" · {', '.join(names)}" if names else "")
            primary_rank = 0 if region in dr_regions[:1] else 1
            scene.add_frame(Frame(fid, "region", label, None, order=(1, primary_rank, names[0] if names else region)))
        return fid

    has_global = any(it.region is None for it in items.values())
    if has_global:
        scene.add_frame(Frame(GLOBAL, "global", "Global services", None, order=(0,)))

    by_kind: dict[str, list[Item]] = {}
    for it in items.values():
        by_kind.setdefault(it.kind, []).append(it)

    # VPCs, AZs and subnets
    for it in sorted(by_kind.get("vpc", []), key=lambda i: i.address):
        fid = vpc_frame(it.address)
        name = (it.attrs.get("tags") or {}).get("Name")
        title = local_name(it.address, alias_first.get(it.region))
        label = f"VPC {title}" + (f" ({name})" if name and name != title else "")
        scene.add_frame(Frame(fid, "vpc", label, ensure_region(it.region) if it.region else GLOBAL, it.address,
                              order=(2, it.address)))
        scene.frame_of[it.address] = fid
    for it in sorted(by_kind.get("subnet", []), key=lambda i: i.address):
        vpc = ref(it.attrs.get("vpc"))
        region = it.region or ""
        parent = vpc_frame(vpc) if vpc and vpc_frame(vpc) in scene.frames else ensure_region(region)
        az = it.attrs.get("az")
        if az:
            afid = az_frame(vpc if parent.startswith("cluster_vpc_") else None, region, az)
            if afid not in scene.frames:
                scene.add_frame(Frame(afid, "az", f"Availability Zone {az}", parent, order=(3, az)))
            parent = afid
        public = bool(it.attrs.get("public"))
        title = local_name(it.address, alias_first.get(it.region))
        label = f"{'Public' if public else 'Private'} subnet {title}"
        fid = subnet_frame(it.address)
        scene.add_frame(Frame(fid, "subnet", label, parent, it.address, public=public,
                              order=(4, _cidr_key(it.attrs.get("cidr")), it.address)))
        scene.frame_of[it.address] = fid
    for it in sorted(by_kind.get("dns_zone", []), key=lambda i: i.address):
        if not has_global:
            scene.add_frame(Frame(GLOBAL, "global", "Global services", None, order=(0,)))
            has_global = True
        fid = zone_frame(it.address)
        scene.add_frame(Frame(fid, "zone", f"Route 53 hosted zone {it.attrs.get('domain') or it.address}", GLOBAL,
                              it.address, order=(5, it.address)))
        scene.frame_of[it.address] = fid

    # instances' frames first: EBS volumes follow the instance they are attached to
    def common(frames: list[str], fallback: str) -> str:
        frames = [f for f in frames if f in scene.frames]
        if not frames:
            return fallback
        paths = [list(reversed(scene.ancestors(f))) for f in frames]
        shared = fallback
        for level in zip(*paths):
            if all(x == level[0] for x in level):
                shared = level[0]
            else:
                break
        return shared

    def where(it: Item) -> str:
        a, k = it.attrs, it.kind
        if k in OUTSIDE_AWS:
            if ON_PREMISES not in scene.frames:
                scene.add_frame(Frame(ON_PREMISES, "dc", "On-premises (corporate data center)", None, order=(3,)))
            return ON_PREMISES
        if k in ("vpc", "subnet", "dns_zone"):
            return scene.frame_of[it.address]
        if k == "dns_record":
            zone = ref(a.get("zone"))
            return zone_frame(zone) if zone and zone_frame(zone) in scene.frames else GLOBAL
        if it.region is None:
            return GLOBAL
        home = ensure_region(it.region)
        subnet = ref(a.get("subnet"))
        if subnet and subnet_frame(subnet) in scene.frames:
            return subnet_frame(subnet)
        subnets = refs(a.get("subnets"))
        if subnets:
            return common([subnet_frame(s) for s in subnets], home)
        vpc = ref(a.get("vpc"))
        if vpc and vpc_frame(vpc) in scene.frames:
            return vpc_frame(vpc)
        if k == "ebs_volume":
            for inst in refs(a.get("attachments")):
                target = items.get(inst)
                if target is None:
                    continue
                frame = where(target)
                return scene.enclosing(frame, "az") or frame
        return home

    for address in sorted(items):
        it = items[address]
        category, _, minor = kind_info(it.kind)
        frame = where(it)
        alias = it.address.split(".", 1)[0] if it.region else None
        title = local_name(address, alias if alias in alias_of else None)
        anchor = it.kind in ("vpc", "subnet", "dns_zone")
        lines = describe(it)
        spread = _spread(it, items, frame, scene)
        if spread:
            lines.append(spread)
        scene.add_node(Node(address, frame, it.kind, title, lines, category, address, anchor=anchor,
                            minor=minor, tooltip=f"{address} ({it.kind})"))
        if it.kind == "network_firewall":
            _firewall_endpoints(it, items, scene)
    return scene


def endpoint_node(firewall: str, az) -> str:
    return f"{firewall}~endpoint[{az}]"


def _firewall_endpoints(it: Item, items: dict[str, Item], scene: Scene) -> None:
    """A firewall's endpoint in each of its subnets (one per AZ), drawn inside the subnet."""
    for s in refs(it.attrs.get("subnets")):
        subnet = items.get(s)
        if subnet is None or subnet_frame(s) not in scene.frames:
            continue
        az = subnet.attrs.get("az")
        scene.add_node(Node(endpoint_node(it.address, az), subnet_frame(s), "firewall_endpoint", "firewall endpoint",
                            [str(az)], "security", it.address, minor=True,
                            tooltip=f"{it.address}: its endpoint in {az} ({s})"))


def _spread(it: Item, items: dict[str, Item], frame: str, scene: Scene) -> str:
    """"in net.private (3 AZs)": where a resource spread over several subnets runs, when its
    frame (the VPC, or an AZ) does not say it."""
    subnets = [s for s in refs(it.attrs.get("subnets")) if s in items]
    if len(subnets) < 2 or it.kind in ("route_table", "network_acl"):
        return ""
    alias = it.address.split(".", 1)[0] if it.region else None
    tiers = sorted({local_name(re.sub(r"\[[^\]]*\]$", "", s), alias) for s in subnets})
    azs = {items[s].attrs.get("az") for s in subnets}
    where = ", ".join(tiers[:2]) + (" …" if len(tiers) > 2 else "")
    return f"in {where} ({len(azs)} AZ{'s' if len(azs) != 1 else ''})"
