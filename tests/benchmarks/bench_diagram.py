"""Benchmark: `archform diagram` of large architectures (prints numbers; asserts nothing).

    python tests/benchmarks/bench_diagram.py               # 100, 1,000 and 2,000 resources
    python tests/benchmarks/bench_diagram.py 1000 --runs 5

The architecture is a realistic estate, not a forest: `architecture(n)` writes VPCs of the
three-tier module (3 AZs × public, private and data subnets, an internet gateway, one NAT
gateway — five Elastic IPs per region allow no more — and a route table per AZ) spread over
four regions, each VPC holding twelve services of a web tier: a security group for the load
balancer and one for the fleet (which also admits itself to the database), a target group, an
Application Load Balancer, an Auto Scaling group, and by turns an Aurora cluster, an RDS
database or an S3 bucket. VPCs come in pairs across paired regions: the second holds Aurora
global secondaries, RDS read replicas and S3 replication targets of the first, and a DR plan
(warm standby) covers each pair of regions. One hosted zone's records alias every load
balancer. About 100 resources per VPC.

For each size it measures, in one process, the median of several runs of:

  scene   resources → frames, nodes and edges (placement, edges, legend)
  dot     the scene as DOT text
  layout  Graphviz's `dot -Tsvg` on that text (the real binary, as `archform diagram` runs it)
  total   scene + dot + layout (the target: under 3 s at 1,000 resources)

with what dot said on stderr (warnings: none expected), and, once, `archform diagram ... -o
FILE.svg` as a whole process (parse, resolve, check, diagram, layout, write)."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGIONS = [("us-east-1", "use1"), ("eu-west-1", "euw1"), ("us-west-2", "usw2"), ("ap-southeast-2", "apse2")]
SERVICES = 12
PER_VPC = 16 + 7 * SERVICES   # the three-tier module's 16, and per service 6 resources and a record


def architecture(n: int) -> str:
    """An estate of about `n` resources (see the module docstring)."""
    vpcs = 1 if n < 1.5 * PER_VPC else 2 * round(n / PER_VPC / 2)   # in pairs: a primary and its standby
    out = ['use "stdlib/network/three_tier" as three_tier', ""]
    per_region: dict[int, list[int]] = {}
    for v in range(vpcs):
        per_region.setdefault(v % len(REGIONS), []).append(v)
    records = []
    for r, vs in sorted(per_region.items()):
        region, alias = REGIONS[r]
        out.append(f'region "{region}" as {alias} {{')
        for v in vs:
            out.append(_vpc(v, vpcs, alias, records))
        out.append("}")
        out.append("")
    out.append("dns_zone estate {")
    out.append('  domain = "estate.example.com"')
    for name, target in records:
        out.append(f"  record {name} {{\n    type  = A\n    alias = {target}\n  }}")
    out.append("}")
    out.append("")
    pairs = [(a, b) for a, b in ((0, 1), (2, 3)) if a in per_region and b in per_region]
    for a, b in pairs:
        out.append(f"dr_plan dr_{REGIONS[a][1]} {{\n  strategy  = warm_standby\n  primary   = {REGIONS[a][1]}\n"
                   f"  secondary = {REGIONS[b][1]}\n  rpo       = 5s\n  rto       = 10m\n}}")
    return "\n".join(out) + "\n"


def _vpc(v: int, vpcs: int, alias: str, records: list) -> str:
    lines = [f"  three_tier net{v} {{\n    cidr  = 10.{v % 256}.0.0/16\n    zones = 3\n    nat   = single\n"
             f'    name  = "estate-{v}"\n  }}']
    standby = None if v % 2 or v + 1 >= vpcs else (v + 1, REGIONS[(v + 1) % len(REGIONS)][1])  # even VPCs replicate to the next
    primary = (v - 1, REGIONS[(v - 1) % len(REGIONS)][1]) if v % 2 else None
    for s in range(SERVICES):
        name = f"svc{v}_{s}"
        db_kind = s % 3
        lines.append(f"""  security_group {name}_lb_sg {{
    vpc = net{v}.vpc
    ingress {{
      port = 443
      from = internet
    }}
  }}
  security_group {name}_app_sg {{
    vpc = net{v}.vpc
    ingress {{
      port = 8080
      from = {name}_lb_sg
    }}
    ingress {{
      port = 5432
      from = {name}_app_sg
    }}
  }}
  target_group {name}_tg {{
    vpc      = net{v}.vpc
    port     = 8080
    protocol = HTTP
  }}
  load_balancer {name}_lb {{
    type            = application
    subnets         = net{v}.public
    security_groups = [{name}_lb_sg]
    listener http {{
      port    = 80
      forward = {name}_tg
    }}
  }}
  autoscaling_group {name}_fleet {{
    subnets       = net{v}.private
    min           = 2
    max           = 10
    desired       = {2 + s % 4}
    target_groups = [{name}_tg]
    launch {{
      ami             = "ami-0bench"
      instance_type   = m5.large
      security_groups = [{name}_app_sg]
    }}
  }}""")
        if db_kind == 0:
            secondary = f"\n    global_secondary = [{standby[1]}.svc{standby[0]}_{s}_db]" if standby else ""
            # a global database pins its version; a secondary names a KMS key of its own region
            key = '\n    kms_key         = "alias/aws/rds"' if primary else ""
            lines.append(f"""  aurora {name}_db {{
    engine          = aurora-postgresql
    engine_version  = "16.6"{key}
    instances       = 2
    instance_class  = db.r6g.large
    subnets         = net{v}.data
    security_groups = [{name}_app_sg]{secondary}
  }}""")
        elif db_kind == 1 and primary:
            lines.append(f"""  rds {name}_db {{
    replica_of      = {primary[1]}.svc{primary[0]}_{s}_db
    instance_class  = db.m5.large
    subnets         = net{v}.data
    security_groups = [{name}_app_sg]
  }}""")
        elif db_kind == 1:
            lines.append(f"""  rds {name}_db {{
    engine          = postgres
    instance_class  = db.m5.large
    storage         = 100GiB
    multi_az        = true
    subnets         = net{v}.data
    security_groups = [{name}_app_sg]
  }}""")
        else:
            replication = (f"\n    replication {{\n      destination = {standby[1]}.svc{standby[0]}_{s}_assets\n    }}"
                           if standby else "")
            lines.append(f"""  s3_bucket {name}_assets {{
    bucket     = "estate-{v}-{s}-assets"
    versioning = true{replication}
  }}""")
        records.append((f"{name}", f"{alias}.{name}_lb"))
    return "\n".join(lines)


def count(text: str) -> int:
    from archform.dsl.resolve import resolve_text
    desired, diags = resolve_text(text)
    errors = [d for d in diags if d.is_error]
    if errors:
        raise SystemExit("\n".join(d.summary for d in errors[:5]))
    return len(desired.resources)


def measure(text: str, runs: int) -> dict:
    from archform.dsl.resolve import resolve_text
    from archform.planner.diagram import build_scene, items_of
    from archform.planner.diagram.dot import to_dot, with_imagepath
    desired, _ = resolve_text(text)
    items = items_of(desired)
    dot_bin = shutil.which("dot")
    if dot_bin is None:
        raise SystemExit("Graphviz's dot is not installed (make system-deps)")
    rows = {"scene": [], "dot": [], "layout": [], "total": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        scene = build_scene(items, title="estate")
        t1 = time.perf_counter()
        text_dot = with_imagepath(to_dot(scene))   # the icons are found in the package
        t2 = time.perf_counter()
        proc = subprocess.run([dot_bin, "-Tsvg"], input=text_dot.encode(), capture_output=True, check=True)
        t3 = time.perf_counter()
        warnings = len(proc.stderr.decode(errors="replace").strip().splitlines())
        for k, v in (("scene", t1 - t0), ("dot", t2 - t1), ("layout", t3 - t2), ("total", t3 - t0)):
            rows[k].append(v)
    out = {k: statistics.median(v) for k, v in rows.items()}
    out["nodes"] = len(scene.nodes)
    out["frames"] = len(scene.frames)
    out["edges"] = len(scene.edges)
    out["warnings"] = warnings
    return out


def whole_command(text: str) -> float:
    with tempfile.TemporaryDirectory(prefix="archform-bench-diagram-") as folder:
        path = Path(folder) / "estate.arch"
        path.write_text(text)
        script = shutil.which("archform")
        cmd = [script] if script else [sys.executable, "-m", "archform.planner.cli"]
        start = time.perf_counter()
        subprocess.run(cmd + ["diagram", str(path), "-o", str(Path(folder) / "estate.svg")], check=True,
                       capture_output=True, env={**os.environ, "NO_COLOR": "1"})
        return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 2000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="Skip timing the whole `archform diagram` process.")
    args = parser.parse_args(argv)
    print(f"{'resources':>9} {'nodes':>6} {'frames':>6} {'edges':>6} {'scene':>8} {'dot':>8} {'layout':>8} "
          f"{'total':>8} {'dot warnings':>12} {'archform diagram':>17}")
    for n in args.sizes:
        text = architecture(n)
        resources = count(text)
        m = measure(text, args.runs)
        cli = "" if args.no_cli else f"{whole_command(text):16.2f}s"
        print(f"{resources:>9} {m['nodes']:>6} {m['frames']:>6} {m['edges']:>6} {m['scene']:7.3f}s {m['dot']:7.3f}s "
              f"{m['layout']:7.2f}s {m['total']:7.2f}s {m['warnings']:>12} {cli:>17}", flush=True)


if __name__ == "__main__":
    main()
