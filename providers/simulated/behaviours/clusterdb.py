"""DocumentDB and Neptune clusters: cluster-storage databases run by the RDS control plane, as
Aurora is (`database.StorageCluster`): `cluster:` ARNs of the rds service, the writer and its
replicas as owned records placed round robin over the subnets' AZs, and the cluster and
reader endpoints under the engine's own domain (docdb.amazonaws.com, neptune.amazonaws.com)."""

from __future__ import annotations

from .database import StorageCluster


class DocumentDbCluster(StorageCluster):
    member = "docdb_instance"
    domain = "docdb.amazonaws.com"
    called = "A DocumentDB cluster"
    port = 27017


class NeptuneCluster(StorageCluster):
    member = "neptune_instance"
    domain = "neptune.amazonaws.com"
    called = "A Neptune cluster"
    port = 8182


BEHAVIOURS = {"documentdb_cluster": DocumentDbCluster(), "neptune_cluster": NeptuneCluster()}
