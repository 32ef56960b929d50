"""A short fuzzing run (the long one is `python tests/fuzz/run.py --inputs N`): programs of the
grammar and mutants of every example, library and test file end in success or diagnostics —
never a traceback, a hang, a crash or a peak over 200 MB — and so do the cases issue 12 found."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Harness  # noqa: E402
from inputs import inputs  # noqa: E402

_harness: list[Harness] = []


def harness() -> Harness:
    if not _harness:
        _harness.append(Harness(timeout=60, max_mb=200))
    return _harness[0]


@settings(max_examples=60, database=None, suppress_health_check=list(HealthCheck))
@given(inputs())
def test_fuzzed_inputs_end_in_success_or_diagnostics(data):
    outcome = harness().check(data)
    assert not outcome.failed, f"{outcome.kind}: {outcome.detail}\ninput: {data[:2000]!r}"


def _doubling():
    lines = ['let s0 = "ab"'] + [f'let s{i} = "${{s{i - 1}}}${{s{i - 1}}}"' for i in range(1, 41)]
    return "\n".join(lines + ["output x = length(s40)"]) + "\n"


FOUND = {
    "forty string doublings": _doubling(),
    "file of /dev/zero": 'output x = file("/dev/zero")\n',
    "ten megabyte string": 'output x = "' + "a" * 10_000_000 + '"\n',
    "500-term sum": "output x = " + " + ".join(["1"] * 500) + "\n",
    "600-term and": "output x = " + " && ".join(["true"] * 600) + "\n",
    "string additions": "output x = " + " + ".join(['"a"'] * 500) + "\n",
    "500 nested lists": "output x = " + "[" * 500 + "]" * 500 + "\n",
    "1,000 nested parentheses": "output x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "100,000-digit number": "output x = " + "9" * 100_000 + "\n",
    "file of /bin/ls": 'output x = file("/bin/ls")\n',
    "use of /etc/passwd": 'use "../../../../../../../etc/passwd" as p\n',
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_the_cases_issue_12_found_end_cleanly_within_200_mb(name):
    outcome = harness().check(FOUND[name].encode())
    assert outcome.kind == "ok", f"{outcome.kind}: {outcome.detail}"
    assert outcome.peak_mb <= 200


FOUND_BY_FUZZING = sorted((Path(__file__).resolve().parent / "found").glob("*.arch"))


@pytest.mark.parametrize("path", FOUND_BY_FUZZING, ids=[p.stem for p in FOUND_BY_FUZZING])
def test_what_fuzzing_found_ends_cleanly(path):
    """tests/fuzz/found/: inputs the fuzzer once failed on (fmt-not-utf8: a traceback in fmt;
    did-you-mean-long-word: 50 s and more spent suggesting a name for a long misspelt word;
    moved-to-a-broken-key: a traceback for `moved a -> b[10.0.0.1/16]`; attribute-written-as-block: a
    traceback for `retention { … }` where retention is a value, found at seed 300000)."""
    outcome = harness().check(path.read_bytes())
    assert outcome.kind == "ok", f"{outcome.kind}: {outcome.detail}"


def test_the_harness_sees_each_kind_of_failure(tmp_path):
    def raises(name):
        raise ValueError("a bug")

    def hangs(name):
        time.sleep(30)

    def allocates(name):
        hog = bytearray(400 * 2**20)
        hog[::4096] = b"x" * len(hog[::4096])

    for runner, kind in ((raises, "traceback"), (hangs, "hang"), (allocates, "memory")):
        outcome = Harness(timeout=2, max_mb=200, work=tmp_path, runner=runner).check(b"output x = 1\n")
        assert outcome.kind == kind, outcome
    assert "ValueError: a bug" in Harness(timeout=5, work=tmp_path, runner=raises).check(b"").detail
