"""Which stack each resource goes in.

A stack lives in one region, so every regional resource goes in its region's stack. Global
resources (Route 53, CloudFront, IAM, DR plans) go where they are used:

- Global Accelerator is managed only through us-west-2, so accelerators go in that region's
  stack; a DR plan goes in the stack of its primary region.
- The other global resources, taken in groups that refer to each other, go in the stack of
  the one region whose resources they refer to or are referred to by (us-east-1 when none).
- A group that touches several regions goes in the global stacks, deployed in us-east-1:
  `global-base` for what regional resources use (deployed before the regions) and `global`
  for what uses regional resources (deployed after them: failover records, health checks,
  distributions in front of several regions). A global resource that is both is a cycle
  between stacks, reported as an error — except a hosted zone, whose zone goes in
  `global-base` (certificates of several regions validate in it) and whose records go in
  `global` (they alias regional load balancers).

A certificate validated by DNS uses the hosted zone that validates it: its `validation_zone`,
or else the public zone of the architecture that holds all its names (the longest domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archform.stdlib import dr_sites

HOME = "us-east-1"
FORCED = {"global_accelerator": "us-west-2"}
GLOBAL = "global"
GLOBAL_BASE = "global-base"


@dataclass
class Stack:
    id: str  # the region, "global" or "global-base"
    region: str
    aliases: tuple = ()


@dataclass
class Placement:
    stacks: dict[str, Stack] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # address -> stack id
    parts: dict[tuple, str] = field(default_factory=dict)  # (address, suffix) -> stack id, where it differs
    validation: dict[str, str] = field(default_factory=dict)  # certificate -> the zone that validates it
    problems: list[tuple[str, str]] = field(default_factory=list)  # (address, message)

    def stack_of(self, address: str) -> str:
        return self.where[address]

    def region_of(self, address: str) -> str:
        return self.stacks[self.where[address]].region

    def stack_of_part(self, address: str, suffix: str) -> str:
        return self.parts.get((address, suffix), self.where[address])


def _ref(value):
    return value.get("$ref") if type(value) is dict else None


def validation_zones(resources) -> dict[str, str]:
    """Certificate → the hosted zone its DNS validation records go in: its `validation_zone`,
    or the public zone of the architecture whose domain holds every name (the longest)."""
    zones = [(a, (r.attrs or {}).get("domain")) for a, r in sorted(resources.items())
             if r.kind == "dns_zone" and not (r.attrs or {}).get("private")]
    found = {}
    for address, res in sorted(resources.items()):
        attrs = res.attrs or {}
        if res.kind != "certificate" or attrs.get("validation", "dns") != "dns":
            continue
        zone = _ref(attrs.get("validation_zone"))
        if zone is None:
            names = [n for n in [attrs.get("domain"), *(attrs.get("alternative_names") or [])] if isinstance(n, str)]
            bare = [n[2:] if n.startswith("*.") else n for n in names]
            best = None
            for z, domain in zones:
                if isinstance(domain, str) and bare and all(n == domain or n.endswith("." + domain) for n in bare):
                    if best is None or len(domain) > len(best[1]):
                        best = (z, domain)
            zone = best[0] if best else None
        if zone in resources:
            found[address] = zone
    return found


def place(desired) -> Placement:
    resources = desired.resources
    aliases = dr_sites.scopes_of((address, res.region) for address, res in resources.items())  # the stacks' names
    placement = Placement()
    region_of: dict[str, str] = {}
    for address, res in resources.items():
        if res.region:
            region_of[address] = res.region
        elif res.kind in FORCED:
            region_of[address] = FORCED[res.kind]
        elif res.kind == "dr_plan":
            own = dr_sites.scopes_of(((a, r.region) for a, r in resources.items()), dr_sites.prefix_of(address))
            region = dr_sites.region_of((res.attrs or {}).get("primary"), own)
            if region is not None:
                region_of[address] = region
    floating = sorted(a for a in resources if a not in region_of)
    placement.validation = validation_zones(resources)
    deps = {a: sorted({d for d in r.deps if d in resources}
                      | ({placement.validation[a]} if a in placement.validation else set()))
            for a, r in resources.items()}
    referrers: dict[str, list[str]] = {}
    for address in sorted(resources):
        for d in deps[address]:
            referrers.setdefault(d, []).append(address)

    def neighbours(a):
        return list(deps[a]) + referrers.get(a, [])

    seen: set[str] = set()
    for start in floating:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            a = stack.pop()
            group.append(a)
            for n in neighbours(a):
                if n in resources and n not in region_of and n not in seen:
                    seen.add(n)
                    stack.append(n)
        regions = sorted({region_of[n] for a in group for n in neighbours(a) if n in region_of})
        if len(regions) <= 1:
            for a in group:
                region_of[a] = regions[0] if regions else HOME
            continue
        for a in sorted(group):
            before = _reaches(a, lambda x: referrers.get(x, []), region_of)  # regional resources use it
            after = _reaches(a, lambda x: deps[x], region_of)
            if before and after and resources[a].kind == "dns_zone":
                placement.parts[(a, "")] = GLOBAL_BASE  # the zone; its records go in `global`
                placement.where[a] = GLOBAL
                continue
            if before and after:
                placement.problems.append((a, "it is used by regional resources and uses regional resources of "
                                              "several regions, so no stack can be deployed before the other"))
            placement.where[a] = GLOBAL_BASE if before and not after else GLOBAL
    for address, region in region_of.items():
        placement.where.setdefault(address, region)
    for address, sid in [*placement.where.items(), *((k[0], v) for k, v in placement.parts.items())]:
        if sid not in placement.stacks:
            region = HOME if sid in (GLOBAL, GLOBAL_BASE) else sid
            placement.stacks[sid] = Stack(sid, region)
    for alias, region in sorted(aliases.items()):
        if region in placement.stacks:
            s = placement.stacks[region]
            s.aliases = tuple(sorted(set(s.aliases) | {alias}))
    return placement


def _reaches(start: str, step, region_of: dict) -> bool:
    """Whether following `step` from `start` through global resources reaches a regional one."""
    seen = {start}
    stack = [start]
    while stack:
        a = stack.pop()
        for n in step(a):
            if n in region_of:
                return True
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return False
