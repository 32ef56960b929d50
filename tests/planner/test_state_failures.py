"""Failed I/O and bad files end in one line that says what and what to do — never a Python
traceback: a read-only folder, a full disk, tampered saved plans, an unreachable PostgreSQL
server, a bad schema name, a state path that cannot be a file, an output folder that does
not exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

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


def _one_line_error(result_or_text, *words):
    text = result_or_text if isinstance(result_or_text, str) else result_or_text.output
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, text
    for w in words:
        assert w in text, text


def _can_mount() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as d:
        return subprocess.run(["unshare", "--mount", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {d}"],
                              capture_output=True).returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare --mount)")
ARCHFORM = f"{sys.executable} -m archform.planner.cli"


def _in_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "--mount", "sh", "-c", script], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@needs_mount
def test_a_read_only_folder_still_lets_you_look(tmp_path):
    config = _config(tmp_path, 3)
    state = tmp_path / ".archform" / "state.db"
    applied = CliRunner().invoke(main, ["apply", str(config), "--auto-approve", "--state", str(state), "--cloud",
                                        str(tmp_path / "cloud.db")])
    assert applied.exit_code == 0, applied.output
    looks = ["state list", "state show 'primary.data[v001]'", "state pull", "state history", "output",
             "workspace list"]
    script = [f"mount --bind -o ro {tmp_path / '.archform'} {tmp_path / '.archform'}"]
    for i, cmd in enumerate(looks):
        script.append(f"{ARCHFORM} {cmd} --state {state} > look{i}.out 2> look{i}.err; echo $? > look{i}.rc")
    script.append(f"{ARCHFORM} plan {config} --state {state} --cloud {tmp_path / 'cloud.db'} > plan.out 2> plan.err;"
                  " echo $? > plan.rc")
    done = _in_namespace(" ; ".join(script), tmp_path)
    assert done.returncode == 0, done.stderr
    for i, cmd in enumerate(looks):
        rc, err = (tmp_path / f"look{i}.rc").read_text().strip(), (tmp_path / f"look{i}.err").read_text()
        assert rc == "0", f"{cmd}: {err}"
    assert "primary.data[v000]" in (tmp_path / "look0.out").read_text()
    assert (tmp_path / "plan.rc").read_text().strip() == "1"
    _one_line_error((tmp_path / "plan.err").read_text(), "cannot", str(state))


@needs_mount
def test_a_full_disk_stops_the_apply_with_everything_finished_recorded(tmp_path):
    """The state's folder fills up in the middle of an apply of 200 volumes: one line, and the
    state as it was left (copied out of the full disk) holds what finished; the next run, with
    space, converges with no duplicate and no orphan."""
    config = _config(tmp_path, 200)
    small, kept = tmp_path / "small", tmp_path / "kept"
    small.mkdir()
    kept.mkdir()
    script = (f"mount -t tmpfs -o size=300k tmpfs {small} && {ARCHFORM} apply {config} --auto-approve "
              f"--state {small / 'state.db'} --cloud {tmp_path / 'cloud.db'} > apply.out 2> apply.err; "
              f"echo $? > apply.rc; cp -a {small}/. {kept}/")
    done = _in_namespace(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "apply.rc").read_text().strip() == "1"
    err = (tmp_path / "apply.err").read_text()
    _one_line_error(err, "could not write the state", "full", "free some space")
    where = ["--state", str(kept / "state.db"), "--cloud", str(tmp_path / "cloud.db")]
    again = CliRunner().invoke(main, ["apply", str(config), "--auto-approve", *where])
    assert again.exit_code == 0, again.output
    plan = CliRunner().invoke(main, ["plan", str(config), "--detailed-exitcode", *where])
    assert plan.exit_code == 0, plan.output
    orphans = CliRunner().invoke(main, ["sim", "list", "--orphans", *where])
    assert orphans.exit_code == 0 and orphans.output == "", orphans.output


def _saved_plan(tmp_path: Path) -> tuple[Path, list[str]]:
    config = _config(tmp_path, 2)
    where = ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]
    saved = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", str(config), "--out", str(saved), *where])
    assert result.exit_code == 0, result.output
    return saved, where


@pytest.mark.parametrize("tamper", ["edited", "missing_changes", "unknown_action", "not_json", "no_address"])
def test_a_tampered_saved_plan_is_refused(tmp_path, tamper):
    saved, where = _saved_plan(tmp_path)
    doc = json.loads(saved.read_text())
    if tamper == "edited":
        doc["changes"][0]["after"]["size"] = "2GiB"
    elif tamper == "missing_changes":
        del doc["changes"]
    elif tamper == "unknown_action":
        doc["changes"][0]["action"] = "explode"
    elif tamper == "no_address":
        del doc["changes"][0]["address"]
    text = json.dumps(doc, indent=1) if tamper != "not_json" else saved.read_text()[:-40]
    saved.write_text(text)
    for fixed_checksum in ((False, True) if tamper not in ("edited", "not_json") else (False,)):
        if fixed_checksum:  # someone recomputed the checksum: the contents are still checked
            from archform.planner.planfile import _checksum
            doc["checksum"] = _checksum(doc)
            saved.write_text(json.dumps(doc, indent=1))
        result = CliRunner().invoke(main, ["apply", str(saved), "--auto-approve", *where])
        assert result.exit_code == 1
        _one_line_error(result, str(saved))
    assert not (tmp_path / "cloud.db").exists() or "vol-" not in CliRunner().invoke(
        main, ["sim", "list", "--cloud", str(tmp_path / "cloud.db")]).output


def test_an_unreachable_postgresql_server_is_one_line(tmp_path):
    config = _config(tmp_path, 1)
    url = f"postgresql://archform@127.0.0.1:1/nowhere?connect_timeout=2"
    result = CliRunner().invoke(main, ["plan", str(config), "--state", url])
    assert result.exit_code == 1
    _one_line_error(result, "cannot reach the state's PostgreSQL server")
    listed = CliRunner().invoke(main, ["state", "list", "--state", url])
    assert listed.exit_code == 1
    _one_line_error(listed, "cannot reach")


def test_a_bad_schema_name_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["state", "list", "--state", "postgresql://x@127.0.0.1:1/db?schema=Drop Table"])
    assert result.exit_code == 1
    _one_line_error(result, "schema 'Drop Table' is not a lowercase identifier")


@pytest.mark.parametrize("state", ["/proc/archform/state.db", "/proc/self/status"])
def test_a_state_path_that_cannot_be_a_state_is_one_line(tmp_path, state):
    config = _config(tmp_path, 1)
    result = CliRunner().invoke(main, ["plan", str(config), "--state", state, "--cloud", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    _one_line_error(result, state)


def test_a_plan_out_in_a_missing_folder_is_one_line(tmp_path):
    config = _config(tmp_path, 1)
    out = tmp_path / "no" / "such" / "plan.json"
    result = CliRunner().invoke(main, ["plan", str(config), "--out", str(out), "--state", str(tmp_path / "s.db"),
                                       "--cloud", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    _one_line_error(result, "cannot write the plan", f"{out.parent} does not exist")
