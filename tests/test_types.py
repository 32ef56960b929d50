"""The type check: mypy over the modules `[tool.mypy] files` names in pyproject.toml (the
language; the planner's core joins as it is annotated). A mistake a type checker can see — a
None passed where a Span is needed, a pass calling another with the wrong arguments — fails
here, naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_annotated_modules_type_check(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api", reason="mypy is installed by `make install` (the test extra)")
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--cache-dir", str(tmp_path / "mypy-cache"), "--no-error-summary",
                                "--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, out + err
