"""The lock's liveness is an OS lock, not a guess from a pid: a holder in another PID namespace
(a container on the same host) is never taken for dead; `--lock-timeout` waits for a holder
to finish instead of failing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.state import StateLocked, StateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha_web.arch"


def _where(tmp_path: Path) -> list[str]:
    return ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]


def _lock_row(state: Path):
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT lock_id, pid, host, command FROM locks").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _wait_for_row(state: Path, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if state.exists() and _lock_row(state) is not None:
            return _lock_row(state)
        assert proc.poll() is None, "the holder ended before it took the lock"
        time.sleep(0.01)
    raise AssertionError("no lock was taken")


def test_a_live_holder_whose_pid_is_not_visible_here_keeps_its_lock(tmp_path):
    """The row names a pid no process here has (as a holder in another PID namespace does),
    but the holder's OS lock is held: the lock is not released as stale."""
    holder = StateStore(tmp_path / "state.db")
    holder.lock("apply", "2026-01-01T00:00:00Z")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("UPDATE locks SET pid = ?", (dead.pid,))  # what a pid from another namespace looks like here
    other = StateStore(tmp_path / "state.db")
    try:
        with pytest.raises(StateLocked):
            other.lock("apply", "2026-01-01T00:00:01Z")
        assert other.holder_alive()
        holder.unlock()
        other.lock("apply", "2026-01-01T00:00:02Z")  # free once the holder lets go
        assert other.released_stale is None
        other.unlock()
    finally:
        holder.close()
        other.close()


def test_a_lock_left_by_a_killed_holder_is_released(tmp_path):
    """Killed however (SIGKILL here), the OS released its lock: the next command goes on."""
    code = ("import sys, time; from archform.planner.state import StateStore; "
            "s = StateStore(sys.argv[1]); s.lock('apply', 'then'); print('locked', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "state.db")], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    proc.kill()
    proc.wait()
    store = StateStore(tmp_path / "state.db")
    try:
        store.lock("plan", "now")
        assert store.released_stale is not None and store.released_stale.pid == proc.pid
    finally:
        store.unlock()
        store.close()


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="cannot make a PID namespace here (unshare needs privileges)")
def test_two_applies_in_different_pid_namespaces_never_run_together(tmp_path):
    """An apply inside its own PID namespace (as in a container) holds the lock; an apply
    outside, on the same host, is refused while it runs — and neither makes duplicates."""
    env = dict(os.environ, ARCHFORM_SIM_LATENCY="0.3")
    # inside, the apply gets a pid no process out here can have (beyond this host's pid_max)
    command = " ".join([sys.executable, "-m", "archform.planner.cli", "apply", str(EXAMPLE), "--auto-approve",
                        *_where(tmp_path)])
    inside = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                               f"echo 3999990 > /proc/sys/kernel/ns_last_pid; {command}"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        row = _wait_for_row(tmp_path / "state.db", inside)
        assert row[1] != inside.pid  # the pid it recorded means something else out here
        try:
            os.kill(row[1], 0)
            visible = True
        except ProcessLookupError:
            visible = False
        assert not visible, "the holder's pid should not be visible outside its namespace"
        outside = CliRunner().invoke(main, ["apply", str(EXAMPLE), "--auto-approve", *_where(tmp_path)])
        assert outside.exit_code == 1, outside.output
        assert "is locked by 'apply'" in outside.stderr and "released a lock" not in outside.stderr
        out, err = inside.communicate(timeout=300)
        assert inside.returncode == 0, err
    finally:
        if inside.poll() is None:
            inside.kill()
            inside.wait()
    plan = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--detailed-exitcode", *_where(tmp_path)])
    assert plan.exit_code == 0, plan.output


def test_lock_timeout_waits_for_the_holder(tmp_path):
    code = ("import sys, time; from archform.planner.state import StateStore; "
            "s = StateStore(sys.argv[1]); s.lock('apply', 'then'); print('locked', flush=True); time.sleep(1.5); "
            "s.unlock(); s.close()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "state.db")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = CliRunner().invoke(main, ["plan", str(EXAMPLE), *_where(tmp_path)])
        assert refused.exit_code == 1 and "--lock-timeout" in refused.stderr
        waited = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--lock-timeout", "1m", "--summary",
                                           *_where(tmp_path)])
        assert waited.exit_code == 0, waited.output
    finally:
        holder.wait(timeout=30)
    bad = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--lock-timeout", "soon", *_where(tmp_path)])
    assert bad.exit_code == 2 and "'soon' is not a duration" in bad.output
