"""The SQLite state store: what `state pull` and its history show."""

from __future__ import annotations

import json
import sqlite3

from archform.planner.state import StateResource, StateStore, _dumps


def _resource(address, **kw):
    return StateResource(address, kw.pop("kind", "subnet"), f"id-{address}", "eu-west-1", address.split(".")[-1],
                         None, kw.pop("config", {}), kw.pop("applied", {}), {"id": f"id-{address}"},
                         kw.pop("deps", ()), {"prevent_destroy": False}, kw.pop("status", "ok"))


def test_a_history_snapshot_is_the_state_as_it_was(tmp_path):
    store = StateStore(tmp_path / "state.db")
    store.bump_serial()
    # addresses whose order differs between code points and a naive collation; nested config
    store.put_many([
        _resource("prod.vpc", kind="vpc", config={"cidr": "10.0.0.0/16", "tags": {"b": "2", "a": "1"}}),
        _resource("prod.Zed", config={"vpc": {"$ref": "prod.vpc"}}, deps=("prod.vpc",)),
        _resource("prod.é", config={"size": 2**70}, status="tainted"),  # beyond 64 bits: the slow path
        _resource("prod.a_1", config={"list": [3, 1, 2], "n": 1.5}),
    ])
    store.set_outputs({"zeta": {"config": {"$ref": "prod.vpc"}, "value": "vpc-1"}, "alpha": {"value": None}})
    store.snapshot("apply")
    expected = store.read().json()
    assert store.history_snapshot(1) == expected
    with sqlite3.connect(tmp_path / "state.db") as db:
        text = db.execute("SELECT snapshot FROM history WHERE serial=1").fetchone()[0]
    assert text == _dumps(expected)  # byte for byte what a whole-state dump gives
    assert [r["address"] for r in json.loads(text)["resources"]] == ["prod.Zed", "prod.a_1", "prod.vpc", "prod.é"]
    assert store.history() == [(1, store.read().lineage, "apply")]
    # a later change leaves the old snapshot as it was
    store.bump_serial()
    store.remove("prod.a_1")
    store.snapshot("state rm")
    assert store.history_snapshot(1) == expected
    assert [r["address"] for r in store.history_snapshot(2)["resources"]] == ["prod.Zed", "prod.vpc", "prod.é"]
    store.close()


def test_every_command_finds_the_state_named_by_archform_state(tmp_path, monkeypatch):
    """$ARCHFORM_STATE names the state for every command that reads it, not only plan/apply."""
    from pathlib import Path

    from click.testing import CliRunner

    from archform.planner.cli import main
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHFORM_STATE", str(tmp_path / "team" / "state.db"))
    (tmp_path / "team").mkdir()
    example = Path(__file__).resolve().parents[2] / "examples" / "static_site.arch"
    runner = CliRunner()
    applied = runner.invoke(main, ["apply", str(example), "--auto-approve", "--cloud", "cloud.db"])
    assert applied.exit_code == 0, applied.output
    assert (tmp_path / "team" / "state.db").exists() and not (tmp_path / ".archform").exists()
    listed = runner.invoke(main, ["state", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith("cdn\tcloudfront\t")
    output = runner.invoke(main, ["output"])
    assert output.exit_code == 0, output.output
    assert 'bucket = "docs.example.org"' in output.output
