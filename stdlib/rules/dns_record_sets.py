"""Records of one name and type in one zone form a record set with one routing policy (notes §8.3).

A set mixes no policies; a simple set is one record; the others tell their records apart by
set identifier; a failover set has exactly one primary and one secondary; latency records name
distinct regions; geolocation records name distinct locations and should include a default.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from archform.stdlib.kinds.dns import record_set_key, set_identifier
from archform.stdlib.schema import Graph, Issue, Related, View


def dns_record_sets(graph: Graph) -> Iterable[Issue]:
    groups: dict[tuple, list[View]] = defaultdict(list)
    for record in graph.of_kind("dns_record"):
        key = record_set_key(record, graph)
        if key is not None:
            groups[key].append(record)
    for (_, fqdn, rtype), records in sorted(groups.items()):
        records = sorted(records, key=lambda r: r.address)
        first = records[0]
        policy = first.model.routing_policy
        mixed = [r for r in records if r.model.routing_policy != policy]
        if mixed:
            for r in mixed:
                yield Issue(f"the {rtype} records for {fqdn} mix routing policies: {r.model.routing_policy} here, "
                            f"{policy} in '{first.address}'; a record set has one routing policy",
                            (), address=r.address, related=(Related(first.address, (), f"{policy} record"),),
                            help="give every record of this name and type the same policy, or use another name")
            continue
        yield from _SET_CHECKS.get(policy, _distinct_set_ids)(fqdn, rtype, records)


def _simple(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    first = records[0]
    for r in records[1:]:
        yield Issue(f"there is already a simple {rtype} record for {fqdn} ('{first.address}'); a simple record "
                    f"set is one record", (), address=r.address,
                    related=(Related(first.address, (), "first record"),),
                    help="put every value in one record's values, or use a routing policy such as multivalue")


def _distinct_set_ids(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    seen: dict[str, View] = {}
    for r in records:
        sid = set_identifier(r)
        if sid in seen:
            yield Issue(f"set_id '{sid}' is used twice by the {rtype} records for {fqdn}", ("set_id",),
                        address=r.address, related=(Related(seen[sid].address, ("set_id",), "first used here"),))
        else:
            seen[sid] = r


def _failover(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    yield from _distinct_set_ids(fqdn, rtype, records)
    roles = Counter(r.model.failover for r in records)
    if roles["primary"] == 1 and roles["secondary"] == 1:
        return
    shown = f"{roles['primary']} primary and {roles['secondary']} secondary"
    for r in records:
        others = tuple(Related(o.address, ("failover",), o.model.failover) for o in records if o is not r)
        yield Issue(f"failover records for {fqdn} {rtype} need exactly one primary and one secondary, found {shown}",
                    ("failover",), address=r.address, related=others)


def _latency(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    yield from _distinct_set_ids(fqdn, rtype, records)
    yield from _distinct_by(records, lambda m: m.latency_region, ("latency_region",),
                            lambda x: f"region {x}", fqdn, rtype)


def _geolocation(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    yield from _distinct_set_ids(fqdn, rtype, records)

    def location(m):
        g = m.geolocation
        return "default" if g.default else (g.continent or "", g.country or "", g.subdivision or "")

    yield from _distinct_by(records, location, ("geolocation",),
                            lambda x: "the default location" if x == "default" else "location " + "/".join(p for p in x if p),
                            fqdn, rtype)
    if not any(r.model.geolocation.default or r.model.geolocation.country == "*" for r in records):
        yield Issue(f"the geolocation records for {fqdn} {rtype} have no default record, so queries from other "
                    f"locations get no answer", ("geolocation",), severity="warning", address=records[0].address,
                    help="add a record with geolocation { default = true } (notes §8.3)")


def _ip_based(fqdn: str, rtype: str, records: list[View]) -> Iterable[Issue]:
    yield from _distinct_set_ids(fqdn, rtype, records)
    collections = sorted({r.model.ip_based.collection for r in records if isinstance(r.model.ip_based.collection, str)})
    if len(collections) > 1:
        for r in records[1:]:
            if r.model.ip_based.collection != records[0].model.ip_based.collection:
                yield Issue(f"the ip_based records for {fqdn} {rtype} use one CIDR collection, found "
                            f"{', '.join(collections)}", ("ip_based", "collection"), address=r.address,
                            related=(Related(records[0].address, ("ip_based", "collection"), "collection used here"),))
    yield from _distinct_by(records, lambda m: m.ip_based.location, ("ip_based", "location"),
                            lambda x: f"location '{x}'", fqdn, rtype)


def _distinct_by(records, key, path, shown, fqdn, rtype) -> Iterable[Issue]:
    seen: dict = {}
    for r in records:
        k = key(r.model)
        if k is None:
            continue
        if k in seen:
            yield Issue(f"two {rtype} records for {fqdn} answer for {shown(k)}", path, address=r.address,
                        related=(Related(seen[k].address, path, "also here"),))
        else:
            seen[k] = r


_SET_CHECKS = {"simple": _simple, "failover": _failover, "latency": _latency, "geolocation": _geolocation,
               "ip_based": _ip_based}
