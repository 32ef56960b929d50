"""The `archform` executable ends with os._exit once a command is done (planner/cli/ `run`):
what a user sees must be exactly what a normal exit gives — every byte of output, the exit
code, and state that is committed on disk."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def archform(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "archform.planner.cli", "--no-color", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_large_output_to_a_pipe_arrives_whole(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import arch
    finally:
        sys.path.remove(str(BENCHMARKS))
    src = tmp_path / "big.arch"
    src.write_text(arch(500))
    # inspect prints the whole resolved graph as JSON: far more than a pipe's 64 KiB buffer
    r = archform("inspect", str(src))
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) > 4 * 65536
    resolved = json.loads(r.stdout)
    assert len(resolved["resources"]) == 500


def test_exit_codes_survive(tmp_path):
    bad = tmp_path / "bad.arch"
    bad.write_text('region "us-east-1" as r {\n  s3_bucket b {\n    buckt = "x"\n  }\n}\n')
    r = archform("validate", str(bad))
    assert r.returncode == 1
    assert "found 1 error" in r.stderr and "bad.arch:3:5" in r.stderr

    where = ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]
    r = archform("plan", str(EXAMPLES / "static_site.arch"), "--detailed-exitcode", *where)
    assert r.returncode == 2, r.stderr
    assert r.stdout.rstrip().endswith("to destroy.") or "Plan:" in r.stdout

    assert archform("nosuch").returncode == 2  # click's usage error
    assert archform("--help").returncode == 0


def test_apply_is_committed_before_the_process_ends(tmp_path):
    state = tmp_path / "state.db"
    where = ["--state", str(state), "--cloud", str(tmp_path / "cloud.db")]
    r = archform("apply", str(EXAMPLES / "static_site.arch"), "--auto-approve", *where)
    assert r.returncode == 0, r.stderr
    assert "Apply complete!" in r.stdout
    # another process sees every resource, and no lock is left behind
    listed = archform("state", "list", *where[:2])
    assert listed.returncode == 0, listed.stderr
    applied = [line for line in listed.stdout.splitlines() if line.strip()]
    assert len(applied) >= 5
    again = archform("plan", str(EXAMPLES / "static_site.arch"), "--detailed-exitcode", *where)
    assert again.returncode == 0, again.stdout + again.stderr
    with sqlite3.connect(state) as db:  # a plain reader: the file is a consistent database
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)


def test_a_bug_is_one_line_not_a_traceback(monkeypatch, capsys):
    """An exception that escapes a command is archform's bug: the executable says so in one line
    with where it happened, exits 70, and gives the traceback only when asked."""
    import pytest

    from archform.planner import cli

    def broken():
        {}["compliance"]
    monkeypatch.setattr(cli, "main", broken)
    monkeypatch.setattr(cli, "_leave", lambda code: (_ for _ in ()).throw(SystemExit(code)))
    monkeypatch.delenv("ARCHFORM_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exit_:
        cli.run()
    err = capsys.readouterr().err
    assert exit_.value.code == 70
    assert err.startswith("error: internal error in archform (a bug, not a mistake in your input): KeyError: "
                          "'compliance' at test_cli_exit.py:")
    assert "Traceback" not in err and "ARCHFORM_TRACEBACK=1" in err
    monkeypatch.setenv("ARCHFORM_TRACEBACK", "1")
    with pytest.raises(SystemExit):
        cli.run()
    assert "Traceback (most recent call last)" in capsys.readouterr().err
