"""Where the load goes: DNS names → load balancers → Auto Scaling groups.

A group's normal load is its desired capacity at its target utilisation (the target of its
target-tracking policy, else `DEFAULT_TARGET_UTILISATION`): the load it was sized for. A load
balancer's normal load is its groups'. A DNS name carries the load its answer sent at the start
of the run, and hands it to whatever it answers now, as clients see it (one TTL after a flip):
a failover record moves the whole load to the secondary's load balancer, so a scaled-down copy
runs hot until it scales out. Load is counted in instances at full load, so a load balancer
carries min(1, healthy targets / load) of its requests.
"""

from __future__ import annotations


class Traffic:
    def __init__(self, world):
        self.world = world
        self.lb_nominal: dict[str, float] = {}
        self.set_demand: dict[str, float] = {}
        self.lb_groups: dict[str, list] = {}
        self.lb_total: dict[str, float] = {}  # the normal load of a load balancer's groups
        self.fronted: set[str] = set()        # load balancers some DNS name answers with

    def start(self) -> None:
        w = self.world
        for lb in w.elb.lbs:
            groups = [g for g in w.asg.groups if any(tg in g.target_groups for tg in lb.groups)]
            self.lb_groups[lb.id] = groups
            self.lb_total[lb.id] = sum(g.nominal_demand for g in groups)
            standalone = sum(1 for tg in lb.groups for t in tg.targets.values() if t.inst.group is None)
            self.lb_nominal[lb.id] = sum(g.nominal_demand for g in groups) + standalone * 0.5
        # names answering with the same load balancer share its load (www and the apex, say)
        names_of: dict[str, int] = {}
        for rs in w.route53.sets:
            for r, _ in rs.answer:
                if isinstance(r.endpoint, str):
                    names_of[r.endpoint] = names_of.get(r.endpoint, 0) + 1
        self.fronted = {r.endpoint for rs in w.route53.sets for r in rs.records if isinstance(r.endpoint, str)}
        for rs in w.route53.sets:
            self.set_demand[rs.name] = sum(share * self.lb_nominal.get(r.endpoint, 0.0) / names_of[r.endpoint]
                                           for r, share in rs.answer if isinstance(r.endpoint, str))
        self.update()

    def update(self) -> None:
        w = self.world
        demand = {lb.id: 0.0 for lb in w.elb.lbs}
        for rs in w.route53.sets:
            load = self.set_demand.get(rs.name, 0.0)
            for r, share in rs.seen:
                if isinstance(r.endpoint, str) and r.endpoint in demand:
                    demand[r.endpoint] += load * share
        for lb in w.elb.lbs:
            if lb.id not in self.fronted:
                demand[lb.id] = self.lb_nominal.get(lb.id, 0.0)
            lb.demand = demand[lb.id]
        carried: dict[str, float] = {}  # every group behind a load balancer gets its share here
        for lb in w.elb.lbs:
            total = self.lb_total.get(lb.id, 0.0)
            for g in self.lb_groups.get(lb.id, []):
                carried[g.id] = carried.get(g.id, 0.0) + (lb.demand * g.nominal_demand / total if total else 0.0)
        for g in w.asg.groups:
            g.demand = carried.get(g.id, g.nominal_demand)
