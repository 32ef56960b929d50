"""A CNAME is the only record at its name (RFC 1034; Route 53 refuses other types beside it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from archform.stdlib.kinds.dns import record_set_key
from archform.stdlib.schema import Graph, Issue, Related, View


def dns_cname_exclusive(graph: Graph) -> Iterable[Issue]:
    by_name: dict[tuple[str, str], list[View]] = defaultdict(list)
    for record in graph.of_kind("dns_record"):
        key = record_set_key(record, graph)
        if key is not None:
            by_name[key[:2]].append(record)
    for (_, fqdn), records in sorted(by_name.items()):
        cnames = sorted((r for r in records if r.model.type == "CNAME"), key=lambda r: r.address)
        others = sorted((r for r in records if r.model.type != "CNAME"), key=lambda r: r.address)
        if not cnames or not others:
            continue
        for other in others:
            yield Issue(f"{fqdn} has a CNAME record ('{cnames[0].address}'), so it can have no {other.model.type} "
                        f"record: a CNAME is the only record at its name", ("type",), address=other.address,
                        related=(Related(cnames[0].address, ("type",), "CNAME here"),),
                        help="use an alias record (type A) instead of the CNAME, or another name")
