"""The flow a queue workload's consumers depend on (issue 18, item 4): an Auto Scaling group's
instances or an ECS service's tasks receive their messages from the SQS queue over HTTPS (SQS's
API, port 443), through an interface endpoint in their VPC when it has one with private DNS,
else out through a NAT gateway or an internet gateway to the public endpoint. When the design's
network (or the modeled cloud's routes, for a run on a drifted cloud) blocks that flow from a
subnet, the consumers there receive nothing. A Lambda event source mapping polls from AWS's
side, outside the VPC: there is no flow of the design to check."""

from __future__ import annotations

from dataclasses import dataclass

from .flow import Flow
from .index import Network
from .trace import trace

SQS_API = Flow("tcp", 443)  # SQS's API is HTTPS


@dataclass(frozen=True)
class Cut:
    """A workload whose consumers cannot reach their queue from some AZs: why, and those AZs."""

    why: str
    zones: frozenset


def consumer_reach(net: Network) -> dict[str, Cut]:
    """Workload address -> the Cut, for each queue workload whose consumers are blocked somewhere."""
    out = {}
    for workload in sorted(net.graph.of_kind("workload"), key=lambda w: w.address):
        queue = net.get(getattr(workload.get("source"), "address", None))
        consumer = net.get(getattr(workload.get("consumer"), "address", None))
        if queue is None or queue.kind != "sqs_queue" or consumer is None:
            continue
        if consumer.kind not in ("autoscaling_group", "ecs_service"):
            continue
        answer = trace(net, consumer.address, queue.address, SQS_API)
        blocked = [p for p in answer.paths if not p.reachable]
        if not blocked:
            continue
        hop = blocked[0].blocked_at
        zones = frozenset(net.get(p.source.subnet).get("az") for p in blocked if net.get(p.source.subnet) is not None)
        out[workload.address] = Cut(f"'{consumer.address}' cannot reach queue '{queue.address}' on {SQS_API}: blocked "
                                    f"at {hop.step}: {hop.text}", zones)
    return out
