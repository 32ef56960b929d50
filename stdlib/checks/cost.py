"""Cost hygiene: older volume types where a newer is cheaper, addresses paid for and unused."""

from __future__ import annotations

from . import rule


@rule("AF-COST-001", "low", "gp2 volume where gp3 is cheaper",
      "notes §5.1 (gp3: 20% cheaper than gp2, with 3,000 IOPS whatever the size)",
      "set type = gp3 (storage_type = gp3 for RDS)")
def gp2(graph):
    for vol in graph.of_kind("ebs_volume"):
        if vol.model.type == "gp2":
            yield vol.address, ("type",), "a gp2 volume: gp3 costs less for the same size and at least its IOPS"
    for db in graph.of_kind("rds"):
        if db.model.storage_type == "gp2":
            yield db.address, ("storage_type",), "gp2 storage: gp3 costs less for the same size"
    from .security import _launches
    for r, path, launch in _launches(graph):
        if launch.root_volume.type == "gp2":
            yield r.address, (*path, "root_volume", "type"), "gp2 root volumes: gp3 costs less"


@rule("AF-COST-002", "low", "Elastic IP not attached",
      "notes §4.2 (an Elastic IP not associated with a running instance is charged)",
      "attach it (instance = ..., network_interface = ...), or remove it")
def idle_eip(graph):
    named = _named_anywhere(graph)  # a NAT gateway's address, or one a fleet attaches at boot (user_data)
    for eip in graph.of_kind("elastic_ip"):
        attached = eip.model.instance is not None or eip.model.network_interface is not None
        if not attached and eip.address not in named:
            yield eip.address, (), "this address is attached to nothing, and idle addresses are charged by the hour"


def _named_anywhere(graph) -> set[str]:
    """The addresses some resource's attributes mention: references, and references inside
    interpolated strings."""
    found: set[str] = set()

    def walk(x):
        if isinstance(x, dict):
            if isinstance(x.get("$ref"), str):
                found.add(x["$ref"])
            for y in x.values():
                walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)
    for view in graph.all():
        walk(view.attrs or {})
    return found
