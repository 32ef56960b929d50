"""One state, several commands: the lock names its holder, refuses the others at once, and is
removed by `archform force-unlock` with its id (or by itself when its holder is dead).

The modeled cloud gets an API latency (`$ARCHFORM_SIM_LATENCY`) so an apply lasts long enough
for the others to meet its lock; or a very long one, for an apply that will not finish.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.state import StateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha_web.arch"
HOLDER = re.compile(r"error: state of workspace 'default' is locked by '(?P<command>[a-z ]+)' "
                    r"\(pid (?P<pid>\d+) on (?P<host>\S+), since (?P<since>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ), "
                    r"lock id (?P<lock_id>[0-9a-f]{12})\)")
HINT = re.compile(r"run: archform force-unlock (?P<lock_id>[0-9a-f]{12}) --state (?P<state>\S+)")


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "archform.planner.cli", *args]


def _where(tmp_path: Path) -> list[str]:
    return ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]


def _start(tmp_path: Path, name: str, *args: str, latency: float) -> subprocess.Popen:
    env = dict(os.environ, ARCHFORM_SIM_LATENCY=str(latency))
    return subprocess.Popen(_cmd(*args), stdout=open(tmp_path / f"{name}.out", "w"),
                            stderr=open(tmp_path / f"{name}.err", "w"), env=env, cwd=tmp_path)


def _lock_row(state: Path):
    """(lock_id, pid, host, command, since) of the lock, read without taking any lock."""
    if not state.exists():
        return None
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT lock_id, pid, host, command, since FROM locks").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _wait_for_lock(state: Path, proc: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _lock_row(state)
        if row is not None and row[1] == proc.pid:
            return row
        assert proc.poll() is None, "the process ended before it took the lock"
        time.sleep(0.005)
    raise AssertionError("the process never took the lock")


def _refused(err: str, holder_pid: int, command: str, state: Path) -> str:
    """Check a refusal names the holder and the command that removes its lock; the lock id."""
    m = HOLDER.search(err)
    assert m, err
    assert (int(m["pid"]), m["host"], m["command"]) == (holder_pid, socket.gethostname(), command)
    hint = HINT.search(err)
    assert hint and hint["lock_id"] == m["lock_id"] and Path(hint["state"]) == state, err
    assert (m["lock_id"], holder_pid, m["since"]) == tuple(_lock_row(state)[i] for i in (0, 1, 4))
    return m["lock_id"]


def test_two_applies_at_once_one_proceeds_and_the_other_fails_fast_naming_the_holder(tmp_path):
    state = tmp_path / "state.db"
    args = ("apply", str(EXAMPLE), "--auto-approve", *_where(tmp_path))
    # 1 s a call: the apply's walk (six waves of dependent calls) lasts over six seconds, long
    # enough for the refused one and a plan to start and be refused on a loaded machine (at
    # 0.4 s the apply was done before a plan started under load)
    first = _start(tmp_path, "first", *args, latency=1.0)
    second = _start(tmp_path, "second", *args, latency=1.0)
    procs = {first.pid: ("first", first), second.pid: ("second", second)}
    try:
        deadline = time.monotonic() + 60
        while first.poll() is None and second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        loser = first if first.poll() is not None else second
        winner = second if loser is first else first
        loser_err = (tmp_path / f"{procs[loser.pid][0]}.err").read_text()
        assert loser.returncode == 1, loser_err
        # it failed while the other was still at work (it did not wait for the lock)
        assert winner.poll() is None, "the first to end should be the refused one, long before the other"
        _refused(loser_err, winner.pid, "apply", state)

        # a plan while the apply holds the lock is refused too, without waiting
        plan = subprocess.run(_cmd("plan", str(EXAMPLE), *_where(tmp_path)), capture_output=True, text=True,
                              cwd=tmp_path, timeout=60)
        assert plan.returncode == 1, plan.stderr
        assert winner.poll() is None, "the plan should be refused while the apply still runs"
        _refused(plan.stderr, winner.pid, "apply", state)

        assert winner.wait(timeout=120) == 0, (tmp_path / f"{procs[winner.pid][0]}.err").read_text()
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert "Apply complete! Resources: 29 added" in (tmp_path / f"{procs[winner.pid][0]}.out").read_text()
    assert _lock_row(state) is None  # released at the end
    again = CliRunner().invoke(main, ["plan", str(EXAMPLE), *_where(tmp_path), "--detailed-exitcode"])
    assert again.exit_code == 0 and "No changes" in again.output, again.output


def test_force_unlock_needs_the_lock_id(tmp_path):
    """An apply that will not finish (a provider call that takes ten minutes) keeps the lock:
    others are refused, `force-unlock` with another id fails, with its id succeeds."""
    state = tmp_path / "state.db"
    runner = CliRunner()
    hung = _start(tmp_path, "hung", "apply", str(EXAMPLE), "--auto-approve", "--parallelism", "1",
                  *_where(tmp_path), latency=600)
    try:
        _wait_for_lock(state, hung)
        refused = runner.invoke(main, ["apply", str(EXAMPLE), "--auto-approve", *_where(tmp_path)])
        assert refused.exit_code == 1
        lock_id = _refused(refused.stderr, hung.pid, "apply", state)

        wrong = runner.invoke(main, ["force-unlock", "0123456789ab", "--state", str(state)])
        assert wrong.exit_code == 1
        assert f"error: no lock with id 0123456789ab; the current lock is {lock_id}" in wrong.stderr
        assert _lock_row(state)[0] == lock_id

        # its holder still runs: force-unlock asks, and without an answer keeps the lock
        asked = runner.invoke(main, ["force-unlock", lock_id, "--state", str(state)])
        assert asked.exit_code == 1
        assert f"warning: the lock's holder is still running: 'apply' (pid {hung.pid}" in asked.stderr
        assert "Lock kept." in asked.stderr and _lock_row(state)[0] == lock_id
        declined = runner.invoke(main, ["force-unlock", lock_id, "--state", str(state)], input="no\n")
        assert declined.exit_code == 1 and _lock_row(state)[0] == lock_id

        right = runner.invoke(main, ["force-unlock", lock_id, "--state", str(state)], input="yes\n")
        assert right.exit_code == 0, right.output
        assert re.search(rf"Unlocked \(was held by 'apply' \(pid {hung.pid} on .*lock id {lock_id}\)\)\.",
                         right.stdout), right.stdout
        assert _lock_row(state) is None

        plan = runner.invoke(main, ["plan", str(EXAMPLE), *_where(tmp_path), "--summary"])
        assert plan.exit_code == 0, plan.output
        assert "is locked" not in plan.output
        again = runner.invoke(main, ["force-unlock", lock_id, "--state", str(state)])
        assert again.exit_code == 1 and "the state is not locked" in again.stderr
    finally:
        hung.send_signal(signal.SIGKILL)
        hung.wait()
    # what the stuck apply had begun is reconciled by the next one
    done = runner.invoke(main, ["apply", str(EXAMPLE), "--auto-approve", *_where(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "released a lock" not in done.stderr  # it was removed by hand
    after = runner.invoke(main, ["plan", str(EXAMPLE), *_where(tmp_path), "--detailed-exitcode"])
    assert after.exit_code == 0, after.output


def _put_lock(state: Path, pid: int, host: str, command: str = "apply", lock_id: str = "feedc0ffee42"):
    StateStore(state).close()  # the schema
    conn = sqlite3.connect(state)
    with conn:
        conn.execute("INSERT INTO locks VALUES ('default', ?, ?, ?, ?, '2026-01-02T03:04:05Z')",
                     (lock_id, pid, host, command))
    conn.close()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_lock_whose_holder_died_here_is_released_and_the_user_told(tmp_path):
    state = tmp_path / "state.db"
    pid = _dead_pid()
    _put_lock(state, pid, socket.gethostname())
    result = CliRunner().invoke(main, ["plan", str(EXAMPLE), *_where(tmp_path), "--summary"])
    assert result.exit_code == 0, result.output
    assert (f"note: released a lock left by a process that no longer runs: 'apply' (pid {pid} on "
            f"{socket.gethostname()}, since 2026-01-02T03:04:05Z, lock id feedc0ffee42)") in result.stderr
    assert _lock_row(state) is None


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_a_lock_held_on_another_host_is_never_released_by_guessing(tmp_path, command):
    """A pid means nothing on another machine: the lock stays until force-unlock."""
    state = tmp_path / "state.db"
    _put_lock(state, _dead_pid(), "build-server-7")
    result = CliRunner().invoke(main, [command[0], str(EXAMPLE), *command[1:], *_where(tmp_path)])
    assert result.exit_code == 1
    assert "on build-server-7, since 2026-01-02T03:04:05Z, lock id feedc0ffee42" in result.stderr
    assert f"run: archform force-unlock feedc0ffee42 --state {state}" in result.stderr
    assert _lock_row(state)[0] == "feedc0ffee42"


def test_state_edits_take_the_lock_too(tmp_path):
    state = tmp_path / "state.db"
    _put_lock(state, _dead_pid(), "build-server-7", command="apply")
    result = CliRunner().invoke(main, ["state", "rm", "primary.web", "--state", str(state)])
    assert result.exit_code == 1
    assert "locked by 'apply'" in result.stderr and "archform force-unlock feedc0ffee42" in result.stderr


def test_an_apply_whose_lock_is_taken_away_starts_nothing_more(tmp_path):
    """force-unlock on a running apply: it once went on with its plan beside the command that
    took the workspace next, and resources were made twice and orphaned. It now notices within
    half a second, records what finished and starts nothing more."""
    state = tmp_path / "state.db"
    runner = CliRunner()
    slow = _start(tmp_path, "slow", "apply", str(EXAMPLE), "--auto-approve", "--parallelism", "1",
                  *_where(tmp_path), latency=0.5)
    try:
        lock_id = _wait_for_lock(state, slow)[0]
        time.sleep(1.5)  # a few operations done
        taken = runner.invoke(main, ["force-unlock", lock_id, "--state", str(state)], input="yes\n")
        assert taken.exit_code == 0, taken.output
        assert slow.wait(timeout=30) == 1
    finally:
        if slow.poll() is None:
            slow.send_signal(signal.SIGKILL)
            slow.wait()
    err = (tmp_path / "slow.err").read_text()
    assert "not attempted: the state lock was taken from this apply (`archform force-unlock`)" in err
    assert "Apply failed. Finished:" in err
    made = re.search(r"Finished: (\d+) added", err)
    total = len(StateStore(state).read().resources)
    assert made and int(made.group(1)) == total and 0 < total < 30  # what finished is recorded, no more
    done = runner.invoke(main, ["apply", str(EXAMPLE), "--auto-approve", *_where(tmp_path)])
    assert done.exit_code == 0, done.output
    orphans = runner.invoke(main, ["sim", "list", "--orphans", "--cloud", str(tmp_path / "cloud.db"),
                                   "--state", str(state)])
    assert orphans.exit_code == 0 and orphans.output.strip() in ("", "No orphans."), orphans.output
