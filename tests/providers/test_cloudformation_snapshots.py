"""Snapshots of the CloudFormation of every example: each template as a reviewer reads it
(YAML), and the manifest that orders the stacks. A change to a mapping shows here first."""

from pathlib import Path

import pytest

from archform.providers.cloudformation import generate
from archform.providers.cloudformation.write import text_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.arch"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_templates(path, snapshot, monkeypatch):
    monkeypatch.chdir(ROOT)  # the templates name their source relative to the working directory
    result = generate(path.relative_to(ROOT), {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    for template, body in result.templates:
        assert text_of(body, "yaml") == snapshot(name=template.file)
    assert result.manifest == snapshot(name="manifest")
