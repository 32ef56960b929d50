"""S3 replication does not chain (notes §10.5): what A replicates into B is not replicated on to C.

Two buckets replicating into each other (A ↔ B) is a supported two-way setup and is not a chain.
"""

from __future__ import annotations

from typing import Iterable

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Related


def s3_replication_chain(graph: Graph) -> Iterable[Issue]:
    sources: dict[str, list[str]] = {}  # bucket → buckets replicating into it
    buckets = sorted(graph.of_kind("s3_bucket"), key=lambda b: b.address)
    for bucket in buckets:
        for rule in bucket.model.replication:
            if isinstance(rule.destination, v.ResourceRef) and rule.destination.address != bucket.address:
                sources.setdefault(rule.destination.address, []).append(bucket.address)
    for bucket in buckets:
        upstream = sources.get(bucket.address, [])
        for i, rule in enumerate(bucket.model.replication):
            dest = getattr(rule.destination, "address", None)
            for source in upstream:
                if dest in (None, source, bucket.address):
                    continue
                yield Issue(f"replication does not chain: objects that '{source}' replicates into '{bucket.address}' "
                            f"are not replicated on to '{dest}' (notes §10.5)", ("replication", i, "destination"),
                            address=bucket.address,
                            related=(Related(source, ("replication",), "replicates into this bucket"),),
                            help=f"replicate '{source}' to '{dest}' directly")
