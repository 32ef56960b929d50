"""A damaged, truncated, foreign or lost state is refused with one line that says what to do,
and `archform state restore` brings back the last good copy. Nothing is read silently: a
state that reads as "fewer resources" would have the next apply make them again.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.state import StateStore
from archform.planner.state_integrity import StateDamaged, StateError

VOLUMES = """
region "us-east-1" as primary {{
  ebs_volume data for n in [{names}] {{
    az = "us-east-1a"
    size = 20GiB
  }}
}}
"""


def _config(folder: Path, count: int) -> Path:
    path = folder / "main.arch"
    path.write_text(VOLUMES.format(names=", ".join(f'"v{i:03d}"' for i in range(count))))
    return path


def _run(folder: Path, *args, state=True, cloud=True, input=None):
    extra = []
    if state:
        extra += ["--state", str(folder / "state.db")]
    if cloud:
        extra += ["--cloud", str(folder / "cloud.db")]
    result = CliRunner().invoke(main, [*args, *extra], input=input)
    assert "Traceback" not in result.output, result.output
    return result


def _applied(folder: Path, count: int = 40) -> Path:
    config = _config(folder, count)
    result = _run(folder, "apply", str(config), "--auto-approve")
    assert result.exit_code == 0, result.output
    return config


def _refused(result, *words):
    assert result.exit_code == 1, result.output
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("error: "), result.stderr
    for w in words:
        assert w in result.stderr, result.stderr


def _flip_bytes(path: Path, count: int, seed: int):
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(count):
        i = rng.randrange(100, len(data))  # past the header: the pages
        data[i] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", range(6))
def test_flipped_bytes_are_refused_and_restored(tmp_path, seed):
    config = _applied(tmp_path)
    ids = {a: r.id for a, r in StateStore(tmp_path / "state.db").read().resources.items()}
    _flip_bytes(tmp_path / "state.db", 20, seed)
    for args in (("plan", str(config)), ("apply", str(config), "--auto-approve")):
        _refused(_run(tmp_path, *args), "damaged", "archform state restore")
    _refused(_run(tmp_path, "state", "list", cloud=False), "damaged")
    restored = _run(tmp_path, "state", "restore", cloud=False)
    assert restored.exit_code == 0, restored.output
    assert "Restored workspace 'default'" in restored.output
    store = StateStore(tmp_path / "state.db")
    try:
        assert {a: r.id for a, r in store.read().resources.items()} == ids
    finally:
        store.close()
    plan = _run(tmp_path, "plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output


def test_a_record_edited_by_hand_is_named(tmp_path):
    _applied(tmp_path, 3)
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("UPDATE resources SET doc = replace(doc, '20GiB', '2GiB') WHERE address = 'primary.data[v001]'")
    _refused(_run(tmp_path, "state", "list", cloud=False), "damaged", "primary.data[v001]")


def test_a_lost_record_is_found(tmp_path):
    _applied(tmp_path, 3)
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("DELETE FROM resources WHERE address = 'primary.data[v002]'")
    _refused(_run(tmp_path, "state", "list", cloud=False), "damaged", "2 record(s) read where 3 were written")


def test_an_empty_file_is_not_a_new_state(tmp_path):
    config = _applied(tmp_path, 3)
    (tmp_path / "state.db").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(str(tmp_path / "state.db") + suffix).unlink(missing_ok=True)
    _refused(_run(tmp_path, "plan", str(config)), "is empty (0 bytes)")
    assert _run(tmp_path, "state", "restore", cloud=False).exit_code == 0
    assert _run(tmp_path, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_a_deleted_state_whose_backups_hold_resources_is_not_started_afresh(tmp_path):
    config = _applied(tmp_path, 3)
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp_path / "state.db") + suffix).unlink(missing_ok=True)
    _refused(_run(tmp_path, "apply", str(config), "--auto-approve"), "is missing", "records 3 resource(s)",
             "archform state restore")
    restored = _run(tmp_path, "state", "restore", cloud=False)
    assert restored.exit_code == 0 and "was missing" in restored.output, restored.output
    assert _run(tmp_path, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_foreign_files_are_refused(tmp_path):
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello\n" * 100)
    _refused(CliRunner().invoke(main, ["state", "list", "--state", str(not_sqlite)]), "not an archform state")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    _refused(CliRunner().invoke(main, ["plan", str(_config(tmp_path, 1)), "--state", str(other)]),
             "not an archform state")
    with sqlite3.connect(other) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]  # untouched


def test_a_newer_schema_is_one_line(tmp_path):
    _applied(tmp_path, 1)
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("PRAGMA user_version = 99")
    _refused(_run(tmp_path, "state", "list", cloud=False), "newer archform (schema 99)")


def test_restore_goes_back_to_a_named_serial(tmp_path):
    config = _applied(tmp_path, 2)
    assert _run(tmp_path, "state", "rm", "primary.data[v000]", cloud=False).exit_code == 0
    intact = _run(tmp_path, "state", "restore", cloud=False)
    _refused(intact, "is intact", "--serial N")
    back = _run(tmp_path, "state", "restore", "--serial", "1", cloud=False)
    assert back.exit_code == 0, back.output
    assert "as serial 3" in back.output
    assert _run(tmp_path, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_history_and_backups_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHFORM_STATE_HISTORY", "3")
    monkeypatch.setenv("ARCHFORM_STATE_BACKUPS", "2")
    config = _applied(tmp_path, 3)
    for i in range(3):
        assert _run(tmp_path, "state", "rm", f"primary.data[v00{i}]", cloud=False).exit_code == 0
    history = _run(tmp_path, "state", "history", cloud=False).output.splitlines()
    assert [line.split("\t")[0] for line in history] == ["2", "3", "4"]
    backups = sorted(p.name for p in (tmp_path / "state.db.backups" / "default").iterdir())
    assert backups == ["00000003.json", "00000004.json"]
    assert config.exists()


def test_state_rm_is_all_or_nothing(tmp_path):
    _applied(tmp_path, 5)
    result = _run(tmp_path, "state", "rm", "primary.data[v000]", "primary.data[v001]", "primary.nope", cloud=False)
    _refused(result, "not in the state: primary.nope", "nothing was removed")
    assert len(StateStore(tmp_path / "state.db").read().resources) == 5

    store = StateStore(tmp_path / "state.db")
    with pytest.raises(RuntimeError):
        with store.edit("state rm") as edit:
            edit.remove("primary.data[v000]")
            edit.remove("primary.data[v001]")
            raise RuntimeError("killed half-way")
    snap = store.read()
    assert len(snap.resources) == 5 and snap.serial == 1  # neither the removals nor the serial bump
    store.close()


def test_the_store_raises_state_errors_not_sqlite_errors(tmp_path):
    (tmp_path / "x.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 500)
    with pytest.raises(StateError):
        StateStore(tmp_path / "x.db").read()
    (tmp_path / "y.db").write_bytes(b"")
    with pytest.raises(StateDamaged):
        StateStore(tmp_path / "y.db")


def test_the_snapshot_files_are_what_state_pull_shows(tmp_path):
    _applied(tmp_path, 2)
    pulled = json.loads(_run(tmp_path, "state", "pull", cloud=False).output)
    backup = json.loads((tmp_path / "state.db.backups" / "default" / "00000001.json").read_text())
    assert backup == pulled
