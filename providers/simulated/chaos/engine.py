"""A run: load the world from the modeled cloud, schedule the faults, let the clock go, report.

    report = run(cloud, [FaultSpec("az:us-east-1a", at=60)], seed=0, duration=3600)

The loops run in a fixed order (`LOOPS`), which is also the order they hear about a fault.
After every instant in which something observable changed, the load is routed again
(`traffic.py`) and every service sampled (`measure.py`).
"""

from __future__ import annotations

import time

from . import figures, report as reporting
from .events import Simulation
from .faults import Fault, FaultSpec, parse, schedule
from .loops.asg import Asg
from .loops.aurora import Aurora
from .loops.cache import Caches
from .loops.dr import Dr
from .loops.ec2 import Ec2
from .loops.elb import Elb
from .loops.network import Network
from .loops.rds import Rds
from .loops.route53 import Route53
from .loops.serverless import Serverless
from .loops.storage import Storage
from .loops.workload import Workloads
from .loops.mq import Brokers
from .loops.clusterdb import DocumentDb, Neptune
from .loops.dbproxy import Proxies
from .loops.kafka import Kafka
from .loops.opensearch import OpenSearch
from .loops.redshift import Redshift
from .loops.fsx import Fsx
from .loops.dms import Dms
from .loops.eks import Eks
from .loops.beanstalk import Beanstalk
from .loops.batch import Batch
from .loops.apprunner import AppRunner
from .loops.hybrid import Hybrid
from .loops.backup import Backups
from .loops.ecs import Ecs
from .loops.alarms import Alarms
from .loops.emr import Emr
from .traffic import Traffic
from .world import World

LOOPS = (("ec2", Ec2), ("elb", Elb), ("asg", Asg), ("rds", Rds), ("aurora", Aurora), ("caches", Caches),
         ("network", Network), ("storage", Storage), ("serverless", Serverless), ("workload", Workloads),
         ("route53", Route53), ("dr", Dr), ("mq", Brokers), ("documentdb", DocumentDb), ("neptune", Neptune),
         ("proxies", Proxies), ("msk", Kafka), ("redshift", Redshift), ("fsx", Fsx), ("dms", Dms),
         ("opensearch", OpenSearch), ("eks", Eks), ("beanstalk", Beanstalk), ("batch", Batch), ("apprunner", AppRunner),
         ("hybrid", Hybrid), ("backup", Backups), ("ecs", Ecs), ("emr", Emr), ("alarms", Alarms))


class Run:
    def __init__(self, store, specs: list[FaultSpec], seed: int = 0, duration: float = 3600.0, reach=None):
        self.sim = Simulation(seed)
        self.world = World(self.sim)
        self.world.reach = reach
        self.duration = self.world.duration = duration
        w = self.world
        w.backup_phase = round(self.sim.rng("backup-phase").uniform(0, figures.BACKUP_INTERVAL_SECONDS), 1)
        for name, cls in LOOPS:
            loop = cls(w)
            setattr(w, name, loop)
            w.loops.append(loop)
        started = time.perf_counter()
        w.load(store)
        self.load_seconds = time.perf_counter() - started
        self.faults: list[Fault] = [parse(spec, i + 1, w) for i, spec in enumerate(specs)]
        self.traffic = Traffic(w)

    def go(self) -> dict:
        w, sim = self.world, self.sim
        for loop in w.loops:
            loop.start()
        self.traffic.start()
        sim.after_instant.append(self._measure)
        self._measure(0.0)
        for fault in self.faults:
            schedule(w, fault)
        started = time.perf_counter()
        sim.run(self.duration)
        self.run_seconds = time.perf_counter() - started
        return reporting.build(self)

    def _measure(self, t: float) -> None:
        w = self.world
        if not w.dirty:
            return
        w.version += 1
        w.dirty = False  # from here until the next change, computed values may be kept
        self.traffic.update()
        for service in w.services:
            service.record(t)


def run(store, specs: list[FaultSpec], seed: int = 0, duration: float = 3600.0, architecture: str | None = None,
        reach=None) -> dict:
    """`reach`: what the design's network lets through (stdlib/reach `target_reach`), so that
    target health obeys it; None when the design is not at hand."""
    r = Run(store, specs, seed, duration, reach)
    r.architecture = architecture
    return r.go()
