"""Snapshots of the CloudFormation of every example: each template as a reviewer reads it
(YAML), and the manifest that orders the stacks. A change to a mapping shows here first."""

from pathlib import Path

import pytest

from archform.providers.cloudformation import generate
from archform.providers.cloudformation.write import text_of

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.arch"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_templates(path, snapshot):
    result = generate(path, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    for template, body in result.templates:
        assert text_of(body, "yaml") == snapshot(name=template.file)
    assert result.manifest == snapshot(name="manifest")
