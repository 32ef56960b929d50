"""A distribution's WAF web ACL is a CLOUDFRONT-scope one, made in us-east-1 (notes §23.6.2:
"Web ACL is regional except for CloudFront")."""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.schema import Graph, Issue, Related, deref
from archform.stdlib.security_facts import CLOUDFRONT_REGION


def waf_cloudfront_scope(graph: Graph) -> Iterable[Issue]:
    for dist in sorted(graph.of_kind("cloudfront"), key=lambda d: d.address):
        acl = deref(graph, dist.model.web_acl)
        if acl is None:
            continue
        related = (Related(acl.address, ("scope",), "the web ACL's scope"),)
        if acl.model.acl_scope != "CLOUDFRONT":
            yield Issue(f"CloudFront uses web ACLs of scope CLOUDFRONT; '{acl.address}' is {acl.model.acl_scope} "
                        "(for ALBs and API Gateway in its region)", ("web_acl",), address=dist.address,
                        related=related, help=f"scope = CLOUDFRONT, in a region \"{CLOUDFRONT_REGION}\" block")
