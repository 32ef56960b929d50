"""Faults: what `--fail DOMAIN` names, and what it does when its time comes.

Domains:
- `host:h-0…`, `rack:us-east-1a-dc1-m5-r01`, `dc:us-east-1a-dc1` — hardware loses power: the
  instances on it stop, their instance store is gone (`archform sim placement` shows the names).
- `az:us-east-1a` — the whole AZ: its hosts, load-balancer nodes, NAT gateways, database and
  cache nodes, EBS volumes, One Zone file systems, Aurora's storage copies there.
- `region:us-east-1` — every AZ of the region, and its regional services (S3, DynamoDB, the
  Route 53 health checkers there).
- a resource address (`primary.web_fleet`, `primary.net.nat_gw[us-east-1a]`), optionally a
  part after a slash (`primary.orders/copy-3`, `primary.db/standby`, `primary.cache/cache-002`).
- scenarios, as the AWS Fault Injection Service names them (facts, "Fault injection
  vocabulary"): `spot-interruption[:ADDRESS]` (every spot instance, or those of one
  resource: the 2-minute notice, then the interruption), `rds-failover:ADDRESS` (reboot with
  failover, RDS or Aurora), `az-power-interruption:AZ` (the AZ loses power for 30 minutes
  unless `--for` says otherwise, then recovers), `insufficient-capacity:AZ` (launches there
  fail with InsufficientInstanceCapacity).

Each fault has a disruption type in Resilience Hub's vocabulary (facts): software (a
resource or scenario on one resource), hardware (host, rack, data centre), az, region.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archform.dsl.suggest import did_you_mean
from archform.stdlib.regions import REGIONS, az_region, valid_az

from .world import World

POWER_INTERRUPTION_SECONDS = 1800.0  # facts: the FIS "AZ availability: power interruption" lasts about 30 min
SCENARIOS = ("spot-interruption", "rds-failover", "az-power-interruption", "insufficient-capacity")
DISRUPTION = {"host": "hardware", "rack": "hardware", "dc": "hardware", "az": "az", "region": "region",
              "resource": "software", "spot-interruption": "software", "rds-failover": "software",
              "az-power-interruption": "az", "insufficient-capacity": "az"}


class FaultError(ValueError):
    """A domain that names nothing in the world (with a did-you-mean where one fits)."""


@dataclass(frozen=True)
class FaultSpec:
    domain: str
    at: float = 60.0
    duration: float | None = None  # None: until the end of the run


@dataclass
class Fault:
    id: str
    domain: str
    kind: str  # host | rack | dc | az | region | resource | a scenario name
    target: str
    part: str | None
    start: float
    end: float | None
    disruption: str
    affected: dict = field(default_factory=dict)


def parse(spec: FaultSpec, index: int, world: World) -> Fault:
    domain = spec.domain.strip()
    head, _, rest = domain.partition(":")
    end = None if spec.duration is None else spec.at + spec.duration
    fid = f"f{index}"

    def make(kind, target, part=None, end=end):
        return Fault(fid, domain, kind, target, part, spec.at, end, DISRUPTION[kind])

    if head == "host" and rest:
        if rest not in world.hosts.by_id:
            raise FaultError(f"no host '{rest}' holds anything in this architecture"
                             + _hint(rest, sorted(h.id for h in world.hosts.by_id.values() if h.instances)))
        return make("host", rest)
    if head in ("rack", "dc") and rest:
        # a rack or data centre holding nothing of this architecture would fail nothing: a mistake
        groups = world.hosts.by_rack if head == "rack" else world.hosts.by_dc
        used = sorted(k for k, hosts in groups.items() if any(h.instances for h in hosts))
        if rest not in used:
            what = "rack" if head == "rack" else "data centre"
            raise FaultError(f"no {what} '{rest}' holds anything of this architecture"
                             + (_hint(rest, used) or f"; its {what}s: {', '.join(used[:8])}" if used else ""))
        return make(head, rest)
    if head == "az" and rest:
        _zone(rest)
        used = sorted({r.az for r in world.records.values() if r.az})
        if used and az_region(rest) not in {r.region for r in world.records.values()}:
            raise FaultError(f"nothing in this architecture is in {rest}'s region"
                             + (_hint(rest, used) or f"; its Availability Zones: {', '.join(used[:12])}"))
        return make("az", rest)
    if head == "region" and rest:
        if rest not in REGIONS:
            raise FaultError(f"'{rest}' is not a region" + _hint(rest, sorted(REGIONS)))
        used = sorted({r.region for r in world.records.values() if r.region})
        if used and rest not in used:
            raise FaultError(f"nothing in this architecture is in {rest}"
                             + (_hint(rest, used) or f"; its regions: {', '.join(used)}"))
        return make("region", rest)
    if head in SCENARIOS:
        if head == "spot-interruption":
            if rest:
                _resource(world, rest)
            return make(head, rest or "*", end=None)
        if not rest:
            raise FaultError(f"{head} needs a target: {head}:{'ADDRESS' if head == 'rds-failover' else 'AZ'}")
        if head == "rds-failover":
            rec, _ = _resource(world, rest)
            if rec.kind not in ("rds", "aurora", "documentdb_cluster", "neptune_cluster"):
                raise FaultError(f"rds-failover fails over an rds or aurora database (or a documentdb_cluster or "
                                 f"neptune_cluster); '{rest}' is a {rec.kind}")
            return make(head, rest, end=None)
        _zone(rest)
        if head == "az-power-interruption" and end is None:
            end = spec.at + POWER_INTERRUPTION_SECONDS
        return make(head, rest, end=end)
    if ":" in domain and head not in world.by_address:
        raise FaultError(f"'{head}' is not a fault domain: use host:, rack:, dc:, az:, region:, a resource address, or "
                         f"a scenario ({', '.join(SCENARIOS)})" + _hint(head, ["host", "rack", "dc", "az", "region",
                                                                              *SCENARIOS]))
    rec, part = _resource(world, domain)
    return make("resource", rec.address, part)


def _hint(name: str, candidates: list[str]) -> str:
    hint = did_you_mean(name, candidates)
    return f"; {hint}" if hint else ""


def _zone(az: str) -> None:
    if not valid_az(az):
        region = az_region(az)
        zones = REGIONS[region].zones if region in REGIONS else [z for r in REGIONS.values() for z in r.zones]
        raise FaultError(f"'{az}' is not an Availability Zone" + _hint(az, zones))


def _resource(world: World, text: str):
    address, _, part = text.partition("/")
    rec = world.by_address.get(address)
    if rec is None:
        raise FaultError(f"'{address}' is not a resource of this architecture" + _hint(address, sorted(world.by_address)))
    if part:
        parts = [p for loop in world.loops for p in loop.parts(rec)]
        if part not in parts:
            raise FaultError(f"'{address}' has no part '{part}'" + (f" (parts: {', '.join(parts)})" if parts else
                                                                   " (it has no parts a fault can name)"))
    return rec, part or None


# --- when the time comes ---------------------------------------------------------------------------

def schedule(world: World, fault: Fault) -> None:
    world.sim.at(fault.start, _begin, world, fault)
    if fault.end is not None:
        world.sim.at(fault.end, _finish, world, fault)


def _hosts(world: World, fault: Fault) -> list:
    if fault.kind == "host":
        return [world.hosts.by_id[fault.target]]
    if fault.kind == "rack":
        return list(world.hosts.by_rack[fault.target])
    return list(world.hosts.by_dc[fault.target])


def _begin(world: World, fault: Fault) -> None:
    sim = world.sim
    world.ledger.current_fault = fault.id
    fault.affected = _affected(world, fault)
    sim.log("fault.start", fault.domain, _describe(fault), fault=fault.id, disruption=fault.disruption)
    _apply(world, fault, up=False)
    world.dirty = True


def _finish(world: World, fault: Fault) -> None:
    world.sim.log("fault.end", fault.domain, "the fault ends: the domain is back", fault=fault.id)
    _apply(world, fault, up=True)
    world.dirty = True


def _apply(world: World, fault: Fault, up: bool) -> None:
    kind = fault.kind
    if kind in ("host", "rack", "dc"):
        world.hold_hosts(_hosts(world, fault), up)
    elif kind in ("az", "az-power-interruption"):
        world.hold_zone(fault.target, up)
    elif kind == "region":
        world.hold_region(fault.target, up)
    elif kind == "insufficient-capacity":
        world.no_capacity[fault.target] += -1 if up else 1
        if not up:
            world.sim.log("capacity.exhausted", fault.target, "launches fail with InsufficientInstanceCapacity")
    elif kind == "spot-interruption":
        spot = [i for i in world.ec2.instances.values() if i.spot and i.state in ("pending", "running")
                and (fault.target == "*" or i.address == fault.target)]
        if not spot:
            world.sim.log("spot.none", fault.target, "no spot instance runs there: nothing to interrupt")
        world.ec2.interrupt(spot)
    elif kind == "rds-failover":
        rec = world.by_address[fault.target]
        if rec.kind == "rds":
            world.rds.force_failover(world.rds.by_id[rec.id])
        else:
            loop = {"documentdb_cluster": world.documentdb, "neptune_cluster": world.neptune}.get(rec.kind, world.aurora)
            loop.force_failover(loop.by_id[rec.id])
    elif kind == "resource":
        rec = world.by_address[fault.target]
        if rec.kind == "autoscaling_group":
            group = world.asg.by_id[rec.id]
            world.ec2.break_instances(list(group.members.values()), up, f"a fault on {rec.address}")
            return
        for loop in world.loops:
            if loop.fail_part(rec, fault.part, up):
                return


def _affected(world: World, fault: Fault) -> dict:
    """What the fault's domain holds when it begins (for the report and a diagram overlay)."""
    kind, target = fault.kind, fault.target
    if kind in ("host", "rack", "dc"):
        hosts = _hosts(world, fault)
        instances = sorted(i for h in hosts for i in h.instances
                           if world.ec2.instances.get(i) is not None and world.ec2.instances[i].state != "terminated")
        return {"hosts": sorted(h.id for h in hosts if h.instances), "racks": sorted({h.rack for h in hosts}),
                "azs": sorted({h.az for h in hosts}), "instances": instances,
                "resources": sorted({world.ec2.instances[i].address for i in instances})}
    if kind in ("az", "az-power-interruption", "insufficient-capacity", "region"):
        zones = [target] if kind != "region" else list(REGIONS[target].zones)
        regions = {target} if kind == "region" else set()
        instances = sorted(i.id for i in world.ec2.instances.values() if i.az in zones and i.state != "terminated")
        resources = sorted({rec.address for rec in world.records.values() if rec.owner is None and rec.address and (
            rec.region in regions or rec.az in zones or rec.attrs.get("az") in zones)}
            | {world.address_of(rec.owner) for rec in world.records.values() if rec.owner and rec.az in zones})
        return {"azs": zones, "regions": sorted(regions), "instances": instances if kind != "insufficient-capacity" else [],
                "resources": resources if kind != "insufficient-capacity" else []}
    if kind == "spot-interruption":
        return {"resources": sorted({i.address for i in world.ec2.instances.values() if i.spot
                                     and (target == "*" or i.address == target)})}
    return {"resources": [target], "part": fault.part}


def _describe(fault: Fault) -> str:
    a = fault.affected
    until = "until the end of the run" if fault.end is None else f"for {fault.end - fault.start:g}s"
    if fault.kind in ("host", "rack", "dc"):
        n = len(a.get("instances", []))
        return f"{fault.kind} loses power {until}: {n} instance{'s' if n != 1 else ''} on it"
    if fault.kind == "az":
        return f"the AZ fails {until}"
    if fault.kind == "region":
        return f"the region fails {until}"
    if fault.kind == "az-power-interruption":
        return f"AZ power interruption (FIS scenario) {until}: zonal compute and connectivity lost"
    if fault.kind == "insufficient-capacity":
        return f"no capacity for launches {until}"
    if fault.kind == "spot-interruption":
        return "spot interruptions (FIS): the 2-minute notice now"
    if fault.kind == "rds-failover":
        return "failover on request (FIS: reboot with failover)"
    return f"the resource{' part ' + fault.part if fault.part else ''} fails {until}"
