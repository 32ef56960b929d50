"""Storage during a run: what survives which failure (notes §5, §10, §16.2; facts).

- EBS volume: bound to one AZ (notes §5.1.1), replicated only inside it: unavailable while its
  AZ is down, its data intact; it cannot be attached from another AZ meanwhile.
- EFS: regional file systems keep their data across AZs and answer from every AZ with a live
  mount target; One Zone file systems live and die with their AZ (notes §5.4.3).
- S3: regional, data across at least 3 AZs (facts): unaffected by an AZ, unavailable with its
  region. Replication (notes §10.5) copies objects asynchronously to the destination bucket.
- DynamoDB: regional and replicated across AZs (notes §16.2.1); a global table answers in
  every replica region, active-active (notes §16.2.4).
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides

from ..measure import Service
from ..world import Loop


class Item:
    __slots__ = ("rec", "broken")

    def __init__(self, rec):
        self.rec, self.broken = rec, 0


@provides("failures", "ebs_volume", "efs", "s3_bucket", "dynamodb_table")
class Storage(Loop):
    name = "storage"

    def __init__(self, world):
        super().__init__(world)
        self.items: dict[str, Item] = {}

    def load(self):
        for kind in ("ebs_volume", "efs", "s3_bucket", "dynamodb_table"):
            for rec in self.world.of_kind(kind):
                self.items[rec.id] = Item(rec)

    def services(self) -> Iterable[Service]:
        measures = {"ebs_volume": "volume I/O", "efs": "file system answering", "s3_bucket": "requests answered",
                    "dynamodb_table": "requests answered"}
        for item in self.items.values():
            rec = item.rec
            yield Service(rec.address, rec.kind, rec.region, measures[rec.kind], "copies", 1.0,
                          lambda i=item: (1.0, 1.0) if self.available(i.rec.id) else (0.0, 0.0))

    def available(self, id: str, region: str | None = None) -> bool:
        """Whether the store answers (from `region`, for a global table)."""
        item = self.items.get(id)
        if item is None:
            return False
        if item.broken:
            return False
        rec, w = item.rec, self.world
        if rec.kind == "ebs_volume":
            return w.zone_up(rec.attrs.get("az") or rec.az)
        if rec.kind == "efs":
            if rec.attrs.get("availability") == "one_zone":
                return w.zone_up(rec.attrs.get("az") or rec.az)
            targets = [t for t in w.owned.get(rec.id, []) if t.kind == "efs_mount_target"]
            return w.region_up(rec.region) and (not targets or any(w.zone_up(t.az) for t in targets))
        if rec.kind == "dynamodb_table":
            regions = [rec.region, *(rec.attrs.get("replicas") or [])]
            return any(w.region_up(r) for r in regions) if region is None else (region in regions and w.region_up(region))
        return w.region_up(rec.region)

    def zone_changed(self, az: str, up: bool):
        for item in self.items.values():
            rec = item.rec
            zone = rec.attrs.get("az") or rec.az
            if rec.kind in ("ebs_volume", "efs") and zone == az and (rec.kind == "ebs_volume"
                                                                     or rec.attrs.get("availability") == "one_zone"):
                what = "EBS volume" if rec.kind == "ebs_volume" else "One Zone file system"
                self.sim.log("storage.unavailable" if not up else "storage.available", rec.address,
                             f"{what} in {az}: {'unavailable with its AZ (data intact, bound to the AZ)' if not up else 'available again'}",
                             azs=[az])
        self.world.dirty = True

    def region_changed(self, region: str, up: bool):
        for item in self.items.values():
            rec = item.rec
            if rec.kind in ("s3_bucket", "dynamodb_table") and rec.region == region:
                other = [r for r in rec.attrs.get("replicas") or []] if rec.kind == "dynamodb_table" else []
                tail = f"; its replicas in {', '.join(other)} keep answering" if other else ""
                self.sim.log("storage.unavailable" if not up else "storage.available", rec.address,
                             f"{'unavailable with its region' if not up else 'available again'} {region}{tail}")
        self.world.dirty = True

    def fail_part(self, rec, part, up) -> bool:
        item = self.items.get(rec.id)
        if item is None:
            return False
        item.broken += -1 if up else 1
        self.world.dirty = True
        return True
