"""Per-kind behaviour of the modeled cloud, one module per service family.

`behaviour(kind)` is the registry: an explicit table merged from each family's `BEHAVIOURS`;
a kind without an entry (a catalogue kind added later) is stored with its attributes and an
id, and nothing more.
"""

from __future__ import annotations

from archform.stdlib import facets

from . import (apigateway, compute, database, dns, dr, edge, events, identity, loadbalancing, messaging, mq, network,
               security, serverless, storage, streaming, workload)
from . import analytics, clusterdb, dbproxy, kafka
from . import apprunner, batch, beanstalk, eks
from . import identity_pools
from . import backup, hybrid
from . import ecs
from . import keys, monitoring, secrets, waf
from . import audit
from . import netsec
from . import dms, emr, fsx, keyspaces
from . import quotas
from .base import Behaviour

_FAMILIES = (network, compute, loadbalancing, security, database, storage, dns, edge, dr, messaging, serverless,
             apigateway, streaming, workload, events, identity, mq, clusterdb, dbproxy, kafka, analytics, eks,
             apprunner, batch, beanstalk, identity_pools, hybrid, backup, ecs, keys, secrets,
             waf, monitoring, audit, netsec, fsx, dms, emr, keyspaces, quotas)
_TABLE: dict[str, Behaviour] = {kind: b for family in _FAMILIES for kind, b in family.BEHAVIOURS.items()}
_PLAIN = Behaviour()
for _kind, _behaviour in _TABLE.items():
    facets.register("modeled", _kind, _behaviour)


def behaviour(kind: str) -> Behaviour:
    return _TABLE.get(kind, _PLAIN)


def covered() -> frozenset[str]:
    """The kinds with a behaviour of their own."""
    return frozenset(_TABLE)
