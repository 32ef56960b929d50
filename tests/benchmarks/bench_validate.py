"""Benchmark: parse + resolve + check of synthetic architectures (prints numbers).

    python tests/benchmarks/bench_validate.py [N ...]

Each measurement runs `archform validate` in a fresh process on a generated file, cold (no
parse cache) and then warm (parsed modules cached by content hash), and reports the median
of several runs with lines/s and resources/s. No assertions: numbers only.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import arch  # noqa: E402

RUNS = 3

CODE = r"""
import sys, time, resource
t0 = time.perf_counter()
from archform.dsl.modules import Loader, default_cache_dir
from archform.dsl.resolve import resolve
desired, diags = resolve(sys.argv[1], loader=Loader(default_cache_dir()))
errors = [d for d in diags if d.is_error]
assert not errors, errors[0].summary
ru = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t0, len(desired.resources), ru.ru_utime + ru.ru_stime)
"""


def measure(path: Path, cache_dir: Path, cold: bool) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) from interpreter start to resolved and checked."""
    times, cpus = [], []
    for _ in range(RUNS):
        if cold:
            for f in cache_dir.glob("**/*.cache"):
                f.unlink()
        env = dict(os.environ, ARCHFORM_CACHE=str(cache_dir))
        env.pop("ARCHFORM_NO_CACHE", None)
        out = subprocess.run([sys.executable, "-c", CODE, str(path)], capture_output=True, text=True, env=env,
                             check=True)
        wall, _, cpu = out.stdout.split()
        times.append(float(wall))
        cpus.append(float(cpu))
    return statistics.median(times), statistics.median(cpus)


def main(sizes):
    print(f"{'N':>7} {'lines':>8} {'cold s':>8} {'cpu s':>7} {'warm s':>8} {'cpu s':>7} {'lines/s':>10} "
          f"{'resources/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            path = tmp / f"bench_{n}.arch"
            text = arch(n)
            path.write_text(text)
            lines = text.count("\n")
            cold, cold_cpu = measure(path, tmp / "cache", cold=True)
            warm, warm_cpu = measure(path, tmp / "cache", cold=False)
            print(f"{n:>7} {lines:>8} {cold:>8.3f} {cold_cpu:>7.3f} {warm:>8.3f} {warm_cpu:>7.3f} "
                  f"{lines / cold:>10.0f} {n / cold:>12.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
