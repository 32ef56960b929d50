"""AWS Backup plans during a run (notes §25.5): a plan backs up what its selections name on its
rules' schedules and copies each recovery point to the rules' `copy_to` vaults. When a region is
lost, what a DR plan restores in the other region is the latest copy there, so the writes since
then are lost: the recovery point objective is the schedule's interval (a 4-hourly rule loses up
to 4 hours, a daily one up to a day). The DR loop asks `covering()` which plan protects a store
and how often; this loop reports, when a region goes, what each plan's latest copy holds.

Resources selected by tag are matched against the tags of the records in the plan's region.
"""

from __future__ import annotations

from archform.stdlib.facets import provides
from archform.stdlib.kinds.backup import schedule_interval

from ..world import Loop


class Cover:
    __slots__ = ("plan", "rule", "interval", "regions")

    def __init__(self, plan, rule: str, interval: float, regions: set):
        self.plan, self.rule, self.interval, self.regions = plan, rule, interval, regions


@provides("failures", "backup_plan")
class Backups(Loop):
    name = "backup"

    def __init__(self, world):
        super().__init__(world)
        self._covers: dict[str, list[Cover]] | None = None

    def _index(self) -> dict[str, list[Cover]]:
        if self._covers is not None:
            return self._covers
        w = self.world
        covers: dict[str, list[Cover]] = {}
        for plan in w.of_kind("backup_plan"):
            chosen = self._selected(plan)
            for rule in plan.attrs.get("rule") or []:
                interval = schedule_interval(rule.get("schedule") or "cron(0 5 * * ? *)")
                if interval is None:
                    continue
                regions = {w.records[c["vault"]].region for c in rule.get("copy_to") or [] if c.get("vault") in w.records}
                vault = w.records.get(rule.get("vault") or "")
                if vault is not None:
                    regions.add(vault.region)
                for rid in chosen:
                    covers.setdefault(rid, []).append(Cover(plan, rule.get("name") or "", interval, regions))
        self._covers = covers
        return covers

    def _selected(self, plan) -> list[str]:
        ids: list[str] = []
        for sel in plan.attrs.get("selection") or []:
            ids += [r for r in sel.get("resources") or [] if isinstance(r, str)]
            tags = sel.get("tags") or {}
            if tags:
                ids += [r.id for r in self.world.records.values() if r.owner is None and r.region == plan.region
                        and all((r.attrs.get("tags") or {}).get(k) == v for k, v in tags.items())]
        return sorted(set(ids))

    def covering(self, rec, region: str | None) -> Cover | None:
        """The most frequent backup rule of any plan that puts `rec`'s recovery points in `region`."""
        found = [c for c in self._index().get(rec.id, []) if region in c.regions]
        return min(found, key=lambda c: (c.interval, c.plan.address or "")) if found else None

    def region_changed(self, region: str, up: bool):
        if up:
            return
        for rid, covers in sorted(self._index().items()):
            rec = self.world.records.get(rid)
            if rec is None or rec.region != region:
                continue
            for c in covers:
                elsewhere = sorted(r for r in c.regions if r and r != region)
                if elsewhere:
                    self.sim.log("backup.copies", rec.address or rid, f"backup plan {c.plan.address} (rule {c.rule}, "
                                 f"every {c.interval / 3600:g}h) has recovery points of it in {', '.join(elsewhere)}: "
                                 f"a restore there loses up to {c.interval / 3600:g}h of writes")
                else:
                    self.sim.log("backup.lost", rec.address or rid, f"backup plan {c.plan.address} keeps its "
                                 f"recovery points in {region} only: they are unreachable with the region")
