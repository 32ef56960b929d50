"""The state in a real PostgreSQL server (for teams): the same behaviour as the SQLite store,
end to end through the CLI, and locks that never make unrelated projects wait."""

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.state import StateLocked, StateResource, open_state
import postgres_server

pytestmark = pytest.mark.skipif(not postgres_server.available(),
                                reason="PostgreSQL is not installed (make test installs it)")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha_web.arch"


@pytest.fixture(scope="module")
def pg():
    folder = Path(tempfile.mkdtemp(prefix="archform-pg-"))
    server = postgres_server.Server(folder)
    url = server.start()
    yield url
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _url(pg, schema):
    return f"{pg}&schema={schema}"


def test_records_serial_lineage_pending_and_history(pg):
    store = open_state(_url(pg, "records"))
    snap = store.read()
    assert snap.serial == 0 and snap.resources == {}
    assert store.bump_serial() == 1
    r = StateResource("primary.main", "vpc", "vpc-1", "us-east-1", "main", None, {"cidr": "10.0.0.0/16"},
                      {"cidr": "10.0.0.0/16"}, {"id": "vpc-1"}, (), {}, "ok")
    op = store.begin("primary.main", "vpc", "create", token="t1")
    assert [p.token for p in store.read().pending] == ["t1"]
    store.put(r, clear_pending=op)
    store.put(StateResource("primary.a", "subnet", "subnet-1", config={"vpc": {"$ref": "primary.main"}},
                            deps=("primary.main",)))
    store.rename("primary.main", "primary.core")  # references follow
    snap = store.read()
    assert sorted(snap.resources) == ["primary.a", "primary.core"]
    assert snap.resources["primary.a"].config == {"vpc": {"$ref": "primary.core"}}
    assert snap.resources["primary.a"].deps == ("primary.core",)
    assert snap.pending == []
    store.set_outputs({"zeta": {"value": 1}, "alpha": {"value": "a"}})
    store.snapshot("test")
    assert [h[0] for h in store.history()] == [1]
    assert store.history_snapshot(1) == store.read().json()  # what `state pull --serial 1` shows
    store.close()
    again = open_state(_url(pg, "records"))  # a second connection sees the same lineage
    assert again.read().lineage == snap.lineage
    again.close()


def test_the_lock_names_its_holder(pg):
    first = open_state(_url(pg, "locks"))
    second = open_state(_url(pg, "locks"))
    held = first.lock("apply", "2026-11-27T12:00:00Z")
    with pytest.raises(StateLocked) as e:
        second.lock("plan", "2026-11-27T12:00:01Z")
    assert e.value.holder.lock_id == held.lock_id and e.value.holder.command == "apply"
    assert second.force_unlock(held.lock_id)
    second.lock("plan", "2026-11-27T12:00:02Z")
    second.unlock()
    first.close()
    second.close()


def test_unrelated_projects_and_workspaces_never_wait(pg):
    """A long write in one project's workspace does not hold up another project or workspace."""
    slow = open_state(_url(pg, "project_a"), "prod")
    other_project = open_state(_url(pg, "project_b"), "prod")
    other_workspace = open_state(_url(pg, "project_a"), "staging")
    same = open_state(_url(pg, "project_a"), "prod")
    inside = threading.Event()
    release = threading.Event()

    def hold():
        with slow._tx():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(10)
    started = time.perf_counter()
    other_project.bump_serial()
    other_workspace.bump_serial()
    unrelated = time.perf_counter() - started
    blocked = threading.Thread(target=same.bump_serial)
    blocked.start()
    blocked.join(0.5)
    assert blocked.is_alive(), "the same workspace must wait for the writer"
    release.set()
    t.join()
    blocked.join(10)
    assert not blocked.is_alive()
    assert unrelated < 5  # not waiting for the held transaction (which lasts until released)
    for s in (slow, other_project, other_workspace, same):
        s.close()


def test_plan_apply_plan_through_the_cli(pg, tmp_path):
    state = _url(pg, "cli")
    cloud = str(tmp_path / "cloud.db")
    runner = CliRunner()
    applied = runner.invoke(main, ["apply", str(EXAMPLE), "--auto-approve", "--state", state, "--cloud", cloud])
    assert applied.exit_code == 0, applied.output
    assert "29 added" in applied.output
    again = runner.invoke(main, ["plan", str(EXAMPLE), "--detailed-exitcode", "--state", state, "--cloud", cloud])
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output
    listed = runner.invoke(main, ["state", "list", "--state", state])
    assert listed.exit_code == 0 and "primary.orders" in listed.output


def test_a_damaged_record_is_found_and_restored_from_history(pg, tmp_path):
    import psycopg
    from archform.planner.state_integrity import StateDamaged
    state = _url(pg, "damage")
    cloud = str(tmp_path / "cloud.db")
    runner = CliRunner()
    assert runner.invoke(main, ["apply", str(EXAMPLE), "--auto-approve", "--state", state, "--cloud", cloud]).exit_code == 0
    with psycopg.connect(pg.split("&schema")[0], autocommit=True) as conn:
        conn.execute("UPDATE damage.resources SET doc = replace(doc, 'm5.large', 'm5.small') "
                     "WHERE address = 'primary.web_fleet'")
    store = open_state(state)
    with pytest.raises(StateDamaged, match="primary.web_fleet"):
        store.read()
    store.close()
    listed = runner.invoke(main, ["state", "list", "--state", state])
    assert listed.exit_code == 1 and "damaged" in listed.stderr and "Traceback" not in listed.output
    restored = runner.invoke(main, ["state", "restore", "--state", state])
    assert restored.exit_code == 0, restored.output
    assert "from the history snapshot of serial 1" in restored.output
    again = runner.invoke(main, ["plan", str(EXAMPLE), "--detailed-exitcode", "--state", state, "--cloud", cloud])
    assert again.exit_code == 0, again.output


def test_a_killed_holder_releases_its_lock_with_its_session(pg):
    import signal
    import subprocess
    import sys
    url = _url(pg, "killed")
    code = ("import sys, time; from archform.planner.state import open_state; "
            "s = open_state(sys.argv[1]); s.lock('apply', 'then'); print('locked', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    store = open_state(url)
    try:
        with pytest.raises(StateLocked):
            store.lock("plan", "now")
        assert store.holder_alive()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while store.holder_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # the server notices the closed connection
        store.lock("plan", "now", timeout=5)
        assert store.released_stale is not None and store.released_stale.pid == proc.pid
        store.unlock()
    finally:
        store.close()
