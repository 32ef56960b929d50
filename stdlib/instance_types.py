"""The EC2 instance types archform knows: vCPUs, memory, instance store, processor.

Notes §3.3 name the families (general purpose, compute, memory, storage, accelerated); the
figures are AWS's published specifications. Every size of each family listed is here, from
nano to metal where they exist, because the modeled cloud sizes its hosts from this table and
checks (hibernation, §4.5) read memory from it.

    >>> lookup("m5.large").memory_gib
    8.0
    >>> sizes("t3")[:3]
    ['t3.nano', 't3.micro', 't3.small']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    category: str  # general_purpose | compute | memory | storage | accelerated | high_memory
    arch: str  # x86_64 | arm64
    processor: str
    store: str = ""  # kind of instance store disks: "nvme_ssd", "ssd", "hdd"; "" = EBS only
    accelerator: str = ""  # "nvidia_v100", "aws_inferentia2", …; "" = none


@dataclass(frozen=True)
class InstanceType:
    name: str  # "m5.large"
    family: Family
    size: str  # "large", "metal", "metal-24xl", "112xlarge"
    vcpus: int
    memory_gib: float
    instance_store_gb: int = 0  # total local disk, decimal GB as AWS quotes it
    accelerators: int = 0  # GPUs or Inferentia chips

    @property
    def has_instance_store(self) -> bool:
        return self.instance_store_gb > 0

    @property
    def arch(self) -> str:
        return self.family.arch

    @property
    def category(self) -> str:
        return self.family.category

    @property
    def bare_metal(self) -> bool:
        return self.size.startswith("metal")

    @property
    def burstable(self) -> bool:
        return self.family.name.startswith("t")


# --- the rows: (size, vCPUs, memory GiB[, instance store GB[, accelerators]]) -------------------

_T = [("nano", 2, 0.5), ("micro", 2, 1), ("small", 2, 2), ("medium", 2, 4), ("large", 2, 8),
      ("xlarge", 4, 16), ("2xlarge", 8, 32)]
_T2 = [("nano", 1, 0.5), ("micro", 1, 1), ("small", 1, 2), ("medium", 2, 4), ("large", 2, 8),
       ("xlarge", 4, 16), ("2xlarge", 8, 32)]


def _ratio(gib_per_vcpu: float, sizes: list[tuple[str, int]]) -> list[tuple]:
    """Rows for families with a fixed memory-to-vCPU ratio."""
    return [(size, vcpus, vcpus * gib_per_vcpu) for size, vcpus in sizes]


_GRAVITON = [("medium", 1), ("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32),
             ("12xlarge", 48), ("16xlarge", 64), ("metal", 64)]
_GEN5 = [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("12xlarge", 48),
         ("16xlarge", 64), ("24xlarge", 96), ("metal", 96)]
_C5 = [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("9xlarge", 36), ("12xlarge", 48),
       ("18xlarge", 72), ("24xlarge", 96), ("metal", 96)]
_GEN6I = [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("12xlarge", 48),
          ("16xlarge", 64), ("24xlarge", 96), ("32xlarge", 128), ("metal", 128)]
_GEN7I = [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("12xlarge", 48),
          ("16xlarge", 64), ("24xlarge", 96), ("48xlarge", 192), ("metal-24xl", 96), ("metal-48xl", 192)]

_INTEL = "Intel Xeon"
_AMD = "AMD EPYC"

_FAMILIES: list[tuple[Family, list[tuple]]] = [
    # general purpose (burstable and fixed)
    (Family("t2", "general_purpose", "x86_64", _INTEL), _T2),
    (Family("t3", "general_purpose", "x86_64", _INTEL), _T),
    (Family("t3a", "general_purpose", "x86_64", _AMD), _T),
    (Family("t4g", "general_purpose", "arm64", "AWS Graviton2"), _T),
    (Family("m5", "general_purpose", "x86_64", _INTEL), _ratio(4, _GEN5)),
    (Family("m5a", "general_purpose", "x86_64", _AMD), _ratio(4, _GEN5[:-1])),
    (Family("m5d", "general_purpose", "x86_64", _INTEL, store="nvme_ssd"),
     [("large", 2, 8, 75), ("xlarge", 4, 16, 150), ("2xlarge", 8, 32, 300), ("4xlarge", 16, 64, 600),
      ("8xlarge", 32, 128, 1200), ("12xlarge", 48, 192, 1800), ("16xlarge", 64, 256, 2400),
      ("24xlarge", 96, 384, 3600), ("metal", 96, 384, 3600)]),
    (Family("m6i", "general_purpose", "x86_64", _INTEL), _ratio(4, _GEN6I)),
    (Family("m6g", "general_purpose", "arm64", "AWS Graviton2"), _ratio(4, _GRAVITON)),
    (Family("m7i", "general_purpose", "x86_64", _INTEL), _ratio(4, _GEN7I)),
    (Family("m7g", "general_purpose", "arm64", "AWS Graviton3"), _ratio(4, _GRAVITON)),
    # compute optimised
    (Family("c5", "compute", "x86_64", _INTEL), _ratio(2, _C5)),
    (Family("c5n", "compute", "x86_64", _INTEL),
     [("large", 2, 5.25), ("xlarge", 4, 10.5), ("2xlarge", 8, 21), ("4xlarge", 16, 42), ("9xlarge", 36, 96),
      ("18xlarge", 72, 192), ("metal", 72, 192)]),
    (Family("c6i", "compute", "x86_64", _INTEL), _ratio(2, _GEN6I)),
    (Family("c6g", "compute", "arm64", "AWS Graviton2"), _ratio(2, _GRAVITON)),
    (Family("c7i", "compute", "x86_64", _INTEL), _ratio(2, _GEN7I)),
    (Family("c7g", "compute", "arm64", "AWS Graviton3"), _ratio(2, _GRAVITON)),
    # memory optimised
    (Family("r5", "memory", "x86_64", _INTEL), _ratio(8, _GEN5)),
    (Family("r6i", "memory", "x86_64", _INTEL), _ratio(8, _GEN6I)),
    (Family("r6g", "memory", "arm64", "AWS Graviton2"), _ratio(8, _GRAVITON)),
    (Family("r7i", "memory", "x86_64", _INTEL), _ratio(8, _GEN7I)),
    (Family("r7g", "memory", "arm64", "AWS Graviton3"), _ratio(8, _GRAVITON)),
    (Family("x1e", "memory", "x86_64", _INTEL, store="ssd"),
     [("xlarge", 4, 122, 120), ("2xlarge", 8, 244, 240), ("4xlarge", 16, 488, 480), ("8xlarge", 32, 976, 960),
      ("16xlarge", 64, 1952, 1920), ("32xlarge", 128, 3904, 3840)]),
    (Family("x2idn", "memory", "x86_64", _INTEL, store="nvme_ssd"),
     [("16xlarge", 64, 1024, 1900), ("24xlarge", 96, 1536, 2850), ("32xlarge", 128, 2048, 3800),
      ("metal", 128, 2048, 3800)]),
    (Family("z1d", "memory", "x86_64", _INTEL, store="nvme_ssd"),
     [("large", 2, 16, 75), ("xlarge", 4, 32, 150), ("2xlarge", 8, 64, 300), ("3xlarge", 12, 96, 450),
      ("6xlarge", 24, 192, 900), ("12xlarge", 48, 384, 1800), ("metal", 48, 384, 1800)]),
    # storage optimised
    (Family("i3", "storage", "x86_64", _INTEL, store="nvme_ssd"),
     [("large", 2, 15.25, 475), ("xlarge", 4, 30.5, 950), ("2xlarge", 8, 61, 1900), ("4xlarge", 16, 122, 3800),
      ("8xlarge", 32, 244, 7600), ("16xlarge", 64, 488, 15200), ("metal", 72, 512, 15200)]),
    (Family("i4i", "storage", "x86_64", _INTEL, store="nvme_ssd"),
     [("large", 2, 16, 468), ("xlarge", 4, 32, 937), ("2xlarge", 8, 64, 1875), ("4xlarge", 16, 128, 3750),
      ("8xlarge", 32, 256, 7500), ("12xlarge", 48, 384, 11250), ("16xlarge", 64, 512, 15000),
      ("24xlarge", 96, 768, 22500), ("32xlarge", 128, 1024, 30000), ("metal", 128, 1024, 30000)]),
    (Family("d3", "storage", "x86_64", _INTEL, store="hdd"),
     [("xlarge", 4, 32, 6000), ("2xlarge", 8, 64, 12000), ("4xlarge", 16, 128, 24000),
      ("8xlarge", 32, 256, 48000)]),
    # accelerated computing
    (Family("p3", "accelerated", "x86_64", _INTEL, accelerator="nvidia_v100"),
     [("2xlarge", 8, 61, 0, 1), ("8xlarge", 32, 244, 0, 4), ("16xlarge", 64, 488, 0, 8)]),
    (Family("p3dn", "accelerated", "x86_64", _INTEL, store="nvme_ssd", accelerator="nvidia_v100"),
     [("24xlarge", 96, 768, 1800, 8)]),
    (Family("p4d", "accelerated", "x86_64", _INTEL, store="nvme_ssd", accelerator="nvidia_a100"),
     [("24xlarge", 96, 1152, 8000, 8)]),
    (Family("g4dn", "accelerated", "x86_64", _INTEL, store="nvme_ssd", accelerator="nvidia_t4"),
     [("xlarge", 4, 16, 125, 1), ("2xlarge", 8, 32, 225, 1), ("4xlarge", 16, 64, 225, 1),
      ("8xlarge", 32, 128, 900, 1), ("12xlarge", 48, 192, 900, 4), ("16xlarge", 64, 256, 900, 1),
      ("metal", 96, 384, 1800, 8)]),
    (Family("g5", "accelerated", "x86_64", _AMD, store="nvme_ssd", accelerator="nvidia_a10g"),
     [("xlarge", 4, 16, 250, 1), ("2xlarge", 8, 32, 450, 1), ("4xlarge", 16, 64, 600, 1),
      ("8xlarge", 32, 128, 900, 1), ("12xlarge", 48, 192, 3800, 4), ("16xlarge", 64, 256, 1900, 1),
      ("24xlarge", 96, 384, 3800, 4), ("48xlarge", 192, 768, 7600, 8)]),
    (Family("inf2", "accelerated", "x86_64", _AMD, accelerator="aws_inferentia2"),
     [("xlarge", 4, 16, 0, 1), ("8xlarge", 32, 128, 0, 1), ("24xlarge", 96, 384, 0, 6),
      ("48xlarge", 192, 768, 0, 12)]),
    # high memory (u-*): EBS only
    (Family("u-3tb1", "high_memory", "x86_64", _INTEL), [("56xlarge", 224, 3072)]),
    (Family("u-6tb1", "high_memory", "x86_64", _INTEL),
     [("56xlarge", 224, 6144), ("112xlarge", 448, 6144), ("metal", 448, 6144)]),
    (Family("u-9tb1", "high_memory", "x86_64", _INTEL), [("112xlarge", 448, 9216), ("metal", 448, 9216)]),
    (Family("u-12tb1", "high_memory", "x86_64", _INTEL), [("112xlarge", 448, 12288), ("metal", 448, 12288)]),
    (Family("u-18tb1", "high_memory", "x86_64", _INTEL), [("112xlarge", 448, 18432), ("metal", 448, 18432)]),
    (Family("u-24tb1", "high_memory", "x86_64", _INTEL), [("112xlarge", 448, 24576), ("metal", 448, 24576)]),
]


def _build() -> dict[str, InstanceType]:
    table: dict[str, InstanceType] = {}
    for family, rows in _FAMILIES:
        for row in rows:
            size, vcpus, memory, *rest = row
            store = rest[0] if rest else 0
            accelerators = rest[1] if len(rest) > 1 else 0
            name = f"{family.name}.{size}"
            table[name] = InstanceType(name, family, size, vcpus, float(memory), store, accelerators)
    return table


INSTANCE_TYPES: dict[str, InstanceType] = _build()
FAMILIES: dict[str, Family] = {family.name: family for family, _ in _FAMILIES}


def lookup(name: str) -> InstanceType | None:
    """The instance type called `name` ("m5.large"), or None."""
    return INSTANCE_TYPES.get(name)


def names() -> list[str]:
    """Every known instance type name, in table order (family by family, small to large)."""
    return list(INSTANCE_TYPES)


def family_of(name: str) -> str:
    """The family part of an instance type name ("m5.large" → "m5")."""
    return name.rsplit(".", 1)[0]


def sizes(family: str) -> list[str]:
    """The instance types of one family, small to large."""
    return [t.name for t in INSTANCE_TYPES.values() if t.family.name == family]


def of_category(category: str) -> list[str]:
    return [t.name for t in INSTANCE_TYPES.values() if t.category == category]
