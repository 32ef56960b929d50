"""Account quotas the modeled cloud enforces (notes and aws-facts; soft limits at their defaults).

A provider can be opened with other values (`SimulatedCloud(limits={...})`), as an account
that asked AWS for a quota increase.
"""

from __future__ import annotations

DEFAULTS = {
    "elastic_ips_per_region": 5,       # notes §4.2
    "vpcs_per_region": 5,              # notes §24.2.2
    "cidr_blocks_per_vpc": 5,          # notes §24.2.2
    "rules_per_security_group": 60,    # per direction (notes §3.4)
    "multi_attach_instances": 16,      # notes §5.1.6
    "security_groups_per_interface": 5,
    "placement_groups_per_region": 500,  # aws-facts "Placement"
    "lambda_concurrency": 1000,        # concurrent executions per region (notes §16.1.3)
}


def merged(overrides: dict | None) -> dict:
    limits = dict(DEFAULTS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULTS:
            raise ValueError(f"unknown limit '{key}' (known: {', '.join(sorted(DEFAULTS))})")
        limits[key] = int(value)
    return limits
