"""archform against Terraform, side by side (prints numbers; asserts nothing).

    python tests/benchmarks/run.py [--quick] [--json FILE] [--sizes 1000,5000] [--runs 3]
                                   [--no-terraform] [--terraform-max N]

For each N (1,000, 5,000, 10,000 and 50,000; --quick: 1,000) it generates a forest of
fan-out-10 trees, each resource depending on its parent (VPC → subnets → instances →
volumes, see generate.py), and measures, each as the median of several runs of a fresh
process timed from outside (what a user waits for):

  validate     archform validate
  plan         plan from an empty state
  apply        apply from an empty state (state persisted in SQLite, the modeled cloud too)
  noop_plan    plan again after apply: no changes
  replan_1pct  plan after 1% of the resources changed

and the peak memory (max RSS) of the process. Where `terraform` is on the PATH the same
shape is run with the built-in `terraform_data` resource (init once, offline). Terraform's
apply grows with the square of N, so it is run only up to --terraform-max (2,000); its
no-op and 1% re-plans at larger N run against a state file written directly in Terraform's
format (the same bytes `terraform apply` would have left), so every plan step is compared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import arch, change_one_percent, nodes, terraform  # noqa: E402

STEPS = ["validate", "plan", "apply", "noop_plan", "replan_1pct"]


def timed(cmd, cwd, env=None, stdin=None) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one fresh process."""
    import time
    with tempfile.TemporaryFile() as errfile:  # a file, not a pipe: a chatty child never blocks
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errfile,
                                stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        errfile.seek(0)
        err = errfile.read().decode(errors="replace")
    if code not in (0, 2):
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({code}):\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, code


def median_of(runs: int, fn) -> tuple[float, float]:
    times, mems = [], []
    for _ in range(runs):
        t, m = fn()
        times.append(t)
        mems.append(m)
    return statistics.median(times), max(mems)


# --- archform ---------------------------------------------------------------------------------

def archform_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "archform.planner.cli", *args]


def compile_archform():
    """Write archform's bytecode first, as an installed package has it: where Python is told
    not to cache bytecode (PYTHONDONTWRITEBYTECODE, set on some CI machines) an edited
    module would otherwise be compiled again in every measured process."""
    import compileall
    import importlib
    for package in ("dsl", "planner", "stdlib", "providers"):
        for folder in importlib.import_module(f"archform.{package}").__path__:
            compileall.compile_dir(folder, quiet=1)


def archform_env() -> dict:
    env = dict(os.environ)
    env.pop("ARCHFORM_NO_CACHE", None)
    env["NO_COLOR"] = "1"
    return env


def bench_archform(n: int, work: Path, runs: int) -> dict[str, tuple[float, float]]:
    env = archform_env()
    env["ARCHFORM_CACHE"] = str(work / "cache")
    src = work / "bench.arch"
    src.write_text(arch(n))
    changed = work / "changed" / "bench.arch"
    changed.parent.mkdir(exist_ok=True)
    out: dict[str, tuple[float, float]] = {}

    def fresh(tag):
        d = work / f"state-{tag}-{uuid.uuid4().hex[:6]}"
        d.mkdir()
        return ["--state", str(d / "state.db"), "--cloud", str(d / "cloud.db")]

    def run(args, expect=None):
        t, m, code = timed(archform_cmd(*args), work, env)
        if expect is not None and code != expect:  # a no-op that plans changes measures nothing
            raise RuntimeError(f"archform {' '.join(args)} exited {code}, expected {expect}")
        return t, m

    out["validate"] = median_of(runs, lambda: run(["validate", str(src)]))
    out["plan"] = median_of(runs, lambda: run(["plan", str(src), *fresh("plan")]))

    applied = []

    def apply_once():
        where = fresh("apply")
        applied.append(where)
        return run(["apply", str(src), "--auto-approve", *where])

    out["apply"] = median_of(runs, apply_once)
    where = applied[-1]
    out["noop_plan"] = median_of(runs, lambda: run(["plan", str(src), "--detailed-exitcode", *where], expect=0))
    edits = iter(range(runs))

    def replan():  # every run plans an edit not seen before: nothing of it is cached
        changed.write_text(change_one_percent(src.read_text(), n, next(edits)))
        return run(["plan", str(changed), "--detailed-exitcode", *where], expect=2)

    out["replan_1pct"] = median_of(runs, replan)
    return out


# --- terraform --------------------------------------------------------------------------------

def terraform_state(n: int, lineage: str) -> dict:
    """The state `terraform apply` leaves for terraform(n): terraform_data with id, input, output."""
    ids = {}
    resources = []
    for _, name, parent in nodes(n):
        rid = str(uuid.UUID(int=len(ids) + 1))
        ids[name] = rid
        value = name if parent is None else f"{ids[parent]}/{name}"
        deps = [] if parent is None else [f"terraform_data.{parent}"]
        resources.append({
            "mode": "managed", "type": "terraform_data", "name": name,
            "provider": 'provider["terraform.io/builtin/terraform"]',
            "instances": [{"schema_version": 0, "attributes": {
                "id": rid, "input": {"value": value, "type": "string"},
                "output": {"value": value, "type": "string"}, "triggers_replace": None},
                "sensitive_attributes": [], **({"dependencies": deps} if deps else {})}]})
    return {"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": lineage,
            "outputs": {}, "resources": resources, "check_results": None}


def bench_terraform(n: int, work: Path, runs: int, max_apply: int) -> dict[str, tuple[float, float]]:
    tf = shutil.which("terraform")
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE="/dev/null")
    root = work / "tf"
    root.mkdir()
    (root / "main.tf").write_text(terraform(n))
    subprocess.run([tf, "init", "-input=false", "-backend=false"], cwd=root, env=env, check=True,
                   capture_output=True)
    out: dict[str, tuple[float, float]] = {}

    def run(args, cwd=root, expect=None):
        t, m, code = timed([tf, *args], cwd, env)
        if expect is not None and code != expect:
            print(f"note: terraform {' '.join(args)} exited {code}, expected {expect}", file=sys.stderr)
        return t, m

    out["validate"] = median_of(runs, lambda: run(["validate", "-no-color"]))

    def plan_empty():
        st = root / "terraform.tfstate"
        if st.exists():
            st.unlink()
        return run(["plan", "-input=false", "-lock=false", "-no-color", "-refresh=true"])

    out["plan"] = median_of(runs, plan_empty)
    if n <= max_apply:
        def apply_once():
            st = root / "terraform.tfstate"
            if st.exists():
                st.unlink()
            return run(["apply", "-auto-approve", "-input=false", "-lock=false", "-no-color"])
        out["apply"] = median_of(max(1, min(runs, 2)), apply_once)
    else:
        (root / "terraform.tfstate").write_text(json.dumps(terraform_state(n, str(uuid.uuid4()))))
    out["noop_plan"] = median_of(runs, lambda: run(["plan", "-input=false", "-lock=false", "-no-color",
                                                    "-detailed-exitcode"], expect=0))
    changed = root / "changed"
    changed.mkdir()
    text = (root / "main.tf").read_text()
    budget = max(1, n // 100)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if budget and line.strip().startswith("input = \"${"):
            lines[i] = line.replace('}/', '}/changed-', 1)
            budget -= 1
    (changed / "main.tf").write_text("\n".join(lines))
    shutil.copy(root / "terraform.tfstate", changed / "terraform.tfstate")
    shutil.copytree(root / ".terraform", changed / ".terraform") if (root / ".terraform").exists() else None
    if (root / ".terraform.lock.hcl").exists():
        shutil.copy(root / ".terraform.lock.hcl", changed / ".terraform.lock.hcl")
    out["replan_1pct"] = median_of(runs, lambda: run(["plan", "-input=false", "-lock=false", "-no-color"],
                                                     cwd=changed))
    return out


# --- report -------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 1,000 only")
    ap.add_argument("--json", dest="json_path", help="write the cases as JSON")
    ap.add_argument("--sizes", help="comma-separated N (default 1000,5000,10000,50000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--no-terraform", action="store_true")
    ap.add_argument("--terraform-max", type=int, default=2000, help="largest N Terraform applies")
    ap.add_argument("--terraform-plan-max", type=int, default=50000, help="largest N Terraform plans")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([1000] if args.quick else
                                                                         [1000, 5000, 10000, 50000])
    use_tf = shutil.which("terraform") is not None and not args.no_terraform
    compile_archform()
    cases = []
    print(f"{'step':<12} {'N':>7} {'archform s':>11} {'terraform s':>12} {'ratio':>7} {'peak MB':>8}")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"archform-bench-{n}-") as tmp:
            work = Path(tmp)
            (work / "af").mkdir()
            ours = bench_archform(n, work / "af", args.runs)
            theirs = {}
            if use_tf and n <= args.terraform_plan_max:
                tf_runs = args.runs if n <= 5000 else 1
                theirs = bench_terraform(n, work, tf_runs, args.terraform_max)
            for step in STEPS:
                a_s, a_mb = ours[step]
                t_s = theirs.get(step, (None, None))[0]
                ratio = (t_s / a_s) if t_s else None
                cases.append({"step": step, "n": n, "archform_s": round(a_s, 4),
                              "terraform_s": round(t_s, 4) if t_s else None,
                              "ratio": round(ratio, 2) if ratio else None, "peak_mb": round(a_mb, 1)})
                print(f"{step:<12} {n:>7} {a_s:>11.3f} {(f'{t_s:.3f}' if t_s else '-'):>12} "
                      f"{(f'{ratio:.1f}x' if ratio else '-'):>7} {a_mb:>8.1f}", flush=True)
    if len(sizes) > 1 and 5000 in sizes and 50000 in sizes:
        print("\ngrowth time(50,000) / time(5,000):")
        for step in STEPS:
            a = next(c for c in cases if c["step"] == step and c["n"] == 5000)["archform_s"]
            b = next(c for c in cases if c["step"] == step and c["n"] == 50000)["archform_s"]
            print(f"  {step:<12} {b / a:5.1f}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"cases": cases}, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
