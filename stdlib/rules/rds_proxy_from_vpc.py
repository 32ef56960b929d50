"""A Lambda function that connects to an RDS Proxy runs in the VPC (notes §16.1.7: "This
requires running Lambda in a VPC because the RDS Proxy is never publicly accessible", §7.1.6).

A function uses a proxy when one of its attributes names it or a value it exports (its
`endpoint` in the function's environment, say); without subnets the function runs in AWS's
own network and cannot reach it."""

from __future__ import annotations

from typing import Iterable, Iterator

from pydantic import BaseModel

from archform.dsl import values as v
from archform.stdlib.schema import Graph, Issue, Related


def _named(value, path: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """(address, path) of every resource a value names, by reference or by an exported value."""
    if isinstance(value, (v.ResourceRef, v.Unknown)):
        yield value.address, path
    elif isinstance(value, (list, tuple)):
        for i, x in enumerate(value):
            yield from _named(x, path + (i,))
    elif isinstance(value, dict):
        for k, x in value.items():
            yield from _named(x, path + (k,))
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _named(getattr(value, name), path + (name,))


def rds_proxy_from_vpc(graph: Graph) -> Iterable[Issue]:
    proxies = {p.address for p in graph.of_kind("rds_proxy")}
    if not proxies:
        return
    for fn in graph.of_kind("lambda_function"):
        if fn.model.subnets:
            continue
        used = next(((a, p) for a, p in _named(fn.model) if a in proxies), None)
        if used is not None:
            yield Issue(f"this function connects to the RDS Proxy '{used[0]}', which is never publicly accessible: "
                        f"it runs in the VPC to reach it (notes §16.1.7)", used[1], address=fn.address,
                        related=(Related(used[0], ("subnets",), "the proxy's subnets"),),
                        help="give the function subnets (and security_groups) in the proxy's VPC")
