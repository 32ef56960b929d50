"""The command line on hostile or careless input: one clear line (or diagnostics) and a non-zero
exit, never a Python traceback; and nothing planted in the cache ever runs."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def archform(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "archform.planner.cli", "--no-color", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def no_traceback(r):
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    return r


# --- output files -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["diagram", "-o", "{missing}/site.dot"],
    ["report", "-o", "{missing}/report.html"],
    ["cfn", "-o", "/proc/no-such-folder"],
    ["chaos", "--fail", "region:us-east-1", "--out", "{missing}/chaos.json"],
])
def test_an_output_in_a_missing_folder_is_one_line(tmp_path, command):
    args = [a.format(missing=tmp_path / "missing") for a in command]
    r = no_traceback(archform(args[0], str(EXAMPLES / "static_site.arch"), *args[1:],
                              "--state", str(tmp_path / "state.db")) if command[0] == "report" else
                     archform(args[0], str(EXAMPLES / "static_site.arch"), *args[1:]))
    assert r.returncode == 1
    [line] = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith("error: cannot write ")
    if "{missing}" in " ".join(command):
        assert line.endswith(f"the folder {tmp_path / 'missing'} does not exist")


# --- the cache --------------------------------------------------------------------------------

class _Planted:
    """Unpickling this creates a file: what a planted cache entry could do, harmlessly."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def cached_env(tmp_path):
    env = dict(os.environ, ARCHFORM_CACHE=str(tmp_path / "cache"), ARCHFORM_CACHE_KEY=str(tmp_path / "key"))
    env.pop("ARCHFORM_NO_CACHE", None)
    return env


@pytest.mark.parametrize("planted", ["code", "garbage", "another shape"])
def test_anything_planted_in_the_cache_is_a_miss_and_runs_nothing(tmp_path, cached_env, planted):
    src = tmp_path / "site.arch"
    shutil.copy(EXAMPLES / "static_site.arch", src)
    for command in (["validate", str(src)], ["plan", str(src), "--state", str(tmp_path / "s.db")]):
        assert archform(*command, env=cached_env).returncode in (0, 2)
    entries = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert len(entries) >= 3  # parser tables, parsed modules, the resolved architecture
    marker = tmp_path / "ran"
    for p in entries:
        p.write_bytes({"code": pickle.dumps(_Planted(marker)), "garbage": b"\x80\x05garbage",
                       "another shape": pickle.dumps(5)}[planted])
    r = no_traceback(archform("validate", str(src), env=cached_env))
    assert r.returncode == 0 and "valid:" in r.stdout
    r = no_traceback(archform("plan", str(src), "--state", str(tmp_path / "s.db"), env=cached_env))
    assert r.returncode == 0 and "Plan:" in r.stdout
    assert not marker.exists()


# --- reading outside the configuration ------------------------------------------------------------

def test_allow_path_lets_every_command_read_another_folder(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "note.txt").write_text("shared note")
    (tmp_path / "infra").mkdir()
    src = tmp_path / "infra" / "main.arch"
    src.write_text('output note = file("../shared/note.txt")\n')
    r = no_traceback(archform("validate", str(src)))
    assert r.returncode == 1 and "file(): '../shared/note.txt' is outside the configuration's folder" in r.stderr
    assert "allow another folder with --allow-path DIR" in r.stderr
    for command in (["validate"], ["inspect"], ["plan", "--state", str(tmp_path / "s.db")]):
        r = no_traceback(archform(command[0], str(src), *command[1:], "--allow-path", str(tmp_path / "shared")))
        assert r.returncode == 0, r.stderr
    env = dict(os.environ, ARCHFORM_ALLOW_PATH=str(tmp_path / "shared"))
    r = no_traceback(archform("inspect", str(src), env=env))
    assert '"note": "shared note"' in r.stdout


def test_limits_are_raised_from_the_environment(tmp_path):
    src = tmp_path / "main.arch"
    src.write_text("output n = length(range(20000))\n")
    r = no_traceback(archform("validate", str(src)))
    assert r.returncode == 1 and "range(): 20,000 elements, over the limit of 10,000" in r.stderr
    assert 'ARCHFORM_LIMITS="range=40000"' in r.stderr
    r = no_traceback(archform("validate", str(src), env=dict(os.environ, ARCHFORM_LIMITS="range=40000")))
    assert r.returncode == 0, r.stderr
    r = no_traceback(archform("validate", str(src), env=dict(os.environ, ARCHFORM_LIMITS="range")))
    assert r.returncode == 1 and "ARCHFORM_LIMITS: 'range' is not name=value with a known limit" in r.stderr
