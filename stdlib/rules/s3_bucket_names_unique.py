"""Bucket names are unique across all regions and accounts (notes §10.1): so within one architecture."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.schema import Graph, Issue, Related


def s3_bucket_names_unique(graph: Graph) -> Iterable[Issue]:
    first: dict[str, str] = {}
    for bucket in sorted(graph.of_kind("s3_bucket"), key=lambda b: b.address):
        name = bucket.model.bucket
        if not isinstance(name, str):
            continue
        if name in first:
            yield Issue(f"bucket name '{name}' is already taken by '{first[name]}': bucket names are unique "
                        f"across all regions and accounts", ("bucket",), address=bucket.address,
                        related=(Related(first[name], ("bucket",), "first named here"),),
                        help="give each bucket its own name, e.g. with the region or environment in it")
        else:
            first[name] = bucket.address
