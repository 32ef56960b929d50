"""Aurora global databases: a primary lists its secondaries (`global_secondary`), each in a
region of its own, on one engine and one pinned engine version; an encrypted secondary names a
KMS key of its own region (a key does not cross regions)."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.schema import Graph, Issue, Related, View, deref


def issues(self, me: View, graph: Graph) -> Iterable[Issue]:
    """The rules of an Aurora global database, checked at its primary (`self`)."""
    if len(self.global_secondary) > 5:
        yield Issue(f"an Aurora Global Database has at most 5 secondary regions, got {len(self.global_secondary)} "
                    f"(notes §7.2.2)", ("global_secondary",))
    if self.global_secondary and not self.engine_version:
        yield Issue("a global database pins engine_version: every cluster of it runs one version, and each region "
                    "would otherwise pick its own default (a secondary made later fails to join)",
                    ("global_secondary",), help='set engine_version, e.g. "16.6", on the primary')
    regions: dict = {me.region: me.address}
    for i, ref in enumerate(self.global_secondary):
        yield from _secondary(self, me, graph, ref, ("global_secondary", i), regions)
    primaries = [p for p in graph.referrers(me.address) if p.kind == "aurora"
                 and any(getattr(r, "address", None) == me.address for r in p.model.global_secondary)]
    if len(primaries) > 1:
        yield Issue(f"a cluster is the secondary of one global database, '{me.address}' is listed by "
                    + ", ".join(f"'{p.address}'" for p in primaries), (),
                    related=tuple(Related(p.address, ("global_secondary",), "lists it") for p in primaries))

def _secondary(self, me: View, graph: Graph, ref, path: tuple, regions: dict) -> Iterable[Issue]:
    if ref.address == me.address:
        yield Issue("a cluster cannot be its own global secondary", path)
        return
    sec = deref(graph, ref)
    if sec is None:
        return
    related = (Related(sec.address, (), "secondary cluster"),)
    if sec.region in regions:
        where = "the primary's region" if regions[sec.region] == me.address else f"the region of '{regions[sec.region]}'"
        yield Issue(f"each secondary of a global database is in its own region; '{sec.address}' is in "
                    f"{sec.region}, {where}", path, related=related)
    regions.setdefault(sec.region, sec.address)
    if sec.model.engine != self.engine:
        yield Issue(f"a global database runs one engine: '{sec.address}' is {sec.model.engine}, the primary "
                    f"{self.engine}", path, related=related)
    if self.engine_version and sec.model.engine_version and self.engine_version != sec.model.engine_version:
        yield Issue(f"a global database runs one engine version: '{sec.address}' is {sec.model.engine_version}, "
                    f"the primary {self.engine_version}", path, related=related)
    if sec.model.global_secondary:
        yield Issue(f"'{sec.address}' is a secondary, so it cannot have secondaries of its own", path,
                    related=(Related(sec.address, ("global_secondary",), "its secondaries"),))
    if self.encrypted and not sec.model.encrypted:
        yield Issue(f"the primary is encrypted, so its secondaries must be too; '{sec.address}' is not", path,
                    related=(Related(sec.address, ("encrypted",), "not encrypted"),))
    if sec.model.encrypted and sec.model.kms_key is None:
        yield Issue(f"an encrypted secondary needs kms_key, a KMS key of its own region ({sec.region}): a key "
                    f"does not cross regions; '{sec.address}' has none", path,
                    related=(Related(sec.address, ("encrypted",), "encrypted, no kms_key"),),
                    help='set kms_key on the secondary, e.g. "alias/aws/rds" (the AWS managed key of its region)')
