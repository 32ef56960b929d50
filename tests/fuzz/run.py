"""The long fuzzing run: N inputs through archform, each isolated, timed and measured.

    python tests/fuzz/run.py --inputs 100000 [--seed 1] [--timeout 20] [--max-mb 200]
                             [--failures DIR] [--only grammar|mutants]

Inputs come from tests/fuzz/inputs.py (programs of the grammar, byte-level mutants of every
example, library and test `.arch` file, and calls of the function library, a third each), drawn by hypothesis in batches of
1,000 with seeds `seed`, `seed + 1`, ... so a run is reproducible and the next run with a new
seed explores elsewhere. Each input goes through tests/fuzz/harness.py (`validate`, `validate
--format json`, `fmt --check`, and `inspect` and `cfn` when valid, in a forked child under an
address-space limit). The run prints its progress (inputs tried, rate, outcomes) and one line
per failure — a traceback, a hang, a peak over --max-mb or a crash — and keeps each failing
input in --failures (named by its hash, with the reason beside it) to reproduce with
`archform validate FILE`. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hypothesis import HealthCheck, Phase, given, seed as with_seed, settings, strategies as st  # noqa: E402

from harness import Harness, _rss_mb  # noqa: E402
from inputs import function_calls, inputs, mutants, programs  # noqa: E402

BATCH = 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=10_000, help="how many inputs to try")
    ap.add_argument("--seed", type=int, default=0, help="the first batch's seed")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds an input may take")
    ap.add_argument("--max-mb", type=float, default=200.0, help="peak memory an input may take (fresh process)")
    ap.add_argument("--failures", default="fuzz-failures", help="folder for failing inputs")
    ap.add_argument("--only", choices=["grammar", "mutants", "calls"], help="one source of inputs only")
    ap.add_argument("--every", type=int, default=1000, help="print progress every N inputs")
    args = ap.parse_args(argv)

    harness = Harness(timeout=args.timeout, max_mb=args.max_mb)
    source = {"grammar": programs(), "mutants": mutants(), "calls": function_calls(), None: inputs()}[args.only]
    failures = Path(args.failures)
    outcomes: Counter = Counter()
    seen_failures: set[str] = set()
    slowest = [0.0, b""]
    largest = [0.0, b""]
    start = time.monotonic()
    tried = 0

    def one(data: bytes):
        nonlocal tried
        if tried >= args.inputs:
            return
        outcome = harness.check(data)
        tried += 1
        outcomes[outcome.kind] += 1
        if outcome.seconds > slowest[0]:
            slowest[:] = [outcome.seconds, data]
        if outcome.peak_mb > largest[0]:
            largest[:] = [outcome.peak_mb, data]
        if outcome.failed:
            digest = hashlib.sha256(data).hexdigest()[:16]
            failures.mkdir(parents=True, exist_ok=True)
            (failures / f"{digest}.arch").write_bytes(data)
            (failures / f"{digest}.txt").write_text(f"{outcome.kind} after {outcome.seconds:.2f} s, peak "
                                                   f"{outcome.peak_mb:.0f} MB\n{outcome.detail}\n")
            last = (outcome.detail.strip().splitlines() or [""])[-1][:160]
            if (outcome.kind, last) not in seen_failures:
                seen_failures.add((outcome.kind, last))
                print(f"FAIL {outcome.kind}: {failures / (digest + '.arch')}: {last}", flush=True)
        if tried % args.every == 0:
            report(tried, outcomes, start, slowest, largest)

    batch_seed = args.seed
    while tried < args.inputs:
        n = min(BATCH, args.inputs - tried)
        test = settings(max_examples=n, database=None, deadline=None, derandomize=False,
                        phases=[Phase.generate], suppress_health_check=list(HealthCheck))(
            given(source)(one))
        with_seed(batch_seed)(test)()
        batch_seed += 1
    report(tried, outcomes, start, slowest, largest, final=True)
    return 1 if sum(v for k, v in outcomes.items() if k != "ok") else 0


def report(tried, outcomes, start, slowest, largest, final=False):
    elapsed = time.monotonic() - start
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))
    print(f"{'done' if final else 'progress'}: {tried:,} inputs in {elapsed:,.0f} s ({tried / max(elapsed, 1e-9):.1f}/s): "
          f"{kinds}; slowest {slowest[0]:.2f} s, largest peak {largest[0]:.0f} MB (fuzzer {_rss_mb():.0f} MB)",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
