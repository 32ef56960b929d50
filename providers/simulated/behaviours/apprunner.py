"""AWS App Runner: a service is known by its name (4–40 characters, per region) and a 32-digit
service id; App Runner gives it an `awsapprunner.com` URL and runs its provisioned instances
(owned `apprunner_instance` records, `min_size` of them) over the region's AZs, the AZ with the
fewest first. CreateService refuses an image outside ECR, a private ECR image without an access
role, a vCPU/memory pair App Runner does not offer and a VPC connector over two VPCs."""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

from archform.dsl.values import SIZE_UNITS

from archform.stdlib.kinds.apprunner import INSTANCE_PAIRS, _PRIVATE_ECR

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import check_groups_in_vpc, subnets_vpc

CODE = "InvalidRequestException"


def memory_gb(value) -> float | None:
    """A stored size ("2GB", "512MiB") in GB as App Runner counts them (decimal or binary as written)."""
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]+)", str(value))
    if not m or m.group(2) not in SIZE_UNITS:
        return None
    b = float(Fraction(m.group(1)) * SIZE_UNITS[m.group(2)])
    return b / 1e9 if b % (1 << 20) else b / (1 << 30)


class AppRunnerService(Named):
    service = "apprunner"
    name_max = 40
    name_taken_code = CODE
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Service with the provided name already exists: {name}"

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.digest(op.seed, n, "apprunner")[:32]

    def arn(self, rec: Record) -> str:
        return ids.arn("apprunner", rec.region, f"service/{rec.name}/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        image = a.get("image")
        require((image is None) != (a.get("repository") is None),
                "Specify either an image repository or a code repository as the source", CODE)
        if isinstance(image, str):
            require(bool(_PRIVATE_ECR.match(image)) or image.startswith("public.ecr.aws/"),
                    f"Image {image} is not in Amazon ECR or Amazon ECR Public", CODE)
            require(not _PRIVATE_ECR.match(image) or a.get("access_role") is not None,
                    "Authentication configuration is required for a private ECR image (AccessRoleArn)", CODE)
        cpu = f"{float(a.get('cpu') or 1):g}"
        memory = memory_gb(a.get("memory") or "2GB")
        require(cpu in INSTANCE_PAIRS and memory is not None and any(abs(memory - m) < 1e-9 for m in
                                                                      INSTANCE_PAIRS.get(cpu, ())),
                f"The instance configuration {cpu} vCPU / {memory:g} GB is not supported", CODE)
        connector = a.get("vpc_connector")
        if connector:
            subnets = connector.get("subnets") or []
            require(bool(subnets), "A VPC connector needs at least one subnet", CODE)
            vpc = subnets_vpc(op, subnets, "VPC connector", code=CODE)
            check_groups_in_vpc(op, connector.get("security_groups") or [], vpc, "the connector's subnets", code=CODE)

    def create(self, op: Op, rec: Record):
        rec.outputs["url"] = f"{ids.base36(op.seed, rec.seq, 10, 'apprunner-url')}.{rec.region}.awsapprunner.com"
        self._instances(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._instances(op, rec)

    @staticmethod
    def _instances(op: Op, rec: Record):
        """`min_size` provisioned instances over the region's AZs (the fewest first)."""
        zones = op.zones(rec.region) or [None]
        have = list(op.tx.owned(rec.id, "apprunner_instance"))
        wanted = int(rec.attrs.get("min_size") or 1)
        while len(have) > wanted:
            victim = max(have, key=lambda r: r.seq)
            op.remove(victim)
            have.remove(victim)
        counts = Counter(r.az for r in have)
        while len(have) < wanted:
            az = min(zones, key=lambda z: (counts[z], z or ""))
            have.append(op.add_owned(rec, "apprunner_instance", "instance", {}, az=az))
            counts[az] += 1

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "url": rec.outputs.get("url"), "status": "RUNNING",
                "instances": [r.id for r in sorted(op.tx.owned(rec.id, "apprunner_instance"), key=lambda r: r.seq)]}


BEHAVIOURS = {"apprunner_service": AppRunnerService()}
