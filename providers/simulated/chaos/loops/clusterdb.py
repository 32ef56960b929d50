"""DocumentDB and Neptune during a run (notes §18.7, §18.8): their storage and failover are
Aurora's (`storage_cluster.py`) — 6 copies over 3 AZs with the same quorums, a replica promoted
within 30 s when the writer fails, a new instance without one. Their timeline events carry
their own prefix (`documentdb.failover_complete`, `neptune.quorum`)."""

from __future__ import annotations

from archform.stdlib.facets import provides

from .storage_cluster import StorageClusters


@provides("failures", "documentdb_cluster")
class DocumentDb(StorageClusters):
    name = "documentdb"
    kind = "documentdb_cluster"
    member = "docdb_instance"
    source = "notes §18.7: built as Aurora, §7.2.1"


@provides("failures", "neptune_cluster")
class Neptune(StorageClusters):
    name = "neptune"
    kind = "neptune_cluster"
    member = "neptune_instance"
    source = "notes §18.8 and §7.2.1"
