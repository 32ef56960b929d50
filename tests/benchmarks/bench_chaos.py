"""Benchmark: one hour of virtual time after an AZ failure, on a fleet of 10,000 instances
behind load balancers with health checks (prints numbers).

    python tests/benchmarks/bench_chaos.py [INSTANCES] [GROUPS]

The architecture: a VPC over three AZs in us-east-1, GROUPS Auto Scaling groups (default 10)
sharing INSTANCES instances (default 10,000), each behind its own Application Load Balancer
and target group (10 s checks), with Route 53 names and health checks in front. It is applied
once to a modeled cloud (timed apart: setup), then `az:us-east-1a` fails at t = 60 s and the
failure engine runs one hour of virtual time. Printed: the setup, the load of the world from
the store, the run, events, events/s (events: what the clock popped from its queue; target
transitions: the per-target health changes those events carried). No assertions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def architecture(instances: int, groups: int) -> str:
    per = instances // groups
    lines = ['region "us-east-1" as primary {',
             "  vpc main {\n    cidr = 10.0.0.0/16\n  }",
             '  subnet public for az in ["a", "b", "c"] {\n    vpc = main\n'
             '    cidr = cidrsubnet(main.cidr, 8, index(["a", "b", "c"], az))\n    az = az\n    public = true\n'
             "    map_public_ip = true\n  }",
             # /19 private subnets: after an AZ loss, two AZs hold the whole fleet
             '  subnet private for az in ["a", "b", "c"] {\n    vpc = main\n'
             '    cidr = cidrsubnet(main.cidr, 3, 1 + index(["a", "b", "c"], az))\n    az = az\n  }']
    for g in range(groups):
        lines.append(f"""  target_group app{g} {{
    vpc      = main
    port     = 8080
    protocol = HTTP
    health_check {{
      path                = "/health"
      interval            = 10s
      healthy_threshold   = 3
      unhealthy_threshold = 2
    }}
  }}
  load_balancer web{g} {{
    subnets = public
    listener http {{
      port    = 80
      forward = app{g}
    }}
  }}
  autoscaling_group fleet{g} {{
    subnets                   = private
    min                       = {per}
    max                       = {per * 2}
    desired                   = {per}
    health_check_type         = elb
    health_check_grace_period = 1m
    target_groups             = [app{g}]
    launch {{
      ami           = "ami-0bench2026"
      instance_type = m5.large
    }}
    scaling_policy cpu {{
      type   = target_tracking
      metric = cpu
      target = 50%
    }}
  }}""")
    lines.append("}")
    for g in range(groups):
        lines.append(f"""health_check web{g} {{
  type   = http
  target = primary.web{g}
  path   = "/health"
}}""")
    records = "\n".join(f"""  record svc{g} {{
    name         = "svc{g}"
    alias        = primary.web{g}
    set_id       = "primary"
    weight       = 100
    health_check = web{g}
  }}""" for g in range(groups))
    lines.append(f'dns_zone bench {{\n  domain = "bench.example.com"\n{records}\n}}')
    return "\n".join(lines) + "\n"


def main(instances: int = 10_000, groups: int = 10) -> None:
    from archform.planner.rehearsal import fresh_cloud
    from archform.providers.simulated.chaos.engine import Run
    from archform.providers.simulated.chaos.faults import FaultSpec

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.arch"
        path.write_text(architecture(instances, groups))
        t0 = time.perf_counter()
        cloud, problems = fresh_cloud(path, {}, 0, tmp)
        assert cloud is not None, problems
        setup = time.perf_counter() - t0
        t1 = time.perf_counter()
        run = Run(cloud.store, [FaultSpec("az:us-east-1a", 60.0)], seed=0, duration=3600.0)
        doc = run.go()
        total = time.perf_counter() - t1
        cloud.close()
    events = doc["summary"]["events"]
    moved = sum(e["count"] for e in doc["timeline"] if e["event"] in ("target.healthy", "target.unhealthy"))
    fleet = sum(s["series"][-1][2] for s in doc["services"] if s["kind"] == "autoscaling_group")
    print(f"instances {instances}, groups {groups}, load balancers {groups}, health checks {groups}")
    print(f"setup (apply to a fresh modeled cloud): {setup:.2f} s")
    print(f"load the world from the store:           {run.load_seconds:.3f} s")
    print(f"simulate 1 h after az:us-east-1a:        {run.run_seconds:.3f} s")
    print(f"load + simulate + report:                {total:.3f} s")
    print(f"events: {events}  ({events / run.run_seconds:,.0f} events/s simulated)")
    print(f"target transitions: {moved}  ({moved / run.run_seconds:,.0f}/s), timeline entries "
          f"{doc['summary']['timeline_entries']}")
    print(f"in service at the end: {fleet:.0f} of {instances}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
