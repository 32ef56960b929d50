"""Where an instance lands: a host of its family in its AZ, chosen by a placement policy.

One query chooses the host (the pool of one AZ and family is a few hundred rows, indexed), one
insert records the placement; triggers in the store move the host's usage. The policies:

- default tenancy, no placement group: the least-used host of the pool (instances spread over
  hosts and racks, so one host or rack failing takes a small part of a fleet).
- `tenancy = dedicated` (notes §3.7.1, dedicated instances): hosts that serve this account
  alone — never a host holding shared instances, and shared instances never go there.
- `tenancy = host` (dedicated hosts, "book an entire physical server"): the account's
  allocated hosts first, fullest first; a new host is allocated when none has room.
  Dedicated hosts cannot be launched in placement groups (AWS refuses it).
- cluster group (notes §4.3, aws-facts "Placement"): one AZ — the AZ of the group's first
  instance; another AZ is refused as AWS refuses it (`InvalidPlacementGroup.InUse`) — and one
  data centre, packed onto the racks the group already uses, fullest host first. An Auto
  Scaling group launches all its instances in one transaction, so a cluster launch is
  all-or-nothing: when one does not fit, none is made.
- spread group, rack level: a rack holding no other instance of the group; at most 7 running
  instances per AZ per group (`SPREAD_LIMIT_PER_AZ`, notes §4.3), the 8th refused at launch.
  Host level: a host holding no other instance of the group.
- partition group: `partitions` per AZ (at most 7, default 2); partition p owns the racks
  whose position in the pool is p modulo the count, so partitions never share a rack; a new
  instance joins the least-populated partition that has room.

A launch that fits nowhere fails as AWS fails it: `InsufficientInstanceCapacity`, naming the
instance type, the AZ and the other AZs of the region.
"""

from __future__ import annotations

from dataclasses import dataclass

from archform.providers.base import Conflict, InsufficientCapacity, InvalidParameter
from archform.stdlib import instance_types
from archform.stdlib.regions import REGIONS

from .physical import pools
from .store import Record, Tx

DEFAULT_PARTITIONS = 2  # the catalogue's default partition count


@dataclass(frozen=True)
class Request:
    instance_type: str
    region: str | None
    az: str
    tenancy: str = "default"  # default | dedicated | host
    group: Record | None = None  # the placement group's record


@dataclass(frozen=True)
class Spot:
    """The host chosen for a launch, and the partition when the group has partitions."""

    host: str
    az: str
    dc: str
    rack: str
    rack_index: int
    partition: int | None = None


_COLUMNS = "id, az, dc, rack, rack_index"
_FITS = ("az = ? AND family = ? AND state = 'running' AND vcpus - used_vcpus >= ? AND memory - used_memory >= ? "
         "AND (tenancy IS NULL OR tenancy = ?)")
_LEAST_USED = "used_vcpus, rack_index, slot"


def _shape(instance_type: str):
    t = instance_types.lookup(instance_type)
    if t is None:
        raise InvalidParameter(f"The instance type '{instance_type}' does not exist", code="InvalidInstanceType")
    return t


def insufficient(instance_type: str, region: str | None, az: str, why: str = "") -> InsufficientCapacity:
    others = [z for z in (REGIONS[region].zones if region in REGIONS else []) if z != az]
    hint = (f" You can currently get {instance_type} capacity by not specifying an Availability Zone in your request "
            f"or choosing {', '.join(others)}." if others and not why else "")
    return InsufficientCapacity(f"We currently do not have sufficient {instance_type} capacity in the Availability "
                                f"Zone you requested ({az}){why}. Our system will be working on provisioning "
                                f"additional capacity.{hint}", code="InsufficientInstanceCapacity")


def choose(tx: Tx, req: Request) -> Spot:
    """The host a launch goes to, or the error AWS would answer."""
    t = _shape(req.instance_type)
    family = t.family.name
    pools.ensure(tx, req.region, req.az, family)
    fits = (req.az, family, t.vcpus, t.memory_gib, req.tenancy)
    group = req.group
    if group is not None and req.tenancy == "host":
        raise InvalidParameter("You can't launch instances on Dedicated Hosts in a placement group",
                               code="InvalidParameterCombination")
    if group is None:
        order = "(tenancy IS NULL), used_vcpus DESC, rack_index, slot" if req.tenancy == "host" else _LEAST_USED
        return _one(tx, req, f"SELECT {_COLUMNS} FROM hosts WHERE {_FITS} ORDER BY {order} LIMIT 1", fits)
    strategy = group.attrs.get("strategy")
    if strategy == "cluster":
        return _cluster(tx, req, fits)
    if strategy == "spread":
        return _spread(tx, req, fits)
    return _partition(tx, req, fits)


def _one(tx: Tx, req: Request, sql: str, params: tuple, partition: int | None = None, why: str = "") -> Spot:
    row = tx.conn.execute(sql, params).fetchone()
    if row is None:
        raise insufficient(req.instance_type, req.region, req.az, why)
    return Spot(*row, partition=partition)


def _cluster(tx: Tx, req: Request, fits: tuple) -> Spot:
    group = req.group
    home = tx.conn.execute("SELECT az, dc FROM placements WHERE group_id = ? ORDER BY rowid LIMIT 1",
                           (group.id,)).fetchone()
    if home is not None and home[0] != req.az:
        raise Conflict(f"The placement group '{group.name}' is in use in another availability zone: {home[0]}",
                       code="InvalidPlacementGroup.InUse")
    where, params = _FITS, fits
    if home is not None:
        where, params = where + " AND dc = ?", params + (home[1],)
    sql = (f"SELECT {_COLUMNS} FROM hosts WHERE {where} ORDER BY "
           "(rack IN (SELECT rack FROM placements WHERE group_id = ?)) DESC, used_vcpus DESC, rack_index, slot LIMIT 1")
    why = f" for cluster placement group '{group.name}' (its instances share one data centre)" if home else ""
    return _one(tx, req, sql, params + (group.id,), why=why)


def _spread(tx: Tx, req: Request, fits: tuple) -> Spot:
    from archform.stdlib.kinds.compute import SPREAD_LIMIT_PER_AZ
    group = req.group
    if group.attrs.get("spread_level") == "host":
        sql = (f"SELECT {_COLUMNS} FROM hosts WHERE {_FITS} AND id NOT IN "
               f"(SELECT host FROM placements WHERE group_id = ?) ORDER BY {_LEAST_USED} LIMIT 1")
        return _one(tx, req, sql, fits + (group.id,), why=f" on a host apart from the other instances of spread "
                                                          f"placement group '{group.name}'")
    running = tx.conn.execute("SELECT COUNT(*) FROM placements WHERE group_id = ? AND az = ?",
                              (group.id, req.az)).fetchone()[0]
    if running >= SPREAD_LIMIT_PER_AZ:
        raise InvalidParameter(f"Spread placement group '{group.name}' already has {running} running instances in "
                               f"{req.az}: a rack spread placement group holds at most {SPREAD_LIMIT_PER_AZ} "
                               "running instances per Availability Zone (notes §4.3)", code="InvalidParameterValue")
    sql = (f"SELECT {_COLUMNS} FROM hosts WHERE {_FITS} AND rack NOT IN "
           f"(SELECT rack FROM placements WHERE group_id = ? AND az = ?) ORDER BY {_LEAST_USED} LIMIT 1")
    return _one(tx, req, sql, fits + (group.id, req.az),
                why=f" on a rack apart from the other instances of spread placement group '{group.name}'")


def _partition(tx: Tx, req: Request, fits: tuple) -> Spot:
    group = req.group
    count = int(group.attrs.get("partitions") or DEFAULT_PARTITIONS)
    members = dict(tx.conn.execute("SELECT partition, COUNT(*) FROM placements WHERE group_id = ? AND az = ? "
                                   "GROUP BY partition", (group.id, req.az)).fetchall())
    for p in sorted(range(count), key=lambda p: (members.get(p, 0), p)):
        sql = f"SELECT {_COLUMNS} FROM hosts WHERE {_FITS} AND rack_index % ? = ? ORDER BY {_LEAST_USED} LIMIT 1"
        row = tx.conn.execute(sql, fits + (count, p)).fetchone()
        if row is not None:
            return Spot(*row, partition=p)
    raise insufficient(req.instance_type, req.region, req.az,
                       f" in any of the {count} partitions of placement group '{group.name}'")


def bind(tx: Tx, inst: Record, req: Request, spot: Spot) -> None:
    """Record that `inst` runs on the chosen host (the host's usage follows by trigger)."""
    t = _shape(req.instance_type)
    tx.conn.execute("INSERT INTO placements VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (inst.id, spot.host, inst.region, spot.az, spot.dc, spot.rack, spot.rack_index, t.family.name,
                     req.instance_type, t.vcpus, t.memory_gib, req.tenancy,
                     req.group.id if req.group is not None else None, spot.partition, t.instance_store_gb))


def unbind(tx: Tx, instance_id: str) -> None:
    tx.conn.execute("DELETE FROM placements WHERE instance = ?", (instance_id,))


def request_for(tx: Tx, region: str | None, az: str, settings: dict) -> Request:
    group = tx.get(settings["placement_group"]) if settings.get("placement_group") else None
    return Request(str(settings.get("instance_type")), region, az, str(settings.get("tenancy") or "default"), group)


def where(tx: Tx, ids: list[str]) -> dict[str, dict]:
    """The placement of each instance id that has one."""
    out = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in tx.conn.execute(f"SELECT instance, host, az, dc, rack, partition, instance_type, tenancy, group_id, "
                                   f"instance_store_gb FROM placements WHERE instance IN ({marks})", tuple(chunk)):
            out[row[0]] = dict(zip(("instance", "host", "az", "dc", "rack", "partition", "instance_type", "tenancy",
                                    "group", "instance_store_gb"), row))
    return out
