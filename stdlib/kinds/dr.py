"""Disaster recovery plans (notes §25.1): a strategy between two region scopes, with targets.

The strategies, slowest to fastest recovery: backup_restore, pilot_light, warm_standby and
multi_site (also written active_active). `primary` and `secondary` name region scopes — their
aliases (`primary = primary`) or region names (`"us-east-1"`) — and are kept as written.
Whether the architecture can deliver the strategy is judged by later checks and by the
modeled cloud, which measures RTO and RPO against `rto` and `rpo`.
"""

from __future__ import annotations

import re
from typing import ClassVar, Iterable, Literal

from pydantic import Field

from archform.dsl import values as v
from archform.dsl.suggest import did_you_mean
from archform.stdlib.regions import REGIONS
from archform.stdlib.schema import Graph, Issue, Kind, View
from archform.stdlib.types import Choice, Duration, Ref, Str, Tags, Validated, validator_of

STRATEGIES = ("backup_restore", "pilot_light", "warm_standby", "multi_site")
_REGION_LIKE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def _scope_name(x):
    """A region scope: its alias written bare (a word) or a region name (a string)."""
    if isinstance(x, v.Word):
        return x.text
    return validator_of(Str)(x)


ScopeName = Validated(_scope_name, word=True)


class DrPlan(Kind):
    """How an architecture recovers from losing its primary region (notes §25)."""

    kind: Literal["dr_plan"] = "dr_plan"
    title: ClassVar[str] = "Disaster recovery plan"
    family: ClassVar[str] = "dr"
    scope: ClassVar[str] = "global"
    exports: ClassVar[dict[str, str]] = {"id": "string"}

    strategy: Choice(*STRATEGIES, what="DR strategy",
                     aliases={"active_active": "multi_site", "hot_site": "multi_site",
                              "backup_and_restore": "backup_restore"})
    primary: ScopeName
    secondary: ScopeName
    rpo: Duration
    rto: Duration
    covers: list[Ref["*"]] = Field(default_factory=list, alias="scope")  # `scope` is a Kind ClassVar
    tags: Tags = Field(default_factory=dict)

    def check(self, me: View, graph: Graph) -> Iterable[Issue]:
        if isinstance(self.primary, str) and self.primary == self.secondary:
            yield Issue(f"primary and secondary are the same scope ({self.primary}): recovery needs somewhere else "
                        f"to go", ("secondary",))
        for attr in ("primary", "secondary"):
            name = getattr(self, attr)
            if isinstance(name, str) and _REGION_LIKE.fullmatch(name) and name not in REGIONS:
                yield Issue(f"'{name}' is not an AWS region", (attr,), help=did_you_mean(name, REGIONS))
        for attr in ("rpo", "rto"):
            d = getattr(self, attr)
            if isinstance(d, v.Duration) and d.seconds <= 0:
                yield Issue(f"{attr} is a positive duration, got {d}", (attr,),
                            help="an RPO of zero needs synchronous replication; write the smallest loss you accept, "
                                 "e.g. 1s" if attr == "rpo" else "")
        seen: set = set()
        for i, ref in enumerate(self.covers):
            if ref.address in seen:
                yield Issue(f"'{ref.address}' is listed twice in scope", ("scope", i))
            seen.add(ref.address)
