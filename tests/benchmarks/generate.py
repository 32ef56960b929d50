"""Synthetic architectures of N resources, written as `.arch` (and as Terraform, same shape).

The shape: a forest of trees with fan-out 10, every resource depending on its parent. Each
tree is a VPC with 10 subnets, each subnet with 10 instances, each instance with 10 EBS
volumes attached (1,111 resources); trees are added until N resources exist, the last one
partly filled. Four VPCs to a region (AWS allows five by default, and the modeled cloud
holds to it), regions taken in name order. Every resource is written out as its own block (no `for`), so parsing cost
grows with N as it would for a hand-written architecture.
"""

from __future__ import annotations

FANOUT = 10
AZS = "abcdef"


def tree_sizes(n: int, fanout: int = FANOUT):
    """(vpcs, subnets, instances, volumes) for N resources."""
    counts = [0, 0, 0, 0]
    per_tree = [1, fanout, fanout ** 2, fanout ** 3]
    remaining = n
    while remaining > 0:
        for level, size in enumerate(per_tree):
            take = min(size, remaining)
            counts[level] += take
            remaining -= take
            if remaining == 0:
                break
    return tuple(counts)


def nodes(n: int, fanout: int = FANOUT):
    """(level, name, parent name) in dependency order: level 0 VPC … level 3 volume."""
    emitted = 0
    tree = 0
    while emitted < n:
        vpc = f"vpc{tree}"
        yield 0, vpc, None
        emitted += 1
        levels = [[vpc]]
        for level in (1, 2, 3):
            current = []
            for parent in levels[-1]:
                for k in range(fanout):
                    if emitted >= n:
                        return
                    name = f"{parent}_{k}" if level > 1 else f"{vpc}_s{k}"
                    current.append(name)
                    yield level, name, parent
                    emitted += 1
            levels.append(current)
        tree += 1


VPCS_PER_REGION = 4  # under AWS's default quota of 5 per region, which the modeled cloud enforces


def _regions():
    from archform.stdlib.regions import REGIONS
    return [REGIONS[name] for name in sorted(REGIONS)]


def arch(n: int, fanout: int = FANOUT) -> str:
    """Trees VPCS_PER_REGION to a region (regions in name order), each in its own region block."""
    regions = _regions()
    out = []
    subnet_az: dict[str, str] = {}
    instance_subnet: dict[str, str] = {}
    current = None
    for level, name, parent in nodes(n, fanout):
        if level == 0:
            tree = int(name[3:])
            region = regions[(tree // VPCS_PER_REGION) % len(regions)]
            if region is not current:
                if current is not None:
                    out.append("}")
                out.append(f'region "{region.name}" as r{tree // VPCS_PER_REGION} {{')
                current = region
            out.append(f"  vpc {name} {{\n    cidr = 10.{tree % 256}.0.0/16\n  }}")
        elif level == 1:
            k = int(name.rsplit("_s", 1)[1])
            az = AZS[k % current.azs]
            subnet_az[name] = az
            out.append(f"  subnet {name} {{\n    vpc  = {parent}\n    cidr = cidrsubnet({parent}.cidr, 8, {k})\n"
                       f"    az   = {az}\n  }}")
        elif level == 2:
            instance_subnet[name] = parent
            out.append(f"  instance {name} {{\n    ami           = \"ami-0bench\"\n    instance_type = m5.large\n"
                       f"    subnet        = {parent}\n  }}")
        else:
            az = subnet_az[instance_subnet[parent]]
            out.append(f"  ebs_volume {name} {{\n    az          = {az}\n    size        = 20GiB\n"
                       f"    attachments = [{parent}]\n  }}")
    out.append("}")
    return "\n".join(out) + "\n"


def terraform(n: int, fanout: int = FANOUT) -> str:
    """The same dependency shape with Terraform's built-in terraform_data resource."""
    out = []
    for level, name, parent in nodes(n, fanout):
        if parent is None:
            out.append(f'resource "terraform_data" "{name}" {{\n  input = "{name}"\n}}')
        else:
            out.append(f'resource "terraform_data" "{name}" {{\n  input = "${{terraform_data.{parent}.id}}/{name}"\n}}')
    return "\n".join(out) + "\n"


def change_one_percent(text: str, n: int, variant: int = 0) -> str:
    """Change 1% of the resources (volume sizes first, then instance types); each `variant`
    is another edit, so that no cache has seen it."""
    budget = max(1, n // 100)
    changed = text.replace("size        = 20GiB", f"size        = {40 + variant}GiB", budget)
    done = min(budget, text.count("size        = 20GiB"))
    if done < budget:
        bigger = ("m5.xlarge", "m5.2xlarge", "m5.4xlarge", "m5.8xlarge")[variant % 4]
        changed = changed.replace("instance_type = m5.large", f"instance_type = {bigger}", budget - done)
    return changed
