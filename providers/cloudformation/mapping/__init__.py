"""Each catalogue kind's CloudFormation: one module per service family, as in `stdlib/kinds/`.

A family module declares `MAPPERS` (kind → a function that reads a `Source` and emits its
parts) and `EXPORTS` (kind → how to obtain each value the kind exports: `(suffix, attribute)`
for a part's `Ref`/`Fn::GetAtt`, a function for a computed value, None when CloudFormation
cannot give it). `missing_kinds()` names the catalogue kinds without a mapping, which the
generator reports as errors rather than leave anything out.
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

FAMILIES = (compute, database, dns, dr, edge, loadbalancing, messaging, network, security, serverless, storage,
            apigateway, streaming, workload, events, identity, mq, clusterdb, dbproxy, kafka, analytics, eks,
            apprunner, batch, beanstalk, identity_pools, hybrid, backup, ecs, keys,
            secrets, waf, monitoring, audit, netsec, fsx, dms, emr, keyspaces, quotas)

MAPPERS: dict = {}
EXPORTS: dict = {}
TYPES: dict = {}
for _family in FAMILIES:
    MAPPERS.update(_family.MAPPERS)
    EXPORTS.update(_family.EXPORTS)
    TYPES.update(_family.TYPES)
for _kind, _mapper in MAPPERS.items():
    facets.register("cloudformation", _kind, _mapper)


def missing_kinds(kinds) -> list[str]:
    return sorted(k for k in kinds if k not in MAPPERS)
