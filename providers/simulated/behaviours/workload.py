"""Workloads in the modeled cloud: the producers of a queue or the clients of an API, held as a
record the chaos run reads (`chaos/loops/workload.py`). Creating one checks what AWS would make
of the pairing: the consumer must exist and, for an event source mapping, read this queue."""

from __future__ import annotations

from ..operation import Op
from ..store import Record
from .base import Behaviour, require


class Workload(Behaviour):
    service = "archform"

    def validate(self, op: Op, rec: Record, old: Record | None):
        source = op.the(rec.attrs["source"])
        consumer = rec.attrs.get("consumer")
        if consumer is not None:
            found = op.the(consumer)
            if found.kind == "lambda_event_source":
                require(found.attrs.get("source") == source.id,
                        f"Event source mapping {found.id} does not read queue {source.name}", "InvalidWorkload")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"rate": rec.attrs.get("rate")}


BEHAVIOURS = {"workload": Workload()}
