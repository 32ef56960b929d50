"""Logical IDs from addresses: stable, readable, unique.

`primary.web_fleet` becomes `PrimaryWebFleet`, `primary.net.private[us-east-1a]` becomes
`PrimaryNetPrivateUsEast1a`: every run of letters and digits of the address, capitalised and
joined. A resource made of several CloudFormation resources adds a suffix to its ID
(`PrimaryWebListenerHttps`). The ID depends on the address alone, so it survives edits
elsewhere and moves between stacks, as does an ID longer than CloudFormation's 255 characters.

Two parts that would read the same (`primary.web` and a root `primary_web`;
`primary.igw`'s `Attachment` and `primary.igw_attachment`) must not rename one that exists:
CloudFormation replaces a resource whose ID changes. So an ID the previous manifest gave a
part is kept, and only the newcomer takes a short hash of its address; without a previous
manifest the plain ID goes to the part with the deeper address (`primary.web` before
`primary_web`), then to a part of a larger resource (`PrimaryIgwAttachment` stays the
gateway's), and the others take hashes.

A `moved` statement keeps the ID too (`moved_ids`): the resource at its new address takes the
ID its old address had in the previous manifest — or, with none, the plain ID the old address
gives — so a refactor into a module is not a replacement of everything moved (a new database,
a bucket whose name is still taken).
"""

from __future__ import annotations

import hashlib
import re

from archform.dsl.desired import under

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


def _plain(address: str, suffix: str) -> str:
    base = camel(address) or "R"
    if not base[0].isalpha():
        base = "R" + base
    if len(base) > MAX_LENGTH - 40:  # room for a part suffix
        base = base[:MAX_LENGTH - 48] + short_hash(address, 8)
    return part_id(base, suffix)


def _hashed(address: str, suffix: str) -> str:
    base = camel(address) or "R"
    if not base[0].isalpha():
        base = "R" + base
    return part_id(base[:MAX_LENGTH - 56] + short_hash(address), suffix) if suffix else \
        part_id(base[:MAX_LENGTH - 56], short_hash(address))


def _precedence(key) -> tuple:
    address, suffix = key
    return (-address.count("."), 0 if suffix else 1, address, suffix)


def moved_ids(keys, previous: dict | None, moved) -> dict:
    """`previous` (`"address#suffix"` → ID) with each ID also under the address its resource
    was moved to by `moved` (`(from, to)` pairs, a module instance or `for` collection moving
    what is under it, chains followed): what `assign` keeps. With no previous manifest, a part
    at a moved-to address keeps the plain ID of its old address."""
    ids = dict(previous or {})
    moved = list(moved)
    if not moved:
        return ids
    for _ in range(len(moved)):  # a chain (a -> b, b -> c) moves what the move before moved
        grew = False
        for old, new in moved:
            for key, lid in list(ids.items()):
                address, _, suffix = key.partition("#")
                rest = under(address, old)
                target = f"{new}{rest}#{suffix}" if rest is not None else None
                if target is not None and target not in ids:
                    ids[target] = lid
                    grew = True
        if not grew:
            break
    if previous:
        return ids
    for address, suffix in sorted(keys):
        origin = _origin(address, moved)
        if origin != address and f"{address}#{suffix}" not in ids:
            ids[f"{address}#{suffix}"] = _plain(origin, suffix)
    return ids


def _origin(address: str, moved: list) -> str:
    """The address a resource had before the `moved` statements that lead to `address`."""
    for _ in range(len(moved)):
        back = next((old + rest for old, new in moved
                     if (rest := under(address, new)) is not None and old + rest != address), None)
        if back is None:
            break
        address = back
    return address


def assign(keys, previous: dict | None = None) -> dict:
    """The logical ID of every part key `(address, suffix)`: the one `previous` (`"address#suffix"`
    → ID, from the last manifest) gave it, else its plain ID, else — when another part holds or
    claims that — its hashed one."""
    previous = previous or {}
    ids: dict = {}
    taken: set = set()
    for key in sorted(keys):
        old = previous.get(f"{key[0]}#{key[1]}")
        if old and old not in taken:
            ids[key] = old
            taken.add(old)
    claims: dict[str, list] = {}
    for key in sorted(keys):
        if key not in ids:
            claims.setdefault(_plain(*key), []).append(key)
    for lid, group in sorted(claims.items()):
        group.sort(key=_precedence)
        first = group[0]
        if lid not in taken and (len(group) == 1 or _precedence(group[1])[:2] != _precedence(first)[:2]):
            ids[first] = lid
            taken.add(lid)
            group = group[1:]
        for key in group:
            lid2 = _hashed(*key)
            while lid2 in taken:
                lid2 = lid2 + "X"
            ids[key] = lid2
            taken.add(lid2)
    return ids
