"""Network truth: who can reach whom in a design, before anything is deployed (issue 18).

    from archform.stdlib.reach import Flow, Network, trace
    answer = trace(Network(graph), "internet", "primary.web", Flow("tcp", 443))
    answer.reachable, answer.shown.hops

A pure function of the resolved architecture (the `Graph` checks receive): the endpoints of a
flow (`endpoints`), the security groups (`security_groups`, stateful), the network ACLs
(`nacls`, stateless, first match by number, ephemeral-port replies), the route tables
(`routes`, longest prefix), the walk across them (`walk`, one carrier per route target kind),
transit gateways (`transit`), on-premises over Direct Connect and VPN (`hybrid`), load
balancers and their targets (`load_balancers`), the question asked of two named ends
(`trace`), and what the modeled cloud obeys beyond load balancers: fleets to their databases
(`databases`), queue consumers to their queue (`workloads`). Every hop names the rule that
allowed or blocked it as an address and an attribute path, which callers turn into
file:line:col.
"""

from . import endpoints
from .flow import BLOCK, EPHEMERAL, NOTE, PASS, Answer, Endpoint, Flow, Hop, Path
from .index import Network
from .trace import trace
from .walk import walk

__all__ = ["Answer", "BLOCK", "EPHEMERAL", "Endpoint", "Flow", "Hop", "NOTE", "Network", "PASS", "Path", "trace",
           "walk"]
