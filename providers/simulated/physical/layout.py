"""The figures of the physical world, and the names of its parts.

What the notes say (§1.1): a region has several Availability Zones (the catalogue in
`stdlib/regions.py` gives each region its real count: us-east-1 has 6, eu-west-1 3), and
"each AZ contains multiple data centers with redundant power, networking and connectivity".
The notes give no counts below the AZ; the modeled cloud chooses these, and says so:

- `DATA_CENTRES_PER_AZ` data centres in every AZ (model figure).
- A rack holds hosts of one instance family only (AWS builds homogeneous racks); a data centre
  holds `RACKS_PER_DC[category]` racks of each family and a rack `HOSTS_PER_RACK[category]`
  hosts (model figures, smaller for the scarce categories: accelerated and high-memory
  hardware runs out first, as it does on AWS).
- A host of a family has the vCPUs and memory of the family's largest size — its metal size
  where there is one, what an EC2 Dedicated Host of that family offers (notes §3.7.1: a
  dedicated host is "an entire physical server"). Burstable families, whose largest size is
  small, put several of it on one host (`host_shape`).

Names are readable because people type them after `--fail`: data centre
`us-east-1a-dc2`, rack `us-east-1a-dc2-m5-r03` (family in the name: racks are homogeneous),
host `h-` and 17 hex digits as AWS spells Dedicated Host ids, derived from the rack and slot.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from archform.stdlib import instance_types

DATA_CENTRES_PER_AZ = 3  # notes §1.1 "multiple data centers"; the count is a model figure

RACKS_PER_DC = {"general_purpose": 4, "compute": 4, "memory": 4, "storage": 2, "accelerated": 1, "high_memory": 1}
HOSTS_PER_RACK = {"general_purpose": 16, "compute": 16, "memory": 16, "storage": 16, "accelerated": 8,
                  "high_memory": 2}

# a burstable family's host carries enough of its largest size to reach this many vCPUs
_MIN_HOST_VCPUS = 48


@dataclass(frozen=True)
class HostShape:
    family: str
    category: str
    vcpus: int
    memory_gib: float


@lru_cache(maxsize=None)
def host_shape(family: str) -> HostShape:
    """The capacity of one host of `family`: its largest size (by vCPUs, then memory), times k
    for small burstable families."""
    sizes = [instance_types.lookup(name) for name in instance_types.sizes(family)]
    if not sizes:
        raise KeyError(family)
    largest = max(sizes, key=lambda t: (t.vcpus, t.memory_gib))
    k = 1
    while largest.vcpus * k < _MIN_HOST_VCPUS:
        k += 1
    return HostShape(family, largest.category, largest.vcpus * k, largest.memory_gib * k)


def racks_per_dc(family: str) -> int:
    return RACKS_PER_DC[host_shape(family).category]


def hosts_per_rack(family: str) -> int:
    return HOSTS_PER_RACK[host_shape(family).category]


def hosts_per_az(family: str) -> int:
    return DATA_CENTRES_PER_AZ * racks_per_dc(family) * hosts_per_rack(family)


def data_centre_name(az: str, dc: int) -> str:
    return f"{az}-dc{dc}"


def rack_name(az: str, dc: int, family: str, rack: int) -> str:
    return f"{az}-dc{dc}-{family}-r{rack:02d}"


def host_id(rack: str, slot: int) -> str:
    """`h-` + 17 hex digits, the same for the same rack and slot in every cloud."""
    return "h-0" + hashlib.sha256(f"{rack}/{slot}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class HostSpec:
    id: str
    az: str
    dc: str
    rack: str
    rack_index: int  # the rack's position in its pool (AZ, family): partitions are rack_index % partitions
    slot: int
    family: str
    vcpus: int
    memory_gib: float


def pool(az: str, family: str) -> list[HostSpec]:
    """Every host of `family` in `az`, in a fixed order (data centre, rack, slot)."""
    shape = host_shape(family)
    racks, per_rack = racks_per_dc(family), hosts_per_rack(family)
    out = []
    index = 0
    for dc in range(1, DATA_CENTRES_PER_AZ + 1):
        for r in range(1, racks + 1):
            rack = rack_name(az, dc, family, index + 1)
            for slot in range(1, per_rack + 1):
                out.append(HostSpec(host_id(rack, slot), az, data_centre_name(az, dc), rack, index, slot, family,
                                    shape.vcpus, shape.memory_gib))
            index += 1
    return out
