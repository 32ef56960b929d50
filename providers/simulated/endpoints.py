"""DNS names, endpoints and hosted-zone ids as AWS spells them per service and region.

Hosted-zone ids of load balancers and S3 website endpoints are AWS's published values where
listed; other regions get a stable made-up id of the same shape.
"""

from __future__ import annotations

import hashlib

# Canonical hosted zone of Application (and Classic) Load Balancers, per region
ALB_ZONE = {
    "us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5", "ca-central-1": "ZQSVJUPU6J1EY", "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4", "eu-central-1": "Z215JYRZR1TBD5",
    "ap-south-1": "ZP97RAFLXTNZK", "ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65", "sa-east-1": "Z2P70J7HTTTPLU",
}
# ... and of Network Load Balancers
NLB_ZONE = {
    "us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F", "eu-central-1": "Z3F0SRJ5LGBH90",
    "ap-northeast-1": "Z31USIVHYNEOWT", "ap-southeast-1": "ZKVM4W9LS7TM", "ap-southeast-2": "ZCT6FZBF4DROD",
}
# S3 website endpoints' hosted zones
S3_ZONE = {
    "us-east-1": "Z3AQBSTGFYJSTF", "us-east-2": "Z2O1EMRO9K5GLX", "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M", "eu-west-1": "Z1BKCTXD74EZPE", "eu-central-1": "Z21DNDUVLTQW6Q",
    "ap-southeast-1": "Z3O0J2DXBE1FTB", "ap-southeast-2": "Z1WCIGYICN2BYD", "ap-northeast-1": "Z2M4EHUR26P7ZW",
    "sa-east-1": "Z7KQH4QJS55SO",
}
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
GLOBAL_ACCELERATOR_ZONE = "Z2BJ6XQ5FK7U4H"

# Regions whose S3 website endpoint is s3-website-<region> (the others use s3-website.<region>)
S3_WEBSITE_DASH = {"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
                   "ap-northeast-1", "sa-east-1"}


def made_up_zone(kind: str, region: str | None) -> str:
    h = hashlib.sha256(f"{kind}/{region}".encode()).hexdigest().upper()
    return "Z" + "".join(c for c in h if c.isalnum())[:13]


def alb_zone(region: str | None) -> str:
    return ALB_ZONE.get(region) or made_up_zone("alb", region)


def nlb_zone(region: str | None) -> str:
    return NLB_ZONE.get(region) or made_up_zone("nlb", region)


def s3_zone(region: str | None) -> str:
    return S3_ZONE.get(region) or made_up_zone("s3", region)


_COMPASS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "northeast": "ne",
            "northwest": "nw", "southeast": "se", "southwest": "sw"}


def short_region(region: str | None) -> str:
    """ElastiCache's short region code: us-east-1 → use1, ap-southeast-2 → apse2, eu-central-1 → euc1."""
    if not region:
        return "use1"
    parts = region.split("-")
    if len(parts) != 3:
        return region.replace("-", "")
    return parts[0] + _COMPASS.get(parts[1], parts[1][:1]) + parts[2]


def s3_website(bucket: str, region: str | None) -> str:
    region = region or "us-east-1"
    sep = "-" if region in S3_WEBSITE_DASH else "."
    return f"{bucket}.s3-website{sep}{region}.amazonaws.com"
