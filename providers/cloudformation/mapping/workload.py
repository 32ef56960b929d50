"""Workloads: the demand an architecture is modeled with (`stdlib/kinds/workload.py`). It is not
a resource of AWS: CloudFormation deploys nothing for it, and says nothing of it."""

from __future__ import annotations

from .common import REF


def workload(r):
    """Nothing to deploy: producers and consumers are the architecture's own code."""


MAPPERS = {"workload": workload}
TYPES: dict = {"workload": []}
EXPORTS = {"workload": {"id": REF}}
