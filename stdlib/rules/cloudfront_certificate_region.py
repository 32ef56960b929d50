"""CloudFront uses ACM certificates from us-east-1 only (notes §6.3, §23.5)."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.schema import Graph, Issue, Related, deref

CLOUDFRONT_CERT_REGION = "us-east-1"


def cloudfront_certificate_region(graph: Graph) -> Iterable[Issue]:
    for dist in sorted(graph.of_kind("cloudfront"), key=lambda d: d.address):
        cert = deref(graph, dist.model.certificate)
        if cert is None or cert.region in (None, CLOUDFRONT_CERT_REGION):
            continue
        yield Issue(f"CloudFront uses ACM certificates from {CLOUDFRONT_CERT_REGION} only; '{cert.address}' is in "
                    f"{cert.region}", ("certificate",), address=dist.address,
                    related=(Related(cert.address, (), f"certificate in {cert.region}"),),
                    help=f"request the certificate in a region \"{CLOUDFRONT_CERT_REGION}\" block")
