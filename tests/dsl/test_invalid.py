"""A catalogue of mistakes people make, one file each under invalid/.

Each file's first line names a phrase the diagnostics must contain (`# expect: ...`); the whole
rendered output is a syrupy snapshot, so a change in wording or underlining shows in review.
"""

from pathlib import Path

import pytest

from archform.dsl.diagnostics import render_all, to_json
from archform.dsl.resolve import resolve

HERE = Path(__file__).parent / "invalid"
CASES = sorted(HERE.glob("*.arch"))


def _expected(case: Path) -> str:
    first = case.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{case.name} must start with '# expect: <phrase>'"
    return first.removeprefix("# expect: ")


def test_the_catalogue_is_large():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_input_is_diagnosed(case, snapshot, monkeypatch):
    monkeypatch.chdir(HERE)
    _, diags = resolve(case.name)
    rendered = render_all(diags)
    assert any(d.is_error for d in diags), rendered
    assert _expected(case) in rendered
    assert "internal error" not in rendered
    for d in diags:  # every error points at the file, with a position
        if d.is_error and d.span is not None:
            assert d.span.file.endswith(".arch")
            assert to_json(d)["range"]["start"]["line"] >= 1
    assert rendered == snapshot
