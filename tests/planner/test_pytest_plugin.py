"""archform's pytest plugin as a user meets it: a generated project (an `.arch` file and a test
file using `archform_plan` / `archform_apply` with syrupy snapshots), run by a real pytest
(`pytester`), with the plugin found through its `pytest11` entry point and nothing else.

The snapshots syrupy writes for that project are themselves snapshotted here, so a change in
what users would record shows up in review."""

from __future__ import annotations

import re

import pytest

# Imported before `pytester` snapshots sys.modules (it drops, at teardown, every module first
# imported during its test; a later test would then mix two copies of archform's modules).
from archform.planner.pytest_plugin import ArchformError, ArchformState, apply, plan
from archform.planner.state import StateStore

pytest_plugins = ["pytester"]

MAIN_ARCH = """\
param env: string = "prod"

region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
    tags = { env = env }
  }

  subnet app {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = "us-east-1a"
  }
}

output vpc = primary.main.id
"""

USER_TESTS = '''\
"""What a user writes: plans of infra/main.arch, snapshot-tested."""

from syrupy.extensions.json import JSONSnapshotExtension


def test_fresh_plan(archform_plan, snapshot):
    plan = archform_plan("infra/main.arch")
    assert plan.has_changes and plan.counts == {"add": 2, "change": 0, "replace": 0, "destroy": 0}
    assert plan.text == snapshot


def test_fresh_plan_json(archform_plan, snapshot):
    plan = archform_plan("infra/main.arch")
    assert plan.json["prior_state"]["lineage"] == "<lineage>"
    assert plan.json == snapshot(extension_class=JSONSnapshotExtension)


def test_apply_then_edit(archform_apply, archform_plan, snapshot):
    state = archform_apply("infra/main.arch")
    assert not archform_plan("infra/main.arch", state=state).has_changes
    assert sorted(state.resources()) == ["primary.app", "primary.main"]
    edited = archform_plan("infra/main.arch", state=state, params={"env": "staging"})
    assert edited.summary == snapshot
    assert edited.text == snapshot


def test_an_existing_state_file(archform_apply, archform_plan, tmp_path):
    archform_apply("infra/main.arch", state=tmp_path / "state.db")
    assert (tmp_path / "cloud.db").exists()
    assert not archform_plan("infra/main.arch", state=str(tmp_path / "state.db")).has_changes
    assert archform_plan("infra/main.arch", state=tmp_path / "state.db", destroy=True).counts["destroy"] == 2


def test_errors_are_diagnostics(archform_plan, snapshot):
    plan = archform_plan("infra/broken.arch")
    assert plan.errored and not plan.has_changes
    assert plan.diagnostics == snapshot
'''

BROKEN_ARCH = """\
region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
  }

  subnet app {
    vpc  = mian
    cidr = 10.0.1.0/24
    az   = "us-east-1a"
  }
}
"""


@pytest.fixture
def project(pytester):
    (pytester.path / "infra").mkdir()
    (pytester.path / "infra" / "main.arch").write_text(MAIN_ARCH)
    (pytester.path / "infra" / "broken.arch").write_text(BROKEN_ARCH)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_infra.py").write_text(USER_TESTS)
    return pytester


def _snapshots(pytester) -> dict[str, str]:
    folder = pytester.path / "tests" / "__snapshots__"
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_users_snapshot_tests_record_then_pass_then_catch_an_edit(project, snapshot):
    first = project.runpytest_subprocess("-p", "no:cacheprovider", "--snapshot-update")
    first.assert_outcomes(passed=5)
    recorded = _snapshots(project)
    assert set(recorded) == {"test_infra.ambr", "test_infra/test_fresh_plan_json.json"}
    assert not any("\x1b[" in text for text in recorded.values()), "no colour in snapshots"
    assert recorded == snapshot

    # a second run, with new temporary states (new lineages), matches what was recorded
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=5)
    assert _snapshots(project) == recorded

    # an edit of the architecture: the snapshot tests fail and show what the plan now says
    (project.path / "infra" / "main.arch").write_text(MAIN_ARCH.replace("10.0.1.0/24", "10.0.2.0/24"))
    edited = project.runpytest_subprocess("-p", "no:cacheprovider")
    edited.assert_outcomes(passed=3, failed=2)
    output = edited.stdout.str()
    assert "FAILED tests/test_infra.py::test_fresh_plan " in output
    assert "FAILED tests/test_infra.py::test_fresh_plan_json " in output
    assert re.search(r'\+ .*cidr\s+= "10\.0\.2\.0/24"', output), output


def test_the_fixtures_are_registered_by_the_entry_point(pytester):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures")
    output = result.stdout.str()
    assert "fixtures defined from archform.planner.pytest_plugin" in output
    for name in ("archform_plan", "archform_apply", "archform_state"):
        assert re.search(rf"^{name} -- \S*pytest_plugin\.py:\d+$", output, re.M), output
    # and a user can switch it off
    off = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:archform", "--fixtures")
    assert "archform_plan" not in off.stdout.str()


COMPARE = """\
import json

from click.testing import CliRunner

from archform.planner.cli import main


def test_the_fixture_gives_what_the_command_line_prints(archform_plan, tmp_path):
    plan = archform_plan("infra/main.arch")
    where = ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]
    text = CliRunner().invoke(main, ["plan", "infra/main.arch", *where])
    assert text.exit_code == 0, text.output
    assert plan.text == text.stdout
    summary = CliRunner().invoke(main, ["plan", "infra/main.arch", "--summary", *where])
    assert plan.summary == summary.stdout
    doc = json.loads(CliRunner().invoke(main, ["plan", "infra/main.arch", "--format", "json", *where]).stdout)
    assert doc["prior_state"]["lineage"] != "<lineage>"
    doc["prior_state"]["lineage"] = "<lineage>"
    assert plan.json == doc
"""


def test_a_fresh_plan_is_what_the_command_line_prints(project):
    """The fixture's text is what `archform plan` prints (run from the rootdir), its summary what
    `--summary` prints, its JSON what `--format json` prints, lineage aside."""
    (project.path / "tests" / "test_compare.py").write_text(COMPARE)
    project.runpytest_subprocess("-p", "no:cacheprovider", "tests/test_compare.py").assert_outcomes(passed=1)


def test_a_locked_state_and_a_broken_apply_are_errors_that_say_why(tmp_path):
    (tmp_path / "main.arch").write_text(MAIN_ARCH)
    (tmp_path / "broken.arch").write_text(BROKEN_ARCH)
    where = ArchformState(tmp_path / "state.db", tmp_path / "cloud.db")
    holder = StateStore(where.state)
    info = holder.lock("apply", "2026-01-02T03:04:05Z")  # held by this (live) process
    try:
        with pytest.raises(ArchformError, match=rf"locked by 'apply' .*lock id {info.lock_id}\).*"
                                                rf"archform force-unlock {info.lock_id} --state "):
            plan(tmp_path / "main.arch", where, tmp_path)
    finally:
        holder.unlock()
        holder.close()
    assert apply(tmp_path / "main.arch", where, tmp_path) == where
    assert not plan(tmp_path / "main.arch", where, tmp_path).has_changes
    with pytest.raises(ArchformError, match=r"(?s)broken.arch has errors:.*'mian' is not a name in scope"):
        apply(tmp_path / "broken.arch", where, tmp_path)
    broken = plan(tmp_path / "broken.arch", where, tmp_path)
    assert broken.errored and broken.json["errored"] and "did you mean 'main'?" in broken.text
