"""Logical IDs from addresses: stable, readable, unique.

`primary.web_fleet` becomes `PrimaryWebFleet`, `primary.net.private[us-east-1a]` becomes
`PrimaryNetPrivateUsEast1a`: every run of letters and digits of the address, capitalised and
joined. A resource made of several CloudFormation resources adds a suffix to its ID
(`PrimaryWebListenerHttps`). The ID depends on the address alone, so it survives edits
elsewhere and moves between stacks; two addresses that would read the same (`a.b_c`, `a_b.c`)
both take a short hash of their address, as does an ID longer than CloudFormation's 255
characters.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 255
_WORDS = re.compile(r"[A-Za-z0-9]+")


def camel(text: str) -> str:
    """`web_fleet` → `WebFleet`; `us-east-1a` → `UsEast1a`."""
    return "".join(w[0].upper() + w[1:] for w in _WORDS.findall(text))


def short_hash(text: str, n: int = 6) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n].upper()


def base_ids(addresses) -> dict[str, str]:
    """The base ID of every address (before part suffixes), unique among them."""
    ids: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for address in addresses:
        lid = camel(address) or "R"
        if not lid[0].isalpha():
            lid = "R" + lid
        ids[address] = lid
        seen.setdefault(lid, []).append(address)
    for lid, group in seen.items():
        if len(group) > 1:
            for address in group:
                ids[address] = lid + short_hash(address)
    for address, lid in ids.items():
        if len(lid) > MAX_LENGTH - 40:  # room for a part suffix
            ids[address] = lid[:MAX_LENGTH - 48] + short_hash(address, 8)
    return ids


def part_id(base: str, suffix: str) -> str:
    lid = base + suffix
    if len(lid) > MAX_LENGTH:
        lid = lid[:MAX_LENGTH - 8] + short_hash(lid, 8)
    return lid
