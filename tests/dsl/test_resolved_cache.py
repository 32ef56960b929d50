"""A resolved architecture is reused only while every input it came from is unchanged."""

import json

import pytest

from archform.dsl import resolve as resolve_module
from archform.dsl import resolved_cache
from archform.dsl.diagnostics import render
from archform.dsl.resolved_cache import resolve_reusing

MAIN = """\
use "./net" as net

global_accelerator edge {
}

region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
    tags = { Note = file("note.txt"), Env = env }
  }
  net app {
    vpc = main
  }
}

param env: string = "dev"
"""

NET = """\
param vpc: ref(vpc)

subnet app {{
  vpc  = vpc
  cidr = cidrsubnet(vpc.cidr, 8, {index})
  az   = "us-east-1a"
}}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHFORM_NO_CACHE", raising=False)
    monkeypatch.setenv("ARCHFORM_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.arch").write_text(MAIN)
    (tmp_path / "net.arch").write_text(NET.format(index=1))
    (tmp_path / "note.txt").write_text("hello")
    return tmp_path


@pytest.fixture
def resolves(monkeypatch):
    """How many times the resolver really ran."""
    calls = []
    real = resolve_module.resolve

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(resolve_module, "resolve", counting)
    return calls


def doc(desired):
    return json.dumps(desired.json(), sort_keys=True)


def test_unchanged_inputs_reuse_the_result_with_its_warnings(project, resolves):
    first, warnings = resolve_reusing("main.arch")
    again, replayed = resolve_reusing("main.arch")
    assert len(resolves) == 1
    assert doc(again) == doc(first)
    assert [render(d) for d in replayed] == [render(d) for d in warnings]
    assert any("routes traffic nowhere" in d.summary for d in replayed)
    assert again.source_hash == first.source_hash and again.files == first.files


def test_an_edited_module_is_resolved_again(project, resolves):
    first, _ = resolve_reusing("main.arch")
    (project / "net.arch").write_text(NET.format(index=7))
    second, _ = resolve_reusing("main.arch")
    assert len(resolves) == 2
    assert first.resources["primary.app.app"].attrs["cidr"] == "10.0.1.0/24"
    assert second.resources["primary.app.app"].attrs["cidr"] == "10.0.7.0/24"


def test_an_edited_root_file_is_resolved_again(project, resolves):
    resolve_reusing("main.arch")
    (project / "main.arch").write_text(MAIN.replace("10.0.0.0/16", "10.1.0.0/16"))
    second, _ = resolve_reusing("main.arch")
    assert second.resources["primary.main"].attrs["cidr"] == "10.1.0.0/16"
    assert len(resolves) == 2


def test_a_file_read_by_file_is_an_input(project, resolves):
    resolve_reusing("main.arch")
    (project / "note.txt").write_text("changed")
    second, _ = resolve_reusing("main.arch")
    assert second.resources["primary.main"].attrs["tags"]["Note"] == "changed"
    assert len(resolves) == 2


def test_a_file_that_is_not_arch_source_is_never_a_module(project, resolves):
    """`use "./net"` names `net.arch`: a file called `net` beside it is not a module, so
    creating one changes nothing and the kept result stays good."""
    first, _ = resolve_reusing("main.arch")
    (project / "net").write_text(NET.format(index=3))
    second, _ = resolve_reusing("main.arch")
    assert len(resolves) == 1
    assert second.resources["primary.app.app"].attrs["cidr"] == "10.0.1.0/24"


def test_parameters_and_working_directory_are_part_of_the_key(project, resolves):
    dev, _ = resolve_reusing("main.arch")
    prod, _ = resolve_reusing("main.arch", {"env": "prod"})
    assert dev.resources["primary.main"].attrs["tags"]["Env"] == "dev"
    assert prod.resources["primary.main"].attrs["tags"]["Env"] == "prod"
    resolve_reusing("main.arch", {"env": "prod"})
    assert len(resolves) == 2
    (project / "sub").mkdir()
    import os
    os.chdir(project / "sub")
    resolve_reusing("../main.arch", {"env": "prod"})
    assert len(resolves) == 3  # display names are relative to where archform runs


def test_results_with_errors_are_never_kept(project, resolves):
    (project / "main.arch").write_text(MAIN.replace("cidr = 10.0.0.0/16", "cidr = 10.0.0.0/33"))
    for _ in range(2):
        desired, diags = resolve_reusing("main.arch")
        assert any(d.is_error for d in diags)
    assert len(resolves) == 2
    assert not list((project / "cache" / "resolved").glob("*.cache"))


def test_no_cache_means_no_reuse(project, resolves, monkeypatch):
    monkeypatch.setenv("ARCHFORM_NO_CACHE", "1")
    resolve_reusing("main.arch")
    resolve_reusing("main.arch")
    assert len(resolves) == 2
    assert not (project / "cache").exists()


def test_a_damaged_entry_is_resolved_again(project, resolves):
    resolve_reusing("main.arch")
    [entry] = (project / "cache" / "resolved").glob("*.cache")
    entry.write_bytes(b"not a cache file")
    desired, _ = resolve_reusing("main.arch")
    assert "primary.main" in desired.resources
    assert len(resolves) == 2


def test_other_code_gives_another_entry(project, resolves, monkeypatch):
    resolve_reusing("main.arch")
    monkeypatch.setattr(resolved_cache, "_CODE", "another release")
    resolve_reusing("main.arch")
    assert len(resolves) == 2
    assert len(list((project / "cache" / "resolved").glob("*.cache"))) == 2


def test_plan_output_is_the_same_from_a_kept_result(project):
    from click.testing import CliRunner

    from archform.planner.cli import main
    args = ["plan", "main.arch", "--state", "s.db", "--cloud", "c.db"]
    fresh = CliRunner().invoke(main, args)
    kept = CliRunner().invoke(main, args)
    assert fresh.exit_code == kept.exit_code == 0, fresh.output
    assert kept.output == fresh.output
    assert "primary.subnet" not in kept.output and "primary.app.app" in kept.output
    (project / "note.txt").write_text("edited")
    edited = CliRunner().invoke(main, args)
    assert '"edited"' in edited.output
