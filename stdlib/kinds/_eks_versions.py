"""The Kubernetes versions EKS supports, apart from the kind so the modeled cloud reads them
without the typed catalogue (pydantic): a refresh loads no kind."""

from __future__ import annotations

# The Kubernetes versions EKS supports (AWS's "Amazon EKS Kubernetes release calendar", December
# 2026): each has 14 months of standard support, then 12 of extended support at six times the
# cluster's hourly price.
STANDARD_VERSIONS = ("1.35", "1.36")
EXTENDED_VERSIONS = ("1.32", "1.33", "1.34")
VERSIONS = EXTENDED_VERSIONS + STANDARD_VERSIONS
DEFAULT_VERSION = "1.35"
