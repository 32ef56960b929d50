"""The Kubernetes versions EKS supports, apart from the kind so the modeled cloud reads them
without the typed catalogue (pydantic): a refresh loads no kind."""

from __future__ import annotations

# The Kubernetes versions EKS supports (AWS's "Amazon EKS Kubernetes release calendar", December
# 2026): each has 14 months of standard support, then 12 of extended support at six times the
# cluster's hourly price. Checked December 2026 against the calendar's dates (endoflife.date's
# copy of it): 1.31's extended support ended 2026-11-26, 1.32's runs to 2027-03-23, 1.34's
# standard support ended 2026-12-02, 1.35's runs to 2027-03-27; 1.36 (upstream April 2026) is
# in standard support.
STANDARD_VERSIONS = ("1.35", "1.36")
EXTENDED_VERSIONS = ("1.32", "1.33", "1.34")
VERSIONS = EXTENDED_VERSIONS + STANDARD_VERSIONS
DEFAULT_VERSION = "1.35"
