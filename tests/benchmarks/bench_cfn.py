"""Benchmark: CloudFormation generation for synthetic architectures (prints numbers).

    python tests/benchmarks/bench_cfn.py                 # 1,000, 5,000 and 10,000 resources, and the CDK
    python tests/benchmarks/bench_cfn.py 2000 --no-cdk

The architecture is the benchmark forest of `generate.py` (VPC → 10 subnets → 10 instances
each → 10 volumes each, every resource depending on its parent; four VPCs to a region);
10,000 resources become 19,000 CloudFormation resources (a volume is a volume and its
attachment) in three regional stacks, split into nested stacks.

1. `archform cfn` as a whole process (interpreter start, parse, resolve, check, generate,
   write), median of several runs, YAML and JSON, with the parse cache cold and warm.
2. The same run in one process, by phase: resolve + check, generate, write.
3. Where Node.js and npm are available: the same forest with the AWS CDK (`aws-cdk-lib` and
   `constructs`, installed by this script into a temporary folder; L1 `Cfn*` constructs, one
   stack per 400 CloudFormation resources), `node app.js` as a whole process, at 1,000 and
   5,000 resources; printed as CDK time / archform time. The CDK is timed as it runs by
   default (synthesis and its built-in template validation) and with `CDK_VALIDATION=false`
   (synthesis alone). CDK templates are JSON, so the ratio compares with archform's JSON.

No assertions: numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import _regions, arch  # noqa: E402

RUNS = 3
AMI = "ami-0123456789abcdef0"  # a well-formed AMI ID, so neither tool warns about the placeholder
CDK_SIZES = (1000, 5000)
REGIONS_JSON = json.dumps([[r.name, r.azs] for r in _regions()])


def forest(n: int) -> str:
    return arch(n).replace("ami-0bench", AMI)


def archform_command() -> list[str]:
    script = shutil.which("archform")
    return [script] if script else [sys.executable, "-m", "archform.planner.cli"]


def timed(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a whole process: on a shared machine the CPU time is the
    steadier of the two."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{run.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def median(f, runs: int = RUNS) -> tuple[float, float]:
    results = [f() for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def measure_archform(path: Path, out: Path, fmt: str, cache: Path, cold: bool) -> float:
    env = dict(os.environ, ARCHFORM_CACHE=str(cache))
    env.pop("ARCHFORM_NO_CACHE", None)

    def once():
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        return timed(archform_command() + ["cfn", str(path), "-o", str(out), "--format", fmt], env=env)
    return median(once)


PHASES = r"""
import gc, sys, time
gc.disable()
t0 = time.perf_counter()
from pathlib import Path
from archform.dsl.modules import Loader, default_cache_dir
from archform.dsl.resolve import resolve
from archform.providers.cloudformation import Options, from_desired
from archform.providers.cloudformation.write import write
t1 = time.perf_counter()
desired, diags = resolve(sys.argv[1], {}, loader=Loader(default_cache_dir()))
t2 = time.perf_counter()
result = from_desired(desired, [], None, {}, Options(extension=sys.argv[3]), source=sys.argv[1])
t3 = time.perf_counter()
write(result, Path(sys.argv[2]), sys.argv[3])
t4 = time.perf_counter()
parts = sum(len(b["Resources"]) for t, b in result.templates if not t.children)
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, len(result.templates), parts)
"""


def phases(path: Path, out: Path, fmt: str, cache: Path) -> list[float]:
    env = dict(os.environ, ARCHFORM_CACHE=str(cache))
    env.pop("ARCHFORM_NO_CACHE", None)
    rows = []
    for _ in range(RUNS):
        shutil.rmtree(out, ignore_errors=True)
        run = subprocess.run([sys.executable, "-c", PHASES, str(path), str(out), fmt], capture_output=True,
                             text=True, env=env, check=True)
        rows.append([float(x) for x in run.stdout.split()])
    return [statistics.median(col) for col in zip(*rows)]


# --- the CDK -------------------------------------------------------------------------------------

CDK_APP = r"""
// The benchmark forest with AWS CDK L1 constructs: the same regions (four VPCs to a region), one
// stack per 400 CloudFormation resources (and per region).
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const n = parseInt(process.argv[2], 10);
const app = new cdk.App({ outdir: process.argv[3] });
const REGIONS = JSON.parse(process.argv[4]);  // [[name, AZ count], ...] as generate.py takes them
const PER_STACK = 400, FANOUT = 10, VPCS_PER_REGION = 4, AZS = 'abcdef', DEVICES = 'fghijklmnopqrstuvwxyz';
let stack = null, inStack = 0, stacks = 0, region = null;
function host(size) {
  if (!stack || inStack + size > PER_STACK || stack.region !== region[0]) {
    stack = new cdk.Stack(app, `Bench${stacks++}`, { env: { account: '111111111111', region: region[0] } });
    inStack = 0;
  }
  inStack += size;
  return stack;
}
let emitted = 0, tree = 0;
const made = {}, azOf = {}, subnetOf = {}, devices = {};
outer: while (emitted < n) {
  region = REGIONS[Math.floor(tree / VPCS_PER_REGION) % REGIONS.length];
  const vpcName = `vpc${tree}`;
  made[vpcName] = new ec2.CfnVPC(host(1), vpcName, { cidrBlock: `10.${tree % 256}.0.0/16` });
  emitted++;
  const levels = [[vpcName]];
  for (let level = 1; level <= 3; level++) {
    const current = [];
    for (const parent of levels[levels.length - 1]) {
      for (let k = 0; k < FANOUT; k++) {
        if (emitted >= n) break outer;
        const name = level > 1 ? `${parent}_${k}` : `${vpcName}_s${k}`;
        current.push(name);
        if (level === 1) {
          azOf[name] = region[0] + AZS[k % region[1]];
          made[name] = new ec2.CfnSubnet(host(1), name, { vpcId: made[parent].ref,
            cidrBlock: `10.${tree % 256}.${k}.0/24`, availabilityZone: azOf[name] });
        } else if (level === 2) {
          subnetOf[name] = parent;
          made[name] = new ec2.CfnInstance(host(1), name, { imageId: 'AMI', instanceType: 'm5.large',
            subnetId: made[parent].ref });
        } else {
          const s = host(2);
          const volume = new ec2.CfnVolume(s, name, { availabilityZone: azOf[subnetOf[parent]], size: 20 });
          devices[parent] = (devices[parent] || 0) + 1;
          new ec2.CfnVolumeAttachment(s, `${name}_attachment`, { volumeId: volume.ref, instanceId: made[parent].ref,
            device: `/dev/sd${DEVICES[devices[parent] - 1]}` });
        }
        emitted++;
      }
    }
    levels.push(current);
  }
  tree++;
}
app.synth();
""".replace("'AMI'", f"'{AMI}'")


def install_cdk(folder: Path) -> bool:
    if not (shutil.which("node") and shutil.which("npm")):
        print("(Node.js or npm not found: no CDK comparison)")
        return False
    (folder / "package.json").write_text('{"name": "archform-cdk-bench", "private": true}\n')
    start = time.perf_counter()
    run = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "aws-cdk-lib", "constructs"],
                         cwd=folder, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        print(f"(npm install failed, no CDK comparison: {run.stderr.strip()[-300:]})")
        return False
    version = subprocess.run(["node", "-p", "require('aws-cdk-lib/package.json').version"], cwd=folder,
                             capture_output=True, text=True).stdout.strip()
    print(f"installed aws-cdk-lib {version} in {time.perf_counter() - start:.1f} s")
    (folder / "app.js").write_text(CDK_APP)
    return True


def measure_cdk(folder: Path, n: int, validation: bool) -> float:
    env = dict(os.environ)
    if not validation:
        env["CDK_VALIDATION"] = "false"
    out = folder / f"out{n}"

    def once():
        shutil.rmtree(out, ignore_errors=True)
        return timed(["node", "app.js", str(n), str(out), REGIONS_JSON], env=env, cwd=str(folder))
    return median(once)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 10000])
    parser.add_argument("--no-cdk", action="store_true", help="skip the CDK comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = {}
        for n in sorted(set(args.sizes) | (set() if args.no_cdk else set(CDK_SIZES))):
            paths[n] = tmp / f"forest_{n}.arch"
            paths[n].write_text(forest(n))
        print("archform cfn, whole process (median of %d runs; wall seconds, CPU seconds in brackets)" % RUNS)
        print(f"{'N':>7} {'CFN res.':>9} {'templates':>9} {'yaml cold':>15} {'yaml warm':>15} {'json cold':>15} "
              f"{'json warm':>15}")
        totals = {}
        for n in sorted(paths):
            cache = tmp / f"cache{n}"
            row = {}
            for fmt in ("yaml", "json"):
                for cold in (True, False):
                    row[(fmt, cold)] = measure_archform(paths[n], tmp / f"out{n}", fmt, cache, cold)
            _, _, _, _, templates, parts = phases(paths[n], tmp / f"phase{n}", "json", cache)
            totals[n] = row
            cells = " ".join(f"{w:>7.3f} ({c:>5.2f})" for w, c in (row[("yaml", True)], row[("yaml", False)],
                                                                  row[("json", True)], row[("json", False)]))
            print(f"{n:>7} {int(parts):>9} {int(templates):>9} {cells}")
        print("\nin one process, by phase (warm parse cache, median, seconds)")
        print(f"{'N':>7} {'imports':>8} {'resolve':>8} {'generate':>9} {'write yaml':>11} {'write json':>11}")
        for n in sorted(paths):
            cache = tmp / f"cache{n}"
            yaml_row = phases(paths[n], tmp / f"phase{n}", "yaml", cache)
            json_row = phases(paths[n], tmp / f"phase{n}", "json", cache)
            print(f"{n:>7} {yaml_row[0]:>8.3f} {yaml_row[1]:>8.3f} {yaml_row[2]:>9.3f} {yaml_row[3]:>11.3f} "
                  f"{json_row[3]:>11.3f}")
        if args.no_cdk:
            return
        print("\nAWS CDK, whole process `node app.js N` (median, seconds)")
        folder = tmp / "cdk"
        folder.mkdir()
        if not install_cdk(folder):
            return
        print(f"{'N':>7} {'CDK':>15} {'CDK, no validation':>19} {'archform json':>15} {'CDK/archform':>13} "
              f"{'(no validation)':>16}")
        for n in CDK_SIZES:
            cdk = measure_cdk(folder, n, validation=True)
            bare = measure_cdk(folder, n, validation=False)
            ours = totals[n][("json", False)]
            print(f"{n:>7} {cdk[0]:>7.3f} ({cdk[1]:>5.2f}) {bare[0]:>11.3f} ({bare[1]:>5.2f}) "
                  f"{ours[0]:>7.3f} ({ours[1]:>5.2f}) {cdk[0] / ours[0]:>12.1f}x {bare[0] / ours[0]:>15.1f}x")
            print(f"{'':>7} {'':>15} {'':>19} {'CPU time:':>15} {cdk[1] / ours[1]:>12.1f}x {bare[1] / ours[1]:>15.1f}x")


if __name__ == "__main__":
    main()
